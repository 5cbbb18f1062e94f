// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "publisher.h"

#include "common/connection.h"

#include <QPaho/ConnectResult>
#include <QPaho/PublishResult>

#include <cstdio>
#include <unistd.h>

namespace QPahoCli {

Publisher::Publisher(const Config &config, QObject *parent)
    : QObject(parent), m_config(config), m_clientId(clientIdFor(config))
{
    m_repeatTimer.setSingleShot(true);
    connect(&m_repeatTimer, &QTimer::timeout, this, &Publisher::publishRepeated);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] { printProgress(false); });
    connect(&m_client, &QPaho::Client::connectionLost, this, [this](const QString &) {
        if (m_config.pubMode == PubMode::StdinLine)
            return; // -l reconnects (like mosquitto_pub's threaded loop) and carries on
        errorLine(m_config, "Error: The connection was lost.\n");
        Q_EMIT finished(7);
    });
}

Publisher::~Publisher() = default;

void Publisher::start()
{
    QPaho::ConnectOptions options = connectOptionsFor(m_config);
    if (m_config.pubMode == PubMode::StdinLine) {
        options.setAutomaticReconnect(true);
        options.setRetryInterval(1000, 1000);
    }
    debugLine(m_config, m_clientId, "sending CONNECT");
    m_client.connectToHost(options).then(
        this, [this](const QPaho::ConnectResult &result) { onConnected(result); });
}

void Publisher::onConnected(const QPaho::ConnectResult &result)
{
    if (!result) {
        Q_EMIT finished(reportConnectFailure(m_config, result));
        return;
    }
    m_clientId = result.clientId();
    debugLine(m_config, m_clientId, "received CONNACK (0)");
    m_elapsed.start();
    const bool showProgress = m_config.progress && ::isatty(STDERR_FILENO)
        && (m_config.pubMode == PubMode::StdinLine || m_config.repeatCount > 1);
    if (showProgress)
        m_progressTimer.start(200);
    if (m_config.pubMode == PubMode::StdinLine) {
        m_reader = std::make_unique<StdinLineReader>(
            this, [this](const QByteArrayList &lines) { onLines(lines); },
            [this] { onInputEnd(); });
        m_reader->start();
        return;
    }
    publishRepeated();
}

void Publisher::publishPayload(const QByteArray &payload)
{
    QPaho::Message message(m_config.topic, payload, m_config.qos, m_config.retain);
    if (!m_config.publishProperties.isEmpty())
        message.setProperties(m_config.publishProperties);
    ++m_issued;
    if (m_config.debug) {
        debugLine(m_config, m_clientId,
            QByteArray("sending PUBLISH (d0, q") + char('0' + m_config.qos) + ", r"
                + (m_config.retain ? '1' : '0') + ", m" + QByteArray::number(m_issued) + ", '"
                + m_config.topic.toUtf8() + "', ... (" + QByteArray::number(payload.size())
                + " bytes))");
    }
    m_client.publish(message).then(
        this, [this](const QPaho::PublishResult &result) { onPublishFinished(result); });
}

void Publisher::publishRepeated()
{
    publishPayload(m_config.pubMode == PubMode::Null ? QByteArray() : m_config.message);
}

void Publisher::onPublishFinished(const QPaho::PublishResult &result)
{
    ++m_completed;
    if (!result) {
        if (result.error() == QPaho::Error::Refused) {
            // An MQTT 5 broker refused this one message: mosquitto_pub warns and goes on.
            errorLine(m_config,
                "Warning: Publish " + QByteArray::number(result.messageId())
                    + " failed: " + reasonCodeText(result.reasonCode()) + ".\n");
            if (!result.reasonString().isEmpty())
                errorLine(m_config, result.reasonString().toUtf8() + "\n");
        } else if (!m_finishing) {
            errorLine(m_config, "Error: " + result.errorString().toUtf8() + "\n");
            finish(1);
            return;
        }
    }
    if (m_config.pubMode == PubMode::StdinLine) {
        while (!m_batchEnds.empty() && m_batchEnds.front() <= m_completed) {
            m_batchEnds.pop_front();
            m_reader->batchDone();
        }
        maybeDone();
        return;
    }
    if (m_completed < quint64(m_config.repeatCount)) {
        m_repeatTimer.start(int(m_config.repeatDelaySeconds * 1000.0));
        return;
    }
    finish(0);
}

void Publisher::onLines(const QByteArrayList &lines)
{
    if (m_finishing)
        return;
    for (const QByteArray &line : lines)
        publishPayload(line);
    m_batchEnds.push_back(m_issued);
    if (m_completed >= m_issued) { // nothing pending (cannot happen for non-empty batches)
        m_batchEnds.pop_back();
        m_reader->batchDone();
    }
}

void Publisher::onInputEnd()
{
    m_inputDone = true;
    maybeDone();
}

void Publisher::maybeDone()
{
    if (m_inputDone && m_completed >= m_issued)
        finish(0);
}

void Publisher::finish(int exitCode)
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_repeatTimer.stop();
    if (m_progressTimer.isActive()) {
        m_progressTimer.stop();
        printProgress(true);
    }
    debugLine(m_config, m_clientId, "sending DISCONNECT");
    const auto done = [this, exitCode](const QPaho::Result &) { Q_EMIT finished(exitCode); };
    if (m_config.version == MqttVersion::V5)
        m_client.disconnectFromHost(0, m_config.disconnectProperties).then(this, done);
    else
        m_client.disconnectFromHost().then(this, done);
}

void Publisher::printProgress(bool last)
{
    const double seconds = double(m_elapsed.elapsed()) / 1000.0;
    const double rate = seconds > 0 ? double(m_completed) / seconds : 0.0;
    std::fprintf(stderr, "\r%llu messages sent, %.0f msg/s%s",
        static_cast<unsigned long long>(m_completed), rate, last ? "\n" : "");
    std::fflush(stderr);
}

} // namespace QPahoCli
