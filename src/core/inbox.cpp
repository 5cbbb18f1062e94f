// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The inbox: drains what the Bridge collected on paho's threads, on this thread, in paho's
// order, and turns each event into a finished request, a received message or a state change.

#include "core/client_p.h"

#include "common/logging_p.h"
#include "paho/allocatortuning_p.h"
#include "paho/pahoerrors_p.h"
#include "paho/pahoversion_p.h"
#include "values/result_p.h"

#include <QtCore/QCoreApplication>

#include <algorithm>

namespace QPaho {

using namespace Internal;

namespace {

// A drained event vector is kept for reuse up to this capacity (a burst beyond it is rare).
constexpr std::size_t kMaxSpareEvents = 4096;

/*!
    What a request's future gets for paho's \a event: the broker's answer, a refusal, or
    paho's error in QPaho's words. No side effects.
*/
Result requestResult(const BridgeEvent &event, const ClientPrivate::Request &request, bool mqtt5)
{
    const bool success = event.type == BridgeEvent::Type::Success;
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
    }
    const auto firstRefused = [&d] {
        return std::find_if(
            d.reasonCodes.cbegin(), d.reasonCodes.cend(), [](int c) { return c >= 0x80; });
    };
    if (success) {
        if (request.kind == RequestKind::Subscribe || request.kind == RequestKind::Unsubscribe) {
            const auto failed = firstRefused();
            if (failed != d.reasonCodes.cend()) {
                d.error = Error::Refused;
                d.reasonCode = *failed;
                d.errorString = QStringLiteral("the broker refused the %1: %2")
                                    .arg(request.kind == RequestKind::Subscribe
                                            ? QStringLiteral("subscription")
                                            : QStringLiteral("unsubscribe"),
                                        reasonText(*failed));
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
    } else if (event.code == PahoCode::OperationIncomplete
        || (event.code == PahoCode::Failure && event.token == 0)) {
        // -11: paho dropped it at a connection loss; -1 with no token: a socket write failed.
        d.error = Error::ConnectionLost;
        d.errorString = QStringLiteral("the connection was lost before the broker confirmed it");
    } else if (event.code == PahoCode::BadSubscribe && request.kind == RequestKind::Subscribe
        && !mqtt5) {
        // paho reports a v3.1.1 single-filter SUBACK 0x80 as onFailure with code 0x80
        // (MQTT_BAD_SUBSCRIBE), not with MQTTASYNC_FAILURE.
        d.error = Error::Refused;
        d.reasonCode = 0x80;
        d.reasonCodes = { 0x80 };
        d.errorString = QStringLiteral("the broker refused the subscription (SUBACK 0x80)");
    } else {
        d.error = errorForPahoCode(event.code);
        d.errorString = event.text.isEmpty() ? pahoText(event.code) : event.text;
    }
    return result;
}

} // namespace

void ClientPrivate::customEvent(QEvent *event)
{
    if (int(event->type()) == PahoSession::wakeEventType())
        drain();
}

void ClientPrivate::drain()
{
    if (m_shuttingDown)
        return;
    // The spare vector's capacity goes to the inbox; a nested drain (a user slot running an
    // event loop) finds the spare empty and simply starts without one.
    std::vector<BridgeEvent> events = std::move(m_spareEvents);
    m_paho->takeEvents(events);
    m_pahoEvents += events.size();
    const quint64 dropped = m_paho->takeDroppedCount();
    if (dropped) {
        messagesDropped += dropped;
        markStatisticsChanged();
        qCWarning(lcClient) << dropped << "received messages dropped: inbound queue full";
    }
    const auto alive = m_alive;
    const quint64 generation = m_handleGeneration;
    for (BridgeEvent &event : events) {
        // Once this batch's handle was parked or destroyed (an abandoned session), QPaho has
        // settled what it held and reported the loss: its other reports are stale. Messages it
        // received still count (paho has acknowledged them).
        if (m_handleGeneration != generation && event.type != BridgeEvent::Type::MessageArrived)
            continue;
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
    const Result result = requestResult(event, request, isMqtt5());
    if (success && request.isAckedPublish())
        m_resendGuard.progressed();
    if (request.kind == RequestKind::Subscribe
        && (success || (request.restore && result.error() == Error::Refused)))
        rememberGranted(
            request.subscriptions, ResultAccess::data(result).reasonCodes, request.restore);

    // -1 with no token for a QoS 1/2 publish: its socket write failed, and paho has just
    // freed memory its session still refers to (PahoQuarantine). Abandon that session now,
    // before a reconnect could re-send the garbage. A paho recorded as fixed keeps its session
    // intact (paho/pahoversion_p.h): the failure is then an ordinary connection loss.
    if (!success && request.isAckedPublish() && event.code == PahoCode::Failure && event.token == 0
        && pahoNeeds(Workaround::FailedWriteCorruptsSession)) {
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
    // -11 for a publish of a client that keeps a session: paho dropped its session state,
    // either at a CONNACK without the session (MQTTAsync_completeConnection ->
    // MQTTAsync_cleanSession, before the connect's success) or at the loss of a connection
    // whose session ends with it (MQTT 5 expiry 0, or the clean session after
    // abandonPahoSession(); before connectionLost).
    if (!success && event.code == PahoCode::OperationIncomplete
        && request.kind == RequestKind::Publish && request.handedToPaho
        && (state == Client::State::Connected || state == Client::State::Connecting
            || state == Client::State::Reconnecting)
        && attemptResumesSession()) {
        handlePublishDroppedWithSession(event.requestId, request);
        return;
    }
    const bool restoreFailed = request.restore && !result.isOk();
    if (restoreFailed)
        qCWarning(lcClient) << "restoring subscription" << request.filters
                            << "failed:" << result.errorString();
    const auto alive = m_alive;
    finishRequest(event.requestId, result);
    if (restoreFailed && *alive)
        Q_EMIT q_ptr->errorOccurred(result);
}

} // namespace QPaho
