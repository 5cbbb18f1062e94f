// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "eventloopwait.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
#include <QtCore/QTimer>

#include <algorithm>

namespace bench {

bool waitUntil(const std::function<bool()> &pred, Clock::time_point deadline)
{
    if (pred())
        return true;
    QTimer atDeadline;
    atDeadline.setSingleShot(true);
    atDeadline.setTimerType(Qt::PreciseTimer);
    const auto left
        = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    atDeadline.start(int(std::clamp<long long>(left + 1, 0, 24 * 3600 * 1000)));
    while (!pred()) {
        if (Clock::now() >= deadline)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

} // namespace bench
