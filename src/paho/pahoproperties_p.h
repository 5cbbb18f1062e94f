// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOPROPERTIES_P_H
#define QPAHO_PAHOPROPERTIES_P_H

// Properties to and from paho's MQTTProperties. Paho layer only: the core never sees paho types.

#include <QPaho/properties.h>

extern "C" {
#include <MQTTProperties.h>
}

namespace QPaho::Internal {

/*!
    Builds paho properties (deep copies). The caller owns the result and frees it
    with MQTTProperties_free(). Requires that paho's heap is initialised (any
    MQTTAsync_create has run), see paho-qt-notes §3.
*/
MQTTProperties toPaho(const Properties &properties);

/*!
    Decodes an MQTT UTF-8 string. Unlike QString::fromUtf8 it keeps a leading U+FEFF,
    which [MQTT-1.5.4-3] says must not be skipped or stripped.
*/
QString fromMqttUtf8(const char *data, int len);

/*! Copies borrowed paho properties into a Qt value; \a props may be null. */
Properties fromPaho(const MQTTProperties *props);

} // namespace QPaho::Internal

#endif // QPAHO_PAHOPROPERTIES_P_H
