// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOQUARANTINE_P_H
#define QPAHO_PAHOQUARANTINE_P_H

// PahoQuarantine: where a handle with corrupt paho session memory is set aside for good.

#include "common/autotest_p.h"
#include "paho/bridge_p.h"

#include <QtCore/QByteArray>

extern "C" {
#include <MQTTAsync.h>
}

#include <memory>

namespace QPaho::Internal::PahoQuarantine {

/*!
    Workaround for paho.mqtt.c 1.3.x (seen in 1.3.12, which reports itself as 1.3.11; the code
    is unchanged through 1.3.16): when the socket write of a QoS 1/2 PUBLISH fails in
    MQTTAsync_processCommand, paho frees the command's topic and payload although the copy it
    keeps for the session (MQTTProtocol_storePublication takes those very pointers) still
    refers to them. From then on the handle's session holds freed memory: reconnecting with the
    session re-sends it as garbage, and MQTTAsync_destroy (or a clean-session connect) frees it
    a second time. Detected by the failure paho reports for it: onFailure with code -1 and
    token 0 for a QoS 1/2 publish (docs/paho-resend-loop.md).

    Such a handle is never used again, and never destroyed: park() keeps it, the Bridge its
    contexts point at and \c keepAlive (what its options point to), until the process exits,
    detached from its Client. Nothing then touches
    the freed memory: paho re-sends a session only on a connected client, and this one never
    connects again. The cost is the handle's memory (at most the publishes it held) and paho's
    threads, which stay while a parked handle exists.

    Versions and switch (paho/pahoversion_p.h, docs/paho-workarounds.md):
    Workaround::FailedWriteCorruptsSession. Reproduced on 1.3.11 (Debian 12's 1.3.12), the
    code followed through 1.3.16; no fixed release is known, so it is on for every version
    until a fix is recorded. park() is the one gate: off, it hands the handle to the
    HandleReaper to be destroyed like any other (with \c persistenceDirectory, if given, so
    that a new handle on that store waits for the destroy). The detection that decides to
    call park() is the core's (ResendLoopGuard and the broken-write failure). The tests:
    tst_faults (the broken-write and resend-loop tests), tst_pahoversion for the gate.

    Thread-safe; not from a paho callback.
*/
void park(MQTTAsync handle, std::unique_ptr<Bridge> bridge, std::shared_ptr<const void> keepAlive,
    const QByteArray &persistenceDirectory = {});

/*! How many handles this process has parked. */
QPAHO_AUTOTEST_EXPORT int parkedCount();

/*! Tests only: park() without a Bridge (the suites cannot destroy one: it is not exported). */
QPAHO_AUTOTEST_EXPORT void parkForTesting(MQTTAsync handle, std::shared_ptr<const void> keepAlive);

} // namespace QPaho::Internal::PahoQuarantine

#endif // QPAHO_PAHOQUARANTINE_P_H
