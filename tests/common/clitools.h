// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Helpers for the qpaho-pub/qpaho-sub suites: where the tools are, running a tool (or its
// mosquitto counterpart) against a fixture broker, and an observer that records what arrives.
#pragma once

#include "common/brokerfixture.h"

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtTest/QTest>

#include <memory>
#include <vector>

namespace QPahoTest {

// The built tools (paths compiled in by tests/suites.cmake).
inline QString qpahoPub()
{
    return QStringLiteral(QPAHO_PUB_PATH);
}
inline QString qpahoSub()
{
    return QStringLiteral(QPAHO_SUB_PATH);
}

// An argument list from string literals (the suites build with QT_NO_CAST_FROM_ASCII).
inline QStringList argv(std::initializer_list<const char *> words)
{
    QStringList list;
    for (const char *word : words)
        list.append(QString::fromUtf8(word));
    return list;
}

// Replaces every "{P}" in args with the broker's port.
inline QStringList withPort(QStringList args, quint16 port)
{
    for (QString &arg : args)
        arg.replace(QStringLiteral("{P}"), QString::number(port));
    return args;
}

// Runs `program args` with "-h 127.0.0.1 -p <port>" in front (unless args contain -L).
inline ProcessResult runTool(const QString &program, quint16 port, const QStringList &args,
    const QByteArray &stdinData = {}, int timeoutMs = 15000)
{
    QStringList full;
    if (!args.contains(QStringLiteral("-L")))
        full << QStringLiteral("-h") << QStringLiteral("127.0.0.1") << QStringLiteral("-p")
             << QString::number(port);
    full << withPort(args, port);
    return runProcess(program, full, timeoutMs, stdinData);
}

// One invocation for runConcurrently().
struct ToolRun
{
    QString program;
    quint16 port = 0;
    QStringList args {};
    QByteArray input {};
};

// Runs the invocations at the same time (each like runTool()); results in the same order.
inline QList<ProcessResult> runConcurrently(const QList<ToolRun> &runs, int timeoutMs = 15000)
{
    std::vector<std::unique_ptr<QProcess>> processes;
    for (const ToolRun &run : runs) {
        auto process = std::make_unique<QProcess>();
        setDieWithParent(*process);
        QStringList full;
        if (!run.args.contains(QStringLiteral("-L")))
            full << QStringLiteral("-h") << QStringLiteral("127.0.0.1") << QStringLiteral("-p")
                 << QString::number(run.port);
        full << withPort(run.args, run.port);
        process->start(run.program, full);
        process->write(run.input);
        process->closeWriteChannel();
        processes.push_back(std::move(process));
    }
    waitUntil(
        [&] {
            for (const auto &p : processes) {
                if (p->state() != QProcess::NotRunning)
                    return false;
            }
            return true;
        },
        timeoutMs);
    QList<ProcessResult> results;
    for (const auto &p : processes) {
        ProcessResult r;
        r.timedOut = p->state() != QProcess::NotRunning;
        if (r.timedOut) {
            p->kill();
            p->waitForFinished(1000);
        }
        r.exitCode = !r.timedOut && p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
        r.stdOut = p->readAllStandardOutput();
        r.stdErr = p->readAllStandardError();
        results.append(r);
    }
    return results;
}

// Sees everything published on the broker as "topic|qos|retain|hexpayload" lines (a
// mosquitto_sub -F '%t|%q|%r|%x' on '#' at QoS 2). drain() publishes a sentinel after the
// traffic under test and waits for it, so every earlier message has arrived by then.
class Observer
{
public:
    explicit Observer(quint16 port, bool v5 = false)
        : m_port(port),
          m_sub(port, QStringLiteral("#"),
              { .qos = 2,
                  .v5 = v5,
                  .extraArgs = { QStringLiteral("-F"), QStringLiteral("%t|%q|%r|%x") } })
    { }
    bool start() { return m_sub.start(); }
    QString error() const { return m_sub.error(); }

    // The lines seen since the previous drain(), up to the sentinel.
    QStringList drain()
    {
        const QString sentinel = QStringLiteral("zz-sentinel/") + uniqueId();
        const ProcessResult r = mosquittoPub(m_port,
            { QStringLiteral("-q"), QStringLiteral("2"), QStringLiteral("-t"), sentinel,
                QStringLiteral("-m"), QStringLiteral("x") });
        if (r.exitCode != 0)
            return { QStringLiteral("sentinel publish failed: ") + QString::fromUtf8(r.stdErr) };
        const QString sentinelLine = sentinel + QStringLiteral("|2|0|78");
        waitUntil([&] { return m_sub.lines().contains(sentinelLine); }, 10000);
        const QStringList all = m_sub.lines();
        const qsizetype at = all.indexOf(sentinelLine);
        if (at < 0)
            return { QStringLiteral("sentinel never arrived") };
        const QStringList seen = all.mid(m_consumed, at - m_consumed);
        m_consumed = at + 1;
        return seen;
    }

private:
    quint16 m_port;
    MosquittoSub m_sub;
    qsizetype m_consumed = 0;
};

} // namespace QPahoTest
