// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_LOGGING_P_H
#define QPAHO_LOGGING_P_H

// QPaho's logging categories (qpaho.client, qpaho.reconnect, qpaho.paho, ...).

#include <QtCore/QLoggingCategory>

namespace QPaho::Internal {

Q_DECLARE_LOGGING_CATEGORY(lcClient) // "qpaho.client": connection events, requests
Q_DECLARE_LOGGING_CATEGORY(lcPaho) // "qpaho.paho": paho.mqtt.c's own trace
Q_DECLARE_LOGGING_CATEGORY(lcReconnect) // "qpaho.reconnect": automatic reconnect

} // namespace QPaho::Internal

#endif // QPAHO_LOGGING_P_H
