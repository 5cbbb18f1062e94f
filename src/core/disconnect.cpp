// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// disconnectFromHost(): the DISCONNECT, its guard timer (paho may never complete it), and the
// end of a connection the user asked to close.

#include "core/client_p.h"

#include "common/logging_p.h"
#include "paho/pahoerrors_p.h"
#include "values/properties_p.h"

namespace QPaho {

using namespace Internal;

namespace {

// Time a DISCONNECT may take before QPaho closes the handle itself: paho queues a user
// DISCONNECT behind pending publishes and may never complete it (notes §2).
constexpr int kDisconnectGuardMs = 10000;

} // namespace

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

    const int rc = m_paho->disconnect(id, reasonCode, props, isMqtt5());
    if (rc != PahoCode::Success) {
        // paho says we are not connected: treat it as done.
        qCDebug(lcClient) << "paho refused the DISCONNECT:" << pahoText(rc);
        finishDisconnect(Result());
        return;
    }
    m_disconnectGuard.start(kDisconnectGuardMs);
}

void ClientPrivate::finishDisconnect(const Result &reason)
{
    const auto alive = m_alive;
    m_disconnectGuard.stop();
    m_paho->connectionDown();
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

} // namespace QPaho
