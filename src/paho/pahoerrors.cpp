// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// paho's error codes and texts, and the MQTT reason codes paho names, turned into QPaho's words.

#include "paho/pahoerrors_p.h"

extern "C" {
#include <MQTTAsync.h>
}

static_assert(QPaho::Internal::PahoCode::Success == MQTTASYNC_SUCCESS);
static_assert(QPaho::Internal::PahoCode::Failure == MQTTASYNC_FAILURE);
static_assert(QPaho::Internal::PahoCode::Disconnected == MQTTASYNC_DISCONNECTED);
static_assert(QPaho::Internal::PahoCode::OperationIncomplete == MQTTASYNC_OPERATION_INCOMPLETE);
static_assert(QPaho::Internal::PahoCode::BadSubscribe == MQTT_BAD_SUBSCRIBE);

namespace QPaho::Internal {

QString pahoText(int rc)
{
    const char *text = MQTTAsync_strerror(rc);
    return text ? QString::fromUtf8(text) : QStringLiteral("paho error %1").arg(rc);
}

Error errorForPahoCode(int rc)
{
    switch (rc) {
    case MQTTASYNC_BAD_UTF8_STRING:
    case MQTTASYNC_NULL_PARAMETER:
    case MQTTASYNC_TOPICNAME_TRUNCATED:
    case MQTTASYNC_BAD_STRUCTURE:
    case MQTTASYNC_BAD_QOS:
    case MQTTASYNC_BAD_PROTOCOL:
    case MQTTASYNC_BAD_MQTT_OPTION:
    case MQTTASYNC_WRONG_MQTT_VERSION:
    case MQTTASYNC_0_LEN_WILL_TOPIC:
        return Error::InvalidArgument;
    case MQTTASYNC_DISCONNECTED:
        return Error::NotConnected;
    case MQTTASYNC_MAX_BUFFERED_MESSAGES:
        return Error::BufferFull;
    default:
        return Error::PahoError;
    }
}

QString connackText(int code)
{
    switch (code) {
    case 1:
        return QStringLiteral("unacceptable protocol version");
    case 2:
        return QStringLiteral("identifier rejected");
    case 3:
        return QStringLiteral("server unavailable");
    case 4:
        return QStringLiteral("bad user name or password");
    case 5:
        return QStringLiteral("not authorized");
    default:
        return QStringLiteral("refused with code %1").arg(code);
    }
}

QString reasonText(int reasonCode)
{
    const char *name = MQTTReasonCode_toString(MQTTReasonCodes(reasonCode));
    return name ? QString::fromUtf8(name)
                : QStringLiteral("reason code 0x%1").arg(reasonCode, 0, 16);
}

bool isPermanentRefusal(int reasonCode, bool mqtt5)
{
    if (!mqtt5)
        return reasonCode == 1 || reasonCode == 2 || reasonCode == 4 || reasonCode == 5;
    return reasonCode >= 0x80 && reasonCode != 0x88 /* server unavailable */
        && reasonCode != 0x89 /* server busy */ && reasonCode != 0x97 /* quota */;
}

} // namespace QPaho::Internal
