// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Shared helpers for the QPaho suites: waiting on futures without blocking the event loop.
#pragma once

#include "common/brokerfixture.h"

#include <QPaho/QPaho>

#include <QtCore/QFuture>
#include <QtCore/QMetaEnum>
#include <QtCore/QString>
#include <QtTest/QTest>

namespace QPahoTest {

// Spins the event loop until `future` finishes or timeoutMs passes. Never calls
// waitForFinished(): QPaho completes its futures on this thread's event loop.
template<typename T>
bool waitForFuture(const QFuture<T> &future, int timeoutMs = 10000)
{
    return waitUntil([&future] { return future.isFinished(); }, timeoutMs);
}

// The result of a finished QPaho future. QPaho futures are never canceled; if one is,
// this returns a result that says so (so a test fails with a message, not a crash).
template<typename T>
T resultOf(const QFuture<T> &future)
{
    if (!future.isFinished())
        return T(QPaho::Result(QPaho::Error::Timeout, QStringLiteral("test: future not finished")));
    if (future.isCanceled() || future.resultCount() != 1)
        return T(QPaho::Result(QPaho::Error::PahoError,
            QStringLiteral("test: future canceled or without exactly one result")));
    return future.result();
}
template<>
inline QPaho::Message resultOf(const QFuture<QPaho::Message> &future)
{
    if (!future.isFinished() || future.isCanceled() || future.resultCount() != 1) {
        QPaho::Message failed;
        QPaho::Properties why;
        why.setReasonString(QStringLiteral("test: future not finished, canceled or without "
                                           "exactly one result"));
        failed.setProperties(why);
        return failed;
    }
    return future.result();
}

// Waits for `future` and returns its result (see resultOf()).
template<typename T>
T await(const QFuture<T> &future, int timeoutMs = 10000)
{
    waitForFuture(future, timeoutMs);
    return resultOf(future);
}

// A result for a failure message: `ConnectionRefused: "text" (paho -1, reason 0x87)`.
inline QString describe(const QPaho::Result &result)
{
    const char *name = QMetaEnum::fromType<QPaho::Error>().valueToKey(int(result.error()));
    return QStringLiteral("%1: \"%2\" (paho %3, reason 0x%4)")
        .arg(QString::fromLatin1(name), result.errorString())
        .arg(result.pahoCode())
        .arg(result.reasonCode(), 0, 16);
}

} // namespace QPahoTest

// QVERIFY2 with the result's error string in the failure message.
#define QPAHO_VERIFY_OK(expr)                                                                      \
    do {                                                                                           \
        const auto qpahoResult_ = (expr);                                                          \
        QVERIFY2(qpahoResult_.isOk(), qPrintable(qpahoResult_.errorString()));                     \
    } while (false)
