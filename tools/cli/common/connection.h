// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// What qpaho-pub and qpaho-sub share around the connection: ConnectOptions from the flags
// (server URI, session, will, TLS, properties), mosquitto's messages and exit codes for
// refused or failed connects, -d debug lines and clean termination on SIGINT/SIGTERM.
#pragma once

#include "options.h"

#include <QPaho/ConnectOptions>
#include <QPaho/Result>

#include <QtCore/QObject>

class QSocketNotifier;

namespace QPahoCli {

// Checks mosquitto makes while applying the options (before any connection): a password
// needs a user name, TLS files must exist, the TLS version must be known. Prints errors.
bool checkConnectionSettings(const Config &config);

// The client id to use: -i, -I prefix + process id, or empty (QPaho picks one).
QString clientIdFor(const Config &config);

// The ConnectOptions for the flags (call checkConnectionSettings() first).
QPaho::ConnectOptions connectOptionsFor(const Config &config);

// Reports a failed connect the way mosquitto_pub/sub do and returns their exit code: the
// CONNACK reason code when the broker refused, 1 when it could not be reached.
int reportConnectFailure(const Config &config, const QPaho::ConnectResult &result);

// mosquitto_reason_string(): the English name of an MQTT 5 reason code.
QByteArray reasonCodeText(int reasonCode);

// With -d, writes "Client <id> <text>" to stdout like libmosquitto's log callback.
void debugLine(const Config &config, const QString &clientId, const QByteArray &text);

// Writes bytes to stdout and flushes; false when stdout failed (closed pipe, full disk).
bool writeStdout(const QByteArray &bytes);

// Turns SIGINT and SIGTERM into a Qt signal on the main thread, so the tools can send a
// DISCONNECT before exiting (the default action would just kill the process).
class TerminationWatcher : public QObject
{
    Q_OBJECT
public:
    explicit TerminationWatcher(QObject *parent = nullptr);
    ~TerminationWatcher() override;

Q_SIGNALS:
    void terminationRequested();

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace QPahoCli
