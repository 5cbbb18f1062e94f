// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Command-line options of qpaho-pub and qpaho-sub, parsed the way mosquitto_pub/mosquitto_sub
// 2.0.11 parse them: one pass over argv, exact flag names (so "-q1" is an unknown option),
// atoi() for numbers, and the same "Error: ..." texts on stderr.
#pragma once

#include <QPaho/Properties>

#include <QtCore/QByteArray>
#include <QtCore/QByteArrayList>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace QPahoCli {

enum class Tool { Pub, Sub };

// Where qpaho-pub takes its payload from (-m, -f, -l, -s, -n).
enum class PubMode { None, Message, File, StdinLine, StdinFile, Null };

// The MQTT version asked for with -V (mosquitto's numbering: 3 is MQTT 3.1, 4 is 3.1.1).
enum class MqttVersion { V31 = 3, V311 = 4, V5 = 5 };

struct Config
{
    Tool tool = Tool::Pub;

    // Connection
    QString host = QStringLiteral("localhost");
    int port = -1; // -1: 1883, or 8883 with TLS
    QString clientId;
    bool clientIdSet = false;
    QString clientIdPrefix;
    bool clientIdPrefixSet = false;
    QString username;
    bool usernameSet = false;
    QByteArray password;
    bool passwordSet = false;
    int keepAlive = 60;
    bool cleanSession = true;
    qint64 sessionExpiry = -1; // -1: not given
    MqttVersion version = MqttVersion::V311;
    int maxInflight = 20;
    bool debug = false;
    bool quiet = false;

    // Will
    QString willTopic;
    QByteArray willPayload;
    bool willPayloadSet = false;
    int willQos = 0;
    bool willRetain = false;

    // TLS
    QString caFile;
    QString caPath;
    QString certFile;
    QString keyFile;
    QString ciphers;
    QString tlsVersion;
    QString tlsAlpn;
    bool insecure = false;
    bool useOsCerts = false;

    // MQTT 5 properties from -D, per packet
    QPaho::Properties connectProperties;
    QPaho::Properties publishProperties;
    QPaho::Properties subscribeProperties;
    QPaho::Properties unsubscribeProperties;
    QPaho::Properties disconnectProperties;
    QPaho::Properties willProperties;

    // Both
    int qos = 0;

    // qpaho-pub
    QString topic;
    bool topicSet = false;
    PubMode pubMode = PubMode::None;
    QByteArray message;
    QString file;
    bool retain = false;
    int repeatCount = 1;
    double repeatDelaySeconds = 0;
    bool progress = false;

    // qpaho-sub
    QStringList topics;
    QStringList filterOuts;
    QStringList unsubscribeTopics;
    int messageCount = 0;
    int timeoutSeconds = 0;
    bool verbose = false;
    bool eol = true;
    bool noRetained = false; // -R
    bool retainedOnly = false;
    bool removeRetained = false;
    bool retainAsPublished = false;
    bool exitAfterSubscribe = false; // -E
    bool pretty = false;
    QByteArray format;
    bool formatSet = false;
    int randomFilter = 10000; // per 10,000 messages printed
};

enum class ParseResult { Ok, Help, Version, Error };

// The program name shown in messages: "qpaho-pub" or "qpaho-sub".
QByteArray programName(Tool tool);

// Parses argv (without the program name) into config. Errors are written to stderr exactly
// as mosquitto writes them; the caller adds the usage hint (printUsageHint()).
ParseResult parseArguments(Tool tool, const QByteArrayList &args, Config &config);

// Checks that need the whole command line (will without topic, cert without key, -c
// without an id, ...). Run after parseArguments(); errors go to stderr.
bool validateConfig(Config &config);

// Sets up the process for a tool (no QPaho log output, C numeric locale for atof/strtod),
// parses and checks argv like mosquitto does, and handles --help, --version and bad input.
// Returns -1 when the tool should run with config, else the exit code to return at once.
int loadCommandLine(Tool tool, int argc, char *argv[], Config &config);

// "\nUse 'qpaho-pub --help' to see usage.\n" on stderr.
void printUsageHint(Tool tool);
void printUsage(Tool tool);
void printVersion(Tool tool);

// Writes an error line to stderr unless --quiet (mosquitto's err_printf()).
void errorLine(const Config &config, const QByteArray &text);

} // namespace QPahoCli
