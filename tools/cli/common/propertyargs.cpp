// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "propertyargs.h"

#include "options.h"

#include <QtCore/QHash>

#include <cstdio>
#include <cstdlib>

namespace QPahoCli {

namespace {

using Id = QPaho::Properties::Id;

enum class Packet { Connect, Publish, Subscribe, Unsubscribe, Disconnect, Will, Other, Auth };
enum class Type { Byte, Int16, Int32, VarInt, Binary, String, Pair };

struct PropertyInfo
{
    Id id;
    Type type;
    // Packets a client may send it in (mosquitto_property_check_command, client side).
    QList<Packet> packets;
    bool serverOnly = false; // valid property, but only in CONNACK/acks: "not allowed" for us
};

const QHash<QByteArray, PropertyInfo> &propertyTable()
{
    static const QHash<QByteArray, PropertyInfo> table {
        { "payload-format-indicator",
            { Id::PayloadFormatIndicator, Type::Byte, { Packet::Publish, Packet::Will } } },
        { "message-expiry-interval",
            { Id::MessageExpiryInterval, Type::Int32, { Packet::Publish, Packet::Will } } },
        { "content-type", { Id::ContentType, Type::String, { Packet::Publish, Packet::Will } } },
        { "response-topic",
            { Id::ResponseTopic, Type::String, { Packet::Publish, Packet::Will } } },
        { "correlation-data",
            { Id::CorrelationData, Type::Binary, { Packet::Publish, Packet::Will } } },
        { "subscription-identifier",
            { Id::SubscriptionIdentifier, Type::VarInt, { Packet::Publish, Packet::Subscribe } } },
        { "session-expiry-interval",
            { Id::SessionExpiryInterval, Type::Int32, { Packet::Connect, Packet::Disconnect } } },
        { "assigned-client-identifier", { Id::AssignedClientIdentifier, Type::String, {}, true } },
        { "server-keep-alive", { Id::ServerKeepAlive, Type::Int16, {}, true } },
        { "authentication-method",
            { Id::AuthenticationMethod, Type::String, { Packet::Connect, Packet::Auth } } },
        { "authentication-data",
            { Id::AuthenticationData, Type::Binary, { Packet::Connect, Packet::Auth } } },
        { "request-problem-information",
            { Id::RequestProblemInformation, Type::Byte, { Packet::Connect } } },
        { "will-delay-interval", { Id::WillDelayInterval, Type::Int32, { Packet::Will } } },
        { "request-response-information",
            { Id::RequestResponseInformation, Type::Byte, { Packet::Connect } } },
        { "response-information", { Id::ResponseInformation, Type::String, {}, true } },
        { "server-reference", { Id::ServerReference, Type::String, { Packet::Disconnect } } },
        { "reason-string",
            { Id::ReasonString, Type::String,
                { Packet::Disconnect, Packet::Auth, Packet::Other } } },
        { "receive-maximum", { Id::ReceiveMaximum, Type::Int16, { Packet::Connect } } },
        { "topic-alias-maximum", { Id::TopicAliasMaximum, Type::Int16, { Packet::Connect } } },
        { "topic-alias", { Id::TopicAlias, Type::Int16, { Packet::Publish } } },
        { "maximum-qos", { Id::MaximumQoS, Type::Byte, {}, true } },
        { "retain-available", { Id::RetainAvailable, Type::Byte, {}, true } },
        { "user-property",
            { Id::UserProperty, Type::Pair,
                { Packet::Connect, Packet::Publish, Packet::Will, Packet::Subscribe,
                    Packet::Unsubscribe, Packet::Disconnect, Packet::Auth, Packet::Other } } },
        { "maximum-packet-size", { Id::MaximumPacketSize, Type::Int32, { Packet::Connect } } },
        { "wildcard-subscription-available",
            { Id::WildcardSubscriptionAvailable, Type::Byte, {}, true } },
        { "subscription-identifier-available",
            { Id::SubscriptionIdentifiersAvailable, Type::Byte, {}, true } },
        { "shared-subscription-available",
            { Id::SharedSubscriptionAvailable, Type::Byte, {}, true } },
    };
    return table;
}

bool commandFromName(const QByteArray &name, Packet *packet)
{
    const QByteArray lower = name.toLower();
    static const QHash<QByteArray, Packet> commands {
        { "connect", Packet::Connect },
        { "publish", Packet::Publish },
        { "subscribe", Packet::Subscribe },
        { "unsubscribe", Packet::Unsubscribe },
        { "disconnect", Packet::Disconnect },
        { "will", Packet::Will },
        { "auth", Packet::Auth },
        { "connack", Packet::Other },
        { "puback", Packet::Other },
        { "pubrec", Packet::Other },
        { "pubrel", Packet::Other },
        { "pubcomp", Packet::Other },
        { "suback", Packet::Other },
        { "unsuback", Packet::Other },
    };
    const auto it = commands.constFind(lower);
    if (it == commands.constEnd())
        return false;
    *packet = it.value();
    return true;
}

void printError(const QByteArray &text)
{
    std::fputs(text.constData(), stderr);
}

QPaho::Properties *listFor(Config &config, Packet packet)
{
    switch (packet) {
    case Packet::Connect:
        return &config.connectProperties;
    case Packet::Publish:
        return &config.publishProperties;
    case Packet::Subscribe:
        return &config.subscribeProperties;
    case Packet::Unsubscribe:
        return &config.unsubscribeProperties;
    case Packet::Disconnect:
        return &config.disconnectProperties;
    case Packet::Will:
        return &config.willProperties;
    case Packet::Other:
    case Packet::Auth:
        break;
    }
    return nullptr;
}

} // namespace

bool parsePropertyArgument(Config &config, const QByteArrayList &args, int *index)
{
    const int i = *index;
    if (i + 2 > args.size() - 1) {
        printError("Error: --property argument given but not enough arguments specified.\n\n");
        return false;
    }
    const QByteArray &commandName = args.at(i);
    Packet packet;
    if (!commandFromName(commandName, &packet)) {
        printError("Error: Invalid command given in --property argument.\n\n");
        return false;
    }
    const QByteArray &propertyName = args.at(i + 1);
    const auto &table = propertyTable();
    const auto info = table.constFind(propertyName.toLower());
    if (info == table.constEnd()) {
        printError("Error: Invalid property name given in --property argument.\n\n");
        return false;
    }
    if (!info->packets.contains(packet)) {
        printError("Error: " + propertyName + " property not allowed for " + commandName
            + " in --property argument.\n\n");
        return false;
    }
    QByteArray key;
    QByteArray value;
    if (info->type == Type::Pair) {
        if (i + 3 > args.size() - 1) {
            printError("Error: --property argument given but not enough arguments specified.\n\n");
            return false;
        }
        key = args.at(i + 2);
        value = args.at(i + 3);
        *index = i + 3;
    } else {
        value = args.at(i + 2);
        *index = i + 2;
    }
    const QByteArray notSupported = "Error: " + propertyName + " property not supported for "
        + commandName + " in --property argument.\n\n";
    if ((packet == Packet::Publish && info->id == Id::SubscriptionIdentifier)
        || (packet == Packet::Subscribe && info->id != Id::SubscriptionIdentifier
            && info->id != Id::UserProperty)
        || packet == Packet::Auth || packet == Packet::Other) {
        printError(notSupported);
        return false;
    }
    QPaho::Properties *list = listFor(config, packet);
    const auto outOfRange = [&](long number) {
        printError("Error: Property value (" + QByteArray::number(qint64(number))
            + ") out of range for property " + propertyName + ".\n\n");
        return false;
    };
    const long number = std::atol(value.constData());
    switch (info->type) {
    case Type::Byte:
        if (number < 0 || number > 0xFF)
            return outOfRange(number);
        list->addValue(info->id, quint32(number));
        break;
    case Type::Int16:
        if (number < 0 || number > 0xFFFF)
            return outOfRange(number);
        list->addValue(info->id, quint32(number));
        break;
    case Type::Int32:
    case Type::VarInt:
        if (number < 0 || number > long(0xFFFFFFFFu))
            return outOfRange(number);
        list->addValue(info->id, quint32(number));
        break;
    case Type::Binary:
        if (value.size() > 0xFFFF) {
            printError("Error: Property value too long for property " + propertyName + ".\n\n");
            return false;
        }
        list->addValue(info->id, value);
        break;
    case Type::String:
        list->addValue(info->id, QString::fromUtf8(value));
        break;
    case Type::Pair:
        list->addUserProperty(QString::fromUtf8(key), QString::fromUtf8(value));
        break;
    }
    return true;
}

namespace {

// mosquitto_property_check_all(): no property twice (except user properties and, in a
// PUBLISH from the server, subscription identifiers), and no value the protocol forbids.
const char *checkList(const QPaho::Properties &properties)
{
    QList<Id> seen;
    for (const Id id : properties.ids()) {
        if (id != Id::UserProperty && seen.contains(id))
            return "Duplicate property in property list";
        seen.append(id);
        const quint32 value = properties.value(id).toUInt();
        switch (id) {
        case Id::RequestProblemInformation:
        case Id::RequestResponseInformation:
            if (value > 1)
                return "A network protocol error occurred when communicating with the broker.";
            break;
        case Id::ReceiveMaximum:
        case Id::TopicAlias:
        case Id::MaximumPacketSize:
        case Id::SubscriptionIdentifier:
            if (value == 0)
                return "A network protocol error occurred when communicating with the broker.";
            break;
        default:
            break;
        }
    }
    return nullptr;
}

} // namespace

bool checkPropertyLists(const Config &config)
{
    const struct
    {
        const QPaho::Properties &list;
        const char *name;
    } lists[] = {
        { config.connectProperties, "CONNECT" },
        { config.publishProperties, "PUBLISH" },
        { config.subscribeProperties, "SUBSCRIBE" },
        { config.unsubscribeProperties, "UNSUBSCRIBE" },
        { config.disconnectProperties, "DISCONNECT" },
        { config.willProperties, "Will" },
    };
    for (const auto &entry : lists) {
        if (const char *error = checkList(entry.list)) {
            errorLine(
                config, QByteArray("Error in ") + entry.name + " properties: " + error + "\n");
            return false;
        }
    }
    return true;
}

} // namespace QPahoCli
