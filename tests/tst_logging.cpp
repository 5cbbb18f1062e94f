// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Logging: with every qpaho category on (and paho's trace at its most verbose, which is chosen
// once per process when the first handle is created), paho's trace arrives in "qpaho.paho" and
// QPaho's own events in "qpaho.client", from whatever thread paho uses. And no secret ever
// reaches the log: not the MQTT password (accepted or refused, MQTT 3.1.1 and 5), not the
// private key password, not the private key itself. The key password is made to matter: the
// client key is re-encrypted with it, so a successful mutual-TLS connect proves paho was
// handed the password.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMetaEnum>
#include <QtCore/QTemporaryDir>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <mutex>

using QPaho::Client;
using QPaho::ConnectOptions;
using QPaho::Error;
using QPaho::ProtocolVersion;
using QPaho::SslOptions;
using QPahoTest::await;
using QPahoTest::uniqueId;

namespace {

constexpr int kTimeout = 10000;
const QString kUser = QStringLiteral("alice");
const QByteArray kPassword = QByteArrayLiteral("S3cretPassw0rd!");
const QByteArray kWrongPassword = QByteArrayLiteral("Wr0ngPassw0rd!x");
const QByteArray kKeyPassword = QByteArrayLiteral("K3yPassw0rd!");

struct Captured
{
    QtMsgType type;
    QByteArray category;
    QString text;
};

// Everything logged in the process while the test runs. Written from any thread (paho's
// trace callback runs on paho's threads), read on the test thread.
struct Capture
{
    std::mutex mutex;
    QList<Captured> messages;
    QtMessageHandler previous = nullptr;
};

Capture &capture()
{
    static Capture c;
    return c;
}

void captureHandler(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    const QByteArray category = context.category ? QByteArray(context.category) : QByteArray();
    {
        std::lock_guard lock(capture().mutex);
        capture().messages.append({ type, category, text });
    }
    // QPaho's own categories are captured only (paho's maximum trace is thousands of lines);
    // everything else (QtTest, the fixture) is printed as usual.
    if (!category.startsWith("qpaho.") && capture().previous)
        capture().previous(type, context, text);
}

QList<Captured> capturedMessages()
{
    std::lock_guard lock(capture().mutex);
    return capture().messages;
}

// The base64 body lines of a PEM file (what would show if the key were ever logged).
QList<QByteArray> pemBodyLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QByteArray trimmed = line.trimmed();
        // Short lines (the tail of the body) could match by chance.
        if (trimmed.size() >= 16 && !trimmed.startsWith("-----") && !trimmed.contains(':'))
            lines.append(trimmed);
    }
    return lines;
}

// The ways a secret could appear in a log: as is, hex-dumped, base64.
QList<QByteArray> secretForms(const QByteArray &secret)
{
    return { secret, secret.toHex(), secret.toHex().toUpper(), secret.toBase64() };
}

ConnectOptions optionsFor(ProtocolVersion version, const QString &uri)
{
    ConnectOptions options = QPahoTest::optionsFor(version, uri, QStringLiteral("log"));
    options.setUsername(kUser);
    options.setPassword(kPassword);
    return options;
}

} // namespace

class TstLogging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void connectPublishSubscribeWithPassword_data()
    {
        QPahoTest::addVersionRows("mqtt311", "mqtt5");
    }
    void connectPublishSubscribeWithPassword();
    void wrongPasswordIsRefused_data();
    void wrongPasswordIsRefused();
    void tlsWithEncryptedPrivateKey();
    void pahoTraceAndClientEventsAreLogged();
    void logContainsNoSecret();

private:
    QPahoTest::Mosquitto m_broker { { .users
        = { { QStringLiteral("alice"), QString::fromLatin1(kPassword) } },
        .tls = true,
        .mutualTls = true } };
    QTemporaryDir m_keyDir;
    QString m_encryptedKey;
};

void TstLogging::initTestCase()
{
    // Before the first Client: QPaho picks paho's trace level from these rules once, when it
    // creates the first handle, and paho keeps it for the process.
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.*=true\nqpaho.paho.debug=true"));
    capture().previous = qInstallMessageHandler(captureHandler);

    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    QVERIFY2(
        QPahoTest::Mosquitto::certError().isEmpty(), qPrintable(QPahoTest::Mosquitto::certError()));
    QVERIFY(m_keyDir.isValid());
    // client.key protected by the key password (PKCS#8, AES-256).
    m_encryptedKey = m_keyDir.filePath(QStringLiteral("client-encrypted.key"));
    const auto openssl = QPahoTest::runProcess(QStringLiteral("openssl"),
        { QStringLiteral("pkey"), QStringLiteral("-in"),
            QPahoTest::Mosquitto::certPath(QStringLiteral("client.key")), QStringLiteral("-aes256"),
            QStringLiteral("-passout"), QStringLiteral("pass:") + QString::fromLatin1(kKeyPassword),
            QStringLiteral("-out"), m_encryptedKey });
    QVERIFY2(openssl.exitCode == 0, openssl.stdErr.constData());
    QVERIFY(!pemBodyLines(m_encryptedKey).isEmpty());
}

void TstLogging::cleanupTestCase()
{
    // paho keeps tracing at its maximum level: stop forwarding before QtTest's handler is back.
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.*=false"));
    qInstallMessageHandler(capture().previous);
}

// The password is accepted, a QoS 1 round trip works, and the disconnect completes.
void TstLogging::connectPublishSubscribeWithPassword()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(optionsFor(version, m_broker.tcpUri())), kTimeout));
    const QString topic = QStringLiteral("log/") + uniqueId() + QStringLiteral("/t");
    QSignalSpy received(&client, &Client::messageReceived);
    QPAHO_VERIFY_OK(await(client.subscribe(topic, 1), kTimeout));
    for (int i = 0; i < 3; ++i)
        QPAHO_VERIFY_OK(
            await(client.publish(topic, "payload " + QByteArray::number(i), 1), kTimeout));
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 3, kTimeout);
    QPAHO_VERIFY_OK(await(client.unsubscribe(topic), kTimeout));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost(), kTimeout));
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void TstLogging::wrongPasswordIsRefused_data()
{
    connectPublishSubscribeWithPassword_data();
}

// A refused password is not echoed by the result either.
void TstLogging::wrongPasswordIsRefused()
{
    QFETCH(ProtocolVersion, version);
    Client client;
    ConnectOptions options = optionsFor(version, m_broker.tcpUri());
    options.setPassword(kWrongPassword);
    const auto result = await(client.connectToHost(options), kTimeout);
    QVERIFY2(!result.errorString().contains(QString::fromLatin1(kWrongPassword)),
        qPrintable(result.errorString()));
    QVERIFY2(result.error() == Error::ConnectionRefused,
        qPrintable(QStringLiteral("%1 (error %2, paho %3, reason %4)")
                       .arg(result.errorString(),
                           QString::fromLatin1(
                               QMetaEnum::fromType<Error>().valueToKey(int(result.error()))))
                       .arg(result.pahoCode())
                       .arg(result.reasonCode())));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), Client::State::Disconnected, kTimeout);
}

// Mutual TLS with the password-protected key: the connect succeeds only if paho handed the
// key password to OpenSSL.
void TstLogging::tlsWithEncryptedPrivateKey()
{
    Client client;
    ConnectOptions options = optionsFor(ProtocolVersion::Mqtt5, m_broker.mtlsUri());
    SslOptions ssl;
    ssl.setCaFile(QPahoTest::Mosquitto::certPath(QStringLiteral("ca.crt")));
    ssl.setCertificateFile(QPahoTest::Mosquitto::certPath(QStringLiteral("client.crt")));
    ssl.setPrivateKeyFile(m_encryptedKey);
    ssl.setPrivateKeyPassword(kKeyPassword);
    options.setSslOptions(ssl);
    QPAHO_VERIFY_OK(await(client.connectToHost(options), kTimeout));
    const QString topic = QStringLiteral("log/") + uniqueId() + QStringLiteral("/tls");
    QPAHO_VERIFY_OK(await(client.publish(topic, "over tls", 1), kTimeout));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost(), kTimeout));
}

// paho's trace arrived in qpaho.paho (at debug level too: the protocol level was chosen), with
// the packets of the tests above, and QPaho's own events in qpaho.client.
void TstLogging::pahoTraceAndClientEventsAreLogged()
{
    const QList<Captured> messages = capturedMessages();
    QVERIFY(!messages.isEmpty());
    int paho = 0, pahoDebug = 0, client = 0;
    bool sawConnect = false, sawPublish = false, sawConnecting = false;
    for (const Captured &m : messages) {
        if (m.category == "qpaho.paho") {
            ++paho;
            if (m.type == QtDebugMsg)
                ++pahoDebug;
            sawConnect = sawConnect || m.text.contains(QLatin1String("CONNECT"));
            sawPublish = sawPublish || m.text.contains(QLatin1String("PUBLISH"));
        } else if (m.category == "qpaho.client") {
            ++client;
            sawConnecting = sawConnecting || m.text.contains(QLatin1String("connecting to"));
        }
    }
    QVERIFY2(paho > 0, "no paho trace in category qpaho.paho");
    QVERIFY2(pahoDebug > 0, "paho's trace level was not raised for qpaho.paho.debug");
    QVERIFY2(sawConnect && sawPublish, "paho's protocol trace (CONNECT, PUBLISH) is missing");
    QVERIFY2(client > 0, "no QPaho events in category qpaho.client");
    QVERIFY2(sawConnecting, "the qpaho.client \"connecting to\" event is missing");
}

// Not the MQTT passwords, not the key password, not a line of either private key file.
void TstLogging::logContainsNoSecret()
{
    const QList<Captured> messages = capturedMessages();
    QVERIFY(messages.size() > 20); // the protocol trace of several connections
    QList<QByteArray> secrets;
    for (const QByteArray &secret : { kPassword, kWrongPassword, kKeyPassword })
        secrets += secretForms(secret);
    const QList<QByteArray> keyLines
        = pemBodyLines(QPahoTest::Mosquitto::certPath(QStringLiteral("client.key")))
        + pemBodyLines(m_encryptedKey);
    QVERIFY(keyLines.size() >= 4);
    secrets += keyLines;

    QStringList leaks;
    for (const Captured &m : messages) {
        const QByteArray text = m.text.toUtf8();
        for (const QByteArray &secret : std::as_const(secrets)) {
            if (text.contains(secret))
                leaks.append(
                    QString::fromUtf8(m.category) + QStringLiteral(": ") + m.text.left(200));
        }
    }
    QVERIFY2(leaks.isEmpty(),
        qPrintable(QStringLiteral("%1 log messages contain a secret, e.g.: %2")
                       .arg(leaks.size())
                       .arg(leaks.value(0))));
}

QTEST_GUILESS_MAIN(TstLogging)
#include "tst_logging.moc"
