// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The heavy reliability tests: a QoS 1 + QoS 2 stream through five broker restarts (every
// QoS 1 message at least once, every QoS 2 message that succeeded exactly once), a broker killed
// with SIGKILL mid-stream, and an application restart that re-sends persisted publishes.
#include "common/faultproxy.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QDirIterator>
#include <QtCore/QElapsedTimer>
#include <QtCore/QMap>
#include <QtCore/QSet>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <functional>
#include <memory>
#include <vector>

using namespace QPaho;
using namespace QPahoTest;

namespace {

constexpr int kLong = 10000;

// Log only what the fixture needs (the " running" line, notices), not every packet: with
// "log_type all" the broker spends much of a 40,000-message stream writing its log. No
// autosave on every change either: these tests stop the broker with SIGTERM (which saves) or
// SIGKILL (where the test does not expect the unsaved state).
// And a finite in-flight window instead of the fixture's "max_inflight_messages 0": with 0
// (unlimited) mosquitto 2.0.11 restores every in-flight message of a saved session into the
// *queued* list (persist_read.c: "qos > 0 && inflight_quota == 0"), so after a restart it
// re-sends a QoS 2 PUBLISH it had already PUBREL'ed instead of the PUBREL, and the
// subscriber receives that message twice.
const QByteArray kQuietBroker = "log_type none\n"
                                "log_type error\n"
                                "log_type warning\n"
                                "log_type notice\n"
                                "log_type information\n"
                                "autosave_on_changes false\n"
                                "autosave_interval 3600\n"
                                "max_inflight_messages 1000\n";

ConnectOptions reliableOptions(const QString &uri, const QString &clientId, bool cleanSession)
{
    ConnectOptions o(uri);
    o.setClientId(clientId);
    o.setCleanSession(cleanSession);
    o.setAutomaticReconnect(true);
    o.setRetryInterval(100, 1000);
    o.setConnectTimeout(5000);
    return o;
}

// Counts finished futures and keeps the errors.
struct Completions
{
    QObject context;
    int ok = 0;
    int failed = 0;
    QList<Result> errors;
    // onFailure (optional) runs for a failed request, after it was counted.
    template<typename T>
    void track(QFuture<T> future, std::function<void(const T &)> onFailure = {})
    {
        future.then(&context, [this, onFailure = std::move(onFailure)](const T &result) {
            if (result.isOk()) {
                ++ok;
                return;
            }
            ++failed;
            errors.append(result);
            if (onFailure)
                onFailure(result);
        });
    }
    int finished() const { return ok + failed; }
    // "22 failed: 5 x ConnectionLost: "...", 17 x ...", each distinct error once.
    QString failures() const
    {
        QMap<QString, int> counts;
        for (const Result &error : errors)
            ++counts[describe(error)];
        QStringList parts;
        for (auto it = counts.cbegin(); it != counts.cend(); ++it)
            parts << QStringLiteral("%1 x %2").arg(it.value()).arg(it.key());
        return QStringLiteral("%1 failed: %2").arg(failed).arg(parts.join(QStringLiteral("; ")));
    }
};

// A QoS 2 publish paho held when its session state went (docs/paho-resend-loop.md): QPaho
// abandoned it after a broken publish write, or, at the next loss, the clean session QPaho
// started then ended with the connection. It may or may not have been delivered.
bool failedWithPahoSession(const Result &result)
{
    return result.error() == Error::ConnectionLost
        && (result.errorString().contains(QLatin1String("abandon paho's session state"))
            || result.errorString().contains(QLatin1String("did not keep the session")));
}

int numberOf(const QByteArray &payload)
{
    bool ok = false;
    const int n = payload.toInt(&ok);
    return ok ? n : -1;
}

// Sequence numbers 0..n-1 that were not received (at most the first 10, for messages).
QList<int> missing(const std::vector<int> &counts, int atMost = 10)
{
    QList<int> out;
    for (size_t i = 0; i < counts.size() && out.size() < atMost; ++i) {
        if (counts[i] == 0)
            out.append(int(i));
    }
    return out;
}

QString describe(const QList<int> &numbers)
{
    QStringList parts;
    for (int n : numbers)
        parts.append(QString::number(n));
    return parts.join(QLatin1String(", "));
}

// The persisted-command files paho wrote below dir.
QStringList persistedFiles(const QString &dir)
{
    QStringList files;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(it.next());
    return files;
}

} // namespace

class TstDurability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void streamThroughFiveBrokerRestarts();
    void brokerKilledMidStream();
    void applicationRestartResendsPersistedPublishes();
    void applicationRestartWhileConnectedResendsUnacked_data();
    void applicationRestartWhileConnectedResendsUnacked();
};

void TstDurability::initTestCase()
{
    if (Mosquitto::executable().isEmpty())
        QFAIL("mosquitto is not installed");
}

// N QoS 1 and N QoS 2 messages, published by one Client (persistent session, fixed id)
// through five SIGTERM restarts of the broker, received by another (persistent session,
// subscribed at QoS 1 / QoS 2). Every QoS 1 publish succeeds and arrives at least once, every
// QoS 2 publish that succeeds arrives exactly once, and nothing is left pending.
// A restart can break a publish write (mosquitto closes a socket with unread data in it: a
// reset). QPaho then abandons paho's session and starts one clean session: the QoS 2 publishes
// paho held then, or at the next restart, fail with ConnectionLost, saying the broker may or may
// not have them (docs/paho-resend-loop.md); such a message arrives at most once. Nothing else
// may fail. (Seen once, under asan with four suites at once: 22 failures, of which the log
// showed 5 as such QoS 2 publishes.)
void TstDurability::streamThroughFiveBrokerRestarts()
{
    // The issue asks for 20,000 of each; QPAHO_DURABILITY_N overrides it for quick runs.
    const int n = qEnvironmentVariableIsSet("QPAHO_DURABILITY_N")
        ? qEnvironmentVariableIntValue("QPAHO_DURABILITY_N")
        : 20000;
    constexpr int restarts = 5;
    QElapsedTimer total;
    total.start();
    Mosquitto broker({ .extraConfig = kQuietBroker });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString base = QStringLiteral("dur/%1").arg(uniqueId());
    const QString topic1 = base + QStringLiteral("/q1");
    const QString topic2 = base + QStringLiteral("/q2");

    Client subscriber;
    std::vector<int> received1(size_t(n), 0);
    std::vector<int> received2(size_t(n), 0);
    int qos2Received = 0;
    int others = 0;
    connect(&subscriber, &Client::messageReceived, this, [&](const Message &m) {
        const int i = numberOf(m.payload());
        if (i < 0 || i >= n) {
            ++others;
            return;
        }
        if (m.topic() == topic1) {
            ++received1[size_t(i)];
        } else if (m.topic() == topic2) {
            ++received2[size_t(i)];
            ++qos2Received;
        } else {
            ++others;
        }
    });
    QSignalSpy subscriberConnected(&subscriber, &Client::connected);
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(
        reliableOptions(broker.tcpUri(), uniqueId(QStringLiteral("dursub")), false))));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(
        { { topic1, SubscribeOptions(1) }, { topic2, SubscribeOptions(2) } })));

    Client publisher;
    QSignalSpy publisherConnected(&publisher, &Client::connected);
    QPAHO_VERIFY_OK(await(publisher.connectToHost(
        reliableOptions(broker.tcpUri(), uniqueId(QStringLiteral("durpub")), false))));

    Completions completions;
    QSet<int> lostWithSession2; // QoS 2 publishes failed with paho's session state
    for (int i = 0; i < n; ++i) {
        const QByteArray payload = QByteArray::number(i);
        completions.track(publisher.publish(topic1, payload, 1));
        completions.track<PublishResult>(publisher.publish(topic2, payload, 2),
            [&lostWithSession2, i](const PublishResult &result) {
                if (failedWithPahoSession(result))
                    lostWithSession2.insert(i);
            });
    }

    // Restart the broker each time another sixth of the stream has completed.
    for (int r = 1; r <= restarts; ++r) {
        const quint64 target = quint64(2) * quint64(n) * quint64(r) / (restarts + 1);
        QTRY_VERIFY2_WITH_TIMEOUT(publisher.messagesSent() >= target,
            qPrintable(QStringLiteral("stuck at %1 of %2 before restart %3")
                           .arg(publisher.messagesSent())
                           .arg(2 * n)
                           .arg(r)),
            60000);
        broker.stop(); // SIGTERM: mosquitto saves the sessions
        QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    }

    QTRY_VERIFY2_WITH_TIMEOUT(completions.finished() == 2 * n,
        qPrintable(
            QStringLiteral("%1 of %2 publishes finished").arg(completions.finished()).arg(2 * n)),
        120000);
    QVERIFY2(completions.failed == lostWithSession2.size(), qPrintable(completions.failures()));
    if (completions.failed > 0)
        qInfo("%s (QoS 2 publishes paho held when its session state went)",
            qPrintable(completions.failures()));
    QCOMPARE(publisher.messagesSent(), quint64(2 * n - completions.failed));
    QCOMPARE(publisher.reconnects(), restarts);
    QCOMPARE(publisherConnected.count(), restarts + 1);

    // Every QoS 1 message at least once, every QoS 2 message that succeeded exactly once.
    const auto missing2 = [&] {
        QList<int> out;
        for (int i : missing(received2, n)) {
            if (!lostWithSession2.contains(i))
                out.append(i);
        }
        return out.mid(0, 10);
    };
    QTRY_VERIFY2_WITH_TIMEOUT(missing(received1).isEmpty() && missing2().isEmpty(),
        qPrintable(QStringLiteral("missing QoS 1: %1; QoS 2: %2")
                       .arg(describe(missing(received1)), describe(missing2()))),
        60000);
    // A last QoS 2 message, published after everything else, flushes late duplicates.
    QPAHO_VERIFY_OK(await(publisher.publish(topic2, "end", 2)));
    QTRY_COMPARE_WITH_TIMEOUT(others, 1, kLong); // "end"
    QList<int> duplicates;
    int lostWithSessionReceived = 0;
    for (int i = 0; i < n && duplicates.size() < 10; ++i) {
        if (received2[size_t(i)] > 1)
            duplicates.append(i);
        else if (lostWithSession2.contains(i))
            lostWithSessionReceived += received2[size_t(i)];
    }
    QVERIFY2(duplicates.isEmpty(),
        qPrintable(QStringLiteral("QoS 2 received more than once: ") + describe(duplicates)));
    QCOMPARE(qos2Received, n - int(lostWithSession2.size()) + lostWithSessionReceived);
    QCOMPARE(subscriberConnected.count(), restarts + 1);

    QCOMPARE(publisher.inFlight(), 0);
    QCOMPARE(publisher.queued(), 0);
    QCOMPARE(subscriber.inFlight(), 0);
    QCOMPARE(subscriber.queued(), 0);
    QCOMPARE(subscriber.messagesDropped(), 0u);
    qInfo("%d QoS 1 + %d QoS 2 messages through %d restarts in %lld ms", n, n, restarts,
        total.elapsed());
}

// The broker is killed with SIGKILL in the middle of a QoS 1 stream and restarted: both
// clients reconnect by themselves, every publish future finishes (success or a clear error),
// the subscriber's subscription works again, and everything published after the restart
// arrives.
void TstDurability::brokerKilledMidStream()
{
    constexpr int before = 4000;
    constexpr int after = 500;
    Mosquitto broker({ .extraConfig = kQuietBroker });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("dur/%1/kill").arg(uniqueId());

    // Clean sessions: the subscriber's subscription exists again only because the Client
    // restores it after the reconnect.
    Client subscriber;
    QList<QByteArray> received;
    connect(&subscriber, &Client::messageReceived, this,
        [&received](const Message &m) { received.append(m.payload()); });
    QSignalSpy subscriberConnected(&subscriber, &Client::connected);
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(
        reliableOptions(broker.tcpUri(), uniqueId(QStringLiteral("killsub")), true))));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1)));

    Client publisher;
    QSignalSpy publisherConnected(&publisher, &Client::connected);
    QSignalSpy publisherLost(&publisher, &Client::connectionLost);
    QPAHO_VERIFY_OK(await(publisher.connectToHost(
        reliableOptions(broker.tcpUri(), uniqueId(QStringLiteral("killpub")), true))));

    Completions stream;
    for (int i = 0; i < before; ++i)
        stream.track(publisher.publish(topic, "before-" + QByteArray::number(i), 1));
    QTRY_VERIFY_WITH_TIMEOUT(publisher.messagesSent() >= before / 2, 60000);
    QVERIFY(stream.finished() < before); // mid-stream
    broker.kill9();
    QTRY_COMPARE_WITH_TIMEOUT(publisherLost.count(), 1, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(publisher.state(), Client::State::Reconnecting, kLong);
    QTRY_COMPARE_WITH_TIMEOUT(subscriber.state(), Client::State::Reconnecting, kLong);
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));

    QTRY_COMPARE_WITH_TIMEOUT(publisherConnected.count(), 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(subscriberConnected.count(), 2, 20000);
    QTRY_VERIFY2_WITH_TIMEOUT(stream.finished() == before,
        qPrintable(
            QStringLiteral("%1 of %2 publishes finished").arg(stream.finished()).arg(before)),
        60000);
    for (const Result &e : std::as_const(stream.errors)) {
        // The only clear error here: the connection dropped before the PUBACK.
        QVERIFY2(e.error() == Error::ConnectionLost,
            qPrintable(QStringLiteral("%1: %2 (paho code %3)")
                           .arg(QVariant::fromValue(e.error()).toString(), e.errorString())
                           .arg(e.pahoCode())));
    }
    QVERIFY(stream.ok >= before / 2);
    QCOMPARE(publisher.inFlight(), 0);
    QCOMPARE(publisher.queued(), 0);

    // The subscription is back: the subscriber's own probe comes back to it (its SUBSCRIBE
    // was restored ahead of anything queued after it).
    QPAHO_VERIFY_OK(await(subscriber.publish(topic, "probe", 1)));
    QTRY_VERIFY_WITH_TIMEOUT(received.contains("probe"), kLong);

    received.clear();
    Completions late;
    for (int i = 0; i < after; ++i)
        late.track(publisher.publish(topic, "after-" + QByteArray::number(i), 1));
    QTRY_COMPARE_WITH_TIMEOUT(late.finished(), after, 30000);
    QCOMPARE(late.ok, after);
    QByteArrayList expected;
    for (int i = 0; i < after; ++i)
        expected.append("after-" + QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), qsizetype(after), 30000);
    QCOMPARE(QByteArrayList(received), expected);
}

// A Client with a persistence directory publishes 20 QoS 1 messages while the broker is down
// and is destroyed. After the broker is back, a new Client with the same directory, client id
// and server sends them (restoredPublishCompleted for each), and a persistent subscriber
// that subscribed before the broker went down receives all 20.
void TstDurability::applicationRestartResendsPersistedPublishes()
{
    constexpr int count = 20;
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = QStringLiteral("dur/%1/persisted").arg(uniqueId());
    const QString subscriberId = uniqueId(QStringLiteral("persub"));
    const QString publisherId = uniqueId(QStringLiteral("perpub"));
    QTemporaryDir store;
    QVERIFY(store.isValid());

    // The subscriber's persistent session, with its subscription, is on the broker.
    {
        Client subscriber;
        QPAHO_VERIFY_OK(
            await(subscriber.connectToHost(reliableOptions(broker.tcpUri(), subscriberId, false))));
        QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1)));
        QPAHO_VERIFY_OK(await(subscriber.disconnectFromHost()));
    }
    broker.stop();

    ConnectOptions publisherOptions = reliableOptions(broker.tcpUri(), publisherId, true);
    publisherOptions.setPersistenceDirectory(store.path());
    std::vector<QFuture<PublishResult>> publishes;
    {
        Client first;
        const ConnectResult attempt = await(first.connectToHost(publisherOptions));
        QCOMPARE(attempt.error(), Error::ConnectionFailed);
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), Client::State::Reconnecting, kLong);
        for (int i = 0; i < count; ++i)
            publishes.push_back(first.publish(topic, QByteArray::number(i), 1));
        for (const auto &f : publishes)
            QVERIFY(!f.isFinished());
        // Handed to paho, which wrote them to the directory.
        QCOMPARE(first.inFlight(), count);
        QCOMPARE(first.queued(), 0);
        QCOMPARE(persistedFiles(store.path()).size(), count);
    } // the application "exits"
    for (const auto &f : publishes) {
        QVERIFY(f.isFinished()); // never left pending
        QCOMPARE(resultOf(f).error(), Error::ClientDestroyed);
    }
    QCOMPARE(persistedFiles(store.path()).size(), count);

    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client subscriber;
    QSet<QByteArray> received;
    int receivedCount = 0;
    connect(&subscriber, &Client::messageReceived, this, [&](const Message &m) {
        received.insert(m.payload());
        ++receivedCount;
    });
    const ConnectResult resumed
        = await(subscriber.connectToHost(reliableOptions(broker.tcpUri(), subscriberId, false)));
    QPAHO_VERIFY_OK(resumed);
    QVERIFY(resumed.sessionPresent());

    Client second; // the restarted application
    QSignalSpy restored(&second, &Client::restoredPublishCompleted);
    QPAHO_VERIFY_OK(await(second.connectToHost(publisherOptions)));
    QTRY_COMPARE_WITH_TIMEOUT(restored.count(), count, kLong);
    QSet<int> ids;
    for (const QList<QVariant> &args : std::as_const(restored))
        ids.insert(args.at(0).toInt());
    QCOMPARE(ids.size(), count); // one signal per message, each with its own packet id

    QSet<QByteArray> expected;
    for (int i = 0; i < count; ++i)
        expected.insert(QByteArray::number(i));
    QTRY_COMPARE_WITH_TIMEOUT(received, expected, kLong);
    QCOMPARE(receivedCount, count);
    QCOMPARE(second.inFlight(), 0);
    QCOMPARE(second.queued(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(persistedFiles(store.path()).size(), 0, kLong);
}

void TstDurability::applicationRestartWhileConnectedResendsUnacked_data()
{
    QTest::addColumn<bool>("cleanSession");
    QTest::newRow("persistent-session") << false;
    // No clean-session row: on destroy paho deletes the records of publishes it already sent
    // but that were not acknowledged (MQTTAsync_closeSession -> cleanSession), and would delete
    // them again at the next CONNACK. Persistence needs a persistent session (README).
}

// The same while connected: the link to the broker goes dead (a black-holed proxy, so the
// broker never sees them) with 50 QoS 1 publishes unacknowledged, and the application exits.
// A new Client with the same persistence directory, client id and server re-sends all 50
// (restoredPublishCompleted for each) and the subscriber receives them.
void TstDurability::applicationRestartWhileConnectedResendsUnacked()
{
    QFETCH(bool, cleanSession);
    constexpr int count = 50;
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    FaultProxy proxy(broker.port());
    QVERIFY(proxy.port() != 0);
    const QString topic = QStringLiteral("dur/%1/unacked").arg(uniqueId());
    QTemporaryDir store;
    QVERIFY(store.isValid());

    Client subscriber;
    QSet<QByteArray> received;
    connect(&subscriber, &Client::messageReceived, this,
        [&received](const Message &m) { received.insert(m.payload()); });
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(
        reliableOptions(broker.tcpUri(), uniqueId(QStringLiteral("unsub")), false))));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1)));

    ConnectOptions publisherOptions
        = reliableOptions(proxy.tcpUri(), uniqueId(QStringLiteral("unpub")), cleanSession);
    publisherOptions.setPersistenceDirectory(store.path());
    std::vector<QFuture<PublishResult>> publishes;
    {
        Client first;
        QPAHO_VERIFY_OK(await(first.connectToHost(publisherOptions)));
        proxy.setBlackhole(true);
        for (int i = 0; i < count; ++i)
            publishes.push_back(first.publish(topic, QByteArray::number(i), 1));
        QCOMPARE(first.inFlight() + first.queued(), count);
    } // the application exits with all 50 unacknowledged
    for (const auto &f : publishes) {
        QVERIFY(f.isFinished());
        QCOMPARE(resultOf(f).error(), Error::ClientDestroyed);
    }
    const qsizetype persisted = persistedFiles(store.path()).size();
    proxy.setBlackhole(false); // for new connections

    Client second;
    QSignalSpy restored(&second, &Client::restoredPublishCompleted);
    QPAHO_VERIFY_OK(await(second.connectToHost(publisherOptions)));
    QSet<QByteArray> expected;
    for (int i = 0; i < count; ++i)
        expected.insert(QByteArray::number(i));
    QTRY_VERIFY2_WITH_TIMEOUT(received == expected,
        qPrintable(QStringLiteral("received %1 of %2; %3 files were persisted; "
                                  "%4 restored publishes completed")
                       .arg(received.size())
                       .arg(count)
                       .arg(persisted)
                       .arg(restored.count())),
        kLong);
    QTRY_COMPARE_WITH_TIMEOUT(restored.count(), count, kLong);
    QCOMPARE(second.inFlight(), 0);
}

QTEST_GUILESS_MAIN(TstDurability)
#include "tst_durability.moc"
