// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Message: an implicitly shared value (topic, payload, QoS, flags, properties). No paho, no
// threads.
#include "values/message_p.h"

#include <QtCore/QDebug>

namespace QPaho {

Message::Message() : d(new MessageData) { }

Message::Message(const QString &topic, const QByteArray &payload, int qos, bool retain)
    : d(new MessageData)
{
    d->topic = topic;
    d->payload = payload;
    d->qos = qos;
    d->retained = retain;
}

Message::Message(const Message &other) = default;
Message::Message(Message &&other) noexcept = default;
Message &Message::operator=(const Message &other) = default;
Message &Message::operator=(Message &&other) noexcept = default;
Message::~Message() = default;

bool Message::isValid() const
{
    return !d->topic.isEmpty();
}

QString Message::topic() const
{
    return d->topic;
}
void Message::setTopic(const QString &topic)
{
    d->topic = topic;
}
QByteArray Message::payload() const
{
    return d->payload;
}
void Message::setPayload(const QByteArray &payload)
{
    d->payload = payload;
}
int Message::qos() const
{
    return d->qos;
}
void Message::setQos(int qos)
{
    d->qos = qos;
}
bool Message::isRetained() const
{
    return d->retained;
}
void Message::setRetained(bool retained)
{
    d->retained = retained;
}
bool Message::isDuplicate() const
{
    return d->duplicate;
}
void Message::setDuplicate(bool duplicate)
{
    d->duplicate = duplicate;
}
int Message::messageId() const
{
    return d->messageId;
}
void Message::setMessageId(int id)
{
    d->messageId = id;
}
Properties Message::properties() const
{
    return d->properties;
}
void Message::setProperties(const Properties &properties)
{
    d->properties = properties;
}

bool operator==(const Message &lhs, const Message &rhs)
{
    return lhs.d == rhs.d
        || (lhs.d->topic == rhs.d->topic && lhs.d->payload == rhs.d->payload
            && lhs.d->qos == rhs.d->qos && lhs.d->retained == rhs.d->retained
            && lhs.d->duplicate == rhs.d->duplicate && lhs.d->properties == rhs.d->properties);
}

QDebug operator<<(QDebug debug, const Message &message)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "Message(" << message.topic() << ", " << message.payload().size()
                    << " bytes, qos " << message.qos();
    if (message.isRetained())
        debug << ", retained";
    if (message.isDuplicate())
        debug << ", dup";
    debug << ')';
    return debug;
}

} // namespace QPaho
