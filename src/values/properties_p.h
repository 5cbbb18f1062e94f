// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PROPERTIES_P_H
#define QPAHO_PROPERTIES_P_H

// PropertiesData, and the validation entry point the core uses before a property set goes out.

#include <QPaho/properties.h>

#include <QtCore/QSharedData>

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

/*!
    Returns an error text when \a properties holds a property not allowed in \a kind, or a
    value out of its range. Defined in paho/pahoproperties.cpp: it checks against paho's
    property table, so that what passes is what paho encodes.
*/
QString validateProperties(const Properties &properties, PacketKind kind);

} // namespace Internal
} // namespace QPaho

#endif // QPAHO_PROPERTIES_P_H
