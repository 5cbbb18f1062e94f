// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "values/properties_p.h"

#include <QtCore/QDebug>
#include <QtCore/QHash>
#include <QtCore/QStringDecoder>
#include <QtCore/QStringList>
#include <QtCore/QStringView>

#include <algorithm>

namespace QPaho {

namespace {
// Most messages and results carry no properties: share one empty instance instead of
// allocating per object. The extra reference keeps it alive for the process lifetime.
PropertiesData *sharedEmptyProperties()
{
    static PropertiesData *const empty = [] {
        auto *data = new PropertiesData;
        data->ref.ref();
        return data;
    }();
    return empty;
}
} // namespace

Properties::Properties() : d(sharedEmptyProperties()) { }
Properties::Properties(const Properties &other) = default;
Properties::Properties(Properties &&other) noexcept = default;
Properties &Properties::operator=(const Properties &other) = default;
Properties &Properties::operator=(Properties &&other) noexcept = default;
Properties::~Properties() = default;

bool Properties::isEmpty() const
{
    return d->entries.isEmpty();
}

int Properties::count() const
{
    return int(d->entries.size());
}

bool Properties::contains(Id id) const
{
    return std::any_of(d->entries.cbegin(), d->entries.cend(),
        [id](const PropertiesData::Entry &e) { return e.id == id; });
}

QList<Properties::Id> Properties::ids() const
{
    QList<Id> result;
    result.reserve(d->entries.size());
    for (const auto &e : d->entries)
        result.append(e.id);
    return result;
}

QVariant Properties::value(Id id) const
{
    for (const auto &e : d->entries) {
        if (e.id == id)
            return e.value;
    }
    return {};
}

QVariantList Properties::values(Id id) const
{
    QVariantList result;
    for (const auto &e : d->entries) {
        if (e.id == id)
            result.append(e.value);
    }
    return result;
}

void Properties::setValue(Id id, const QVariant &value)
{
    remove(id);
    addValue(id, value);
}

void Properties::addValue(Id id, const QVariant &value)
{
    d->entries.append({ id, value });
}

void Properties::remove(Id id)
{
    if (!contains(id))
        return; // no detach when nothing changes
    d->entries.removeIf([id](const PropertiesData::Entry &e) { return e.id == id; });
}

void Properties::clear()
{
    if (!isEmpty())
        d->entries.clear();
}

Properties::UserProperties Properties::userProperties() const
{
    UserProperties result;
    for (const auto &e : d->entries) {
        if (e.id == Id::UserProperty) {
            const QStringList pair = e.value.toStringList();
            result.append({ pair.value(0), pair.value(1) });
        }
    }
    return result;
}

void Properties::setUserProperties(const UserProperties &properties)
{
    remove(Id::UserProperty);
    for (const auto &p : properties)
        addUserProperty(p.first, p.second);
}

void Properties::addUserProperty(const QString &name, const QString &value)
{
    addValue(Id::UserProperty, QStringList { name, value });
}

namespace {
template<typename T>
std::optional<T> typed(const Properties &p, Properties::Id id)
{
    const QVariant v = p.value(id);
    if (!v.isValid())
        return std::nullopt;
    return v.value<T>();
}
std::optional<bool> flag(const Properties &p, Properties::Id id)
{
    const QVariant v = p.value(id);
    if (!v.isValid())
        return std::nullopt;
    return v.toUInt() != 0;
}
} // namespace

std::optional<bool> Properties::payloadFormatIndicator() const
{
    return flag(*this, Id::PayloadFormatIndicator);
}
void Properties::setPayloadFormatIndicator(bool isUtf8Text)
{
    setValue(Id::PayloadFormatIndicator, quint32(isUtf8Text ? 1 : 0));
}
std::optional<quint32> Properties::messageExpiryInterval() const
{
    return typed<quint32>(*this, Id::MessageExpiryInterval);
}
void Properties::setMessageExpiryInterval(quint32 seconds)
{
    setValue(Id::MessageExpiryInterval, seconds);
}
std::optional<QString> Properties::contentType() const
{
    return typed<QString>(*this, Id::ContentType);
}
void Properties::setContentType(const QString &contentType)
{
    setValue(Id::ContentType, contentType);
}
std::optional<QString> Properties::responseTopic() const
{
    return typed<QString>(*this, Id::ResponseTopic);
}
void Properties::setResponseTopic(const QString &topic)
{
    setValue(Id::ResponseTopic, topic);
}
std::optional<QByteArray> Properties::correlationData() const
{
    return typed<QByteArray>(*this, Id::CorrelationData);
}
void Properties::setCorrelationData(const QByteArray &data)
{
    setValue(Id::CorrelationData, data);
}
QList<quint32> Properties::subscriptionIdentifiers() const
{
    QList<quint32> result;
    for (const auto &e : d->entries) {
        if (e.id == Id::SubscriptionIdentifier)
            result.append(e.value.toUInt());
    }
    return result;
}
void Properties::setSubscriptionIdentifier(quint32 identifier)
{
    setValue(Id::SubscriptionIdentifier, identifier);
}
std::optional<quint32> Properties::sessionExpiryInterval() const
{
    return typed<quint32>(*this, Id::SessionExpiryInterval);
}
void Properties::setSessionExpiryInterval(quint32 seconds)
{
    setValue(Id::SessionExpiryInterval, seconds);
}
std::optional<quint32> Properties::willDelayInterval() const
{
    return typed<quint32>(*this, Id::WillDelayInterval);
}
void Properties::setWillDelayInterval(quint32 seconds)
{
    setValue(Id::WillDelayInterval, seconds);
}
std::optional<quint32> Properties::receiveMaximum() const
{
    return typed<quint32>(*this, Id::ReceiveMaximum);
}
void Properties::setReceiveMaximum(quint32 value)
{
    setValue(Id::ReceiveMaximum, value);
}
std::optional<quint32> Properties::maximumPacketSize() const
{
    return typed<quint32>(*this, Id::MaximumPacketSize);
}
void Properties::setMaximumPacketSize(quint32 bytes)
{
    setValue(Id::MaximumPacketSize, bytes);
}
std::optional<quint32> Properties::topicAliasMaximum() const
{
    return typed<quint32>(*this, Id::TopicAliasMaximum);
}
void Properties::setTopicAliasMaximum(quint32 value)
{
    setValue(Id::TopicAliasMaximum, value);
}
std::optional<quint32> Properties::topicAlias() const
{
    return typed<quint32>(*this, Id::TopicAlias);
}
void Properties::setTopicAlias(quint32 alias)
{
    setValue(Id::TopicAlias, alias);
}
std::optional<quint32> Properties::maximumQoS() const
{
    return typed<quint32>(*this, Id::MaximumQoS);
}
std::optional<bool> Properties::retainAvailable() const
{
    return flag(*this, Id::RetainAvailable);
}
std::optional<QString> Properties::assignedClientIdentifier() const
{
    return typed<QString>(*this, Id::AssignedClientIdentifier);
}
std::optional<quint32> Properties::serverKeepAlive() const
{
    return typed<quint32>(*this, Id::ServerKeepAlive);
}
std::optional<QString> Properties::reasonString() const
{
    return typed<QString>(*this, Id::ReasonString);
}
void Properties::setReasonString(const QString &reason)
{
    setValue(Id::ReasonString, reason);
}
std::optional<QString> Properties::responseInformation() const
{
    return typed<QString>(*this, Id::ResponseInformation);
}
std::optional<QString> Properties::serverReference() const
{
    return typed<QString>(*this, Id::ServerReference);
}
std::optional<bool> Properties::wildcardSubscriptionAvailable() const
{
    return flag(*this, Id::WildcardSubscriptionAvailable);
}
std::optional<bool> Properties::subscriptionIdentifiersAvailable() const
{
    return flag(*this, Id::SubscriptionIdentifiersAvailable);
}
std::optional<bool> Properties::sharedSubscriptionAvailable() const
{
    return flag(*this, Id::SharedSubscriptionAvailable);
}
void Properties::setRequestResponseInformation(bool request)
{
    setValue(Id::RequestResponseInformation, quint32(request ? 1 : 0));
}
void Properties::setRequestProblemInformation(bool request)
{
    setValue(Id::RequestProblemInformation, quint32(request ? 1 : 0));
}
std::optional<QString> Properties::authenticationMethod() const
{
    return typed<QString>(*this, Id::AuthenticationMethod);
}
void Properties::setAuthenticationMethod(const QString &method)
{
    setValue(Id::AuthenticationMethod, method);
}
std::optional<QByteArray> Properties::authenticationData() const
{
    return typed<QByteArray>(*this, Id::AuthenticationData);
}
void Properties::setAuthenticationData(const QByteArray &data)
{
    setValue(Id::AuthenticationData, data);
}

bool operator==(const Properties &lhs, const Properties &rhs)
{
    if (lhs.d == rhs.d)
        return true;
    const auto &a = lhs.d->entries;
    const auto &b = rhs.d->entries;
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].id != b[i].id || a[i].value != b[i].value)
            return false;
    }
    return true;
}

QDebug operator<<(QDebug debug, const Properties &properties)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "Properties(";
    bool first = true;
    for (auto id : properties.ids()) {
        if (!first)
            debug << ", ";
        first = false;
        debug << id;
    }
    debug << ')';
    return debug;
}

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
