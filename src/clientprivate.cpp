// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "client_p.h"
#include "subscription_p.h"

#include "allocatortuning_p.h"
#include "handlereaper_p.h"
#include "logging_p.h"
#include "nodelaytarget_p.h"
#include "pahoquarantine_p.h"
#include "pahowaker_p.h"
#include "properties_p.h"
#include "result_p.h"

#include <QPaho/topic.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QRandomGenerator>
#include <QtCore/QThread>
#include <QtCore/QUrl>

#include <algorithm>
#include <cmath>

namespace QPaho {

using namespace Internal;

namespace {

// MQTT's Remaining Length is at most 268,435,455 bytes (variable byte integer).
constexpr qint64 kMaxRemainingLength = 268435455;
// Time a DISCONNECT may take before QPaho closes the handle itself: paho queues a user
// DISCONNECT behind pending publishes and may never complete it (notes §2).
constexpr int kDisconnectGuardMs = 10000;
// statisticsChanged() comes at most this often: enough for a UI, cheap under load.
constexpr int kStatisticsIntervalMs = 20;
// The stall watchdog: a lost wake-up of paho's send thread costs 1 s; the watchdog turns it
// into 5-10 ms. Kicks that change nothing (a broker that is simply slow to acknowledge) back
// off to one per 80 ms.
constexpr int kStallCheckMs = 5;
constexpr int kMaxStallBackoffShift = 4;
// A drained event vector is kept for reuse up to this capacity (a burst beyond it is rare).
constexpr std::size_t kMaxSpareEvents = 4096;

QString pahoText(int rc)
{
    const char *text = MQTTAsync_strerror(rc);
    return text ? QString::fromUtf8(text) : QStringLiteral("paho error %1").arg(rc);
}

Error errorForPahoCode(int rc)
{
    switch (rc) {
    case MQTTASYNC_BAD_UTF8_STRING:
    case MQTTASYNC_NULL_PARAMETER:
    case MQTTASYNC_TOPICNAME_TRUNCATED:
    case MQTTASYNC_BAD_STRUCTURE:
    case MQTTASYNC_BAD_QOS:
    case MQTTASYNC_BAD_PROTOCOL:
    case MQTTASYNC_BAD_MQTT_OPTION:
    case MQTTASYNC_WRONG_MQTT_VERSION:
    case MQTTASYNC_0_LEN_WILL_TOPIC:
        return Error::InvalidArgument;
    case MQTTASYNC_DISCONNECTED:
        return Error::NotConnected;
    case MQTTASYNC_MAX_BUFFERED_MESSAGES:
        return Error::BufferFull;
    default:
        return Error::PahoError;
    }
}

// v3.1.1 CONNACK return codes.
QString connackText(int code)
{
    switch (code) {
    case 1:
        return QStringLiteral("unacceptable protocol version");
    case 2:
        return QStringLiteral("identifier rejected");
    case 3:
        return QStringLiteral("server unavailable");
    case 4:
        return QStringLiteral("bad user name or password");
    case 5:
        return QStringLiteral("not authorized");
    default:
        return QStringLiteral("refused with code %1").arg(code);
    }
}

QString reasonText(int reasonCode)
{
    const char *name = MQTTReasonCode_toString(MQTTReasonCodes(reasonCode));
    return name ? QString::fromUtf8(name)
                : QStringLiteral("reason code 0x%1").arg(reasonCode, 0, 16);
}

// Whether a refusal is final: retrying with the same credentials will not help.
bool isPermanentRefusal(int reasonCode, bool mqtt5)
{
    if (!mqtt5)
        return reasonCode == 1 || reasonCode == 2 || reasonCode == 4 || reasonCode == 5;
    return reasonCode >= 0x80 && reasonCode != 0x88 /* server unavailable */
        && reasonCode != 0x89 /* server busy */ && reasonCode != 0x97 /* quota */;
}

QString generateClientId()
{
    return QStringLiteral("qpaho-%1")
        .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
}

} // namespace

ClientPrivate::ClientPrivate(Client *q) : q_ptr(q)
{
    m_clock.start();
    m_reconnectTimer.setSingleShot(true);
    m_timeoutTimer.setSingleShot(true);
    m_disconnectGuard.setSingleShot(true);
    m_statisticsTimer.setSingleShot(true);
    m_statisticsTimer.setInterval(kStatisticsIntervalMs);
    // The timers must follow the Client into another thread: parent them to this object,
    // which is a child of the Client.
    m_reconnectTimer.setParent(this);
    m_timeoutTimer.setParent(this);
    m_disconnectGuard.setParent(this);
    m_statisticsTimer.setParent(this);
    m_stallWatchdog.setParent(this);
    m_stallWatchdog.setInterval(kStallCheckMs);
    connect(&m_stallWatchdog, &QTimer::timeout, this, &ClientPrivate::checkPahoProgress);
    // Never fires after shutdown(): it stops the timer and markStatisticsChanged() no
    // longer starts it.
    connect(&m_statisticsTimer, &QTimer::timeout, q, &Client::statisticsChanged);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (state == Client::State::Reconnecting) {
            qCDebug(lcReconnect) << "reconnecting to"
                                 << options.serverUris().at(
                                        m_uriIndex % int(options.serverUris().size()));
            startConnectAttempt();
        }
    });
    connect(&m_timeoutTimer, &QTimer::timeout, this, &ClientPrivate::onTimeoutTimer);
    connect(&m_disconnectGuard, &QTimer::timeout, this, [this] {
        if (state != Client::State::Disconnecting)
            return;
        qCWarning(lcClient) << "DISCONNECT did not complete in time; closing the connection";
        destroyHandle();
        finishDisconnect(Result());
    });
}

ClientPrivate::~ClientPrivate()
{
    shutdown();
}

// ---------------------------------------------------------------------------------------
// Request table

template<typename R>
QFuture<R> ClientPrivate::finished(const R &result)
{
    QPromise<R> promise;
    promise.start();
    promise.addResult(result);
    promise.finish();
    return promise.future();
}

template<typename R>
QFuture<R> ClientPrivate::addRequest(Request &&request, quint64 *idOut)
{
    QPromise<R> promise;
    promise.start();
    QFuture<R> future = promise.future();
    request.promise.emplace(std::in_place_type<QPromise<R>>, std::move(promise));
    const quint64 id = m_nextId++;
    auto it = m_requests.emplace(id, std::move(request)).first;
    armTimeout(id, it->second, options.requestTimeout());
    if (idOut)
        *idOut = id;
    return future;
}

template<typename R>
QFuture<R> ClientPrivate::submit(Request &&request)
{
    quint64 id = 0;
    auto future = addRequest<R>(std::move(request), &id);
    const Result queued = enqueue(id);
    if (!queued) {
        finishRequest(id, queued);
        return future;
    }
    pump();
    return future;
}

void ClientPrivate::completePromise(Request &request, const Result &result)
{
    if (!request.promise)
        return;
    std::visit(
        [&result](auto &promise) {
            using P = std::decay_t<decltype(promise)>;
            if constexpr (std::is_same_v<P, QPromise<Result>>)
                promise.addResult(result);
            else if constexpr (std::is_same_v<P, QPromise<ConnectResult>>)
                promise.addResult(ConnectResult(result));
            else if constexpr (std::is_same_v<P, QPromise<SubscribeResult>>)
                promise.addResult(SubscribeResult(result));
            else
                promise.addResult(PublishResult(result));
            promise.finish();
        },
        *request.promise);
}

void ClientPrivate::finishRequest(quint64 id, const Result &result)
{
    auto it = m_requests.find(id);
    if (it == m_requests.end())
        return; // already finished (first result wins)
    // Take it out of every table before completing: a continuation may run right now,
    // inside finish(), and call back into the client.
    Request request = std::move(it->second);
    m_requests.erase(it);
    if (request.deadline) {
        auto range = m_deadlines.equal_range(request.deadline);
        for (auto d = range.first; d != range.second; ++d) {
            if (d->second == id) {
                m_deadlines.erase(d);
                break;
            }
        }
    }
    if (request.queued) {
        auto q = std::find(m_outbound.begin(), m_outbound.end(), id);
        if (q != m_outbound.end())
            m_outbound.erase(q);
    }
    if (request.handedToPaho) {
        --inFlightCount;
        inFlightBytes -= request.bytes;
        if (request.isAckedPublish())
            --m_inFlightAcked;
    }
    if (request.kind == RequestKind::Publish && result.isOk())
        ++messagesSent;
    markStatisticsChanged();
    completePromise(request, result);
}

void ClientPrivate::failRequests(
    const std::function<bool(const Request &)> &which, Error error, const QString &text)
{
    std::vector<quint64> ids;
    for (const auto &[id, request] : m_requests) {
        if (which(request))
            ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end()); // finish in request order
    const auto alive = m_alive;
    for (quint64 id : ids) {
        if (!*alive)
            return;
        finishRequest(id, Result(error, text));
    }
}

void ClientPrivate::armTimeout(quint64 id, Request &request, int timeoutMs)
{
    if (timeoutMs <= 0)
        return;
    request.deadline = m_clock.elapsed() + timeoutMs;
    m_deadlines.emplace(request.deadline, id);
    const qint64 earliest = m_deadlines.begin()->first;
    if (!m_timeoutTimer.isActive() || earliest == request.deadline)
        m_timeoutTimer.start(int(std::max<qint64>(0, earliest - m_clock.elapsed())));
}

void ClientPrivate::onTimeoutTimer()
{
    const auto alive = m_alive;
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        const quint64 id = m_deadlines.begin()->second;
        m_deadlines.erase(m_deadlines.begin());
        auto it = m_requests.find(id);
        if (it == m_requests.end())
            continue;
        it->second.deadline = 0; // its entry is gone already
        const bool isConnect = id == m_connectRequestId;
        finishRequest(id, Result(Error::Timeout, QStringLiteral("the request timed out")));
        if (!*alive)
            return;
        if (isConnect)
            m_connectRequestId = 0;
    }
    if (!m_deadlines.empty())
        m_timeoutTimer.start(int(std::max<qint64>(0, m_deadlines.begin()->first - now)));
}

// ---------------------------------------------------------------------------------------
// State

void ClientPrivate::setState(Client::State newState)
{
    if (state == newState)
        return;
    state = newState;
    qCDebug(lcClient) << "state" << newState;
    if (!m_shuttingDown)
        Q_EMIT q_ptr->stateChanged(newState);
}

void ClientPrivate::markStatisticsChanged()
{
    // Coalesced by a timer: a counter changes once per message, and a posted call per
    // event-loop pass would cost a wake-up of this thread per burst of traffic. The timer
    // also keeps the signal out of calls the user is making.
    if (m_shuttingDown || m_statisticsTimer.isActive())
        return;
    m_statisticsTimer.start();
}

// ---------------------------------------------------------------------------------------
// Connect

Result ClientPrivate::validateConnect(const ConnectOptions &o) const
{
    const auto invalid = [](const QString &text) { return Result(Error::InvalidArgument, text); };
    const QStringList uris = o.serverUris();
    if (uris.isEmpty())
        return invalid(QStringLiteral("no server URI given"));
    for (const QString &uri : uris) {
        if (ConnectOptions::normalizeUri(uri) != uri)
            return invalid(QStringLiteral("unsupported or malformed server URI \"%1\"").arg(uri));
    }
    const bool v5 = o.protocolVersion() == ProtocolVersion::Mqtt5;
    if (o.protocolVersion() != ProtocolVersion::Mqtt5
        && o.protocolVersion() != ProtocolVersion::Mqtt311)
        return invalid(QStringLiteral("unknown protocol version"));
    if (o.keepAliveInterval() < 0 || o.keepAliveInterval() > 65535)
        return invalid(QStringLiteral("keep-alive must be 0..65535 seconds"));
    if (o.maxInflight() < 1)
        return invalid(QStringLiteral("max in-flight must be at least 1"));
    if (o.connectTimeout() < 0)
        return invalid(QStringLiteral("connect timeout must not be negative"));
    if (o.maxOutstandingRequests() < 1 || o.maxOutstandingBytes() < 1)
        return invalid(QStringLiteral("the outbound budget must be positive"));
    if (o.minRetryInterval() < 0 || o.maxRetryInterval() < o.minRetryInterval())
        return invalid(QStringLiteral("retry interval: need 0 <= min <= max"));
    if (o.clientId().toUtf8().size() > 65535)
        return invalid(QStringLiteral("client id is longer than 65535 bytes"));
    if (o.password().size() > 65535 || o.username().toUtf8().size() > 65535)
        return invalid(QStringLiteral("user name or password is longer than 65535 bytes"));
    if (!o.password().isEmpty() && o.username().isEmpty() && !v5)
        return invalid(QStringLiteral("MQTT 3.1.1 does not allow a password without a user name"));
    const WillOptions will = o.will();
    if (will.isValid()) {
        const QString error = Topic::nameError(will.topic());
        if (!error.isEmpty())
            return invalid(QStringLiteral("will: ") + error);
        if (will.qos() < 0 || will.qos() > 2)
            return invalid(QStringLiteral("will: QoS must be 0, 1 or 2"));
    }
    if (!v5) {
        const auto unsupported = [](const QString &what) {
            return Result(Error::Unsupported, what + QStringLiteral(" needs MQTT 5"));
        };
        if (!o.connectProperties().isEmpty())
            return unsupported(QStringLiteral("CONNECT properties"));
        if (o.sessionExpiryInterval() != 0)
            return unsupported(QStringLiteral("a session expiry interval"));
        if (will.isValid() && !will.properties().isEmpty())
            return unsupported(QStringLiteral("will properties"));
    } else {
        QString error = validateProperties(o.connectProperties(), PacketKind::Connect);
        if (error.isEmpty() && will.isValid())
            error = validateProperties(will.properties(), PacketKind::Will);
        if (!error.isEmpty())
            return invalid(error);
    }
    return Result();
}

QFuture<ConnectResult> ClientPrivate::connectToHost(const ConnectOptions &newOptions)
{
    if (m_shuttingDown)
        return finished(ConnectResult(
            Result(Error::ClientDestroyed, QStringLiteral("the client is being destroyed"))));
    if (state != Client::State::Disconnected && state != Client::State::Reconnecting) {
        const QString text = state == Client::State::Connected
            ? QStringLiteral("already connected")
            : QStringLiteral("a connection attempt is already under way");
        return finished(ConnectResult(Result(Error::InvalidState, text)));
    }
    const Result check = validateConnect(newOptions);
    if (!check)
        return finished(ConnectResult(check));
    if (state == Client::State::Reconnecting) {
        // New options replace the retries: drop the old handle with its attempt (off this
        // thread). No signal for the step through Disconnected: Connecting follows at once.
        m_reconnectTimer.stop();
        destroyHandle();
        state = Client::State::Disconnected;
    }

    options = newOptions;
    const ProtocolVersion oldVersion = protocolVersion;
    protocolVersion = options.protocolVersion();
    const QString oldId = clientId;
    clientId = options.clientId();
    if (clientId.isEmpty() && !(isMqtt5() && options.cleanSession()))
        clientId = generateClientId(); // MQTT 5 with clean start: let the broker assign one
    m_uriIndex = 0;
    m_failedAttemptsInCycle = 0;
    m_backoffStep = 0;
    m_everConnected = false;
    m_resendGuard.reset();
    m_subscriptions.clear();
    m_responseTopic.clear(); // a new session: request() subscribes again
    m_subscriptionIdFilters.clear();
    m_identifiedFilters.clear();
    if (oldVersion != protocolVersion)
        Q_EMIT q_ptr->protocolVersionChanged(protocolVersion);
    if (oldId != clientId)
        Q_EMIT q_ptr->clientIdChanged(clientId);

    if (!ensureHandle()) {
        return finished(ConnectResult(Result(Error::InvalidArgument,
            QStringLiteral("paho could not create a client for %1")
                .arg(options.serverUris().join(QLatin1String(", "))))));
    }

    Request request;
    request.kind = RequestKind::Connect;
    quint64 id = 0;
    auto future = addRequest<ConnectResult>(std::move(request), &id);
    m_connectRequestId = id;
    setState(Client::State::Connecting);
    startConnectAttempt();
    return future;
}

bool ClientPrivate::ensureHandle()
{
    const QStringList uris = options.serverUris();
    const QString key = uris.join(QLatin1Char('\n')) + QLatin1Char('\n') + clientId
        + QLatin1Char('\n') + QString::number(int(protocolVersion)) + QLatin1Char('\n')
        + options.persistenceDirectory();
    if (m_handle && key == m_handleKey)
        return true;
    // One waker reference per live handle. The new handle's first: the old handle's goes back
    // later on the reaper, and the count must not touch 0 in between (that would stop paho's
    // threads and start them again).
    PahoWaker::acquire();
    destroyHandle();

    if (!m_bridge)
        m_bridge = std::make_unique<Bridge>(this);
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.MQTTVersion = isMqtt5() ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    const bool persistent = !options.persistenceDirectory().isEmpty();
    // QPaho keeps its own offline queue; paho only holds what QPaho handed it. With a
    // persistence directory QPaho hands publishes over while disconnected too, so that
    // paho writes them to disk.
    create.sendWhileDisconnected = persistent ? 1 : 0;
    create.allowDisconnectedSendAtAnyTime = persistent ? 1 : 0;
    // Never let paho evict silently (deleteOldestMessages) or refuse with -12 below
    // what QPaho may hand it.
    create.maxBufferedMessages
        = std::max(options.maxOutstandingRequests(), options.maxQueuedRequests()) + 16;
    create.deleteOldestMessages = 0;
    create.restoreMessages = 1;
    create.persistQoS0 = 0;

    int persistenceType = MQTTCLIENT_PERSISTENCE_NONE;
    void *persistenceContext = nullptr;
    if (persistent) {
        QDir().mkpath(options.persistenceDirectory());
        m_persistenceDir = QDir(options.persistenceDirectory()).absolutePath().toUtf8();
        persistenceType = MQTTCLIENT_PERSISTENCE_DEFAULT;
        persistenceContext = m_persistenceDir.data();
        HandleReaper::waitForPersistence(m_persistenceDir); // a dropped handle's store
    }
    const QByteArray uri = uris.constFirst().toUtf8();
    const QByteArray id = clientId.toUtf8();
    const int rc = MQTTAsync_createWithOptions(
        &m_handle, uri.constData(), id.constData(), persistenceType, persistenceContext, &create);
    if (rc != MQTTASYNC_SUCCESS) {
        qCWarning(lcClient) << "MQTTAsync_create failed:" << pahoText(rc);
        m_handle = nullptr;
        HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
        return false;
    }
    installPahoTrace();
    m_handleKey = key;
    m_bridge->setInboundLimit(options.maxPendingMessages(),
        options.inboundOverflowPolicy() == OverflowPolicy::DropOldest);
    m_bridge->installClientCallbacks(m_handle, persistent);
    m_restoredTokens.clear();
    if (persistent) {
        MQTTAsync_token *tokens = nullptr;
        if (MQTTAsync_getPendingTokens(m_handle, &tokens) == MQTTASYNC_SUCCESS && tokens) {
            for (int i = 0; tokens[i] != -1; ++i)
                m_restoredTokens.insert(tokens[i]);
            MQTTAsync_free(tokens);
        }
        if (!m_restoredTokens.isEmpty())
            qCInfo(lcClient) << m_restoredTokens.size() << "publishes restored from"
                             << options.persistenceDirectory();
    }
    return true;
}

void ClientPrivate::destroyHandle()
{
    endConnectWakes();
    if (!m_handle)
        return;
    m_noDelay.reset();
    // MQTTAsync_destroy waits for paho (its mutex, and its threads when this is the last
    // client): it runs on the HandleReaper, with the bridge detached first, so the -11
    // failures paho produces there are dropped: the outcome is decided below, nothing paho
    // held completes now. The reaper deletes the bridge after the destroy, and keeps the
    // strings paho's options point to until then.
    m_bridge->detach();
    HandleReaper::destroyLater(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(this)),
        std::exchange(m_persistenceDir, {}),
        std::make_shared<ConnectStrings>(std::exchange(m_strings, ConnectStrings())));
    m_handleKey.clear();
    const QString text = m_shuttingDown ? QStringLiteral("the client was destroyed")
                                        : QStringLiteral("the connection was closed");
    const Error error = m_shuttingDown ? Error::ClientDestroyed : Error::Disconnected;
    failRequests([](const Request &r) { return r.handedToPaho; }, error, text);
}

void ClientPrivate::failConnectAttempt(int pahoCode, const QString &text)
{
    BridgeEvent failure;
    failure.type = BridgeEvent::Type::Failure;
    failure.kind = RequestKind::Connect;
    failure.requestId = m_connectRequestId;
    failure.code = pahoCode;
    failure.text = text;
    // Reported now rather than from paho: the state machine is the same.
    handleConnectFailure(failure);
}

bool ClientPrivate::startConnectAttempt()
{
    // After discardPahoSession() there is no handle: the next attempt makes a fresh one.
    if (!ensureHandle()) {
        failConnectAttempt(MQTTASYNC_FAILURE, QStringLiteral("paho could not create a client"));
        return false;
    }
    const QStringList uris = options.serverUris();
    m_uriIndex %= int(uris.size());
    const bool v5 = isMqtt5();
    const QString uri = uris.at(m_uriIndex);
    const bool webSocket = uri.startsWith(QLatin1String("ws"));
    const bool tls = uri.startsWith(QLatin1String("ssl")) || uri.startsWith(QLatin1String("mqtts"))
        || uri.startsWith(QLatin1String("wss"));

    MQTTAsync_connectOptions co;
    if (v5) {
        MQTTAsync_connectOptions init5 = MQTTAsync_connectOptions_initializer5;
        MQTTAsync_connectOptions init5ws = MQTTAsync_connectOptions_initializer5_ws;
        co = webSocket ? init5ws : init5;
    } else {
        MQTTAsync_connectOptions init = MQTTAsync_connectOptions_initializer;
        MQTTAsync_connectOptions initws = MQTTAsync_connectOptions_initializer_ws;
        co = webSocket ? initws : init;
    }
    co.keepAliveInterval = options.keepAliveInterval();
    // After discardPahoSession() the broker's session must go too: it remembers packet ids
    // of QoS 2 publishes that the new paho handle knows nothing of, and would take a new
    // publish with such an id for a duplicate and drop it.
    const bool clean = options.cleanSession() || m_cleanStartOnce;
    if (v5) {
        co.cleansession = 0;
        co.cleanstart = clean ? 1 : 0;
    } else {
        co.cleansession = clean ? 1 : 0;
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

    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
    MQTTProperties willProps = MQTTProperties_initializer;
    const WillOptions w = options.will();
    if (w.isValid()) {
        s.willTopic = w.topic().toUtf8();
        s.willPayload = w.payload();
        will.topicName = s.willTopic.constData();
        will.payload.data = s.willPayload.constData();
        will.payload.len = int(s.willPayload.size());
        will.qos = w.qos();
        will.retained = w.isRetained() ? 1 : 0;
        co.will = &will;
        if (v5) {
            willProps = toPaho(w.properties());
            co.willProperties = &willProps;
        }
    }

    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    if (tls) {
        const SslOptions o = options.sslOptions();
        const auto assign = [](QByteArray &store, const QString &value) -> const char * {
            if (value.isEmpty())
                return nullptr;
            store = value.toUtf8();
            return store.constData();
        };
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
        co.ssl = &ssl;
    }

    if (webSocket && !options.httpHeaders().isEmpty()) {
        s.headers = options.httpHeaders();
        for (const auto &h : s.headers)
            s.headerPointers.push_back({ h.first.constData(), h.second.constData() });
        s.headerPointers.push_back({ nullptr, nullptr });
        co.httpHeaders = s.headerPointers.data(); // stored by pointer: m_strings keeps it alive
    }
    if (!options.httpProxy().isEmpty()) {
        s.httpProxy = options.httpProxy().toUtf8();
        co.httpProxy = s.httpProxy.constData();
    }
    if (!options.httpsProxy().isEmpty()) {
        s.httpsProxy = options.httpsProxy().toUtf8();
        co.httpsProxy = s.httpsProxy.constData();
    }

    MQTTProperties connectProps = MQTTProperties_initializer;
    if (v5) {
        Properties p = options.connectProperties();
        if (options.sessionExpiryInterval() != 0)
            p.setSessionExpiryInterval(options.sessionExpiryInterval());
        connectProps = toPaho(p);
        co.connectProperties = &connectProps;
    }

    Context *context = m_bridge->newContext(m_connectRequestId, RequestKind::Connect);
    m_bridge->setCallbacks(co, context, v5);
    m_noDelay.setEnabled(options.tcpNoDelay());
    m_noDelay.prepare();
    serverUri = uri;
    Q_EMIT q_ptr->serverUriChanged(serverUri);
    qCDebug(lcClient) << "connecting to" << uri << "as" << clientId;
    const int rc = MQTTAsync_connect(m_handle, &co);
    MQTTProperties_free(&connectProps);
    MQTTProperties_free(&willProps);
    if (rc != MQTTASYNC_SUCCESS) {
        m_bridge->discardContext(context);
        failConnectAttempt(rc, pahoText(rc));
        return false;
    }
    // The new socket appears asynchronously in paho's send thread, and its completion is
    // only seen when paho's receive thread cycles: keep waking it while the connect runs.
    if (!std::exchange(m_connectWaking, true))
        PahoWaker::connectStarted(std::clamp(options.connectTimeout(), 1000, 5000));
    else
        PahoWaker::wakeFor(std::clamp(options.connectTimeout(), 1000, 5000));
    return true;
}

void ClientPrivate::endConnectWakes()
{
    if (std::exchange(m_connectWaking, false))
        PahoWaker::connectFinished();
}

void ClientPrivate::handleConnectSuccess(const BridgeEvent &event)
{
    endConnectWakes();
    Result result;
    ResultData &d = ResultAccess::data(result);
    d.sessionPresent = event.sessionPresent;
    d.serverUri = event.text.isEmpty() ? serverUri : event.text;
    d.protocolVersion = protocolVersion;
    d.reasonCode = event.reasonCode;
    if (event.properties)
        d.properties = *event.properties;
    if (event.properties) {
        if (const auto assigned = event.properties->assignedClientIdentifier()) {
            clientId = *assigned;
            Q_EMIT q_ptr->clientIdChanged(clientId);
        }
    }
    d.clientId = clientId;
    const ConnectResult connectResult(result);
    lastConnect = connectResult;
    qCDebug(lcClient) << "connected to" << d.serverUri << "as" << clientId
                      << (event.sessionPresent ? "(session present)" : "(new session)");
    const bool wasReconnect = m_everConnected;
    m_everConnected = true;
    m_cleanStartOnce = false;
    // paho re-sends what it holds when the broker resumed the session.
    m_resendGuard.connected(m_clock.elapsed(), event.sessionPresent && m_inFlightAcked > 0);
    m_failedAttemptsInCycle = 0;
    m_backoffStep = 0;
    if (wasReconnect) {
        ++reconnectCount;
        markStatisticsChanged();
    }

    if (options.tcpNoDelay()) {
        // Only the socket connected to the broker's (or proxy's) address and port.
        const auto target
            = NoDelayTarget::forConnect(serverUri, options.httpProxy(), options.httpsProxy());
        if (target) {
            const QString uri = serverUri;
            target->resolve(this, [this, uri](quint16 port, const QList<QHostAddress> &addresses) {
                // At once for an address literal (still Connecting), else after the lookup.
                if ((state == Client::State::Connecting || state == Client::State::Connected)
                    && serverUri == uri)
                    m_noDelay.apply(port, addresses);
            });
        }
    }

    const auto alive = m_alive;
    setState(Client::State::Connected);
    if (!*alive)
        return;
    if (m_connectRequestId) {
        const quint64 id = std::exchange(m_connectRequestId, 0);
        finishRequest(id, result);
        if (!*alive)
            return;
    }
    if (!event.sessionPresent && wasReconnect)
        restoreSubscriptions();
    Q_EMIT q_ptr->connected(connectResult);
    if (!*alive || state != Client::State::Connected)
        return;
    if (m_disconnectAfterConnect) {
        m_disconnectAfterConnect = false;
        startDisconnect(m_disconnectRequestId);
        return;
    }
    pump();
}

void ClientPrivate::handleConnectFailure(const BridgeEvent &event)
{
    endConnectWakes();
    if (state != Client::State::Connecting && state != Client::State::Reconnecting)
        return; // a late or repeated failure of an attempt that no longer matters
    const bool v5 = isMqtt5();
    Result result;
    int reason = 0;
    if (v5 && event.code == 0 && event.reasonCode >= 0x80)
        reason = event.reasonCode;
    else if (v5 && event.code >= 0x80 && event.code <= 0xFF)
        reason = event.code; // paho passes a refusing v5 CONNACK's reason code as the code
    else if (!v5 && event.code >= 1 && event.code <= 5)
        reason = event.code;
    if (reason) {
        result = Result(Error::ConnectionRefused,
            QStringLiteral("the broker refused the connection: %1")
                .arg(v5 ? reasonText(reason) : connackText(reason)),
            event.code, reason);
        if (event.properties)
            ResultAccess::data(result).properties = *event.properties;
    } else {
        QString text = event.text.isEmpty() ? pahoText(event.code) : event.text;
        const Error error = text.contains(QLatin1String("timeout"), Qt::CaseInsensitive)
            ? Error::Timeout
            : Error::ConnectionFailed;
        result = Result(
            error, QStringLiteral("could not connect to %1: %2").arg(serverUri, text), event.code);
    }
    qCDebug(lcClient) << "connect attempt failed:" << result.errorString();

    const auto alive = m_alive;
    if (m_connectRequestId) {
        const quint64 id = std::exchange(m_connectRequestId, 0);
        finishRequest(id, result);
        if (!*alive)
            return;
    }
    Q_EMIT q_ptr->errorOccurred(result);
    if (!*alive)
        return;
    const bool permanent = reason && isPermanentRefusal(reason, v5);
    if (options.automaticReconnect() && !permanent && !m_disconnectAfterConnect) {
        ++m_failedAttemptsInCycle;
        m_uriIndex = (m_uriIndex + 1) % int(options.serverUris().size());
        setState(Client::State::Reconnecting);
        if (!*alive)
            return;
        scheduleReconnect();
        return;
    }
    // Give up: nothing queued can be sent.
    failRequests([](const Request &r) { return r.queued; }, Error::NotConnected,
        QStringLiteral("the connection could not be established"));
    if (!*alive)
        return;
    setState(Client::State::Disconnected);
    if (!*alive)
        return;
    if (m_disconnectAfterConnect) {
        m_disconnectAfterConnect = false;
        finishRequest(std::exchange(m_disconnectRequestId, 0), Result());
    }
}

void ClientPrivate::scheduleReconnect()
{
    const QStringList uris = options.serverUris();
    int delay = 0;
    // Fail over to the next server at once; back off only after the whole list failed.
    if (m_failedAttemptsInCycle >= int(uris.size()) || m_failedAttemptsInCycle == 0) {
        const double base
            = std::max(1, options.minRetryInterval()) * std::pow(2.0, std::min(m_backoffStep, 20));
        const double capped = std::min(base, double(std::max(1, options.maxRetryInterval())));
        // Full jitter in [capped/2, capped]: clients that lost the same broker spread out.
        delay = int(capped / 2 + QRandomGenerator::global()->bounded(capped / 2));
        ++m_backoffStep;
        m_failedAttemptsInCycle = 0;
        if (m_backoffStep == 1)
            delay = std::min(delay, options.minRetryInterval());
    }
    qCDebug(lcReconnect) << "next attempt in" << delay << "ms (attempt"
                         << m_failedAttemptsInCycle + 1 << "of this round, backoff step"
                         << m_backoffStep << ")";
    m_reconnectTimer.start(delay);
}

void ClientPrivate::restoreSubscriptions()
{
    // The broker has no session: subscribe again to everything the user still holds.
    // Internal requests: no future; a failure is logged.
    if (m_subscriptions.isEmpty())
        return;
    qCInfo(lcClient) << "session not present: restoring" << m_subscriptions.size()
                     << "subscriptions";
    std::vector<std::pair<QPointer<Subscription>, QFuture<SubscribeResult>>> followers;
    for (const auto &sub : std::as_const(m_subscriptions)) {
        Request request;
        request.kind = RequestKind::Subscribe;
        request.subscriptions = { sub };
        request.filters = { sub.first };
        // A Subscription object for this filter follows this SUBSCRIBE instead of sending
        // its own (subscription.cpp).
        if (Subscription *object = subscriptionObjects.value(sub.first)) {
            QPromise<SubscribeResult> promise;
            promise.start();
            followers.emplace_back(object, promise.future());
            request.promise.emplace(
                std::in_place_type<QPromise<SubscribeResult>>, std::move(promise));
        }
        const quint64 id = m_nextId++;
        m_requests.emplace(id, std::move(request));
        // In front of what the user queued meanwhile: subscriptions come first.
        m_requests[id].queued = true;
        m_outbound.push_front(id);
    }
    for (const auto &[object, future] : followers) {
        if (object)
            SubscriptionPrivate::get(object)->followRestore(future);
    }
}

// ---------------------------------------------------------------------------------------
// Connection loss and disconnect

void ClientPrivate::abandonPahoSession(Abandon why, quint64 brokenOffId)
{
    // Sort what paho held. After a broken write (paho's session memory is corrupt, see
    // PahoQuarantine) QoS 0/1 publishes go out again from QPaho's copies (at least once allows
    // a duplicate), and so does the publish whose write failed: not one byte of it reached the
    // broker. A QoS 2 publish paho held may have been delivered already: sending it again
    // would break exactly-once, so it fails and says so. After a resend loop everything paho
    // held fails: one of those publications breaks every connection.
    std::vector<quint64> again;
    std::vector<quint64> unknown;
    for (const auto &[id, request] : m_requests) {
        if (!request.handedToPaho)
            continue;
        const bool resend = why == Abandon::BrokenWrite
            && (id == brokenOffId
                || (request.kind == RequestKind::Publish && request.message.qos() < 2));
        (resend ? again : unknown).push_back(id);
    }
    qCWarning(lcClient).nospace()
        << (why == Abandon::BrokenWrite
                   ? "a publish write to the broker failed, which leaves paho's session state "
                     "corrupt (paho 1.3.x)"
                   : "the connection was lost right after each of the last reconnects while "
                     "paho re-sent the publishes it held")
        << ": QPaho abandons paho's session state, re-sends " << again.size() << " and fails "
        << unknown.size() << " requests, and starts a clean session (docs/paho-resend-loop.md)";
    std::sort(again.begin(), again.end());
    for (auto it = again.rbegin(); it != again.rend(); ++it)
        takeBackFromPaho(*it, m_requests.at(*it)); // to the front, in their order
    std::sort(unknown.begin(), unknown.end());
    const QString text = QStringLiteral(
        "QPaho had to abandon paho's session state while paho held this request (%1); it is not "
        "sent again: the broker may or may not have received it (see docs/paho-resend-loop.md)")
                             .arg(why == Abandon::BrokenWrite
                                     ? QStringLiteral("a failed write corrupted it")
                                     : QStringLiteral("it broke every connection"));
    const auto alive = m_alive;
    for (quint64 id : unknown) {
        finishRequest(id, Result(Error::ConnectionLost, text));
        if (!*alive)
            return;
    }
    // Never destroyed nor connected again: either would touch paho's freed memory. What
    // paho's options point to stays with it.
    m_noDelay.reset();
    PahoQuarantine::park(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(this)),
        std::make_shared<std::pair<QByteArray, ConnectStrings>>(
            std::exchange(m_persistenceDir, {}), std::exchange(m_strings, ConnectStrings())));
    HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
    m_handleKey.clear();
    m_cleanStartOnce = true;
    m_resendGuard.reset();
}

void ClientPrivate::handleConnectionDown(const Result &reason, bool lostUnexpectedly)
{
    const auto alive = m_alive;
    m_noDelay.reset();
    if (state == Client::State::Disconnecting) {
        // The connection dropped while we were closing it: that is a disconnect.
        finishDisconnect(Result());
        return;
    }
    if (state != Client::State::Connected)
        return;
    if (lostUnexpectedly) {
        qCDebug(lcClient) << "connection lost:" << reason.errorString();
        Q_EMIT q_ptr->connectionLost(reason.errorString());
        if (!*alive)
            return;
        Q_EMIT q_ptr->errorOccurred(reason);
        if (!*alive)
            return;
    }
    if (lostUnexpectedly && options.automaticReconnect() && m_resendGuard.lost(m_clock.elapsed())) {
        abandonPahoSession(Abandon::ResendLoop);
        if (!*alive)
            return;
    }
    // paho never re-sends a SUBSCRIBE/UNSUBSCRIBE in flight at loss (notes §2): its
    // outcome is unknown, so finish it now.
    failRequests(
        [](const Request &r) {
            return r.handedToPaho
                && (r.kind == RequestKind::Subscribe || r.kind == RequestKind::Unsubscribe);
        },
        Error::ConnectionLost, QStringLiteral("the connection was lost; the outcome is unknown"));
    if (!*alive)
        return;
    if (options.automaticReconnect()) {
        // Publishes paho holds stay with it: with a persistent session it re-sends them
        // after the reconnect; with a clean session it has failed them already (-11).
        setState(Client::State::Reconnecting);
        if (!*alive)
            return;
        m_failedAttemptsInCycle = 0;
        m_backoffStep = 0;
        scheduleReconnect();
        return;
    }
    failRequests([](const Request &r) { return r.kind != RequestKind::Connect; },
        Error::ConnectionLost, QStringLiteral("the connection was lost"));
    if (!*alive)
        return;
    setState(Client::State::Disconnected);
    if (!*alive)
        return;
    Q_EMIT q_ptr->disconnected(reason);
}

QFuture<Result> ClientPrivate::disconnectFromHost(int reasonCode, const Properties &properties)
{
    if (m_shuttingDown)
        return finished(
            Result(Error::ClientDestroyed, QStringLiteral("the client is being destroyed")));
    if (!isMqtt5() && (reasonCode != 0 || !properties.isEmpty()))
        return finished(Result(Error::Unsupported,
            QStringLiteral("a DISCONNECT reason code or properties need MQTT 5")));
    if (isMqtt5()) {
        const QString error = validateProperties(properties, PacketKind::Disconnect);
        if (!error.isEmpty())
            return finished(Result(Error::InvalidArgument, error));
        if (reasonCode < 0 || reasonCode > 0xFF)
            return finished(
                Result(Error::InvalidArgument, QStringLiteral("reason code must be 0..255")));
    }
    switch (state) {
    case Client::State::Disconnected:
        return finished(Result(Error::NotConnected, QStringLiteral("not connected")));
    case Client::State::Disconnecting:
        return finished(Result(Error::InvalidState, QStringLiteral("already disconnecting")));
    default:
        break;
    }
    if (m_disconnectRequestId)
        return finished(Result(Error::InvalidState, QStringLiteral("already disconnecting")));

    Request request;
    request.kind = RequestKind::Disconnect;
    request.reasonCode = reasonCode;
    request.properties = properties;
    quint64 id = 0;
    auto future = addRequest<Result>(std::move(request), &id);
    m_disconnectRequestId = id;

    if (state == Client::State::Connecting) {
        // paho cannot abort a CONNECT in flight (notes §4): disconnect once it completes.
        m_disconnectAfterConnect = true;
        return future;
    }
    if (state == Client::State::Reconnecting) {
        m_reconnectTimer.stop();
        const auto alive = m_alive;
        failRequests([](const Request &r) { return r.kind != RequestKind::Disconnect; },
            Error::Disconnected, QStringLiteral("disconnectFromHost() was called"));
        if (!*alive)
            return future;
        // The handle may still hold a connect attempt or re-sendable publishes: close it.
        destroyHandle();
        finishDisconnect(Result());
        return future;
    }
    startDisconnect(id);
    return future;
}

void ClientPrivate::startDisconnect(quint64 id)
{
    const auto alive = m_alive;
    setState(Client::State::Disconnecting);
    if (!*alive)
        return;
    // What QPaho has not handed to paho yet will not be sent.
    failRequests([](const Request &r) { return r.queued; }, Error::Disconnected,
        QStringLiteral("disconnectFromHost() was called before the request was sent"));
    if (!*alive)
        return;
    auto it = m_requests.find(id);
    const int reasonCode = it != m_requests.end() ? it->second.reasonCode : 0;
    const Properties props = it != m_requests.end() ? it->second.properties : Properties();

    MQTTAsync_disconnectOptions dc;
    if (isMqtt5()) {
        MQTTAsync_disconnectOptions init5 = MQTTAsync_disconnectOptions_initializer5;
        dc = init5;
        dc.reasonCode = MQTTReasonCodes(reasonCode);
    } else {
        MQTTAsync_disconnectOptions init = MQTTAsync_disconnectOptions_initializer;
        dc = init;
    }
    dc.timeout = 0;
    MQTTProperties pahoProps = MQTTProperties_initializer;
    if (isMqtt5() && !props.isEmpty()) {
        pahoProps = toPaho(props);
        dc.properties = pahoProps;
    }
    Context *context = m_bridge->newContext(id, RequestKind::Disconnect);
    m_bridge->setCallbacks(dc, context, isMqtt5());
    const int rc = MQTTAsync_disconnect(m_handle, &dc);
    MQTTProperties_free(&pahoProps);
    if (rc != MQTTASYNC_SUCCESS) {
        m_bridge->discardContext(context);
        // paho says we are not connected: treat it as done.
        qCDebug(lcClient) << "MQTTAsync_disconnect:" << pahoText(rc);
        finishDisconnect(Result());
        return;
    }
    m_disconnectGuard.start(kDisconnectGuardMs);
}

void ClientPrivate::finishDisconnect(const Result &reason)
{
    const auto alive = m_alive;
    m_disconnectGuard.stop();
    m_noDelay.reset();
    // Whatever paho still holds is not going to complete in this connection.
    failRequests(
        [](const Request &r) {
            return r.kind != RequestKind::Disconnect && r.kind != RequestKind::Connect;
        },
        Error::Disconnected, QStringLiteral("disconnectFromHost() was called"));
    if (!*alive)
        return;
    setState(Client::State::Disconnected);
    if (!*alive)
        return;
    if (m_disconnectRequestId) {
        finishRequest(std::exchange(m_disconnectRequestId, 0), reason);
        if (!*alive)
            return;
    }
    Q_EMIT q_ptr->disconnected(reason);
}

// ---------------------------------------------------------------------------------------
// Subscribe, unsubscribe, publish

Result ClientPrivate::checkCanQueue() const
{
    switch (state) {
    case Client::State::Connected:
        return Result();
    case Client::State::Connecting:
    case Client::State::Reconnecting:
        if (options.offlineBuffering())
            return Result();
        return Result(
            Error::NotConnected, QStringLiteral("not connected yet, and offline buffering is off"));
    case Client::State::Disconnecting:
        return Result(Error::NotConnected, QStringLiteral("the client is disconnecting"));
    case Client::State::Disconnected:
        break;
    }
    return Result(Error::NotConnected, QStringLiteral("not connected"));
}

Result ClientPrivate::enqueue(quint64 id)
{
    const int bound = options.maxQueuedRequests();
    if (bound > 0 && int(m_outbound.size()) >= bound) {
        if (options.queueOverflowPolicy() == OverflowPolicy::RejectNewest)
            return Result(Error::BufferFull,
                QStringLiteral("the outbound queue is full (%1 requests)").arg(bound));
        const quint64 oldest = m_outbound.front();
        finishRequest(oldest,
            Result(Error::BufferFull, QStringLiteral("dropped from the full outbound queue")));
    }
    m_requests[id].queued = true;
    m_outbound.push_back(id);
    markStatisticsChanged();
    return Result();
}

QFuture<SubscribeResult> ClientPrivate::subscribe(
    const QList<QPair<QString, SubscribeOptions>> &subs)
{
    const auto fail
        = [](Error e, const QString &t) { return finished(SubscribeResult(Result(e, t))); };
    if (m_shuttingDown)
        return fail(Error::ClientDestroyed, QStringLiteral("the client is being destroyed"));
    if (subs.isEmpty())
        return fail(Error::InvalidArgument, QStringLiteral("no filter given"));
    for (const auto &[filter, opts] : subs) {
        const QString error = Topic::filterError(filter);
        if (!error.isEmpty())
            return fail(Error::InvalidArgument, error);
        if (opts.qos() < 0 || opts.qos() > 2)
            return fail(Error::InvalidArgument,
                QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(opts.qos()));
        if (state != Client::State::Disconnected && !isMqtt5()) {
            if (opts.needsMqtt5())
                return fail(Error::Unsupported,
                    QStringLiteral("subscribe options or properties need MQTT 5"));
            if (Topic::isSharedSubscription(filter))
                return fail(Error::Unsupported,
                    QStringLiteral("shared subscriptions ($share/...) need MQTT 5"));
        }
        if (opts.noLocal() && Topic::isSharedSubscription(filter))
            return fail(Error::InvalidArgument,
                QStringLiteral("no-local is not allowed on a shared subscription"));
        if (isMqtt5()) {
            const QString perror = validateProperties(opts.properties(), PacketKind::Subscribe);
            if (!perror.isEmpty())
                return fail(Error::InvalidArgument, perror);
        }
    }
    const Result can = checkCanQueue();
    if (!can)
        return finished(SubscribeResult(can));

    Request request;
    request.kind = RequestKind::Subscribe;
    request.subscriptions = subs;
    for (const auto &s : subs)
        request.filters.append(s.first);
    assignSubscriptionIdentifier(request);
    return submit<SubscribeResult>(std::move(request));
}

void ClientPrivate::assignSubscriptionIdentifier(Request &request)
{
    // MQTT 5 routing: every SUBSCRIBE carries a subscription identifier (the user's, or one
    // QPaho picks), and each received copy names the subscriptions it matched. A handler whose
    // filter is one of those subscriptions then gets exactly the copies meant for it, even
    // when overlapping subscriptions make the broker send one copy per subscription.
    if (!isMqtt5() || state != Client::State::Connected
        || !lastConnect.properties().subscriptionIdentifiersAvailable().value_or(true))
        return;
    SubscribeOptions &first = request.subscriptions.first().second;
    Properties props = first.properties();
    if (props.subscriptionIdentifiers().isEmpty()) {
        if (m_nextSubscriptionId > 268435455)
            return; // the identifier space is used up: plain topic matching from here on
        props.setSubscriptionIdentifier(m_nextSubscriptionId++);
        first.setProperties(props);
    }
    const quint32 id = props.subscriptionIdentifiers().constFirst();
    for (const QString &filter : std::as_const(request.filters)) {
        m_subscriptionIdFilters[id].append(filter);
        m_identifiedFilters.insert(filter);
    }
}

QFuture<Result> ClientPrivate::unsubscribe(const QStringList &filters, const Properties &properties)
{
    if (m_shuttingDown)
        return finished(
            Result(Error::ClientDestroyed, QStringLiteral("the client is being destroyed")));
    if (filters.isEmpty())
        return finished(Result(Error::InvalidArgument, QStringLiteral("no filter given")));
    for (const QString &filter : filters) {
        const QString error = Topic::filterError(filter);
        if (!error.isEmpty())
            return finished(Result(Error::InvalidArgument, error));
    }
    if (!properties.isEmpty()) {
        if (!isMqtt5())
            return finished(
                Result(Error::Unsupported, QStringLiteral("UNSUBSCRIBE properties need MQTT 5")));
        const QString error = validateProperties(properties, PacketKind::Unsubscribe);
        if (!error.isEmpty())
            return finished(Result(Error::InvalidArgument, error));
    }
    const Result can = checkCanQueue();
    if (!can)
        return finished(can);
    Request request;
    request.kind = RequestKind::Unsubscribe;
    request.filters = filters;
    request.properties = properties;
    auto future = submit<Result>(std::move(request));
    // Forget them (unless refused at once): a reconnect must not bring back what the user
    // dropped.
    if (!future.isFinished() || future.result().isOk()) {
        m_subscriptions.removeIf([&filters](const QPair<QString, SubscribeOptions> &s) {
            return filters.contains(s.first);
        });
        for (const QString &filter : filters) {
            m_identifiedFilters.remove(filter);
            for (auto &entry : m_subscriptionIdFilters)
                entry.second.removeAll(filter);
        }
    }
    return future;
}

QFuture<PublishResult> ClientPrivate::publish(const Message &message)
{
    const auto fail
        = [](Error e, const QString &t) { return finished(PublishResult(Result(e, t))); };
    if (m_shuttingDown)
        return fail(Error::ClientDestroyed, QStringLiteral("the client is being destroyed"));
    const QString topicError = Topic::nameError(message.topic());
    if (!topicError.isEmpty())
        return fail(Error::InvalidArgument, topicError);
    if (message.qos() < 0 || message.qos() > 2)
        return fail(Error::InvalidArgument,
            QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(message.qos()));
    const qint64 topicBytes = message.topic().toUtf8().size();
    const qint64 packetBytes = message.payload().size() + topicBytes + 4;
    if (packetBytes > kMaxRemainingLength)
        return fail(Error::InvalidArgument,
            QStringLiteral("the message is %1 bytes; MQTT allows at most %2")
                .arg(packetBytes)
                .arg(kMaxRemainingLength));
    const Properties props = message.properties();
    if (!props.isEmpty()) {
        if (state != Client::State::Disconnected && !isMqtt5())
            return fail(Error::Unsupported, QStringLiteral("message properties need MQTT 5"));
        const QString error = validateProperties(props, PacketKind::Publish);
        if (!error.isEmpty())
            return fail(Error::InvalidArgument, error);
    }
    if (isMqtt5() && state == Client::State::Connected) {
        // Limits the server announced in CONNACK; paho enforces none of them (notes §3).
        const Properties connack = lastConnect.properties();
        if (const auto maxQos = connack.maximumQoS(); maxQos && quint32(message.qos()) > *maxQos)
            return fail(Error::Unsupported,
                QStringLiteral("the server accepts at most QoS %1").arg(*maxQos));
        if (const auto retain = connack.retainAvailable();
            retain && !*retain && message.isRetained())
            return fail(Error::Unsupported,
                QStringLiteral("the server does not support retained messages"));
        if (const auto maxSize = connack.maximumPacketSize();
            maxSize && packetBytes + 8 > qint64(*maxSize))
            return fail(Error::InvalidArgument,
                QStringLiteral("the message exceeds the server's maximum packet size "
                               "of %1 bytes")
                    .arg(*maxSize));
        // [MQTT-3.3.2-9]: an alias above the server's Topic Alias Maximum (absent: 0, no
        // aliases at all) is a protocol error: the broker would close the connection.
        if (const auto alias = props.topicAlias()) {
            const quint32 maxAlias = connack.topicAliasMaximum().value_or(0);
            if (*alias > maxAlias)
                return fail(Error::InvalidArgument,
                    QStringLiteral("topic alias %1 exceeds the server's Topic Alias Maximum "
                                   "of %2")
                        .arg(*alias)
                        .arg(maxAlias));
        }
    }
    const Result can = checkCanQueue();
    if (!can)
        return finished(PublishResult(can));

    Request request;
    request.kind = RequestKind::Publish;
    request.message = message;
    request.bytes = message.payload().size();
    AllocatorTuning::notePayload(request.bytes);
    return submit<PublishResult>(std::move(request));
}

void ClientPrivate::pump()
{
    const bool offline = state == Client::State::Connecting || state == Client::State::Reconnecting;
    // With a persistence directory, publishes must reach paho (which writes them to disk)
    // instead of waiting in QPaho's memory: durability over the throughput budgets.
    const bool persistent = !options.persistenceDirectory().isEmpty();
    if (!m_handle || (state != Client::State::Connected && !(persistent && offline)))
        return;
    const int maxCount = options.maxOutstandingRequests();
    const qint64 maxBytes = options.maxOutstandingBytes();
    // QoS 1/2 publishes beyond paho's in-flight window (maxInflight, clamped by an MQTT 5
    // broker's Receive Maximum) would wait in paho's queue, where the send thread looks
    // again only once a second (notes §4): keep them in QPaho's queue instead.
    int ackWindow = options.maxInflight();
    if (isMqtt5()) {
        if (const auto receiveMaximum = lastConnect.properties().receiveMaximum())
            ackWindow = std::min(ackWindow, int(*receiveMaximum));
    }
    const auto alive = m_alive;
    while (!m_outbound.empty()) {
        const quint64 id = m_outbound.front();
        auto it = m_requests.find(id);
        if (it == m_requests.end()) {
            m_outbound.pop_front();
            continue;
        }
        Request &request = it->second;
        const bool durable = persistent && request.kind == RequestKind::Publish;
        // While offline, only publishes go to paho (so it persists them); order is kept.
        if (offline && !durable)
            break;
        if (!durable) {
            if (inFlightCount >= maxCount)
                break;
            // The byte budget: one publish is always allowed, so a payload above the budget
            // still goes out alone (paho collapses with several large ones queued, issue 7).
            // QoS 1/2 bytes count until the acknowledgement although paho has written them
            // long before: they get twice the budget (measured: 1.5x faster at 256 KiB).
            const qint64 byteLimit = request.isAckedPublish() ? 2 * maxBytes : maxBytes;
            if (inFlightCount > 0 && inFlightBytes + request.bytes > byteLimit)
                break;
            if (request.isAckedPublish() && m_inFlightAcked >= ackWindow)
                break;
        }
        m_outbound.pop_front();
        request.queued = false;
        const bool handed = handToPaho(id, request);
        if (!*alive || !handed)
            return;
    }
}

bool ClientPrivate::handToPaho(quint64 id, Request &request)
{
    const bool v5 = isMqtt5();
    MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
    int filterCount = int(request.filters.size());
    Context *context = m_bridge->newContext(id, request.kind, std::max(1, filterCount));
    m_bridge->setCallbacks(response, context, v5);
    int rc = MQTTASYNC_SUCCESS;
    // Count it before the call: a QoS 0 completion can arrive before paho returns.
    request.handedToPaho = true;
    ++inFlightCount;
    inFlightBytes += request.bytes;
    if (request.isAckedPublish())
        ++m_inFlightAcked;
    if (!m_stallWatchdog.isActive())
        m_stallWatchdog.start();

    switch (request.kind) {
    case RequestKind::Publish: {
        const Message &m = request.message;
        // Streams publish to few topics: reuse the last UTF-8 conversion.
        if (m.topic() != m_lastPublishTopic) {
            m_lastPublishTopic = m.topic();
            m_lastPublishTopicUtf8 = m_lastPublishTopic.toUtf8();
        }
        const QByteArray &topic = m_lastPublishTopicUtf8;
        const QByteArray payload = m.payload();
        MQTTAsync_message msg = MQTTAsync_message_initializer;
        msg.payload = const_cast<char *>(payload.constData()); // paho copies it
        msg.payloadlen = int(payload.size());
        msg.qos = m.qos();
        msg.retained = m.isRetained() ? 1 : 0;
        const Properties props = m.properties();
        if (v5 && !props.isEmpty())
            msg.properties = toPaho(props);
        rc = MQTTAsync_sendMessage(m_handle, topic.constData(), &msg, &response);
        // sendMessage aliases response.properties to msg.properties: free once (notes §3).
        MQTTProperties_free(&msg.properties);
        break;
    }
    case RequestKind::Subscribe: {
        const auto &subs = request.subscriptions;
        QList<QByteArray> filters;
        std::vector<char *> filterPointers;
        std::vector<int> qos;
        std::vector<MQTTSubscribe_options> subOptions;
        MQTTProperties props = MQTTProperties_initializer;
        for (const auto &[filter, opts] : subs) {
            filters.append(filter.toUtf8());
            qos.push_back(opts.qos());
            MQTTSubscribe_options so = MQTTSubscribe_options_initializer;
            so.noLocal = opts.noLocal() ? 1 : 0;
            so.retainAsPublished = opts.retainAsPublished() ? 1 : 0;
            so.retainHandling = static_cast<unsigned char>(opts.retainHandling());
            subOptions.push_back(so);
        }
        for (QByteArray &f : filters)
            filterPointers.push_back(f.data());
        if (v5) {
            props = toPaho(subs.constFirst().second.properties());
            response.properties = props;
            if (subs.size() == 1)
                response.subscribeOptions = subOptions.front();
            else {
                response.subscribeOptionsList = subOptions.data();
                response.subscribeOptionsCount = int(subOptions.size());
            }
        }
        if (subs.size() == 1) {
            rc = MQTTAsync_subscribe(m_handle, filterPointers.front(), qos.front(), &response);
        } else {
            // Always with response options: v5 subscribeMany without them crashes (notes §3).
            rc = MQTTAsync_subscribeMany(
                m_handle, int(filterPointers.size()), filterPointers.data(), qos.data(), &response);
        }
        MQTTProperties_free(&props);
        break;
    }
    case RequestKind::Unsubscribe: {
        QList<QByteArray> filters;
        std::vector<char *> filterPointers;
        for (const QString &f : request.filters)
            filters.append(f.toUtf8());
        for (QByteArray &f : filters)
            filterPointers.push_back(f.data());
        MQTTProperties props = MQTTProperties_initializer;
        if (v5 && !request.properties.isEmpty()) {
            props = toPaho(request.properties);
            response.properties = props;
        }
        if (filterPointers.size() == 1)
            rc = MQTTAsync_unsubscribe(m_handle, filterPointers.front(), &response);
        else
            rc = MQTTAsync_unsubscribeMany(
                m_handle, int(filterPointers.size()), filterPointers.data(), &response);
        MQTTProperties_free(&props);
        break;
    }
    default:
        Q_UNREACHABLE();
    }

    if (rc != MQTTASYNC_SUCCESS) {
        m_bridge->discardContext(context);
        if (rc == MQTTASYNC_DISCONNECTED) {
            // paho lost the connection and its connectionLost event is on its way to this
            // thread: put the request back in front of the queue. It goes out after the
            // reconnect, or fails with the others when the client gives up.
            takeBackFromPaho(id, request);
            return false;
        }
        finishRequest(id,
            Result(errorForPahoCode(rc),
                QStringLiteral("paho refused the request: %1").arg(pahoText(rc)), rc));
        return true;
    }
    // A large payload is written in pieces, and paho continues a partial write only when its
    // receive thread cycles (once a second when idle): keep it cycling while much is pending.
    if (request.kind == RequestKind::Publish && inFlightBytes >= 64 * 1024)
        PahoWaker::wakeFor(1000 + int(std::min<qint64>(inFlightBytes / 4096, 60000)));
    markStatisticsChanged();
    return true;
}

// ---------------------------------------------------------------------------------------
// Events from paho

void ClientPrivate::customEvent(QEvent *event)
{
    if (int(event->type()) == Bridge::wakeEventType())
        drain();
}

void ClientPrivate::drain()
{
    if (!m_bridge || m_shuttingDown)
        return;
    // The spare vector's capacity goes to the inbox; a nested drain (a user slot running an
    // event loop) finds the spare empty and simply starts without one.
    std::vector<BridgeEvent> events = std::move(m_spareEvents);
    m_bridge->takeEvents(events);
    m_pahoEvents += events.size();
    const quint64 dropped = m_bridge->takeDroppedCount();
    if (dropped) {
        messagesDropped += dropped;
        markStatisticsChanged();
        qCWarning(lcClient) << dropped << "received messages dropped: inbound queue full";
    }
    const auto alive = m_alive;
    for (BridgeEvent &event : events) {
        switch (event.type) {
        case BridgeEvent::Type::Success:
        case BridgeEvent::Type::Failure:
            handleRequestEvent(event);
            break;
        case BridgeEvent::Type::MessageArrived:
            if (!event.dropped && event.message) {
                AllocatorTuning::notePayload(event.message->payload().size());
                ++messagesReceived;
                dispatchMessage(*event.message);
            }
            break;
        case BridgeEvent::Type::ConnectionLost: {
            const QString cause = event.text.isEmpty()
                ? QStringLiteral("the connection to %1 was lost").arg(serverUri)
                : event.text;
            handleConnectionDown(Result(Error::ConnectionLost, cause), true);
            break;
        }
        case BridgeEvent::Type::ServerDisconnect: {
            Result reason(Error::Disconnected,
                QStringLiteral("the broker disconnected: %1").arg(event.text), 0, event.reasonCode);
            if (event.properties)
                ResultAccess::data(reason).properties = *event.properties;
            if (state == Client::State::Connected && !options.automaticReconnect()) {
                handleConnectionDown(reason, false);
            } else {
                // paho reports no connectionLost after a server DISCONNECT (notes §3).
                if (state == Client::State::Connected)
                    Q_EMIT q_ptr->disconnected(reason);
                if (*alive)
                    handleConnectionDown(reason, true);
            }
            break;
        }
        case BridgeEvent::Type::DeliveryComplete:
            if (m_restoredTokens.remove(event.token))
                Q_EMIT q_ptr->restoredPublishCompleted(event.token);
            break;
        }
        if (!*alive)
            return;
    }
    if (messagesReceived && !events.empty())
        markStatisticsChanged();
    events.clear();
    if (events.capacity() <= kMaxSpareEvents && events.capacity() > m_spareEvents.capacity())
        m_spareEvents = std::move(events);
    pump();
}

void ClientPrivate::takeBackFromPaho(quint64 id, Request &request)
{
    request.handedToPaho = false;
    --inFlightCount;
    inFlightBytes -= request.bytes;
    if (request.isAckedPublish())
        --m_inFlightAcked;
    request.queued = true;
    m_outbound.push_front(id);
    markStatisticsChanged();
}

void ClientPrivate::checkPahoProgress()
{
    if (inFlightCount == 0 || !m_handle || m_shuttingDown) {
        m_stallWatchdog.stop(); // idle: no timer while nothing is in paho
        m_fruitlessKicks = 0;
        m_stallWatchdog.setInterval(kStallCheckMs);
        return;
    }
    const bool progressed = m_pahoEvents != m_pahoEventsAtLastCheck;
    m_pahoEventsAtLastCheck = m_pahoEvents;
    if (progressed) {
        if (m_fruitlessKicks != 0) {
            m_fruitlessKicks = 0;
            m_stallWatchdog.setInterval(kStallCheckMs);
        }
        return;
    }
    // Nothing came back for a whole interval with requests in paho: its send thread may be
    // asleep with work queued (lost wake-up), or its receive thread in its 1 s poll() with a
    // partial write pending. Both kicks are harmless when paho was merely waiting. Offline
    // (publishes handed to paho for persistence) there is nothing to kick: only back off.
    if (state == Client::State::Connected) {
        PahoWaker::kickSendThread();
        PahoWaker::wake();
    }
    if (m_fruitlessKicks < kMaxStallBackoffShift)
        m_stallWatchdog.setInterval(kStallCheckMs << ++m_fruitlessKicks);
}

void ClientPrivate::handleRequestEvent(BridgeEvent &event)
{
    const bool success = event.type == BridgeEvent::Type::Success;
    if (event.kind == RequestKind::Connect) {
        // Only the newest attempt counts; a context of an older attempt may still fire.
        if (success)
            handleConnectSuccess(event);
        else
            handleConnectFailure(event);
        return;
    }
    if (event.kind == RequestKind::Disconnect) {
        if (state == Client::State::Disconnecting)
            finishDisconnect(Result());
        return;
    }
    auto it = m_requests.find(event.requestId);
    if (it == m_requests.end())
        return; // finished already (timeout, connection loss): late results are ignored
    Request &request = it->second;

    Result result;
    ResultData &d = ResultAccess::data(result);
    d.pahoCode = event.code;
    d.reasonCode = event.reasonCode;
    d.filters = request.filters;
    d.reasonCodes = event.reasonCodes;
    if (event.properties)
        d.properties = *event.properties;
    if (request.kind == RequestKind::Publish) {
        d.messageId = event.token;
        d.topic = request.message.topic();
        if (success && request.message.qos() > 0)
            m_resendGuard.progressed();
    }

    if (success) {
        if (request.kind == RequestKind::Subscribe) {
            const auto failed = std::find_if(
                d.reasonCodes.cbegin(), d.reasonCodes.cend(), [](int c) { return c >= 0x80; });
            if (failed != d.reasonCodes.cend()) {
                d.error = Error::Refused;
                d.reasonCode = *failed;
                d.errorString = QStringLiteral("the broker refused the subscription: %1")
                                    .arg(reasonText(*failed));
            }
            // Remember what the broker granted, for a reconnect without session.
            for (qsizetype i = 0; i < request.subscriptions.size(); ++i) {
                if (d.reasonCodes.value(i, 0x80) >= 0x80)
                    continue;
                const auto &sub = request.subscriptions.at(i);
                m_subscriptions.removeIf([&sub](const QPair<QString, SubscribeOptions> &s) {
                    return s.first == sub.first;
                });
                m_subscriptions.append(sub);
            }
        } else if (request.kind == RequestKind::Unsubscribe) {
            const auto failed = std::find_if(
                d.reasonCodes.cbegin(), d.reasonCodes.cend(), [](int c) { return c >= 0x80; });
            if (failed != d.reasonCodes.cend()) {
                d.error = Error::Refused;
                d.reasonCode = *failed;
                d.errorString = QStringLiteral("the broker refused the unsubscribe: %1")
                                    .arg(reasonText(*failed));
            }
        } else if (event.reasonCode >= 0x80) {
            d.error = Error::Refused;
            d.errorString = QStringLiteral("the broker refused the publish: %1")
                                .arg(reasonText(event.reasonCode));
        }
    } else if (event.code == 0) {
        // An MQTT 5 refusal (PUBACK/PUBREC/SUBACK reason >= 0x80, notes §3).
        d.error = Error::Refused;
        d.errorString = QStringLiteral("the broker refused the request: %1")
                            .arg(reasonText(event.reasonCode));
    } else if (event.code == MQTTASYNC_OPERATION_INCOMPLETE
        || (event.code == MQTTASYNC_FAILURE && event.token == 0)) {
        // -11: paho dropped it at a connection loss; -1 with no token: a socket write failed.
        d.error = Error::ConnectionLost;
        d.errorString = QStringLiteral("the connection was lost before the broker confirmed it");
    } else {
        d.error = errorForPahoCode(event.code);
        d.errorString = event.text.isEmpty() ? pahoText(event.code) : event.text;
        // paho reports a v3.1.1 single-filter SUBACK 0x80 as onFailure with code 0x80
        // (MQTT_BAD_SUBSCRIBE), not with MQTTASYNC_FAILURE.
        if (event.code == MQTT_BAD_SUBSCRIBE && request.kind == RequestKind::Subscribe
            && !isMqtt5()) {
            d.error = Error::Refused; // v3.1.1 SUBACK 0x80
            d.reasonCode = 0x80;
            d.reasonCodes = { 0x80 };
            d.errorString = QStringLiteral("the broker refused the subscription (SUBACK 0x80)");
        }
    }
    // -1 with no token for a QoS 1/2 publish: its socket write failed, and paho has just
    // freed memory its session still refers to (PahoQuarantine). Abandon that session now,
    // before a reconnect could re-send the garbage.
    if (!success && request.isAckedPublish() && event.code == MQTTASYNC_FAILURE
        && event.token == 0) {
        const auto alive = m_alive;
        abandonPahoSession(Abandon::BrokenWrite, event.requestId);
        if (!*alive)
            return;
        // paho's own report of the loss went to the parked handle's bridge: report it here.
        if (state == Client::State::Connected || state == Client::State::Disconnecting)
            handleConnectionDown(
                Result(Error::ConnectionLost, QStringLiteral("a write to the broker failed")),
                true);
        else if (state == Client::State::Connecting || state == Client::State::Reconnecting)
            m_reconnectTimer.start(0); // the attempt ran on the parked handle: start anew
        return;
    }
    const bool internal = !request.promise;
    if (internal && !result.isOk())
        qCWarning(lcClient) << "restoring subscription" << request.filters
                            << "failed:" << result.errorString();
    finishRequest(event.requestId, result);
    if (internal && !result.isOk())
        Q_EMIT q_ptr->errorOccurred(result);
}

// ---------------------------------------------------------------------------------------
// request(): MQTT 5 request/response over a response topic and correlation data

namespace {
Message failedResponse(const QString &why)
{
    Message m;
    Properties p;
    p.setReasonString(why);
    m.setProperties(p);
    return m;
}
} // namespace

QFuture<Message> ClientPrivate::request(
    const QString &topic, const QByteArray &payload, int qos, int timeoutMs)
{
    const auto fail = [](const QString &why) { return finished(failedResponse(why)); };
    if (m_shuttingDown)
        return fail(QStringLiteral("the client is being destroyed"));
    if (state != Client::State::Connected)
        return fail(QStringLiteral("not connected"));
    if (!isMqtt5())
        return fail(QStringLiteral("request/response needs MQTT 5 (response topic and "
                                   "correlation data)"));
    const QString topicError = Topic::nameError(topic);
    if (!topicError.isEmpty())
        return fail(topicError);
    if (qos < 0 || qos > 2)
        return fail(QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(qos));

    if (m_responseTopic.isEmpty()) {
        const auto info = lastConnect.properties().responseInformation();
        m_responseTopic = info && !info->isEmpty() && Topic::isValidName(*info)
            ? *info
            : QStringLiteral("qpaho/response/") + clientId;
        m_responseSubscribed = false;
        // A QFuture keeps one continuation: this one releases every request waiting for it.
        subscribe({ { m_responseTopic, SubscribeOptions(1) } })
            .then(this, [this](const SubscribeResult &sub) {
                const auto waiting = std::exchange(m_waitingForResponseTopic, {});
                if (!sub)
                    m_responseTopic.clear(); // try again with the next request
                m_responseSubscribed = sub.isOk();
                for (const auto &[correlation, message] : waiting) {
                    if (!sub)
                        finishResponse(correlation,
                            failedResponse(QStringLiteral("could not subscribe to "
                                                          "the response topic: ")
                                + sub.errorString()));
                    else
                        publishRequest(correlation, message);
                }
            });
    }

    const QByteArray correlation
        = clientId.toUtf8() + '/' + QByteArray::number(m_nextCorrelation++);
    auto promise = std::make_shared<QPromise<Message>>();
    promise->start();
    QFuture<Message> future = promise->future();
    PendingResponse pending;
    pending.promise = promise;
    pending.timer = new QTimer(this);
    pending.timer->setSingleShot(true);
    connect(pending.timer, &QTimer::timeout, this, [this, correlation] {
        finishResponse(
            correlation, failedResponse(QStringLiteral("no response within the timeout")));
    });
    pending.timer->start(std::max(0, timeoutMs));
    m_pendingResponses.emplace(correlation, pending);

    Message message(topic, payload, qos);
    Properties props;
    props.setResponseTopic(m_responseTopic);
    props.setCorrelationData(correlation);
    message.setProperties(props);
    // Publish once the response subscription is in place, so the answer cannot be missed.
    if (m_responseSubscribed)
        publishRequest(correlation, message);
    else
        m_waitingForResponseTopic.emplace_back(correlation, message);
    return future;
}

void ClientPrivate::publishRequest(const QByteArray &correlation, const Message &message)
{
    if (!m_pendingResponses.count(correlation))
        return; // timed out meanwhile
    publish(message).then(this, [this, correlation](const PublishResult &published) {
        if (!published)
            finishResponse(correlation, failedResponse(published.errorString()));
    });
}

void ClientPrivate::finishResponse(const QByteArray &correlation, const Message &message)
{
    auto it = m_pendingResponses.find(correlation);
    if (it == m_pendingResponses.end())
        return;
    PendingResponse pending = it->second;
    m_pendingResponses.erase(it);
    pending.timer->deleteLater();
    pending.promise->addResult(message);
    pending.promise->finish();
}

bool ClientPrivate::takeResponse(const Message &message)
{
    if (m_pendingResponses.empty() || message.topic() != m_responseTopic)
        return false;
    const auto correlation = message.properties().correlationData();
    if (!correlation || !m_pendingResponses.count(*correlation))
        return false;
    finishResponse(*correlation, message);
    return true;
}

// ---------------------------------------------------------------------------------------
// Message handlers

void ClientPrivate::dispatchMessage(const Message &message)
{
    const auto alive = m_alive;
    Q_EMIT q_ptr->messageReceived(message);
    if (!*alive)
        return;
    if (takeResponse(message))
        return; // the answer to a request(): its future got it, handlers do not
    ++m_dispatchDepth;
    QThread *const here = QThread::currentThread();
    // Handlers added while dispatching see the next message, not this one.
    const size_t count = m_handlers.size();
    const QString topic = message.topic();
    // The subscriptions this copy was sent for, when the broker said so (MQTT 5).
    QStringList routedFilters;
    bool routed = false;
    if (!m_subscriptionIdFilters.empty()) {
        for (const quint32 id : message.properties().subscriptionIdentifiers()) {
            const auto it = m_subscriptionIdFilters.find(id);
            if (it != m_subscriptionIdFilters.end()) {
                routed = true;
                routedFilters += it->second;
            }
        }
    }
    for (size_t i = 0; i < count; ++i) {
        Handler &h = m_handlers[i];
        if (!h.active || !h.context || !Topic::matches(h.filter, topic))
            continue;
        // A handler for one of the identified subscriptions takes only the copies sent for
        // it; any other handler goes by topic matching alone.
        if (routed && m_identifiedFilters.contains(h.filter) && !routedFilters.contains(h.filter))
            continue;
        if (h.context->thread() == here) {
            const auto function = h.function; // the handler may remove itself
            function(message);
            if (!*alive)
                return;
        } else {
            // Like a queued connection: run in the context's thread, dropped with it.
            QMetaObject::invokeMethod(
                const_cast<QObject *>(h.context.data()),
                [function = h.function, message] { function(message); }, Qt::QueuedConnection);
        }
    }
    if (--m_dispatchDepth == 0 && m_handlersNeedCompaction)
        compactHandlers();
}

Client::HandlerId ClientPrivate::addHandler(
    const QString &filter, const QObject *context, std::function<void(const Message &)> handler)
{
    if (!context || !handler || !Topic::isValidFilter(filter)) {
        qCWarning(lcClient) << "addMessageHandler: invalid filter or null context/handler:"
                            << filter;
        return 0;
    }
    Handler h;
    h.id = m_nextHandlerId++;
    h.filter = filter;
    h.context = context;
    h.function = std::move(handler);
    const Client::HandlerId id = h.id;
    h.destroyedConnection
        = connect(context, &QObject::destroyed, this, [this, id] { removeHandler(id); });
    m_handlers.push_back(std::move(h));
    return id;
}

bool ClientPrivate::removeHandler(Client::HandlerId id)
{
    for (Handler &h : m_handlers) {
        if (h.id == id && h.active) {
            h.active = false;
            disconnect(h.destroyedConnection);
            if (m_dispatchDepth > 0)
                m_handlersNeedCompaction = true;
            else
                compactHandlers();
            return true;
        }
    }
    return false;
}

int ClientPrivate::removeHandlers(const QString &filter)
{
    std::vector<Client::HandlerId> ids;
    for (const Handler &h : m_handlers) {
        if (h.active && h.filter == filter)
            ids.push_back(h.id);
    }
    for (auto id : ids)
        removeHandler(id);
    return int(ids.size());
}

void ClientPrivate::compactHandlers()
{
    m_handlersNeedCompaction = false;
    m_handlers.erase(std::remove_if(m_handlers.begin(), m_handlers.end(),
                         [](const Handler &h) { return !h.active; }),
        m_handlers.end());
}

// ---------------------------------------------------------------------------------------
// Destruction

void ClientPrivate::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_reconnectTimer.stop();
    m_timeoutTimer.stop();
    m_disconnectGuard.stop();
    m_statisticsTimer.stop();
    m_stallWatchdog.stop();
    for (Handler &h : m_handlers)
        disconnect(h.destroyedConnection);
    m_handlers.clear();
    destroyHandle(); // fails what paho held with ClientDestroyed
    while (!m_pendingResponses.empty())
        finishResponse(m_pendingResponses.begin()->first,
            failedResponse(QStringLiteral("the client was destroyed")));
    m_connectRequestId = 0;
    m_disconnectRequestId = 0;
    failRequests([](const Request &) { return true; }, Error::ClientDestroyed,
        QStringLiteral("the client was destroyed"));
    *m_alive = false;
    m_bridge.reset();
}

} // namespace QPaho
