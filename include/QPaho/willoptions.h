// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_WILLOPTIONS_H
#define QPAHO_WILLOPTIONS_H

#include <QPaho/properties.h>
#include <QPaho/qpahoglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace QPaho {

class WillOptionsData;

/*!
    \class QPaho::WillOptions
    \brief The last will: a message the broker publishes when the client vanishes.

    Header: `<QPaho/WillOptions>`. The broker publishes it when the connection
    ends without a DISCONNECT (crash, network loss, keep-alive timeout). A normal
    disconnectFromHost(), and destroying the Client while connected, suppress it.
    MQTT 5 will properties (will delay, message expiry, content type, ...) go in
    properties(). Implicitly shared.
*/
class QPAHO_EXPORT WillOptions
{
public:
    /*! No will (isValid() is false). */
    WillOptions();
    /*! A will publishing \a payload to \a topic. */
    WillOptions(const QString &topic, const QByteArray &payload, int qos = 0, bool retain = false);
    /*! Copy constructor. */
    WillOptions(const WillOptions &other);
    /*! Copy assignment. */
    WillOptions &operator=(const WillOptions &other);
    /*! Destructor. */
    ~WillOptions();

    /*! True when a topic is set. */
    bool isValid() const;
    /*! Will topic. */
    QString topic() const;
    /*! Sets the will topic. */
    void setTopic(const QString &topic);
    /*! Will payload. */
    QByteArray payload() const;
    /*! Sets the will payload. */
    void setPayload(const QByteArray &payload);
    /*! Will QoS. */
    int qos() const;
    /*! Sets the will QoS (0..2). */
    void setQos(int qos);
    /*! Whether the will is retained. */
    bool isRetained() const;
    /*! Sets the retain flag of the will. */
    void setRetained(bool retained);
    /*! MQTT 5 will properties. */
    Properties properties() const;
    /*! Sets the MQTT 5 will properties (e.g. Properties::setWillDelayInterval()). */
    void setProperties(const Properties &properties);

private:
    QSharedDataPointer<WillOptionsData> d;
};

} // namespace QPaho

#endif // QPAHO_WILLOPTIONS_H
