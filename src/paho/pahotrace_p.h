// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOTRACE_P_H
#define QPAHO_PAHOTRACE_P_H

// paho's process-wide trace hooks, set only while the qpaho.paho category asks for them.

namespace QPaho::Internal {

/*!
    Installs paho's process-wide trace forwarder while "qpaho.paho" has info or debug
    enabled, and takes it out again when it no longer has; otherwise paho's trace hooks are
    left alone. Called after each MQTTAsync_create (paho traces nothing before the first).
*/
void installPahoTrace();

} // namespace QPaho::Internal

#endif // QPAHO_PAHOTRACE_P_H
