// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Shared helpers for the QPaho suites: waiting on futures without blocking the event loop,
// describing results, the usual MQTT 3.1.1/5 data rows.
#pragma once

#include "common/brokerfixture.h"

#include <QPaho/QPaho>

#include <QtCore/QFuture>
#include <QtCore/QMetaEnum>
#include <QtCore/QString>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <initializer_list>
#include <utility>

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

// The data rows of a test run once per protocol version: a column "version" and two rows
// named v3Row (MQTT 3.1.1) and v5Row (MQTT 5).
inline void addVersionRows(const char *v3Row = "v3.1.1", const char *v5Row = "v5")
{
    QTest::addColumn<QPaho::ProtocolVersion>("version");
    QTest::newRow(v3Row) << QPaho::ProtocolVersion::Mqtt311;
    QTest::newRow(v5Row) << QPaho::ProtocolVersion::Mqtt5;
}

// The first argument of every emission a spy recorded, as T: the states of a stateChanged()
// spy, in order.
template<typename T>
QList<T> firstArguments(const QSignalSpy &spy)
{
    QList<T> out;
    for (const QList<QVariant> &arguments : spy)
        out << arguments.at(0).value<T>();
    return out;
}

// The data rows of a test with one column of type T: a row per { name, value }, in order.
template<typename T>
void addRows(const char *column, std::initializer_list<std::pair<const char *, T>> rows)
{
    QTest::addColumn<T>(column);
    for (const auto &[name, value] : rows)
        QTest::newRow(name) << value;
}

// Columns "version" and "qos": rows "v3.1.1 qos<N>" for each of qosLevels, then "v5 qos<N>".
inline void addVersionQosRows(std::initializer_list<int> qosLevels)
{
    QTest::addColumn<QPaho::ProtocolVersion>("version");
    QTest::addColumn<int>("qos");
    for (const auto &[name, version] : { std::pair("v3.1.1", QPaho::ProtocolVersion::Mqtt311),
             std::pair("v5", QPaho::ProtocolVersion::Mqtt5) }) {
        for (const int qos : qosLevels)
            QTest::addRow("%s qos%d", name, qos) << version << qos;
    }
}

} // namespace QPahoTest

// Calls a helper that checks with QVERIFY/QCOMPARE (a failure there returns from the helper
// only) and returns from the test function too if it failed: QPAHO_CHECKED(connectBoth());
#define QPAHO_CHECKED(...)                                                                         \
    do {                                                                                           \
        __VA_ARGS__;                                                                               \
        if (QTest::currentTestFailed())                                                            \
            return;                                                                                \
    } while (false)

// QVERIFY2 with the result's error string in the failure message.
#define QPAHO_VERIFY_OK(expr)                                                                      \
    do {                                                                                           \
        const auto qpahoResult_ = (expr);                                                          \
        QVERIFY2(qpahoResult_.isOk(), qPrintable(qpahoResult_.errorString()));                     \
    } while (false)
