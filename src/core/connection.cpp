// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The connection state machine: connect, each attempt, its success or failure, reconnect with
// backoff and failover over the server list, and the reaction to a lost connection. It finishes
// the connect future; everything else it hands to the request table.

#include "core/client_p.h"

#include "api/subscription_p.h"
#include "common/logging_p.h"
#include "paho/pahoerrors_p.h"
#include "values/properties_p.h"
#include "values/result_p.h"

#include <QPaho/topic.h>

#include <QtCore/QRandomGenerator>

#include <algorithm>

namespace QPaho {

using namespace Internal;

namespace {

QString generateClientId()
{
    return QStringLiteral("qpaho-%1")
        .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
}

} // namespace

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
    m_misattributedSocketError.reset();
    m_backoff.reset();
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
        failConnectAttempt(PahoCode::Failure, QStringLiteral("paho could not create a client"));
        return false;
    }
    const QStringList uris = options.serverUris();
    m_uriIndex %= int(uris.size());
    const bool v5 = isMqtt5();
    const QString uri = uris.at(m_uriIndex);
    ConnectAttempt attempt;
    attempt.requestId = m_connectRequestId;
    attempt.options = options;
    attempt.serverUri = uri;
    // After abandonPahoSession() the broker's session must go too: it remembers packet ids
    // of QoS 2 publishes that the new paho handle knows nothing of, and would take a new
    // publish with such an id for a duplicate and drop it.
    attempt.cleanStart = !attemptResumesSession();
    attempt.mqtt5 = v5;
    if (serverUri != uri) { // not on every attempt: a reconnect to the same server changes nothing
        serverUri = uri;
        Q_EMIT q_ptr->serverUriChanged(serverUri);
    }
    qCDebug(lcClient) << "connecting to" << uri << "as" << clientId;
    const int rc = m_paho->connect(attempt);
    if (rc != PahoCode::Success) {
        failConnectAttempt(rc, pahoText(rc));
        return false;
    }
    return true;
}

void ClientPrivate::handleConnectSuccess(const BridgeEvent &event)
{
    m_paho->connectAttemptEnded();
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
    m_misattributedSocketError.reset();
    m_backoff.reset();
    if (wasReconnect) {
        ++reconnectCount;
        markStatisticsChanged();
    }

    m_paho->connected(serverUri, options); // TCP_NODELAY on this connection's socket

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
    m_paho->connectAttemptEnded();
    if (state != Client::State::Connecting && state != Client::State::Reconnecting)
        return; // a late or repeated failure of an attempt that no longer matters
    if (!m_disconnectAfterConnect
        && m_misattributedSocketError.retryAfterFailure(event.code, event.text)) {
        // paho may have blamed this attempt for another connection's error (paho workaround,
        // paho/misattributedsocketerror_p.h): the same attempt again, nothing reported. Not
        // when a disconnect waits for the attempt to end.
        qCDebug(lcClient) << "connect attempt failed with paho's \"socket error\", which may"
                          << "belong to another connection: trying again at once";
        startConnectAttempt();
        return;
    }
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
        m_backoff.setRange(options.minRetryInterval(), options.maxRetryInterval());
        delay = m_backoff.nextDelay();
        m_failedAttemptsInCycle = 0;
    }
    qCDebug(lcReconnect) << "next attempt in" << delay << "ms (attempt"
                         << m_failedAttemptsInCycle + 1 << "of this round, backoff step"
                         << m_backoff.step() << ")";
    m_reconnectTimer.start(delay);
}

void ClientPrivate::handleConnectionDown(const Result &reason, bool lostUnexpectedly)
{
    const auto alive = m_alive;
    m_paho->connectionDown();
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
        m_backoff.reset();
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

} // namespace QPaho
