// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// paho's trace forwarded into the qpaho.paho category: installed only while that category shows
// info or debug messages (paho's trace hooks are process-wide), quiet once the application is
// gone. The forwarder runs on paho's threads with paho's log mutex held: it only copies the text.
#include "paho/pahotrace_p.h"

#include "common/logging_p.h"

extern "C" {
#include <MQTTAsync.h>
}

#include <QtCore/QCoreApplication>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace QPaho::Internal {

namespace {

// Set when the application is being destroyed (or the process exits without one): see
// stopForwarding().
std::atomic<bool> g_forwardingStopped { false };

// Runs on any thread, with paho's non-recursive log mutex held and a static buffer:
// copy the text, never call paho from here (it would deadlock, notes §6).
// paho's levels: FATAL/SEVERE are paho failing, ERROR is mostly paho's own bookkeeping (such as
// "Failed to remove heap item"; the failures that matter reach the caller as results),
// PROTOCOL is one line per MQTT packet, below that every function call and heap allocation.
void forwardTrace(MQTTASYNC_TRACE_LEVELS level, char *message)
{
    if (g_forwardingStopped.load(std::memory_order_acquire))
        return;
    const QString text = QString::fromUtf8(message);
    if (level >= MQTTASYNC_TRACE_SEVERE)
        qCWarning(lcPaho).noquote() << text;
    else if (level >= MQTTASYNC_TRACE_ERROR)
        qCInfo(lcPaho).noquote() << text;
    else
        qCDebug(lcPaho).noquote() << text;
}

// With qpaho.paho debug on, paho's per-packet trace; QPAHO_PAHO_TRACE_LEVEL=minimum, medium or
// maximum asks for paho's function trace too, for diagnosing paho itself (it is loud: every
// function call, at maximum every heap allocation).
MQTTASYNC_TRACE_LEVELS debugTraceLevel()
{
    const QByteArray wanted = qgetenv("QPAHO_PAHO_TRACE_LEVEL").trimmed().toLower();
    if (wanted == "maximum")
        return MQTTASYNC_TRACE_MAXIMUM;
    if (wanted == "medium")
        return MQTTASYNC_TRACE_MEDIUM;
    if (wanted == "minimum")
        return MQTTASYNC_TRACE_MINIMUM;
    return MQTTASYNC_TRACE_PROTOCOL;
}

// A paho thread can still trace at exit (the handle reaper destroying a handle) after the
// application's message handler, its logger or this library's categories are gone: forwarding
// then crashed with SIGSEGV (seen in tst_neverhang). From the QCoreApplication's destruction
// on (or exit(), without one), paho's trace goes nowhere.
void stopForwarding()
{
    g_forwardingStopped.store(true, std::memory_order_release);
    MQTTAsync_setTraceCallback(nullptr); // not from forwardTrace: that holds paho's log mutex
}

} // namespace

void installPahoTrace()
{
    // paho's trace callback and level are process-wide (a static in paho's Log.c) and carry
    // no client: QPaho sets them only while "qpaho.paho" shows info or debug messages, and
    // otherwise leaves them alone (or takes its forwarder out again when the rules changed).
    // paho formats every trace line it emits: ask only for what the category shows, so a
    // quiet category costs nothing per packet. Checked whenever a handle is created.
    static std::mutex mutex;
    static bool installed = false;
    const std::lock_guard lock(mutex);
    if (lcPaho().isDebugEnabled() || lcPaho().isInfoEnabled()) {
        // debug: the per-packet protocol trace; info: paho's error lines only. paho's
        // function and heap trace (MINIMUM..MAXIMUM) only when asked for by name.
        MQTTAsync_setTraceLevel(
            lcPaho().isDebugEnabled() ? debugTraceLevel() : MQTTASYNC_TRACE_ERROR);
        MQTTAsync_setTraceCallback(&forwardTrace);
        installed = true;
        // Registered after lcPaho() exists, so at exit this runs before the category dies.
        static const bool stopRegistered = [] {
            qAddPostRoutine(stopForwarding);
            return std::atexit(stopForwarding) == 0;
        }();
        Q_UNUSED(stopRegistered);
    } else if (installed) {
        MQTTAsync_setTraceCallback(nullptr);
        installed = false;
    }
}

} // namespace QPaho::Internal
