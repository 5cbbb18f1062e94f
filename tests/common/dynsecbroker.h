// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A mosquitto whose dynamic security plugin refuses SUBSCRIBEs (testrig.md section 2, pitfall 7:
// acl_file never does), and a mosquitto_pub peer. Independent of QPaho.
#pragma once

#include "common/brokerfixture.h"

#include <QByteArrayList>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace QPahoTest {

// mosquitto with dynsec: user "bob" (password "hunter2") may subscribe to open/# only; every
// other filter gets SUBACK 0x80 (MQTT 3.1.1) or 0x87 (MQTT 5). Anonymous clients are refused.
class DynsecBroker
{
public:
    static constexpr const char *user = "bob";
    static constexpr const char *password = "hunter2";

    // Starts the broker and creates bob and his role; false + lastError() on failure.
    bool start();
    QString lastError() const { return m_error; }
    Mosquitto *broker() const { return m_broker.get(); }

    // The plugin shipped with Debian's mosquitto package, or empty.
    static QString pluginPath();

private:
    bool ctrl(const QStringList &args);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Mosquitto> m_broker;
    QString m_error;
};

// Publishes each of payloads as one message to topic with mosquitto_pub (-l: one line per
// message, in order). extraArgs go before the topic (e.g. {"-u", "bob", "-P", "hunter2"}).
bool mosquittoPublish(quint16 port, const QString &topic, const QByteArrayList &payloads,
    int qos = 0, const QStringList &extraArgs = {});

} // namespace QPahoTest
