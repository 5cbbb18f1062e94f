// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-sub's run: connect, subscribe (and -U unsubscribe), print what arrives the way
// mosquitto_sub does, and stop after -C messages, -W seconds, -E, --retained-only or a signal.
#pragma once

#include "common/options.h"

#include <QPaho/Client>

#include <QtCore/QObject>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTimer>

namespace QPahoCli {

class Subscriber : public QObject
{
    Q_OBJECT
public:
    explicit Subscriber(const Config &config, QObject *parent = nullptr);

    void start();
    // SIGINT/SIGTERM: disconnect (MQTT 5: reason 0x04, so the will is published, as
    // mosquitto_sub does) and exit 0; before the CONNACK exit at once.
    void terminate();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void onConnected(const QPaho::ConnectResult &result);
    void onSubscribed(const QPaho::SubscribeResult &result);
    void onMessage(const QPaho::Message &message);
    void onTimeout();
    void stopProcessing(); // no more output: disconnect once the --remove-retained publishes end
    void finish(int exitCode, int disconnectReason = 0);

    Config m_config;
    QString m_clientId;
    QPaho::Client m_client;
    QTimer m_timeout;
    QRandomGenerator m_random;
    bool m_connected = false;
    bool m_processing = true;
    bool m_finishing = false;
    int m_received = 0;
    int m_removalsPending = 0;
    int m_exitCode = 0;
};

} // namespace QPahoCli
