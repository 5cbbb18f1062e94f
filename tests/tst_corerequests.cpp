// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The request table and the outbound queue of the owner-thread core, driven through a fake paho
// (tests/common/fakepahosession.h): every future finishes exactly once whatever paho reports
// (late, twice, never), and the budgets (requests, QoS 1/2 window, offline bound) decide what is
// handed to paho when. No broker, no paho threads: fast.
#include "common/fakepahosession.h"
#include "common/qpahotest.h"

#include <QPaho/Client>

#include <algorithm>
#include <memory>

#include <QtCore/QTimer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QPaho;
using QPahoTest::FakeClient;
using QPahoTest::FakePahoSession;
using QPahoTest::FakePahoSessions;
using Kind = QPaho::Internal::RequestKind;
namespace PahoCode = QPaho::Internal::PahoCode;

class tst_CoreRequests : public QObject
{
    Q_OBJECT

private:
    static ConnectOptions options()
    {
        ConnectOptions o(QStringLiteral("tcp://broker.invalid:1883"));
        o.setClientId(QStringLiteral("unit"));
        return o;
    }
    // Reconnects at once after a loss; with \a keepSession, asks the broker to keep the session.
    static ConnectOptions reconnecting(bool keepSession = false)
    {
        ConnectOptions o = options();
        o.setCleanSession(!keepSession);
        o.setAutomaticReconnect(true);
        o.setRetryInterval(1, 1);
        return o;
    }

private Q_SLOTS:
    void publishFinishesWithTheAcknowledgement()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options()));

        auto future = client.publish(QStringLiteral("a/b"), "payload", 1);
        QCOMPARE(paho->count(Kind::Publish), 1);
        const auto call = paho->lastCall(Kind::Publish);
        QCOMPARE(call.message.topic(), QStringLiteral("a/b"));
        QCOMPARE(call.message.payload(), QByteArray("payload"));
        QCOMPARE(client.inFlight(), 1);
        QVERIFY(!future.isFinished());

        paho->acknowledge(call, {}, 42);
        QVERIFY(QPahoTest::waitForFuture(future));
        QVERIFY(future.result().isOk());
        QCOMPARE(future.result().messageId(), 42);
        QCOMPARE(client.inFlight(), 0);
    }

    void aSecondOrLateReportChangesNothing()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options()));

        auto future = client.publish(QStringLiteral("a/b"), "x", 1);
        const auto call = paho->lastCall(Kind::Publish);
        int finishedCount = 0;
        future.then(&client, [&finishedCount](const PublishResult &) { ++finishedCount; });
        paho->acknowledge(call);
        paho->fail(call, PahoCode::Failure); // paho 1.3.12 can report twice (notes §2)
        paho->acknowledge(call);
        QTRY_COMPARE(finishedCount, 1);
        QVERIFY(future.result().isOk());
        // A later request still works: the duplicate did not disturb the table.
        auto next = client.publish(QStringLiteral("a/b"), "y", 1);
        paho->acknowledge(paho->lastCall(Kind::Publish));
        QVERIFY(QPahoTest::waitForFuture(next));
        QVERIFY(next.result().isOk());
        QCOMPARE(finishedCount, 1);
    }

    void pahoRefusalFinishesWithItsText()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options()));

        paho->scriptedCodes.push_back(-12); // MQTTASYNC_MAX_BUFFERED_MESSAGES
        auto future = client.publish(QStringLiteral("a/b"), "x", 1);
        QVERIFY(future.isFinished());
        QVERIFY(!future.result().isOk());
        QCOMPARE(future.result().pahoCode(), -12);
        QVERIFY2(future.result().errorString().contains(QLatin1String("paho refused")),
            qPrintable(future.result().errorString()));
        QCOMPARE(client.inFlight(), 0);
    }

    void disconnectedPahoPutsTheRequestBackInTheQueue()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(reconnecting()));

        // paho lost the connection before the core heard of it: MQTTASYNC_DISCONNECTED.
        paho->scriptedCodes.push_back(PahoCode::Disconnected);
        auto future = client.publish(QStringLiteral("a/b"), "x", 1);
        QVERIFY(!future.isFinished());
        QCOMPARE(client.queued(), 1);
        QCOMPARE(client.inFlight(), 0);

        paho->loseConnection();
        QTRY_COMPARE(paho->count(Kind::Connect), 2); // the reconnect attempt
        paho->acceptConnect(true);
        QTRY_COMPARE(paho->count(Kind::Publish), 2); // handed again after the reconnect
        QCOMPARE(paho->lastCall(Kind::Publish).message.payload(), QByteArray("x"));
        paho->acknowledge(paho->lastCall(Kind::Publish));
        QVERIFY(QPahoTest::waitForFuture(future));
        QVERIFY(future.result().isOk());
    }

    void connectionLossFailsWhatPahoHeld()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options()));

        auto publish = client.publish(QStringLiteral("a/b"), "x", 1);
        auto subscribe = client.subscribe(QStringLiteral("c/#"), 1);
        paho->loseConnection();
        QVERIFY(QPahoTest::waitForFuture(publish));
        QVERIFY(QPahoTest::waitForFuture(subscribe));
        QCOMPARE(publish.result().error(), Error::ConnectionLost);
        QCOMPARE(subscribe.result().error(), Error::ConnectionLost);
        QCOMPARE(client.state(), Client::State::Disconnected);
    }

    // A reconnect whose CONNACK has no session: paho fails what it held with -11 (in its own
    // order) before reporting the connect. QoS 1 publishes go out again, in the order they were
    // issued; a QoS 2 one fails and says why.
    void publishDroppedWithTheSessionGoesOutAgainInOrder()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(reconnecting(true)));

        QList<QFuture<PublishResult>> futures;
        for (const char *payload : { "a", "b", "c" })
            futures.append(client.publish(QStringLiteral("t"), payload, 1));
        auto qos2 = client.publish(QStringLiteral("t"), "d", 2);
        const QList<FakePahoSession::Call> held = paho->callsOf(Kind::Publish);
        QCOMPARE(held.size(), 4);

        paho->loseConnection();
        QTRY_COMPARE(paho->count(Kind::Connect), 2);
        for (int i : { 2, 0, 3, 1 })
            paho->fail(held.at(i), PahoCode::OperationIncomplete, 0);
        paho->acceptConnect(false);

        QVERIFY(QPahoTest::waitForFuture(qos2));
        QCOMPARE(qos2.result().error(), Error::ConnectionLost);
        QVERIFY2(qos2.result().errorString().contains(QLatin1String("did not keep the session")),
            qPrintable(qos2.result().errorString()));
        QTRY_COMPARE(paho->count(Kind::Publish), 7);
        const QList<FakePahoSession::Call> again = paho->callsOf(Kind::Publish).mid(4);
        QCOMPARE(again.at(0).message.payload(), QByteArray("a"));
        QCOMPARE(again.at(1).message.payload(), QByteArray("b"));
        QCOMPARE(again.at(2).message.payload(), QByteArray("c"));
        for (const auto &call : again)
            paho->acknowledge(call);
        for (const auto &future : std::as_const(futures)) {
            QVERIFY(QPahoTest::waitForFuture(future));
            QVERIFY(future.result().isOk());
        }
        QCOMPARE(client.inFlight(), 0);
        QCOMPARE(client.queued(), 0);
    }

    // A publish that paho drops with the session at every connection (a broker that closes the
    // connection for it and keeps no session) is not sent for ever: the third drop fails it.
    void publishDroppedWithTheSessionAtEveryConnectionFails()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(reconnecting(true)));

        auto future = client.publish(QStringLiteral("t"), "poison", 1);
        for (int drop = 1; drop <= 3; ++drop) {
            QTRY_COMPARE(paho->count(Kind::Publish), drop);
            QVERIFY(!future.isFinished());
            paho->loseConnection();
            QTRY_COMPARE(paho->count(Kind::Connect), drop + 1);
            paho->fail(paho->lastCall(Kind::Publish), PahoCode::OperationIncomplete, 0);
            paho->acceptConnect(false);
        }
        QVERIFY(QPahoTest::waitForFuture(future));
        QCOMPARE(future.result().error(), Error::ConnectionLost);
        QVERIFY2(future.result().errorString().contains(QLatin1String("3 connections in a row")),
            qPrintable(future.result().errorString()));
        QCOMPARE(paho->count(Kind::Publish), 3);
        QCOMPARE(client.inFlight(), 0);
        QCOMPARE(client.queued(), 0);
    }

    void destructionFinishesEveryFuture()
    {
        FakePahoSessions fakes;
        auto client = std::make_unique<Client>();
        FakePahoSession *paho = fakes.session();
        auto connected = client->connectToHost(options());
        paho->acceptConnect();
        QVERIFY(QPahoTest::waitForFuture(connected));

        auto inPaho = client->publish(QStringLiteral("a/b"), "x", 1);
        auto unsubscribe = client->unsubscribe(QStringLiteral("c"));
        QCOMPARE(paho->count(Kind::Publish), 1);
        client.reset();
        QVERIFY(inPaho.isFinished());
        QVERIFY(unsubscribe.isFinished());
        QCOMPARE(inPaho.result().error(), Error::ClientDestroyed);
        QCOMPARE(unsubscribe.result().error(), Error::ClientDestroyed);
    }

    void requestTimeoutFinishesAndIgnoresTheLateAnswer()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        ConnectOptions o = options();
        o.setRequestTimeout(50);
        QVERIFY(f.connect(o));

        auto future = client.publish(QStringLiteral("a/b"), "x", 1);
        const auto call = paho->lastCall(Kind::Publish);
        QVERIFY(QPahoTest::waitForFuture(future));
        QCOMPARE(future.result().error(), Error::Timeout);
        paho->acknowledge(call); // too late: nothing to finish
        auto next = client.publish(QStringLiteral("a/b"), "y", 0);
        paho->acknowledge(paho->lastCall(Kind::Publish));
        QVERIFY(QPahoTest::waitForFuture(next));
        QVERIFY(next.result().isOk());
    }

    void requestBudgetKeepsTheRestInTheQueue()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        ConnectOptions o = options();
        o.setMaxOutstandingRequests(2);
        QVERIFY(f.connect(o));

        QList<QFuture<PublishResult>> futures;
        for (int i = 0; i < 5; ++i)
            futures.append(client.publish(QStringLiteral("t"), QByteArray::number(i), 0));
        QCOMPARE(paho->count(Kind::Publish), 2);
        QCOMPARE(client.inFlight(), 2);
        QCOMPARE(client.queued(), 3);

        // Each completion makes room for exactly one more, in order.
        paho->acknowledge(paho->callsOf(Kind::Publish).at(0));
        QTRY_COMPARE(paho->count(Kind::Publish), 3);
        QCOMPARE(paho->lastCall(Kind::Publish).message.payload(), QByteArray("2"));
        for (int handed = 1; handed < 5; ++handed) {
            QTRY_VERIFY(paho->count(Kind::Publish) > handed);
            paho->acknowledge(paho->callsOf(Kind::Publish).at(handed));
            QVERIFY(client.inFlight() <= 2);
        }
        QCOMPARE(paho->count(Kind::Publish), 5);
        for (auto &future : futures)
            QVERIFY(QPahoTest::waitForFuture(future));
        QCOMPARE(client.queued(), 0);
    }

    void qos12WindowFollowsMaxInflight()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        ConnectOptions o = options();
        o.setMaxInflight(3);
        QVERIFY(f.connect(o));

        for (int i = 0; i < 5; ++i)
            client.publish(QStringLiteral("t"), QByteArray::number(i), 1);
        QCOMPARE(paho->count(Kind::Publish), 3); // beyond the window they wait in QPaho
        // QoS 0 is outside the window; it waits behind them to keep the order.
        client.publish(QStringLiteral("t"), "qos0", 0);
        QCOMPARE(paho->count(Kind::Publish), 3);
        paho->acknowledge(paho->callsOf(Kind::Publish).at(0));
        QTRY_COMPARE(paho->count(Kind::Publish), 4);
    }

    void byteBudgetLetsOneLargePublishThrough()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        ConnectOptions o = options();
        o.setMaxOutstandingBytes(1000);
        QVERIFY(f.connect(o));

        const QByteArray large(5000, 'x');
        client.publish(QStringLiteral("t"), large, 0); // above the budget, but alone: goes out
        client.publish(QStringLiteral("t"), "small", 0); // waits for the large one
        QCOMPARE(paho->count(Kind::Publish), 1);
        QCOMPARE(paho->largestWritePending, qint64(5000));
        paho->acknowledge(paho->callsOf(Kind::Publish).at(0));
        QTRY_COMPARE(paho->count(Kind::Publish), 2);
    }

    void offlineBufferHoldsUntilConnectedAndHonoursItsBound_data()
    {
        QTest::addColumn<OverflowPolicy>("policy");
        QTest::newRow("reject newest") << OverflowPolicy::RejectNewest;
        QTest::newRow("drop oldest") << OverflowPolicy::DropOldest;
    }
    void offlineBufferHoldsUntilConnectedAndHonoursItsBound()
    {
        QFETCH(OverflowPolicy, policy);
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        ConnectOptions o = options();
        o.setOfflineBuffering(true);
        o.setMaxQueuedRequests(2);
        o.setQueueOverflowPolicy(policy);
        auto connected = client.connectToHost(o);
        QCOMPARE(client.state(), Client::State::Connecting);

        auto first = client.publish(QStringLiteral("t"), "1", 1);
        auto second = client.publish(QStringLiteral("t"), "2", 1);
        auto third = client.publish(QStringLiteral("t"), "3", 1);
        QCOMPARE(paho->count(Kind::Publish), 0); // nothing goes out while connecting
        QCOMPARE(client.queued(), 2);
        auto refused = policy == OverflowPolicy::RejectNewest ? third : first;
        QVERIFY(refused.isFinished());
        QCOMPARE(refused.result().error(), Error::BufferFull);

        paho->acceptConnect();
        QVERIFY(QPahoTest::waitForFuture(connected));
        QTRY_COMPARE(paho->count(Kind::Publish), 2);
        const QByteArray expectedFirst = policy == OverflowPolicy::RejectNewest ? "1" : "2";
        QCOMPARE(paho->callsOf(Kind::Publish).at(0).message.payload(), expectedFirst);
    }

    void withoutOfflineBufferingAPublishWhileConnectingFails()
    {
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        ConnectOptions o = options();
        o.setOfflineBuffering(false);
        client.connectToHost(o);
        auto future = client.publish(QStringLiteral("t"), "x", 1);
        QVERIFY(future.isFinished());
        QCOMPARE(future.result().error(), Error::NotConnected);
        QCOMPARE(paho->count(Kind::Publish), 0);
    }

    void stalledPahoIsKickedOnlyWhileItHoldsRequests()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(options()));
        // An idle connected client runs no timer of its own (issue 12: idle is idle).
        const auto anyTimerActive = [&client] {
            const auto timers = client.findChildren<QTimer *>();
            return std::any_of(
                timers.cbegin(), timers.cend(), [](QTimer *t) { return t->isActive(); });
        };
        QTRY_VERIFY(!anyTimerActive());
        QCOMPARE(paho->stallKicks, 0);

        auto future = client.publish(QStringLiteral("t"), "x", 1);
        QTRY_VERIFY(paho->stallKicks > 0); // nothing came back: paho's threads are kicked
        paho->acknowledge(paho->lastCall(Kind::Publish));
        QVERIFY(QPahoTest::waitForFuture(future));
        QTRY_VERIFY(!anyTimerActive()); // the watchdog stops with nothing in paho
    }
};

QTEST_GUILESS_MAIN(tst_CoreRequests)
#include "tst_corerequests.moc"
