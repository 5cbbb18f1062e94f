// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The Bridge: the only QPaho code that runs on paho's threads. Each paho callback copies what paho
// hands it into a BridgeEvent, appends it under a mutex and posts one wake event to the owner.
// It must never run user code, emit a signal, finish a future, or block.
#include "paho/bridge_p.h"

#include "paho/pahoproperties_p.h"
#include "values/message_p.h"
#include "values/properties_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>

#include <cstring>
#include <utility>

namespace QPaho::Internal {

namespace {

QString failureText(const char *message, int code)
{
    if (message && *message)
        return QString::fromUtf8(message);
    if (code != 0)
        return QString::fromUtf8(MQTTAsync_strerror(code));
    return {};
}

// The connect part of paho's v3 and v5 success data has the same fields.
template<typename ConnectData>
void readConnect(BridgeEvent &e, const ConnectData &connect)
{
    e.text = QString::fromUtf8(connect.serverURI);
    e.mqttVersion = connect.MQTTVersion;
    e.sessionPresent = connect.sessionPresent != 0;
}

// SUBACK/UNSUBACK codes of a v5 success. For a single filter paho leaves the array
// uninitialised (notes §3): the code is in reasonCode then.
void readReasonCodes(QList<int> &out, int count, const MQTTReasonCodes *codes, int single)
{
    if (count > 1 && codes) {
        for (int i = 0; i < count; ++i)
            out.append(codes[i]);
    } else {
        out.append(single);
    }
}

} // namespace

Bridge::Bridge(QObject *receiver) : m_receiver(receiver) { }

Bridge::~Bridge()
{
    // Only after MQTTAsync_destroy: no paho thread can hold a context any more.
    for (Context *list : { m_contexts, m_spareContexts }) {
        while (list) {
            Context *next = list->next;
            delete list;
            list = next;
        }
    }
}

void Bridge::detach()
{
    {
        std::lock_guard lock(m_mutex);
        m_detached.store(true, std::memory_order_relaxed);
        m_inbox.clear();
    }
    // A callback that decided to wake before this point may be posting right now: wait for it.
    // Any later one takes m_wakeMutex after this and sees m_detached.
    std::lock_guard wakeLock(m_wakeMutex);
}

int Bridge::wakeEventType()
{
    static const int type = QEvent::registerEventType();
    return type;
}

Context *Bridge::newContext(quint64 requestId, RequestKind kind, int filterCount)
{
    std::lock_guard lock(m_mutex);
    // A context from the pool: the owner thread would allocate one per request and paho's
    // receive thread free it, each time contending for the other's malloc arena.
    Context *c = m_spareContexts;
    if (c) {
        m_spareContexts = c->next;
        --m_spareCount;
        *c = Context {};
    } else {
        c = new Context;
    }
    c->bridge = this;
    c->requestId = requestId;
    c->kind = kind;
    c->filterCount = filterCount;
    c->next = m_contexts;
    if (m_contexts)
        m_contexts->prev = c;
    m_contexts = c;
    return c;
}

void Bridge::unlinkLocked(Context *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        m_contexts = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = nullptr;
}

void Bridge::releaseLocked(Context *c)
{
    unlinkLocked(c);
    if (m_spareCount >= kMaxSpareContexts) {
        delete c;
        return;
    }
    c->next = m_spareContexts;
    m_spareContexts = c;
    ++m_spareCount;
}

void Bridge::discardContext(Context *context)
{
    std::lock_guard lock(m_mutex);
    releaseLocked(context);
}

void Bridge::takeEvents(std::vector<BridgeEvent> &out)
{
    out.clear();
    std::lock_guard lock(m_mutex);
    out.swap(m_inbox);
    m_wakePosted = false;
    m_pendingMessages = 0;
    m_oldestCandidate = 0;
}

void Bridge::setInboundLimit(int maxPendingMessages, bool dropOldest)
{
    std::lock_guard lock(m_mutex);
    m_maxPendingMessages = maxPendingMessages;
    m_dropOldest = dropOldest;
}

quint64 Bridge::takeDroppedCount()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_dropped, 0);
}

void Bridge::push(BridgeEvent &&event)
{
    std::unique_lock lock(m_mutex);
    const bool mustWake = pushLocked(std::move(event));
    lock.unlock();
    if (mustWake)
        wake();
}

void Bridge::wake()
{
    std::lock_guard lock(m_wakeMutex);
    if (m_detached.load(std::memory_order_relaxed))
        return; // the receiver may be gone
    // postEvent is thread-safe. A wake that arrives after the owner already took the events is
    // harmless: it finds the inbox empty.
    QCoreApplication::postEvent(m_receiver, new QEvent(QEvent::Type(wakeEventType())));
}

bool Bridge::pushLocked(BridgeEvent &&event)
{
    if (m_detached.load(std::memory_order_relaxed))
        return false; // the owner has decided every outcome already, and may be gone
    if (event.type == BridgeEvent::Type::MessageArrived) {
        if (m_maxPendingMessages > 0 && m_pendingMessages >= m_maxPendingMessages) {
            ++m_dropped;
            if (!m_dropOldest)
                return false; // reject the newest: this message is not queued
            // Drop the oldest queued message: release its payload, keep a tombstone so
            // the order of the other events is untouched.
            for (; m_oldestCandidate < m_inbox.size(); ++m_oldestCandidate) {
                BridgeEvent &old = m_inbox[m_oldestCandidate];
                if (old.type == BridgeEvent::Type::MessageArrived && !old.dropped) {
                    old.dropped = true;
                    old.message.reset();
                    --m_pendingMessages;
                    break;
                }
            }
        }
        ++m_pendingMessages;
    }
    m_inbox.push_back(std::move(event));
    // One wake per burst: m_wakePosted stays set until the owner takes the events.
    return !std::exchange(m_wakePosted, true);
}

void Bridge::finishContext(Context *context, BridgeEvent &&event)
{
    // A new connection starts with no inbound topic aliases. Connect results arrive on
    // paho's receive thread, like every message, so this needs no lock.
    if (context->kind == RequestKind::Connect && event.type == BridgeEvent::Type::Success)
        m_inboundAliases.clear();
    event.requestId = context->requestId;
    event.kind = context->kind;
    std::unique_lock lock(m_mutex);
    // A connect context stays alive: paho may call its onFailure again (notes §2).
    const bool release = context->kind != RequestKind::Connect;
    const bool mustWake = pushLocked(std::move(event));
    if (release)
        releaseLocked(context);
    lock.unlock();
    if (mustWake)
        wake();
}

void Bridge::installClientCallbacks(MQTTAsync handle, bool wantDeliveryComplete)
{
    MQTTAsync_setCallbacks(handle, this, &Bridge::onConnectionLost, &Bridge::onMessageArrived,
        wantDeliveryComplete ? &Bridge::onDeliveryComplete : nullptr);
    MQTTAsync_setDisconnected(handle, this, &Bridge::onDisconnected);
}

void Bridge::onSuccess3(void *context, MQTTAsync_successData *data)
{
    auto *c = static_cast<Context *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::Success;
    if (data) {
        e.token = data->token;
        switch (c->kind) {
        case RequestKind::Connect:
            readConnect(e, data->alt.connect);
            break;
        case RequestKind::Subscribe:
            if (c->filterCount <= 1) {
                e.reasonCodes.append(data->alt.qos);
            } else if (data->alt.qosList) {
                for (int i = 0; i < c->filterCount; ++i)
                    e.reasonCodes.append(data->alt.qosList[i]);
            }
            break;
        default:
            break;
        }
    }
    c->bridge->finishContext(c, std::move(e));
}

void Bridge::onSuccess5(void *context, MQTTAsync_successData5 *data)
{
    auto *c = static_cast<Context *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::Success;
    if (data) {
        e.token = data->token;
        e.reasonCode = data->reasonCode;
        // For a publish paho passes back the PUBLISH's own properties here, not the
        // PUBACK's/PUBCOMP's: they are not the broker's, so they are not reported.
        if (data->properties.count > 0 && c->kind != RequestKind::Publish)
            e.properties = fromPaho(&data->properties);
        switch (c->kind) {
        case RequestKind::Connect:
            readConnect(e, data->alt.connect);
            break;
        case RequestKind::Subscribe:
            readReasonCodes(e.reasonCodes, data->alt.sub.reasonCodeCount, data->alt.sub.reasonCodes,
                data->reasonCode);
            break;
        case RequestKind::Unsubscribe:
            readReasonCodes(e.reasonCodes, data->alt.unsub.reasonCodeCount,
                data->alt.unsub.reasonCodes, data->reasonCode);
            break;
        default:
            break;
        }
    }
    c->bridge->finishContext(c, std::move(e));
}

void Bridge::onFailure3(void *context, MQTTAsync_failureData *data)
{
    auto *c = static_cast<Context *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::Failure;
    if (data) {
        e.token = data->token;
        e.code = data->code;
        e.text = failureText(data->message, data->code);
        // v3.1.1 CONNACK refusals arrive as code 1..5 (the CONNACK return code).
        if (c->kind == RequestKind::Connect && data->code > 0 && data->code <= 5)
            e.reasonCode = data->code;
    }
    c->bridge->finishContext(c, std::move(e));
}

void Bridge::onFailure5(void *context, MQTTAsync_failureData5 *data)
{
    auto *c = static_cast<Context *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::Failure;
    if (data) {
        e.token = data->token;
        e.code = data->code;
        e.text = failureText(data->message, data->code);
        // When code != 0 paho may leave reasonCode and properties uninitialised (notes §3).
        if (data->code == 0) {
            e.reasonCode = data->reasonCode;
            if (data->properties.count > 0)
                e.properties = fromPaho(&data->properties);
            e.reasonCodes.append(data->reasonCode);
        }
    }
    c->bridge->finishContext(c, std::move(e));
}

int Bridge::onMessageArrived(
    void *context, char *topicName, int topicLen, MQTTAsync_message *message)
{
    auto *bridge = static_cast<Bridge *>(context);
    // topicLen is strlen for direct deliveries and 0 for redeliveries (notes §1).
    const qsizetype length = topicLen > 0 ? topicLen : qsizetype(std::strlen(topicName));
    const QByteArrayView topicUtf8(topicName, length);
    if (topicUtf8 != QByteArrayView(bridge->m_lastTopicUtf8)) {
        bridge->m_lastTopicUtf8 = topicUtf8.toByteArray();
        bridge->m_lastTopic = fromMqttUtf8(topicUtf8.data(), int(topicUtf8.size()));
    }
    QString topic = bridge->m_lastTopic;
    // paho does not resolve topic aliases the broker sends (notes §3): keep the map here,
    // on paho's receive thread, so a message dropped later cannot lose a mapping.
    if (message->properties.count > 0
        && MQTTProperties_hasProperty(&message->properties, MQTTPROPERTY_CODE_TOPIC_ALIAS)) {
        const auto alias = quint32(
            MQTTProperties_getNumericValue(&message->properties, MQTTPROPERTY_CODE_TOPIC_ALIAS));
        if (topic.isEmpty())
            topic = bridge->m_inboundAliases.value(alias);
        else
            bridge->m_inboundAliases.insert(alias, topic);
    }

    BridgeEvent e;
    e.type = BridgeEvent::Type::MessageArrived;
    Message m;
    m.setTopic(topic);
    m.setPayload(QByteArray(static_cast<const char *>(message->payload), message->payloadlen));
    m.setQos(message->qos);
    m.setRetained(message->retained != 0);
    m.setDuplicate(message->dup != 0);
    m.setMessageId(message->msgid);
    if (message->properties.count > 0)
        m.setProperties(fromPaho(&message->properties));
    e.message = std::move(m);

    MQTTAsync_freeMessage(&message);
    MQTTAsync_free(topicName);
    bridge->push(std::move(e));
    return 1; // always: returning 0 is not backpressure in paho (notes §1)
}

void Bridge::onConnectionLost(void *context, char *cause)
{
    auto *bridge = static_cast<Bridge *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::ConnectionLost;
    e.text = cause ? QString::fromUtf8(cause) : QString();
    if (cause)
        MQTTAsync_free(cause);
    bridge->push(std::move(e));
}

void Bridge::onDisconnected(
    void *context, MQTTProperties *properties, enum MQTTReasonCodes reasonCode)
{
    auto *bridge = static_cast<Bridge *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::ServerDisconnect;
    e.reasonCode = int(reasonCode);
    const char *name = MQTTReasonCode_toString(reasonCode);
    e.text = name ? QString::fromUtf8(name) : QString();
    if (properties && properties->count > 0)
        e.properties = fromPaho(properties);
    bridge->push(std::move(e));
}

void Bridge::onDeliveryComplete(void *context, MQTTAsync_token token)
{
    auto *bridge = static_cast<Bridge *>(context);
    BridgeEvent e;
    e.type = BridgeEvent::Type::DeliveryComplete;
    e.token = token;
    bridge->push(std::move(e));
}

} // namespace QPaho::Internal
