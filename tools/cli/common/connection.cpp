// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "connection.h"

#include <QPaho/ConnectResult>
#include <QPaho/SslOptions>
#include <QPaho/WillOptions>

#include <QtCore/QCoreApplication>
#include <QtCore/QFileInfo>
#include <QtCore/QSocketNotifier>
#include <QtNetwork/QHostInfo>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace QPahoCli {

namespace {

bool usesTls(const Config &config)
{
    return !config.caFile.isEmpty() || !config.caPath.isEmpty() || config.useOsCerts;
}

QByteArray connackText(int code)
{
    switch (code) {
    case 0:
        return "Connection Accepted.";
    case 1:
        return "Connection Refused: unacceptable protocol version.";
    case 2:
        return "Connection Refused: identifier rejected.";
    case 3:
        return "Connection Refused: broker unavailable.";
    case 4:
        return "Connection Refused: bad user name or password.";
    case 5:
        return "Connection Refused: not authorised.";
    default:
        return "Connection Refused: unknown reason.";
    }
}

} // namespace

QByteArray reasonCodeText(int reasonCode)
{
    static const QHash<int, QByteArray> texts {
        { 0x00, "Success" },
        { 0x01, "Granted QoS 1" },
        { 0x02, "Granted QoS 2" },
        { 0x04, "Disconnect with Will Message" },
        { 0x10, "No matching subscribers" },
        { 0x11, "No subscription existed" },
        { 0x18, "Continue authentication" },
        { 0x19, "Re-authenticate" },
        { 0x80, "Unspecified error" },
        { 0x81, "Malformed Packet" },
        { 0x82, "Protocol Error" },
        { 0x83, "Implementation specific error" },
        { 0x84, "Unsupported Protocol Version" },
        { 0x85, "Client Identifier not valid" },
        { 0x86, "Bad User Name or Password" },
        { 0x87, "Not authorized" },
        { 0x88, "Server unavailable" },
        { 0x89, "Server busy" },
        { 0x8A, "Banned" },
        { 0x8B, "Server shutting down" },
        { 0x8C, "Bad authentication method" },
        { 0x8D, "Keep Alive timeout" },
        { 0x8E, "Session taken over" },
        { 0x8F, "Topic Filter invalid" },
        { 0x90, "Topic Name invalid" },
        { 0x91, "Packet Identifier in use" },
        { 0x92, "Packet Identifier not found" },
        { 0x93, "Receive Maximum exceeded" },
        { 0x94, "Topic Alias invalid" },
        { 0x95, "Packet too large" },
        { 0x96, "Message rate too high" },
        { 0x97, "Quota exceeded" },
        { 0x98, "Administrative action" },
        { 0x99, "Payload format invalid" },
        { 0x9A, "Retain not supported" },
        { 0x9B, "QoS not supported" },
        { 0x9C, "Use another server" },
        { 0x9D, "Server moved" },
        { 0x9E, "Shared Subscriptions not supported" },
        { 0x9F, "Connection rate exceeded" },
        { 0xA0, "Maximum connect time" },
        { 0xA1, "Subscription identifiers not supported" },
        { 0xA2, "Wildcard Subscriptions not supported" },
    };
    return texts.value(reasonCode, "Unknown reason");
}

bool checkConnectionSettings(const Config &config)
{
    if (config.passwordSet && !config.usernameSet) {
        errorLine(config, "Error: Problem setting username and/or password.\n");
        return false;
    }
    if (!config.caFile.isEmpty() || !config.caPath.isEmpty()) {
        const bool caFileOk = config.caFile.isEmpty() || QFileInfo(config.caFile).isReadable();
        const bool caPathOk = config.caPath.isEmpty() || QFileInfo(config.caPath).isDir();
        const bool certOk = config.certFile.isEmpty()
            || (QFileInfo(config.certFile).isReadable() && QFileInfo(config.keyFile).isReadable());
        if (!caFileOk || !caPathOk || !certOk) {
            errorLine(config, "Error: Problem setting TLS options: File not found.\n");
            return false;
        }
    }
    static const QStringList tlsVersions { QStringLiteral("tlsv1.3"), QStringLiteral("tlsv1.2"),
        QStringLiteral("tlsv1.1") };
    if (!config.tlsVersion.isEmpty() && !tlsVersions.contains(config.tlsVersion)) {
        errorLine(config, "Error: Problem setting TLS options, check the options are valid.\n");
        return false;
    }
    return true;
}

QString clientIdFor(const Config &config)
{
    if (config.clientIdPrefixSet)
        return config.clientIdPrefix + QString::number(QCoreApplication::applicationPid());
    return config.clientId;
}

QPaho::ConnectOptions connectOptionsFor(const Config &config)
{
    const bool tls = usesTls(config);
    const int port = config.port >= 0 ? config.port : (tls ? 8883 : 1883);
    QString host = config.host;
    if (host.contains(QLatin1Char(':')) && !host.startsWith(QLatin1Char('[')))
        host = QLatin1Char('[') + host + QLatin1Char(']'); // IPv6 literal
    QPaho::ConnectOptions options(
        QStringLiteral("%1://%2:%3")
            .arg(tls ? QStringLiteral("ssl") : QStringLiteral("tcp"), host, QString::number(port)));
    options.setClientId(clientIdFor(config));
    options.setKeepAliveInterval(config.keepAlive);
    options.setCleanSession(config.cleanSession);
    options.setMaxInflight(config.maxInflight);
    options.setAutomaticReconnect(false);
    if (config.usernameSet)
        options.setUsername(config.username);
    if (config.passwordSet)
        options.setPassword(config.password);

    if (config.version == MqttVersion::V5) {
        options.setProtocolVersion(QPaho::ProtocolVersion::Mqtt5);
        QPaho::Properties properties = config.connectProperties;
        if (config.sessionExpiry > 0)
            options.setSessionExpiryInterval(quint32(config.sessionExpiry));
        // Like mosquitto_sub: with -C below 20, a receive maximum of the count, so the broker
        // does not send more than the tool will print.
        if (config.tool == Tool::Sub && config.messageCount > 0 && config.messageCount < 20
            && !properties.contains(QPaho::Properties::Id::ReceiveMaximum))
            properties.setReceiveMaximum(quint32(config.messageCount));
        options.setConnectProperties(properties);
    }

    if (!config.willTopic.isEmpty()) {
        QPaho::WillOptions will(
            config.willTopic, config.willPayload, config.willQos, config.willRetain);
        will.setProperties(config.willProperties);
        options.setWill(will);
    }

    if (tls) {
        QPaho::SslOptions ssl;
        ssl.setCaFile(config.caFile);
        ssl.setCaPath(config.caPath);
        ssl.setCertificateFile(config.certFile);
        ssl.setPrivateKeyFile(config.keyFile);
        ssl.setCiphers(config.ciphers);
        if (!config.tlsAlpn.isEmpty())
            ssl.setAlpnProtocols({ config.tlsAlpn.toLatin1() });
        // --insecure: mosquitto then skips the host name check, not the chain check.
        ssl.setVerifyHostName(!config.insecure);
        if (config.tlsVersion == QLatin1String("tlsv1.1"))
            ssl.setProtocol(QPaho::SslOptions::Protocol::TlsV1_1);
        else if (config.tlsVersion == QLatin1String("tlsv1.2"))
            ssl.setProtocol(QPaho::SslOptions::Protocol::TlsV1_2);
        options.setSslOptions(ssl);
    }
    return options;
}

int reportConnectFailure(const Config &config, const QPaho::ConnectResult &result)
{
    const bool refused = result.error() == QPaho::Error::ConnectionRefused;
    const int code = result.reasonCode();
    if (refused && code > 0) {
        if (config.version == MqttVersion::V5) {
            QByteArray text = "Connection error: " + reasonCodeText(code);
            if (code == 0x84)
                text += ". Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.";
            errorLine(config, text + "\n");
            // mosquitto_pub then reports the CONNACK as a protocol error (its loop's result).
            if (config.tool == Tool::Pub)
                errorLine(config,
                    "Error: A network protocol error occurred when communicating with the "
                    "broker.\n");
        } else {
            errorLine(config, "Connection error: " + connackText(code) + "\n");
            if (config.tool == Tool::Pub)
                errorLine(config, "Error: The connection was refused.\n");
        }
        return code;
    }
    if (!usesTls(config) && QHostInfo::fromName(config.host).error() != QHostInfo::NoError) {
        errorLine(config, "Unable to connect (Lookup error.).\n");
        return 1;
    }
    if (usesTls(config))
        errorLine(config, "Error: " + result.errorString().toUtf8() + "\n");
    else
        errorLine(config, "Error: Connection refused\n");
    return 1;
}

void debugLine(const Config &config, const QString &clientId, const QByteArray &text)
{
    if (!config.debug)
        return;
    const QByteArray id = clientId.isEmpty() ? QByteArray("(null)") : clientId.toUtf8();
    writeStdout("Client " + id + ' ' + text + '\n');
}

bool writeStdout(const QByteArray &bytes)
{
    if (!bytes.isEmpty())
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
    return std::ferror(stdout) == 0;
}

namespace {

int terminationPipe[2] = { -1, -1 };

void onTerminationSignal(int)
{
    const char byte = 1;
    // Only async-signal-safe calls here; the notifier picks the byte up on the main thread.
    [[maybe_unused]] const ssize_t written = ::write(terminationPipe[1], &byte, 1);
}

} // namespace

TerminationWatcher::TerminationWatcher(QObject *parent) : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, terminationPipe) != 0)
        return;
    m_notifier = new QSocketNotifier(terminationPipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        char byte;
        [[maybe_unused]] const ssize_t n = ::read(terminationPipe[0], &byte, 1);
        Q_EMIT terminationRequested();
    });
    struct sigaction action
    {
    };
    action.sa_handler = onTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

TerminationWatcher::~TerminationWatcher()
{
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    delete m_notifier;
    m_notifier = nullptr;
    ::close(terminationPipe[0]);
    ::close(terminationPipe[1]);
    terminationPipe[0] = terminationPipe[1] = -1;
}

} // namespace QPahoCli
