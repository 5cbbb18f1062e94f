// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Refusing requests made from a thread other than the Client's (see threadcheck_p.h).

#include "core/threadcheck_p.h"

#include "common/logging_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QObject>
#include <QtCore/QThread>

namespace QPaho::Internal {

namespace {

// "main thread 0x55d0c8a3e2a0" / "thread \"worker\" 0x7f..." / "thread 0x7f...".
QString describeThread(const QThread *thread)
{
    const QString address = QStringLiteral("0x%1").arg(quintptr(thread), 0, 16);
    if (!thread)
        return QStringLiteral("no thread");
    if (QCoreApplication::instance() && thread == QCoreApplication::instance()->thread())
        return QStringLiteral("main thread %1").arg(address);
    if (!thread->objectName().isEmpty())
        return QStringLiteral("thread \"%1\" %2").arg(thread->objectName(), address);
    return QStringLiteral("thread %1").arg(address);
}

} // namespace

std::optional<Result> checkOwnerThread(const QObject *client, const char *call)
{
    const QThread *caller = QThread::currentThread();
    const QThread *owner = client->thread();
    if (caller == owner)
        return std::nullopt;
    const QString text
        = QStringLiteral("%1 was called from %2, but the Client belongs to %3: "
                         "call it from its own thread (nothing was sent)")
              .arg(QLatin1String(call), describeThread(caller), describeThread(owner));
    qCWarning(lcClient).noquote() << text;
    return Result(Error::WrongThread, text);
}

} // namespace QPaho::Internal
