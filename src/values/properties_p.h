// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PROPERTIES_P_H
#define QPAHO_PROPERTIES_P_H

#include <QPaho/properties.h>

#include <QtCore/QSharedData>

extern "C" {
#include <MQTTProperties.h>
}

namespace QPaho {

class PropertiesData : public QSharedData
{
public:
    struct Entry
    {
        Properties::Id id;
        QVariant value;
    };
    // Insertion order is kept: user properties must stay ordered, and a stable order
    // makes encoded packets reproducible.
    QList<Entry> entries;
};

namespace Internal {

/*! Which packet a property set travels in; paho checks none of this itself. */
enum class PacketKind { Connect, Will, Publish, Subscribe, Unsubscribe, Disconnect };

/*! Returns an error text when \a properties holds a property not allowed in \a kind. */
QString validateProperties(const Properties &properties, PacketKind kind);

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

} // namespace Internal
} // namespace QPaho

#endif // QPAHO_PROPERTIES_P_H
