// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The connection state machine of the owner-thread core, driven through a fake paho
// (tests/common/fakepahosession.h): the reconnect backoff (doubling, cap, jitter), failover over
// the server list, permanent refusals, and what a reconnect without session restores (or, when
// the broker refuses it, reports). No broker, no paho threads: fast.
#include "common/fakepahosession.h"
#include "common/qpahotest.h"
#include "core/backoffschedule_p.h"

#include <QPaho/Client>

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QPaho;
using QPaho::Internal::BackoffSchedule;
using QPahoTest::FakeClient;
using QPahoTest::FakePahoSession;
using QPahoTest::FakePahoSessions;
using Kind = QPaho::Internal::RequestKind;
namespace PahoCode = QPaho::Internal::PahoCode;

namespace {

// paho's connect failure when nothing listens (MQTTASYNC_FAILURE with a text).
void failAttempt(FakePahoSession *paho)
{
    paho->refuseConnect(PahoCode::Failure, QStringLiteral("TCP connect refused"));
}

ConnectOptions reconnecting(const QStringList &uris = { QStringLiteral("tcp://a.invalid:1883") })
{
    ConnectOptions o;
    o.setServerUris(uris);
    o.setClientId(QStringLiteral("unit"));
    o.setAutomaticReconnect(true);
    o.setRetryInterval(1, 1); // the unit suites do not wait for real backoff delays
    return o;
}

QStringList attemptedUris(const FakePahoSession *paho)
{
    QStringList uris;
    for (const auto &call : paho->callsOf(Kind::Connect))
        uris.append(call.attempt.serverUri);
    return uris;
}

} // namespace

class tst_CoreConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // ---- BackoffSchedule: the arithmetic alone

    void backoffDoublesUpToTheCap()
    {
        BackoffSchedule backoff;
        backoff.setRandomForTesting([](double bound) { return bound; }); // no jitter: nominal
        backoff.setRange(100, 1000);
        QList<int> delays;
        for (int i = 0; i < 7; ++i)
            delays.append(backoff.nextDelay());
        QCOMPARE(delays, (QList<int> { 100, 200, 400, 800, 1000, 1000, 1000 }));
        QCOMPARE(backoff.step(), 7);
        backoff.reset();
        QCOMPARE(backoff.nextDelay(), 100);
    }

    void jitterTakesUpToHalfOff()
    {
        BackoffSchedule backoff;
        backoff.setRange(100, 1000);
        backoff.setRandomForTesting([](double) { return 0.0; }); // the most jitter
        QCOMPARE(backoff.nextDelay(), 50);
        QCOMPARE(backoff.nextDelay(), 100);
        // Whatever the random source says, the delay stays in [nominal/2, nominal].
        backoff.reset();
        backoff.setRandomForTesting([](double bound) { return 3 * bound + 7; });
        QCOMPARE(backoff.nextDelay(), 100);
        backoff.setRandomForTesting([](double) { return -5.0; });
        QCOMPARE(backoff.nextDelay(), 100);
    }

    void realJitterSpreadsClientsOut()
    {
        BackoffSchedule backoff;
        backoff.setRange(1000, 60000);
        QSet<int> firstDelays;
        for (int i = 0; i < 50; ++i) {
            backoff.reset();
            const int delay = backoff.nextDelay();
            QVERIFY2(delay >= 500 && delay <= 1000, qPrintable(QString::number(delay)));
            firstDelays.insert(delay);
        }
        QVERIFY2(firstDelays.size() > 10, "50 clients should not come back in step");
    }

    void outOfRangeSettingsStayUsable()
    {
        BackoffSchedule backoff;
        backoff.setRandomForTesting([](double bound) { return bound; });
        backoff.setRange(0, -5); // both count as 1 ms
        QCOMPARE(backoff.nextDelay(), 1);
        backoff.setRange(5000, 100); // a maximum below the minimum wins
        QCOMPARE(backoff.nextDelay(), 100);
        backoff.setRange(1000, 60000);
        for (int i = 0; i < 100; ++i) // the exponent stops growing; no overflow
            QVERIFY(backoff.nextDelay() <= 60000);
    }

    // ---- The state machine, through the fake paho

    void failoverTriesEveryServerBeforeBackingOff()
    {
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        const QStringList uris { QStringLiteral("tcp://a.invalid:1883"),
            QStringLiteral("tcp://b.invalid:1883"), QStringLiteral("tcp://c.invalid:1883") };
        QSignalSpy errors(&client, &Client::errorOccurred);
        auto future = client.connectToHost(reconnecting(uris));
        for (int attempt = 1; attempt <= 4; ++attempt) {
            QTRY_COMPARE(paho->count(Kind::Connect), attempt);
            failAttempt(paho);
        }
        QTRY_COMPARE(paho->count(Kind::Connect), 5);
        const QStringList expected = uris + QStringList { uris.at(0), uris.at(1) };
        QCOMPARE(attemptedUris(paho), expected);
        // The first failure finishes the connect future; every failure is reported.
        QVERIFY(future.isFinished());
        QCOMPARE(future.result().error(), Error::ConnectionFailed);
        QCOMPARE(errors.size(), 4);
        QCOMPARE(client.state(), Client::State::Reconnecting);
        QCOMPARE(paho->handlesCreated, 1); // one handle serves every attempt

        paho->acceptConnect();
        QTRY_COMPARE(client.state(), Client::State::Connected);
        QCOMPARE(client.serverUri(), uris.at(1));
    }

    void permanentRefusalStopsReconnecting()
    {
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        auto future = client.connectToHost(reconnecting());
        paho->refuseConnect(5); // MQTT 3.1.1 CONNACK 5: not authorised
        QVERIFY(QPahoTest::waitForFuture(future));
        QCOMPARE(future.result().error(), Error::ConnectionRefused);
        QCOMPARE(future.result().reasonCode(), 5);
        QTRY_COMPARE(client.state(), Client::State::Disconnected);
        QCOMPARE(paho->count(Kind::Connect), 1);
    }

    void connectionLossReconnectsAndRestoresSubscriptions()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(reconnecting()));
        auto subscribed = client.subscribe(QStringLiteral("a/#"), 1);
        paho->acknowledge(paho->lastCall(Kind::Subscribe));
        QVERIFY(QPahoTest::waitForFuture(subscribed));
        QVERIFY(subscribed.result().isOk());

        QSignalSpy lost(&client, &Client::connectionLost);
        paho->loseConnection(QStringLiteral("keep-alive timeout"));
        QTRY_COMPARE(paho->count(Kind::Connect), 2);
        QCOMPARE(lost.size(), 1);
        QCOMPARE(client.state(), Client::State::Reconnecting);
        paho->acceptConnect(false); // the broker lost the session: subscribe again
        QTRY_COMPARE(paho->count(Kind::Subscribe), 2);
        QCOMPARE(paho->lastCall(Kind::Subscribe).filters, QStringList { QStringLiteral("a/#") });
        QCOMPARE(client.reconnects(), 1);

        paho->acknowledge(paho->lastCall(Kind::Subscribe));
        paho->loseConnection();
        QTRY_COMPARE(paho->count(Kind::Connect), 3);
        paho->acceptConnect(true); // session present: the broker still has it
        QTRY_COMPARE(client.state(), Client::State::Connected);
        QTRY_COMPARE(client.reconnects(), 2);
        QCOMPARE(paho->count(Kind::Subscribe), 2);
    }

    void refusedRestoreIsReportedAndNotRetried()
    {
        FakeClient f;
        Client &client = f.client;
        FakePahoSession *paho = f.paho;
        QVERIFY(f.connect(reconnecting()));
        // A Subscription object follows the restore of its filter (it sends no SUBSCRIBE of its
        // own); the refusal must be reported by errorOccurred() all the same.
        Subscription *object = client.subscription(QStringLiteral("revoked/#"), 1);
        QTRY_COMPARE(paho->count(Kind::Subscribe), 1);
        paho->acknowledge(paho->lastCall(Kind::Subscribe));
        auto other = client.subscribe(QStringLiteral("kept/#"), 1);
        paho->acknowledge(paho->lastCall(Kind::Subscribe));
        QVERIFY(QPahoTest::waitForFuture(other));
        QTRY_COMPARE(object->state(), Subscription::State::Subscribed);

        QSignalSpy errors(&client, &Client::errorOccurred);
        paho->loseConnection();
        QTRY_COMPARE(paho->count(Kind::Connect), 2);
        paho->acceptConnect(false);
        QTRY_COMPARE(paho->count(Kind::Subscribe), 4);
        errors.clear(); // the connection loss itself was reported
        for (const auto &call : paho->callsOf(Kind::Subscribe).mid(2)) {
            const bool revoked = call.filters.constFirst() == QLatin1String("revoked/#");
            paho->acknowledge(call, { revoked ? 0x87 : 1 }); // 0x87: not authorised
        }
        QTRY_COMPARE(errors.size(), 1);
        const Result error = errors.at(0).at(0).value<Result>();
        QCOMPARE(error.error(), Error::Refused);
        QVERIFY2(error.errorString().contains(QLatin1String("refused the subscription")),
            qPrintable(error.errorString()));
        QTRY_COMPARE(object->state(), Subscription::State::Error);

        // The next session restores only what the broker granted.
        paho->loseConnection();
        QTRY_COMPARE(paho->count(Kind::Connect), 3);
        paho->acceptConnect(false);
        QTRY_COMPARE(paho->count(Kind::Subscribe), 5);
        QCOMPARE(paho->lastCall(Kind::Subscribe).filters, QStringList { QStringLiteral("kept/#") });
    }

    void connectWhileReconnectingReplacesTheAttempt()
    {
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        ConnectOptions first = reconnecting();
        first.setRetryInterval(60000, 60000); // the replacement must not wait for this
        auto failed = client.connectToHost(first);
        failAttempt(paho);
        QVERIFY(QPahoTest::waitForFuture(failed));
        QTRY_COMPARE(client.state(), Client::State::Reconnecting);

        auto replaced
            = client.connectToHost(reconnecting({ QStringLiteral("tcp://b.invalid:1883") }));
        QTRY_COMPARE(paho->count(Kind::Connect), 2);
        QCOMPARE(paho->lastCall(Kind::Connect).attempt.serverUri,
            QStringLiteral("tcp://b.invalid:1883"));
        paho->acceptConnect();
        QVERIFY(QPahoTest::waitForFuture(replaced));
        QVERIFY(replaced.result().isOk());
    }

    void handleCreationFailureFinishesTheConnect()
    {
        FakePahoSessions fakes;
        Client client;
        FakePahoSession *paho = fakes.session();
        paho->failHandleCreation = true;
        auto future = client.connectToHost(reconnecting());
        QVERIFY(future.isFinished());
        QCOMPARE(future.result().error(), Error::InvalidArgument);
        QVERIFY2(future.result().errorString().contains(QLatin1String("could not create")),
            qPrintable(future.result().errorString()));
        QCOMPARE(client.state(), Client::State::Disconnected);
        QCOMPARE(paho->count(Kind::Connect), 0);
    }
};

QTEST_GUILESS_MAIN(tst_CoreConnection)
#include "tst_coreconnection.moc"
