// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Connecting and disconnecting: the connect future, the state machine and its signals, URI forms,
// broker refusals, unreachable and silent servers, calls in the wrong state, the exactly-once
// completion of futures and the thread continuations run on, and a persistent session.
// Every broker case runs with MQTT 3.1.1 and MQTT 5 against a real mosquitto.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QElapsedTimer>
#include <QtCore/QFutureWatcher>
#include <QtCore/QMetaEnum>
#include <QtCore/QStandardPaths>
#include <QtCore/QThread>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <functional>
#include <memory>
#include <vector>

using QPaho::Client;
using QPaho::ConnectOptions;
using QPaho::ConnectResult;
using QPaho::Error;
using QPaho::ProtocolVersion;
using QPaho::Result;
using QPahoTest::await;
using QPahoTest::describe;
using QPahoTest::optionsFor;
using QPahoTest::resultOf;
using QPahoTest::uniqueId;

namespace {

constexpr int kTimeout = 10000;

bool isV5(ProtocolVersion version)
{
    return version == ProtocolVersion::Mqtt5;
}

// The states a stateChanged() spy recorded, by name (readable when a comparison fails).
QStringList stateNames(const QSignalSpy &spy)
{
    const QMetaEnum meta = QMetaEnum::fromType<Client::State>();
    QStringList names;
    for (const Client::State state : QPahoTest::firstArguments<Client::State>(spy))
        names << QString::fromLatin1(meta.valueToKey(int(state)));
    return names;
}

// "as <id> (p2, c1, k60" is how mosquitto logs the CONNECT it accepted: protocol (2 = 3.1.1,
// 5 = 5.0), clean session/start flag and keep-alive.
QByteArray connectLogNeedle(
    const QString &clientId, ProtocolVersion version, bool clean, int keepAlive)
{
    return "as " + clientId.toUtf8() + " (p" + (isV5(version) ? "5" : "2") + ", c"
        + (clean ? "1" : "0") + ", k" + QByteArray::number(keepAlive);
}

// A port on 127.0.0.1 that nobody listens on (bound, read and closed again).
quint16 freePort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

// Watches one future: how often a plain .then() continuation ran and how often a
// QFutureWatcher reported finished().
struct FinishProbe
{
    QString name;
    QFuture<void> future;
    std::shared_ptr<int> thenRuns = std::make_shared<int>(0);
    std::unique_ptr<QFutureWatcher<void>> watcher = std::make_unique<QFutureWatcher<void>>();
    std::unique_ptr<QSignalSpy> finishedSpy;
    std::function<int()> resultCount;
};

template<typename T>
std::unique_ptr<FinishProbe> probe(const QString &name, QFuture<T> future)
{
    auto p = std::make_unique<FinishProbe>();
    p->name = name;
    p->future = QFuture<void>(future);
    p->finishedSpy = std::make_unique<QSignalSpy>(p->watcher.get(), &QFutureWatcherBase::finished);
    p->watcher->setFuture(p->future);
    p->resultCount = [future] { return future.resultCount(); };
    future.then([runs = p->thenRuns](const T &) { ++*runs; });
    return p;
}

// Records the thread a plain .then() continuation of `future` runs on.
template<typename T>
QFuture<void> recordThread(QFuture<T> future, const QString &name,
    const std::shared_ptr<QList<QPair<QString, QThread *>>> &seen)
{
    return future.then([seen, name](const T &) {
        seen->append({ name, QThread::currentThread() });
    });
}

} // namespace

class TstConnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void normalizeUri_data();
    void normalizeUri();

    void connectSuccess_data() { QPahoTest::addVersionRows(); }
    void connectSuccess();
    void connectUriForms_data();
    void connectUriForms();

    void disconnect_data() { QPahoTest::addVersionRows(); }
    void disconnect();
    void disconnectWhenNeverConnected();
    void emptyPasswordWithoutUserIsNoPassword();

    void refused_data();
    void refused();
    void unreachablePort_data() { QPahoTest::addVersionRows(); }
    void unreachablePort();
    void connectTimeout_data() { QPahoTest::addVersionRows(); }
    void connectTimeout();

    void connectWhileConnected_data() { QPahoTest::addVersionRows(); }
    void connectWhileConnected();
    void connectWhileConnecting_data() { QPahoTest::addVersionRows(); }
    void connectWhileConnecting();
    void disconnectWhileConnecting_data() { QPahoTest::addVersionRows(); }
    void disconnectWhileConnecting();

    void futuresFinishExactlyOnce_data() { QPahoTest::addVersionRows(); }
    void futuresFinishExactlyOnce();
    void continuationsRunOnOwnerThread_data() { QPahoTest::addVersionRows(); }
    void continuationsRunOnOwnerThread();

    void persistentSession_data() { QPahoTest::addVersionRows(); }
    void persistentSession();

private:
    QPahoTest::Mosquitto m_broker;
    QPahoTest::Mosquitto m_authBroker { QPahoTest::MosquittoOptions {
        .users = { { QStringLiteral("alice"), QStringLiteral("secret") } } } };
};

void TstConnect::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    QVERIFY2(m_authBroker.start(), qPrintable(m_authBroker.lastError()));
}

// ---------------------------------------------------------------------------------------
// URI normalization (no broker)

void TstConnect::normalizeUri_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    const auto row = [](const char *name, const char *input, const char *expected) {
        QTest::newRow(name) << QString::fromUtf8(input) << QString::fromUtf8(expected);
    };
    row("bare host", "localhost", "tcp://localhost:1883");
    row("bare host, spaces", "  localhost  ", "tcp://localhost:1883");
    row("host:port", "h:1884", "tcp://h:1884");
    row("ipv4:port", "127.0.0.1:1884", "tcp://127.0.0.1:1884");
    row("ipv6 literal:port", "[::1]:1884", "tcp://[::1]:1884");
    row("tcp full", "tcp://h:1884", "tcp://h:1884");
    row("tcp no port", "tcp://h", "tcp://h:1883");
    row("tcp uppercase scheme", "TCP://h", "tcp://h:1883");
    row("mqtt", "mqtt://h", "tcp://h:1883");
    row("mqtt with port", "mqtt://h:2000", "tcp://h:2000");
    row("ssl", "ssl://h", "ssl://h:8883");
    row("mqtts", "mqtts://h", "mqtts://h:8883");
    row("ws with path", "ws://h/mqtt", "ws://h:80/mqtt");
    row("ws ipv6 with path", "ws://[::1]/mqtt", "ws://[::1]:80/mqtt");
    row("wss", "wss://h", "wss://h:443");
    row("wss full", "wss://h:9001/p", "wss://h:9001/p");
    row("unsupported scheme", "ftp://h", "");
    row("empty", "", "");
    row("only spaces", "   ", "");
    row("no host", "tcp://:1883", "");
    row("non-numeric port", "h:notaport", "");
    row("path on tcp", "tcp://h:1883/x", "");
}

void TstConnect::normalizeUri()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(ConnectOptions::normalizeUri(input), expected);
    // setServerUri() stores the normalized form when there is one.
    ConnectOptions options;
    options.setServerUri(input);
    QCOMPARE(options.serverUris().size(), 1);
    if (!expected.isEmpty())
        QCOMPARE(options.serverUris().constFirst(), expected);
}

// ---------------------------------------------------------------------------------------
// Connect

void TstConnect::connectSuccess()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    QSignalSpy clientIdSpy(&client, &Client::clientIdChanged);
    QCOMPARE(client.state(), Client::State::Disconnected);

    const qint64 mark = m_broker.logMark();
    // No client id: v3.1.1 gets a generated one, v5 with clean start lets the broker assign it.
    const QFuture<ConnectResult> future
        = client.connectToHost(optionsFor(version, m_broker.tcpUri()));
    QCOMPARE(client.state(), Client::State::Connecting);
    const ConnectResult result = await(future);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    QVERIFY(!future.isCanceled());

    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Connecting"), QStringLiteral("Connected") }));
    QCOMPARE(connectedSpy.count(), 1);
    QCOMPARE(disconnectedSpy.count(), 0);

    const auto signalled = connectedSpy.at(0).at(0).value<ConnectResult>();
    for (const ConnectResult &r : { result, signalled }) {
        QVERIFY(r.isOk());
        QVERIFY(!r.sessionPresent()); // clean session / clean start
        QCOMPARE(r.serverUri(), m_broker.tcpUri());
        QCOMPARE(r.protocolVersion(), version);
        QVERIFY(!r.clientId().isEmpty());
    }
    QCOMPARE(signalled.clientId(), result.clientId());
    QCOMPARE(client.clientId(), result.clientId());
    QCOMPARE(client.serverUri(), m_broker.tcpUri());
    QCOMPARE(client.protocolVersion(), version);
    QCOMPARE(client.lastConnectResult().clientId(), result.clientId());
    QVERIFY(clientIdSpy.count() >= 1);
    QCOMPARE(clientIdSpy.last().at(0).toString(), result.clientId());

    if (isV5(version)) {
        // mosquitto assigns "auto-<uuid>" and says so in CONNACK.
        QCOMPARE(
            result.properties().assignedClientIdentifier().value_or(QString()), result.clientId());
        QVERIFY2(
            result.clientId().startsWith(QLatin1String("auto-")), qPrintable(result.clientId()));
    } else {
        QVERIFY2(
            result.clientId().startsWith(QLatin1String("qpaho-")), qPrintable(result.clientId()));
        QVERIFY(!result.properties().assignedClientIdentifier().has_value());
    }
    // The broker accepted exactly this id, protocol, clean flag and the default keep-alive.
    const QByteArray needle = connectLogNeedle(result.clientId(), version, true, 60);
    QVERIFY2(m_broker.waitForLog(needle, kTimeout, mark), needle.constData());

    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
}

// An empty password field and no user name (what a form with empty fields gives) is "no
// password": paho would send the password flag alone, which an MQTT 3.1.1 broker refuses as a
// protocol error, on every retry.
void TstConnect::emptyPasswordWithoutUserIsNoPassword()
{
    Client client;
    ConnectOptions options(m_broker.tcpUri());
    options.setPassword(QByteArray(""));
    QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    QCOMPARE(client.state(), Client::State::Connected);
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
}

void TstConnect::connectUriForms_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QString>("form"); // %1 = the broker port
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        const char *v = isV5(version) ? "v5" : "v3.1.1";
        QTest::addRow("%s host:port", v) << version << QStringLiteral("127.0.0.1:%1");
        QTest::addRow("%s tcp://", v) << version << QStringLiteral("tcp://127.0.0.1:%1");
        QTest::addRow("%s mqtt://", v) << version << QStringLiteral("mqtt://127.0.0.1:%1");
    }
}

void TstConnect::connectUriForms()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, form);
    const QString uri = form.arg(m_broker.port());
    Client client;
    // v3.1.1 through the string overload (default options), v5 through the v5() preset.
    const QFuture<ConnectResult> future
        = isV5(version) ? client.connectToHost(ConnectOptions::v5(uri)) : client.connectToHost(uri);
    const ConnectResult result = await(future);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    QCOMPARE(result.serverUri(), m_broker.tcpUri());
    QCOMPARE(result.protocolVersion(), version);
    QCOMPARE(client.serverUri(), m_broker.tcpUri());
    QCOMPARE(client.connectOptions().serverUris(), QStringList { m_broker.tcpUri() });
    QCOMPARE(client.state(), Client::State::Connected);
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
}

// ---------------------------------------------------------------------------------------
// Disconnect

void TstConnect::disconnect()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    QSignalSpy connectionLostSpy(&client, &Client::connectionLost);
    const ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    const QString id = client.clientId();

    QSignalSpy stateSpy(&client, &Client::stateChanged);
    const qint64 mark = m_broker.logMark();
    const QFuture<Result> future = client.disconnectFromHost();
    QCOMPARE(client.state(), Client::State::Disconnecting);
    const Result result = await(future);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Disconnecting"), QStringLiteral("Disconnected") }));
    QTRY_COMPARE_WITH_TIMEOUT(disconnectedSpy.count(), 1, kTimeout);
    QVERIFY2(disconnectedSpy.at(0).at(0).value<Result>().isOk(),
        qPrintable(describe(disconnectedSpy.at(0).at(0).value<Result>())));
    QCOMPARE(connectionLostSpy.count(), 0);
    // A real MQTT DISCONNECT, not a dropped socket.
    const QByteArray needle = "Received DISCONNECT from " + id.toUtf8();
    QVERIFY2(m_broker.waitForLog(needle, kTimeout, mark), needle.constData());

    // Disconnecting again: NotConnected, at once, and nothing changes.
    stateSpy.clear();
    const QFuture<Result> again = client.disconnectFromHost();
    QVERIFY(again.isFinished());
    const Result againResult = resultOf(again);
    QCOMPARE(againResult.error(), Error::NotConnected);
    QVERIFY(!againResult.errorString().isEmpty());
    QCOMPARE(stateSpy.count(), 0);
    QCOMPARE(disconnectedSpy.count(), 1);

    // The client can connect again.
    const ConnectResult reconnect = await(client.connectToHost(options));
    QVERIFY2(reconnect.isOk(), qPrintable(describe(reconnect)));
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(connectedSpy.count(), 2);
    QPAHO_VERIFY_OK(await(client.publish(uniqueId(QStringLiteral("disc")), "alive", 1)));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    QTRY_COMPARE_WITH_TIMEOUT(disconnectedSpy.count(), 2, kTimeout);
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void TstConnect::disconnectWhenNeverConnected()
{
    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    const QFuture<Result> future = client.disconnectFromHost();
    QVERIFY(future.isFinished());
    QVERIFY(!future.isCanceled());
    const Result result = resultOf(future);
    QCOMPARE(result.error(), Error::NotConnected);
    QVERIFY(!result.errorString().isEmpty());
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateSpy.count(), 0);
    QCOMPARE(disconnectedSpy.count(), 0);
}

// ---------------------------------------------------------------------------------------
// Failures

void TstConnect::refused_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QString>("username");
    QTest::addColumn<QByteArray>("password"); // null: no password
    QTest::addColumn<bool>("accepted");
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        const char *v = isV5(version) ? "v5" : "v3.1.1";
        QTest::addRow("%s wrong password", v)
            << version << QStringLiteral("alice") << QByteArray("wrong-pw") << false;
        QTest::addRow("%s no password", v)
            << version << QStringLiteral("alice") << QByteArray() << false;
        QTest::addRow("%s unknown user", v)
            << version << QStringLiteral("mallory") << QByteArray("secret") << false;
        QTest::addRow("%s right password", v)
            << version << QStringLiteral("alice") << QByteArray("secret") << true;
    }
}

void TstConnect::refused()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QString, username);
    QFETCH(QByteArray, password);
    QFETCH(bool, accepted);

    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    ConnectOptions options = optionsFor(version, m_authBroker.tcpUri());
    options.setUsername(username);
    if (!password.isNull())
        options.setPassword(password);
    const QFuture<ConnectResult> future = client.connectToHost(options);
    const ConnectResult result = await(future);
    QVERIFY(future.isFinished());

    if (accepted) {
        QVERIFY2(result.isOk(), qPrintable(describe(result)));
        QCOMPARE(client.state(), Client::State::Connected);
        QCOMPARE(connectedSpy.count(), 1);
        QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
        return;
    }
    QVERIFY2(result.error() == Error::ConnectionRefused, qPrintable(describe(result)));
    if (isV5(version)) {
        // 0x86 bad user name or password; mosquitto 2.0.11 sends 0x87 not authorized.
        QVERIFY2(result.reasonCode() >= 0x80, qPrintable(describe(result)));
        QVERIFY2(result.reasonCode() == 0x86 || result.reasonCode() == 0x87,
            qPrintable(describe(result)));
    } else {
        QVERIFY2(result.reasonCode() == 5, qPrintable(describe(result))); // not authorized
    }
    QVERIFY(!result.errorString().isEmpty());
    // Error texts never carry credentials.
    QVERIFY(!result.errorString().contains(QLatin1String("secret")));
    QVERIFY(!result.errorString().contains(QLatin1String("wrong-pw")));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Connecting"), QStringLiteral("Disconnected") }));
    QCOMPARE(connectedSpy.count(), 0);
}

void TstConnect::unreachablePort()
{
    QFETCH(ProtocolVersion, version);
    const quint16 port = freePort();
    QVERIFY(port != 0);
    const QString uri = QStringLiteral("tcp://127.0.0.1:%1").arg(port);

    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QElapsedTimer timer;
    timer.start();
    const QFuture<ConnectResult> future = client.connectToHost(optionsFor(version, uri));
    const ConnectResult result = await(future);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(future.isFinished(), "the connect future did not finish");
    QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
    QVERIFY2(elapsed < 5000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY2(result.errorString().contains(uri), qPrintable(result.errorString()));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Connecting"), QStringLiteral("Disconnected") }));
    QCOMPARE(connectedSpy.count(), 0);
}

void TstConnect::connectTimeout()
{
    QFETCH(ProtocolVersion, version);
    // Accepts the TCP connection, reads the CONNECT and never answers it.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    QByteArray received;
    connect(&silent, &QTcpServer::newConnection, &silent, [&silent, &accepted, &received] {
        while (QTcpSocket *socket = silent.nextPendingConnection()) {
            accepted << socket;
            connect(socket, &QTcpSocket::readyRead, socket,
                [socket, &received] { received += socket->readAll(); });
        }
    });

    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    ConnectOptions options
        = optionsFor(version, QStringLiteral("tcp://127.0.0.1:%1").arg(silent.serverPort()));
    options.setConnectTimeout(1000);
    QElapsedTimer timer;
    timer.start();
    const QFuture<ConnectResult> future = client.connectToHost(options);
    QVERIFY(QPahoTest::waitForFuture(future, 15000));
    const qint64 elapsed = timer.elapsed();
    const ConnectResult result = resultOf(future);

    QVERIFY2(elapsed < 10000, qPrintable(QStringLiteral("took %1 ms").arg(elapsed)));
    QVERIFY2(elapsed >= 900,
        qPrintable(QStringLiteral("failed after %1 ms, before the timeout").arg(elapsed)));
    // The CONNECT went out: the attempt timed out waiting for the CONNACK.
    QCOMPARE(accepted.size(), 1);
    QVERIFY2(received.startsWith('\x10'), received.toHex().constData());
    QVERIFY2(result.error() == Error::Timeout, qPrintable(describe(result)));
    QVERIFY2(result.errorString().contains(QLatin1String("timeout"), Qt::CaseInsensitive)
            || result.errorString().contains(QLatin1String("timed out"), Qt::CaseInsensitive),
        qPrintable(result.errorString()));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Connecting"), QStringLiteral("Disconnected") }));
    QCOMPARE(connectedSpy.count(), 0);
    // The abandoned socket is closed, not leaked.
    QTRY_VERIFY_WITH_TIMEOUT(
        accepted.first()->state() == QAbstractSocket::UnconnectedState, kTimeout);
}

// ---------------------------------------------------------------------------------------
// Calls in the wrong state

void TstConnect::connectWhileConnected()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QSignalSpy connectedSpy(&client, &Client::connected);
    const ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    const QString id = client.clientId();

    QSignalSpy stateSpy(&client, &Client::stateChanged);
    const QFuture<ConnectResult> again = client.connectToHost(options);
    QVERIFY2(again.isFinished(), "connectToHost() while connected must finish at once");
    QCOMPARE(resultOf(again).error(), Error::InvalidState);
    QVERIFY(!resultOf(again).errorString().isEmpty());
    const QFuture<ConnectResult> byString = client.connectToHost(m_broker.tcpUri());
    QVERIFY(byString.isFinished());
    QCOMPARE(resultOf(byString).error(), Error::InvalidState);

    // The connection is untouched.
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(stateSpy.count(), 0);
    QCOMPARE(client.clientId(), id);
    QPAHO_VERIFY_OK(await(client.publish(uniqueId(QStringLiteral("cwc")), "still here", 1)));
    QCOMPARE(connectedSpy.count(), 1);
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
}

void TstConnect::connectWhileConnecting()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    const ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    const QFuture<ConnectResult> first = client.connectToHost(options);
    QCOMPARE(client.state(), Client::State::Connecting);
    const QFuture<ConnectResult> second = client.connectToHost(options);
    QVERIFY2(second.isFinished(), "connectToHost() while connecting must finish at once");
    QCOMPARE(resultOf(second).error(), Error::InvalidState);
    QVERIFY(!resultOf(second).errorString().isEmpty());

    const ConnectResult result = await(first);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(stateNames(stateSpy),
        QStringList({ QStringLiteral("Connecting"), QStringLiteral("Connected") }));
    QCOMPARE(connectedSpy.count(), 1);
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
}

void TstConnect::disconnectWhileConnecting()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QSignalSpy stateSpy(&client, &Client::stateChanged);
    QSignalSpy connectedSpy(&client, &Client::connected);
    QSignalSpy disconnectedSpy(&client, &Client::disconnected);
    ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    const QString id = uniqueId(QStringLiteral("dwc"));
    options.setClientId(id);
    const qint64 mark = m_broker.logMark();

    const QFuture<ConnectResult> connecting = client.connectToHost(options);
    const QFuture<Result> disconnecting = client.disconnectFromHost();
    QVERIFY(QPahoTest::waitForFuture(connecting));
    QVERIFY(QPahoTest::waitForFuture(disconnecting));
    QVERIFY(!connecting.isCanceled());
    QVERIFY(!disconnecting.isCanceled());
    const ConnectResult connectResult = resultOf(connecting);
    const Result disconnectResult = resultOf(disconnecting);
    // paho cannot abort a CONNECT in flight: it either completes (and is then disconnected)
    // or the connect future ends with Disconnected.
    QVERIFY2(connectResult.isOk() || connectResult.error() == Error::Disconnected,
        qPrintable(describe(connectResult)));
    QVERIFY2(disconnectResult.isOk(), qPrintable(describe(disconnectResult)));
    QCOMPARE(client.state(), Client::State::Disconnected);
    QTRY_COMPARE_WITH_TIMEOUT(disconnectedSpy.count(), 1, kTimeout);
    if (connectResult.isOk()) {
        QCOMPARE(connectedSpy.count(), 1);
        QCOMPARE(stateNames(stateSpy),
            QStringList({ QStringLiteral("Connecting"), QStringLiteral("Connected"),
                QStringLiteral("Disconnecting"), QStringLiteral("Disconnected") }));
    } else {
        QCOMPARE(connectedSpy.count(), 0);
        QCOMPARE(stateNames(stateSpy).constLast(), QStringLiteral("Disconnected"));
    }
    // If the CONNECT reached the broker, the client has left it again (and once the broker
    // logged that, no late CONNACK can bring the client back).
    const QByteArray accepted = "as " + id.toUtf8() + " (";
    if (m_broker.log().mid(mark).contains(accepted)) {
        const QByteArray left = "Client " + id.toUtf8() + " disconnected";
        const QByteArray closed = "Client " + id.toUtf8() + " closed its connection";
        QVERIFY2(QPahoTest::waitUntil(
                     [&] {
                         const QByteArray log = m_broker.log().mid(mark);
                         return log.contains(left) || log.contains(closed);
                     },
                     kTimeout),
            "the broker still holds the connection");
    }
    QCOMPARE(client.state(), Client::State::Disconnected);
    QCOMPARE(stateNames(stateSpy).constLast(), QStringLiteral("Disconnected"));
    QCOMPARE(disconnectedSpy.count(), 1);
}

// ---------------------------------------------------------------------------------------
// Futures

void TstConnect::futuresFinishExactlyOnce()
{
    QFETCH(ProtocolVersion, version);
    const QString topic = uniqueId(QStringLiteral("once")) + QStringLiteral("/t");
    const ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    Client client;
    std::vector<std::unique_ptr<FinishProbe>> probes;

    // Finishes before the call returns.
    probes.push_back(
        probe(QStringLiteral("disconnect before connect"), client.disconnectFromHost()));
    probes.push_back(probe(QStringLiteral("publish before connect"), client.publish(topic, "x")));

    const QFuture<ConnectResult> connecting = client.connectToHost(options);
    probes.push_back(probe(QStringLiteral("connect"), connecting));
    probes.push_back(
        probe(QStringLiteral("connect while connecting"), client.connectToHost(options)));
    QPAHO_VERIFY_OK(await(connecting));

    // Broker round trips, and requests that fail at once.
    const QFuture<QPaho::SubscribeResult> subscribing = client.subscribe(topic, 1);
    probes.push_back(probe(QStringLiteral("subscribe"), subscribing));
    probes.push_back(probe(QStringLiteral("publish qos0"), client.publish(topic, "0", 0)));
    probes.push_back(probe(QStringLiteral("publish qos1"), client.publish(topic, "1", 1)));
    const QFuture<QPaho::PublishResult> qos2 = client.publish(topic, "2", 2);
    probes.push_back(probe(QStringLiteral("publish qos2"), qos2));
    probes.push_back(
        probe(QStringLiteral("publish invalid topic"), client.publish(QStringLiteral("a/+"), "x")));
    probes.push_back(probe(
        QStringLiteral("subscribe invalid filter"), client.subscribe(QStringLiteral("a/#/b"))));
    probes.push_back(
        probe(QStringLiteral("connect while connected"), client.connectToHost(options)));
    QPAHO_VERIFY_OK(await(subscribing));
    QPAHO_VERIFY_OK(await(qos2));
    const QFuture<Result> unsubscribing = client.unsubscribe(topic);
    probes.push_back(probe(QStringLiteral("unsubscribe"), unsubscribing));
    QPAHO_VERIFY_OK(await(unsubscribing));
    const QFuture<Result> disconnecting = client.disconnectFromHost();
    probes.push_back(probe(QStringLiteral("disconnect"), disconnecting));
    probes.push_back(
        probe(QStringLiteral("disconnect while disconnecting"), client.disconnectFromHost()));
    QPAHO_VERIFY_OK(await(disconnecting));

    for (const auto &p : probes) {
        const QByteArray name = p->name.toUtf8();
        QVERIFY2(QPahoTest::waitForFuture(p->future), name.constData());
        QVERIFY2(!p->future.isCanceled(), name.constData());
        QCOMPARE(p->resultCount(), 1);
        QTRY_VERIFY2_WITH_TIMEOUT(p->finishedSpy->count() >= 1, name.constData(), kTimeout);
    }
    // Anything late (a second completion, a stray callback) has had a whole extra broker
    // round trip to show up, and a reconnect does not complete old futures again.
    QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    QPAHO_VERIFY_OK(await(client.publish(topic, "late", 1)));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    for (const auto &p : probes) {
        const QByteArray name = p->name.toUtf8();
        QVERIFY2(*p->thenRuns == 1,
            qPrintable(
                QStringLiteral("%1: continuation ran %2 times").arg(p->name).arg(*p->thenRuns)));
        QVERIFY2(p->finishedSpy->count() == 1,
            qPrintable(QStringLiteral("%1: QFutureWatcher::finished %2 times")
                           .arg(p->name)
                           .arg(p->finishedSpy->count())));
        QCOMPARE(p->resultCount(), 1);
    }
}

void TstConnect::continuationsRunOnOwnerThread()
{
    QFETCH(ProtocolVersion, version);
    QThread *const testThread = QThread::currentThread();
    const QString topic = uniqueId(QStringLiteral("thread")) + QStringLiteral("/t");
    auto seen = std::make_shared<QList<QPair<QString, QThread *>>>();

    Client client;
    // Signals too: recorded with direct connections, i.e. in the emitting thread.
    QList<QPair<QString, QThread *>> signalThreads;
    connect(
        &client, &Client::connected, &client,
        [&signalThreads] {
            signalThreads.append({ QStringLiteral("connected"), QThread::currentThread() });
        },
        Qt::DirectConnection);
    connect(
        &client, &Client::messageReceived, &client,
        [&signalThreads] {
            signalThreads.append({ QStringLiteral("messageReceived"), QThread::currentThread() });
        },
        Qt::DirectConnection);
    connect(
        &client, &Client::stateChanged, &client,
        [&signalThreads] {
            signalThreads.append({ QStringLiteral("stateChanged"), QThread::currentThread() });
        },
        Qt::DirectConnection);

    std::vector<QFuture<void>> continuations;
    const QFuture<ConnectResult> connecting
        = client.connectToHost(optionsFor(version, m_broker.tcpUri()));
    continuations.push_back(recordThread(connecting, QStringLiteral("connect"), seen));
    QPAHO_VERIFY_OK(await(connecting));

    const QFuture<QPaho::SubscribeResult> subscribing = client.subscribe(topic, 2);
    continuations.push_back(recordThread(subscribing, QStringLiteral("subscribe"), seen));
    QPAHO_VERIFY_OK(await(subscribing));
    for (int qos = 0; qos <= 2; ++qos) {
        const QFuture<QPaho::PublishResult> publishing
            = client.publish(topic, QByteArray::number(qos), qos);
        continuations.push_back(
            recordThread(publishing, QStringLiteral("publish qos%1").arg(qos), seen));
        QPAHO_VERIFY_OK(await(publishing));
    }
    QTRY_COMPARE_WITH_TIMEOUT(client.messagesReceived(), quint64(3), kTimeout);
    const QFuture<Result> unsubscribing = client.unsubscribe(topic);
    continuations.push_back(recordThread(unsubscribing, QStringLiteral("unsubscribe"), seen));
    QPAHO_VERIFY_OK(await(unsubscribing));
    const QFuture<Result> disconnecting = client.disconnectFromHost();
    continuations.push_back(recordThread(disconnecting, QStringLiteral("disconnect"), seen));
    QPAHO_VERIFY_OK(await(disconnecting));

    for (const QFuture<void> &c : continuations)
        QVERIFY(QPahoTest::waitForFuture(c));
    QCOMPARE(seen->size(), 7);
    for (const auto &[name, thread] : std::as_const(*seen))
        QVERIFY2(thread == testThread,
            qPrintable(name + QStringLiteral(": continuation ran on another thread")));
    QVERIFY(!signalThreads.isEmpty());
    for (const auto &[name, thread] : std::as_const(signalThreads))
        QVERIFY2(thread == testThread,
            qPrintable(name + QStringLiteral(" was emitted on another thread")));
}

// ---------------------------------------------------------------------------------------
// Session and keep-alive

void TstConnect::persistentSession()
{
    QFETCH(ProtocolVersion, version);
    const QString mosquittoPub = QStandardPaths::findExecutable(QStringLiteral("mosquitto_pub"));
    QVERIFY2(!mosquittoPub.isEmpty(), "mosquitto_pub not found (mosquitto-clients)");

    const QString id = uniqueId(QStringLiteral("persist"));
    const QString topic = uniqueId(QStringLiteral("session")) + QStringLiteral("/t");
    ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    options.setClientId(id);
    options.setCleanSession(false);
    options.setKeepAliveInterval(7);
    if (isV5(version))
        options.setSessionExpiryInterval(300); // v5: the session must outlive the connection

    {
        Client client;
        const qint64 mark = m_broker.logMark();
        const ConnectResult first = await(client.connectToHost(options));
        QVERIFY2(first.isOk(), qPrintable(describe(first)));
        QVERIFY(!first.sessionPresent()); // a new client id has no session yet
        QCOMPARE(first.clientId(), id);
        // The broker got the fixed id, clean session off and keep-alive 7.
        const QByteArray needle = connectLogNeedle(id, version, false, 7);
        QVERIFY2(m_broker.waitForLog(needle, kTimeout, mark), needle.constData());
        const QPaho::SubscribeResult sub = await(client.subscribe(topic, 1));
        QVERIFY2(sub.isOk(), qPrintable(describe(sub)));
        QCOMPARE(sub.grantedQos(), 1);
        QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    }

    // While the client is away, a peer publishes QoS 1: the broker keeps it in the session.
    const QPahoTest::ProcessResult pub = QPahoTest::mosquittoPub(m_broker.port(),
        { QStringLiteral("-q"), QStringLiteral("1"), QStringLiteral("-t"), topic,
            QStringLiteral("-m"), QStringLiteral("while-away") });
    QVERIFY2(pub.exitCode == 0, pub.stdErr.constData());

    {
        Client client;
        QSignalSpy messageSpy(&client, &Client::messageReceived);
        const ConnectResult second = await(client.connectToHost(options));
        QVERIFY2(second.isOk(), qPrintable(describe(second)));
        QVERIFY(second.sessionPresent());
        QVERIFY(client.lastConnectResult().sessionPresent());
        QTRY_COMPARE_WITH_TIMEOUT(messageSpy.count(), 1, kTimeout);
        const auto message = messageSpy.at(0).at(0).value<QPaho::Message>();
        QCOMPARE(message.topic(), topic);
        QCOMPARE(message.payload(), QByteArray("while-away"));
        QCOMPARE(message.qos(), 1);
        QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    }

    // Clean up: a clean connect with the same id ends the stored session.
    options.setCleanSession(true);
    options.setSessionExpiryInterval(0);
    Client cleaner;
    const ConnectResult clean = await(cleaner.connectToHost(options));
    QVERIFY2(clean.isOk(), qPrintable(describe(clean)));
    QVERIFY(!clean.sessionPresent());
    QPAHO_VERIFY_OK(await(cleaner.disconnectFromHost()));
}

QTEST_GUILESS_MAIN(TstConnect)
#include "tst_connect.moc"
