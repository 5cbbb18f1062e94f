// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_SUBSCRIBEOPTIONS_H
#define QPAHO_SUBSCRIBEOPTIONS_H

#include <QPaho/properties.h>
#include <QPaho/qpahoglobal.h>

#include <QtCore/QSharedDataPointer>

namespace QPaho {

class SubscribeOptionsData;

/*!
    \class QPaho::SubscribeOptions
    \brief Per-subscription options: QoS and the MQTT 5 subscription options.

    Header: `<QPaho/SubscribeOptions>`. noLocal, retainAsPublished, a retain handling
    other than SendOnSubscribe, and properties need an MQTT 5 connection; on MQTT 3.1.1
    the subscribe fails with Error::Unsupported instead of silently dropping them.
    Implicitly shared.
*/
class QPAHO_EXPORT SubscribeOptions
{
public:
    /*! When retained messages are sent for a new subscription (MQTT 5). */
    enum class RetainHandling {
        SendOnSubscribe = 0, //!< always (the MQTT 3.1.1 behaviour)
        SendIfNew = 1, //!< only if the subscription did not exist
        DoNotSend = 2 //!< never
    };

    /*! QoS 0 with default options. */
    SubscribeOptions();
    /*! Options with maximum QoS \a qos. */
    SubscribeOptions(int qos); // NOLINT(google-explicit-constructor): an int is a natural option
    /*! Copy constructor. */
    SubscribeOptions(const SubscribeOptions &other);
    /*! Copy assignment. */
    SubscribeOptions &operator=(const SubscribeOptions &other);
    /*! Destructor. */
    ~SubscribeOptions();

    /*! The maximum QoS requested. */
    int qos() const;
    /*! Sets the maximum QoS requested (0..2). */
    void setQos(int qos);
    /*! MQTT 5 no-local: do not receive own publications. */
    bool noLocal() const;
    /*! Sets no-local (a protocol error on shared subscriptions, rejected client-side). */
    void setNoLocal(bool noLocal);
    /*! MQTT 5 retain-as-published. */
    bool retainAsPublished() const;
    /*! Sets retain-as-published. */
    void setRetainAsPublished(bool retainAsPublished);
    /*! MQTT 5 retain handling. */
    RetainHandling retainHandling() const;
    /*! Sets retain handling. */
    void setRetainHandling(RetainHandling handling);
    /*! MQTT 5 SUBSCRIBE properties (subscription identifier, user properties). */
    Properties properties() const;
    /*! Sets the SUBSCRIBE properties. */
    void setProperties(const Properties &properties);
    /*! True when an MQTT 5 feature is used (so MQTT 3.1.1 cannot honour it). */
    bool needsMqtt5() const;

private:
    QSharedDataPointer<SubscribeOptionsData> d;
};

} // namespace QPaho

#endif // QPAHO_SUBSCRIBEOPTIONS_H
