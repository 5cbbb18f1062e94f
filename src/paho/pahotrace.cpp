// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// paho's trace forwarded into the qpaho.paho category: installed only while that category shows
// info or debug messages (paho's trace hooks are process-wide), quiet once the application is
// gone. The forwarder runs on paho's threads with paho's log mutex held: it only copies the text.
// Also the application's opt-out of paho's internal function trace (its level, process-wide).
#include "paho/pahotrace_p.h"

#include "common/environmentswitch_p.h"
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

// QPAHO_PAHO_FUNCTION_TRACE: 0 turns paho's function trace off, 1 keeps it on (over the
// application's call), unset leaves it to the application. Read once.
int environmentChoice()
{
    static const int choice = environmentSwitch("QPAHO_PAHO_FUNCTION_TRACE");
    return choice;
}

std::atomic<bool> g_functionTraceWanted { true }; // the application's choice; paho's default

// What QPaho did to paho's process-wide trace hooks, and the lock for changing them.
struct TraceHooks
{
    std::mutex mutex;
    bool forwarding = false; // forwardTrace is paho's callback
    bool levelChanged = false; // QPaho set paho's level (so it may put paho's default back)
};

TraceHooks &traceHooks()
{
    static TraceHooks hooks;
    return hooks;
}

// Brings paho's trace level and callback in line with the qpaho.paho category and the function
// trace choice. Caller holds traceHooks().mutex.
void applyLocked()
{
    TraceHooks &state = traceHooks();
    const bool forward = lcPaho().isDebugEnabled() || lcPaho().isInfoEnabled();
    if (forward) {
        // debug: the per-packet protocol trace; info: paho's error lines only. paho's
        // function and heap trace (MINIMUM..MAXIMUM) only when asked for by name.
        MQTTAsync_setTraceLevel(
            lcPaho().isDebugEnabled() ? debugTraceLevel() : MQTTASYNC_TRACE_ERROR);
        state.levelChanged = true;
        MQTTAsync_setTraceCallback(&forwardTrace);
        state.forwarding = true;
        // Registered after lcPaho() exists, so at exit this runs before the category dies.
        static const bool stopRegistered = [] {
            qAddPostRoutine(stopForwarding);
            return std::atexit(stopForwarding) == 0;
        }();
        Q_UNUSED(stopRegistered);
        return;
    }
    if (state.forwarding) {
        MQTTAsync_setTraceCallback(nullptr);
        state.forwarding = false;
    }
    if (!isPahoFunctionTraceEnabled()) {
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
        state.levelChanged = true;
    } else if (state.levelChanged) {
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_MINIMUM); // paho's default
        state.levelChanged = false;
    }
}

} // namespace

void installPahoTrace()
{
    // paho's trace callback and level are process-wide (a static in paho's Log.c) and carry
    // no client: QPaho sets them only while "qpaho.paho" shows info or debug messages or the
    // application turned paho's function trace off, and otherwise leaves them alone (or
    // undoes its own change when the rules changed). paho formats every trace line it emits:
    // ask only for what the category shows. Checked whenever a handle is created.
    const std::lock_guard lock(traceHooks().mutex);
    applyLocked();
}

void setPahoFunctionTraceEnabled(bool enabled)
{
    g_functionTraceWanted.store(enabled, std::memory_order_relaxed);
    const std::lock_guard lock(traceHooks().mutex);
    applyLocked();
}

bool isPahoFunctionTraceEnabled()
{
    const int environment = environmentChoice();
    if (environment >= 0)
        return environment == 1;
    return g_functionTraceWanted.load(std::memory_order_relaxed);
}

} // namespace QPaho::Internal
