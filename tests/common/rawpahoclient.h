// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A raw paho.mqtt.c MQTTAsync client, for the suites that compare QPaho with paho itself or set
// paho's own behaviour up (they link paho-mqtt3as).
#pragma once

#include "common/brokerfixture.h"

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <MQTTAsync.h>

#include <atomic>
#include <chrono>
#include <mutex>

namespace QPahoTest {

inline qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// One raw paho client (MQTT 3.1.1, clean session, no persistence). Not movable: paho's
// callbacks hold its address until MQTTAsync_destroy() in the destructor.
class RawClient
{
public:
    RawClient(const QString &uri, const QString &clientId)
    {
        MQTTAsync_createOptions options = MQTTAsync_createOptions_initializer;
        options.MQTTVersion = MQTTVERSION_3_1_1;
        if (MQTTAsync_createWithOptions(&m_handle, uri.toUtf8().constData(),
                clientId.toUtf8().constData(), MQTTCLIENT_PERSISTENCE_NONE, nullptr, &options)
            != MQTTASYNC_SUCCESS)
            m_handle = nullptr;
    }
    ~RawClient() { destroy(); }
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;

    void destroy()
    {
        if (m_handle)
            MQTTAsync_destroy(&m_handle); // after it returns no callback reaches this object
        m_handle = nullptr;
    }

    bool startConnect()
    {
        if (!m_handle)
            return false;
        MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
        options.MQTTVersion = MQTTVERSION_3_1_1;
        options.keepAliveInterval = 60;
        options.cleansession = 1;
        options.connectTimeout = 10;
        options.onSuccess = [](void *context, MQTTAsync_successData *) {
            auto *self = static_cast<RawClient *>(context);
            self->m_connectedNs.store(nowNs());
            self->m_connectState.store(1);
        };
        options.onFailure = [](void *context, MQTTAsync_failureData *data) {
            auto *self = static_cast<RawClient *>(context);
            {
                const std::lock_guard lock(self->m_failureMutex);
                self->m_failureCode = data ? data->code : 0;
                self->m_failureMessage = data && data->message ? data->message : "";
            }
            self->m_connectState.store(2);
        };
        options.context = this;
        m_connectState.store(0);
        m_startNs = nowNs();
        return MQTTAsync_connect(m_handle, &options) == MQTTASYNC_SUCCESS;
    }
    bool waitConnected(int timeoutMs = 10000) const
    {
        return waitUntil([this] { return m_connectState.load() != 0; }, timeoutMs)
            && m_connectState.load() == 1;
    }
    // 0 while the connect is pending, 1 after onSuccess, 2 after onFailure.
    int connectState() const { return m_connectState.load(); }
    // What paho's connect onFailure said (code and message).
    int connectFailureCode() const
    {
        const std::lock_guard lock(m_failureMutex);
        return m_failureCode;
    }
    QByteArray connectFailureMessage() const
    {
        const std::lock_guard lock(m_failureMutex);
        return m_failureMessage;
    }
    // From MQTTAsync_connect() to the connect onSuccess callback (on paho's thread).
    qint64 connectMs() const { return (m_connectedNs.load() - m_startNs) / 1'000'000; }

    // Where an asynchronous publish reports back (from paho's threads).
    struct Completion
    {
        std::atomic<int> state { 0 }; // 0 pending, 1 success, 2 failure
        std::atomic<qint64> doneNs { 0 };
        bool waitDone(int timeoutMs = 30000) const
        {
            return waitUntil([this] { return state.load() != 0; }, timeoutMs, 1)
                && state.load() == 1;
        }
    };
    // A publish that does not wait; `done` must outlive it.
    bool startPublish(const QByteArray &topic, const QByteArray &payload, int qos, Completion &done)
    {
        MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
        options.onSuccess = [](void *context, MQTTAsync_successData *) {
            auto *c = static_cast<Completion *>(context);
            c->doneNs.store(nowNs());
            c->state.store(1);
        };
        options.onFailure = [](void *context, MQTTAsync_failureData *) {
            static_cast<Completion *>(context)->state.store(2);
        };
        options.context = &done;
        return MQTTAsync_send(m_handle, topic.constData(), int(payload.size()), payload.constData(),
                   qos, 0, &options)
            == MQTTASYNC_SUCCESS;
    }

    // A QoS 1 publish; true when its PUBACK arrived (paho's receive thread handled it).
    bool publishQos1(const QByteArray &topic, const QByteArray &payload, int timeoutMs = 10000)
    {
        m_publish.state.store(0);
        return startPublish(topic, payload, 1, m_publish) && m_publish.waitDone(timeoutMs);
    }
    qint64 publishedNs() const { return m_publish.doneNs.load(); }

    // A normal DISCONNECT; true when paho reported it done.
    bool disconnect(int timeoutMs = 10000)
    {
        MQTTAsync_disconnectOptions options = MQTTAsync_disconnectOptions_initializer;
        options.onSuccess = [](void *context, MQTTAsync_successData *) {
            static_cast<RawClient *>(context)->m_disconnectState.store(1);
        };
        options.onFailure = [](void *context, MQTTAsync_failureData *) {
            static_cast<RawClient *>(context)->m_disconnectState.store(2);
        };
        options.context = this;
        m_disconnectState.store(0);
        if (MQTTAsync_disconnect(m_handle, &options) != MQTTASYNC_SUCCESS)
            return false;
        return waitUntil([this] { return m_disconnectState.load() != 0; }, timeoutMs)
            && m_disconnectState.load() == 1;
    }

    bool isValid() const { return m_handle != nullptr; }

private:
    MQTTAsync m_handle = nullptr;
    qint64 m_startNs = 0;
    std::atomic<int> m_connectState { 0 }; // 0 pending, 1 success, 2 failure
    std::atomic<qint64> m_connectedNs { 0 };
    mutable std::mutex m_failureMutex; // onFailure writes on paho's thread
    int m_failureCode = 0;
    QByteArray m_failureMessage;
    Completion m_publish;
    std::atomic<int> m_disconnectState { 0 };
};

} // namespace QPahoTest
