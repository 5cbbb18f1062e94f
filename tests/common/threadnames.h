// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// This process' threads by name (/proc/self/task/*/comm): paho's are MQTTAsync_send and
// MQTTAsync_rcv, QPaho's qpaho-waker and qpaho-reaper. Linux only, like the suites using it.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QStringList>

namespace QPahoTest {

// The task ids of this process' threads with that name.
inline QStringList threadIdsNamed(const QByteArray &name)
{
    QStringList ids;
    const QStringList tasks
        = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &task : tasks) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(task));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            ids.append(task);
    }
    return ids;
}

inline int threadsNamed(const QByteArray &name)
{
    return int(threadIdsNamed(name).size());
}

// paho's send and receive threads (one pair per process while a paho handle exists).
inline int pahoThreads()
{
    return threadsNamed(QByteArrayLiteral("MQTTAsync_rcv"))
        + threadsNamed(QByteArrayLiteral("MQTTAsync_send"));
}

// QPaho's own: the waker's server (while a paho handle exists and the waker is needed) and
// the HandleReaper's worker (while a destroy is queued or running).
inline int wakerThreads()
{
    return threadsNamed(QByteArrayLiteral("qpaho-waker"));
}

inline int reaperThreads()
{
    return threadsNamed(QByteArrayLiteral("qpaho-reaper"));
}

} // namespace QPahoTest
