// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_AUTOTEST_P_H
#define QPAHO_AUTOTEST_P_H

// QPAHO_AUTOTEST_EXPORT: exports an internal class to the test suites only in builds with tests.

#include <QPaho/qpahoglobal.h>

// Like Qt's Q_AUTOTEST_EXPORT: internal classes that the test suites drive directly are exported
// only in a build with tests (QPAHO_BUILD_TESTS), and stay hidden in a release library.
#if defined(QPAHO_AUTOTEST_EXPORTS)
#define QPAHO_AUTOTEST_EXPORT QPAHO_EXPORT
#else
#define QPAHO_AUTOTEST_EXPORT
#endif

#endif // QPAHO_AUTOTEST_P_H
