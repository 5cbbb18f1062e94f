// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_HANDLEREAPER_P_H
#define QPAHO_HANDLEREAPER_P_H

// The HandleReaper: destroys paho handles off the owner thread (MQTTAsync_destroy waits for paho's
// mutex and threads), and keeps what paho's options point to alive until then.

#include "common/autotest_p.h"

#include <QtCore/QByteArray>

extern "C" {
#include <MQTTAsync.h>
}

#include <memory>

namespace QPaho::Internal {

class Bridge;

// Destroys paho handles off the owner thread. MQTTAsync_destroy() takes paho's global mutex
// (it waits for any callback in progress), and when it destroys the process' last paho client
// it stops paho's send and receive threads and waits for them (~100 ms, paho's stop loop);
// PahoWaker::release() does the latter for the hidden client. Run on the Client's thread, that
// blocked every connectToHost() that replaced a handle and every ~Client().
//
// destroyLater() hands the handle over to a worker thread ("qpaho-reaper") that exists only
// while there is work: it is started by the first job and ends when the queue is empty, so an
// idle process has no reaper thread. For each job, in this order:
//   1. MQTTAsync_destroy(handle) (if any): paho fails what it still holds with -11, synchronously
//      on the worker, into `bridge`, which the owner detached first (Bridge::detach()): those
//      events are dropped, the owner has already finished the requests.
//   2. `bridge` is deleted: it outlives the handle, as paho's callbacks need.
//   3. PahoWaker::releaseLingering(): every job gives back the one waker reference its handle
//      held. The last one waits up to 1 s for a new Client before it stops the waker and with
//      it paho's threads (paho must not create a client while it terminates, so a Client
//      created during that stop would have to wait for it on its own thread).
//   4. `keepAlive` is released (strings paho's options point to).
// Jobs run one at a time, in order. The process waits for the queue at exit (a static
// destructor), so no handle is left half destroyed.
//
// Versions and switch (paho/pahoversion_p.h, docs/paho-workarounds.md):
// Workaround::BlockingDestroy. MQTTAsync_destroy() blocks in 1.3.11 (Debian 12's 1.3.12,
// measured ~100 ms for the last client, and as long as a DNS lookup paho runs under its mutex)
// and the same code is in upstream's 1.3.13 (MQTTAsync_stop's loop of 100 ms sleeps); no fixed
// release is known, so it is on for every version until a fix is recorded. destroyLater() is the
// one gate: off, it runs the job at once on the caller's thread (no linger), with no worker.
// The tests: tst_citizen (destroyLeavesPahoWorkToTheReaper, reconnectDoesNotWaitForTheOldHandle),
// tst_pahoversion for the gate.
class QPAHO_AUTOTEST_EXPORT HandleReaper
{
public:
    HandleReaper() = delete;

    // Queues one job (see above). `handle` may be null (only the waker reference is released).
    // `persistenceDirectory` (absolute, may be empty) names the paho file store the handle uses:
    // see waitForPersistence(). Thread-safe; never blocks on paho.
    static void destroyLater(MQTTAsync handle, std::unique_ptr<Bridge> bridge,
        const QByteArray &persistenceDirectory, std::shared_ptr<const void> keepAlive = {});

    // Waits until no queued or running job uses `persistenceDirectory`: paho's destroy writes to
    // that store (it deletes the records of a clean session), so a new handle must not open it
    // before. The only case in which the owner thread can wait for a destroy: a connect with a
    // persistence directory right after a handle on the same directory was dropped.
    static void waitForPersistence(const QByteArray &persistenceDirectory);

    // Waits until every queued job has run (process exit, tests).
    static void waitForIdle();

    // Jobs queued or running. For tests.
    static int pendingCount();

    // Tests only: while held, jobs are queued but not run (the worker waits).
    static void setHeldForTesting(bool held);
};

} // namespace QPaho::Internal

#endif // QPAHO_HANDLEREAPER_P_H
