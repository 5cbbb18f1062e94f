// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Requests in paho's terms: PUBLISH, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT turned into
// MQTTAsync calls with the Bridge's callbacks. Each returns paho's code; on anything but success
// no callback will come, so the Bridge context is dropped here. What a refusal means for the
// request (retry, fail) is the core's decision.

#include "paho/pahoclientsession_p.h"

#include "paho/pahoproperties_p.h"

#include <algorithm>

namespace QPaho::Internal {

namespace {

/*! UTF-8 copies of topic filters and the char * array paho wants (it copies them). */
struct FilterArray
{
    explicit FilterArray(const QStringList &filters)
    {
        utf8.reserve(filters.size());
        for (const QString &f : filters)
            utf8.append(f.toUtf8());
        for (QByteArray &f : utf8)
            pointers.push_back(f.data());
    }
    int count() const { return int(pointers.size()); }

    QList<QByteArray> utf8;
    std::vector<char *> pointers;
};

} // namespace

int PahoClientSession::publish(quint64 requestId, const Message &message, bool mqtt5)
{
    if (!m_handle)
        return MQTTASYNC_FAILURE;
    MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
    Context *context = m_bridge->newContext(requestId, RequestKind::Publish);
    m_bridge->setCallbacks(response, context, mqtt5);
    // Streams publish to few topics: reuse the last UTF-8 conversion.
    if (message.topic() != m_lastPublishTopic) {
        m_lastPublishTopic = message.topic();
        m_lastPublishTopicUtf8 = m_lastPublishTopic.toUtf8();
    }
    const QByteArray payload = message.payload();
    MQTTAsync_message msg = MQTTAsync_message_initializer;
    msg.payload = const_cast<char *>(payload.constData()); // paho copies it
    msg.payloadlen = int(payload.size());
    msg.qos = message.qos();
    msg.retained = message.isRetained() ? 1 : 0;
    const Properties props = message.properties();
    if (mqtt5 && !props.isEmpty())
        msg.properties = toPaho(props);
    const int rc
        = MQTTAsync_sendMessage(m_handle, m_lastPublishTopicUtf8.constData(), &msg, &response);
    // sendMessage aliases response.properties to msg.properties: free once (notes §3). Without
    // properties there is nothing to free, and every paho call takes paho's global trace lock.
    if (msg.properties.array)
        MQTTProperties_free(&msg.properties);
    if (rc != MQTTASYNC_SUCCESS)
        m_bridge->discardContext(context);
    return rc;
}

int PahoClientSession::subscribe(
    quint64 requestId, const QList<QPair<QString, SubscribeOptions>> &subscriptions, bool mqtt5)
{
    if (!m_handle)
        return MQTTASYNC_FAILURE;
    QStringList filterNames;
    std::vector<int> qos;
    std::vector<MQTTSubscribe_options> subOptions;
    for (const auto &[filter, opts] : subscriptions) {
        filterNames.append(filter);
        qos.push_back(opts.qos());
        MQTTSubscribe_options so = MQTTSubscribe_options_initializer;
        so.noLocal = opts.noLocal() ? 1 : 0;
        so.retainAsPublished = opts.retainAsPublished() ? 1 : 0;
        so.retainHandling = static_cast<unsigned char>(opts.retainHandling());
        subOptions.push_back(so);
    }
    FilterArray filters(filterNames);
    MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
    Context *context = m_bridge->newContext(requestId, RequestKind::Subscribe, filters.count());
    m_bridge->setCallbacks(response, context, mqtt5);
    MQTTProperties props = MQTTProperties_initializer;
    if (mqtt5) {
        props = toPaho(subscriptions.constFirst().second.properties());
        response.properties = props;
        if (filters.count() == 1) {
            response.subscribeOptions = subOptions.front();
        } else {
            response.subscribeOptionsList = subOptions.data();
            response.subscribeOptionsCount = int(subOptions.size());
        }
    }
    int rc = MQTTASYNC_SUCCESS;
    if (filters.count() == 1) {
        rc = MQTTAsync_subscribe(m_handle, filters.pointers.front(), qos.front(), &response);
    } else {
        // Always with response options: v5 subscribeMany without them crashes (notes §3).
        rc = MQTTAsync_subscribeMany(
            m_handle, filters.count(), filters.pointers.data(), qos.data(), &response);
    }
    MQTTProperties_free(&props);
    if (rc != MQTTASYNC_SUCCESS)
        m_bridge->discardContext(context);
    return rc;
}

int PahoClientSession::unsubscribe(
    quint64 requestId, const QStringList &filterNames, const Properties &properties, bool mqtt5)
{
    if (!m_handle)
        return MQTTASYNC_FAILURE;
    FilterArray filters(filterNames);
    MQTTAsync_responseOptions response = MQTTAsync_responseOptions_initializer;
    Context *context
        = m_bridge->newContext(requestId, RequestKind::Unsubscribe, std::max(1, filters.count()));
    m_bridge->setCallbacks(response, context, mqtt5);
    MQTTProperties props = MQTTProperties_initializer;
    if (mqtt5 && !properties.isEmpty()) {
        props = toPaho(properties);
        response.properties = props;
    }
    int rc = MQTTASYNC_SUCCESS;
    if (filters.count() == 1)
        rc = MQTTAsync_unsubscribe(m_handle, filters.pointers.front(), &response);
    else
        rc = MQTTAsync_unsubscribeMany(
            m_handle, filters.count(), filters.pointers.data(), &response);
    MQTTProperties_free(&props);
    if (rc != MQTTASYNC_SUCCESS)
        m_bridge->discardContext(context);
    return rc;
}

int PahoClientSession::disconnect(
    quint64 requestId, int reasonCode, const Properties &properties, bool mqtt5)
{
    if (!m_handle)
        return MQTTASYNC_FAILURE;
    MQTTAsync_disconnectOptions dc;
    if (mqtt5) {
        MQTTAsync_disconnectOptions init5 = MQTTAsync_disconnectOptions_initializer5;
        dc = init5;
        dc.reasonCode = MQTTReasonCodes(reasonCode);
    } else {
        MQTTAsync_disconnectOptions init = MQTTAsync_disconnectOptions_initializer;
        dc = init;
    }
    dc.timeout = 0;
    MQTTProperties props = MQTTProperties_initializer;
    if (mqtt5 && !properties.isEmpty()) {
        props = toPaho(properties);
        dc.properties = props;
    }
    Context *context = m_bridge->newContext(requestId, RequestKind::Disconnect);
    m_bridge->setCallbacks(dc, context, mqtt5);
    const int rc = MQTTAsync_disconnect(m_handle, &dc);
    MQTTProperties_free(&props);
    if (rc != MQTTASYNC_SUCCESS)
        m_bridge->discardContext(context);
    return rc;
}

} // namespace QPaho::Internal
