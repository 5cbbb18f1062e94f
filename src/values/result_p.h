// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_RESULT_P_H
#define QPAHO_RESULT_P_H

// ResultData, and ResultAccess for the core to fill in a Result.

#include <QPaho/result.h>

#include <QtCore/QSharedData>

namespace QPaho {

// One data class behind every result type: the typed results only add accessors.
class ResultData : public QSharedData
{
public:
    Error error = Error::NoError;
    QString errorString;
    int pahoCode = 0;
    int reasonCode = 0;
    Properties properties;
    // connect
    bool sessionPresent = false;
    ProtocolVersion protocolVersion = ProtocolVersion::Mqtt311;
    QString serverUri;
    QString clientId;
    // subscribe / unsubscribe
    QStringList filters;
    QList<int> reasonCodes;
    // publish
    int messageId = 0;
    QString topic;
};

namespace Internal {
struct ResultAccess
{
    static ResultData &data(Result &r) { return *r.d; }
    static const ResultData &data(const Result &r) { return *r.d; }
};

/*! A failed result of kind \a error. */
inline Result failure(Error error, const QString &text, int pahoCode = 0, int reasonCode = 0)
{
    return Result(error, text, pahoCode, reasonCode);
}
} // namespace Internal

} // namespace QPaho

#endif // QPAHO_RESULT_P_H
