// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Coroutines against a real mosquitto: co_await on every QPaho future as it is (QCoro's QFuture
// awaiter), errors as values, a Client destroyed while a coroutine awaits it, and the
// QPaho::Coro helpers: the messages() stream (order, filter, drop-oldest, bad input, the end
// when the Client goes, a generator destroyed while suspended) and waitForMessage().
#include "common/brokerfixture.h"
#include "common/qpahotest.h"

#include <QPaho/Coro>
#include <QPaho/QPaho>

#include <QCoroFuture>
#include <QCoroTask>

#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

#include <chrono>
#include <coroutine>
#include <memory>
#include <optional>

using namespace QPaho;
using namespace std::chrono_literals;
using QPahoTest::await;

namespace {

constexpr int Timeout = 10000;

// Spins the event loop until `task` finished (false after timeoutMs).
template<typename T>
bool finishes(const QCoro::Task<T> &task, int timeoutMs = Timeout)
{
    return QPahoTest::waitUntil([&task] { return task.isReady(); }, timeoutMs);
}

// The value of a finished task.
template<typename T>
T valueOf(QCoro::Task<T> &task)
{
    return QCoro::waitFor(task);
}

// What a coroutine saw, one entry per awaited future, checked by the test afterwards (QVERIFY
// returns from the enclosing function, which a coroutine cannot do).
struct Steps
{
    QList<QPair<QString, Result>> results;
    QList<QByteArray> payloads;
    void add(const QString &step, const Result &result) { results.append({ step, result }); }
};

// Empty when the steps ended with `expected`, in order; otherwise what differs.
QString mismatch(const Steps &steps, const QList<Error> &expected)
{
    if (steps.results.size() != expected.size())
        return QStringLiteral("%1 steps ran, expected %2")
            .arg(steps.results.size())
            .arg(expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const auto &[step, result] = steps.results.at(i);
        if (result.error() != expected.at(i))
            return step + QStringLiteral(": ") + QPahoTest::describe(result);
        if (!result.isOk() && result.errorString().isEmpty())
            return step + QStringLiteral(": an error without an error string");
    }
    return {};
}

// Collects `count` messages from `stream` (fewer when it ends), then stops iterating.
QCoro::Task<QList<QByteArray>> take(QCoro::AsyncGenerator<Message> &stream, int count)
{
    QList<QByteArray> payloads;
    if (count <= 0)
        co_return payloads;
    for (auto it = co_await stream.begin(); it != stream.end(); co_await(++it)) {
        payloads << (*it).payload();
        if (payloads.size() == count)
            break;
    }
    co_return payloads;
}

// Iterates `stream` to its end.
QCoro::Task<QList<QByteArray>> drain(QCoro::AsyncGenerator<Message> &stream)
{
    QList<QByteArray> payloads;
    QCORO_FOREACH(const Message &message, stream)
    {
        payloads << message.payload();
    }
    co_return payloads;
}

// A consumer that owns its stream: takes the first message, then leaves the loop, which
// destroys the generator inside the resumption that delivered the message.
QCoro::Task<QByteArray> firstThenDrop(Client *client, QString filter)
{
    auto stream = Coro::messages(*client, filter);
    QCORO_FOREACH(const Message &message, stream)
    {
        co_return message.payload();
    }
    co_return QByteArray();
}

} // namespace

class TstCoro : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void awaitEveryFuture();
    void awaitErrorsAsValues();
    void awaitConnectionFailedAndRefused();
    void awaitResumesWhenClientDestroyed();

    void messagesInOrderAndFiltered();
    void messagesDropOldestWhenConsumerLags();
    void messagesInvalidInputEndsAtOnce_data();
    void messagesInvalidInputEndsAtOnce();
    void messagesEndWhenClientDestroyedWhileWaiting();
    void messagesBufferedBeforeClientDestroyedStillArrive();
    void generatorDestroyedWhileWaiting();
    void generatorDestroyedByItsConsumer();
    void generatorNeverIterated();

    void waitForMessageReturnsFirstMatch();
    void waitForMessageTimesOut();
    void waitForMessageInvalidFilter();
    void waitForMessageClientDestroyed();

private:
    QCoro::Task<Steps> everyFuture(QString topic);
    QCoro::Task<Steps> errorsAsValues(QString topic);
    // A connected v5 client with a subscription to m_prefix + "/#" (QoS 1).
    void connectAndSubscribe();
    // Publishes each payload to `topic` at QoS 1 and waits until m_client received all of them.
    void publishAndReceive(const QString &topic, const QList<QByteArray> &payloads);

    QPahoTest::Mosquitto m_broker;
    std::unique_ptr<Client> m_client;
    QString m_prefix;
    int m_received = 0;
};

void TstCoro::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstCoro::init()
{
    m_prefix = QPahoTest::uniqueId(QStringLiteral("coro"));
    m_received = 0;
    m_client = std::make_unique<Client>();
    connect(m_client.get(), &Client::messageReceived, this, [this] { ++m_received; });
}

void TstCoro::cleanup()
{
    m_client.reset();
    if (m_broker.isPaused())
        m_broker.resume();
}

void TstCoro::connectAndSubscribe()
{
    ConnectOptions options = ConnectOptions::v5(m_broker.tcpUri());
    options.setClientId(QPahoTest::uniqueId(QStringLiteral("c")));
    QPAHO_VERIFY_OK(await(m_client->connectToHost(options), Timeout));
    QPAHO_VERIFY_OK(await(m_client->subscribe(m_prefix + QStringLiteral("/#"), 1), Timeout));
}

void TstCoro::publishAndReceive(const QString &topic, const QList<QByteArray> &payloads)
{
    const int before = m_received;
    for (const QByteArray &payload : payloads)
        QPAHO_VERIFY_OK(await(m_client->publish(topic, payload, 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(m_received, before + int(payloads.size()), Timeout);
}

// --- co_await on the futures as they are -------------------------------------------------

QCoro::Task<Steps> TstCoro::everyFuture(QString topic)
{
    Steps steps;
    ConnectOptions options = ConnectOptions::v5(m_broker.tcpUri());
    options.setClientId(QPahoTest::uniqueId(QStringLiteral("c")));
    steps.add(QStringLiteral("connect"), co_await m_client->connectToHost(options));

    steps.add(QStringLiteral("subscribe"), co_await m_client->subscribe(topic, 1));

    // Started before the publish, so it cannot miss the message.
    auto incoming = Coro::waitForMessage(*m_client, topic, std::chrono::milliseconds(Timeout));
    steps.add(QStringLiteral("publish"), co_await m_client->publish(topic, "hello", 1));
    if (const std::optional<Message> message = co_await incoming)
        steps.payloads << message->payload();

    steps.add(QStringLiteral("unsubscribe"), co_await m_client->unsubscribe(topic));
    steps.add(QStringLiteral("disconnect"), co_await m_client->disconnectFromHost());
    co_return steps;
}

void TstCoro::awaitEveryFuture()
{
    auto task = everyFuture(m_prefix + QStringLiteral("/every"));
    QVERIFY(finishes(task));
    const Steps steps = valueOf(task);
    const QString wrong = mismatch(steps, QList<Error>(5, Error::NoError));
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
    QCOMPARE(steps.payloads, QList<QByteArray> { "hello" });
    QCOMPARE(SubscribeResult(steps.results.at(1).second).grantedQos(), 1);
    QCOMPARE(m_client->state(), Client::State::Disconnected);
}

QCoro::Task<Steps> TstCoro::errorsAsValues(QString topic)
{
    Steps steps;
    steps.add(QStringLiteral("connect"), co_await m_client->connectToHost(m_broker.tcpUri()));
    steps.add(QStringLiteral("connect while connected"),
        co_await m_client->connectToHost(m_broker.tcpUri()));
    steps.add(QStringLiteral("publish to a wildcard topic"),
        co_await m_client->publish(topic + QStringLiteral("/#"), "x"));
    steps.add(QStringLiteral("publish with QoS 3"), co_await m_client->publish(topic, "x", 3));
    steps.add(QStringLiteral("subscribe to an invalid filter"),
        co_await m_client->subscribe(topic + QStringLiteral("/#/x")));
    steps.add(QStringLiteral("unsubscribe from an empty filter"),
        co_await m_client->unsubscribe(QString()));
    steps.add(QStringLiteral("disconnect"), co_await m_client->disconnectFromHost());
    steps.add(
        QStringLiteral("disconnect while disconnected"), co_await m_client->disconnectFromHost());
    co_return steps;
}

void TstCoro::awaitErrorsAsValues()
{
    auto task = errorsAsValues(m_prefix + QStringLiteral("/errors"));
    QVERIFY(finishes(task));
    const Steps steps = valueOf(task);
    const QList<Error> expected { Error::NoError, Error::InvalidState, Error::InvalidArgument,
        Error::InvalidArgument, Error::InvalidArgument, Error::InvalidArgument, Error::NoError,
        Error::NotConnected };
    const QString wrong = mismatch(steps, expected);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
}

void TstCoro::awaitConnectionFailedAndRefused()
{
    // Nothing listens on the port: ConnectionFailed. Wrong password: the broker refuses.
    const QList<quint16> ports = QPahoTest::pickFreePorts(1);
    QVERIFY(!ports.isEmpty() && ports.first() != 0);
    QPahoTest::Mosquitto secured(
        { .users = { { QStringLiteral("alice"), QStringLiteral("pw") } }, .persistence = false });
    QVERIFY2(secured.start(), qPrintable(secured.lastError()));

    auto attempt = [](Client *client, ConnectOptions options) -> QCoro::Task<ConnectResult> {
        co_return co_await client->connectToHost(options);
    };
    Client unreachable;
    auto failed = attempt(
        &unreachable, ConnectOptions(QStringLiteral("tcp://127.0.0.1:%1").arg(ports.first())));
    ConnectOptions wrongPassword = ConnectOptions::v5(secured.tcpUri());
    wrongPassword.setUsername(QStringLiteral("alice"));
    wrongPassword.setPassword("wrong");
    Client refusedClient;
    auto refused = attempt(&refusedClient, wrongPassword);

    QVERIFY(finishes(failed));
    QVERIFY(finishes(refused));
    const ConnectResult failedResult = valueOf(failed);
    const ConnectResult refusedResult = valueOf(refused);
    QVERIFY2(failedResult.error() == Error::ConnectionFailed,
        qPrintable(QPahoTest::describe(failedResult)));
    QVERIFY2(refusedResult.error() == Error::ConnectionRefused,
        qPrintable(QPahoTest::describe(refusedResult)));
    // 0x86 bad user name or password; mosquitto 2.0.11 sends 0x87 not authorized.
    QVERIFY2(refusedResult.reasonCode() == 0x86 || refusedResult.reasonCode() == 0x87,
        qPrintable(QPahoTest::describe(refusedResult)));
}

void TstCoro::awaitResumesWhenClientDestroyed()
{
    // One coroutine waits for a connect that the (stopped) broker never answers, another for
    // a QoS 1 publish on an established connection; both Clients go while they wait.
    auto awaitResult = [](auto future) -> QCoro::Task<Result> { co_return co_await future; };
    connectAndSubscribe();
    auto connecting = std::make_unique<Client>();
    m_broker.pause();
    auto connect = awaitResult(connecting->connectToHost(m_broker.tcpUri()));
    auto publish = awaitResult(m_client->publish(m_prefix + QStringLiteral("/x"), "x", 1));
    QVERIFY(!connect.isReady());
    QVERIFY(!publish.isReady());

    connecting.reset();
    m_client.reset();
    QVERIFY(finishes(connect));
    QVERIFY(finishes(publish));
    const Result connectResult = valueOf(connect);
    const Result publishResult = valueOf(publish);
    QVERIFY2(connectResult.error() == Error::ClientDestroyed,
        qPrintable(QPahoTest::describe(connectResult)));
    QVERIFY2(publishResult.error() == Error::ClientDestroyed,
        qPrintable(QPahoTest::describe(publishResult)));
}

// --- Coro::messages() ---------------------------------------------------------------------

void TstCoro::messagesInOrderAndFiltered()
{
    connectAndSubscribe();
    // Collects from its creation on: these arrive before the first iteration.
    auto stream = Coro::messages(*m_client, m_prefix + QStringLiteral("/a/+"));
    publishAndReceive(m_prefix + QStringLiteral("/a/1"), { "one", "two" });
    publishAndReceive(m_prefix + QStringLiteral("/b/1"), { "other" }); // does not match
    publishAndReceive(m_prefix + QStringLiteral("/a/2"), { "three" });

    auto first = take(stream, 3);
    QVERIFY(finishes(first));
    QCOMPARE(valueOf(first), (QList<QByteArray> { "one", "two", "three" }));

    // And on: a consumer waiting for the next message resumes when it arrives.
    auto next = take(stream, 1);
    QVERIFY(!next.isReady());
    publishAndReceive(m_prefix + QStringLiteral("/b/1"), { "other" });
    publishAndReceive(m_prefix + QStringLiteral("/a/3"), { "four" });
    QVERIFY(finishes(next));
    QCOMPARE(valueOf(next), QList<QByteArray> { "four" });
}

void TstCoro::messagesDropOldestWhenConsumerLags()
{
    connectAndSubscribe();
    const QString topic = m_prefix + QStringLiteral("/lag");
    QList<QByteArray> payloads;
    for (int i = 0; i < 10; ++i)
        payloads << QByteArray::number(i);
    {
        auto stream = Coro::messages(*m_client, topic, 3);
        // Logged once, at the first drop, although seven are dropped.
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("consumer of topic filter .*/lag\" lags behind; "
                                              "dropping the oldest messages \\(capacity 3\\)")));
        publishAndReceive(topic, payloads);

        auto newest = take(stream, 3);
        QVERIFY(finishes(newest));
        QCOMPARE(valueOf(newest), (QList<QByteArray> { "7", "8", "9" }));
        // Nothing else is buffered: the next one is the next published.
        auto next = take(stream, 1);
        publishAndReceive(topic, { "10" });
        QVERIFY(finishes(next));
        QCOMPARE(valueOf(next), QList<QByteArray> { "10" });
        // The count, when the stream ends.
        QTest::ignoreMessage(QtInfoMsg,
            QRegularExpression(QStringLiteral("/lag\" dropped 7 message\\(s\\) in total")));
    }
}

void TstCoro::messagesInvalidInputEndsAtOnce_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QString>("warning");
    QTest::newRow("# not last") << QStringLiteral("a/#/b") << 10
                                << QStringLiteral("invalid topic filter \"a/#/b\"");
    QTest::newRow("empty filter") << QString() << 10 << QStringLiteral("invalid topic filter \"\"");
    QTest::newRow("+ in a level") << QStringLiteral("a/b+") << 10
                                  << QStringLiteral("invalid topic filter \"a/b\\+\"");
    QTest::newRow("capacity 0") << QStringLiteral("a/b") << 0
                                << QStringLiteral("capacity 0 for topic filter \"a/b\"");
    QTest::newRow("capacity -1") << QStringLiteral("a/b") << -1
                                 << QStringLiteral("capacity -1 for topic filter \"a/b\"");
}

void TstCoro::messagesInvalidInputEndsAtOnce()
{
    QFETCH(QString, filter);
    QFETCH(int, capacity);
    QFETCH(QString, warning);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(warning));
    auto stream = Coro::messages(*m_client, filter, capacity);
    auto all = drain(stream);
    QVERIFY(all.isReady()); // ended without waiting for the event loop
    QCOMPARE(valueOf(all), QList<QByteArray>());
}

void TstCoro::messagesEndWhenClientDestroyedWhileWaiting()
{
    connectAndSubscribe();
    auto stream = Coro::messages(*m_client, m_prefix + QStringLiteral("/#"));
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "before" });
    auto all = drain(stream); // takes "before" at once, then waits for the next message
    QVERIFY(!all.isReady());
    m_client.reset();
    QVERIFY(finishes(all));
    QCOMPARE(valueOf(all), QList<QByteArray> { "before" });
}

void TstCoro::messagesBufferedBeforeClientDestroyedStillArrive()
{
    connectAndSubscribe();
    auto stream = Coro::messages(*m_client, m_prefix + QStringLiteral("/#"));
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "1", "2" });
    m_client.reset();
    auto all = drain(stream);
    QVERIFY(finishes(all));
    QCOMPARE(valueOf(all), (QList<QByteArray> { "1", "2" }));
}

void TstCoro::generatorDestroyedWhileWaiting()
{
    // The generator is destroyed while it waits in messages(), with its resumption already
    // posted: a message handler that runs after the stream's own destroys it. Nothing may run
    // afterwards (ASan checks the frame is not touched again).
    connectAndSubscribe();
    const QString filter = m_prefix + QStringLiteral("/#");
    auto stream
        = std::make_unique<QCoro::AsyncGenerator<Message>>(Coro::messages(*m_client, filter));
    // Start the generator by hand, with a consumer that does nothing when resumed, so it
    // suspends inside messages() waiting for a message.
    auto begin = stream->begin();
    begin.await_suspend(std::noop_coroutine()).resume();
    int destroyedIn = 0;
    m_client->addMessageHandler(filter, this, [&](const Message &) {
        if (stream) {
            stream.reset();
            ++destroyedIn;
        }
    });
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "1" });
    QCOMPARE(destroyedIn, 1);
    // More traffic after the generator is gone: the stream's handler was removed.
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "2", "3" });
    QCoreApplication::processEvents();
    QCOMPARE(destroyedIn, 1);
}

void TstCoro::generatorDestroyedByItsConsumer()
{
    // The consumer leaves its loop after the first message, destroying the generator inside
    // the posted resumption that delivered it; later messages go nowhere.
    connectAndSubscribe();
    auto first = firstThenDrop(m_client.get(), m_prefix + QStringLiteral("/#"));
    QVERIFY(!first.isReady());
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "1", "2" });
    QVERIFY(finishes(first));
    QCOMPARE(valueOf(first), QByteArray("1"));
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "3" });
}

void TstCoro::generatorNeverIterated()
{
    // Created and destroyed without an iteration: it still registered its handler (and
    // buffered), and removes it again.
    connectAndSubscribe();
    {
        auto stream = Coro::messages(*m_client, m_prefix + QStringLiteral("/#"));
        publishAndReceive(m_prefix + QStringLiteral("/x"), { "1" });
    }
    publishAndReceive(m_prefix + QStringLiteral("/x"), { "2" });
}

// --- Coro::waitForMessage() ---------------------------------------------------------------

void TstCoro::waitForMessageReturnsFirstMatch()
{
    connectAndSubscribe();
    // A time limit beyond QTimer's int range (capped, not turned negative).
    QTest::failOnWarning(QRegularExpression(QStringLiteral("QTimer")));
    auto reply = Coro::waitForMessage(*m_client, m_prefix + QStringLiteral("/reply/+"), 1000h);
    QVERIFY(!reply.isReady());
    // Both arrive before the coroutine is resumed: the first matching one wins.
    publishAndReceive(m_prefix + QStringLiteral("/other"), { "no" });
    publishAndReceive(m_prefix + QStringLiteral("/reply/1"), { "first", "second" });
    QVERIFY(finishes(reply));
    const std::optional<Message> message = valueOf(reply);
    QVERIFY(message.has_value());
    QCOMPARE(message->topic(), m_prefix + QStringLiteral("/reply/1"));
    QCOMPARE(message->payload(), QByteArray("first"));
}

void TstCoro::waitForMessageTimesOut()
{
    connectAndSubscribe();
    auto reply = Coro::waitForMessage(*m_client, m_prefix + QStringLiteral("/never"), 20ms);
    QVERIFY(finishes(reply));
    QVERIFY(!valueOf(reply).has_value());
}

void TstCoro::waitForMessageInvalidFilter()
{
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(QStringLiteral("invalid topic filter \"a/#/b\"")));
    auto reply = Coro::waitForMessage(*m_client, QStringLiteral("a/#/b"), 10s);
    QVERIFY(reply.isReady());
    QVERIFY(!valueOf(reply).has_value());
}

void TstCoro::waitForMessageClientDestroyed()
{
    connectAndSubscribe();
    auto reply = Coro::waitForMessage(*m_client, m_prefix + QStringLiteral("/never"), -1ms);
    QVERIFY(!reply.isReady());
    m_client.reset();
    QVERIFY(finishes(reply));
    QVERIFY(!valueOf(reply).has_value());
}

QTEST_GUILESS_MAIN(TstCoro)
#include "tst_coro.moc"
