// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Automatic reconnect against a real mosquitto that is stopped and restarted: the Reconnecting
// state, connected()/connectionLost() after every (re)connect, restored subscriptions, offline
// buffering and its bound, failover between two brokers, request timeouts, the inbound
// queue bound and the statistics properties.
#include "common/inbox.h"
#include "common/qpahotest.h"
#include "common/workerthread.h"

#include <QPaho/QPaho>

#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace QPaho;
using namespace QPahoTest;

namespace {

constexpr int kLong = 10000; // generous: costs nothing when things work

// Options of a client that reconnects quickly by itself.
ConnectOptions reconnectOptions(const QString &uri, const QString &clientId = {})
{
    ConnectOptions o(uri);
    o.setClientId(clientId.isEmpty() ? uniqueId(QStringLiteral("rc")) : clientId);
    o.setAutomaticReconnect(true);
    o.setRetryInterval(100, 400);
    o.setConnectTimeout(3000);
    return o;
}

QByteArray payload(int i)
{
    return QByteArray::number(i);
}

// Publishes with mosquitto_pub, an independent peer; with several payloads, one message each
// (-l: one line per message, in order).
bool peerPublish(quint16 port, const QString &topic, const QByteArrayList &payloads, int qos)
{
    const ProcessResult r = mosquittoPub(port,
        { QStringLiteral("-t"), topic, QStringLiteral("-q"), QString::number(qos),
            QStringLiteral("-l") },
        payloads.join('\n') + '\n', kLong);
    if (r.exitCode != 0)
        qWarning() << "mosquitto_pub failed:" << r.stdErr;
    return r.exitCode == 0;
}

} // namespace

class TstReconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void reconnectAfterBrokerRestart_data();
    void reconnectAfterBrokerRestart();
    void subscriptionsRestoredAfterCleanReconnect_data() { QPahoTest::addVersionRows("v3", "v5"); }
    void subscriptionsRestoredAfterCleanReconnect();
    void disconnectWhileReconnectingStopsRetrying();
    void offlineBufferingSendsInOrder();
    void offlineBufferingOffFailsAtOnce();
    void offlineQueueBound_data();
    void offlineQueueBound();
    void failoverToSecondBroker();
    void requestTimeout();
    void statistics();
    void inboundQueueBound_data();
    void inboundQueueBound();
};

void TstReconnect::initTestCase()
{
    if (Mosquitto::executable().isEmpty())
        QFAIL("mosquitto is not installed");
}

void TstReconnect::reconnectAfterBrokerRestart_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<bool>("cleanSession");
    QTest::newRow("v3-clean") << ProtocolVersion::Mqtt311 << true;
    QTest::newRow("v3-persistent") << ProtocolVersion::Mqtt311 << false;
    QTest::newRow("v5-clean") << ProtocolVersion::Mqtt5 << true;
    QTest::newRow("v5-persistent") << ProtocolVersion::Mqtt5 << false;
}

// Connected -> Reconnecting -> Connected, connectionLost once, connected twice (each with the
// CONNACK's session-present flag), reconnects() == 1, statisticsChanged emitted, serverUriChanged
// only once.
void TstReconnect::reconnectAfterBrokerRestart()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(bool, cleanSession);
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));

    Client client;
    QSignalSpy states(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy lostSpy(&client, &Client::connectionLost);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    QSignalSpy statsSpy(&client, &Client::statisticsChanged);
    QSignalSpy uriSpy(&client, &Client::serverUriChanged);

    ConnectOptions o = reconnectOptions(broker.tcpUri());
    o.setProtocolVersion(version);
    o.setCleanSession(cleanSession);
    if (version == ProtocolVersion::Mqtt5 && !cleanSession)
        o.setSessionExpiryInterval(300);
    const ConnectResult first = await(client.connectToHost(o));
    QPAHO_VERIFY_OK(first);
    QVERIFY(!first.sessionPresent());
    QCOMPARE(connectedSpy.count(), 1);
    QCOMPARE(client.reconnects(), 0);
    QCOMPARE(client.state(), Client::State::Connected);

    broker.stop(); // SIGTERM: the broker saves the persistent session
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    QCOMPARE(lostSpy.count(), 1);
    QVERIFY(!lostSpy.at(0).at(0).toString().isEmpty());
    const qsizetype statsBefore = statsSpy.count();

    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(client.reconnects(), 1);
    QCOMPARE(lostSpy.count(), 1);
    QCOMPARE(disconnectedSpy.count(), 0); // losing the connection is not "disconnected for good"
    const ConnectResult second = connectedSpy.at(1).at(0).value<ConnectResult>();
    QPAHO_VERIFY_OK(second);
    QCOMPARE(second.sessionPresent(), !cleanSession);
    QCOMPARE(client.lastConnectResult().sessionPresent(), !cleanSession);
    QCOMPARE(second.serverUri(), broker.tcpUri());
    // Set once by the first attempt; the reconnect attempts to the same server change nothing.
    QCOMPARE(uriSpy.count(), 1);
    QCOMPARE(uriSpy.at(0).at(0).toString(), broker.tcpUri());
    QTRY_VERIFY_WITH_TIMEOUT(statsSpy.count() > statsBefore, kLong); // reconnects() changed

    const QList<Client::State> expected { Client::State::Connecting, Client::State::Connected,
        Client::State::Reconnecting, Client::State::Connected };
    QCOMPARE(firstArguments<Client::State>(states), expected);

    // The reconnected session works.
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("rc/after"), "x", 1)));
}

// Clean session: the broker forgets the subscriptions; the Client re-subscribes by itself, so
// a message a peer (mosquitto_pub) publishes after the reconnect arrives without a new subscribe().
void TstReconnect::subscriptionsRestoredAfterCleanReconnect()
{
    QFETCH(ProtocolVersion, version);
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("rc/%1/restore").arg(uniqueId());

    Client client;
    Inbox inbox(client);
    QSignalSpy connectedSpy(&client, &Client::connected);
    ConnectOptions o = reconnectOptions(broker.tcpUri());
    o.setProtocolVersion(version);
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    QPAHO_VERIFY_OK(await(client.subscribe(topic, 1)));
    QPAHO_VERIFY_OK(await(client.subscribe(topic + QStringLiteral("/two"), 0)));

    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    const qint64 mark = broker.logMark();
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QVERIFY(!connectedSpy.at(1).at(0).value<ConnectResult>().sessionPresent());
    // The broker logs "<client id> <qos> <filter>" when it adds a subscription.
    const QByteArray id = client.clientId().toUtf8();
    QVERIFY(broker.waitForLog(id + " 1 " + topic.toUtf8(), kLong, mark));
    QVERIFY(broker.waitForLog(id + " 0 " + topic.toUtf8() + "/two", kLong, mark));

    QVERIFY(peerPublish(broker.port(), topic, { "after-restart" }, 1));
    QVERIFY(peerPublish(broker.port(), topic + QStringLiteral("/two"), { "two" }, 0));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 2, kLong);
    QCOMPARE(inbox.payloadsOn(topic), QByteArrayList { "after-restart" });
    QCOMPARE(inbox.payloadsOn(topic + QStringLiteral("/two")), QByteArrayList { "two" });
}

// disconnectFromHost() while Reconnecting finishes ok at once, the state becomes
// Disconnected, requests queued meanwhile fail with Disconnected, and the broker coming back
// does not reconnect the client.
void TstReconnect::disconnectWhileReconnectingStopsRetrying()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    QPAHO_VERIFY_OK(await(client.connectToHost(reconnectOptions(broker.tcpUri()))));

    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    auto queuedPublish = client.publish(QStringLiteral("rc/queued"), "q", 1);
    QVERIFY(!queuedPublish.isFinished());

    auto disconnect = client.disconnectFromHost();
    QVERIFY2(
        disconnect.isFinished(), "disconnectFromHost() while reconnecting must finish at once");
    QPAHO_VERIFY_OK(resultOf(disconnect));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(disconnectedSpy.count(), 1);
    QVERIFY(queuedPublish.isFinished());
    QCOMPARE(resultOf(queuedPublish).error(), Error::Disconnected);
    QCOMPARE(client.queued(), 0);

    // The broker comes back: no reconnect may happen (retries were 100..400 ms apart).
    const qint64 mark = broker.logMark();
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QSignalSpy states(&client, &Client::stateChanged);
    QVERIFY(!states.wait(2000));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(connectedSpy.count(), 1);
    QVERIFY2(!broker.log().mid(mark).contains(client.clientId().toUtf8()),
        "the client connected to the broker after disconnectFromHost()");
}

// Publishes and a subscribe issued while Reconnecting wait in QPaho's queue (queued() counts
// them) and are sent after the reconnect, in the order they were issued.
void TstReconnect::offlineBufferingSendsInOrder()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString base = QStringLiteral("rc/%1").arg(uniqueId());
    const QString streamTopic = base + QStringLiteral("/stream");
    const QString lateTopic = base + QStringLiteral("/late");

    Client client;
    Inbox inbox(client);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QPAHO_VERIFY_OK(await(client.connectToHost(reconnectOptions(broker.tcpUri()))));
    QPAHO_VERIFY_OK(await(client.subscribe(streamTopic, 1)));

    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);

    QObject context;
    QList<int> completionOrder;
    QList<QFuture<PublishResult>> publishes;
    for (int i = 0; i < 5; ++i)
        publishes.append(client.publish(streamTopic, payload(i), 1));
    auto subscribe = client.subscribe(lateTopic, 1);
    for (int i = 5; i < 10; ++i)
        publishes.append(client.publish(streamTopic, payload(i), 1));
    for (int i = 0; i < publishes.size(); ++i) {
        const int order = i < 5 ? i : i + 1; // the subscribe is number 5
        publishes[i].then(&context, [&completionOrder, order](const PublishResult &r) {
            if (r.isOk())
                completionOrder.append(order);
        });
    }
    subscribe.then(&context, [&completionOrder](const SubscribeResult &r) {
        if (r.isOk())
            completionOrder.append(5);
    });
    QCOMPARE(client.queued(), 11);
    QCOMPARE(client.inFlight(), 0);
    for (const auto &f : std::as_const(publishes))
        QVERIFY(!f.isFinished());
    QVERIFY(!subscribe.isFinished());

    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    for (const auto &f : std::as_const(publishes))
        QPAHO_VERIFY_OK(await(f));
    QPAHO_VERIFY_OK(await(subscribe));
    QCOMPARE(completionOrder, (QList<int> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }));
    QCOMPARE(client.queued(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(client.inFlight(), 0, kLong);

    // The restored stream subscription came first: every buffered message arrived, in order.
    QByteArrayList expected;
    for (int i = 0; i < 10; ++i)
        expected.append(payload(i));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.payloadsOn(streamTopic), expected, kLong);
    // The subscription issued while reconnecting is in effect.
    QPAHO_VERIFY_OK(await(client.publish(lateTopic, "late", 1)));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.payloadsOn(lateTopic), QByteArrayList { "late" }, kLong);
}

// With offline buffering off, requests issued while Reconnecting fail with NotConnected at once.
void TstReconnect::offlineBufferingOffFailsAtOnce()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    ConnectOptions o = reconnectOptions(broker.tcpUri());
    o.setOfflineBuffering(false);
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    QPAHO_VERIFY_OK(await(client.subscribe(QStringLiteral("rc/off"), 1)));

    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    auto publish = client.publish(QStringLiteral("rc/off"), "x", 1);
    auto subscribe = client.subscribe(QStringLiteral("rc/off2"), 1);
    auto unsubscribe = client.unsubscribe(QStringLiteral("rc/off"));
    QVERIFY(publish.isFinished());
    QVERIFY(subscribe.isFinished());
    QVERIFY(unsubscribe.isFinished());
    QCOMPARE(resultOf(publish).error(), Error::NotConnected);
    QCOMPARE(resultOf(subscribe).error(), Error::NotConnected);
    QCOMPARE(resultOf(unsubscribe).error(), Error::NotConnected);
    QCOMPARE(client.queued(), 0);
}

void TstReconnect::offlineQueueBound_data()
{
    QPahoTest::addRows<OverflowPolicy>("policy",
        { { "RejectNewest", OverflowPolicy::RejectNewest },
            { "DropOldest", OverflowPolicy::DropOldest } });
}

// setMaxQueuedRequests(10) while Reconnecting: the 11th publish fails with BufferFull
// (RejectNewest), or the oldest queued one does (DropOldest); never silently. queued() is the
// queue length. After the reconnect exactly the ten kept messages are delivered.
void TstReconnect::offlineQueueBound()
{
    QFETCH(OverflowPolicy, policy);
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("rc/%1/bound").arg(uniqueId());

    Client client;
    Inbox inbox(client);
    QSignalSpy connectedSpy(&client, &Client::connected);
    ConnectOptions o = reconnectOptions(broker.tcpUri());
    o.setMaxQueuedRequests(10);
    o.setQueueOverflowPolicy(policy);
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    QPAHO_VERIFY_OK(await(client.subscribe(topic, 1)));

    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    QList<QFuture<PublishResult>> publishes;
    for (int i = 0; i < 10; ++i) {
        publishes.append(client.publish(topic, payload(i), 1));
        QCOMPARE(client.queued(), i + 1);
    }
    for (const auto &f : std::as_const(publishes))
        QVERIFY(!f.isFinished());

    publishes.append(client.publish(topic, payload(10), 1));
    QCOMPARE(client.queued(), 10);
    const int victim = policy == OverflowPolicy::RejectNewest ? 10 : 0;
    for (int i = 0; i < publishes.size(); ++i) {
        QCOMPARE(publishes.at(i).isFinished(), i == victim);
    }
    QCOMPARE(resultOf(publishes.at(victim)).error(), Error::BufferFull);

    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QByteArrayList expected;
    for (int i = 0; i < publishes.size(); ++i) {
        if (i == victim)
            continue;
        QPAHO_VERIFY_OK(await(publishes.at(i)));
        expected.append(payload(i));
    }
    QCOMPARE(client.queued(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(inbox.payloads(), expected, kLong);
}

// Two brokers in setServerUris({a, b}); a dies: the client continues on b (serverUri() and
// serverUriChanged, connected() with b's URI), restores its subscriptions there, messages flow.
void TstReconnect::failoverToSecondBroker()
{
    Mosquitto a;
    Mosquitto b;
    QVERIFY2(a.start(), qPrintable(a.lastError()));
    QVERIFY2(b.start(), qPrintable(b.lastError()));
    const QString topic = QStringLiteral("rc/%1/failover").arg(uniqueId());

    Client client;
    Inbox inbox(client);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy uriSpy(&client, &Client::serverUriChanged);
    QSignalSpy lostSpy(&client, &Client::connectionLost);
    ConnectOptions o = reconnectOptions(a.tcpUri());
    o.setServerUris({ a.tcpUri(), b.tcpUri() });
    const ConnectResult first = await(client.connectToHost(o));
    QPAHO_VERIFY_OK(first);
    QCOMPARE(first.serverUri(), a.tcpUri());
    QCOMPARE(client.serverUri(), a.tcpUri());
    QPAHO_VERIFY_OK(await(client.subscribe(topic, 1)));

    a.stop();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QCOMPARE(lostSpy.count(), 1);
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(client.serverUri(), b.tcpUri());
    QCOMPARE(connectedSpy.at(1).at(0).value<ConnectResult>().serverUri(), b.tcpUri());
    QVERIFY(!uriSpy.isEmpty());
    QCOMPARE(uriSpy.last().at(0).toString(), b.tcpUri());
    QCOMPARE(client.reconnects(), 1);
    QVERIFY(b.waitForLog(client.clientId().toUtf8() + " 1 " + topic.toUtf8(), kLong));

    // A message published on b by another client reaches the failed-over client.
    QVERIFY(peerPublish(b.port(), topic, { "via-b" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.payloads(), QByteArrayList { "via-b" }, kLong);
    // And the client's own publishes go to b.
    QPAHO_VERIFY_OK(await(client.publish(topic, "own", 1)));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.payloads(), (QByteArrayList { "via-b", "own" }), kLong);
}

// setRequestTimeout(500) and a broker stopped with SIGSTOP: a QoS 1 publish finishes with
// Error::Timeout after about 500 ms.
void TstReconnect::requestTimeout()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    ConnectOptions o(broker.tcpUri());
    o.setRequestTimeout(500);
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));

    broker.pause();
    QElapsedTimer timer;
    timer.start();
    auto publish = client.publish(QStringLiteral("rc/timeout"), "x", 1);
    const PublishResult result = await(publish, kLong);
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(result.error(), Error::Timeout);
    QVERIFY2(elapsed >= 450 && elapsed < 5000, qPrintable(QString::number(elapsed)));
    QCOMPARE(client.inFlight(), 0);
    broker.resume();

    // The late PUBACK is ignored; the connection still works.
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("rc/timeout"), "y", 1)));
}

// messagesSent, messagesReceived, inFlight, queued change and statisticsChanged is emitted.
void TstReconnect::statistics()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("rc/%1/stats").arg(uniqueId());
    Client client;
    QSignalSpy statsSpy(&client, &Client::statisticsChanged);
    QCOMPARE(client.messagesSent(), 0u);
    QCOMPARE(client.messagesReceived(), 0u);
    QCOMPARE(client.messagesDropped(), 0u);
    QCOMPARE(client.inFlight(), 0);
    QCOMPARE(client.queued(), 0);
    QCOMPARE(client.reconnects(), 0);

    QPAHO_VERIFY_OK(await(client.connectToHost(reconnectOptions(broker.tcpUri()))));
    QPAHO_VERIFY_OK(await(client.subscribe(topic, 1)));
    QList<QFuture<PublishResult>> publishes;
    for (int i = 0; i < 5; ++i)
        publishes.append(client.publish(topic, payload(i), 1));
    QVERIFY(client.inFlight() > 0); // handed to paho synchronously
    QVERIFY(client.inFlight() + client.queued() >= 5);
    for (const auto &f : std::as_const(publishes))
        QPAHO_VERIFY_OK(await(f));
    QCOMPARE(client.messagesSent(), 5u);
    QTRY_COMPARE_WITH_TIMEOUT(client.messagesReceived(), 5u, kLong);
    QCOMPARE(client.inFlight(), 0);
    QCOMPARE(client.queued(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!statsSpy.isEmpty(), kLong);

    // The property system sees the same values.
    QCOMPARE(client.property("messagesSent").toULongLong(), 5u);
    QCOMPARE(client.property("messagesReceived").toULongLong(), 5u);
    QCOMPARE(client.property("inFlight").toInt(), 0);

    // Offline: queued counts, and a reconnect counts.
    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    statsSpy.clear();
    auto offline = client.publish(topic, "offline", 1);
    QCOMPARE(client.queued(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(!statsSpy.isEmpty(), kLong);
    QCOMPARE(client.property("queued").toInt(), 1);
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QPAHO_VERIFY_OK(await(offline));
    QCOMPARE(client.reconnects(), 1);
    QCOMPARE(client.property("reconnects").toInt(), 1);
    QCOMPARE(client.messagesSent(), 6u);
    QTRY_COMPARE_WITH_TIMEOUT(client.messagesReceived(), 6u, kLong);
    QCOMPARE(client.queued(), 0);
    QCOMPARE(client.messagesDropped(), 0u);
}

void TstReconnect::inboundQueueBound_data()
{
    QPahoTest::addRows<OverflowPolicy>("policy",
        { { "DropOldest", OverflowPolicy::DropOldest },
            { "RejectNewest", OverflowPolicy::RejectNewest } });
}

// setMaxPendingMessages(5): 40 messages arrive while the client's thread is busy. Five are
// delivered (the newest with DropOldest, the first with RejectNewest), 35 are counted in
// messagesDropped(). The client lives in a worker thread whose event loop the test holds on
// a semaphore until the broker has logged the client's PUBACK for every message.
void TstReconnect::inboundQueueBound()
{
    QFETCH(OverflowPolicy, policy);
    constexpr int total = 40;
    constexpr int bound = 5;
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("rc/%1/inbound").arg(uniqueId());

    QPahoTest::WorkerThread worker;
    Client *client = nullptr;
    worker.run([&] { client = new Client(worker.anchor); });

    QList<QByteArray> received; // appended on this thread (queued connection)
    QObject receiver;
    QObject::connect(client, &Client::messageReceived, &receiver,
        [&received](const Message &m) { received.append(m.payload()); });

    ConnectOptions o(broker.tcpUri());
    o.setMaxPendingMessages(bound);
    o.setInboundOverflowPolicy(policy);
    QFuture<ConnectResult> connect;
    worker.run([&] { connect = client->connectToHost(o); });
    QPAHO_VERIFY_OK(await(connect));
    QFuture<SubscribeResult> subscribe;
    worker.run([&] { subscribe = client->subscribe(topic, 1); });
    QPAHO_VERIFY_OK(await(subscribe));
    const QByteArray id = client->connectOptions().clientId().toUtf8();

    worker.hold(); // the worker's event loop, until the release below

    const qint64 mark = broker.logMark();
    QByteArrayList payloads;
    for (int i = 0; i < total; ++i)
        payloads.append(payload(i));
    QVERIFY(peerPublish(broker.port(), topic, payloads, 1));
    // paho hands a message to the bridge (messageArrived) before it sends the PUBACK, so once
    // the broker has logged every PUBACK of the client, all messages wait in the bridge.
    QTRY_COMPARE_WITH_TIMEOUT(
        broker.log().mid(mark).count(QByteArray("Received PUBACK from " + id)), total, kLong);
    worker.release();

    quint64 dropped = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            worker.run([&] { dropped = client->messagesDropped(); });
            return received.size() + qsizetype(dropped) == total;
        }(),
        kLong);
    QCOMPARE(dropped, quint64(total - bound));
    // What was kept is the right end of the stream, in order.
    QByteArrayList expected;
    const int first = policy == OverflowPolicy::RejectNewest ? 0 : total - bound;
    for (int i = first; i < first + bound; ++i)
        expected.append(payload(i));
    QCOMPARE(QByteArrayList(received), expected);
    quint64 droppedProperty = 0;
    worker.run([&] { droppedProperty = client->property("messagesDropped").toULongLong(); });
    QCOMPARE(droppedProperty, dropped);
}

QTEST_GUILESS_MAIN(TstReconnect)
#include "tst_reconnect.moc"
