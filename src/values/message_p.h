// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_MESSAGE_P_H
#define QPAHO_MESSAGE_P_H

// MessageData, the shared data behind Message.

#include <QPaho/message.h>

#include <QtCore/QSharedData>

namespace QPaho {

class MessageData : public QSharedData
{
public:
    QString topic;
    QByteArray payload;
    Properties properties;
    int qos = 0;
    int messageId = 0;
    bool retained = false;
    bool duplicate = false;
};

} // namespace QPaho

#endif // QPAHO_MESSAGE_P_H
