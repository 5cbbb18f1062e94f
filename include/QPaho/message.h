// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_MESSAGE_H
#define QPAHO_MESSAGE_H

#include <QPaho/properties.h>
#include <QPaho/qpahoglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace QPaho {

class MessageData;

/*!
    \class QPaho::Message
    \brief An MQTT application message: topic, payload, QoS, flags and MQTT 5 properties.

    Header: `<QPaho/Message>`, CMake target `QPaho::QPaho`.

    Received messages arrive through Client::messageReceived() and message handlers;
    a Message can also be built and passed to Client::publish(). Implicitly shared:
    copying is cheap, and the payload is never copied again after it left paho.
    Registered with the meta-type system, so it crosses queued connections.
*/
class QPAHO_EXPORT Message
{
    Q_GADGET
    Q_PROPERTY(QString topic READ topic CONSTANT)
    Q_PROPERTY(QByteArray payload READ payload CONSTANT)
    Q_PROPERTY(int qos READ qos CONSTANT)
    Q_PROPERTY(bool retained READ isRetained CONSTANT)
    Q_PROPERTY(bool duplicate READ isDuplicate CONSTANT)
    Q_PROPERTY(int messageId READ messageId CONSTANT)
public:
    /*! Constructs an empty message (no topic, QoS 0). */
    Message();
    /*! Constructs a message for publishing. */
    Message(const QString &topic, const QByteArray &payload, int qos = 0, bool retain = false);
    /*! Copy constructor. */
    Message(const Message &other);
    /*! Move constructor. */
    Message(Message &&other) noexcept;
    /*! Copy assignment. */
    Message &operator=(const Message &other);
    /*! Move assignment. */
    Message &operator=(Message &&other) noexcept;
    /*! Destructor. */
    ~Message();
    /*! Swaps with \a other. */
    void swap(Message &other) noexcept { d.swap(other.d); }

    /*! True when the message has a topic (a received or publishable message). */
    bool isValid() const;
    /*! The topic name. */
    QString topic() const;
    /*! Sets the topic name. */
    void setTopic(const QString &topic);
    /*! The payload bytes (may contain NUL bytes; may be empty). */
    QByteArray payload() const;
    /*! Sets the payload. */
    void setPayload(const QByteArray &payload);
    /*! Quality of service, 0, 1 or 2. */
    int qos() const;
    /*! Sets the quality of service; values outside 0..2 make publish() fail. */
    void setQos(int qos);
    /*! True for a retained message (or, when publishing, a request to retain it). */
    bool isRetained() const;
    /*! Sets the retain flag. */
    void setRetained(bool retained);
    /*! True when the broker flagged this delivery as a possible duplicate (DUP). */
    bool isDuplicate() const;
    /*! Sets the DUP flag (only meaningful on received messages). */
    void setDuplicate(bool duplicate);
    /*! The MQTT packet identifier of a received QoS 1/2 message, 0 otherwise. */
    int messageId() const;
    /*! Sets the packet identifier (informational). */
    void setMessageId(int id);
    /*! MQTT 5 properties of the PUBLISH packet. */
    Properties properties() const;
    /*! Sets the MQTT 5 properties (publishing on MQTT 3.1.1 with properties fails). */
    void setProperties(const Properties &properties);

    /*! Compares contents (topic, payload, flags, properties), not identity. */
    friend QPAHO_EXPORT bool operator==(const Message &lhs, const Message &rhs);
    /*! Compares contents. */
    friend bool operator!=(const Message &lhs, const Message &rhs) { return !(lhs == rhs); }

private:
    QSharedDataPointer<MessageData> d;
};

/*! Writes a readable form of \a message (topic, size, QoS, flags) to \a debug. */
QPAHO_EXPORT QDebug operator<<(QDebug debug, const Message &message);

} // namespace QPaho

Q_DECLARE_SHARED(QPaho::Message)
Q_DECLARE_METATYPE(QPaho::Message)

#endif // QPAHO_MESSAGE_H
