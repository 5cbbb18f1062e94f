// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-sub with live traffic: -C, -R, -T, --retained-only, --remove-retained, wills and
// signals, TLS. (Output formats are compared with mosquitto_sub in tst_cli_compat.)
#include "common/clitools.h"

#include <QProcess>
#include <QTest>

#include <csignal>

using namespace QPahoTest;

namespace {

// qpaho-sub running with -d, so its stdout says when the SUBACK arrived; output() is what it
// printed apart from the debug lines.
class RunningSub
{
public:
    RunningSub(quint16 port, const QStringList &args)
    {
        setDieWithParent(m_process);
        m_process.start(qpahoSub(),
            QStringList { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                QString::number(port), QStringLiteral("-d"), QStringLiteral("-i"),
                uniqueId(QStringLiteral("cli-sub")) }
                + args);
    }
    ~RunningSub()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
    }
    bool waitForSubscribed()
    {
        return waitUntil([this] { return stdOut().contains("Subscribed (mid: "); }, 10000);
    }
    bool waitForFinished()
    {
        return waitUntil([this] { return m_process.state() == QProcess::NotRunning; }, 10000);
    }
    QByteArray stdOut()
    {
        m_out += m_process.readAllStandardOutput();
        return m_out;
    }
    QByteArrayList output()
    {
        QByteArrayList lines;
        for (const QByteArray &line : stdOut().split('\n')) {
            if (!line.startsWith("Client ") && !line.startsWith("Subscribed (mid: ")
                && !line.isEmpty())
                lines.append(line);
        }
        return lines;
    }
    QByteArray stdErr() { return m_process.readAllStandardError(); }
    int exitCode() const { return m_process.exitCode(); }
    qint64 pid() const { return m_process.processId(); }

private:
    QProcess m_process;
    QByteArray m_out;
};

bool publish(quint16 port, const QStringList &args, const QByteArray &input = {})
{
    return runTool(findProgram(QStringLiteral("mosquitto_pub")), port, args, input).exitCode == 0;
}

} // namespace

class TestCliSub : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void exitsAfterCount();
    void noRetainedSkipsStaleMessages();
    void filterOut();
    void retainedOnlyStopsAtTheFirstLiveMessage();
    void removeRetained();
    void terminationDisconnectsCleanly();
    void killedClientLeavesItsWill();
    void timeoutExitCode();
    void tls();

private:
    std::unique_ptr<Mosquitto> m_broker;
};

void TestCliSub::init()
{
    m_broker = std::make_unique<Mosquitto>(MosquittoOptions { .tls = true });
    QVERIFY2(m_broker->start(), qPrintable(m_broker->lastError()));
}

void TestCliSub::exitsAfterCount()
{
    RunningSub sub(m_broker->port(), argv({ "-t", "live/#", "-C", "5", "-q", "1" }));
    QVERIFY(sub.waitForSubscribed());
    QVERIFY(publish(m_broker->port(), argv({ "-t", "live/a", "-l", "-q", "1" }),
        "m1\nm2\nm3\nm4\nm5\nm6\nm7\n"));
    QVERIFY(sub.waitForFinished());
    QCOMPARE(sub.exitCode(), 0);
    QCOMPARE(sub.output(), QByteArrayList({ "m1", "m2", "m3", "m4", "m5" }));
}

void TestCliSub::noRetainedSkipsStaleMessages()
{
    QVERIFY(publish(m_broker->port(), argv({ "-t", "stale/a", "-m", "old", "-r" })));
    for (const char *version : { "311", "5" }) {
        RunningSub sub(m_broker->port(), argv({ "-t", "stale/#", "-R", "-C", "1", "-V", version }));
        QVERIFY(sub.waitForSubscribed());
        QVERIFY(publish(m_broker->port(), argv({ "-t", "stale/a", "-m", "new" })));
        QVERIFY(sub.waitForFinished());
        QCOMPARE(sub.exitCode(), 0);
        QCOMPARE(sub.output(), QByteArrayList({ "new" }));
    }
}

void TestCliSub::filterOut()
{
    RunningSub sub(m_broker->port(), argv({ "-t", "f/#", "-T", "f/skip/#", "-C", "2", "-v" }));
    QVERIFY(sub.waitForSubscribed());
    QVERIFY(publish(m_broker->port(), argv({ "-t", "f/a", "-m", "1" })));
    QVERIFY(publish(m_broker->port(), argv({ "-t", "f/skip/x", "-m", "2" })));
    QVERIFY(publish(m_broker->port(), argv({ "-t", "f/b", "-m", "3" })));
    QVERIFY(sub.waitForFinished());
    QCOMPARE(sub.output(), QByteArrayList({ "f/a 1", "f/b 3" }));
}

void TestCliSub::retainedOnlyStopsAtTheFirstLiveMessage()
{
    QVERIFY(publish(m_broker->port(), argv({ "-t", "ro/a", "-m", "kept", "-r" })));
    RunningSub sub(m_broker->port(), argv({ "-t", "ro/#", "--retained-only", "-v" }));
    QVERIFY(sub.waitForSubscribed());
    QTRY_COMPARE(sub.output(), QByteArrayList({ "ro/a kept" }));
    QVERIFY(publish(m_broker->port(), argv({ "-t", "ro/b", "-m", "live" })));
    QVERIFY(sub.waitForFinished());
    QCOMPARE(sub.exitCode(), 0);
    QCOMPARE(sub.output(), QByteArrayList({ "ro/a kept" }));
}

void TestCliSub::removeRetained()
{
    QVERIFY(publish(m_broker->port(), argv({ "-t", "rr/a", "-m", "1", "-r" })));
    QVERIFY(publish(m_broker->port(), argv({ "-t", "rr/b", "-m", "2", "-r" })));
    QVERIFY(publish(m_broker->port(), argv({ "-t", "rr/keep", "-m", "3", "-r" })));
    const ProcessResult removal = runTool(qpahoSub(), m_broker->port(),
        argv({ "-t", "rr/#", "-T", "rr/keep", "--remove-retained", "-C", "2" }));
    QCOMPARE(removal.exitCode, 0);
    QCOMPARE(removal.stdOut, QByteArray("1\n2\n"));
    // -W: a fresh subscriber sees only what was filtered out of the removal.
    const ProcessResult after = runTool(findProgram(QStringLiteral("mosquitto_sub")),
        m_broker->port(), argv({ "-t", "rr/#", "-v", "-W", "1" }));
    QCOMPARE(after.stdOut, QByteArray("rr/keep 3\n"));
}

void TestCliSub::terminationDisconnectsCleanly()
{
    // MQTT 3.1.1: SIGTERM sends a normal DISCONNECT, so the will is not published.
    MosquittoSub wills(m_broker->port(), QStringLiteral("wills/#"));
    QVERIFY2(wills.start(), qPrintable(wills.error()));
    RunningSub sub(
        m_broker->port(), argv({ "-t", "x", "--will-topic", "wills/a", "--will-payload", "gone" }));
    QVERIFY(sub.waitForSubscribed());
    ::kill(pid_t(sub.pid()), SIGTERM);
    QVERIFY(sub.waitForFinished());
    QCOMPARE(sub.exitCode(), 0);
    QVERIFY(sub.stdOut().contains("sending DISCONNECT"));
    // MQTT 5: like mosquitto_sub, the DISCONNECT asks for the will (reason 0x04).
    RunningSub sub5(m_broker->port(),
        argv({ "-t", "x", "-V", "5", "--will-topic", "wills/b", "--will-payload", "bye" }));
    QVERIFY(sub5.waitForSubscribed());
    ::kill(pid_t(sub5.pid()), SIGINT);
    QVERIFY(sub5.waitForFinished());
    QCOMPARE(sub5.exitCode(), 0);
    QVERIFY(wills.waitForLines(1));
    QCOMPARE(wills.lines(), QStringList { QStringLiteral("wills/b bye") });
}

void TestCliSub::killedClientLeavesItsWill()
{
    MosquittoSub wills(m_broker->port(), QStringLiteral("wills/#"));
    QVERIFY2(wills.start(), qPrintable(wills.error()));
    RunningSub sub(m_broker->port(),
        argv({ "-t", "x", "--will-topic", "wills/k", "--will-payload", "crashed", "--will-qos", "1",
            "-k", "5" }));
    QVERIFY(sub.waitForSubscribed());
    ::kill(pid_t(sub.pid()), SIGKILL);
    QVERIFY(wills.waitForLines(1, 10000));
    QCOMPARE(wills.lines(), QStringList { QStringLiteral("wills/k crashed") });
}

void TestCliSub::timeoutExitCode()
{
    const ProcessResult r
        = runTool(qpahoSub(), m_broker->port(), argv({ "-t", "quiet/#", "-W", "1" }));
    QCOMPARE(r.exitCode, 27);
    QCOMPARE(r.stdErr, QByteArray("Timed out\n"));
    QCOMPARE(r.stdOut, QByteArray());
}

void TestCliSub::tls()
{
    QVERIFY(publish(m_broker->port(), argv({ "-t", "secure/t", "-m", "over tls", "-r" })));
    const ProcessResult r = runProcess(qpahoSub(),
        { QStringLiteral("-h"), QStringLiteral("localhost"), QStringLiteral("-p"),
            QString::number(m_broker->tlsPort()), QStringLiteral("--cafile"),
            Mosquitto::certPath(QStringLiteral("ca.crt")), QStringLiteral("-t"),
            QStringLiteral("secure/t"), QStringLiteral("-C"), QStringLiteral("1") });
    QCOMPARE(r.stdErr, QByteArray());
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.stdOut, QByteArray("over tls\n"));
}

QTEST_GUILESS_MAIN(TestCliSub)
#include "tst_cli_sub.moc"
