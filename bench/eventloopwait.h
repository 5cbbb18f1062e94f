// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// Waiting on the main thread for drivers whose callbacks arrive through its Qt event loop.
#pragma once

#include "driver.h"

#include <functional>

namespace bench {

// Runs the main thread's event loop until pred() holds or the deadline passes. It blocks
// in the event dispatcher like QEventLoop::exec() (processEvents() with a time limit would
// return at once when nothing is pending and turn this into a busy loop that steals a core
// from paho's threads). One timer at the deadline wakes it if nothing else does: a periodic
// tick would wake the thread for nothing, which the raw paho drivers' timed condition waits do
// not pay.
bool waitUntil(const std::function<bool()> &pred, Clock::time_point deadline);

} // namespace bench
