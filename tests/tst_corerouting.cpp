// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Message routing in the owner-thread core, driven through a fake paho
// (tests/common/fakepahosession.h): filters and wildcards, handler order, handlers removed or
// added while a message is dispatched, context lifetime, other-thread contexts, and MQTT 5
// subscription identifiers that route each copy of an overlapping subscription to its own
// handler. No broker: fast.
#include "common/fakepahosession.h"
#include "common/qpahotest.h"

#include <QPaho/Client>

#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <atomic>
#include <memory>

using namespace QPaho;
using QPahoTest::FakeClient;
using QPahoTest::FakePahoSession;
using QPahoTest::FakePahoSessions;
using Kind = QPaho::Internal::RequestKind;

class tst_CoreRouting : public QObject
{
    Q_OBJECT

private:
    static ConnectOptions options(ProtocolVersion version)
    {
        ConnectOptions o(QStringLiteral("tcp://broker.invalid:1883"));
        o.setClientId(QStringLiteral("unit"));
        o.setProtocolVersion(version);
        return o;
    }

private Q_SLOTS:
    void handlersGetWhatTheirFilterMatchesInOrder()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options(ProtocolVersion::Mqtt311)));

        QStringList calls;
        client.addMessageHandler(QStringLiteral("home/+/temp"), this,
            [&calls](const Message &m) { calls << QStringLiteral("plus:") + m.topic(); });
        client.addMessageHandler(QStringLiteral("home/#"), this,
            [&calls](const Message &m) { calls << QStringLiteral("hash:") + m.topic(); });
        client.addMessageHandler(QStringLiteral("other"), this,
            [&calls](const Message &m) { calls << QStringLiteral("other:") + m.topic(); });
        QSignalSpy received(&client, &Client::messageReceived);

        paho->deliver(Message(QStringLiteral("home/kitchen/temp"), "21"));
        paho->deliver(Message(QStringLiteral("home/kitchen/light"), "on"));
        paho->deliver(Message(QStringLiteral("elsewhere/x"), "1")); // no handler matches
        QTRY_COMPARE(received.size(), 3); // messageReceived sees every message
        QCOMPARE(calls,
            (QStringList { QStringLiteral("plus:home/kitchen/temp"),
                QStringLiteral("hash:home/kitchen/temp"),
                QStringLiteral("hash:home/kitchen/light") }));
        QCOMPARE(client.messagesReceived(), quint64(3));
    }

    void removalDuringDispatchTakesEffectAtOnce()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options(ProtocolVersion::Mqtt311)));

        int first = 0;
        int second = 0;
        int added = 0;
        Client::HandlerId secondId = 0;
        client.addMessageHandler(QStringLiteral("t"), this, [&](const Message &) {
            ++first;
            client.removeMessageHandler(secondId); // not called for this message any more
            client.addMessageHandler(
                QStringLiteral("t"), this, [&added](const Message &) { ++added; });
        });
        secondId = client.addMessageHandler(
            QStringLiteral("t"), this, [&second](const Message &) { ++second; });
        QVERIFY(secondId != 0);

        paho->deliver(Message(QStringLiteral("t"), "1"));
        QTRY_COMPARE(first, 1);
        QCOMPARE(second, 0);
        QCOMPARE(added, 0); // added while dispatching: sees the next message
        paho->deliver(Message(QStringLiteral("t"), "2"));
        QTRY_COMPARE(first, 2);
        QCOMPARE(added, 1);
        QCOMPARE(client.removeMessageHandlers(QStringLiteral("t")), 3);
    }

    void aDestroyedContextEndsItsHandler()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options(ProtocolVersion::Mqtt311)));

        auto context = std::make_unique<QObject>();
        int calls = 0;
        client.addMessageHandler(
            QStringLiteral("t"), context.get(), [&calls](const Message &) { ++calls; });
        QSignalSpy received(&client, &Client::messageReceived);
        paho->deliver(Message(QStringLiteral("t"), "1"));
        QTRY_COMPARE(calls, 1);
        context.reset();
        paho->deliver(Message(QStringLiteral("t"), "2"));
        QTRY_COMPARE(received.size(), 2);
        QCOMPARE(calls, 1);
        QCOMPARE(client.removeMessageHandlers(QStringLiteral("t")), 0);
    }

    void invalidHandlersAreRefused()
    {
        FakePahoSessions fakes;
        Client client;
        QCOMPARE(client.addMessageHandler(QStringLiteral("a/#/b"), this, [](const Message &) {}),
            Client::HandlerId(0));
        QCOMPARE(client.addMessageHandler(QStringLiteral("a"), nullptr, [](const Message &) {}),
            Client::HandlerId(0));
    }

    void anOtherThreadContextRunsInItsThread()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options(ProtocolVersion::Mqtt311)));

        QThread worker;
        worker.start();
        QObject context;
        context.moveToThread(&worker);
        std::atomic<QThread *> ranIn { nullptr };
        client.addMessageHandler(QStringLiteral("t"), &context,
            [&ranIn](const Message &) { ranIn = QThread::currentThread(); });
        paho->deliver(Message(QStringLiteral("t"), "1"));
        QTRY_COMPARE(ranIn.load(), &worker);
        worker.quit();
        QVERIFY(worker.wait(5000));
    }

    void subscriptionIdentifiersRouteEachCopyOnce()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options(ProtocolVersion::Mqtt5)));

        // Overlapping subscriptions: the broker sends one copy per subscription, each with the
        // identifier of the SUBSCRIBE it matched.
        auto wide = client.subscribe(QStringLiteral("a/#"), 1);
        auto narrow = client.subscribe(QStringLiteral("a/b"), 1);
        QCOMPARE(paho->count(Kind::Subscribe), 2);
        QList<quint32> ids;
        for (const auto &call : paho->callsOf(Kind::Subscribe)) {
            const auto identifiers
                = call.subscriptions.constFirst().second.properties().subscriptionIdentifiers();
            QCOMPARE(identifiers.size(), 1);
            ids.append(identifiers.constFirst());
            paho->acknowledge(call);
        }
        QVERIFY(ids.at(0) != ids.at(1));
        QVERIFY(QPahoTest::waitForFuture(wide));
        QVERIFY(QPahoTest::waitForFuture(narrow));

        int wideCalls = 0;
        int narrowCalls = 0;
        int topicOnlyCalls = 0;
        client.addMessageHandler(
            QStringLiteral("a/#"), this, [&](const Message &) { ++wideCalls; });
        client.addMessageHandler(
            QStringLiteral("a/b"), this, [&](const Message &) { ++narrowCalls; });
        client.addMessageHandler(
            QStringLiteral("a/+"), this, [&](const Message &) { ++topicOnlyCalls; });
        QSignalSpy received(&client, &Client::messageReceived);
        for (const quint32 id : ids) {
            Message copy(QStringLiteral("a/b"), "once");
            Properties p;
            p.setSubscriptionIdentifier(id);
            copy.setProperties(p);
            paho->deliver(copy);
        }
        QTRY_COMPARE(received.size(), 2); // messageReceived sees both copies
        QTRY_COMPARE(topicOnlyCalls, 2); // not a subscribed filter: every copy, by topic
        QCOMPARE(wideCalls, 1);
        QCOMPARE(narrowCalls, 1);
    }
};

QTEST_GUILESS_MAIN(tst_CoreRouting)
#include "tst_corerouting.moc"
