// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The paho version gate (src/paho/pahoversion_p.h, docs/paho-workarounds.md): the version QPaho
// reads at run time is the one paho reports, the installed paho needs every workaround, newer
// versions keep them until a fix is recorded, and with a pretended fixed paho each workaround
// is off, shown by what it does to the process (a thread, a socket option, a queued destroy,
// a parked handle), next to the same observation with the real paho.
#include "common/pretendfixedpaho.h"
#include "common/qpahotest.h"
#include "common/reaperhold.h"
#include "common/sockets.h"
#include "common/threadnames.h"

#include "paho/handlereaper_p.h"
#include "paho/pahoquarantine_p.h"
#include "paho/pahoversion_p.h"

#include <QPaho/QPaho>

#include <QtTest/QTest>

#include <MQTTAsync.h>

#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

using namespace QPahoTest;
using QPaho::Client;
using QPaho::Internal::HandleReaper;
using QPaho::Internal::kWorkaroundCount;
using QPaho::Internal::PahoVersion;
using QPaho::Internal::Workaround;
using QPahoTest::PretendFixedPaho;
namespace PahoQuarantine = QPaho::Internal::PahoQuarantine;

Q_DECLARE_METATYPE(PahoVersion)

namespace QPaho::Internal {
// For QCOMPARE's failure message (found by ADL).
char *toString(const PahoVersion &version)
{
    return qstrdup(version.toString().constData());
}
} // namespace QPaho::Internal

namespace {

constexpr int kTimeoutMs = 10000;

const char *nameOf(Workaround w)
{
    return QPaho::Internal::workaroundName(w);
}

std::vector<Workaround> allWorkarounds()
{
    std::vector<Workaround> all;
    for (int i = 0; i < kWorkaroundCount; ++i)
        all.push_back(Workaround(i));
    return all;
}

} // namespace

class TstPahoVersion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void versionIsWhatPahoReports();
    void parse_data();
    void parse();
    void installedPahoNeedsEveryWorkaround();
    void newerPahoKeepsWorkaroundsUntilAFixIsRecorded();

    void wakerOffStartsNoThread();
    void noDelayOffLeavesTheSocketAlone();
    void reaperOffDestroysOnTheCallersThread();
    // Last: its control parks a handle for good, and a parked handle keeps paho's threads.
    void quarantineOffDestroysInsteadOfParking();

private:
    Mosquitto m_broker;
};

void TstPahoVersion::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstPahoVersion::init()
{
    // Every test starts with no paho handle: the waker starts (and reads its gate) afresh.
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(wakerThreads(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
}

void TstPahoVersion::cleanup()
{
    QPaho::Internal::setPahoVersionForTesting({});
    for (const Workaround w : allWorkarounds())
        QPaho::Internal::setPahoFixedInForTesting(w, {});
    HandleReaper::setHeldForTesting(false);
}

void TstPahoVersion::versionIsWhatPahoReports()
{
    const char *reported = nullptr;
    for (const MQTTAsync_nameValue *info = MQTTAsync_getVersionInfo(); info && info->name; ++info) {
        if (std::strcmp(info->name, "Version") == 0)
            reported = info->value;
    }
    QVERIFY2(reported, "MQTTAsync_getVersionInfo() has no \"Version\" entry");
    qInfo("paho.mqtt.c reports version %s", reported);
    const PahoVersion version = QPaho::Internal::reportedPahoVersion();
    QVERIFY2(version.isValid(), reported);
    QCOMPARE(version.toString(), QByteArray(reported));
    QCOMPARE(QPaho::Internal::runningPahoVersion(), version);
    QCOMPARE(version.major, 1); // QPaho is written for paho.mqtt.c 1.x
}

void TstPahoVersion::parse_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<PahoVersion>("expected");
    QTest::newRow("debian 12") << QByteArray("1.3.11") << PahoVersion { 1, 3, 11 };
    QTest::newRow("suffix") << QByteArray("1.3.14-rc1") << PahoVersion { 1, 3, 14 };
    QTest::newRow("zeros") << QByteArray("0.0.0") << PahoVersion { 0, 0, 0 };
    QTest::newRow("two parts") << QByteArray("1.3") << PahoVersion {};
    QTest::newRow("empty") << QByteArray() << PahoVersion {};
    QTest::newRow("letters") << QByteArray("a.b.c") << PahoVersion {};
    QTest::newRow("empty part") << QByteArray("1..3") << PahoVersion {};
    QTest::newRow("huge") << QByteArray("1.3.1000") << PahoVersion {};
    QTest::newRow("build timestamp") << QByteArray("2023-01-08T20:00:00Z") << PahoVersion {};
}

void TstPahoVersion::parse()
{
    QFETCH(QByteArray, text);
    QFETCH(PahoVersion, expected);
    QCOMPARE(PahoVersion::fromString(text.constData()), expected);
    QVERIFY((PahoVersion { 1, 3, 9 } < PahoVersion { 1, 3, 10 }));
    QVERIFY((PahoVersion { 1, 3, 13 } < PahoVersion { 1, 4, 0 }));
    QVERIFY(!PahoVersion::fromString(nullptr).isValid());
}

void TstPahoVersion::installedPahoNeedsEveryWorkaround()
{
    // No paho release is known to fix any of them: every workaround is on here, and the table
    // records no fix (a fix recorded by mistake would switch a workaround off everywhere).
    for (const Workaround w : allWorkarounds()) {
        QVERIFY2(QPaho::Internal::pahoNeeds(w), nameOf(w));
        QVERIFY2(!QPaho::Internal::pahoFixedIn(w).isValid(), nameOf(w));
        QVERIFY2(QPaho::Internal::newestCheckedPahoVersion(w).isValid(), nameOf(w));
    }
}

void TstPahoVersion::newerPahoKeepsWorkaroundsUntilAFixIsRecorded()
{
    using QPaho::Internal::pahoNeeds;
    using QPaho::Internal::setPahoFixedInForTesting;
    using QPaho::Internal::setPahoVersionForTesting;
    // A version far newer than any checked one: still every workaround, nothing is recorded.
    setPahoVersionForTesting({ 99, 0, 0 });
    QCOMPARE(QPaho::Internal::runningPahoVersion(), (PahoVersion { 99, 0, 0 }));
    for (const Workaround w : allWorkarounds())
        QVERIFY2(pahoNeeds(w), nameOf(w));

    // A fix recorded for one of them: off from that release on, on before it; the others stay.
    setPahoFixedInForTesting(Workaround::NoTcpNoDelay, { 1, 4, 0 });
    setPahoVersionForTesting({ 1, 3, 99 });
    QVERIFY(pahoNeeds(Workaround::NoTcpNoDelay));
    setPahoVersionForTesting({ 1, 4, 0 });
    QVERIFY(!pahoNeeds(Workaround::NoTcpNoDelay));
    setPahoVersionForTesting({ 1, 4, 1 });
    QVERIFY(!pahoNeeds(Workaround::NoTcpNoDelay));
    for (const Workaround w : allWorkarounds()) {
        if (w != Workaround::NoTcpNoDelay)
            QVERIFY2(pahoNeeds(w), nameOf(w));
    }

    // Back to the installed paho, which is older than that fix.
    setPahoVersionForTesting({});
    QCOMPARE(QPaho::Internal::runningPahoVersion(), QPaho::Internal::reportedPahoVersion());
    QVERIFY(pahoNeeds(Workaround::NoTcpNoDelay));
}

void TstPahoVersion::wakerOffStartsNoThread()
{
    // The real paho: a connected Client has the waker's thread.
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
        QTRY_COMPARE_WITH_TIMEOUT(wakerThreads(), 1, kTimeoutMs);
    }
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(wakerThreads(), 0, kTimeoutMs);

    // A paho that fixed both defects: no thread (and so no listener, no hidden client), and
    // the client works all the same.
    PretendFixedPaho fixed { Workaround::ReceiveThreadPoll, Workaround::SendThreadLostSignal };
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("version/%1").arg(uniqueId()), "x", 1)));
    QCOMPARE(wakerThreads(), 0);
}

void TstPahoVersion::noDelayOffLeavesTheSocketAlone()
{
    // The real paho: the Client's socket gets TCP_NODELAY (after CONNACK, before the connect
    // future finishes, for an address literal).
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
        const std::vector<int> sockets = socketsConnectedTo(m_broker.port());
        QCOMPARE(int(sockets.size()), 1);
        QVERIFY(hasTcpNoDelay(sockets.front()));
    }
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(int(socketsConnectedTo(m_broker.port()).size()), 0, kTimeoutMs);

    // A paho that set TCP_NODELAY itself: QPaho leaves the socket as paho made it.
    PretendFixedPaho fixed { Workaround::NoTcpNoDelay };
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("version/%1").arg(uniqueId()), "x", 1)));
    const std::vector<int> sockets = socketsConnectedTo(m_broker.port());
    QCOMPARE(int(sockets.size()), 1);
    QVERIFY(!hasTcpNoDelay(sockets.front()));
}

void TstPahoVersion::reaperOffDestroysOnTheCallersThread()
{
    // The real paho: with the reaper held, ~Client() leaves its handle queued on the reaper.
    {
        ReaperHold hold;
        auto *client = new Client;
        QPAHO_VERIFY_OK(await(client->connectToHost(m_broker.tcpUri())));
        delete client;
        QCOMPARE(HandleReaper::pendingCount(), 1);
    }
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(reaperThreads(), 0, kTimeoutMs);

    // A paho whose destroy does not block: ~Client() destroys the handle itself, nothing is
    // queued (although the reaper is held) and no reaper thread starts.
    PretendFixedPaho fixed { Workaround::BlockingDestroy };
    ReaperHold hold;
    auto *client = new Client;
    QPAHO_VERIFY_OK(await(client->connectToHost(m_broker.tcpUri())));
    delete client;
    QCOMPARE(HandleReaper::pendingCount(), 0);
    QCOMPARE(reaperThreads(), 0);
    QCOMPARE(int(socketsConnectedTo(m_broker.port()).size()), 0); // the destroy closed it
}

void TstPahoVersion::quarantineOffDestroysInsteadOfParking()
{
    // park() with a fresh handle (never connected, so it starts no paho thread) and something
    // its options would point to: parked, the handle and that stay for good; with a paho whose
    // session memory survives a failed write, both are let go through the reaper.
    const auto newHandle = [] {
        MQTTAsync handle = nullptr;
        MQTTAsync_createOptions options = MQTTAsync_createOptions_initializer;
        options.MQTTVersion = MQTTVERSION_3_1_1;
        const QByteArray id = uniqueId(QStringLiteral("parked")).toUtf8();
        return MQTTAsync_createWithOptions(&handle, "tcp://127.0.0.1:1", id.constData(),
                   MQTTCLIENT_PERSISTENCE_NONE, nullptr, &options)
                == MQTTASYNC_SUCCESS
            ? handle
            : nullptr;
    };
    const int parkedBefore = PahoQuarantine::parkedCount();
    {
        PretendFixedPaho fixed { Workaround::FailedWriteCorruptsSession };
        MQTTAsync handle = newHandle();
        QVERIFY(handle);
        auto keepAlive = std::make_shared<int>(1);
        const std::weak_ptr<int> watch = keepAlive;
        PahoQuarantine::parkForTesting(handle, std::move(keepAlive));
        HandleReaper::waitForIdle();
        QCOMPARE(PahoQuarantine::parkedCount(), parkedBefore);
        QVERIFY(watch.expired()); // the reaper released it after MQTTAsync_destroy
        QCOMPARE(wakerThreads(), 0); // the waker reference park() took went back
    }

    // The real paho: parked, kept.
    MQTTAsync handle = newHandle();
    QVERIFY(handle);
    auto keepAlive = std::make_shared<int>(2);
    const std::weak_ptr<int> watch = keepAlive;
    PahoQuarantine::parkForTesting(handle, std::move(keepAlive));
    HandleReaper::waitForIdle();
    QCOMPARE(PahoQuarantine::parkedCount(), parkedBefore + 1);
    QVERIFY(!watch.expired());
}

QTEST_GUILESS_MAIN(TstPahoVersion)
#include "tst_pahoversion.moc"
