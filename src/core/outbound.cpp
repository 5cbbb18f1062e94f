// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The outbound queue: QPaho's own ordered queue of requests not yet handed to paho, offline
// buffering with its bound, the budgets (requests, bytes, QoS 1/2 window) that decide what goes
// to paho now, and the stall watchdog while paho holds requests.

#include "core/client_p.h"

#include "common/logging_p.h"
#include "paho/allocatortuning_p.h"
#include "paho/pahoerrors_p.h"
#include "paho/pahowaker_p.h"
#include "values/properties_p.h"

#include <QPaho/topic.h>

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

} // namespace QPaho
