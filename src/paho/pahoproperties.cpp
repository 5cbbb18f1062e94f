// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Properties in paho's terms: the checks a property set must pass before it goes out (paho
// checks none of them), and the conversions to and from MQTTProperties. Both use paho's own
// property type table, so what passes validation is exactly what paho can encode.

#include "paho/pahoproperties_p.h"
#include "values/properties_p.h"

#include <QtCore/QHash>
#include <QtCore/QStringDecoder>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

namespace QPaho {

namespace Internal {

namespace {

// Which packets each property may appear in (MQTT 5 spec, table 2-4).
bool allowedIn(Properties::Id id, PacketKind kind)
{
    using Id = Properties::Id;
    switch (id) {
    case Id::UserProperty:
        return true;
    case Id::PayloadFormatIndicator:
    case Id::MessageExpiryInterval:
    case Id::ContentType:
    case Id::ResponseTopic:
    case Id::CorrelationData:
        return kind == PacketKind::Publish || kind == PacketKind::Will;
    case Id::TopicAlias:
        return kind == PacketKind::Publish;
    case Id::WillDelayInterval:
        return kind == PacketKind::Will;
    case Id::SubscriptionIdentifier:
        return kind == PacketKind::Subscribe;
    case Id::SessionExpiryInterval:
        return kind == PacketKind::Connect || kind == PacketKind::Disconnect;
    case Id::ReceiveMaximum:
    case Id::MaximumPacketSize:
    case Id::TopicAliasMaximum:
    case Id::RequestResponseInformation:
    case Id::RequestProblemInformation:
    case Id::AuthenticationMethod:
    case Id::AuthenticationData:
        return kind == PacketKind::Connect;
    case Id::ReasonString:
    case Id::ServerReference:
        return kind == PacketKind::Disconnect;
    default:
        return false; // server-only properties (CONNACK) are never sent by a client
    }
}

enum class Encoding { Byte, TwoByte, FourByte, VarInt, String, Binary, Pair };

Encoding encodingOf(Properties::Id id)
{
    switch (MQTTProperty_getType(MQTTPropertyCodes(int(id)))) {
    case MQTTPROPERTY_TYPE_BYTE:
        return Encoding::Byte;
    case MQTTPROPERTY_TYPE_TWO_BYTE_INTEGER:
        return Encoding::TwoByte;
    case MQTTPROPERTY_TYPE_FOUR_BYTE_INTEGER:
        return Encoding::FourByte;
    case MQTTPROPERTY_TYPE_VARIABLE_BYTE_INTEGER:
        return Encoding::VarInt;
    case MQTTPROPERTY_TYPE_BINARY_DATA:
        return Encoding::Binary;
    case MQTTPROPERTY_TYPE_UTF_8_STRING_PAIR:
        return Encoding::Pair;
    default:
        return Encoding::String;
    }
}

QString propertyName(Properties::Id id)
{
    const char *name = MQTTPropertyName(MQTTPropertyCodes(int(id)));
    return name ? QString::fromLatin1(name) : QString::number(int(id));
}

} // namespace

namespace {

bool isWellFormedString(const QString &s)
{
    return QStringView(s).isValidUtf16() && !s.contains(QChar(u'\0')) && s.toUtf8().size() <= 65535;
}

QString validateValue(Properties::Id id, const QVariant &v)
{
    using Id = Properties::Id;
    const QString name = propertyName(id);
    switch (encodingOf(id)) {
    case Encoding::Byte:
    case Encoding::TwoByte:
    case Encoding::FourByte:
    case Encoding::VarInt: {
        switch (v.metaType().id()) {
        case QMetaType::Bool:
        case QMetaType::Char:
        case QMetaType::SChar:
        case QMetaType::UChar:
        case QMetaType::Short:
        case QMetaType::UShort:
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Long:
        case QMetaType::ULong:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
            break;
        default:
            return QStringLiteral("property %1 needs an integer value").arg(name);
        }
        const qint64 signedValue = v.toLongLong();
        const quint64 n = v.toULongLong();
        const Encoding enc = encodingOf(id);
        if (signedValue < 0 && v.metaType().id() != QMetaType::ULongLong
            && v.metaType().id() != QMetaType::ULong)
            return QStringLiteral("property %1 value %2 is out of range")
                .arg(name)
                .arg(signedValue);
        if ((enc == Encoding::Byte && n > 0xFF) || (enc == Encoding::TwoByte && n > 0xFFFF)
            || (enc == Encoding::FourByte && n > 0xFFFFFFFFull)
            || (enc == Encoding::VarInt && (n < 1 || n > 268435455)))
            return QStringLiteral("property %1 value %2 is out of range").arg(name).arg(n);
        if ((id == Id::ReceiveMaximum || id == Id::MaximumPacketSize || id == Id::TopicAlias)
            && n == 0)
            return QStringLiteral("property %1 must not be 0").arg(name);
        if ((id == Id::PayloadFormatIndicator || id == Id::RequestProblemInformation
                || id == Id::RequestResponseInformation)
            && n > 1)
            return QStringLiteral("property %1 must be 0 or 1").arg(name);
        return {};
    }
    case Encoding::String:
        if (v.metaType().id() != QMetaType::QString)
            return QStringLiteral("property %1 needs a string value").arg(name);
        if (!isWellFormedString(v.toString()))
            return QStringLiteral("property %1 is not a valid MQTT string (bad UTF-16, U+0000 "
                                  "or longer than 65535 bytes)")
                .arg(name);
        return {};
    case Encoding::Binary:
        if (v.metaType().id() != QMetaType::QByteArray)
            return QStringLiteral("property %1 needs a QByteArray value").arg(name);
        if (v.toByteArray().size() > 65535)
            return QStringLiteral("property %1 is longer than 65535 bytes").arg(name);
        return {};
    case Encoding::Pair: {
        const QStringList pair = v.toStringList();
        if (v.metaType().id() != QMetaType::QStringList || pair.size() != 2)
            return QStringLiteral("a user property needs a {name, value} string list");
        if (!isWellFormedString(pair.at(0)) || !isWellFormedString(pair.at(1)))
            return QStringLiteral("a user property is not a valid MQTT string pair");
        return {};
    }
    }
    return {};
}

} // namespace

QString validateProperties(const Properties &properties, PacketKind kind)
{
    const QList<Properties::Id> ids = properties.ids();
    QHash<int, int> seen; // id -> how many values were checked
    for (const Properties::Id id : ids) {
        if (MQTTProperty_getType(MQTTPropertyCodes(int(id))) < 0)
            return QStringLiteral("unknown property id %1").arg(int(id));
        if (!allowedIn(id, kind))
            return QStringLiteral("property %1 is not allowed in this packet")
                .arg(propertyName(id));
        const int nth = seen[int(id)]++;
        if (nth > 0 && id != Properties::Id::UserProperty)
            return QStringLiteral("property %1 appears more than once").arg(propertyName(id));
        const QString error = validateValue(id, properties.values(id).value(nth));
        if (!error.isEmpty())
            return error;
    }
    return {};
}

MQTTProperties toPaho(const Properties &properties)
{
    MQTTProperties out = MQTTProperties_initializer;
    // Walk ids in insertion order and pick the n-th value of repeated ids, so user
    // properties keep their order on the wire. Property sets are small.
    const QList<Properties::Id> ids = properties.ids();
    QHash<int, int> seen;
    for (const Properties::Id id : ids) {
        const int nth = seen[int(id)]++;
        const QVariant v = properties.values(id).value(nth);
        MQTTProperty p {};
        p.identifier = MQTTPropertyCodes(int(id));
        QByteArray a, b; // keep the UTF-8 alive until MQTTProperties_add copies it
        switch (encodingOf(id)) {
        case Encoding::Byte:
            p.value.byte = static_cast<unsigned char>(v.toUInt());
            break;
        case Encoding::TwoByte:
            p.value.integer2 = static_cast<unsigned short>(v.toUInt());
            break;
        case Encoding::FourByte:
        case Encoding::VarInt:
            p.value.integer4 = v.toUInt();
            break;
        case Encoding::Binary:
            a = v.toByteArray();
            p.value.data.data = a.data();
            p.value.data.len = int(a.size());
            break;
        case Encoding::String:
            a = v.toString().toUtf8();
            p.value.data.data = a.data();
            p.value.data.len = int(a.size());
            break;
        case Encoding::Pair: {
            const QStringList pair = v.toStringList();
            a = pair.value(0).toUtf8();
            b = pair.value(1).toUtf8();
            p.value.data.data = a.data();
            p.value.data.len = int(a.size());
            p.value.value.data = b.data();
            p.value.value.len = int(b.size());
            break;
        }
        }
        MQTTProperties_add(&out, &p); // deep-copies strings and binary data
    }
    return out;
}

QString fromMqttUtf8(const char *data, int len)
{
    // [MQTT-1.5.4-3]: a leading U+FEFF must not be stripped (QString::fromUtf8 strips it).
    QStringDecoder decoder(QStringDecoder::Utf8,
        QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    return decoder(QByteArrayView(data, len));
}

Properties fromPaho(const MQTTProperties *props)
{
    Properties result;
    if (!props)
        return result;
    for (int i = 0; i < props->count; ++i) {
        const MQTTProperty &p = props->array[i];
        const auto id = Properties::Id(p.identifier);
        switch (encodingOf(id)) {
        case Encoding::Byte:
            result.addValue(id, quint32(p.value.byte));
            break;
        case Encoding::TwoByte:
            result.addValue(id, quint32(p.value.integer2));
            break;
        case Encoding::FourByte:
        case Encoding::VarInt:
            result.addValue(id, quint32(p.value.integer4));
            break;
        case Encoding::Binary:
            result.addValue(id, QByteArray(p.value.data.data, p.value.data.len));
            break;
        case Encoding::String:
            result.addValue(id, fromMqttUtf8(p.value.data.data, p.value.data.len));
            break;
        case Encoding::Pair:
            result.addUserProperty(fromMqttUtf8(p.value.data.data, p.value.data.len),
                fromMqttUtf8(p.value.value.data, p.value.value.len));
            break;
        }
    }
    return result;
}

} // namespace Internal
} // namespace QPaho
