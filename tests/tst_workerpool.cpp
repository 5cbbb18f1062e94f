// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Consumer groups across processes: examples/worker-pool run as three worker processes sharing
// "$share/workers/jobs/#" on a private mosquitto, and one producer process publishing 10,000
// QoS 1 jobs. Every job is handled at least once and each worker takes a share; one worker is
// killed (SIGKILL) mid-run and started again with the same client id, and the test accounts for
// every job (docs/scaling-out.md has the measured behaviour):
//   - jobs mosquitto had assigned to the dead worker's persistent session wait there (in flight
//     or queued) and arrive when the worker comes back; mosquitto does not hand them to the
//     other members of the group;
//   - jobs the dead worker's paho had already acknowledged (PUBACK) but the worker had not yet
//     handled are gone: paho acknowledges on receipt, before the application sees a message.
//     The test reads those from the broker's log (PUBACK received from the dead worker, no
//     "handled" line) and asserts that every job that is not handled is one of them.
#include "common/brokerfixture.h"
#include "common/qpahotest.h"

#include <QtCore/QHash>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtTest/QTest>

#include <memory>

using namespace Qt::StringLiterals;
using QPahoTest::uniqueId;

namespace {

constexpr int Timeout = 60000;
constexpr int Jobs = 10000;

// One examples/worker-pool process and the jobs it reported as handled.
class PoolProcess
{
public:
    explicit PoolProcess(const QStringList &arguments)
    {
        QPahoTest::setDieWithParent(m_process);
        QObject::connect(
            &m_process, &QProcess::readyReadStandardOutput, &m_process, [this] { consume(); });
        m_process.start(QStringLiteral(QPAHO_WORKER_POOL_BIN), arguments);
    }
    ~PoolProcess()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    bool waitForLine(const QString &prefix, int timeoutMs = Timeout)
    {
        return QPahoTest::waitUntil(
                   [&] {
                       for (const QString &line : std::as_const(m_lines))
                           if (line.startsWith(prefix))
                               return true;
                       return m_process.state() == QProcess::NotRunning;
                   },
                   timeoutMs, 10)
            && m_process.state() != QProcess::NotRunning;
    }
    void kill()
    {
        m_process.kill(); // SIGKILL
        m_process.waitForFinished(5000);
        consume(); // what it printed before it died still counts
    }
    QProcess &process() { return m_process; }
    const QSet<int> &handled() const { return m_handled; }
    int handledLines() const { return m_handledLines; }
    QString output()
    {
        return m_lines.join(u'\n') + u'\n' + QString::fromUtf8(m_process.readAllStandardError());
    }

private:
    void consume()
    {
        m_partial += m_process.readAllStandardOutput();
        qsizetype newline;
        while ((newline = m_partial.indexOf('\n')) >= 0) {
            const QByteArray line = m_partial.left(newline);
            m_partial.remove(0, newline + 1);
            if (line.startsWith("handled ")) {
                m_handled.insert(line.mid(8).toInt());
                ++m_handledLines;
            } else {
                m_lines.append(QString::fromUtf8(line));
            }
        }
    }

    QProcess m_process;
    QByteArray m_partial;
    QStringList m_lines;
    QSet<int> m_handled;
    int m_handledLines = 0;
};

// From mosquitto's log (log_type all), the jobs that client `id` acknowledged with a PUBACK, in
// the part of the log up to its second connection (the first run of the client).
QSet<int> jobsAcknowledgedBy(const QByteArray &log, const QString &id)
{
    const QByteArray client = id.toUtf8();
    const QRegularExpression sending(
        u"Sending PUBLISH to %1 \\(d\\d, q1, r\\d, m(\\d+), 'jobs/(\\d+)'"_s.arg(
            QRegularExpression::escape(id)));
    const QRegularExpression puback(
        u"Received PUBACK from %1 \\(Mid: (\\d+)"_s.arg(QRegularExpression::escape(id)));
    QHash<int, int> jobOfMid;
    QSet<int> acknowledged;
    int connects = 0;
    for (const QByteArray &raw : log.split('\n')) {
        if (!raw.contains(client))
            continue;
        const QString line = QString::fromUtf8(raw);
        if (line.contains(u"New client connected"_s) && line.contains(u" as "_s + id + u' ')
            && ++connects > 1)
            break;
        if (const auto m = sending.match(line); m.hasMatch())
            jobOfMid.insert(m.captured(1).toInt(), m.captured(2).toInt());
        else if (const auto a = puback.match(line); a.hasMatch())
            acknowledged.insert(jobOfMid.value(a.captured(1).toInt(), -1));
    }
    acknowledged.remove(-1);
    return acknowledged;
}

} // namespace

class TstWorkerPool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void everyJobHandledAndWorkerKilled();
    void badGroupName();

private:
    QStringList workerArgs(const QString &id) const
    {
        return { u"--worker"_s, u"--broker"_s, m_broker.tcpUri(), u"--id"_s, id };
    }
    // No persistence: the fixture would save the database after every change (slow with 10,000
    // jobs), and sessions live in memory anyway; the log (log_type all) is read by the test.
    QPahoTest::Mosquitto m_broker { QPahoTest::MosquittoOptions { .persistence = false } };
};

void TstWorkerPool::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstWorkerPool::everyJobHandledAndWorkerKilled()
{
    const QStringList ids { uniqueId(u"w1"_s), uniqueId(u"w2"_s), uniqueId(u"w3"_s) };
    std::vector<std::unique_ptr<PoolProcess>> workers;
    for (const QString &id : ids) {
        workers.push_back(std::make_unique<PoolProcess>(workerArgs(id)));
        QVERIFY2(workers.back()->waitForLine(u"ready "_s), qPrintable(workers.back()->output()));
    }
    PoolProcess producer(
        { u"--producer"_s, u"--broker"_s, m_broker.tcpUri(), u"--jobs"_s, QString::number(Jobs) });

    // Kill the third worker once it has some work done, while jobs are still flowing.
    PoolProcess &victim = *workers.at(2);
    QVERIFY2(QPahoTest::waitUntil([&] { return victim.handledLines() >= 300; }, Timeout),
        qPrintable(victim.output()));
    victim.kill();
    const QSet<int> handledByVictim = victim.handled();

    QVERIFY2(producer.process().waitForFinished(Timeout), "the producer did not finish");
    QVERIFY2(producer.process().exitCode() == 0, qPrintable(producer.output()));
    QVERIFY2(producer.output().contains(u"published "_s), qPrintable(producer.output()));

    // The same worker comes back: its persistent session still holds what was assigned to it.
    PoolProcess restarted(workerArgs(ids.at(2)));
    QVERIFY2(restarted.waitForLine(u"ready "_s), qPrintable(restarted.output()));

    // Jobs the dead worker acknowledged (PUBACK in the broker's log) but never reported.
    const QSet<int> lostInVictim = jobsAcknowledgedBy(m_broker.log(), ids.at(2)) - handledByVictim;
    const auto allHandled = [&] {
        QSet<int> all = lostInVictim;
        for (const auto &w : workers)
            all |= w->handled();
        all |= restarted.handled();
        return all;
    };
    QTRY_COMPARE_WITH_TIMEOUT(allHandled().size(), Jobs, Timeout);
    QSet<int> expected;
    for (int i = 0; i < Jobs; ++i)
        expected.insert(i);
    QCOMPARE(allHandled(), expected);

    int lines = restarted.handledLines();
    for (const auto &w : workers) {
        QVERIFY2(!w->handled().isEmpty(), "a worker took no share");
        lines += w->handledLines();
    }
    qInfo("MEASURED: %d jobs handled by the workers %lld / %lld / %lld (killed after %lld), "
          "%lld by the killed worker after its restart (queued in its session), %lld "
          "acknowledged by the killed worker's paho but never handled, %d handled twice",
        Jobs, qlonglong(workers.at(0)->handled().size()),
        qlonglong(workers.at(1)->handled().size()), qlonglong(handledByVictim.size()),
        qlonglong(handledByVictim.size()), qlonglong(restarted.handled().size()),
        qlonglong(lostInVictim.size()), lines - int(allHandled().size() - lostInVictim.size()));
}

void TstWorkerPool::badGroupName()
{
    // The example refuses a group name the broker would refuse, with a clear error.
    for (const QString &group : { QString(), u"a+b"_s, u"#"_s }) {
        PoolProcess worker(workerArgs(uniqueId(u"bad"_s)) << u"--group"_s << group);
        QVERIFY(worker.process().waitForFinished(Timeout));
        QCOMPARE(worker.process().exitCode(), 2);
        QVERIFY2(
            worker.output().contains(u"Error: invalid group name"_s), qPrintable(worker.output()));
    }
}

QTEST_GUILESS_MAIN(TstWorkerPool)
#include "tst_workerpool.moc"
