// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// TLS and WebSockets against a real mosquitto: a trusted server over ssl:// and mqtts://, the
// secure defaults (host name and chain verified, system trust store without a CA file), turning
// verification off explicitly, mutual TLS, ws:// and wss:// round trips with URI paths and extra
// HTTP headers, and ALPN.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/inbox.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QFile>
#include <QtCore/QMetaEnum>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

#include <memory>

using QPaho::Client;
using QPaho::ConnectOptions;
using QPaho::ConnectResult;
using QPaho::Error;
using QPaho::Message;
using QPaho::ProtocolVersion;
using QPaho::Result;
using QPaho::SslOptions;
using QPahoTest::await;
using QPahoTest::describe;
using QPahoTest::Inbox;
using QPahoTest::Mosquitto;
using QPahoTest::uniqueId;

namespace {

constexpr int kTimeout = 10000;

SslOptions trustingOurCa()
{
    SslOptions ssl;
    ssl.setCaFile(Mosquitto::certPath(QStringLiteral("ca.crt")));
    return ssl;
}

ConnectOptions optionsFor(
    const QString &uri, const SslOptions &ssl, ProtocolVersion version = ProtocolVersion::Mqtt311)
{
    ConnectOptions options = QPahoTest::optionsFor(version, uri, QStringLiteral("tls"));
    options.setSslOptions(ssl);
    options.setConnectTimeout(kTimeout);
    return options;
}

// "ssl://127.0.0.1:P" -> "<scheme>://127.0.0.1:P"
QString withScheme(const QString &uri, const QString &scheme)
{
    return scheme + uri.mid(uri.indexOf(QLatin1String("://")));
}

} // namespace

class TstTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void trustedServer_data();
    void trustedServer();
    void wrongHostRejectedByDefault();
    void wrongHostAcceptedWithoutHostNameCheck();
    void untrustedCaRejected();
    void untrustedCaAcceptedWithVerificationOff();
    void hostNameCheckedWithoutChainCheck();
    void systemTrustStoreDoesNotKnowOurCa();
    void mutualTls();
    void mutualTlsWithoutClientCertificateFails();
    void webSockets_data();
    void webSockets();
    void webSocketHttpHeaders_data();
    void webSocketHttpHeaders();
    void webSocketUpgradeRequestCarriesPathAndHeaders();
    void alpn();

private:
    // Subscribes, publishes `payload` with `qos` and checks it comes back on the same client.
    void roundTrip(Client &client, const QByteArray &payload, int qos);

    Mosquitto m_broker {
        { .tls = true, .mutualTls = true, .tlsWrongHost = true, .websockets = true }
    };
};

void TstTls::initTestCase()
{
    QVERIFY2(Mosquitto::certError().isEmpty(), qPrintable(Mosquitto::certError()));
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    QVERIFY(m_broker.tlsPort() && m_broker.mtlsPort() && m_broker.wrongHostTlsPort()
        && m_broker.wsPort() && m_broker.wssPort());
    for (const char *file : { "ca.crt", "rogue-ca.crt", "client.crt", "client.key" })
        QVERIFY2(QFile::exists(Mosquitto::certPath(QString::fromLatin1(file))), file);
}

void TstTls::roundTrip(Client &client, const QByteArray &payload, int qos)
{
    Inbox inbox(client);
    const QString topic = uniqueId(QStringLiteral("tls")) + QStringLiteral("/rt");
    const auto sub = await(client.subscribe(topic, qos), kTimeout);
    QVERIFY2(sub.isOk(), qPrintable(describe(sub)));
    const auto pub = await(client.publish(topic, payload, qos), kTimeout);
    QVERIFY2(pub.isOk(), qPrintable(describe(pub)));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, kTimeout);
    QCOMPARE(inbox.messages.constFirst().topic(), topic);
    QCOMPARE(inbox.messages.constFirst().qos(), qos);
    QVERIFY(inbox.messages.constFirst().payload() == payload);
}

void TstTls::trustedServer_data()
{
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<ProtocolVersion>("version");
    QTest::newRow("ssl v3.1.1") << QStringLiteral("ssl") << ProtocolVersion::Mqtt311;
    QTest::newRow("ssl v5") << QStringLiteral("ssl") << ProtocolVersion::Mqtt5;
    QTest::newRow("mqtts v3.1.1") << QStringLiteral("mqtts") << ProtocolVersion::Mqtt311;
    QTest::newRow("mqtts v5") << QStringLiteral("mqtts") << ProtocolVersion::Mqtt5;
}

// The server certificate is signed by the CA we trust and names 127.0.0.1: both checks pass.
void TstTls::trustedServer()
{
    QFETCH(QString, scheme);
    QFETCH(ProtocolVersion, version);
    const QString uri = withScheme(m_broker.sslUri(), scheme);
    Client client;
    const ConnectResult connected
        = await(client.connectToHost(optionsFor(uri, trustingOurCa(), version)), kTimeout);
    QVERIFY2(connected.isOk(), qPrintable(describe(connected)));
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(connected.protocolVersion(), version);
    QCOMPARE(client.serverUri(), uri);
    QPAHO_CHECKED(roundTrip(client, QByteArrayLiteral("over TLS"), 1));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost(), kTimeout));
}

// A CA-valid certificate for wrong.example, served on 127.0.0.1: the secure default rejects it.
void TstTls::wrongHostRejectedByDefault()
{
    Client client;
    const SslOptions ssl = trustingOurCa();
    QVERIFY(ssl.verifyPeer());
    QVERIFY(ssl.verifyHostName());
    const ConnectResult result
        = await(client.connectToHost(optionsFor(m_broker.wrongHostSslUri(), ssl)), kTimeout);
    QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void TstTls::wrongHostAcceptedWithoutHostNameCheck()
{
    Client client;
    SslOptions ssl = trustingOurCa();
    ssl.setVerifyHostName(false);
    const ConnectResult result
        = await(client.connectToHost(optionsFor(m_broker.wrongHostSslUri(), ssl)), kTimeout);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    roundTrip(client, QByteArrayLiteral("host name not checked"), 0);
}

void TstTls::untrustedCaRejected()
{
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        Client client;
        SslOptions ssl;
        ssl.setCaFile(Mosquitto::certPath(QStringLiteral("rogue-ca.crt")));
        const ConnectResult result
            = await(client.connectToHost(optionsFor(m_broker.sslUri(), ssl, version)), kTimeout);
        QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
        QCOMPARE(client.state(), Client::State::Disconnected);
    }
}

// Verification explicitly off (chain and host name): any certificate is accepted.
void TstTls::untrustedCaAcceptedWithVerificationOff()
{
    Client client;
    SslOptions ssl;
    ssl.setCaFile(Mosquitto::certPath(QStringLiteral("rogue-ca.crt")));
    ssl.setVerifyPeer(false);
    ssl.setVerifyHostName(false);
    const ConnectResult result
        = await(client.connectToHost(optionsFor(m_broker.sslUri(), ssl)), kTimeout);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    roundTrip(client, QByteArrayLiteral("verification off"), 1);
}

// The two checks are independent: with the chain check off, the host name is still checked.
void TstTls::hostNameCheckedWithoutChainCheck()
{
    SslOptions ssl;
    ssl.setCaFile(Mosquitto::certPath(QStringLiteral("rogue-ca.crt")));
    ssl.setVerifyPeer(false);
    QVERIFY(ssl.verifyHostName());
    {
        Client client;
        const ConnectResult result
            = await(client.connectToHost(optionsFor(m_broker.wrongHostSslUri(), ssl)), kTimeout);
        QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
    }
    {
        // The right host (the server certificate names 127.0.0.1): accepted.
        Client client;
        const ConnectResult result
            = await(client.connectToHost(optionsFor(m_broker.sslUri(), ssl)), kTimeout);
        QVERIFY2(result.isOk(), qPrintable(describe(result)));
    }
}

// Without a CA file the system trust store is used, and it does not know our test CA.
void TstTls::systemTrustStoreDoesNotKnowOurCa()
{
    Client client;
    const SslOptions ssl;
    QVERIFY(ssl.caFile().isEmpty() && ssl.caPath().isEmpty());
    const ConnectResult result
        = await(client.connectToHost(optionsFor(m_broker.sslUri(), ssl)), kTimeout);
    QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void TstTls::mutualTls()
{
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        Client client;
        SslOptions ssl = trustingOurCa();
        ssl.setCertificateFile(Mosquitto::certPath(QStringLiteral("client.crt")));
        ssl.setPrivateKeyFile(Mosquitto::certPath(QStringLiteral("client.key")));
        const ConnectResult result
            = await(client.connectToHost(optionsFor(m_broker.mtlsUri(), ssl, version)), kTimeout);
        QVERIFY2(result.isOk(), qPrintable(describe(result)));
        roundTrip(client, QByteArrayLiteral("mutual TLS"), 1);
        if (QTest::currentTestFailed())
            return;
    }
}

// The listener requires a client certificate: without one the connection fails.
void TstTls::mutualTlsWithoutClientCertificateFails()
{
    for (const auto version : { ProtocolVersion::Mqtt311, ProtocolVersion::Mqtt5 }) {
        Client client;
        const ConnectResult result
            = await(client.connectToHost(optionsFor(m_broker.mtlsUri(), trustingOurCa(), version)),
                kTimeout);
        QVERIFY2(result.error() == Error::ConnectionFailed, qPrintable(describe(result)));
        QCOMPARE(client.state(), Client::State::Disconnected);
    }
}

void TstTls::webSockets_data()
{
    QTest::addColumn<bool>("secure");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("qos");
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("payloadSize");
    // mosquitto 2.0.11 sends WebSocket data to clients at about 4 KiB per 100 ms main-loop
    // pass (eclipse-mosquitto/mosquitto#2252), so a 100 KiB delivery takes ~2.5 s: one row per
    // transport carries the big payload, the others cover QoS 0/1 and paths with small ones.
    constexpr int big = 100 * 1024;
    QTest::newRow("ws qos1 100KiB") << false << QString() << 1 << ProtocolVersion::Mqtt5 << big;
    QTest::newRow("wss/mqtt qos0 100KiB")
        << true << QStringLiteral("/mqtt") << 0 << ProtocolVersion::Mqtt311 << big;
    for (const bool secure : { false, true }) {
        for (const char *path : { "", "/mqtt", "/some/other/path" }) {
            for (const int qos : { 0, 1 }) {
                QTest::addRow("%s%s qos%d small", secure ? "wss" : "ws", path, qos)
                    << secure << QString::fromLatin1(path) << qos
                    << (qos ? ProtocolVersion::Mqtt5 : ProtocolVersion::Mqtt311) << 100;
            }
        }
    }
}

// ws:// and wss:// round trips, with and without a URI path: mosquitto's WebSocket listener
// accepts any path. The 100 KiB payload spans many WebSocket reads.
void TstTls::webSockets()
{
    QFETCH(bool, secure);
    QFETCH(QString, path);
    QFETCH(int, qos);
    QFETCH(ProtocolVersion, version);
    QFETCH(int, payloadSize);
    const QString uri = (secure ? m_broker.wssUri() : m_broker.wsUri()) + path;
    Client client;
    const ConnectResult result
        = await(client.connectToHost(optionsFor(uri, trustingOurCa(), version)), kTimeout);
    QVERIFY2(result.isOk(), qPrintable(uri + QStringLiteral(": ") + describe(result)));
    QCOMPARE(client.serverUri(), uri);
    QByteArray payload(payloadSize, Qt::Uninitialized);
    for (qsizetype i = 0; i < payload.size(); ++i)
        payload[i] = char((i * 7 + i / 251) & 0xff);
    roundTrip(client, payload, qos);
}

void TstTls::webSocketHttpHeaders_data()
{
    QPahoTest::addRows<bool>("secure", { { "ws", false }, { "wss", true } });
}

// Extra headers go into the HTTP upgrade request; mosquitto ignores unknown ones.
void TstTls::webSocketHttpHeaders()
{
    QFETCH(bool, secure);
    ConnectOptions options = optionsFor(
        (secure ? m_broker.wssUri() : m_broker.wsUri()) + QStringLiteral("/mqtt"), trustingOurCa());
    options.setHttpHeaders({ { QByteArrayLiteral("X-QPaho-Test"), QByteArrayLiteral("yes") },
        { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer not-checked") } });
    Client client;
    const ConnectResult result = await(client.connectToHost(options), kTimeout);
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
    QCOMPARE(client.connectOptions().httpHeaders().size(), 2);
    roundTrip(client, QByteArrayLiteral("with headers"), 1);
}

// What goes on the wire: a plain TCP server records the HTTP upgrade request and hangs up.
void TstTls::webSocketUpgradeRequestCarriesPathAndHeaders()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QByteArray request;
    std::unique_ptr<QTcpSocket> peer;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        peer.reset(server.nextPendingConnection());
        connect(peer.get(), &QTcpSocket::readyRead, this, [&] {
            request += peer->readAll();
            if (request.contains("\r\n\r\n"))
                peer->abort();
        });
    });
    ConnectOptions options = optionsFor(
        QStringLiteral("ws://127.0.0.1:%1/some/path").arg(server.serverPort()), SslOptions());
    options.setHttpHeaders({ { QByteArrayLiteral("X-QPaho-Test"), QByteArrayLiteral("yes") } });
    Client client;
    const ConnectResult result = await(client.connectToHost(options), kTimeout);
    QVERIFY2(!result.isOk(), qPrintable(describe(result)));
    QVERIFY2(request.startsWith("GET /some/path HTTP/1.1\r\n"), request.constData());
    QVERIFY2(request.contains("\r\nX-QPaho-Test: yes\r\n"), request.constData());
    QVERIFY2(request.toLower().contains("\r\nupgrade: websocket\r\n"), request.constData());
    QVERIFY2(request.contains("Sec-WebSocket-Protocol: mqtt"), request.constData());
}

// mosquitto 2.0.11 has no ALPN configuration: OpenSSL's server ignores the client's ALPN
// extension, so offering "mqtt" must not break the handshake.
void TstTls::alpn()
{
    for (const QString &uri : { m_broker.sslUri(), m_broker.wssUri() }) {
        SslOptions ssl = trustingOurCa();
        ssl.setAlpnProtocols({ QByteArrayLiteral("mqtt") });
        Client client;
        const ConnectResult result = await(client.connectToHost(optionsFor(uri, ssl)), kTimeout);
        QVERIFY2(result.isOk(), qPrintable(uri + QStringLiteral(": ") + describe(result)));
        roundTrip(client, QByteArrayLiteral("alpn"), 0);
        if (QTest::currentTestFailed())
            return;
    }
}

QTEST_GUILESS_MAIN(TstTls)
#include "tst_tls.moc"
