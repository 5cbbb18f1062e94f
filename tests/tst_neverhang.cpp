// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// One regression test per case where paho.mqtt.c never calls back, or calls back twice
// (paho-qt-notes.md §2): the QPaho future finishes, and exactly once (its .then()
// continuation runs once, also after later events and after the Client is destroyed).
#include "common/faultproxy.h"
#include "common/qpahotest.h"
#include "common/workerthread.h"

#include "paho/handlereaper_p.h"

#include <QPaho/QPaho>

#include <QtCore/QElapsedTimer>
#include <QtCore/QLoggingCategory>
#include <QtCore/QSemaphore>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <memory>

using namespace QPaho;
using namespace QPahoTest;

namespace {

constexpr int kLong = 10000;

// Counts the runs of a .then() continuation on a future and keeps the last result.
template<typename T>
class Tracker
{
public:
    explicit Tracker(const QFuture<T> &future) : m_future(future)
    {
        m_future.then(&m_context, [this](const T &result) {
            ++m_runs;
            m_result = result;
        });
    }
    int runs() const { return m_runs; }
    T result() const { return m_result; }
    bool isFinished() const { return m_future.isFinished(); }

private:
    QFuture<T> m_future;
    QObject m_context;
    int m_runs = 0;
    T m_result;
};

ConnectOptions options(const QString &uri)
{
    ConnectOptions o(uri);
    o.setClientId(uniqueId(QStringLiteral("nh")));
    o.setConnectTimeout(5000);
    return o;
}

// paho's trace tells when paho has called connectionLost (on its receive thread): from then
// on it refuses requests with MQTTASYNC_DISCONNECTED, before the Client's thread has handled
// the loss. The handler swallows paho's debug trace and only watches for that line.
std::atomic<bool> g_pahoCalledConnectionLost { false };
QtMessageHandler g_previousHandler = nullptr;

void traceWatcher(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "qpaho.paho") == 0
        && (type == QtDebugMsg || type == QtInfoMsg)) {
        if (message.contains(QLatin1String("Calling connectionLost")))
            g_pahoCalledConnectionLost = true;
        return;
    }
    g_previousHandler(type, context, message);
}

} // namespace

class TstNeverHang : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void connectWhileConnected();
    void connectWhileConnecting();
    void destroyWhileConnectInFlight();
    void destroyWhileDisconnectInFlight();
    void subscribeInFlightAtLossPersistentSession_data()
    {
        QPahoTest::addVersionRows("v3-cleanSession-false", "v5-sessionExpiry-300");
    }
    void subscribeInFlightAtLossPersistentSession();
    void disconnectQueuedBehindPendingPublishes();
    void unresolvableHostWithAutomaticReconnect();
    void v5PubackRefusal();
    void topicLongerThan65535Bytes();
    void publishRacingConnectionLossIsBuffered();

private:
    std::unique_ptr<Mosquitto> m_broker;
};

void TstNeverHang::initTestCase()
{
    // Before the first Client: QPaho sets paho's trace level once, from this category.
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.paho.debug=true"));
    // "Calling connectionLost" is in paho's function trace, below its per-packet trace.
    qputenv("QPAHO_PAHO_TRACE_LEVEL", "minimum");
    g_previousHandler = qInstallMessageHandler(traceWatcher);
    m_broker = std::make_unique<Mosquitto>();
    QVERIFY2(m_broker->start(), qPrintable(m_broker->lastError()));
}

// paho: connect() while connected returns 0 and never calls back.
void TstNeverHang::connectWhileConnected()
{
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    const ConnectOptions o = options(m_broker->tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));

    Tracker second(client.connectToHost(o));
    QVERIFY(second.isFinished());
    QCOMPARE(second.runs(), 1);
    QCOMPARE(second.result().error(), Error::InvalidState);

    // Later traffic does not finish it again, and the connection is untouched.
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("nh/cwc"), "x", 1)));
    QCOMPARE(second.runs(), 1);
    QCOMPARE(connectedSpy.count(), 1);
    QCOMPARE(client.state(), Client::State::Connected);
}

// paho: connect() while connecting returns -18 or silently replaces the first callbacks.
void TstNeverHang::connectWhileConnecting()
{
    auto client = std::make_unique<Client>();
    QSignalSpy connectedSpy(client.get(), &Client::connected);
    const ConnectOptions o = options(m_broker->tcpUri());
    Tracker first(client->connectToHost(o));
    QCOMPARE(client->state(), Client::State::Connecting);
    Tracker second(client->connectToHost(o));
    QCOMPARE(second.runs(), 1);
    QCOMPARE(second.result().error(), Error::InvalidState);

    QTRY_COMPARE_WITH_TIMEOUT(first.runs(), 1, kLong);
    QPAHO_VERIFY_OK(first.result());
    QPAHO_VERIFY_OK(await(client->publish(QStringLiteral("nh/cwc2"), "x", 1)));
    QCOMPARE(connectedSpy.count(), 1);
    client.reset();
    QCOMPARE(first.runs(), 1);
    QCOMPARE(second.runs(), 1);
}

// paho: a connect being processed when destroy runs lives in m->connect and is never called
// back. The broker is behind a black-holed proxy, so CONNACK never comes.
void TstNeverHang::destroyWhileConnectInFlight()
{
    FaultProxy proxy(m_broker->port());
    QVERIFY(proxy.port() != 0);
    proxy.setBlackhole(true);
    auto client = std::make_unique<Client>();
    Tracker connect(client->connectToHost(options(proxy.tcpUri())));
    // paho has opened the TCP connection: the CONNECT is in flight.
    QTRY_COMPARE_WITH_TIMEOUT(proxy.acceptedCount(), 1, kLong);
    QCOMPARE(client->state(), Client::State::Connecting);
    QCOMPARE(connect.runs(), 0);

    client.reset();
    QCOMPARE(connect.runs(), 1);
    QCOMPARE(connect.result().error(), Error::ClientDestroyed);
}

// paho: a disconnect being processed when destroy runs is never called back. The broker is
// paused with QoS 1 publishes outstanding, so paho holds the DISCONNECT.
void TstNeverHang::destroyWhileDisconnectInFlight()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    auto client = std::make_unique<Client>();
    QPAHO_VERIFY_OK(await(client->connectToHost(options(broker.tcpUri()))));

    broker.pause();
    std::vector<std::unique_ptr<Tracker<PublishResult>>> publishes;
    for (int i = 0; i < 30; ++i) {
        publishes.push_back(std::make_unique<Tracker<PublishResult>>(
            client->publish(QStringLiteral("nh/dwd"), QByteArray::number(i), 1)));
    }
    Tracker disconnect(client->disconnectFromHost());
    QCOMPARE(client->state(), Client::State::Disconnecting);
    QCOMPARE(disconnect.runs(), 0);

    client.reset();
    QCOMPARE(disconnect.runs(), 1);
    QCOMPARE(disconnect.result().error(), Error::ClientDestroyed);
    for (const auto &p : publishes) {
        QCOMPARE(p->runs(), 1);
        QVERIFY(!p->result().isOk());
    }
    broker.resume();
}

// paho: with a persistent session, a SUBSCRIBE/UNSUBSCRIBE in flight at connection loss is
// never re-sent and completes only at destroy. QPaho finishes it with ConnectionLost at the
// loss, and never again (not at the reconnect, not at destroy).
void TstNeverHang::subscribeInFlightAtLossPersistentSession()
{
    QFETCH(ProtocolVersion, version);
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    FaultProxy proxy(broker.port());
    QVERIFY(proxy.port() != 0);
    auto client = std::make_unique<Client>();
    QSignalSpy connectedSpy(client.get(), &Client::connected);
    QSignalSpy lostSpy(client.get(), &Client::connectionLost);
    ConnectOptions o = options(proxy.tcpUri());
    o.setProtocolVersion(version);
    o.setCleanSession(false);
    if (version == ProtocolVersion::Mqtt5)
        o.setSessionExpiryInterval(300);
    o.setAutomaticReconnect(true);
    o.setRetryInterval(100, 400);
    QPAHO_VERIFY_OK(await(client->connectToHost(o)));
    const QString topic = QStringLiteral("nh/%1/sub").arg(uniqueId());
    const QString oldTopic = topic + QStringLiteral("/old");
    QPAHO_VERIFY_OK(await(client->subscribe(oldTopic, 1)));

    broker.pause(); // SUBACK/UNSUBACK never arrive
    const qint64 before = proxy.bytesForwarded();
    Tracker subscribe(client->subscribe(topic, 1));
    Tracker unsubscribe(client->unsubscribe(oldTopic));
    QCOMPARE(client->inFlight(), 2);
    // Wait until paho has written both packets: they are in flight, not queued in paho.
    const int v5 = version == ProtocolVersion::Mqtt5 ? 1 : 0; // the properties length byte
    const qint64 subscribeBytes = 2 + 2 + v5 + 2 + topic.size() + 1;
    const qint64 unsubscribeBytes = 2 + 2 + v5 + 2 + oldTopic.size();
    QTRY_VERIFY_WITH_TIMEOUT(
        proxy.bytesForwarded() >= before + subscribeBytes + unsubscribeBytes, kLong);
    proxy.cutAll();

    QTRY_COMPARE_WITH_TIMEOUT(subscribe.runs(), 1, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(unsubscribe.runs(), 1, kLong);
    QCOMPARE(subscribe.result().error(), Error::ConnectionLost);
    QCOMPARE(unsubscribe.result().error(), Error::ConnectionLost);
    QCOMPARE(lostSpy.count(), 1);

    broker.resume();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QVERIFY(connectedSpy.at(1).at(0).value<ConnectResult>().sessionPresent());
    QPAHO_VERIFY_OK(await(client->publish(topic, "x", 1)));
    QCOMPARE(client->inFlight(), 0);
    client.reset(); // paho would fail the old SUBSCRIBE (-11) now
    QCOMPARE(subscribe.runs(), 1);
    QCOMPARE(unsubscribe.runs(), 1);
}

// paho: a user DISCONNECT queues behind pending requests and may never complete. With the
// broker paused, 20 QoS 1 publishes fill paho's in-flight window and the SUBSCRIBEs after them
// wait in paho's command queue ("blocking on server receive maximum"); paho processes only
// the first command of a client, so the DISCONNECT behind them waits too. QPaho's guard
// (~10 s) closes the connection: the future finishes exactly once, and so does every request.
void TstNeverHang::disconnectQueuedBehindPendingPublishes()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    auto client = std::make_unique<Client>();
    QSignalSpy disconnectedSpy(client.get(), &Client::disconnected);
    ConnectOptions o = options(broker.tcpUri());
    o.setMaxInflight(20);
    QPAHO_VERIFY_OK(await(client->connectToHost(o)));

    broker.pause();
    std::vector<std::unique_ptr<Tracker<PublishResult>>> publishes;
    for (int i = 0; i < 20; ++i) {
        publishes.push_back(std::make_unique<Tracker<PublishResult>>(
            client->publish(QStringLiteral("nh/dq"), QByteArray::number(i), 1)));
    }
    std::vector<std::unique_ptr<Tracker<SubscribeResult>>> subscribes;
    for (int i = 0; i < 5; ++i) {
        subscribes.push_back(std::make_unique<Tracker<SubscribeResult>>(
            client->subscribe(QStringLiteral("nh/dq/%1").arg(i), 1)));
    }
    QCOMPARE(client->inFlight(), 25); // all handed to paho
    QElapsedTimer timer;
    timer.start();
    Tracker disconnect(client->disconnectFromHost());
    QCOMPARE(disconnect.runs(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(disconnect.runs(), 1, 15000);
    QVERIFY2(timer.elapsed() < 14000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(client->state(), Client::State::Disconnected);
    QCOMPARE(disconnectedSpy.count(), 1);
    for (const auto &p : publishes)
        QCOMPARE(p->runs(), 1);
    for (const auto &s : subscribes)
        QCOMPARE(s->runs(), 1);
    QCOMPARE(client->inFlight(), 0);
    QCOMPARE(client->queued(), 0);

    broker.resume();
    client.reset();
    QCOMPARE(disconnect.runs(), 1);
    for (const auto &p : publishes)
        QCOMPARE(p->runs(), 1);
    for (const auto &s : subscribes)
        QCOMPARE(s->runs(), 1);
}

// paho: with automatic reconnect and a synchronous connect failure (DNS), the same connect's
// onFailure fires on every retry. The connect future finishes once; retries go on.
// The host name is a valid URI host but longer than a DNS name may be (312 > 253 characters):
// glibc's getaddrinfo() fails it without asking a name server. ("nonexistent.invalid" sent a
// DNS query off the machine on every attempt, and an attempt took as long as the name server
// did: once, under load, fewer than 4 attempts in 10 s.)
void TstNeverHang::unresolvableHostWithAutomaticReconnect()
{
    auto client = std::make_unique<Client>();
    QSignalSpy attempts(client.get(), &Client::errorOccurred); // one per failed attempt
    QSignalSpy connectedSpy(client.get(), &Client::connected);
    QStringList labels(5, QString(60, QLatin1Char('x')));
    labels.append(QStringLiteral("invalid"));
    const QString host = labels.join(QLatin1Char('.'));
    ConnectOptions o = options(QStringLiteral("tcp://%1:1883").arg(host));
    o.setAutomaticReconnect(true);
    o.setRetryInterval(50, 200);
    Tracker connect(client->connectToHost(o));
    QTRY_COMPARE_WITH_TIMEOUT(connect.runs(), 1, kLong);
    QCOMPARE(connect.result().error(), Error::ConnectionFailed);

    QTRY_VERIFY_WITH_TIMEOUT(attempts.count() >= 4, kLong);
    QCOMPARE(client->state(), Client::State::Reconnecting);
    QCOMPARE(connect.runs(), 1);
    QCOMPARE(connectedSpy.count(), 0);

    Tracker disconnect(client->disconnectFromHost());
    QCOMPARE(disconnect.runs(), 1);
    QPAHO_VERIFY_OK(disconnect.result());
    QCOMPARE(client->state(), Client::State::Disconnected);
    client.reset();
    QCOMPARE(connect.runs(), 1);
    QCOMPARE(disconnect.runs(), 1);
}

// paho: a v5 PUBACK/PUBREC >= 0x80 goes only to onFailure5. A mosquitto ACL denies the
// publish: the future finishes once with Error::Refused and reason code 0x87.
void TstNeverHang::v5PubackRefusal()
{
    // The fixture's "max_queued_messages 0" makes mosquitto 2.0.11 close a v5 connection right
    // after it denies a QoS > 0 publish (PUBACK/PUBREC 0x87); a finite value does not.
    Mosquitto broker({ .extraConfig = "max_queued_messages 1000",
        .users = { { QStringLiteral("alice"), QStringLiteral("secret") } },
        .acl = "user alice\ntopic readwrite nh/allowed/#\n" });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));

    Client client;
    ConnectOptions o = ConnectOptions::v5(broker.tcpUri());
    o.setUsername(QStringLiteral("alice"));
    o.setPassword("secret");
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));

    Tracker qos1(client.publish(QStringLiteral("nh/denied/one"), "x", 1));
    Tracker qos2(client.publish(QStringLiteral("nh/denied/two"), "x", 2));
    QTRY_COMPARE_WITH_TIMEOUT(qos1.runs(), 1, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(qos2.runs(), 1, kLong);
    QCOMPARE(qos1.result().error(), Error::Refused);
    QCOMPARE(qos1.result().reasonCode(), 0x87);
    QCOMPARE(qos2.result().error(), Error::Refused);
    QCOMPARE(qos2.result().reasonCode(), 0x87);

    // An allowed publish still succeeds, and nothing finishes twice.
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("nh/allowed/x"), "ok", 1)));
    QCOMPARE(qos1.runs(), 1);
    QCOMPARE(qos2.runs(), 1);
    QCOMPARE(client.inFlight(), 0);
    QCOMPARE(client.state(), Client::State::Connected);
}

// paho writes len & 0xFFFF and sends a bogus packet: QPaho refuses at once, sends nothing.
void TstNeverHang::topicLongerThan65535Bytes()
{
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(options(m_broker->tcpUri()))));
    const QString tooLong(65536, QLatin1Char('a'));
    // 32768 two-byte characters: 65536 bytes in UTF-8 (the limit counts bytes).
    const QString tooLongUtf8(32768, QChar(0x00E9));

    for (const QString &topic : { tooLong, tooLongUtf8 }) {
        Tracker publish(client.publish(topic, "x", 1));
        QVERIFY(publish.isFinished());
        QCOMPARE(publish.runs(), 1);
        QCOMPARE(publish.result().error(), Error::InvalidArgument);
        Tracker subscribe(client.subscribe(topic, 1));
        QVERIFY(subscribe.isFinished());
        QCOMPARE(subscribe.result().error(), Error::InvalidArgument);
        Tracker unsubscribe(client.unsubscribe(topic));
        QVERIFY(unsubscribe.isFinished());
        QCOMPARE(unsubscribe.result().error(), Error::InvalidArgument);
    }
    QCOMPARE(client.inFlight(), 0);
    QCOMPARE(client.queued(), 0);
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("nh/after-long"), "x", 1)));
    QCOMPARE(client.state(), Client::State::Connected);
}

// paho has seen the connection drop (and called connectionLost) but the Client's thread has
// not handled it yet: a publish issued in that window, with offline buffering and automatic
// reconnect on, must be buffered and sent after the reconnect, not fail with NotConnected.
// The Client lives in a worker thread that the test holds until paho's trace shows the
// connectionLost call, then the publish runs before the queued loss event.
void TstNeverHang::publishRacingConnectionLossIsBuffered()
{
    FaultProxy proxy(m_broker->port());
    QVERIFY(proxy.port() != 0);
    QPahoTest::WorkerThread worker;
    Client *client = nullptr;
    worker.run([&] { client = new Client(worker.anchor); });
    ConnectOptions o = options(proxy.tcpUri());
    o.setAutomaticReconnect(true);
    o.setRetryInterval(100, 400);
    QFuture<ConnectResult> connect;
    worker.run([&] { connect = client->connectToHost(o); });
    QPAHO_VERIFY_OK(await(connect));

    QSemaphore done;
    QFuture<PublishResult> racing;
    Client::State stateAtPublish = Client::State::Disconnected;
    worker.hold([&] {
        stateAtPublish = client->state();
        racing = client->publish(QStringLiteral("nh/racing"), "racing", 1);
        done.release();
    });
    g_pahoCalledConnectionLost = false;
    proxy.cutAll();
    QTRY_VERIFY_WITH_TIMEOUT(g_pahoCalledConnectionLost.load(), kLong);
    worker.release();
    QVERIFY(done.tryAcquire(1, kLong));
    QCOMPARE(stateAtPublish, Client::State::Connected); // the Client did not know yet

    const PublishResult result = await(racing, kLong);
    QPAHO_VERIFY_OK(result);
    int reconnects = 0;
    worker.run([&] { reconnects = client->reconnects(); });
    QCOMPARE(reconnects, 1);
}

void TstNeverHang::cleanupTestCase()
{
    // paho traces until its last handle is destroyed (on the reaper's thread): restored first,
    // QTest's handler would receive those lines while QTest tears its logger down (SIGSEGV).
    QPaho::Internal::HandleReaper::waitForIdle();
    qInstallMessageHandler(g_previousHandler);
}

QTEST_GUILESS_MAIN(TstNeverHang)
#include "tst_neverhang.moc"
