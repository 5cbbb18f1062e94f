// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_MISATTRIBUTEDSOCKETERROR_P_H
#define QPAHO_MISATTRIBUTEDSOCKETERROR_P_H

// MisattributedSocketError: a connect attempt that paho failed for another connection's error
// is made again at once.

#include "common/autotest_p.h"

#include <QtCore/QString>

namespace QPaho::Internal {

/*!
    Workaround for paho.mqtt.c 1.3.x (seen in 1.3.12, which reports itself as 1.3.11; the same
    MQTTAsync_receiveThread in upstream's 1.3.15 and in master of January 2026): paho's receive
    thread finds the client a ready socket belongs to *after* MQTTAsync_cycle() let go of paho's
    mutex, by the socket's number. When that cycle has just failed a connection and closed its
    socket (a connect whose peer reset it before CONNACK, "TCP connect completion failure"), it
    still returns the error and the old number. If paho's send thread takes the mutex first and
    opens a new connection, the kernel hands out that same number, and the receive thread blames
    the new connection: it closes it and fails its connect with code -1 and "socket error"
    although nothing went wrong with it. The window is a few instructions wide; a busy machine
    with a peer vanishing while another client connects hits it (tst_lifetime did, once, in CI).
    docs/paho-workarounds.md has the sequence.

    A connect attempt that ends with exactly that failure (code -1, paho's text "socket error")
    is therefore made again at once, without a signal and without a backoff step; the failure of
    that second attempt is reported as it is. A genuine failure with the same words (a TLS or
    WebSocket handshake that paho's receive thread sees fail) costs one extra attempt.

    Versions and switch (paho/pahoversion_p.h, docs/paho-workarounds.md):
    Workaround::MisattributedSocketError. Reproduced on 1.3.11 (Debian 12's 1.3.12), the code
    read in 1.3.15; no fixed release is known, so it is on for every version until a fix is
    recorded. retryAfterFailure() is the one gate. The test: tst_misattributedsocketerror (raw
    paho blames the new connect; a QPaho client connects anyway; with the gate off it fails).

    One per Client, owner thread only.
*/
class QPAHO_AUTOTEST_EXPORT MisattributedSocketError
{
public:
    /*!
        Whether paho's failure of a connect attempt, \a pahoCode and \a pahoText, may be
        another connection's error and the attempt should be made again at once. True at most
        once in a row: the next failure is reported, whatever it says. False when the running
        paho does not need the workaround.
    */
    bool retryAfterFailure(int pahoCode, const QString &pahoText);

    /*! A connect attempt succeeded or a new connect begins: the next failure may be retried. */
    void reset() { m_retried = false; }

    /*! The failure paho reports for a connection it blamed for another one's error. */
    static bool looksMisattributed(int pahoCode, const QString &pahoText);

private:
    bool m_retried = false;
};

} // namespace QPaho::Internal

#endif // QPAHO_MISATTRIBUTEDSOCKETERROR_P_H
