// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_LOGGING_P_H
#define QPAHO_LOGGING_P_H

#include <QtCore/QLoggingCategory>

namespace QPaho::Internal {

Q_DECLARE_LOGGING_CATEGORY(lcClient) // "qpaho.client": connection events, requests
Q_DECLARE_LOGGING_CATEGORY(lcPaho) // "qpaho.paho": paho.mqtt.c's own trace

/*!
    Installs the process-wide paho trace forwarder once (paho's trace callback is
    global and carries no client). Must run after the first MQTTAsync_create.
*/
void installPahoTrace();

} // namespace QPaho::Internal

#endif // QPAHO_LOGGING_P_H
