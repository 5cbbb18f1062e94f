// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// MisattributedSocketError: see misattributedsocketerror_p.h.
#include "paho/misattributedsocketerror_p.h"

#include "paho/pahoversion_p.h"

extern "C" {
#include <MQTTAsync.h>
}

namespace QPaho::Internal {

bool MisattributedSocketError::looksMisattributed(int pahoCode, const QString &pahoText)
{
    // MQTTAsync_receiveThread: nextOrClose(m, rc, "socket error") with rc == SOCKET_ERROR (-1,
    // the same value as MQTTASYNC_FAILURE). No other paho path uses these words.
    return pahoCode == MQTTASYNC_FAILURE && pahoText == QLatin1String("socket error");
}

bool MisattributedSocketError::retryAfterFailure(int pahoCode, const QString &pahoText)
{
    if (m_retried || !looksMisattributed(pahoCode, pahoText)
        || !pahoNeeds(Workaround::MisattributedSocketError)) {
        m_retried = false; // this failure is reported; the attempt after it may be retried
        return false;
    }
    m_retried = true;
    return true;
}

} // namespace QPaho::Internal
