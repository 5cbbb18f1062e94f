// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_RESENDLOOPGUARD_P_H
#define QPAHO_RESENDLOOPGUARD_P_H

// ResendLoopGuard: detects by its symptom a publication that paho re-sends after every reconnect
// and that breaks every connection (docs/paho-resend-loop.md). Pure bookkeeping on the owner
// thread: the core decides what to do when it fires.

#include <QtCore/QtGlobal>

namespace QPaho::Internal {

/*!
    Recognises the one connection failure that automatic reconnect cannot end by itself: paho
    holds a publication that breaks the connection every time paho re-sends it after a
    reconnect with a session. paho 1.3.x (at least 1.3.12 through 1.3.16) can corrupt a stored
    QoS 1/2 publication after a failed socket write (docs/paho-resend-loop.md); the broker
    then closes each new connection as soon as the garbage arrives ("malformed packet"), and
    a publication the broker refuses by closing the connection (a v3.1.1 packet over its
    max_packet_size) does the same.

    The signature: kLossesInARow connections in a row, each resumed with a session while paho
    held acknowledged publishes, each lost within kShortConnectionMs of its CONNACK, and none
    of them acknowledged a single publish. Legitimate faults (a cut, a black hole, a broker
    restart) do not repeat that pattern: the connection after them makes progress.

    Pure logic, owner thread only; it never calls paho. ClientPrivate feeds it and, when
    lost() says so, discards paho's session state (see ClientPrivate::discardPahoSession()).
*/
class ResendLoopGuard
{
public:
    static constexpr int kLossesInARow = 3;
    static constexpr qint64 kShortConnectionMs = 5000;

    /*!
        A connection was established at \a nowMs. \a resending: the broker resumed a session
        and paho holds acknowledged publishes, which it re-sends now.
    */
    void connected(qint64 nowMs, bool resending)
    {
        m_connectedAtMs = nowMs;
        m_resending = resending;
        m_progressed = false;
    }
    /*! The broker acknowledged a publish on the current connection. */
    void progressed()
    {
        m_progressed = true;
        m_lossesInARow = 0;
    }
    /*!
        The connection was lost at \a nowMs. Returns true when this loss completes the loop
        signature; the count starts again afterwards.
    */
    bool lost(qint64 nowMs)
    {
        const bool suspicious = m_connectedAtMs >= 0 && m_resending && !m_progressed
            && nowMs - m_connectedAtMs < kShortConnectionMs;
        m_lossesInARow = suspicious ? m_lossesInARow + 1 : 0;
        m_connectedAtMs = -1;
        if (m_lossesInARow < kLossesInARow)
            return false;
        m_lossesInARow = 0;
        return true;
    }
    /*! Forgets everything (a new connectToHost(), a discarded session). */
    void reset() { *this = ResendLoopGuard(); }
    /*! Suspicious losses counted so far. */
    int lossesInARow() const { return m_lossesInARow; }

private:
    qint64 m_connectedAtMs = -1;
    bool m_resending = false;
    bool m_progressed = false;
    int m_lossesInARow = 0;
};

} // namespace QPaho::Internal

#endif // QPAHO_RESENDLOOPGUARD_P_H
