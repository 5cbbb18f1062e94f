// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The outbound queue: QPaho's own ordered queue of requests not yet handed to paho, offline
// buffering with its bound, the budgets (requests, bytes, QoS 1/2 window) that decide what goes
// to paho now, and the stall watchdog while paho holds requests.

#include "core/client_p.h"

#include "common/logging_p.h"
#include "paho/allocatortuning_p.h"
#include "paho/pahoerrors_p.h"
#include "values/properties_p.h"
#include "values/topic_p.h"

#include <algorithm>

namespace QPaho {

using namespace Internal;

namespace {

// MQTT's Remaining Length is at most 268,435,455 bytes (variable byte integer).
constexpr qint64 kMaxRemainingLength = 268435455;

} // namespace

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

QFuture<PublishResult> ClientPrivate::publish(const Message &message)
{
    const auto fail
        = [](Error e, const QString &t) { return finished(PublishResult(Result(e, t))); };
    if (m_shuttingDown)
        return fail(Error::ClientDestroyed, QStringLiteral("the client is being destroyed"));
    // Streams publish to few topics: the last valid one is not checked again.
    qint64 topicBytes = m_lastValidTopicBytes;
    if (message.topic().isEmpty() || message.topic() != m_lastValidTopic) {
        const QString topicError = topicNameError(message.topic(), &topicBytes);
        if (!topicError.isEmpty())
            return fail(Error::InvalidArgument, topicError);
        m_lastValidTopic = message.topic();
        m_lastValidTopicBytes = topicBytes;
    }
    if (message.qos() < 0 || message.qos() > 2)
        return fail(Error::InvalidArgument,
            QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(message.qos()));
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
    if (!m_paho->hasHandle() || (state != Client::State::Connected && !(persistent && offline)))
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
        request.takenBackWithSession = false;
        const bool handed = handToPaho(id, request);
        if (!*alive || !handed)
            return;
    }
}

bool ClientPrivate::handToPaho(quint64 id, Request &request)
{
    const bool v5 = isMqtt5();
    // Count it before the call: a QoS 0 completion can arrive before paho returns.
    request.handedToPaho = true;
    ++inFlightCount;
    inFlightBytes += request.bytes;
    if (request.isAckedPublish())
        ++m_inFlightAcked;
    if (!m_stallWatchdog.isActive())
        m_stallWatchdog.start();

    int rc = PahoCode::Success;
    switch (request.kind) {
    case RequestKind::Publish:
        rc = m_paho->publish(id, request.message, v5);
        break;
    case RequestKind::Subscribe:
        rc = m_paho->subscribe(id, request.subscriptions, v5);
        break;
    case RequestKind::Unsubscribe:
        rc = m_paho->unsubscribe(id, request.filters, request.properties, v5);
        break;
    default:
        Q_UNREACHABLE();
    }

    if (rc != PahoCode::Success) {
        if (rc == PahoCode::Disconnected) {
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
    if (request.kind == RequestKind::Publish)
        m_paho->largeWritePending(inFlightBytes);
    markStatisticsChanged();
    return true;
}

void ClientPrivate::takeBackFromPaho(quint64 id, Request &request, std::size_t position)
{
    request.handedToPaho = false;
    --inFlightCount;
    inFlightBytes -= request.bytes;
    if (request.isAckedPublish())
        --m_inFlightAcked;
    request.queued = true;
    m_outbound.insert(
        m_outbound.begin() + std::ptrdiff_t(std::min(position, m_outbound.size())), id);
    markStatisticsChanged();
}

void ClientPrivate::checkPahoProgress()
{
    if (inFlightCount == 0 || !m_paho->hasHandle() || m_shuttingDown) {
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
    // Nothing came back for a whole interval with requests in paho: kick its threads (see
    // PahoSession::kickStalled). Offline (publishes handed to paho for persistence) there is
    // nothing to kick: only back off.
    if (state == Client::State::Connected)
        m_paho->kickStalled();
    if (m_fruitlessKicks < kMaxStallBackoffShift)
        m_stallWatchdog.setInterval(kStallCheckMs << ++m_fruitlessKicks);
}

} // namespace QPaho
