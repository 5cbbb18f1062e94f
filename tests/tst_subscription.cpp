// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// QPaho::Subscription against a real mosquitto: one object per filter, subscribed whenever the
// client is connected (queued while connecting, restored with exactly one SUBSCRIBE after a
// reconnect without a session), bad filters and refused SUBSCRIBEs as state Error,
// unsubscribe() and the deferred deletion.
#include "common/clientoptions.h"
#include "common/dynsecbroker.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QCoreApplication>
#include <QtCore/QPointer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QPaho;
using namespace QPahoTest;

namespace {

constexpr int kLong = 10000; // generous: costs nothing when things work

ConnectOptions optionsFor(const QString &uri, ProtocolVersion version = ProtocolVersion::Mqtt311)
{
    ConnectOptions o = QPahoTest::optionsFor(version, uri, QStringLiteral("sub"));
    o.setAutomaticReconnect(true);
    o.setRetryInterval(100, 400);
    return o;
}

// How many SUBSCRIBE packets mosquitto received from clientId since the log offset mark.
int subscribesFrom(const Mosquitto &broker, const QString &clientId, qint64 mark)
{
    return int(
        broker.log().mid(mark).count(QByteArray("Received SUBSCRIBE from " + clientId.toUtf8())));
}

QByteArrayList payloadsOf(const QSignalSpy &spy)
{
    QByteArrayList out;
    for (const Message &m : firstArguments<Message>(spy))
        out.append(m.payload());
    return out;
}

} // namespace

class TstSubscription : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void sameObjectForSameFilter();
    void subscribesAndReceives_data() { QPahoTest::addVersionRows("3.1.1", "5"); }
    void subscribesAndReceives();
    void queuedWhileConnecting();
    void createdWhileDisconnectedSubscribesOnConnect();
    void badFilterIsErrorAndSendsNothing();
    void refusedSubscribeIsError_data();
    void refusedSubscribeIsError();
    void restoredOnceAfterReconnectWithoutSession_data()
    {
        QPahoTest::addVersionRows("3.1.1", "5");
    }
    void restoredOnceAfterReconnectWithoutSession();
    void keptWithSessionPresent();
    void disconnectMakesItPendingAndConnectSubscribesAgain();
    void unsubscribeEndsAndDeletesLater();
    void unsubscribeWhileDisconnectedSendsNothing();
    void overlappingSubscriptionsDeliverOncePerObject();

private:
    std::unique_ptr<Mosquitto> m_broker;
};

void TstSubscription::initTestCase()
{
    m_broker = std::make_unique<Mosquitto>(MosquittoOptions { .persistence = false });
    QVERIFY2(m_broker->start(), qPrintable(m_broker->lastError()));
}

void TstSubscription::sameObjectForSameFilter()
{
    Client client;
    Subscription *a = client.subscription(QStringLiteral("same/a"));
    QVERIFY(a);
    QCOMPARE(client.subscription(QStringLiteral("same/a"), SubscribeOptions(2)), a);
    Subscription *b = client.subscription(QStringLiteral("same/b"));
    QVERIFY(b != a);
    QCOMPARE(a->parent(), &client);
    QCOMPARE(a->filter(), QStringLiteral("same/a"));
    QCOMPARE(a->options().qos(), 0); // the options of the first call count
    QCOMPARE(a->qos(), -1);
    QCOMPARE(a->messageCount(), quint64(0));
    QCOMPARE(a->state(), Subscription::State::Pending);

    // Deleted with the client.
    QPointer<Subscription> watch(a);
    {
        Client shortLived;
        watch = shortLived.subscription(QStringLiteral("same/c"));
        QVERIFY(watch);
    }
    QVERIFY(watch.isNull());
}

void TstSubscription::subscribesAndReceives()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(optionsFor(m_broker->tcpUri(), version))));
    const QString topic = QStringLiteral("sub/%1/t").arg(uniqueId());

    Subscription *sub = client.subscription(topic, SubscribeOptions(1));
    QSignalSpy states(sub, &Subscription::stateChanged);
    QSignalSpy qosSpy(sub, &Subscription::qosChanged);
    QSignalSpy messages(sub, &Subscription::messageReceived);
    QSignalSpy countSpy(sub, &Subscription::messageCountChanged);
    QCOMPARE(sub->state(), Subscription::State::Pending);
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    QCOMPARE(firstArguments<Subscription::State>(states),
        QList<Subscription::State> { Subscription::State::Subscribed });
    QCOMPARE(sub->qos(), 1);
    QCOMPARE(qosSpy.count(), 1);
    QCOMPARE(sub->errorString(), QString());
    QCOMPARE(sub->reasonCode(), 0);
    QCOMPARE(sub->property("state").value<Subscription::State>(), Subscription::State::Subscribed);

    QVERIFY(mosquittoPublish(m_broker->port(), topic, { "one", "two" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 2, kLong);
    QCOMPARE(payloadsOf(messages), (QByteArrayList { "one", "two" }));
    QCOMPARE(messages.at(0).at(0).value<Message>().topic(), topic);
    QCOMPARE(sub->messageCount(), quint64(2));
    QCOMPARE(countSpy.count(), 2);
    // Other topics do not count.
    QVERIFY(mosquittoPublish(m_broker->port(), topic + QStringLiteral("/deeper"), { "x" }, 1));
    QVERIFY(mosquittoPublish(m_broker->port(), topic, { "three" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 3, kLong);
    QCOMPARE(payloadsOf(messages).last(), QByteArray("three"));
}

// Made while the CONNECT is under way: the SUBSCRIBE is queued and sent after the CONNACK.
void TstSubscription::queuedWhileConnecting()
{
    Client client;
    const ConnectOptions o = optionsFor(m_broker->tcpUri());
    const qint64 mark = m_broker->logMark();
    auto connecting = client.connectToHost(o);
    QCOMPARE(client.state(), Client::State::Connecting);
    const QString topic = QStringLiteral("sub/%1/queued").arg(uniqueId());
    Subscription *sub = client.subscription(topic);
    QCOMPARE(sub->state(), Subscription::State::Pending);
    QPAHO_VERIFY_OK(await(connecting));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    QCOMPARE(subscribesFrom(*m_broker, o.clientId(), mark), 1);

    QSignalSpy messages(sub, &Subscription::messageReceived);
    QVERIFY(mosquittoPublish(m_broker->port(), topic, { "queued" }));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, kLong);
}

void TstSubscription::createdWhileDisconnectedSubscribesOnConnect()
{
    Client client;
    const QString topic = QStringLiteral("sub/%1/later").arg(uniqueId());
    Subscription *sub = client.subscription(topic);
    QCOMPARE(sub->state(), Subscription::State::Pending);
    QCoreApplication::processEvents(); // nothing happens without a connection
    QCOMPARE(sub->state(), Subscription::State::Pending);

    const ConnectOptions o = optionsFor(m_broker->tcpUri());
    const qint64 mark = m_broker->logMark();
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    QCOMPARE(subscribesFrom(*m_broker, o.clientId(), mark), 1);
}

void TstSubscription::badFilterIsErrorAndSendsNothing()
{
    Client client;
    const ConnectOptions o = optionsFor(m_broker->tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    const qint64 mark = m_broker->logMark();
    for (const QString &bad : { QStringLiteral("a/#/b"), QStringLiteral("a+/b"), QString() }) {
        Subscription *sub = client.subscription(bad);
        QVERIFY(sub);
        QCOMPARE(sub->state(), Subscription::State::Error);
        QVERIFY2(!sub->errorString().isEmpty(), qPrintable(bad));
        QCOMPARE(sub->reasonCode(), 0);
        QCOMPARE(client.subscription(bad), sub);
        QPAHO_VERIFY_OK(await(sub->unsubscribe()));
        QCOMPARE(sub->state(), Subscription::State::Unsubscribed);
    }
    // A round trip on the same connection, then check that none of the above reached it.
    const QString probe = QStringLiteral("sub/%1/probe").arg(uniqueId());
    QPAHO_VERIFY_OK(await(client.subscribe(probe)));
    QCOMPARE(subscribesFrom(*m_broker, o.clientId(), mark), 1);
    QVERIFY(!m_broker->log().mid(mark).contains("UNSUBSCRIBE"));
}

void TstSubscription::refusedSubscribeIsError_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("refusal");
    QTest::newRow("3.1.1") << ProtocolVersion::Mqtt311 << 0x80;
    QTest::newRow("5") << ProtocolVersion::Mqtt5 << 0x87;
}

void TstSubscription::refusedSubscribeIsError()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(int, refusal);
    DynsecBroker dynsec;
    QVERIFY2(dynsec.start(), qPrintable(dynsec.lastError()));
    ConnectOptions o = optionsFor(dynsec.broker()->tcpUri(), version);
    o.setUsername(QString::fromLatin1(DynsecBroker::user));
    o.setPassword(QByteArray(DynsecBroker::password));
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));

    Subscription *denied = client.subscription(QStringLiteral("closed/x"), SubscribeOptions(1));
    QSignalSpy reasonSpy(denied, &Subscription::reasonCodeChanged);
    QSignalSpy errorSpy(denied, &Subscription::errorStringChanged);
    QTRY_COMPARE_WITH_TIMEOUT(denied->state(), Subscription::State::Error, kLong);
    QCOMPARE(denied->reasonCode(), refusal);
    QCOMPARE(reasonSpy.count(), 1);
    QCOMPARE(errorSpy.count(), 1);
    QVERIFY2(denied->errorString().contains(QStringLiteral("refused")),
        qPrintable(denied->errorString()));
    QCOMPARE(denied->qos(), -1);

    Subscription *allowed = client.subscription(QStringLiteral("open/x"), SubscribeOptions(1));
    QTRY_COMPARE_WITH_TIMEOUT(allowed->state(), Subscription::State::Subscribed, kLong);
    QCOMPARE(allowed->qos(), 1);
    QCOMPARE(denied->state(), Subscription::State::Error); // stays there
}

// A reconnect without a session: the Client re-sends what it holds; the Subscription follows
// that SUBSCRIBE (Pending, then Subscribed) instead of sending a second one.
void TstSubscription::restoredOnceAfterReconnectWithoutSession()
{
    QFETCH(ProtocolVersion, version);
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    const ConnectOptions o = optionsFor(broker.tcpUri(), version); // clean session
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    const QString topic = QStringLiteral("sub/%1/restore").arg(uniqueId());
    Subscription *sub = client.subscription(topic, SubscribeOptions(1));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    // A filter the application subscribed directly is restored alongside.
    const QString plain = topic + QStringLiteral("/plain");
    QPAHO_VERIFY_OK(await(client.subscribe(plain, 0)));

    QSignalSpy states(sub, &Subscription::stateChanged);
    QSignalSpy messages(sub, &Subscription::messageReceived);
    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Reconnecting, kLong);
    QCOMPARE(sub->state(), Subscription::State::Subscribed); // a session may come back
    const qint64 mark = broker.logMark();
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QVERIFY(!connectedSpy.at(1).at(0).value<ConnectResult>().sessionPresent());
    QTRY_COMPARE_WITH_TIMEOUT(states.count(), 2, kLong);
    QCOMPARE(firstArguments<Subscription::State>(states),
        (QList<Subscription::State> {
            Subscription::State::Pending, Subscription::State::Subscribed }));
    QCOMPARE(sub->qos(), 1);

    const QByteArray id = client.clientId().toUtf8();
    QVERIFY(broker.waitForLog(id + " 1 " + topic.toUtf8(), kLong, mark));
    QVERIFY(broker.waitForLog(id + " 0 " + plain.toUtf8(), kLong, mark));
    // Round trip, so anything sent twice would be in the log by now.
    QPAHO_VERIFY_OK(await(client.publish(plain, "probe", 1)));
    QCOMPARE(int(broker.log().mid(mark).count(QByteArray(id + " 1 " + topic.toUtf8()))), 1);
    QCOMPARE(subscribesFrom(broker, client.clientId(), mark), 2); // topic and plain, once each

    QVERIFY(mosquittoPublish(broker.port(), topic, { "after-restart" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, kLong);
    QCOMPARE(payloadsOf(messages), QByteArrayList { "after-restart" });
}

// A persistent session that survives the broker restart: nothing is sent again, and the
// Subscription stays Subscribed.
void TstSubscription::keptWithSessionPresent()
{
    Mosquitto broker; // persistence on: SIGTERM saves the session
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    ConnectOptions o = optionsFor(broker.tcpUri());
    o.setCleanSession(false);
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    const QString topic = QStringLiteral("sub/%1/kept").arg(uniqueId());
    Subscription *sub = client.subscription(topic, SubscribeOptions(1));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);

    QSignalSpy states(sub, &Subscription::stateChanged);
    QVERIFY2(broker.restart(), qPrintable(broker.lastError()));
    const qint64 mark = broker.logMark();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.count(), 2, kLong);
    QVERIFY(connectedSpy.at(1).at(0).value<ConnectResult>().sessionPresent());
    QSignalSpy messages(sub, &Subscription::messageReceived);
    QVERIFY(mosquittoPublish(broker.port(), topic, { "kept" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, kLong);
    QCOMPARE(subscribesFrom(broker, client.clientId(), mark), 0);
    QCOMPARE(states.count(), 0);
    QCOMPARE(sub->state(), Subscription::State::Subscribed);
}

void TstSubscription::disconnectMakesItPendingAndConnectSubscribesAgain()
{
    Client client;
    const ConnectOptions o = optionsFor(m_broker->tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    const QString topic = QStringLiteral("sub/%1/again").arg(uniqueId());
    Subscription *sub = client.subscription(topic);
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);

    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    QCOMPARE(sub->state(), Subscription::State::Pending);
    QCOMPARE(sub->qos(), -1);

    const qint64 mark = m_broker->logMark();
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    QCOMPARE(subscribesFrom(*m_broker, o.clientId(), mark), 1);
    QSignalSpy messages(sub, &Subscription::messageReceived);
    QVERIFY(mosquittoPublish(m_broker->port(), topic, { "again" }));
    QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, kLong);
}

void TstSubscription::unsubscribeEndsAndDeletesLater()
{
    Client client;
    const ConnectOptions o = optionsFor(m_broker->tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(o)));
    const QString topic = QStringLiteral("sub/%1/end").arg(uniqueId());
    Subscription *sub = client.subscription(topic);
    QTRY_COMPARE_WITH_TIMEOUT(sub->state(), Subscription::State::Subscribed, kLong);
    QPointer<Subscription> watch(sub);
    QSignalSpy states(sub, &Subscription::stateChanged);
    QSignalSpy messages(sub, &Subscription::messageReceived);

    const qint64 mark = m_broker->logMark();
    const QFuture<Result> done = sub->unsubscribe();
    QCOMPARE(sub->state(), Subscription::State::Unsubscribed);
    QCOMPARE(firstArguments<Subscription::State>(states),
        QList<Subscription::State> { Subscription::State::Unsubscribed });
    Subscription *fresh = client.subscription(topic);
    QVERIFY(fresh != sub);
    QPAHO_VERIFY_OK(await(done));
    QVERIFY(
        m_broker->waitForLog("Received UNSUBSCRIBE from " + o.clientId().toUtf8(), kLong, mark));
    QTRY_VERIFY_WITH_TIMEOUT(watch.isNull(), kLong);
    // A second unsubscribe() before the deletion is harmless.
    const QFuture<Result> first = fresh->unsubscribe();
    QPAHO_VERIFY_OK(resultOf(fresh->unsubscribe()));
    QPAHO_VERIFY_OK(await(first));
    QCOMPARE(messages.count(), 0);
}

void TstSubscription::unsubscribeWhileDisconnectedSendsNothing()
{
    Client client;
    Subscription *sub = client.subscription(QStringLiteral("sub/offline"));
    const QFuture<Result> done = sub->unsubscribe();
    QVERIFY(done.isFinished());
    QPAHO_VERIFY_OK(resultOf(done));
    QCOMPARE(sub->state(), Subscription::State::Unsubscribed);
    QPointer<Subscription> watch(sub);
    QTRY_VERIFY_WITH_TIMEOUT(watch.isNull(), kLong);
}

// MQTT 5 sends one copy per matching subscription; each Subscription sees its own copy once.
void TstSubscription::overlappingSubscriptionsDeliverOncePerObject()
{
    Client client;
    QPAHO_VERIFY_OK(
        await(client.connectToHost(optionsFor(m_broker->tcpUri(), ProtocolVersion::Mqtt5))));
    const QString base = QStringLiteral("sub/%1").arg(uniqueId());
    Subscription *wide = client.subscription(base + QStringLiteral("/#"));
    Subscription *narrow = client.subscription(base + QStringLiteral("/+"));
    QTRY_COMPARE_WITH_TIMEOUT(wide->state(), Subscription::State::Subscribed, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(narrow->state(), Subscription::State::Subscribed, kLong);
    QSignalSpy wideSpy(wide, &Subscription::messageReceived);
    QSignalSpy narrowSpy(narrow, &Subscription::messageReceived);
    QSignalSpy all(&client, &Client::messageReceived);
    QVERIFY(mosquittoPublish(m_broker->port(), base + QStringLiteral("/x"), { "both" }));
    QTRY_COMPARE_WITH_TIMEOUT(all.count(), 2, kLong); // mosquitto: one copy per subscription
    QVERIFY(mosquittoPublish(m_broker->port(), base + QStringLiteral("/y"), { "end" }));
    QTRY_COMPARE_WITH_TIMEOUT(wideSpy.count(), 2, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(narrowSpy.count(), 2, kLong);
    QCOMPARE(payloadsOf(wideSpy), (QByteArrayList { "both", "end" }));
    QCOMPARE(payloadsOf(narrowSpy), (QByteArrayList { "both", "end" }));
}

QTEST_GUILESS_MAIN(TstSubscription)
#include "tst_subscription.moc"
