// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOTRACE_P_H
#define QPAHO_PAHOTRACE_P_H

// paho's process-wide trace hooks, set only while the qpaho.paho category asks for them or the
// application turned paho's function trace off (Client::setPahoFunctionTraceEnabled).

namespace QPaho::Internal {

/*!
    Installs paho's process-wide trace forwarder while "qpaho.paho" has info or debug
    enabled, and takes it out again when it no longer has; otherwise paho's trace hooks are
    left alone. Called after each MQTTAsync_create (paho traces nothing before the first).
*/
void installPahoTrace();

/*!
    The application's choice (Client::setPahoFunctionTraceEnabled): false sets paho's trace
    level to ERROR unless "qpaho.paho" asks for more; true puts paho's default back if QPaho
    had changed it. Applies at once. Thread-safe.
*/
void setPahoFunctionTraceEnabled(bool enabled);
/*! Whether paho keeps its function trace: QPAHO_PAHO_FUNCTION_TRACE, else the application. */
bool isPahoFunctionTraceEnabled();

} // namespace QPaho::Internal

#endif // QPAHO_PAHOTRACE_P_H
