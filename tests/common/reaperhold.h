// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Holds the HandleReaper (src/paho/handlereaper_p.h) for one scope: handles handed to it are
// queued, not destroyed, until the scope ends (also when a failed QVERIFY returns early).
// For suites that may include the library's private headers (INTERNAL in suites.cmake).
#pragma once

#include "paho/handlereaper_p.h"

namespace QPahoTest {

struct ReaperHold
{
    ReaperHold() { QPaho::Internal::HandleReaper::setHeldForTesting(true); }
    ~ReaperHold() { QPaho::Internal::HandleReaper::setHeldForTesting(false); }
    ReaperHold(const ReaperHold &) = delete;
    ReaperHold &operator=(const ReaperHold &) = delete;
};

} // namespace QPahoTest
