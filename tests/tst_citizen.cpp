// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A good citizen in the host process (issue 12): paho work that blocks never runs on the
// owner thread (the HandleReaper destroys handles on a thread of its own that exists only
// while there is work), misuse from a foreign thread is loud and harmless, failures that are
// no request's own result reach errorOccurred(), and an idle client schedules nothing.
// Behaviour only; the call times are in the benchmark (bench/, scenario "calls").
#include "common/qpahotest.h"

#include "handlereaper_p.h"

#include <QPaho/QPaho>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QPahoTest;
using QPaho::Client;
using QPaho::Error;
using QPaho::Internal::HandleReaper;

namespace {

constexpr int kTimeoutMs = 10000;

int threadsNamed(const QByteArray &name)
{
    int count = 0;
    const QStringList tasks
        = QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &task : tasks) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(task));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().trimmed() == name)
            ++count;
    }
    return count;
}

int reaperThreads()
{
    return threadsNamed(QByteArrayLiteral("qpaho-reaper"));
}

int pahoThreads()
{
    return threadsNamed(QByteArrayLiteral("MQTTAsync_rcv"))
        + threadsNamed(QByteArrayLiteral("MQTTAsync_send"));
}

// Holds the reaper for one scope (released at exit too: a failed QVERIFY returns early).
struct ReaperHold
{
    ReaperHold() { HandleReaper::setHeldForTesting(true); }
    ~ReaperHold() { HandleReaper::setHeldForTesting(false); }
    ReaperHold(const ReaperHold &) = delete;
    ReaperHold &operator=(const ReaperHold &) = delete;
};

} // namespace

class TstCitizen : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void destroyLeavesPahoWorkToTheReaper();
    void reconnectDoesNotWaitForTheOldHandle();
    void reaperThreadEndsWithItsWork();

private:
    Mosquitto m_broker;
};

void TstCitizen::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstCitizen::init()
{
    // Every test starts with the handles of the previous one destroyed.
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
}

void TstCitizen::destroyLeavesPahoWorkToTheReaper()
{
    // With the reaper held, ~Client() returns although its paho handle (the process' last, so
    // its destroy would stop paho's threads) is not destroyed yet: the owner thread never waits
    // for paho. Every future is finished by then all the same.
    auto *client = new Client;
    QPAHO_VERIFY_OK(await(client->connectToHost(m_broker.tcpUri())));
    const QString topic = QStringLiteral("citizen/%1").arg(uniqueId());
    QPAHO_VERIFY_OK(await(client->subscribe(topic, 1)));
    std::vector<QFuture<QPaho::PublishResult>> publishes;
    for (int i = 0; i < 20; ++i)
        publishes.push_back(client->publish(topic, QByteArray(1024, 'x'), 1));
    {
        ReaperHold hold;
        delete client;
        for (const auto &f : publishes)
            QVERIFY(f.isFinished());
        QCOMPARE(HandleReaper::pendingCount(), 1);
        QVERIFY(pahoThreads() > 0); // paho's threads are stopped by the destroy, later
        QCOMPARE(reaperThreads(), 1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(HandleReaper::pendingCount(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
    for (const auto &f : publishes) {
        const auto r = resultOf(f);
        QVERIFY2(r.isOk() || r.error() == Error::ClientDestroyed, qPrintable(describe(r)));
    }
}

void TstCitizen::reconnectDoesNotWaitForTheOldHandle()
{
    // connectToHost() again on the same Client (a new generated client id, so a new paho handle)
    // connects while the old handle still waits for the reaper.
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    ReaperHold hold;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QCOMPARE(HandleReaper::pendingCount(), 1);
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
}

void TstCitizen::reaperThreadEndsWithItsWork()
{
    // The reaper's thread exists only while there is work: none before, none after.
    QCOMPARE(reaperThreads(), 0);
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    }
    QTRY_COMPARE_WITH_TIMEOUT(HandleReaper::pendingCount(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(reaperThreads(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
}

QTEST_GUILESS_MAIN(TstCitizen)
#include "tst_citizen.moc"
