// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOVERSION_P_H
#define QPAHO_PAHOVERSION_P_H

// The paho version this process runs (MQTTAsync_getVersionInfo) and the gate of each workaround:
// pahoNeeds() says whether this paho has the defect a workaround exists for
// (docs/paho-workarounds.md).

#include "common/autotest_p.h"

#include <QtCore/QByteArray>

namespace QPaho::Internal {

// The paho.mqtt.c version the process runs with, and which of QPaho's paho workarounds it needs
// (docs/paho-workarounds.md: one section per workaround).
//
// The version is read once, at run time, from MQTTAsync_getVersionInfo() ("Version" entry), not
// from the headers QPaho was built against: the shared library can be upgraded under a built
// QPaho. Debian 12's package 1.3.12 reports 1.3.11 (its CLIENT_VERSION was not bumped).
//
// The rule. No released paho fixes any of these defects as far as we know, so each workaround
// is on for every version, including versions newer than the newest one we checked: running a
// workaround on a paho that no longer needs it costs a little, missing it costs a hang, a
// latency or a crash. A workaround goes off only for versions at or after its recorded `fixedIn`
// release: whoever confirms an upstream fix (the workaround's test fails against it, or its
// source shows the fix) records that release in the table in pahoversion.cpp, and a process on
// that paho or later then switches the workaround off by itself. An unreadable version counts as
// an old one: everything stays on.

// A paho.mqtt.c release number, "major.minor.patch".
struct QPAHO_AUTOTEST_EXPORT PahoVersion
{
    int major = -1; // -1: not a version
    int minor = 0;
    int patch = 0;

    constexpr bool isValid() const { return major >= 0; }
    // "1.3.11" (trailing text after the patch number, like "-rc1", is ignored); invalid for
    // anything that does not start with three dot-separated numbers.
    static PahoVersion fromString(const char *text);
    QByteArray toString() const; // "1.3.11", or "unknown"

    friend constexpr bool operator==(const PahoVersion &a, const PahoVersion &b)
    {
        return a.major == b.major && a.minor == b.minor && a.patch == b.patch;
    }
    friend constexpr bool operator!=(const PahoVersion &a, const PahoVersion &b)
    {
        return !(a == b);
    }
    friend constexpr bool operator<(const PahoVersion &a, const PahoVersion &b)
    {
        if (a.major != b.major)
            return a.major < b.major;
        if (a.minor != b.minor)
            return a.minor < b.minor;
        return a.patch < b.patch;
    }
    friend constexpr bool operator>=(const PahoVersion &a, const PahoVersion &b)
    {
        return !(a < b);
    }
};

// One entry per paho defect that QPaho works around; each is switched in its own file.
enum class Workaround {
    // paho's receive thread polls a copy of the socket set for 1 s: new sockets, completed TCP
    // connects and pending partial writes wait for the next cycle. PahoWaker::wake()/wakeFor().
    ReceiveThreadPoll,
    // paho's send thread waits on a condition variable without a predicate: a signal sent while
    // it is busy is lost and queued commands wait up to 1 s. PahoWaker::kickSendThread().
    SendThreadLostSignal,
    // paho never sets TCP_NODELAY and hides its socket: Nagle + delayed ACK stall QoS 1/2.
    // NoDelayTracker::prepare() (nodelay.cpp).
    NoTcpNoDelay,
    // MQTTAsync_destroy() blocks the caller: paho's global mutex (held across callbacks and DNS)
    // and, for the last client, a 100 ms sleep loop until paho's threads stop.
    // HandleReaper::destroyLater().
    BlockingDestroy,
    // A failed write of a QoS 1/2 PUBLISH frees memory paho's session still points at
    // (upstream #1621, #1622): the handle must never be destroyed nor connected again.
    // PahoQuarantine::park().
    FailedWriteCorruptsSession,
    // paho's receive thread looks up the client of a failed socket by its number after letting
    // go of its mutex: a connection opened meanwhile with the reused number is blamed ("socket
    // error") and closed. MisattributedSocketError::retryAfterFailure().
    MisattributedSocketError,
};
constexpr int kWorkaroundCount = 6;

// What MQTTAsync_getVersionInfo() reports, read once (thread-safe). Invalid if unparsable.
QPAHO_AUTOTEST_EXPORT PahoVersion reportedPahoVersion();
// The version the workarounds are decided for: reportedPahoVersion(), unless a test pretends.
QPAHO_AUTOTEST_EXPORT PahoVersion runningPahoVersion();

// The table: a short name, the newest release whose behaviour or source we checked for the
// defect (documentation and the debug log only: newer releases keep the workaround), and the
// first release that fixes it (invalid: no fix known).
QPAHO_AUTOTEST_EXPORT const char *workaroundName(Workaround workaround);
QPAHO_AUTOTEST_EXPORT PahoVersion newestCheckedPahoVersion(Workaround workaround);
QPAHO_AUTOTEST_EXPORT PahoVersion pahoFixedIn(Workaround workaround);

// Whether the running paho needs `workaround`: !(fixedIn valid && running >= fixedIn). Cheap
// (atomic loads after the first call), thread-safe, never takes a paho lock: callable from any
// thread. The first call in the process logs the decision once on "qpaho.client" (debug).
QPAHO_AUTOTEST_EXPORT bool pahoNeeds(Workaround workaround);

// Tests only: pretend paho reports `version` (invalid: back to paho's own), and pretend
// `workaround` was fixed in `fixedIn` (invalid: back to the table). Workarounds read the gate
// when they start (PahoWaker at its first acquire(), NoDelayTracker at prepare(), the
// HandleReaper and PahoQuarantine at each call), so set these before that.
QPAHO_AUTOTEST_EXPORT void setPahoVersionForTesting(PahoVersion version);
QPAHO_AUTOTEST_EXPORT void setPahoFixedInForTesting(Workaround workaround, PahoVersion fixedIn);

} // namespace QPaho::Internal

#endif // QPAHO_PAHOVERSION_P_H
