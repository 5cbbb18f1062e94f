// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_THREADCHECK_P_H
#define QPAHO_THREADCHECK_P_H

// The thread check of every public call: a call from a thread other than the object's finishes at
// once with Error::WrongThread naming both threads, sends nothing, and logs one warning.

#include <QPaho/result.h>

#include <QtCore/QFuture>
#include <QtCore/QPromise>

#include <optional>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace QPaho::Internal {

// The Client is reentrant, not thread-safe: its request table, queue and state live on its
// owner thread. A request from another thread is refused before it touches any of that: the
// caller gets an Error::WrongThread result that names both threads, and "qpaho.client" logs one
// warning per refused call. Empty when the caller is on `client`'s thread.
std::optional<Result> checkOwnerThread(const QObject *client, const char *call);

// A future that is already finished with `result`.
template<typename R>
QFuture<R> finishedFuture(const R &result)
{
    QPromise<R> promise;
    promise.start();
    promise.addResult(result);
    promise.finish();
    return promise.future();
}

} // namespace QPaho::Internal

#endif // QPAHO_THREADCHECK_P_H
