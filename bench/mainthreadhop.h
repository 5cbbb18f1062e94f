// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// The least a Qt application must do to run paho's callbacks on its event loop: each callback
// appends what it got to a queue under a mutex and posts one event per burst (only when the
// queue was empty); the main thread takes the whole queue in one go. "rawpaho-qt" measures raw
// paho with this hand-over and nothing else, the floor under any client that delivers on the
// owner's event loop as QPaho does.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QObject>

#include <functional>
#include <mutex>
#include <vector>

namespace bench {

class MainThreadHop final : public QObject
{
public:
    struct Item
    {
        enum class Kind { Completion, Message } kind = Kind::Completion;
        int connection = 0; // which of the driver's connections it came from
        QByteArray payload; // Message: a copy, paho's buffer is freed on its thread
    };
    using Handler = std::function<void(Item &)>;

    // handler runs on the thread this object lives on (the main thread), once per item.
    explicit MainThreadHop(Handler handler) : handler_(std::move(handler)) { }

    // Any thread. Posts after letting go of the mutex, so the woken main thread does not
    // find it still held.
    void post(Item &&item);

protected:
    bool event(QEvent *e) override;

private:
    static int eventType();

    Handler handler_;
    std::mutex mutex_;
    std::vector<Item> queue_;
    std::vector<Item> taken_; // main thread only; keeps its capacity between bursts
    bool posted_ = false;
};

} // namespace bench
