// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// ConnectOptions: an implicitly shared value with its defaults. A whole set is validated by the
// core at connectToHost() (core/connection.cpp). No paho, no threads.
#include <QPaho/connectoptions.h>

#include <QtCore/QSharedData>
#include <QtCore/QUrl>

namespace QPaho {

class ConnectOptionsData : public QSharedData
{
public:
    QStringList serverUris;
    QString clientId;
    QString username;
    QByteArray password;
    WillOptions will;
    Properties connectProperties;
    SslOptions ssl;
    QList<QPair<QByteArray, QByteArray>> httpHeaders;
    QString httpProxy;
    QString httpsProxy;
    QString persistenceDirectory;
    // Measured (bench/, QoS 0 and 1, 16-256 KiB, against 256 KiB): 512 KiB is 12-17% faster
    // at 64 and 256 KiB (two 256 KiB publishes in paho leave no gap between writes), 1 MiB is
    // slower again. Before the stall watchdog, 512 KiB collapsed now and then (1 s stalls).
    qint64 maxOutstandingBytes = 512 * 1024;
    ProtocolVersion protocolVersion = ProtocolVersion::Mqtt311;
    OverflowPolicy queuePolicy = OverflowPolicy::RejectNewest;
    OverflowPolicy inboundPolicy = OverflowPolicy::DropOldest;
    quint32 sessionExpiry = 0;
    int keepAlive = 60;
    int connectTimeout = 30000;
    // 20 matches mosquitto's default max_inflight_messages: above it mosquitto
    // silently loses MQTT 3.1.1 QoS 2 bursts (testrig.md, pitfall 6).
    int maxInflight = 20;
    int minRetry = 1000;
    int maxRetry = 60000;
    int maxQueued = 1000000;
    int maxOutstandingRequests = 100;
    int maxPendingMessages = 1000000;
    int requestTimeout = 0;
    bool cleanSession = true;
    bool tcpNoDelay = true;
    bool automaticReconnect = false;
    bool offlineBuffering = true;
};

ConnectOptions::ConnectOptions() : d(new ConnectOptionsData) { }
ConnectOptions::ConnectOptions(const QString &hostOrUri) : d(new ConnectOptionsData)
{
    setServerUri(hostOrUri);
}
ConnectOptions::ConnectOptions(const ConnectOptions &other) = default;
ConnectOptions &ConnectOptions::operator=(const ConnectOptions &other) = default;
ConnectOptions::~ConnectOptions() = default;

ConnectOptions ConnectOptions::v3(const QString &hostOrUri)
{
    ConnectOptions o;
    if (!hostOrUri.isEmpty())
        o.setServerUri(hostOrUri);
    return o;
}

ConnectOptions ConnectOptions::v5(const QString &hostOrUri)
{
    ConnectOptions o = v3(hostOrUri);
    o.setProtocolVersion(ProtocolVersion::Mqtt5);
    return o;
}

QString ConnectOptions::normalizeUri(const QString &hostOrUri)
{
    const QString trimmed = hostOrUri.trimmed();
    if (trimmed.isEmpty())
        return {};
    QString text = trimmed;
    if (!text.contains(QLatin1String("://")))
        text.prepend(QLatin1String("tcp://"));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty())
        return {};
    QString scheme = url.scheme().toLower();
    int defaultPort = 0;
    if (scheme == QLatin1String("tcp") || scheme == QLatin1String("mqtt")) {
        scheme = QStringLiteral("tcp");
        defaultPort = 1883;
    } else if (scheme == QLatin1String("ssl") || scheme == QLatin1String("mqtts")) {
        defaultPort = 8883;
    } else if (scheme == QLatin1String("ws")) {
        defaultPort = 80;
    } else if (scheme == QLatin1String("wss")) {
        defaultPort = 443;
    } else {
        return {};
    }
    const bool isWebSocket = scheme.startsWith(QLatin1String("ws"));
    if (!isWebSocket && !url.path().isEmpty() && url.path() != QLatin1String("/"))
        return {}; // paths only mean something for WebSockets
    QString host = url.host(QUrl::FullyEncoded);
    if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']'); // IPv6 literal
    QString result = scheme + QLatin1String("://") + host + QLatin1Char(':')
        + QString::number(url.port(defaultPort));
    if (isWebSocket)
        result += url.path(QUrl::FullyEncoded);
    return result;
}

QStringList ConnectOptions::serverUris() const
{
    return d->serverUris;
}
void ConnectOptions::setServerUri(const QString &hostOrUri)
{
    setServerUris({ hostOrUri });
}
void ConnectOptions::setServerUris(const QStringList &hostsOrUris)
{
    // Keep what the user gave when it cannot be normalized: connectToHost() then
    // reports it as an invalid argument instead of silently dropping it.
    QStringList uris;
    for (const QString &u : hostsOrUris) {
        const QString n = normalizeUri(u);
        uris.append(n.isEmpty() ? u : n);
    }
    d->serverUris = uris;
}
QString ConnectOptions::clientId() const
{
    return d->clientId;
}
void ConnectOptions::setClientId(const QString &clientId)
{
    d->clientId = clientId;
}
QString ConnectOptions::username() const
{
    return d->username;
}
void ConnectOptions::setUsername(const QString &username)
{
    d->username = username;
}
QByteArray ConnectOptions::password() const
{
    return d->password;
}
void ConnectOptions::setPassword(const QByteArray &password)
{
    d->password = password;
}
ProtocolVersion ConnectOptions::protocolVersion() const
{
    return d->protocolVersion;
}
void ConnectOptions::setProtocolVersion(ProtocolVersion version)
{
    d->protocolVersion = version;
}
int ConnectOptions::keepAliveInterval() const
{
    return d->keepAlive;
}
void ConnectOptions::setKeepAliveInterval(int seconds)
{
    d->keepAlive = seconds;
}
bool ConnectOptions::cleanSession() const
{
    return d->cleanSession;
}
void ConnectOptions::setCleanSession(bool clean)
{
    d->cleanSession = clean;
}
quint32 ConnectOptions::sessionExpiryInterval() const
{
    return d->sessionExpiry;
}
void ConnectOptions::setSessionExpiryInterval(quint32 seconds)
{
    d->sessionExpiry = seconds;
}
int ConnectOptions::connectTimeout() const
{
    return d->connectTimeout;
}
void ConnectOptions::setConnectTimeout(int milliseconds)
{
    d->connectTimeout = milliseconds;
}
int ConnectOptions::maxInflight() const
{
    return d->maxInflight;
}
void ConnectOptions::setMaxInflight(int messages)
{
    d->maxInflight = messages;
}
WillOptions ConnectOptions::will() const
{
    return d->will;
}
void ConnectOptions::setWill(const WillOptions &will)
{
    d->will = will;
}
Properties ConnectOptions::connectProperties() const
{
    return d->connectProperties;
}
void ConnectOptions::setConnectProperties(const Properties &properties)
{
    d->connectProperties = properties;
}
SslOptions ConnectOptions::sslOptions() const
{
    return d->ssl;
}
void ConnectOptions::setSslOptions(const SslOptions &options)
{
    d->ssl = options;
}
QList<QPair<QByteArray, QByteArray>> ConnectOptions::httpHeaders() const
{
    return d->httpHeaders;
}
void ConnectOptions::setHttpHeaders(const QList<QPair<QByteArray, QByteArray>> &headers)
{
    d->httpHeaders = headers;
}
QString ConnectOptions::httpProxy() const
{
    return d->httpProxy;
}
void ConnectOptions::setHttpProxy(const QString &proxy)
{
    d->httpProxy = proxy;
}
QString ConnectOptions::httpsProxy() const
{
    return d->httpsProxy;
}
void ConnectOptions::setHttpsProxy(const QString &proxy)
{
    d->httpsProxy = proxy;
}
bool ConnectOptions::tcpNoDelay() const
{
    return d->tcpNoDelay;
}
void ConnectOptions::setTcpNoDelay(bool enable)
{
    d->tcpNoDelay = enable;
}
bool ConnectOptions::automaticReconnect() const
{
    return d->automaticReconnect;
}
void ConnectOptions::setAutomaticReconnect(bool enable)
{
    d->automaticReconnect = enable;
}
int ConnectOptions::minRetryInterval() const
{
    return d->minRetry;
}
int ConnectOptions::maxRetryInterval() const
{
    return d->maxRetry;
}
void ConnectOptions::setRetryInterval(int minMilliseconds, int maxMilliseconds)
{
    d->minRetry = minMilliseconds;
    d->maxRetry = maxMilliseconds;
}
bool ConnectOptions::offlineBuffering() const
{
    return d->offlineBuffering;
}
void ConnectOptions::setOfflineBuffering(bool enable)
{
    d->offlineBuffering = enable;
}
int ConnectOptions::maxQueuedRequests() const
{
    return d->maxQueued;
}
void ConnectOptions::setMaxQueuedRequests(int requests)
{
    d->maxQueued = requests;
}
OverflowPolicy ConnectOptions::queueOverflowPolicy() const
{
    return d->queuePolicy;
}
void ConnectOptions::setQueueOverflowPolicy(OverflowPolicy policy)
{
    d->queuePolicy = policy;
}
qint64 ConnectOptions::maxOutstandingBytes() const
{
    return d->maxOutstandingBytes;
}
void ConnectOptions::setMaxOutstandingBytes(qint64 bytes)
{
    d->maxOutstandingBytes = bytes;
}
int ConnectOptions::maxOutstandingRequests() const
{
    return d->maxOutstandingRequests;
}
void ConnectOptions::setMaxOutstandingRequests(int requests)
{
    d->maxOutstandingRequests = requests;
}
int ConnectOptions::maxPendingMessages() const
{
    return d->maxPendingMessages;
}
void ConnectOptions::setMaxPendingMessages(int messages)
{
    d->maxPendingMessages = messages;
}
OverflowPolicy ConnectOptions::inboundOverflowPolicy() const
{
    return d->inboundPolicy;
}
void ConnectOptions::setInboundOverflowPolicy(OverflowPolicy policy)
{
    d->inboundPolicy = policy;
}
int ConnectOptions::requestTimeout() const
{
    return d->requestTimeout;
}
void ConnectOptions::setRequestTimeout(int milliseconds)
{
    d->requestTimeout = milliseconds;
}
QString ConnectOptions::persistenceDirectory() const
{
    return d->persistenceDirectory;
}
void ConnectOptions::setPersistenceDirectory(const QString &directory)
{
    d->persistenceDirectory = directory;
}

} // namespace QPaho
