// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "options.h"

#include "messageformat.h"
#include "propertyargs.h"

#include <QPaho/Topic>

#include <QtCore/QLoggingCategory>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace QPahoCli {

namespace {

void printError(const QByteArray &text)
{
    std::fputs(text.constData(), stderr);
}

// mosquitto_validate_utf8(): well-formed UTF-8 without NUL, surrogates, non-characters or
// control characters (MQTT 5 section 1.5.4).
bool isValidMqttUtf8(const QByteArray &bytes)
{
    const auto *s = reinterpret_cast<const unsigned char *>(bytes.constData());
    const qsizetype len = bytes.size();
    for (qsizetype i = 0; i < len; ++i) {
        int codeLength;
        quint32 codePoint;
        if (s[i] == 0)
            return false;
        if (s[i] <= 0x7F) {
            codeLength = 1;
            codePoint = s[i];
        } else if ((s[i] & 0xE0) == 0xC0) {
            if (s[i] == 0xC0 || s[i] == 0xC1)
                return false;
            codeLength = 2;
            codePoint = s[i] & 0x1F;
        } else if ((s[i] & 0xF0) == 0xE0) {
            codeLength = 3;
            codePoint = s[i] & 0x0F;
        } else if ((s[i] & 0xF8) == 0xF0 && s[i] <= 0xF4) {
            codeLength = 4;
            codePoint = s[i] & 0x07;
        } else {
            return false;
        }
        if (i + codeLength > len)
            return false;
        for (int j = 1; j < codeLength; ++j) {
            if ((s[++i] & 0xC0) != 0x80)
                return false;
            codePoint = (codePoint << 6) | (s[i] & 0x3F);
        }
        if ((codePoint >= 0xD800 && codePoint <= 0xDFFF) || (codeLength == 3 && codePoint < 0x800)
            || (codeLength == 4 && (codePoint < 0x10000 || codePoint > 0x10FFFF))
            || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF) || (codePoint & 0xFFFF) >= 0xFFFE
            || codePoint <= 0x1F || (codePoint >= 0x7F && codePoint <= 0x9F))
            return false;
    }
    return true;
}

// mosquitto_sub_topic_check(): '+' and '#' only as whole levels, '#' only last.
bool isValidFilter(const QByteArray &filter)
{
    if (filter.isEmpty() || filter.size() > 65535)
        return false;
    return QPaho::Topic::isValidFilter(QString::fromUtf8(filter));
}

// mosquitto_pub_topic_check() plus: an empty topic name is not a topic.
bool isValidTopicName(const QByteArray &topic)
{
    return !topic.isEmpty() && topic.size() <= 65535 && !topic.contains('+')
        && !topic.contains('#');
}

// Flags of mosquitto_pub/sub that paho.mqtt.c cannot honour, with the reason.
const char *unsupportedFlagReason(const QByteArray &flag)
{
    if (flag == "-A")
        return "paho.mqtt.c cannot bind the outgoing socket to a local address";
    if (flag == "--proxy")
        return "paho.mqtt.c has no SOCKS5 proxy support (it only reads http_proxy/https_proxy)";
    if (flag == "--unix")
        return "paho.mqtt.c cannot connect through a unix domain socket";
    if (flag == "--psk" || flag == "--psk-identity")
        return "paho.mqtt.c's TLS-PSK needs a callback per connection, which QPaho does not offer";
    if (flag == "--tls-engine" || flag == "--tls-engine-kpass-sha1" || flag == "--keyform")
        return "paho.mqtt.c cannot load keys through an OpenSSL engine";
    if (flag == "-S")
        return "paho.mqtt.c does no DNS SRV lookups";
    return nullptr;
}

class Parser
{
public:
    Parser(Tool tool, const QByteArrayList &args, Config &config)
        : m_tool(tool), m_args(args), m_config(config)
    { }

    ParseResult run();

private:
    // Takes the word after the flag as its value (value() from then on); without one, prints
    // mosquitto's "Error: <flag> argument given but no ... specified." and fails.
    bool requireValue(const char *message)
    {
        if (m_i < m_args.size() - 1) {
            m_value = m_args.at(++m_i);
            return true;
        }
        printError(QByteArray("Error: ") + message + "\n\n");
        return false;
    }
    const QByteArray &value() const { return m_value; }
    int valueInt() const { return std::atoi(m_value.constData()); }
    bool addTopic(const QByteArray &topic, const char *argName);
    bool setPubMode(PubMode mode);
    bool parseOne(const QByteArray &arg, bool *unknown, ParseResult *early);
    bool parseUrl(const QByteArray &url);

    Tool m_tool;
    const QByteArrayList &m_args;
    Config &m_config;
    int m_i = 0;
    QByteArray m_value;
};

bool Parser::addTopic(const QByteArray &topic, const char *argName)
{
    if (!topic.isEmpty() && !isValidMqttUtf8(topic)) {
        printError(QByteArray("Error: Malformed UTF-8 in ") + argName + " argument.\n\n");
        return false;
    }
    if (m_tool == Tool::Pub) {
        if (topic.isEmpty()) {
            printError("Error: Invalid publish topic '': a topic name must not be empty.\n");
            return false;
        }
        if (!isValidTopicName(topic)) {
            printError(
                "Error: Invalid publish topic '" + topic + "', does it contain '+' or '#'?\n");
            return false;
        }
        m_config.topic = QString::fromUtf8(topic);
        m_config.topicSet = true;
    } else {
        if (!isValidFilter(topic)) {
            printError("Error: Invalid subscription topic '" + topic
                + "', are all '+' and '#' wildcards correct?\n");
            return false;
        }
        m_config.topics.append(QString::fromUtf8(topic));
    }
    return true;
}

bool Parser::setPubMode(PubMode mode)
{
    if (m_config.pubMode != PubMode::None) {
        printError("Error: Only one type of message can be sent at once.\n\n");
        return false;
    }
    m_config.pubMode = mode;
    return true;
}

// -L mqtt(s)://[username[:password]@]host[:port]/topic
bool Parser::parseUrl(const QByteArray &urlArgument)
{
    QByteArray url = urlArgument;
    const QByteArray lower = url.toLower();
    if (lower.startsWith("mqtt://")) {
        url = url.mid(7);
        m_config.port = 1883;
    } else if (lower.startsWith("mqtts://")) {
        url = url.mid(8);
        m_config.port = 8883;
        m_config.useOsCerts = true;
    } else {
        printError("Error: unsupported URL scheme.\n\n");
        return false;
    }
    const qsizetype slash = url.indexOf('/');
    if (slash < 0) {
        printError("Error: Invalid URL for -L argument specified - topic missing.\n");
        return false;
    }
    if (!addTopic(url.mid(slash + 1), "-L topic"))
        return false;
    url.truncate(slash);
    const qsizetype at = url.indexOf('@');
    if (at >= 0) {
        QByteArray credentials = url.left(at);
        const qsizetype colon = credentials.indexOf(':');
        if (colon >= 0) {
            m_config.password = credentials.mid(colon + 1);
            m_config.passwordSet = true;
            credentials.truncate(colon);
        }
        m_config.username = QString::fromUtf8(credentials);
        m_config.usernameSet = true;
        url = url.mid(at + 1);
    }
    const qsizetype colon = url.indexOf(':');
    if (colon >= 0) {
        m_config.port = std::atoi(url.constData() + colon + 1);
        url.truncate(colon);
    }
    m_config.host = QString::fromUtf8(url);
    return true;
}

ParseResult Parser::run()
{
    for (m_i = 0; m_i < m_args.size(); ++m_i) {
        const QByteArray &arg = m_args.at(m_i);
        bool unknown = false;
        ParseResult early = ParseResult::Ok;
        const bool ok = parseOne(arg, &unknown, &early);
        if (early != ParseResult::Ok)
            return early;
        if (unknown) {
            printError("Error: Unknown option '" + arg + "'.\n");
            return ParseResult::Error;
        }
        if (!ok)
            return ParseResult::Error;
    }
    return ParseResult::Ok;
}

// One flag (and its value). Returns false on error; *unknown for a flag this tool lacks.
bool Parser::parseOne(const QByteArray &arg, bool *unknown, ParseResult *early)
{
    const bool pub = m_tool == Tool::Pub;
    const bool sub = m_tool == Tool::Sub;
    Config &c = m_config;

    if (const char *reason = unsupportedFlagReason(arg)) {
        printError("Error: " + arg + " is not supported by " + programName(m_tool) + ": " + reason
            + ".\n");
        return false;
    }
    if (arg == "--cafile") {
        if (!requireValue("--cafile argument given but no file specified."))
            return false;
        c.caFile = QString::fromLocal8Bit(value());
    } else if (arg == "--capath") {
        if (!requireValue("--capath argument given but no directory specified."))
            return false;
        c.caPath = QString::fromLocal8Bit(value());
    } else if (arg == "--cert") {
        if (!requireValue("--cert argument given but no file specified."))
            return false;
        c.certFile = QString::fromLocal8Bit(value());
    } else if (arg == "--ciphers") {
        if (!requireValue("--ciphers argument given but no ciphers specified."))
            return false;
        c.ciphers = QString::fromLatin1(value());
    } else if (arg == "-C" && sub) {
        if (!requireValue("-C argument given but no count specified."))
            return false;
        c.messageCount = valueInt();
        if (c.messageCount < 1) {
            printError(
                "Error: Invalid message count \"" + QByteArray::number(c.messageCount) + "\".\n\n");
            return false;
        }
    } else if (arg == "-c" || arg == "--disable-clean-session") {
        c.cleanSession = false;
    } else if (arg == "-d" || arg == "--debug") {
        c.debug = true;
    } else if (arg == "-D" || arg == "--property") {
        ++m_i;
        if (!parsePropertyArgument(c, m_args, &m_i))
            return false;
        c.version = MqttVersion::V5; // like mosquitto: a property implies MQTT 5
    } else if (arg == "-E" && sub) {
        c.exitAfterSubscribe = true;
    } else if ((arg == "-f" || arg == "--file") && pub) {
        if (c.pubMode != PubMode::None)
            return setPubMode(PubMode::File);
        if (!requireValue("-f argument given but no file specified."))
            return false;
        c.pubMode = PubMode::File;
        c.file = QString::fromLocal8Bit(value());
    } else if (arg == "-F" && sub) {
        if (!requireValue("-F argument given but no format specified."))
            return false;
        c.format = value();
        c.formatSet = true;
        if (!checkFormat(c.format))
            return false;
    } else if (arg == "--help") {
        *early = ParseResult::Help;
        return true;
    } else if (arg == "-h" || arg == "--host") {
        if (!requireValue("-h argument given but no host specified."))
            return false;
        c.host = QString::fromLocal8Bit(value());
    } else if (arg == "--insecure") {
        c.insecure = true;
    } else if (arg == "-i" || arg == "--id") {
        if (c.clientIdPrefixSet) {
            printError("Error: -i and -I argument cannot be used together.\n\n");
            return false;
        }
        if (!requireValue("-i argument given but no id specified."))
            return false;
        c.clientId = QString::fromUtf8(value());
        c.clientIdSet = true;
    } else if (arg == "-I" || arg == "--id-prefix") {
        if (c.clientIdSet) {
            printError("Error: -i and -I argument cannot be used together.\n\n");
            return false;
        }
        if (!requireValue("-I argument given but no id prefix specified."))
            return false;
        c.clientIdPrefix = QString::fromUtf8(value());
        c.clientIdPrefixSet = true;
    } else if (arg == "-k" || arg == "--keepalive") {
        if (!requireValue("-k argument given but no keepalive specified."))
            return false;
        c.keepAlive = valueInt();
        if (c.keepAlive < 5 || c.keepAlive > 65535) {
            printError("Error: Invalid keepalive given, it must be between 5 and 65535 "
                       "inclusive.\n\n");
            return false;
        }
    } else if (arg == "--key") {
        if (!requireValue("--key argument given but no file specified."))
            return false;
        c.keyFile = QString::fromLocal8Bit(value());
    } else if (arg == "-L" || arg == "--url") {
        if (!requireValue("-L argument given but no URL specified."))
            return false;
        if (!parseUrl(value()))
            return false;
    } else if ((arg == "-l" || arg == "--stdin-line") && pub) {
        return setPubMode(PubMode::StdinLine);
    } else if ((arg == "-m" || arg == "--message") && pub) {
        if (c.pubMode != PubMode::None)
            return setPubMode(PubMode::Message);
        if (!requireValue("-m argument given but no message specified."))
            return false;
        c.message = value();
        if (c.message.size() > 268435455) {
            printError("Error: Message length must be less than 268435455 bytes.\n\n");
            return false;
        }
        c.pubMode = PubMode::Message;
    } else if (arg == "-M") {
        if (!requireValue("-M argument given but max_inflight not specified."))
            return false;
        c.maxInflight = valueInt();
        if (c.maxInflight < 1) {
            printError("Error: Maximum inflight messages must be greater than 0.\n\n");
            return false;
        }
    } else if (arg == "--nodelay") {
        // QPaho sets TCP_NODELAY on every connection anyway.
    } else if ((arg == "-n" || arg == "--null-message") && pub) {
        return setPubMode(PubMode::Null);
    } else if (arg == "-N" && sub) {
        c.eol = false;
    } else if (arg == "-p" || arg == "--port") {
        if (!requireValue("-p argument given but no port specified."))
            return false;
        c.port = valueInt();
        if (c.port < 0 || c.port > 65535) {
            printError("Error: Invalid port given: " + QByteArray::number(c.port) + "\n");
            return false;
        }
    } else if (arg == "--pretty" && sub) {
        c.pretty = true;
    } else if (arg == "--progress" && pub) {
        c.progress = true;
    } else if (arg == "-P" || arg == "--pw") {
        if (!requireValue("-P argument given but no password specified."))
            return false;
        c.password = value();
        c.passwordSet = true;
    } else if (arg == "-q" || arg == "--qos") {
        if (!requireValue("-q argument given but no QoS specified."))
            return false;
        c.qos = valueInt();
        if (c.qos < 0 || c.qos > 2) {
            printError("Error: Invalid QoS given: " + QByteArray::number(c.qos) + "\n");
            return false;
        }
    } else if (arg == "--quiet") {
        c.quiet = true;
    } else if ((arg == "-r" || arg == "--retain") && pub) {
        c.retain = true;
    } else if (arg == "-R" && sub) {
        c.noRetained = true;
    } else if (arg == "--random-filter" && sub) {
        if (!requireValue("--random-filter argument given but no chance specified."))
            return false;
        c.randomFilter = int(10.0 * std::atof(value().constData()));
        if (c.randomFilter > 10000 || c.randomFilter < 1) {
            printError("Error: --random-filter chance must be between 0.1-100.0\n\n");
            return false;
        }
    } else if (arg == "--remove-retained" && sub) {
        c.removeRetained = true;
    } else if (arg == "--repeat" && pub) {
        if (!requireValue("--repeat argument given but no count specified."))
            return false;
        c.repeatCount = valueInt();
        if (c.repeatCount < 1) {
            printError("Error: --repeat argument must be >0.\n\n");
            return false;
        }
    } else if (arg == "--repeat-delay" && pub) {
        if (!requireValue("--repeat-delay argument given but no time specified."))
            return false;
        c.repeatDelaySeconds = double(float(std::atof(value().constData())));
        if (c.repeatDelaySeconds < 0.0) {
            printError("Error: --repeat-delay argument must be >=0.0.\n\n");
            return false;
        }
    } else if (arg == "--retain-as-published" && sub) {
        c.retainAsPublished = true;
    } else if (arg == "--retained-only" && sub) {
        c.retainedOnly = true;
    } else if ((arg == "-s" || arg == "--stdin-file") && pub) {
        return setPubMode(PubMode::StdinFile);
    } else if (arg == "-t" || arg == "--topic") {
        if (!requireValue("-t argument given but no topic specified."))
            return false;
        if (!addTopic(value(), "-t"))
            return false;
    } else if ((arg == "-T" || arg == "--filter-out") && sub) {
        if (!requireValue("-T argument given but no topic filter specified."))
            return false;
        if (!isValidMqttUtf8(value())) {
            printError("Error: Malformed UTF-8 in -T argument.\n\n");
            return false;
        }
        if (!isValidFilter(value())) {
            printError("Error: Invalid filter topic '" + value()
                + "', are all '+' and '#' wildcards correct?\n");
            return false;
        }
        c.filterOuts.append(QString::fromUtf8(value()));
    } else if (arg == "--tls-alpn") {
        if (!requireValue("--tls-alpn argument given but no protocol specified."))
            return false;
        c.tlsAlpn = QString::fromLatin1(value());
    } else if (arg == "--tls-use-os-certs") {
        c.useOsCerts = true;
    } else if (arg == "--tls-version") {
        if (!requireValue("--tls-version argument given but no version specified."))
            return false;
        c.tlsVersion = QString::fromLatin1(value());
    } else if ((arg == "-U" || arg == "--unsubscribe") && sub) {
        if (!requireValue("-U argument given but no unsubscribe topic specified."))
            return false;
        if (!isValidMqttUtf8(value())) {
            printError("Error: Malformed UTF-8 in -U argument.\n\n");
            return false;
        }
        if (!isValidFilter(value())) {
            printError("Error: Invalid unsubscribe topic '" + value()
                + "', are all '+' and '#' wildcards correct?\n");
            return false;
        }
        c.unsubscribeTopics.append(QString::fromUtf8(value()));
    } else if (arg == "-u" || arg == "--username") {
        if (!requireValue("-u argument given but no username specified."))
            return false;
        c.username = QString::fromUtf8(value());
        c.usernameSet = true;
    } else if (arg == "-V" || arg == "--protocol-version") {
        if (!requireValue("--protocol-version argument given but no version specified."))
            return false;
        const QByteArray &v = value();
        if (v == "mqttv31" || v == "31") {
            c.version = MqttVersion::V31;
        } else if (v == "mqttv311" || v == "311") {
            c.version = MqttVersion::V311;
        } else if (v == "mqttv5" || v == "5") {
            c.version = MqttVersion::V5;
        } else {
            printError("Error: Invalid protocol version argument given.\n\n");
            return false;
        }
    } else if ((arg == "-v" || arg == "--verbose") && sub) {
        c.verbose = true;
    } else if (arg == "--version") {
        *early = ParseResult::Version;
        return true;
    } else if (arg == "-W" && sub) {
        if (!requireValue("-W argument given but no timeout specified."))
            return false;
        c.timeoutSeconds = valueInt();
        if (c.timeoutSeconds < 1) {
            printError(
                "Error: Invalid timeout \"" + QByteArray::number(c.timeoutSeconds) + "\".\n\n");
            return false;
        }
    } else if (arg == "--will-payload") {
        if (!requireValue("--will-payload argument given but no will payload specified."))
            return false;
        c.willPayload = value();
        c.willPayloadSet = true;
    } else if (arg == "--will-qos") {
        if (!requireValue("--will-qos argument given but no will QoS specified."))
            return false;
        c.willQos = valueInt();
        if (c.willQos < 0 || c.willQos > 2) {
            printError("Error: Invalid will QoS " + QByteArray::number(c.willQos) + ".\n\n");
            return false;
        }
    } else if (arg == "--will-retain") {
        c.willRetain = true;
    } else if (arg == "--will-topic") {
        if (!requireValue("--will-topic argument given but no will topic specified."))
            return false;
        if (!isValidMqttUtf8(value())) {
            printError("Error: Malformed UTF-8 in --will-topic argument.\n\n");
            return false;
        }
        if (!isValidTopicName(value())) {
            printError(
                "Error: Invalid will topic '" + value() + "', does it contain '+' or '#'?\n");
            return false;
        }
        c.willTopic = QString::fromUtf8(value());
    } else if (arg == "-x") {
        if (!requireValue("-x argument given but no session expiry interval specified."))
            return false;
        if (value() == "\xE2\x88\x9E") { // "∞"
            c.sessionExpiry = 0xFFFFFFFFLL;
        } else {
            char *end = nullptr;
            const long long interval = std::strtoll(value().constData(), &end, 0);
            if (end == value().constData() || *end != '\0') {
                printError("Error: session-expiry-interval not a number.\n\n");
                return false;
            }
            if (interval > 0xFFFFFFFFLL || interval < -1) {
                printError("Error: session-expiry-interval out of range.\n\n");
                return false;
            }
            c.sessionExpiry = interval == -1 ? 0xFFFFFFFFLL : interval;
        }
    } else {
        *unknown = true;
        return false;
    }
    return true;
}

} // namespace

QByteArray programName(Tool tool)
{
    return tool == Tool::Pub ? QByteArrayLiteral("qpaho-pub") : QByteArrayLiteral("qpaho-sub");
}

ParseResult parseArguments(Tool tool, const QByteArrayList &args, Config &config)
{
    config.tool = tool;
    return Parser(tool, args, config).run();
}

bool validateConfig(Config &c)
{
    if (c.willPayloadSet && c.willTopic.isEmpty()) {
        printError("Error: Will payload given, but no will topic given.\n");
        return false;
    }
    if (c.willRetain && c.willTopic.isEmpty()) {
        printError("Error: Will retain given, but no will topic given.\n");
        return false;
    }
    if (c.certFile.isEmpty() != c.keyFile.isEmpty()) {
        printError("Error: Both certfile and keyfile must be provided if one of them is set.\n");
        return false;
    }
    if (c.version == MqttVersion::V31) {
        printError("Error: MQTT v3.1 (-V mqttv31) is not supported by paho.mqtt.c through "
                   "QPaho; use mqttv311 or mqttv5.\n");
        return false;
    }
    if (c.version == MqttVersion::V5) {
        if (!c.cleanSession && c.sessionExpiry == -1)
            c.sessionExpiry = 0xFFFFFFFFLL;
        if (c.sessionExpiry == 0xFFFFFFFFLL && (c.clientIdPrefixSet || !c.clientIdSet)) {
            printError("Error: You must provide a client id if you are using an infinite "
                       "session expiry interval.\n");
            return false;
        }
    } else {
        if (!c.cleanSession && (c.clientIdPrefixSet || !c.clientIdSet)) {
            printError("Error: You must provide a client id if you are using the -c option.\n");
            return false;
        }
        const bool hasProperties = !c.connectProperties.isEmpty() || !c.publishProperties.isEmpty()
            || !c.subscribeProperties.isEmpty() || !c.unsubscribeProperties.isEmpty()
            || !c.disconnectProperties.isEmpty() || !c.willProperties.isEmpty();
        if (hasProperties) {
            printError("Error: -D/--property needs MQTT v5, but -V selects MQTT v3.1.1.\n");
            return false;
        }
    }
    if (c.tool == Tool::Sub && c.topics.isEmpty()) {
        printError("Error: You must specify a topic to subscribe to.\n");
        return false;
    }
    return checkPropertyLists(c);
}

int loadCommandLine(Tool tool, int argc, char *argv[], Config &config)
{
    // paho's own diagnostics would garble the tool's output; -d prints what matters.
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.*=false"));
    // QCoreApplication set the user's locale; mosquitto reads numbers in the C locale.
    std::setlocale(LC_NUMERIC, "C");

    QByteArrayList args;
    for (int i = 1; i < argc; ++i)
        args.append(QByteArray(argv[i]));
    switch (parseArguments(tool, args, config)) {
    case ParseResult::Help:
        printUsage(tool);
        return 1; // like mosquitto
    case ParseResult::Version:
        printVersion(tool);
        return 1;
    case ParseResult::Error:
        printUsageHint(tool);
        return 1;
    case ParseResult::Ok:
        break;
    }
    if (!validateConfig(config)) {
        printUsageHint(tool);
        return 1;
    }
    return -1;
}

void printUsageHint(Tool tool)
{
    const QByteArray hint = "\nUse '" + programName(tool) + " --help' to see usage.\n";
    std::fputs(hint.constData(), stderr);
}

void errorLine(const Config &config, const QByteArray &text)
{
    if (!config.quiet)
        std::fputs(text.constData(), stderr);
}

} // namespace QPahoCli
