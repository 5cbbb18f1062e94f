// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "logging_p.h"

extern "C" {
#include <MQTTAsync.h>
}

#include <mutex>

namespace QPaho::Internal {

Q_LOGGING_CATEGORY(lcClient, "qpaho.client", QtWarningMsg)
Q_LOGGING_CATEGORY(lcPaho, "qpaho.paho", QtWarningMsg)

namespace {

// Runs on any thread, with paho's non-recursive log mutex held and a static buffer:
// copy the text, never call paho from here (it would deadlock, notes §6).
void forwardTrace(MQTTASYNC_TRACE_LEVELS level, char *message)
{
    const QString text = QString::fromUtf8(message);
    if (level >= MQTTASYNC_TRACE_FATAL)
        qCCritical(lcPaho).noquote() << text;
    else if (level >= MQTTASYNC_TRACE_ERROR)
        qCWarning(lcPaho).noquote() << text;
    else if (level >= MQTTASYNC_TRACE_PROTOCOL)
        qCInfo(lcPaho).noquote() << text;
    else
        qCDebug(lcPaho).noquote() << text;
}

} // namespace

void installPahoTrace()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // paho formats every trace line it emits: ask only for what the category shows,
        // so a quiet category costs nothing per packet.
        MQTTASYNC_TRACE_LEVELS level = MQTTASYNC_TRACE_ERROR;
        if (lcPaho().isDebugEnabled())
            level = MQTTASYNC_TRACE_MAXIMUM;
        else if (lcPaho().isInfoEnabled())
            level = MQTTASYNC_TRACE_PROTOCOL;
        MQTTAsync_setTraceLevel(level);
        MQTTAsync_setTraceCallback(&forwardTrace);
    });
}

} // namespace QPaho::Internal
