// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Invalid input fails at once and sends nothing: every bad call's future is finished when the
// call returns, with Error::InvalidArgument (or the documented error) and a text naming the
// problem. A mosquitto_sub peer subscribed to "#" and the broker's debug log prove that nothing
// reached the broker: after the bad calls one valid sentinel message is published, and the peer
// must see exactly that one line, the log exactly that one PUBLISH and no SUBSCRIBE/UNSUBSCRIBE.
//
// The pure validation cases share one connected client per protocol version (each row checks
// that the client is still connected and untouched). A fresh client per row would cost ~200 ms a
// row: paho stops its threads when the last handle is destroyed (100 ms), and a new handle's
// connect takes 1-2 s while another handle exists (its receive thread selects with a 1 s
// timeout on the sockets it knew before). Cases that need a particular client state use fresh
// clients.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QMetaEnum>
#include <QtCore/QRegularExpression>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <memory>

using namespace QPaho;
using QPahoTest::await;
using QPahoTest::describe;
using QPahoTest::optionsFor;
using QPahoTest::resultOf;
using QPahoTest::uniqueId;

Q_DECLARE_METATYPE(QPaho::ConnectOptions)

namespace {

constexpr int kTimeout = 10000;

const char *versionName(ProtocolVersion version)
{
    return version == ProtocolVersion::Mqtt5 ? "v5" : "v3.1.1";
}

// A future that must already be finished, with `error` and a text containing `hint`.
template<typename T>
bool failedAtOnce(const QFuture<T> &future, Error error, const QString &hint, QString *why)
{
    if (!future.isFinished()) {
        *why = QStringLiteral("the future was not finished when the call returned");
        return false;
    }
    const T result = resultOf(future);
    if (result.error() != error) {
        *why = QStringLiteral("expected %1, got %2")
                   .arg(QString::fromLatin1(QMetaEnum::fromType<Error>().valueToKey(int(error))),
                       describe(result));
        return false;
    }
    if (result.errorString().isEmpty()
        || (!hint.isEmpty() && !result.errorString().contains(hint, Qt::CaseInsensitive))) {
        *why = QStringLiteral("the error text \"%1\" does not mention \"%2\"")
                   .arg(result.errorString(), hint);
        return false;
    }
    return true;
}

// The same future with its result viewed as a plain Result (finished when `future` is).
template<typename T>
QFuture<Result> asResult(QFuture<T> future)
{
    return future.then([](const T &result) { return Result(result); });
}

} // namespace

// QVERIFY that `future` failed at once with `error` and a text containing `hint`.
#define VERIFY_FAILED_AT_ONCE(future, error, hint)                                                 \
    do {                                                                                           \
        QString why_;                                                                              \
        QVERIFY2(failedAtOnce((future), (error), (hint), &why_), qPrintable(why_));                \
    } while (false)

class TstInvalid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void publishTopic_data();
    void publishTopic();
    void publishTopicCheckedAfterAValidOne_data() { QPahoTest::addVersionRows(); }
    void publishTopicCheckedAfterAValidOne();
    void qosOutOfRange_data();
    void qosOutOfRange();
    void subscribeFilter_data();
    void subscribeFilter();
    void unsubscribeFilter_data();
    void unsubscribeFilter();
    void emptyRequestLists_data() { QPahoTest::addVersionRows(); }
    void emptyRequestLists();
    void messageHandlerFilter_data();
    void messageHandlerFilter();
    void connectOptions_data();
    void connectOptions();
    void connectWhileConnected_data() { QPahoTest::addVersionRows(); }
    void connectWhileConnected();
    void mqtt5OnlyOnV3_data();
    void mqtt5OnlyOnV3();
    void notConnected_data(); // last: it drops the shared clients
    void notConnected();

private:
    static void addInvalidFilterRows();
    ConnectResult connectTo(Client &client, ProtocolVersion version);
    // The shared connected client of `version`, connected (again) if it is not connected; then
    // the marks of init() are taken again. nullptr (with a warning) if it cannot connect.
    Client *shared(ProtocolVersion version);
    // Publishes a sentinel with `client` and checks that the peer saw exactly `expectedLines`
    // and then the sentinel since init(), and that the broker got no other packet from it.
    void verifyNothingReachedBroker(Client &client, const QStringList &expectedLines = {});

    QPahoTest::Mosquitto m_broker;
    std::unique_ptr<QPahoTest::MosquittoSub> m_peer;
    std::unique_ptr<Client> m_sharedV3;
    std::unique_ptr<Client> m_sharedV5;
    qsizetype m_linesMark = 0;
    qint64 m_logMark = 0;
};

void TstInvalid::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    m_peer = std::make_unique<QPahoTest::MosquittoSub>(m_broker.port(), QStringLiteral("#"));
    QVERIFY2(m_peer->start(), qPrintable(m_peer->error()));
}

void TstInvalid::init()
{
    QVERIFY2(m_peer->isRunning(), m_peer->errorOutput().constData());
    m_linesMark = m_peer->lines().size();
    m_logMark = m_broker.logMark();
}

ConnectResult TstInvalid::connectTo(Client &client, ProtocolVersion version)
{
    return await(client.connectToHost(optionsFor(version, m_broker.tcpUri())));
}

Client *TstInvalid::shared(ProtocolVersion version)
{
    std::unique_ptr<Client> &slot = version == ProtocolVersion::Mqtt5 ? m_sharedV5 : m_sharedV3;
    if (slot && slot->state() == Client::State::Connected)
        return slot.get();
    slot = std::make_unique<Client>();
    const ConnectResult result = connectTo(*slot, version);
    if (!result.isOk()) {
        qWarning("shared client: %s", qPrintable(describe(result)));
        slot.reset();
        return nullptr;
    }
    m_linesMark = m_peer->lines().size();
    m_logMark = m_broker.logMark();
    return slot.get();
}

void TstInvalid::verifyNothingReachedBroker(Client &client, const QStringList &expectedLines)
{
    QCOMPARE(client.state(), Client::State::Connected); // a protocol error would have cut it
    const QString sentinelTopic = uniqueId(QStringLiteral("sentinel")) + QStringLiteral("/end");
    const PublishResult sent = await(client.publish(sentinelTopic, "sentinel", 1));
    QVERIFY2(sent.isOk(), qPrintable(describe(sent)));

    const QStringList expected
        = expectedLines + QStringList { sentinelTopic + QStringLiteral(" sentinel") };
    QVERIFY2(m_peer->waitForLines(int(m_linesMark + expected.size()), kTimeout),
        "the peer did not receive the sentinel");
    QCOMPARE(m_peer->lines().mid(m_linesMark), expected);

    // The broker logs every packet it receives (log_type all), in order: once the sentinel's
    // PUBLISH is logged, whatever the client sent before it is logged too.
    QVERIFY(
        m_broker.waitForLog(QByteArray("'" + sentinelTopic.toUtf8() + "'"), kTimeout, m_logMark));
    const QByteArray log = m_broker.log().mid(m_logMark);
    const QByteArray id = client.clientId().toUtf8();
    QCOMPARE(log.count(QByteArray("Received SUBSCRIBE from " + id + '\n')), 0);
    QCOMPARE(log.count(QByteArray("Received UNSUBSCRIBE from " + id + '\n')), 0);
    QCOMPARE(log.count(QByteArray("Received PUBLISH from " + id + " (")), expected.size());
    QCOMPARE(client.state(), Client::State::Connected);
}

// ---------------------------------------------------------------------------------------
// Publish

void TstInvalid::publishTopic_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QString>("topic");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("hint"); // part of the error text

    const QString e2 = QString(QChar(u'\u00E9')); // 2 bytes in UTF-8
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        const char *v = versionName(version);
        const auto invalid = [&](const char *name, const QString &topic, const char *hint) {
            QTest::addRow("%s %s", v, name) << version << topic << false << QString::fromUtf8(hint);
        };
        invalid("empty", QString(), "empty");
        invalid("a/+", QStringLiteral("a/+"), "'+'");
        invalid("a/#", QStringLiteral("a/#"), "'#'");
        invalid("+", QStringLiteral("+"), "'+'");
        invalid("#", QStringLiteral("#"), "'#'");
        invalid("a+b", QStringLiteral("a+b"), "'+'");
        invalid("U+0000", QStringLiteral("a/") + QChar(0) + QStringLiteral("b"), "U+0000");
        invalid("unpaired surrogate", QStringLiteral("a/") + QChar(0xD800), "surrogate");
        invalid("65536 bytes", QString(65536, QLatin1Char('x')), "65536");
        // 32768 characters, but 65536 bytes in UTF-8: the limit counts bytes.
        invalid("65536 bytes in 2-byte chars", e2.repeated(32768), "65536");
        QTest::addRow("%s 65535 bytes (valid)", v)
            << version << QString(65535, QLatin1Char('y')) << true << QString();
        QTest::addRow("%s 65535 bytes in 2-byte chars (valid)", v)
            << version << QString(e2.repeated(32767) + QLatin1Char('z')) << true << QString();
    }
}

void TstInvalid::publishTopic()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, topic);
    QFETCH(bool, valid);
    QFETCH(QString, hint);
    QCOMPARE(QPaho::Topic::isValidName(topic), valid); // the test data itself

    Client *client = shared(version);
    QVERIFY(client);
    if (valid) {
        // The longest legal topic goes through unchanged.
        const PublishResult result = await(client->publish(topic, "long", 1));
        QVERIFY2(result.isOk(), qPrintable(describe(result)));
        verifyNothingReachedBroker(*client, { topic + QStringLiteral(" long") });
        return;
    }
    for (int qos = 0; qos <= 2; ++qos) {
        VERIFY_FAILED_AT_ONCE(client->publish(topic, "bad", qos), Error::InvalidArgument, hint);
        VERIFY_FAILED_AT_ONCE(
            client->publish(Message(topic, "bad", qos, true)), Error::InvalidArgument, hint);
    }
    verifyNothingReachedBroker(*client);
}

void TstInvalid::publishTopicCheckedAfterAValidOne()
{
    // The client remembers the last valid topic name to skip checking it again: a different,
    // invalid one right after it (also one that only adds a wildcard level) is still refused.
    QFETCH(ProtocolVersion, version);
    Client *client = shared(version);
    QVERIFY(client);
    const QString valid = QStringLiteral("invalid/remembered/%1").arg(uniqueId());
    QPAHO_VERIFY_OK(await(client->publish(valid, "one", 1)));
    VERIFY_FAILED_AT_ONCE(client->publish(valid + QStringLiteral("/+"), "bad", 1),
        Error::InvalidArgument, QStringLiteral("'+'"));
    VERIFY_FAILED_AT_ONCE(
        client->publish(QString(), "bad", 1), Error::InvalidArgument, QStringLiteral("empty"));
    QPAHO_VERIFY_OK(await(client->publish(valid, "two", 1)));
    VERIFY_FAILED_AT_ONCE(client->publish(valid + QChar(0xD800), "bad", 0), Error::InvalidArgument,
        QStringLiteral("surrogate"));
    verifyNothingReachedBroker(
        *client, { valid + QStringLiteral(" one"), valid + QStringLiteral(" two") });
}

void TstInvalid::qosOutOfRange_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("qos");
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        for (const int qos : { -1, 3, 128 })
            QTest::addRow("%s qos %d", versionName(version), qos) << version << qos;
    }
}

void TstInvalid::qosOutOfRange()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(int, qos);
    const QString topic = uniqueId(QStringLiteral("qos")) + QStringLiteral("/t");
    const QString hint = QStringLiteral("QoS");
    Client *client = shared(version);
    QVERIFY(client);

    VERIFY_FAILED_AT_ONCE(client->publish(topic, "bad", qos), Error::InvalidArgument, hint);
    Message message(topic, "bad");
    message.setQos(qos);
    VERIFY_FAILED_AT_ONCE(client->publish(message), Error::InvalidArgument, hint);

    VERIFY_FAILED_AT_ONCE(client->subscribe(topic, qos), Error::InvalidArgument, hint);
    SubscribeOptions options;
    options.setQos(qos);
    VERIFY_FAILED_AT_ONCE(client->subscribe(topic, options), Error::InvalidArgument, hint);
    // One bad entry fails the whole SUBSCRIBE.
    VERIFY_FAILED_AT_ONCE(
        client->subscribe(
            { { topic + QStringLiteral("/ok"), SubscribeOptions(1) }, { topic, options } }),
        Error::InvalidArgument, hint);
    verifyNothingReachedBroker(*client);
}

// ---------------------------------------------------------------------------------------
// Subscribe and unsubscribe

void TstInvalid::addInvalidFilterRows()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("hint");
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        const char *v = versionName(version);
        const auto row = [&](const char *name, const QString &filter, const char *hint) {
            QTest::addRow("%s %s", v, name) << version << filter << QString::fromUtf8(hint);
        };
        row("a/#/b", QStringLiteral("a/#/b"), "last level");
        row("#/a", QStringLiteral("#/a"), "last level");
        row("a#", QStringLiteral("a#"), "whole level");
        row("a/b+", QStringLiteral("a/b+"), "whole level");
        row("+a/b", QStringLiteral("+a/b"), "whole level");
        row("empty", QString(), "empty");
        row("U+0000", QStringLiteral("a/") + QChar(0), "U+0000");
        row("65536 bytes", QString(65536, QLatin1Char('f')), "65536");
        row("$share/g", QStringLiteral("$share/g"), "no filter after the group");
        row("$share/g/", QStringLiteral("$share/g/"), "no filter after the group");
        row("$share//t", QStringLiteral("$share//t"), "group is empty");
        row("$share/g+/t", QStringLiteral("$share/g+/t"), "'+'");
        row("$share/+/t", QStringLiteral("$share/+/t"), "'+'");
        row("$share/#/t", QStringLiteral("$share/#/t"), "'#'");
        row("$share/g#/t", QStringLiteral("$share/g#/t"), "'#'");
        row("$share//#", QStringLiteral("$share//#"), "group is empty");
        row("$share/g/a/#/b", QStringLiteral("$share/g/a/#/b"), "last level");
    }
}

void TstInvalid::subscribeFilter_data()
{
    addInvalidFilterRows();
}

void TstInvalid::subscribeFilter()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, filter);
    QFETCH(QString, hint);
    QVERIFY(!QPaho::Topic::isValidFilter(filter)); // the test data itself
    const QString good = uniqueId(QStringLiteral("sub")) + QStringLiteral("/ok");

    Client *client = shared(version);
    QVERIFY(client);
    for (int qos = 0; qos <= 2; ++qos) {
        VERIFY_FAILED_AT_ONCE(client->subscribe(filter, qos), Error::InvalidArgument, hint);
        VERIFY_FAILED_AT_ONCE(
            client->subscribe(filter, SubscribeOptions(qos)), Error::InvalidArgument, hint);
    }
    // A valid filter next to the bad one is not subscribed either (the log proves it).
    VERIFY_FAILED_AT_ONCE(client->subscribe({ { good, SubscribeOptions(1) }, { filter, 1 } }),
        Error::InvalidArgument, hint);
    verifyNothingReachedBroker(*client);
}

void TstInvalid::unsubscribeFilter_data()
{
    addInvalidFilterRows();
}

void TstInvalid::unsubscribeFilter()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, filter);
    QFETCH(QString, hint);
    const QString good = uniqueId(QStringLiteral("unsub")) + QStringLiteral("/ok");

    Client *client = shared(version);
    QVERIFY(client);
    VERIFY_FAILED_AT_ONCE(client->unsubscribe(filter), Error::InvalidArgument, hint);
    VERIFY_FAILED_AT_ONCE(
        client->unsubscribe(QStringList { good, filter }), Error::InvalidArgument, hint);
    verifyNothingReachedBroker(*client);
}

void TstInvalid::emptyRequestLists()
{
    QFETCH(ProtocolVersion, version);
    Client *client = shared(version);
    QVERIFY(client);
    VERIFY_FAILED_AT_ONCE(client->subscribe(QList<QPair<QString, SubscribeOptions>>()),
        Error::InvalidArgument, QStringLiteral("filter"));
    VERIFY_FAILED_AT_ONCE(
        client->unsubscribe(QStringList()), Error::InvalidArgument, QStringLiteral("filter"));
    verifyNothingReachedBroker(*client);
}

// ---------------------------------------------------------------------------------------
// Not connected

void TstInvalid::notConnected_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QString>("situation");
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        for (const char *situation : { "never connected", "connecting, buffering off",
                 "disconnected, buffering on", "disconnecting" })
            QTest::addRow("%s %s", versionName(version), situation)
                << version << QString::fromUtf8(situation);
    }
}

void TstInvalid::notConnected()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, situation);
    const QString topic = uniqueId(QStringLiteral("offline")) + QStringLiteral("/t");
    ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    // This client must be the process's only paho handle, or its connects take seconds.
    m_sharedV3.reset();
    m_sharedV5.reset();
    Client client;

    QFuture<ConnectResult> connecting;
    QFuture<Result> disconnecting;
    if (situation == QLatin1String("never connected")) {
        QCOMPARE(client.state(), Client::State::Disconnected);
    } else if (situation == QLatin1String("connecting, buffering off")) {
        options.setOfflineBuffering(false);
        connecting = client.connectToHost(options);
        QCOMPARE(client.state(), Client::State::Connecting);
    } else if (situation == QLatin1String("disconnected, buffering on")) {
        QVERIFY(options.offlineBuffering()); // the default
        QPAHO_VERIFY_OK(await(client.connectToHost(options)));
        QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
        QCOMPARE(client.state(), Client::State::Disconnected);
    } else {
        QPAHO_VERIFY_OK(await(client.connectToHost(options)));
        disconnecting = client.disconnectFromHost();
        QCOMPARE(client.state(), Client::State::Disconnecting);
    }

    const QString hint; // any text; the error code is what matters here
    for (int qos = 0; qos <= 2; ++qos) {
        VERIFY_FAILED_AT_ONCE(client.publish(topic, "offline", qos), Error::NotConnected, hint);
        VERIFY_FAILED_AT_ONCE(
            client.publish(Message(topic, "offline", qos)), Error::NotConnected, hint);
    }
    VERIFY_FAILED_AT_ONCE(client.subscribe(topic, 1), Error::NotConnected, hint);
    VERIFY_FAILED_AT_ONCE(client.unsubscribe(topic), Error::NotConnected, hint);
    QCOMPARE(client.queued(), 0);

    // Nothing was kept for later: connect (again) and only the sentinel arrives.
    if (connecting.isValid()) {
        QPAHO_VERIFY_OK(await(connecting));
    } else {
        if (disconnecting.isValid())
            QPAHO_VERIFY_OK(await(disconnecting));
        QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    }
    verifyNothingReachedBroker(client);
}

// ---------------------------------------------------------------------------------------
// MQTT 5 features on an MQTT 3.1.1 connection

void TstInvalid::mqtt5OnlyOnV3_data()
{
    QTest::addColumn<QString>("operation");
    for (const char *operation : { "publish with user property", "publish with message expiry",
             "publish with response topic", "subscribe noLocal", "subscribe retainAsPublished",
             "subscribe retainHandling DoNotSend", "subscribe with subscription identifier",
             "subscribe $share/g/t", "subscribe list with $share/g/t",
             "unsubscribe with user property", "disconnect with reason code" })
        QTest::newRow(operation) << QString::fromUtf8(operation);
}

void TstInvalid::mqtt5OnlyOnV3()
{
    QFETCH(QString, operation);
    const QString topic = uniqueId(QStringLiteral("v5only")) + QStringLiteral("/t");

    // Runs `operation` on `client`.
    const auto run = [&](Client &client) -> QFuture<Result> {
        Properties user;
        user.addUserProperty(QStringLiteral("k"), QStringLiteral("v"));
        if (operation.startsWith(QLatin1String("publish"))) {
            Message message(topic, "v5 only", 1);
            Properties p;
            if (operation.endsWith(QLatin1String("user property")))
                p = user;
            else if (operation.endsWith(QLatin1String("message expiry")))
                p.setMessageExpiryInterval(60);
            else
                p.setResponseTopic(topic + QStringLiteral("/reply"));
            message.setProperties(p);
            return asResult(client.publish(message));
        }
        if (operation.startsWith(QLatin1String("subscribe"))) {
            SubscribeOptions options(1);
            QString filter = topic;
            if (operation.endsWith(QLatin1String("noLocal")))
                options.setNoLocal(true);
            else if (operation.endsWith(QLatin1String("retainAsPublished")))
                options.setRetainAsPublished(true);
            else if (operation.endsWith(QLatin1String("DoNotSend")))
                options.setRetainHandling(SubscribeOptions::RetainHandling::DoNotSend);
            else if (operation.endsWith(QLatin1String("identifier"))) {
                Properties p;
                p.setSubscriptionIdentifier(7);
                options.setProperties(p);
            } else {
                filter = QStringLiteral("$share/g/") + topic;
            }
            if (operation.contains(QLatin1String("list")))
                return asResult(client.subscribe(
                    { { topic + QStringLiteral("/plain"), 0 }, { filter, options } }));
            return asResult(client.subscribe(filter, options));
        }
        if (operation.startsWith(QLatin1String("unsubscribe")))
            return client.unsubscribe(QStringList { topic }, user);
        return client.disconnectFromHost(0x04); // disconnect with will message
    };

    // MQTT 3.1.1: Unsupported, at once, and the connection stays up.
    Client *v3 = shared(ProtocolVersion::Mqtt311);
    QVERIFY(v3);
    const QFuture<Result> refused = run(*v3);
    VERIFY_FAILED_AT_ONCE(refused, Error::Unsupported, QStringLiteral("MQTT 5"));
    QCOMPARE(v3->state(), Client::State::Connected);
    QPAHO_CHECKED(verifyNothingReachedBroker(*v3));

    // The same request is fine on MQTT 5: it was the version that made it unsupported.
    // (The disconnect row disconnects the shared v5 client; shared() reconnects it if needed.)
    Client *v5 = shared(ProtocolVersion::Mqtt5);
    QVERIFY(v5);
    const Result accepted = await(run(*v5));
    QVERIFY2(accepted.isOk(), qPrintable(describe(accepted)));
    if (operation.startsWith(QLatin1String("publish"))) {
        // Let its line reach the peer before the next test takes its mark.
        const QString line = topic + QStringLiteral(" v5 only");
        QVERIFY(QPahoTest::waitUntil([&] { return m_peer->lines().contains(line); }, kTimeout));
    }
}

// ---------------------------------------------------------------------------------------
// Connect

void TstInvalid::connectOptions_data()
{
    QTest::addColumn<ConnectOptions>("options");
    QTest::addColumn<QString>("hint");

    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        const char *v = versionName(version);
        const auto base = [&] {
            ConnectOptions o = optionsFor(version, m_broker.tcpUri());
            o.setClientId(uniqueId(QStringLiteral("badconnect")));
            return o;
        };
        ConnectOptions o;
        o.setProtocolVersion(version);
        QTest::addRow("%s no server URI", v) << o << QStringLiteral("URI");
        o = base();
        o.setServerUris({});
        QTest::addRow("%s empty URI list", v) << o << QStringLiteral("URI");
        o = base();
        o.setServerUri(QStringLiteral("ftp://x"));
        QTest::addRow("%s ftp://x", v) << o << QStringLiteral("ftp://x");
        o = base();
        o.setServerUris({ m_broker.tcpUri(), QStringLiteral("ftp://x") });
        QTest::addRow("%s ftp://x second in the list", v) << o << QStringLiteral("ftp://x");
        o = base();
        o.setServerUri(m_broker.tcpUri() + QStringLiteral("/path"));
        QTest::addRow("%s path on tcp://", v) << o << QStringLiteral("/path");
        o = base();
        o.setWill(WillOptions(QStringLiteral("a/+"), "gone"));
        QTest::addRow("%s will topic a/+", v) << o << QStringLiteral("will");
        o = base();
        o.setWill(WillOptions(QStringLiteral("a/#"), "gone"));
        QTest::addRow("%s will topic a/#", v) << o << QStringLiteral("will");
        o = base();
        o.setWill(WillOptions(QStringLiteral("will/t"), "gone", 3));
        QTest::addRow("%s will QoS 3", v) << o << QStringLiteral("QoS");
        o = base();
        o.setKeepAliveInterval(-1);
        QTest::addRow("%s keep-alive -1", v) << o << QStringLiteral("keep-alive");
        o = base();
        o.setKeepAliveInterval(65536);
        QTest::addRow("%s keep-alive 65536", v) << o << QStringLiteral("keep-alive");
        o = base();
        o.setConnectTimeout(-1);
        QTest::addRow("%s connect timeout -1", v) << o << QStringLiteral("timeout");
        o = base();
        o.setMaxInflight(0);
        QTest::addRow("%s max in-flight 0", v) << o << QStringLiteral("in-flight");
        o = base();
        o.setClientId(QString(65536, QLatin1Char('c')));
        QTest::addRow("%s client id of 65536 bytes", v) << o << QStringLiteral("client id");
    }
    ConnectOptions o = optionsFor(ProtocolVersion::Mqtt311, m_broker.tcpUri());
    o.setPassword("secret");
    QTest::newRow("v3.1.1 password without user name") << o << QStringLiteral("password");
}

void TstInvalid::connectOptions()
{
    QFETCH(ConnectOptions, options);
    QFETCH(QString, hint);
    Client *sentinel = shared(options.protocolVersion());
    QVERIFY(sentinel);
    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    const QFuture<ConnectResult> future = client.connectToHost(options);
    VERIFY_FAILED_AT_ONCE(future, Error::InvalidArgument, hint);
    QVERIFY(!resultOf(future).errorString().contains(QLatin1String("secret")));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateSpy.count(), 0);

    // No connection was opened: the broker sees no new connection at all.
    verifyNothingReachedBroker(*sentinel);
    const QByteArray log = m_broker.log().mid(m_logMark);
    QCOMPARE(log.count("New connection from "), 0);
    if (!options.clientId().isEmpty() && options.clientId().size() < 100)
        QVERIFY(!log.contains(options.clientId().toUtf8()));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateSpy.count(), 0);
    QCOMPARE(connectedSpy.count(), 0);
}

void TstInvalid::connectWhileConnected()
{
    QFETCH(ProtocolVersion, version);
    Client *client = shared(version);
    QVERIFY(client);
    const QString id = client->clientId();
    QSignalSpy stateSpy(client, &Client::stateChanged);
    QSignalSpy connectedSpy(client, &Client::connected);

    const ConnectOptions same = optionsFor(version, m_broker.tcpUri());
    VERIFY_FAILED_AT_ONCE(client->connectToHost(same), Error::InvalidState, QString());
    VERIFY_FAILED_AT_ONCE(client->connectToHost(m_broker.tcpUri()), Error::InvalidState, QString());
    // The state is checked first: even bad options get InvalidState here.
    ConnectOptions bad = same;
    bad.setKeepAliveInterval(-1);
    VERIFY_FAILED_AT_ONCE(client->connectToHost(bad), Error::InvalidState, QString());
    QCOMPARE(stateSpy.count(), 0);

    verifyNothingReachedBroker(*client);
    // The repeated connects opened no connection and left this one alone.
    QCOMPARE(m_broker.log().mid(m_logMark).count("New connection from "), 0);
    QCOMPARE(client->clientId(), id);
    QCOMPARE(connectedSpy.count(), 0);
}

// ---------------------------------------------------------------------------------------
// Message handlers

void TstInvalid::messageHandlerFilter_data()
{
    addInvalidFilterRows();
}

void TstInvalid::messageHandlerFilter()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, filter);
    Client *client = shared(version);
    QVERIFY(client);
    int calls = 0;
    const auto handler = [&calls](const Message &) { ++calls; };

    // QPaho warns about the rejected handler.
    const QRegularExpression warning(QStringLiteral("^addMessageHandler: invalid filter"));
    QTest::ignoreMessage(QtWarningMsg, warning);
    QCOMPARE(client->addMessageHandler(filter, this, handler), Client::HandlerId(0));
    QCOMPARE(client->removeMessageHandler(0), false);
    QCOMPARE(client->removeMessageHandlers(filter), 0);
    // Controls: a valid filter gets an id; a null context does not.
    const QString good = uniqueId(QStringLiteral("handler")) + QStringLiteral("/+");
    const Client::HandlerId id = client->addMessageHandler(good, this, handler);
    QVERIFY(id != 0);
    QTest::ignoreMessage(QtWarningMsg, warning);
    QCOMPARE(client->addMessageHandler(good, nullptr, handler), Client::HandlerId(0));
    QVERIFY(client->removeMessageHandler(id));

    verifyNothingReachedBroker(*client); // a handler never subscribes
    QCOMPARE(calls, 0);
}

QTEST_GUILESS_MAIN(TstInvalid)
#include "tst_invalid.moc"
