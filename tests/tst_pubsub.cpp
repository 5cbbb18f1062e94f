// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Publish/subscribe end to end against a real mosquitto: QoS round trips and bursts, retained
// messages, the last will, payload edge cases (empty, binary, 1 MiB), messageReceived,
// unsubscribe and multi-filter subscribe, over MQTT 3.1.1 and MQTT 5.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/connectall.h"
#include "common/faultproxy.h"
#include "common/inbox.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QElapsedTimer>
#include <QtCore/QRandomGenerator>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <memory>

using namespace QPaho;
using QPahoTest::await;
using QPahoTest::Inbox;
using QPahoTest::optionsFor;

namespace {

constexpr int Timeout = 10000;

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QRandomGenerator generator(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char(generator.bounded(256));
    return bytes;
}

} // namespace

class TstPubSub : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void roundTrip_data();
    void roundTrip();
    void burstArrivesOnceInOrder_data() { QPahoTest::addVersionQosRows({ 1, 2 }); }
    void burstArrivesOnceInOrder();
    void burstHasNoStall_data() { QPahoTest::addVersionRows(); }
    void burstHasNoStall();
    void retainedDeliveredToNewSubscriber_data() { QPahoTest::addVersionRows(); }
    void retainedDeliveredToNewSubscriber();
    void emptyRetainedPayloadClearsRetained_data() { QPahoTest::addVersionRows(); }
    void emptyRetainedPayloadClearsRetained();
    void willPublishedOnAbnormalDisconnect_data();
    void willPublishedOnAbnormalDisconnect();
    void noWillOnNormalDisconnect_data() { QPahoTest::addVersionRows(); }
    void noWillOnNormalDisconnect();
    void emptyPayload_data() { QPahoTest::addVersionQosRows({ 0, 1 }); }
    void emptyPayload();
    void binaryPayload_data() { QPahoTest::addVersionRows(); }
    void binaryPayload();
    void largePayload_data() { QPahoTest::addVersionRows(); }
    void largePayload();
    void messageReceivedOncePerMessage_data() { QPahoTest::addVersionRows(); }
    void messageReceivedOncePerMessage();
    void unsubscribeStopsDelivery_data() { QPahoTest::addVersionRows(); }
    void unsubscribeStopsDelivery();
    void subscribeSeveralFilters_data() { QPahoTest::addVersionRows(); }
    void subscribeSeveralFilters();

private:
    // Options for the broker (or `uri`) with the version of the current data row.
    ConnectOptions options(const QString &idPrefix, const QString &uri = {}) const;
    // subscriber and publisher with options("sub") and options("pub"), for QPAHO_CONNECT_ALL().
    QList<QPahoTest::ClientOptions> subscriberAndPublisher(
        Client &subscriber, Client &publisher) const
    {
        return { { &subscriber, options(QStringLiteral("sub")) },
            { &publisher, options(QStringLiteral("pub")) } };
    }

    QPahoTest::Mosquitto m_broker;
};

void TstPubSub::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

ConnectOptions TstPubSub::options(const QString &idPrefix, const QString &uri) const
{
    QFETCH(ProtocolVersion, version);
    return optionsFor(version, uri.isEmpty() ? m_broker.tcpUri() : uri, idPrefix);
}

void TstPubSub::roundTrip_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("publishQos");
    QTest::addColumn<int>("subscribeQos");
    for (const auto &[name, version] :
        { std::pair { "v3.1.1", ProtocolVersion::Mqtt311 }, { "v5", ProtocolVersion::Mqtt5 } }) {
        for (int pubQos = 0; pubQos <= 2; ++pubQos) {
            for (int subQos = 0; subQos <= 2; ++subQos) {
                QTest::addRow("%s pub%d sub%d", name, pubQos, subQos)
                    << version << pubQos << subQos;
            }
        }
    }
}

void TstPubSub::roundTrip()
{
    QFETCH(int, publishQos);
    QFETCH(int, subscribeQos);
    const QString topic = QPahoTest::uniqueId(QStringLiteral("rt")) + QStringLiteral("/data");
    const QByteArray payload
        = "round trip " + QByteArray::number(publishQos) + '/' + QByteArray::number(subscribeQos);

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    const SubscribeResult sub = await(subscriber.subscribe(topic, subscribeQos), Timeout);
    QPAHO_VERIFY_OK(sub);
    QCOMPARE(sub.grantedQos(), subscribeQos);

    const PublishResult pub = await(publisher.publish(topic, payload, publishQos), Timeout);
    QPAHO_VERIFY_OK(pub);
    QCOMPARE(pub.topic(), topic);
    if (publishQos > 0)
        QVERIFY2(pub.messageId() > 0, qPrintable(QString::number(pub.messageId())));
    else
        QCOMPARE(pub.messageId(), 0);

    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    const Message received = inbox.messages.constFirst();
    QCOMPARE(received.topic(), topic);
    QCOMPARE(received.payload(), payload);
    QCOMPARE(received.qos(), std::min(publishQos, subscribeQos));
    QVERIFY(!received.isRetained());
    QVERIFY(!received.isDuplicate());
    if (received.qos() > 0)
        QVERIFY(received.messageId() > 0);
}

void TstPubSub::burstArrivesOnceInOrder()
{
    QFETCH(int, qos);
    constexpr int Count = 500;
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("burst"));
    const QString topic = prefix + QStringLiteral("/data");
    const QString sentinelTopic = prefix + QStringLiteral("/sentinel");

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(prefix + QStringLiteral("/#"), qos), Timeout));

    QList<QFuture<PublishResult>> futures;
    QList<QByteArray> expected;
    for (int i = 0; i < Count; ++i) {
        const QByteArray payload = "message " + QByteArray::number(i);
        expected << payload;
        futures << publisher.publish(topic, payload, qos);
    }
    QVERIFY(QPahoTest::waitUntil(
        [&futures] {
            return std::all_of(
                futures.cbegin(), futures.cend(), [](const auto &f) { return f.isFinished(); });
        },
        30000));
    for (int i = 0; i < Count; ++i) {
        const PublishResult result = QPahoTest::resultOf(futures.at(i));
        QVERIFY2(result.isOk(),
            qPrintable(QStringLiteral("publish %1: %2").arg(i).arg(result.errorString())));
        QVERIFY(result.messageId() > 0);
    }

    // The sentinel goes out after every publish completed: anything that arrives twice arrives
    // before it (same connection, same broker queue).
    QPAHO_VERIFY_OK(await(publisher.publish(sentinelTopic, "end", qos), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(inbox.hasTopic(sentinelTopic), 30000);

    const QList<Message> data = inbox.on(topic);
    QList<QByteArray> payloads;
    for (const Message &m : data) {
        payloads << m.payload();
        QCOMPARE(m.qos(), qos);
    }
    QCOMPARE(payloads.size(), Count);
    QCOMPARE(payloads, expected);
    QCOMPARE(inbox.messages.size(), Count + 1);
}

void TstPubSub::burstHasNoStall()
{
    // Client::publish() says publishing in a loop without waiting is the fast path: 100 QoS 1
    // publishes to a local broker take well under a second. paho 1.3.11's send thread, when
    // its in-flight window (maxInflight, 20) is full, looks at its queue again only once a
    // second unless a new command wakes it, so publishes parked inside paho behind a full
    // window drain at ~20 per second (this burst then takes 3-4 s). The bound is generous.
    constexpr int Count = 100;
    constexpr qint64 LimitMs = 2500;
    const QString topic = QPahoTest::uniqueId(QStringLiteral("stall")) + QStringLiteral("/data");

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));

    QElapsedTimer timer;
    timer.start();
    QList<QFuture<PublishResult>> futures;
    for (int i = 0; i < Count; ++i)
        futures << publisher.publish(topic, QByteArray::number(i), 1);
    QVERIFY(QPahoTest::waitUntil(
        [&futures] {
            return std::all_of(
                futures.cbegin(), futures.cend(), [](const auto &f) { return f.isFinished(); });
        },
        30000, 1));
    const qint64 elapsed = timer.elapsed();
    for (const auto &future : std::as_const(futures))
        QPAHO_VERIFY_OK(QPahoTest::resultOf(future));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), Count, Timeout);
    QVERIFY2(elapsed < LimitMs,
        qPrintable(QStringLiteral("%1 QoS 1 publishes took %2 ms (limit %3 ms)")
                       .arg(Count)
                       .arg(elapsed)
                       .arg(LimitMs)));
}

void TstPubSub::retainedDeliveredToNewSubscriber()
{
    const QString topic = QPahoTest::uniqueId(QStringLiteral("ret")) + QStringLiteral("/state");
    const QByteArray payload = "retained state";

    Client publisher;
    Client subscriber;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, payload, 1, true), Timeout));

    // The subscription is made after the publish completed.
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    const Message m = inbox.messages.constFirst();
    QCOMPARE(m.topic(), topic);
    QCOMPARE(m.payload(), payload);
    QCOMPARE(m.qos(), 1);
    QVERIFY(m.isRetained());

    // A live publish to the same topic reaches the existing subscriber without the retain flag
    // (MQTT 3.1.1 3.3.1.3, MQTT 5 retain-as-published off).
    QPAHO_VERIFY_OK(await(publisher.publish(topic, "live", 1, true), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 2, Timeout);
    QCOMPARE(inbox.messages.at(1).payload(), QByteArray("live"));
    QVERIFY(!inbox.messages.at(1).isRetained());

    // Clean up the broker's retained store.
    QPAHO_VERIFY_OK(await(publisher.publish(topic, QByteArray(), 1, true), Timeout));
}

void TstPubSub::emptyRetainedPayloadClearsRetained()
{
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("clr"));
    const QString cleared = prefix + QStringLiteral("/cleared");
    const QString kept = prefix + QStringLiteral("/kept");
    const QString sentinel = prefix + QStringLiteral("/sentinel");

    Client publisher;
    Client before;
    Client after;
    Inbox beforeInbox(before);
    Inbox inbox(after);
    QPAHO_CONNECT_ALL({ { &publisher, options(QStringLiteral("pub")) },
        { &before, options(QStringLiteral("before")) },
        { &after, options(QStringLiteral("after")) } });
    QPAHO_VERIFY_OK(await(publisher.publish(cleared, "to be cleared", 1, true), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(kept, "kept", 1, true), Timeout));

    // Before clearing, a new subscription gets both retained messages.
    QPAHO_VERIFY_OK(await(before.subscribe(prefix + QStringLiteral("/#"), 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(beforeInbox.messages.size(), 2, Timeout);
    QVERIFY(beforeInbox.hasTopic(cleared));
    QVERIFY(beforeInbox.hasTopic(kept));

    QPAHO_VERIFY_OK(await(publisher.publish(cleared, QByteArray(), 1, true), Timeout));
    // The live subscriber gets the clearing message itself (empty payload).
    QTRY_COMPARE_WITH_TIMEOUT(beforeInbox.messages.size(), 3, Timeout);
    QCOMPARE(beforeInbox.messages.at(2).topic(), cleared);
    QVERIFY(beforeInbox.messages.at(2).payload().isEmpty());

    // After clearing, a new subscription gets only the other one.
    QPAHO_VERIFY_OK(await(after.subscribe(prefix + QStringLiteral("/#"), 1), Timeout));
    // The broker sends the retained messages of a subscription before anything published
    // after it, so once the sentinel is in, every retained message is in.
    QPAHO_VERIFY_OK(await(publisher.publish(sentinel, "sentinel", 1), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(inbox.hasTopic(sentinel), Timeout);
    QCOMPARE(inbox.on(kept).size(), 1);
    QVERIFY(inbox.on(kept).constFirst().isRetained());
    QVERIFY2(!inbox.hasTopic(cleared), "the cleared retained message was still delivered");
    QCOMPARE(inbox.messages.size(), 2);

    QPAHO_VERIFY_OK(await(publisher.publish(kept, QByteArray(), 1, true), Timeout));
}

void TstPubSub::willPublishedOnAbnormalDisconnect_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<bool>("blackhole");
    QTest::newRow("v3.1.1 cut") << ProtocolVersion::Mqtt311 << false;
    QTest::newRow("v5 cut") << ProtocolVersion::Mqtt5 << false;
    QTest::newRow("v5 blackhole") << ProtocolVersion::Mqtt5 << true;
}

void TstPubSub::willPublishedOnAbnormalDisconnect()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(bool, blackhole);
    const QString willTopic = QPahoTest::uniqueId(QStringLiteral("will")) + QStringLiteral("/gone");
    const QByteArray willPayload = "client vanished";

    QPahoTest::FaultProxy proxy(m_broker.port());
    QVERIFY(proxy.port() != 0);
    Client subscriber;
    Client willClient;
    Inbox inbox(subscriber);
    QSignalSpy lost(&willClient, &Client::connectionLost);
    ConnectOptions willOptions = optionsFor(version, proxy.tcpUri(), QStringLiteral("willer"));
    willOptions.setKeepAliveInterval(1);
    willOptions.setWill(WillOptions(willTopic, willPayload, 1));
    QPAHO_CONNECT_ALL(
        { { &subscriber, options(QStringLiteral("sub")) }, { &willClient, willOptions } });
    QPAHO_VERIFY_OK(await(subscriber.subscribe(willTopic, 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 1, Timeout);

    if (blackhole)
        proxy.setBlackhole(true); // the broker sees no PINGREQ: keep-alive timeout (1.5 s)
    else
        proxy.cutAll(); // RST on both sides

    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    const Message will = inbox.messages.constFirst();
    QCOMPARE(will.topic(), willTopic);
    QCOMPARE(will.payload(), willPayload);
    QCOMPARE(will.qos(), 1);
    QVERIFY(!will.isRetained());
    // The client noticed too.
    QTRY_COMPARE_WITH_TIMEOUT(lost.size(), 1, Timeout);
}

void TstPubSub::noWillOnNormalDisconnect()
{
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("nowill"));
    const QString willTopic = prefix + QStringLiteral("/gone");
    const QString sentinel = prefix + QStringLiteral("/sentinel");

    QFETCH(ProtocolVersion, version);
    QPahoTest::FaultProxy proxy(m_broker.port());
    QVERIFY(proxy.port() != 0);
    Client subscriber;
    Client willClient;
    Client publisher;
    Inbox inbox(subscriber);
    QSignalSpy disconnected(&willClient, &Client::disconnected);
    ConnectOptions willOptions = optionsFor(version, proxy.tcpUri(), QStringLiteral("willer"));
    willOptions.setKeepAliveInterval(1);
    willOptions.setWill(WillOptions(willTopic, "must not be published", 1));
    QPAHO_CONNECT_ALL({ { &subscriber, options(QStringLiteral("sub")) },
        { &willClient, willOptions }, { &publisher, options(QStringLiteral("pub")) } });
    QPAHO_VERIFY_OK(await(subscriber.subscribe(prefix + QStringLiteral("/#"), 1), Timeout));
    QCOMPARE(proxy.connectionCount(), 1);

    const qint64 mark = m_broker.logMark();
    QPAHO_VERIFY_OK(await(willClient.disconnectFromHost(), Timeout));
    QCOMPARE(willClient.state(), Client::State::Disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, Timeout);
    // Wait until the broker has handled the end of that connection (when a will would be
    // published); only then send the sentinel.
    QVERIFY2(m_broker.waitForLog(
                 "Client " + willOptions.clientId().toUtf8() + " disconnected", Timeout, mark),
        m_broker.log().right(2000).constData());
    QTRY_COMPARE_WITH_TIMEOUT(proxy.connectionCount(), 0, Timeout);

    QPAHO_VERIFY_OK(await(publisher.publish(sentinel, "sentinel", 1), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(inbox.hasTopic(sentinel), Timeout);
    QVERIFY2(!inbox.hasTopic(willTopic), "the will was published after a normal disconnect");
    QCOMPARE(inbox.messages.size(), 1);
}

void TstPubSub::emptyPayload()
{
    QFETCH(int, qos);
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("empty"));
    const QString topic = prefix + QStringLiteral("/data");

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(prefix + QStringLiteral("/#"), qos), Timeout));

    QPAHO_VERIFY_OK(await(publisher.publish(topic, QByteArray(), qos), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(Message(topic, QByteArrayLiteral(""), qos)), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, "after", qos), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 3, Timeout);
    for (int i = 0; i < 2; ++i) {
        const Message m = inbox.messages.at(i);
        QCOMPARE(m.topic(), topic);
        QVERIFY2(m.payload().isEmpty(), m.payload().constData());
        QCOMPARE(m.qos(), qos);
        QVERIFY(!m.isRetained());
    }
    QCOMPARE(inbox.messages.at(2).payload(), QByteArray("after"));
}

void TstPubSub::binaryPayload()
{
    const QString topic = QPahoTest::uniqueId(QStringLiteral("bin")) + QStringLiteral("/data");
    // Leading, inner and trailing NULs, then every byte value (twice: up and down).
    QByteArray payload("\0\0binary\0payload\0", 17);
    for (int i = 0; i < 256; ++i)
        payload += char(i);
    for (int i = 255; i >= 0; --i)
        payload += char(i);
    payload += '\0';
    QCOMPARE(payload.size(), 17 + 512 + 1);

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, payload, 1), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, QByteArray(1, '\0'), 0), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 2, Timeout);
    QCOMPARE(inbox.messages.at(0).payload().size(), payload.size());
    QCOMPARE(inbox.messages.at(0).payload(), payload);
    QCOMPARE(inbox.messages.at(1).payload(), QByteArray(1, '\0'));
}

void TstPubSub::largePayload()
{
    const QString topic = QPahoTest::uniqueId(QStringLiteral("big")) + QStringLiteral("/data");
    const QByteArray payload = randomBytes(1024 * 1024, 20240611);

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));
    const PublishResult pub = await(publisher.publish(topic, payload, 1), Timeout);
    QPAHO_VERIFY_OK(pub);
    QVERIFY(pub.messageId() > 0);
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    const Message m = inbox.messages.constFirst();
    QCOMPARE(m.qos(), 1);
    QCOMPARE(m.payload().size(), payload.size());
    QVERIFY2(m.payload() == payload, "1 MiB payload differs");
}

void TstPubSub::messageReceivedOncePerMessage()
{
    constexpr int Count = 5;
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("once"));
    const QString topic = prefix + QStringLiteral("/data");
    const QString sentinel = prefix + QStringLiteral("/sentinel");

    Client subscriber;
    Client publisher;
    QSignalSpy spy(&subscriber, &Client::messageReceived);
    QVERIFY(spy.isValid());
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(prefix + QStringLiteral("/#"), 1), Timeout));
    // A handler must not change how often the signal is emitted.
    int handlerCalls = 0;
    QVERIFY(subscriber.addMessageHandler(
        topic, &subscriber, [&handlerCalls](const Message &) { ++handlerCalls; }));

    for (int i = 0; i < Count; ++i)
        QPAHO_VERIFY_OK(await(publisher.publish(topic, QByteArray::number(i), i % 2), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(sentinel, "end", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), Count + 1, Timeout);
    for (int i = 0; i < Count; ++i) {
        const auto m = spy.at(i).at(0).value<Message>();
        QCOMPARE(m.topic(), topic);
        QCOMPARE(m.payload(), QByteArray::number(i));
    }
    QCOMPARE(spy.at(Count).at(0).value<Message>().topic(), sentinel);
    QCOMPARE(handlerCalls, Count);
    QCOMPARE(subscriber.messagesReceived(), quint64(Count + 1));
}

void TstPubSub::unsubscribeStopsDelivery()
{
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("unsub"));
    const QString topic = prefix + QStringLiteral("/data");
    const QString sentinel = prefix + QStringLiteral("/sentinel");

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(sentinel, 1), Timeout));

    QPAHO_VERIFY_OK(await(publisher.publish(topic, "before", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);

    QPAHO_VERIFY_OK(await(subscriber.unsubscribe(topic), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, "after", 1), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(sentinel, "sentinel", 1), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(inbox.hasTopic(sentinel), Timeout);
    QCOMPARE(inbox.on(topic).size(), 1);
    QCOMPARE(inbox.on(topic).constFirst().payload(), QByteArray("before"));
    QCOMPARE(inbox.messages.size(), 2);
}

void TstPubSub::subscribeSeveralFilters()
{
    const QString prefix = QPahoTest::uniqueId(QStringLiteral("many"));
    const QStringList filters { prefix + QStringLiteral("/q0/+"), prefix + QStringLiteral("/q1/#"),
        prefix + QStringLiteral("/q2") };

    Client subscriber;
    Client publisher;
    Inbox inbox(subscriber);
    QPAHO_CONNECT_ALL(subscriberAndPublisher(subscriber, publisher));

    const QList<QPair<QString, SubscribeOptions>> subscriptions {
        { filters.at(0), SubscribeOptions(0) },
        { filters.at(1), SubscribeOptions(1) },
        { filters.at(2), SubscribeOptions(2) },
    };
    const SubscribeResult result = await(subscriber.subscribe(subscriptions), Timeout);
    QPAHO_VERIFY_OK(result);
    QCOMPARE(result.reasonCodes(), (QList<int> { 0, 1, 2 }));
    QCOMPARE(result.filters(), filters);
    QCOMPARE(result.grantedQos(), 0);

    // Every filter is active, each at its own QoS.
    const QStringList topics { prefix + QStringLiteral("/q0/x"), prefix + QStringLiteral("/q1/y/z"),
        prefix + QStringLiteral("/q2") };
    for (const QString &topic : topics)
        QPAHO_VERIFY_OK(await(publisher.publish(topic, topic.toUtf8(), 2), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 3, Timeout);
    for (int i = 0; i < 3; ++i) {
        const QList<Message> on = inbox.on(topics.at(i));
        QCOMPARE(on.size(), 1);
        QCOMPARE(on.constFirst().payload(), topics.at(i).toUtf8());
        QCOMPARE(on.constFirst().qos(), i);
    }
}

QTEST_GUILESS_MAIN(TstPubSub)
#include "tst_pubsub.moc"
