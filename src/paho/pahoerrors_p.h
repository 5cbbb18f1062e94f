// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOERRORS_P_H
#define QPAHO_PAHOERRORS_P_H

// paho's return codes and texts, CONNACK and MQTT 5 reason codes, in QPaho's words.

#include <QPaho/result.h>

#include <QtCore/QString>

// paho's return codes and their texts, for the core, which sees paho's codes in events and
// results but includes no paho header.

namespace QPaho::Internal {

/*! The paho return codes the core acts on (MQTTASYNC_* and MQTT_BAD_SUBSCRIBE). */
namespace PahoCode {
constexpr int Success = 0;
constexpr int Failure = -1;
constexpr int Disconnected = -3;
constexpr int OperationIncomplete = -11;
/*! A SUBSCRIBE the broker refused (MQTT 3.1.1 return code 0x80). */
constexpr int BadSubscribe = 0x80;
} // namespace PahoCode

/*! paho's text for a return code (MQTTAsync_strerror), or "paho error <rc>". */
QString pahoText(int rc);

/*! The QPaho error a paho return code stands for (bad arguments, not connected, full...). */
Error errorForPahoCode(int rc);

/*! The meaning of an MQTT 3.1.1 CONNACK return code (1-5). */
QString connackText(int code);

/*! paho's name of an MQTT 5 reason code, or "reason code 0x..". */
QString reasonText(int reasonCode);

/*! Whether a CONNACK refusal is final: retrying with the same credentials will not help. */
bool isPermanentRefusal(int reasonCode, bool mqtt5);

} // namespace QPaho::Internal

#endif // QPAHO_PAHOERRORS_P_H
