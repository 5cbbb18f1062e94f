// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// One connect attempt in paho's terms: QPaho's ConnectOptions turned into
// MQTTAsync_connectOptions (will, TLS, WebSocket headers, proxies, MQTT 5 properties) and the
// MQTTAsync_connect call. Decides nothing about retries or failover: that is the core's.

#include "paho/pahoclientsession_p.h"

#include "common/logging_p.h"
#include "paho/pahoproperties_p.h"
#include "paho/pahowaker_p.h"

#include <algorithm>

namespace QPaho::Internal {

// What paho reads during MQTTAsync_connect only (it copies these): lives on the caller's stack.
struct PahoClientSession::ConnectScratch
{
    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    MQTTProperties willProperties = MQTTProperties_initializer;
    MQTTProperties connectProperties = MQTTProperties_initializer;

    ConnectScratch() = default;
    ConnectScratch(const ConnectScratch &) = delete;
    ConnectScratch &operator=(const ConnectScratch &) = delete;
    ~ConnectScratch()
    {
        MQTTProperties_free(&connectProperties);
        MQTTProperties_free(&willProperties);
    }
};

namespace {

MQTTAsync_connectOptions initialConnectOptions(bool mqtt5, bool webSocket)
{
    if (mqtt5) {
        MQTTAsync_connectOptions init5 = MQTTAsync_connectOptions_initializer5;
        MQTTAsync_connectOptions init5ws = MQTTAsync_connectOptions_initializer5_ws;
        return webSocket ? init5ws : init5;
    }
    MQTTAsync_connectOptions init = MQTTAsync_connectOptions_initializer;
    MQTTAsync_connectOptions initws = MQTTAsync_connectOptions_initializer_ws;
    return webSocket ? initws : init;
}

const char *assign(QByteArray &store, const QString &value)
{
    if (value.isEmpty())
        return nullptr;
    store = value.toUtf8();
    return store.constData();
}

void fillCredentials(const ConnectOptions &options, MQTTAsync_connectOptions &co, ConnectStrings &s)
{
    if (!options.username().isEmpty()) {
        s.username = options.username().toUtf8();
        co.username = s.username.constData();
    }
    // An empty password without a user name is no password (what an empty password field
    // gives): paho would send the password flag alone, which MQTT 3.1.1 brokers refuse.
    const bool noPassword = options.password().isNull()
        || (options.password().isEmpty() && options.username().isEmpty());
    if (!noPassword) {
        s.password = options.password();
        co.binarypwd.data = s.password.constData();
        co.binarypwd.len = int(s.password.size());
    }
}

void fillTls(const SslOptions &o, MQTTAsync_SSLOptions &ssl, ConnectStrings &s)
{
    ssl.trustStore = assign(s.caFile, o.caFile());
    ssl.CApath = assign(s.caPath, o.caPath());
    ssl.keyStore = assign(s.certFile, o.certificateFile());
    ssl.privateKey = assign(s.keyFile, o.privateKeyFile());
    if (!o.privateKeyPassword().isEmpty()) {
        s.keyPassword = o.privateKeyPassword();
        ssl.privateKeyPassword = s.keyPassword.constData();
    }
    ssl.enabledCipherSuites = assign(s.ciphers, o.ciphers());
    ssl.enableServerCertAuth = o.verifyPeer() ? 1 : 0;
    // paho's initializer leaves host name verification off (notes §5).
    ssl.verify = o.verifyHostName() ? 1 : 0;
    ssl.sslVersion = int(o.protocol());
    ssl.disableDefaultTrustStore = o.disableDefaultTrustStore() ? 1 : 0;
    if (!o.alpnProtocols().isEmpty()) {
        for (const QByteArray &p : o.alpnProtocols()) { // wire format: length-prefixed
            s.alpn.append(char(p.size()));
            s.alpn.append(p);
        }
        ssl.protos = reinterpret_cast<const unsigned char *>(s.alpn.constData());
        ssl.protos_len = unsigned(s.alpn.size());
    }
}

void fillHttp(
    const ConnectOptions &options, bool webSocket, MQTTAsync_connectOptions &co, ConnectStrings &s)
{
    if (webSocket && !options.httpHeaders().isEmpty()) {
        s.headers = options.httpHeaders();
        for (const auto &h : s.headers)
            s.headerPointers.push_back({ h.first.constData(), h.second.constData() });
        s.headerPointers.push_back({ nullptr, nullptr });
        co.httpHeaders = s.headerPointers.data(); // stored by pointer: s keeps it alive
    }
    if (!options.httpProxy().isEmpty()) {
        s.httpProxy = options.httpProxy().toUtf8();
        co.httpProxy = s.httpProxy.constData();
    }
    if (!options.httpsProxy().isEmpty()) {
        s.httpsProxy = options.httpsProxy().toUtf8();
        co.httpsProxy = s.httpsProxy.constData();
    }
}

} // namespace

void PahoClientSession::fillConnectOptions(
    const ConnectAttempt &attempt, MQTTAsync_connectOptions &co, ConnectScratch &scratch)
{
    const ConnectOptions &options = attempt.options;
    const QString &uri = attempt.serverUri;
    const bool v5 = attempt.mqtt5;
    const bool webSocket = uri.startsWith(QLatin1String("ws"));
    const bool tls = uri.startsWith(QLatin1String("ssl")) || uri.startsWith(QLatin1String("mqtts"))
        || uri.startsWith(QLatin1String("wss"));

    co = initialConnectOptions(v5, webSocket);
    co.keepAliveInterval = options.keepAliveInterval();
    if (v5) {
        co.cleansession = 0;
        co.cleanstart = attempt.cleanStart ? 1 : 0;
    } else {
        co.cleansession = attempt.cleanStart ? 1 : 0;
    }
    co.maxInflight = options.maxInflight();
    // paho counts whole seconds; round up so a 500 ms timeout is not "no timeout".
    co.connectTimeout = std::max(1, (options.connectTimeout() + 999) / 1000);
    co.retryInterval = 0;
    co.automaticReconnect = 0; // QPaho reconnects itself: it needs the CONNACK of each attempt
    co.MQTTVersion = v5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1; // never DEFAULT (notes §2)

    ConnectStrings &s = m_strings;
    s = ConnectStrings();
    // One URI per attempt: with several, paho fails over on its own, behind QPaho's back.
    s.uris = { uri.toUtf8() };
    s.uriPointers = { s.uris.constFirst().constData() };
    co.serverURIs = const_cast<char *const *>(s.uriPointers.data());
    co.serverURIcount = 1;
    fillCredentials(options, co, s);

    const WillOptions w = options.will();
    if (w.isValid()) {
        s.willTopic = w.topic().toUtf8();
        s.willPayload = w.payload();
        scratch.will.topicName = s.willTopic.constData();
        scratch.will.payload.data = s.willPayload.constData();
        scratch.will.payload.len = int(s.willPayload.size());
        scratch.will.qos = w.qos();
        scratch.will.retained = w.isRetained() ? 1 : 0;
        co.will = &scratch.will;
        if (v5) {
            scratch.willProperties = toPaho(w.properties());
            co.willProperties = &scratch.willProperties;
        }
    }
    if (tls) {
        fillTls(options.sslOptions(), scratch.ssl, s);
        co.ssl = &scratch.ssl;
    }
    fillHttp(options, webSocket, co, s);
    if (v5) {
        Properties p = options.connectProperties();
        if (options.sessionExpiryInterval() != 0)
            p.setSessionExpiryInterval(options.sessionExpiryInterval());
        scratch.connectProperties = toPaho(p);
        co.connectProperties = &scratch.connectProperties;
    }
}

int PahoClientSession::connect(const ConnectAttempt &attempt)
{
    if (!m_handle)
        return MQTTASYNC_FAILURE;
    MQTTAsync_connectOptions co;
    ConnectScratch scratch;
    fillConnectOptions(attempt, co, scratch);
    Context *context = m_bridge->newContext(attempt.requestId, RequestKind::Connect);
    m_bridge->setCallbacks(co, context, attempt.mqtt5);
    ++m_connectionGeneration;
    m_noDelay.setEnabled(attempt.options.tcpNoDelay());
    m_noDelay.prepare();
    const int rc = MQTTAsync_connect(m_handle, &co);
    if (rc != MQTTASYNC_SUCCESS) {
        m_bridge->discardContext(context);
        return rc;
    }
    // The new socket appears asynchronously in paho's send thread, and its completion is
    // only seen when paho's receive thread cycles: keep waking it while the connect runs.
    const int wakeMs = std::clamp(attempt.options.connectTimeout(), 1000, 5000);
    if (!std::exchange(m_connectWaking, true))
        PahoWaker::connectStarted(wakeMs);
    else
        PahoWaker::wakeFor(wakeMs);
    return rc;
}

} // namespace QPaho::Internal
