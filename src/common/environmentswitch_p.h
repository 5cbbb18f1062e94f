// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_ENVIRONMENTSWITCH_P_H
#define QPAHO_ENVIRONMENTSWITCH_P_H

// An environment variable that overrides an application's opt-in (QPAHO_MALLOC_TUNING,
// QPAHO_PAHO_FUNCTION_TRACE). Nothing else.

#include <QtCore/QtGlobal>

namespace QPaho::Internal {

/*!
    The setting of the environment variable \a name: 1 when it is set to a non-zero number, 0
    when it is set otherwise, -1 when it is unset (the application decides). Callers keep the
    answer in a function-local static: the environment is read once per process.
*/
inline int environmentSwitch(const char *name)
{
    if (!qEnvironmentVariableIsSet(name))
        return -1;
    return qEnvironmentVariableIntValue(name) != 0 ? 1 : 0;
}

} // namespace QPaho::Internal

#endif // QPAHO_ENVIRONMENTSWITCH_P_H
