// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Properties: an implicitly shared list of MQTT 5 properties with typed accessors. The checks
// against paho's property table and the conversions live in paho/pahoproperties.cpp.
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

} // namespace QPaho
