// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The logging categories of the library. paho's own trace is forwarded into qpaho.paho by
// paho/pahotrace.cpp.
#include "common/logging_p.h"

namespace QPaho::Internal {

Q_LOGGING_CATEGORY(lcClient, "qpaho.client", QtWarningMsg)
Q_LOGGING_CATEGORY(lcPaho, "qpaho.paho", QtWarningMsg)
Q_LOGGING_CATEGORY(lcReconnect, "qpaho.reconnect", QtWarningMsg)

} // namespace QPaho::Internal
