// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_PAHOWAKER_P_H
#define QPAHO_PAHOWAKER_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QPaho API. It exists purely as an
// implementation detail. This header file may change from version to
// version without notice, or even be removed.
//
// We mean it.
//

// paho.mqtt.c (1.3.x, poll() build) has one MQTTAsync_rcv thread per process. Each cycle it
// copies the current socket set, polls it for writability with timeout 0 (and continues pending
// partial writes), then polls the *copy* for readability with a 1 s timeout. A socket that paho's
// send thread opens while the receive thread sits in that poll is not seen until the poll ends;
// a TCP connect completion is only noticed through the timeout-0 writability check of the next
// cycle; a partial write is only continued once per cycle. With another connection already open
// in the process, a new connection therefore takes 1-2 s to reach CONNACK, and a payload larger
// than the socket buffer advances by one buffer per second.
//
// Versions and switch (paho/pahoversion_p.h, docs/paho-workarounds.md). Two paho defects, two
// gates: the receive thread's 1 s poll (Workaround::ReceiveThreadPoll: wake(), wakeFor(),
// connectStarted()) and the send thread's lost signal (Workaround::SendThreadLostSignal:
// kickSendThread()). Both measured on 1.3.11 (Debian 12's 1.3.12), the same code in upstream's
// 1.3.13 source; no fixed release is known, so both are on for every version until a fix is
// recorded there. The first acquire() reads the gates: a paho that needs neither gets no thread,
// no listener and no hidden client. Their tests: tst_pahowaker (secondConnectIsSlowWithoutWaker
// shows the defect, wakerMakesSecondConnectFast and kickRunsCommandQueuedBehindPartialWrite fail
// without the waker), and tst_pahoversion for the gate.
//
// PahoWaker makes that receive thread wake up on demand. A hidden paho client (MQTT 3.1.1,
// keepAliveInterval 0, clean session, no user code in its callbacks) connects to a tiny server
// that runs on a plain thread of its own ("qpaho-waker") and listens on 127.0.0.1:<ephemeral>.
// paho.mqtt.c can only connect to a TCP/TLS/WebSocket URI (no socketpair, no unix:// in 1.3.x),
// so a loopback listener is unavoidable, but nothing outside the process can get an answer:
//  - it listens only from acquire() until the hidden client's TCP handshake was accepted (a few
//    milliseconds; 3 s at most), and closes the listener right after that accept;
//  - before it writes anything to an accepted connection, it checks that the other end is a
//    socket of this process (one of our descriptors has that connection's two endpoints);
//    other peers are closed without a byte (strangersRefused());
//  - the in-process peer must then send the CONNECT that carries the hidden client's random,
//    per-acquire client id, or it is closed too.
// Once the hidden connection is up, the server sends CONNACK (before the CONNECT: the early
// bytes only make paho's poll() return at once) and then, for every wake request, a 2-byte
// PINGRESP (0xD0 0x00). paho reads it
// on the receive thread (MQTTProtocol_handlePingresps only clears ping_outstanding; the header-only
// packet is a static, nothing is allocated), and the receive thread then starts a new cycle with
// the current socket set: new sockets are polled, completed TCP connects are noticed and their
// CONNECT is sent, pending partial writes are continued.
//
// Lifetime. The hidden client exists while at least one QPaho paho handle exists:
//   acquire() right after MQTTAsync_create*() of a QPaho client succeeded,
//   release() right after that client's MQTTAsync_destroy() returned.
// paho stops its threads only when its last client is destroyed (MQTTAsync_destroy ->
// MQTTAsync_terminate -> MQTTAsync_stop). So the hidden client must not outlive the QPaho
// clients (it would keep paho's threads running for ever), and it is destroyed by the last
// release(), i.e. *after* the last real client: destroying the hidden client is then what stops
// paho's threads (MQTTAsync_stop() waits for them, ~100 ms like for a last real client). The
// last release() destroys the hidden client first (paho sends DISCONNECT and closes its socket;
// on Linux that close wakes the receive thread's poll) and then stops the server thread. No lock
// of ours is held by a paho callback, and wake() takes no lock at all, so none of this can
// deadlock with paho's global mutex.
// acquire() and release() must not be called from a paho callback (MQTTAsync_destroy must never
// run on a paho thread); wake() and wakeFor() may be called from anywhere.
//
// Failure handling. If the server cannot listen, or the hidden client is not connected within
// 3 s, the waker stays inactive for this acquire() cycle (wake() writes nothing) and says so
// once per process at debug level on "qpaho.client". QPaho then behaves exactly as without it.
// Implemented on Linux; elsewhere every function is a no-op and isActive() is false.

#include <QtCore/qglobal.h>

namespace QPaho::Internal {

class PahoWaker
{
public:
    PahoWaker() = delete;

    // Reference-counted process singleton; see the lifetime rules above. The first acquire()
    // listens, starts the server thread and starts the hidden client's MQTTAsync_connect() (it
    // does not wait for it: isActive() becomes true when its onSuccess fired). The last
    // release() stops the server thread and destroys the hidden client, which lets paho stop its
    // threads if no other paho client is left. Thread-safe; not from inside a paho callback.
    static void acquire();
    static void release();
    // release() for the HandleReaper's thread: the last reference waits up to `lingerMs` for
    // an acquire() before it stops the waker (and with it paho's threads), so that a Client
    // created right after the last one was destroyed does not wait for paho to stop and start
    // again. endLinger() ends such a wait at once (process exit, tests).
    static void releaseLingering(int lingerMs);
    static void endLinger();

    // Wakes paho's receive thread soon (a few microseconds when it is idle in poll()). Cheap:
    // no system call and no lock while a wake is already pending. Thread-safe, lock-free, never
    // calls paho: callable from any thread, including from inside a paho callback. Does nothing
    // while the waker is not running.
    static void wake();

    // Wakes paho's receive thread at once when no period is running, then every 5 ms for the
    // next `durationMs` (extends, never shortens, a period still running, without an extra
    // wake; <= 0 does nothing). For the time a connect is in progress: the new
    // socket is created asynchronously by paho's send thread after MQTTAsync_connect() returned,
    // and its TCP connect completes one network round trip later. Same thread rules as wake().
    static void wakeFor(int durationMs);

    // A connect in progress: wakes as wakeFor(durationMs) does, and counts the connect.
    // connectFinished() (once per connectStarted(), at CONNACK, failure or handle destruction)
    // ends the wake period as soon as no connect is in progress any more, so that an idle
    // process is not woken every 5 ms for the rest of the connect timeout. A period started by
    // wakeFor() for a large write ends with it too: the stall watchdog covers what is left.
    static void connectStarted(int durationMs);
    static void connectFinished();

    // Wakes written to the hidden connection, ever. For tests.
    static quint64 wakesSent();

    // Makes paho's send thread run once more. That thread waits on a condition variable
    // without a predicate (Thread_wait_cond) and nobody signals it when a partial write
    // completes, so a signal that arrives while it is busy is lost and the commands queued
    // behind it wait for the next API call, or for its 1 s timeout (measured: a lone 1 s stall
    // in one benchmark run out of five at 64 KiB). This queues a QoS 0 PUBLISH of the hidden
    // client (topic "k", one byte; the server ignores it): queuing any command signals
    // that condition, and the send thread then takes every command it can process, for every
    // client of the process. Cheap but not free (one paho command and a 6-byte write): meant
    // for a watchdog that saw no progress, not for every request. Only from a thread that holds
    // a reference (acquire()) and is not inside a paho callback (paho's mutex is not
    // recursive). Does nothing while the hidden client is not connected.
    static void kickSendThread();

    // Whether the hidden connection is up (its CONNACK was processed by paho). For tests.
    static bool isActive();

    // Connections to the listener that did not come from this process, ever; each was closed
    // without a byte written. For tests.
    static int strangersRefused();

    // Tests only: `hook` is called with the listening port on the thread that calls the first
    // acquire(), after the listener exists and before the hidden client connects (nullptr: none).
    static void setListenHookForTesting(void (*hook)(unsigned short port));
};

} // namespace QPaho::Internal

#endif // QPAHO_PAHOWAKER_P_H
