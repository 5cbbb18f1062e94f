// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_WAKERSHARED_P_H
#define QPAHO_WAKERSHARED_P_H

// What the two halves of the PahoWaker share (Linux only): the process-global state, written by
// PahoWaker's calls (pahowaker.cpp) and read by its server thread (wakerserver.cpp). The public
// face of the waker and the reason it exists are in pahowaker_p.h.

#include <QtCore/QLoggingCategory>
#include <QtCore/qglobal.h>

#include <MQTTAsync.h>

#include <netinet/in.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace QPaho::Internal::Waker {

Q_DECLARE_LOGGING_CATEGORY(lcWaker)

constexpr qint64 kWakeIntervalNs = 5'000'000; // wakeFor(): one wake every 5 ms

// Everything is process-global and deliberately leaked: paho callbacks get a pointer to it, a
// wake() may race with any release(), and a Client in a static object may release at exit.
struct Shared
{
    // acquire()/release(); never held by a paho callback or by wake().
    std::mutex lifecycle;
    std::condition_variable referenced; // acquire() or endLinger() during releaseLingering()
    bool lingerEnded = false;
    int refCount = 0;
    MQTTAsync hidden = nullptr;
    std::thread server;

    // The wake path, lock-free. The eventfd is created once and never closed, so a wake()
    // that races with release() can never write to a closed (and reused) descriptor.
    std::atomic<int> wakeFd { -1 };
    std::atomic<bool> running { false }; // the server thread accepts wakes
    std::atomic<bool> wakePending { false };
    std::atomic<qint64> wakeUntilNs { 0 };
    std::atomic<bool> stopRequested { false };
    // The version gate, read at start(): which of the two paho defects this paho has.
    std::atomic<bool> wakesNeeded { false }; // Workaround::ReceiveThreadPoll
    std::atomic<bool> kicksNeeded { false }; // Workaround::SendThreadLostSignal

    // The hidden client as paho reports it (set from paho callbacks).
    std::atomic<bool> connected { false };
    // `hidden` for kickSendThread(): set once the hidden client exists, cleared before it is
    // destroyed. Callers hold a reference, so it cannot be destroyed under them.
    std::atomic<MQTTAsync> kickTarget { nullptr };

    std::atomic<bool> loggedInactive { false };
    std::atomic<int> connectsInProgress { 0 };
    std::atomic<quint64> wakesSent { 0 };

    // Connections to the listener from outside this process, closed without a byte (tests).
    std::atomic<int> strangersRefused { 0 };
    // Called on the acquiring thread once the listener exists (tests only).
    std::atomic<void (*)(unsigned short)> listenHook { nullptr };
};

/*! Logs once per process why the waker does nothing (it is an optimisation, never fatal). */
void logInactiveOnce(Shared &s, const char *why);
/*! steady_clock in ns. */
qint64 nowNs();
void closeFd(int &fd);
void drainEventFd(int fd);

/*!
    The server thread's body: serves the hidden paho client connected to \a listenFd until
    Shared::stopRequested. \a clientId is the per-acquire token the hidden client's CONNECT must
    carry; the listener is given up at \a deadlineNs if the hidden client has not connected.
*/
void runServer(
    Shared *s, int listenFd, sockaddr_in listenAddress, std::string clientId, qint64 deadlineNs);

} // namespace QPaho::Internal::Waker

#endif // QPAHO_WAKERSHARED_P_H
