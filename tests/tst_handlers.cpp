// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Client::addMessageHandler() against a real mosquitto: filter matching (wildcards, overlaps,
// $SYS), lifetime (context destruction, removal by id and by filter, removal while called),
// the thread handlers run in, the member-function overload, and that handlers do not subscribe.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/connectall.h"
#include "common/qpahotest.h"
#include "common/workerthread.h"

#include <QPaho/QPaho>

#include <QtCore/QPointer>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <algorithm>
#include <atomic>
#include <memory>

using namespace QPaho;
using QPahoTest::await;
using QPahoTest::optionsFor;

namespace {

constexpr int Timeout = 10000;

// A handler target that records the topics it was called with.
struct Calls
{
    QStringList topics;
    int count() const { return int(topics.size()); }
    auto recorder()
    {
        return [this](const Message &m) { topics << m.topic(); };
    }
};

// A receiver for the member-function overload.
class Receiver : public QObject
{
public:
    void onMessage(const Message &message) { messages << message; }
    QList<Message> messages;
};

} // namespace

class TstHandlers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void wildcardFilters_data() { QPahoTest::addVersionRows(); }
    void wildcardFilters();
    void overlappingFiltersOnOneSubscription();
    void overlappingSubscriptionsRoutedByIdentifier();
    void dollarTopicsOnlyForDollarFilters();
    void contextDestructionRemovesHandler();
    void removeMessageHandlerOnce();
    void removeMessageHandlersByFilter();
    void invalidHandlerArguments();
    void handlerRemovesItselfWhileCalled();
    void handlerDeletesItsContextWhileCalled();
    void handlerRunsInClientThread();
    void handlerRunsInContextThread();
    void memberFunctionHandler();
    void handlersDoNotSubscribe();

private:
    // Connects m_subscriber and m_publisher.
    void connectBoth(ProtocolVersion version = ProtocolVersion::Mqtt5);
    // Publishes `sentinel` (QoS 1) and waits until the subscriber's messageReceived saw it:
    // everything published before by m_publisher has been dispatched by then.
    void publishSentinel(const QString &sentinel);

    QPahoTest::Mosquitto m_broker;
    std::unique_ptr<Client> m_subscriber;
    std::unique_ptr<Client> m_publisher;
    QStringList m_received; // topics seen by m_subscriber's messageReceived
    QString m_prefix;
};

void TstHandlers::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstHandlers::init()
{
    m_publisher.reset();
    m_subscriber.reset();
    m_received.clear();
    m_prefix = QPahoTest::uniqueId(QStringLiteral("h"));
    m_subscriber = std::make_unique<Client>();
    m_publisher = std::make_unique<Client>();
    connect(m_subscriber.get(), &Client::messageReceived, this,
        [this](const Message &m) { m_received << m.topic(); });
}

void TstHandlers::cleanup()
{
    // The handlers of a test capture its locals: drop them with the clients.
    m_publisher.reset();
    m_subscriber.reset();
}

void TstHandlers::connectBoth(ProtocolVersion version)
{
    QPAHO_CONNECT_ALL(
        { { m_subscriber.get(), optionsFor(version, m_broker.tcpUri(), QStringLiteral("c")) },
            { m_publisher.get(), optionsFor(version, m_broker.tcpUri(), QStringLiteral("c")) } });
}

void TstHandlers::publishSentinel(const QString &sentinel)
{
    QPAHO_VERIFY_OK(await(m_publisher->publish(sentinel, "sentinel", 1), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(m_received.contains(sentinel), Timeout);
}

void TstHandlers::wildcardFilters()
{
    QFETCH(ProtocolVersion, version);
    QPAHO_CHECKED(connectBoth(version));
    const QString p = m_prefix;
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(p + QStringLiteral("/#"), 1), Timeout));

    Calls plus, hash, subtree, exact;
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/+/temp"), this, plus.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/#"), this, hash.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/a/#"), this, subtree.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/a/temp"), this, exact.recorder()));

    const QStringList topics { p + QStringLiteral("/a/temp"), p + QStringLiteral("/b/temp"),
        p + QStringLiteral("/a/x/y"), p + QStringLiteral("/c"), p + QStringLiteral("/a") };
    for (const QString &topic : topics)
        QPAHO_VERIFY_OK(await(m_publisher->publish(topic, topic.toUtf8(), 1), Timeout));
    const QString sentinel = p + QStringLiteral("/sentinel");
    publishSentinel(sentinel);

    QCOMPARE(plus.topics, (QStringList { topics.at(0), topics.at(1) }));
    QCOMPARE(hash.topics, topics + QStringList { sentinel });
    // "a/#" also matches its parent level "a".
    QCOMPARE(subtree.topics, (QStringList { topics.at(0), topics.at(2), topics.at(4) }));
    QCOMPARE(exact.topics, (QStringList { topics.at(0) }));
}

void TstHandlers::overlappingFiltersOnOneSubscription()
{
    QPAHO_CHECKED(connectBoth());
    const QString p = m_prefix;
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(p + QStringLiteral("/#"), 1), Timeout));

    Calls hash, plus, exact, exactAgain, otherLeaf, otherTree;
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/a/#"), this, hash.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/a/+"), this, plus.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(p + QStringLiteral("/a/b"), this, exact.recorder()));
    QVERIFY(
        m_subscriber->addMessageHandler(p + QStringLiteral("/a/b"), this, exactAgain.recorder()));
    QVERIFY(
        m_subscriber->addMessageHandler(p + QStringLiteral("/a/c"), this, otherLeaf.recorder()));
    QVERIFY(
        m_subscriber->addMessageHandler(p + QStringLiteral("/x/#"), this, otherTree.recorder()));

    const QString topic = p + QStringLiteral("/a/b");
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "one", 1), Timeout));
    publishSentinel(p + QStringLiteral("/sentinel"));

    QCOMPARE(m_received.count(topic), 1); // one subscription, one delivery
    QCOMPARE(hash.topics, QStringList { topic });
    QCOMPARE(plus.topics, QStringList { topic });
    QCOMPARE(exact.topics, QStringList { topic });
    QCOMPARE(exactAgain.topics, QStringList { topic });
    QCOMPARE(otherLeaf.count(), 0);
    QCOMPARE(otherTree.count(), 0);
}

// MQTT 5: with two overlapping subscriptions mosquitto sends one copy per subscription, each
// naming its subscription identifier. QPaho gives every SUBSCRIBE an identifier, so a handler
// whose filter is one of the subscriptions gets exactly the copy sent for it: once per message.
void TstHandlers::overlappingSubscriptionsRoutedByIdentifier()
{
    const QString p = QPahoTest::uniqueId(QStringLiteral("route"));
    Client subscriber;
    Client publisher;
    auto c1 = subscriber.connectToHost(ConnectOptions::v5(m_broker.tcpUri()));
    auto c2 = publisher.connectToHost(ConnectOptions::v5(m_broker.tcpUri()));
    QPAHO_VERIFY_OK(await(c1, Timeout));
    QPAHO_VERIFY_OK(await(c2, Timeout));
    int copies = 0;
    connect(&subscriber, &Client::messageReceived, this, [&copies] { ++copies; });
    Calls hash, plus, exact;
    QVERIFY(subscriber.addMessageHandler(p + QStringLiteral("/#"), this, hash.recorder()));
    QVERIFY(subscriber.addMessageHandler(p + QStringLiteral("/+"), this, plus.recorder()));
    // Not a subscription filter: plain topic matching, so it sees every copy.
    QVERIFY(subscriber.addMessageHandler(p + QStringLiteral("/x"), this, exact.recorder()));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(p + QStringLiteral("/#"), 1), Timeout));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(p + QStringLiteral("/+"), 1), Timeout));

    const QString topic = p + QStringLiteral("/x");
    QPAHO_VERIFY_OK(await(publisher.publish(topic, "once", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(copies, 2, Timeout); // the broker sent two copies ...
    QTRY_COMPARE_WITH_TIMEOUT(exact.count(), 2, Timeout);
    QCOMPARE(hash.topics, QStringList { topic }); // ... each subscription's handler got one
    QCOMPARE(plus.topics, QStringList { topic });

    // After unsubscribing one of them, its handler no longer gets routed copies.
    QPAHO_VERIFY_OK(await(subscriber.unsubscribe(p + QStringLiteral("/+")), Timeout));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, "again", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(copies, 3, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(hash.count(), 2, Timeout);
    QCOMPARE(plus.count(), 2); // topic matching again: the one remaining copy matches "+"
}

void TstHandlers::dollarTopicsOnlyForDollarFilters()
{
    QPAHO_CHECKED(connectBoth());
    const QString p = m_prefix;
    // Handlers first: mosquitto sends its retained $SYS messages right after the SUBACK.
    Calls all, plusBroker, sys;
    QVERIFY(m_subscriber->addMessageHandler(QStringLiteral("#"), this, all.recorder()));
    QVERIFY(
        m_subscriber->addMessageHandler(QStringLiteral("+/broker/#"), this, plusBroker.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(QStringLiteral("$SYS/#"), this, sys.recorder()));

    const QList<QPair<QString, SubscribeOptions>> subscriptions {
        { QStringLiteral("$SYS/#"), SubscribeOptions(0) },
        { p + QStringLiteral("/#"), SubscribeOptions(1) },
    };
    int liveSys = 0;
    QObject liveContext; // disconnects before liveSys goes away
    connect(
        m_subscriber.get(), &Client::messageReceived, &liveContext, [&liveSys](const Message &m) {
            if (m.topic().startsWith(u"$SYS/") && !m.isRetained())
                ++liveSys;
        });
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(subscriptions), Timeout));

    // The retained $SYS/broker/... messages, then new ones every second (sys_interval 1).
    const auto sysSeen = [this] {
        return std::count_if(m_received.cbegin(), m_received.cend(),
            [](const QString &t) { return t.startsWith(u"$SYS/broker/"); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(sysSeen() >= 3, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(liveSys >= 1, Timeout);
    const QString normal = p + QStringLiteral("/broker/normal");
    QPAHO_VERIFY_OK(await(m_publisher->publish(normal, "normal", 1), Timeout));
    QTRY_VERIFY_WITH_TIMEOUT(m_received.contains(normal), Timeout);

    // The $SYS handler got exactly the $SYS messages the client received.
    QStringList sysReceived;
    for (const QString &t : std::as_const(m_received)) {
        if (t.startsWith(u'$'))
            sysReceived << t;
    }
    QVERIFY(!sysReceived.isEmpty());
    QCOMPARE(sys.topics, sysReceived);
    // The leading-wildcard handlers got none of them, but the normal message reached both.
    QCOMPARE(all.topics, QStringList { normal });
    QCOMPARE(plusBroker.topics, QStringList { normal }); // "+/broker/#" matches <prefix>/broker/..
}

void TstHandlers::contextDestructionRemovesHandler()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    auto *context = new QObject;
    int calls = 0;
    const Client::HandlerId id
        = m_subscriber->addMessageHandler(topic, context, [&calls](const Message &) { ++calls; });
    QVERIFY(id != 0);

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "first", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(calls, 1, Timeout);

    delete context;
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "second", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/sentinel"));
    QCOMPARE(m_received.count(topic), 2);
    QCOMPARE(calls, 1);
    QVERIFY(!m_subscriber->removeMessageHandler(id)); // already gone
}

void TstHandlers::removeMessageHandlerOnce()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    Calls removed, kept;
    const Client::HandlerId id = m_subscriber->addMessageHandler(topic, this, removed.recorder());
    const Client::HandlerId keptId = m_subscriber->addMessageHandler(topic, this, kept.recorder());
    QVERIFY(id != 0);
    QVERIFY(keptId != 0);
    QVERIFY(id != keptId);

    QVERIFY(m_subscriber->removeMessageHandler(id));
    QVERIFY(!m_subscriber->removeMessageHandler(id));
    QVERIFY(!m_subscriber->removeMessageHandler(0));

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "data", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/sentinel"));
    QCOMPARE(removed.count(), 0);
    QCOMPARE(kept.topics, QStringList { topic });
    QVERIFY(m_subscriber->removeMessageHandler(keptId));
}

void TstHandlers::removeMessageHandlersByFilter()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/a/b");
    const QString filter = m_prefix + QStringLiteral("/a/+");
    const QString other = m_prefix + QStringLiteral("/a/#");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    Calls c1, c2, c3, c4;
    QObject otherContext;
    QVERIFY(m_subscriber->addMessageHandler(filter, this, c1.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(filter, this, c2.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(filter, &otherContext, c3.recorder()));
    const Client::HandlerId otherId = m_subscriber->addMessageHandler(other, this, c4.recorder());
    QVERIFY(otherId != 0);

    QCOMPARE(m_subscriber->removeMessageHandlers(filter), 3);
    QCOMPARE(m_subscriber->removeMessageHandlers(filter), 0);
    QCOMPARE(m_subscriber->removeMessageHandlers(m_prefix + QStringLiteral("/nothing")), 0);

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "data", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/sentinel"));
    QCOMPARE(c1.count() + c2.count() + c3.count(), 0);
    QCOMPARE(c4.topics, QStringList { topic });
    QCOMPARE(m_subscriber->removeMessageHandlers(other), 1);
    QVERIFY(!m_subscriber->removeMessageHandler(otherId));
}

void TstHandlers::invalidHandlerArguments()
{
    Client client;
    const QRegularExpression warning(QStringLiteral("addMessageHandler: invalid filter"));
    for (int i = 0; i < 4; ++i)
        QTest::ignoreMessage(QtWarningMsg, warning);
    int calls = 0;
    const auto handler = [&calls](const Message &) { ++calls; };
    QCOMPARE(
        client.addMessageHandler(QStringLiteral("a/#/b"), this, handler), Client::HandlerId(0));
    QCOMPARE(client.addMessageHandler(QStringLiteral("a+/b"), this, handler), Client::HandlerId(0));
    QCOMPARE(client.addMessageHandler(QString(), this, handler), Client::HandlerId(0));
    QCOMPARE(
        client.addMessageHandler(QStringLiteral("a/b"), nullptr, handler), Client::HandlerId(0));
    QCOMPARE(client.removeMessageHandlers(QStringLiteral("a/#/b")), 0);
    // Valid ones get distinct non-zero ids, also on a client that never connected.
    const Client::HandlerId a = client.addMessageHandler(QStringLiteral("a/b"), this, handler);
    const Client::HandlerId b = client.addMessageHandler(QStringLiteral("$SYS/#"), this, handler);
    QVERIFY(a != 0);
    QVERIFY(b != 0);
    QVERIFY(a != b);
    QCOMPARE(calls, 0);
}

void TstHandlers::handlerRemovesItselfWhileCalled()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    Calls before, after;
    int selfCalls = 0;
    Client::HandlerId selfId = 0;
    bool removedOk = false;
    QVERIFY(m_subscriber->addMessageHandler(topic, this, before.recorder()));
    selfId = m_subscriber->addMessageHandler(topic, this, [&](const Message &) {
        ++selfCalls;
        removedOk = m_subscriber->removeMessageHandler(selfId);
        ++selfCalls; // the closure is still usable after removing itself
    });
    QVERIFY(selfId != 0);
    QVERIFY(m_subscriber->addMessageHandler(topic, this, after.recorder()));

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "1", 1), Timeout));
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "2", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/sentinel"));

    QCOMPARE(selfCalls, 2); // called once, ran to its end
    QVERIFY(removedOk);
    QVERIFY(!m_subscriber->removeMessageHandler(selfId));
    QCOMPARE(before.topics, (QStringList { topic, topic }));
    QCOMPARE(after.topics, (QStringList { topic, topic }));
}

void TstHandlers::handlerDeletesItsContextWhileCalled()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    Calls before, after;
    auto *context = new QObject;
    QPointer<QObject> watch(context);
    int calls = 0;
    int completed = 0;
    QVERIFY(m_subscriber->addMessageHandler(topic, this, before.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(
        topic, context, [context, &calls, &completed](const Message &) {
            ++calls;
            delete context;
            ++completed; // uses the closure after the delete
        }));
    QVERIFY(m_subscriber->addMessageHandler(topic, this, after.recorder()));

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "1", 1), Timeout));
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "2", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/sentinel"));

    QVERIFY(watch.isNull());
    QCOMPARE(calls, 1);
    QCOMPARE(completed, 1);
    QCOMPARE(before.topics, (QStringList { topic, topic }));
    QCOMPARE(after.topics, (QStringList { topic, topic }));
}

void TstHandlers::handlerRunsInClientThread()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(topic, 1), Timeout));

    QList<QThread *> threads;
    QObject context; // lives in the client's (this) thread
    QVERIFY(m_subscriber->addMessageHandler(
        topic, &context, [&threads](const Message &) { threads << QThread::currentThread(); }));
    for (int qos = 0; qos <= 2; ++qos)
        QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "x", qos), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(threads.size(), 3, Timeout);
    for (QThread *thread : std::as_const(threads)) {
        QCOMPARE(thread, m_subscriber->thread());
        QCOMPARE(thread, QThread::currentThread());
    }
}

void TstHandlers::handlerRunsInContextThread()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(topic, 1), Timeout));

    // Declared before the guard: the worker may use them until it is stopped.
    std::atomic<QThread *> calledIn { nullptr };
    std::atomic<int> calls { 0 };
    QByteArray payload; // written by the worker before `calls` is incremented
    QPahoTest::WorkerThread worker; // stops first: the context dies in the worker
    QObject *context = nullptr;
    worker.run([&] { context = new QObject(worker.anchor); });
    QVERIFY(m_subscriber->addMessageHandler(topic, context, [&](const Message &m) {
        payload = m.payload();
        calledIn = QThread::currentThread();
        ++calls;
    }));
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "to the worker", 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1, Timeout);
    QCOMPARE(calledIn.load(), &worker.thread);
    QCOMPARE(payload, QByteArray("to the worker"));
}

void TstHandlers::memberFunctionHandler()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data");
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));

    auto *receiver = new Receiver;
    const Client::HandlerId id = m_subscriber->addMessageHandler(
        m_prefix + QStringLiteral("/+"), receiver, &Receiver::onMessage);
    QVERIFY(id != 0);
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "member", 2), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(receiver->messages.size(), 1, Timeout);
    QCOMPARE(receiver->messages.constFirst().topic(), topic);
    QCOMPARE(receiver->messages.constFirst().payload(), QByteArray("member"));
    QCOMPARE(receiver->messages.constFirst().qos(), 1);

    // The receiver is the context: deleting it removes the handler.
    delete receiver;
    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "after", 1), Timeout));
    publishSentinel(m_prefix + QStringLiteral("/x/sentinel"));
    QCOMPARE(m_received.count(topic), 2);
    QVERIFY(!m_subscriber->removeMessageHandler(id));
}

void TstHandlers::handlersDoNotSubscribe()
{
    QPAHO_CHECKED(connectBoth());
    const QString topic = m_prefix + QStringLiteral("/data/x");
    const QString sentinel = m_prefix + QStringLiteral("/sentinel");
    // Only the sentinel is subscribed; the handler's filter is not.
    QPAHO_VERIFY_OK(await(m_subscriber->subscribe(sentinel, 1), Timeout));
    Calls calls;
    QVERIFY(m_subscriber->addMessageHandler(
        m_prefix + QStringLiteral("/data/#"), this, calls.recorder()));
    QVERIFY(m_subscriber->addMessageHandler(QStringLiteral("#"), this, calls.recorder()));

    QPAHO_VERIFY_OK(await(m_publisher->publish(topic, "not subscribed", 1), Timeout));
    publishSentinel(sentinel);
    QCOMPARE(m_received, QStringList { sentinel });
    QCOMPARE(calls.topics, QStringList { sentinel }); // only via the "#" handler
}

QTEST_GUILESS_MAIN(TstHandlers)
#include "tst_handlers.moc"
