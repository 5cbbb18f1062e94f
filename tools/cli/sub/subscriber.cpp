// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "subscriber.h"

#include "common/connection.h"
#include "common/messageformat.h"

#include <QPaho/ConnectResult>
#include <QPaho/PublishResult>
#include <QPaho/SubscribeOptions>
#include <QPaho/SubscribeResult>
#include <QPaho/Topic>

#include <cstdio>

namespace QPahoCli {

namespace {
constexpr int MosquittoTimeoutExitCode = 27; // MOSQ_ERR_TIMEOUT
constexpr int DisconnectWithWill = 0x04;
} // namespace

Subscriber::Subscriber(const Config &config, QObject *parent)
    : QObject(parent),
      m_config(config),
      m_clientId(clientIdFor(config)),
      m_random(QRandomGenerator::securelySeeded())
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &Subscriber::onTimeout);
    connect(&m_client, &QPaho::Client::messageReceived, this, &Subscriber::onMessage);
}

void Subscriber::start()
{
    QPaho::ConnectOptions options = connectOptionsFor(m_config);
    // mosquitto_sub's loop reconnects after a connection loss, once a second.
    options.setAutomaticReconnect(true);
    options.setRetryInterval(1000, 1000);
    debugLine(m_config, m_clientId, "sending CONNECT");
    if (m_config.timeoutSeconds > 0)
        m_timeout.start(m_config.timeoutSeconds * 1000);
    m_client.connectToHost(options).then(
        this, [this](const QPaho::ConnectResult &result) { onConnected(result); });
}

void Subscriber::onConnected(const QPaho::ConnectResult &result)
{
    if (m_finishing)
        return;
    if (!result) {
        m_finishing = true;
        Q_EMIT finished(reportConnectFailure(m_config, result));
        return;
    }
    m_connected = true;
    m_clientId = result.clientId();
    debugLine(m_config, m_clientId, "received CONNACK (0)");

    const bool v5 = m_config.version == MqttVersion::V5;
    QPaho::SubscribeOptions options(m_config.qos);
    if (v5) { // MQTT 3.1.1 has no subscription options (libmosquitto drops them there too)
        if (m_config.noRetained)
            options.setRetainHandling(QPaho::SubscribeOptions::RetainHandling::DoNotSend);
        options.setRetainAsPublished(m_config.retainAsPublished);
        options.setProperties(m_config.subscribeProperties);
    }
    QList<QPair<QString, QPaho::SubscribeOptions>> subscriptions;
    for (const QString &topic : std::as_const(m_config.topics)) {
        subscriptions.append({ topic, options });
        if (m_config.debug) {
            const int optionBits = (v5 && m_config.noRetained ? 0x20 : 0)
                | (v5 && m_config.retainAsPublished ? 0x08 : 0);
            char line[64];
            std::snprintf(
                line, sizeof line, ", QoS: %d, Options: 0x%02x)", m_config.qos, optionBits);
            debugLine(
                m_config, m_clientId, "sending SUBSCRIBE (Mid: 1, Topic: " + topic.toUtf8() + line);
        }
    }
    m_client.subscribe(subscriptions).then(this, [this](const QPaho::SubscribeResult &r) {
        onSubscribed(r);
    });
    for (const QString &topic : std::as_const(m_config.unsubscribeTopics)) {
        debugLine(
            m_config, m_clientId, "sending UNSUBSCRIBE (Mid: 2, Topic: " + topic.toUtf8() + ")");
        if (v5)
            m_client.unsubscribe(QStringList { topic }, m_config.unsubscribeProperties);
        else
            m_client.unsubscribe(topic);
    }
}

void Subscriber::onSubscribed(const QPaho::SubscribeResult &result)
{
    if (m_finishing)
        return;
    const QList<int> codes = result.reasonCodes();
    if (codes.isEmpty() && !result) {
        errorLine(m_config, "Error: " + result.errorString().toUtf8() + "\n");
        finish(1);
        return;
    }
    debugLine(m_config, m_clientId, "received SUBACK");
    if (m_config.debug && !m_config.quiet) {
        QByteArray line = "Subscribed (mid: 1): ";
        for (int i = 0; i < codes.size(); ++i)
            line += (i > 0 ? ", " : "") + QByteArray::number(codes.at(i));
        writeStdout(line + '\n');
    }
    const bool someAllowed
        = std::any_of(codes.cbegin(), codes.cend(), [](int c) { return c < 128; });
    if (!someAllowed) {
        errorLine(m_config, "All subscription requests were denied.\n");
        finish(1);
        return;
    }
    if (m_config.exitAfterSubscribe)
        finish(0);
}

void Subscriber::onMessage(const QPaho::Message &message)
{
    if (!m_processing)
        return;
    if (m_config.retainedOnly && !message.isRetained()) {
        stopProcessing();
        return;
    }
    if (message.isRetained() && m_config.noRetained)
        return;
    for (const QString &filter : std::as_const(m_config.filterOuts)) {
        if (QPaho::Topic::matches(filter, message.topic()))
            return;
    }
    if (m_config.removeRetained && message.isRetained()) {
        ++m_removalsPending;
        m_client.publish(message.topic(), QByteArray(), 1, true)
            .then(this, [this](const QPaho::PublishResult &) {
                --m_removalsPending;
                if (!m_processing && m_removalsPending == 0)
                    finish(m_exitCode);
            });
    }
    if (m_config.randomFilter >= 10000 || int(m_random.bounded(10000)) < m_config.randomFilter) {
        QByteArray out;
        QByteArray err;
        renderMessage(m_config, message, &out, &err);
        const bool written = writeStdout(out);
        if (!err.isEmpty())
            errorLine(m_config, err);
        if (!written) {
            stopProcessing();
            return;
        }
    }
    if (m_config.messageCount > 0 && ++m_received == m_config.messageCount)
        stopProcessing();
}

void Subscriber::stopProcessing()
{
    m_processing = false;
    if (m_removalsPending == 0)
        finish(0);
}

void Subscriber::onTimeout()
{
    if (!m_connected) {
        // mosquitto_sub's alarm before the CONNACK: exit(-1) at once.
        m_finishing = true;
        Q_EMIT finished(255);
        return;
    }
    m_processing = false;
    m_exitCode = MosquittoTimeoutExitCode;
    finish(MosquittoTimeoutExitCode, DisconnectWithWill);
}

void Subscriber::terminate()
{
    if (!m_connected) {
        m_finishing = true;
        Q_EMIT finished(255);
        return;
    }
    m_processing = false;
    finish(0, DisconnectWithWill);
}

void Subscriber::finish(int exitCode, int disconnectReason)
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_timeout.stop();
    debugLine(m_config, m_clientId, "sending DISCONNECT");
    const auto done = [this, exitCode](const QPaho::Result &) {
        if (exitCode == MosquittoTimeoutExitCode)
            errorLine(m_config, "Timed out\n");
        Q_EMIT finished(exitCode);
    };
    if (m_config.version == MqttVersion::V5)
        m_client.disconnectFromHost(disconnectReason, m_config.disconnectProperties)
            .then(this, done);
    else
        m_client.disconnectFromHost().then(this, done);
}

} // namespace QPahoCli
