// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "mainthreadhop.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>

#include <utility>

namespace bench {

int MainThreadHop::eventType()
{
    static const int type = QEvent::registerEventType();
    return type;
}

void MainThreadHop::post(Item &&item)
{
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(item));
        wake = !std::exchange(posted_, true);
    }
    if (wake)
        QCoreApplication::postEvent(this, new QEvent(QEvent::Type(eventType())));
}

bool MainThreadHop::event(QEvent *e)
{
    if (e->type() != eventType())
        return QObject::event(e);
    taken_.clear();
    {
        std::lock_guard lock(mutex_);
        taken_.swap(queue_);
        posted_ = false;
    }
    for (Item &item : taken_)
        handler_(item);
    return true;
}

} // namespace bench
