// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_PROPERTIES_H
#define QPAHO_PROPERTIES_H

#include <QPaho/qpahoglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QPair>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QVariant>

#include <optional>

namespace QPaho {

class PropertiesData;

/*!
    \class QPaho::Properties
    \brief MQTT 5 properties as a Qt value type.

    Header: `<QPaho/Properties>`, CMake target `QPaho::QPaho`.

    Holds the properties of one MQTT 5 packet (CONNECT, CONNACK, PUBLISH, SUBSCRIBE, ...).
    User properties keep their order and may repeat; subscription identifiers may repeat
    too; every other property appears at most once. Typed accessors return
    \c std::nullopt when the property is absent. On an MQTT 3.1.1 connection a
    non-empty Properties makes the request fail with Error::Unsupported.

    Implicitly shared (copy on write) and reentrant.
*/
class QPAHO_EXPORT Properties
{
    Q_GADGET
public:
    /*! The property identifiers of MQTT 5 (section 2.2.2.2 of the spec). */
    enum class Id {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 2,
        ContentType = 3,
        ResponseTopic = 8,
        CorrelationData = 9,
        SubscriptionIdentifier = 11,
        SessionExpiryInterval = 17,
        AssignedClientIdentifier = 18,
        ServerKeepAlive = 19,
        AuthenticationMethod = 21,
        AuthenticationData = 22,
        RequestProblemInformation = 23,
        WillDelayInterval = 24,
        RequestResponseInformation = 25,
        ResponseInformation = 26,
        ServerReference = 28,
        ReasonString = 31,
        ReceiveMaximum = 33,
        TopicAliasMaximum = 34,
        TopicAlias = 35,
        MaximumQoS = 36,
        RetainAvailable = 37,
        UserProperty = 38,
        MaximumPacketSize = 39,
        WildcardSubscriptionAvailable = 40,
        SubscriptionIdentifiersAvailable = 41,
        SharedSubscriptionAvailable = 42
    };
    Q_ENUM(Id)

    /*! Ordered name/value pairs; the same name may appear more than once. */
    using UserProperties = QList<QPair<QString, QString>>;

    /*! Constructs an empty property set. */
    Properties();
    /*! Copy constructor. */
    Properties(const Properties &other);
    /*! Move constructor. */
    Properties(Properties &&other) noexcept;
    /*! Copy assignment. */
    Properties &operator=(const Properties &other);
    /*! Move assignment. */
    Properties &operator=(Properties &&other) noexcept;
    /*! Destructor. */
    ~Properties();
    /*! Swaps with \a other. */
    void swap(Properties &other) noexcept { d.swap(other.d); }

    /*! True when no property is set. */
    bool isEmpty() const;
    /*! Number of properties, counting each user property and subscription identifier. */
    int count() const;
    /*! True when property \a id is present at least once. */
    bool contains(Id id) const;
    /*! The identifiers present, in insertion order (repeated ids appear once per value). */
    QList<Id> ids() const;
    /*!
        The first value of \a id, or an invalid QVariant. Integers are \c quint32, strings
        QString, binary data QByteArray, user properties a QStringList of {name, value}.
    */
    QVariant value(Id id) const;
    /*! All values of \a id, in order. */
    QVariantList values(Id id) const;
    /*! Replaces every value of \a id with \a value. */
    void setValue(Id id, const QVariant &value);
    /*! Appends \a value for \a id (for user properties and subscription identifiers). */
    void addValue(Id id, const QVariant &value);
    /*! Removes every value of \a id. */
    void remove(Id id);
    /*! Removes every property. */
    void clear();

    /*! The user properties, in order. */
    UserProperties userProperties() const;
    /*! Replaces the user properties. */
    void setUserProperties(const UserProperties &properties);
    /*! Appends one user property; duplicates are allowed. */
    void addUserProperty(const QString &name, const QString &value);

    /*! Payload format indicator: true means the payload is UTF-8 text. */
    std::optional<bool> payloadFormatIndicator() const;
    /*! Sets the payload format indicator. */
    void setPayloadFormatIndicator(bool isUtf8Text);
    /*! Message expiry interval in seconds. */
    std::optional<quint32> messageExpiryInterval() const;
    /*! Sets the message expiry interval in seconds. */
    void setMessageExpiryInterval(quint32 seconds);
    /*! Content type (a MIME type by convention). */
    std::optional<QString> contentType() const;
    /*! Sets the content type. */
    void setContentType(const QString &contentType);
    /*! Response topic for request/response. */
    std::optional<QString> responseTopic() const;
    /*! Sets the response topic. */
    void setResponseTopic(const QString &topic);
    /*! Correlation data for request/response. */
    std::optional<QByteArray> correlationData() const;
    /*! Sets the correlation data. */
    void setCorrelationData(const QByteArray &data);
    /*! Subscription identifiers (PUBLISH from the broker may carry several). */
    QList<quint32> subscriptionIdentifiers() const;
    /*! Sets a single subscription identifier (SUBSCRIBE), 1..268435455. */
    void setSubscriptionIdentifier(quint32 identifier);
    /*! Session expiry interval in seconds (CONNECT, CONNACK, DISCONNECT). */
    std::optional<quint32> sessionExpiryInterval() const;
    /*! Sets the session expiry interval in seconds; 0xFFFFFFFF means never. */
    void setSessionExpiryInterval(quint32 seconds);
    /*! Will delay interval in seconds (will properties). */
    std::optional<quint32> willDelayInterval() const;
    /*! Sets the will delay interval in seconds. */
    void setWillDelayInterval(quint32 seconds);
    /*! Receive maximum (CONNECT, CONNACK). */
    std::optional<quint32> receiveMaximum() const;
    /*! Sets the receive maximum (1..65535). */
    void setReceiveMaximum(quint32 value);
    /*! Maximum packet size (CONNECT, CONNACK). */
    std::optional<quint32> maximumPacketSize() const;
    /*! Sets the maximum packet size. */
    void setMaximumPacketSize(quint32 bytes);
    /*! Topic alias maximum (CONNECT, CONNACK). */
    std::optional<quint32> topicAliasMaximum() const;
    /*! Sets the topic alias maximum. */
    void setTopicAliasMaximum(quint32 value);
    /*! Topic alias (PUBLISH). */
    std::optional<quint32> topicAlias() const;
    /*! Sets the topic alias. */
    void setTopicAlias(quint32 alias);
    /*! Maximum QoS the server accepts (CONNACK). */
    std::optional<quint32> maximumQoS() const;
    /*! Whether the server supports retained messages (CONNACK). */
    std::optional<bool> retainAvailable() const;
    /*! Client identifier assigned by the server (CONNACK). */
    std::optional<QString> assignedClientIdentifier() const;
    /*! Keep-alive the server imposes, in seconds (CONNACK). */
    std::optional<quint32> serverKeepAlive() const;
    /*! Human-readable reason string (acks, DISCONNECT). */
    std::optional<QString> reasonString() const;
    /*! Sets the reason string. */
    void setReasonString(const QString &reason);
    /*! Response information (CONNACK). */
    std::optional<QString> responseInformation() const;
    /*! Server reference (CONNACK, DISCONNECT). */
    std::optional<QString> serverReference() const;
    /*! Whether wildcard subscriptions are available (CONNACK). */
    std::optional<bool> wildcardSubscriptionAvailable() const;
    /*! Whether subscription identifiers are available (CONNACK). */
    std::optional<bool> subscriptionIdentifiersAvailable() const;
    /*! Whether shared subscriptions are available (CONNACK). */
    std::optional<bool> sharedSubscriptionAvailable() const;
    /*! Request response information (CONNECT). */
    void setRequestResponseInformation(bool request);
    /*! Request problem information (CONNECT). */
    void setRequestProblemInformation(bool request);
    /*! Authentication method (CONNECT). */
    std::optional<QString> authenticationMethod() const;
    /*! Sets the authentication method. */
    void setAuthenticationMethod(const QString &method);
    /*! Authentication data (CONNECT). */
    std::optional<QByteArray> authenticationData() const;
    /*! Sets the authentication data. */
    void setAuthenticationData(const QByteArray &data);

    /*! Compares contents, including the order of user properties. */
    friend QPAHO_EXPORT bool operator==(const Properties &lhs, const Properties &rhs);
    /*! Compares contents. */
    friend bool operator!=(const Properties &lhs, const Properties &rhs) { return !(lhs == rhs); }

private:
    QSharedDataPointer<PropertiesData> d;
};

/*! Writes a readable form of \a properties to \a debug. */
QPAHO_EXPORT QDebug operator<<(QDebug debug, const Properties &properties);

} // namespace QPaho

Q_DECLARE_SHARED(QPaho::Properties)
Q_DECLARE_METATYPE(QPaho::Properties)

#endif // QPAHO_PROPERTIES_H
