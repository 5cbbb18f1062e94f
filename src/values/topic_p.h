// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_TOPIC_P_H
#define QPAHO_TOPIC_P_H

// Topic name validation for the core's publish path, which needs the UTF-8 length too.

#include <QtCore/QString>
#include <QtCore/QStringView>

namespace QPaho::Internal {

/*!
    Topic::nameError() for \a topicName; when it is valid, also its UTF-8 length in
    \a utf8Bytes (one pass over the UTF-16, no conversion).
*/
QString topicNameError(QStringView topicName, qint64 *utf8Bytes);

} // namespace QPaho::Internal

#endif // QPAHO_TOPIC_P_H
