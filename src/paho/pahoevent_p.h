// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOEVENT_P_H
#define QPAHO_PAHOEVENT_P_H

// What the paho layer reports to the owner-thread core: one event per paho callback, copied out
// of paho's memory. No paho header here: the core sees events, never paho's types.

#include <QPaho/message.h>
#include <QPaho/properties.h>

#include <QtCore/QList>
#include <QtCore/QString>

#include <optional>

namespace QPaho::Internal {

enum class RequestKind : quint8 { Connect, Disconnect, Subscribe, Unsubscribe, Publish };

/*! One thing that happened on a paho thread, copied out of paho's memory. */
struct BridgeEvent
{
    enum class Type : quint8 {
        Success, // a request's onSuccess
        Failure, // a request's onFailure
        MessageArrived,
        ConnectionLost,
        ServerDisconnect, // MQTT 5 DISCONNECT from the broker (no connectionLost follows)
        DeliveryComplete // a QoS 1/2 publish completed (used for restored publishes)
    };
    Type type = Type::Success;
    RequestKind kind = RequestKind::Publish;
    bool sessionPresent = false;
    bool dropped = false; // a message dropped by the inbound overflow policy
    int code = 0; // paho return code
    int reasonCode = 0;
    int token = 0;
    int mqttVersion = 0;
    quint64 requestId = 0;
    QString text; // failure message, lost cause, or the connected server URI
    QList<int> reasonCodes;
    std::optional<Properties> properties;
    std::optional<Message> message;
};

} // namespace QPaho::Internal

#endif // QPAHO_PAHOEVENT_P_H
