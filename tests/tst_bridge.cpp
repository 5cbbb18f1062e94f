// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The Bridge's hand-over from paho's threads to the owner, without paho: its callbacks are
// called directly from std::threads, the way paho's threads call them. One wake per burst, no
// lost wake, and no wake posted once detach() has returned, even while callbacks run (the
// owner deletes the receiver right after detaching a handle). The wake is posted outside the
// Bridge's mutex, which makes the last promise depend on detach() waiting for a post under way.
#include "paho/bridge_p.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QEvent>
#include <QtTest/QTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

using QPaho::Internal::Bridge;
using QPaho::Internal::BridgeEvent;

namespace {

// The owner: counts the wake events it gets and takes the events on each.
class Receiver final : public QObject
{
public:
    Bridge *bridge = nullptr;
    int wakes = 0;
    size_t taken = 0;

protected:
    bool event(QEvent *e) override
    {
        if (e->type() != Bridge::wakeEventType())
            return QObject::event(e);
        ++wakes;
        std::vector<BridgeEvent> events;
        bridge->takeEvents(events);
        taken += events.size();
        return true;
    }
};

// What paho's send and receive threads do: call a callback with the bridge as context.
void deliver(Bridge &bridge, int token)
{
    Bridge::onDeliveryComplete(&bridge, token);
}

} // namespace

class tst_Bridge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneWakePerBurstAndNoEventLeftBehind()
    {
        Receiver receiver;
        Bridge bridge(&receiver);
        receiver.bridge = &bridge;
        constexpr int kEvents = 100;
        std::jthread([&] {
            for (int i = 0; i < kEvents; ++i)
                deliver(bridge, i);
        }).join();
        // All 100 came before the owner looked: one burst, one wake.
        QTRY_COMPARE(receiver.taken, size_t(kEvents));
        QCOMPARE(receiver.wakes, 1);

        // The next event after the owner took the burst wakes it again.
        std::jthread([&] { deliver(bridge, kEvents); }).join();
        QTRY_COMPARE(receiver.taken, size_t(kEvents + 1));
        QCOMPARE(receiver.wakes, 2);
        bridge.detach();
    }

    void everyEventReachesTheOwnerWhileItDrains()
    {
        // Two paho threads push while the owner takes events as fast as it is woken: a wake
        // posted after the owner took its burst must not be lost, nor an event without a wake.
        Receiver receiver;
        Bridge bridge(&receiver);
        receiver.bridge = &bridge;
        constexpr int kPerThread = 20000;
        // jthreads: a failed check returns early, and they are joined before the bridge dies.
        std::vector<std::jthread> paho;
        for (int t = 0; t < 2; ++t) {
            paho.emplace_back([&] {
                for (int i = 0; i < kPerThread; ++i)
                    deliver(bridge, i);
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(receiver.taken, size_t(2 * kPerThread), 20000);
        QVERIFY(receiver.wakes >= 1);
        QVERIFY(receiver.wakes <= 2 * kPerThread);
        bridge.detach();
    }

    void noWakeReachesTheReceiverAfterDetach()
    {
        // The receiver is deleted right after detach(), as the owner does when it destroys a
        // handle, while paho threads are still calling back. A wake posted to it afterwards
        // is a use after free (ASan reports it; without ASan Qt usually crashes).
        for (int round = 0; round < 500; ++round) {
            auto receiver = std::make_unique<Receiver>();
            Bridge bridge(receiver.get());
            receiver->bridge = &bridge;
            std::atomic<int> delivered { 0 };
            // jthreads: stopped and joined on every way out of the round, before the bridge dies.
            std::vector<std::jthread> paho;
            for (int t = 0; t < 2; ++t) {
                paho.emplace_back([&](std::stop_token stop) {
                    while (!stop.stop_requested()) {
                        deliver(bridge, 1);
                        delivered.fetch_add(1, std::memory_order_relaxed);
                    }
                });
            }
            // Drain a few bursts, so that wakes are being posted when detach() comes. Waiting
            // in the event loop: the paho threads' wakes end each wait.
            const QDeadlineTimer deadline(10000);
            while (receiver->wakes < 3 && !deadline.hasExpired())
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
            QVERIFY(receiver->wakes >= 3);
            bridge.detach();
            receiver.reset();
            // Callbacks go on after detach(): let them run into the detached bridge for a while.
            const int before = delivered.load();
            while (delivered.load() < before + 100 && !deadline.hasExpired())
                std::this_thread::yield();
            QVERIFY(delivered.load() >= before + 100);
            QCoreApplication::sendPostedEvents(); // nothing may be posted for the deleted one
        }
    }
};

QTEST_GUILESS_MAIN(tst_Bridge)
#include "tst_bridge.moc"
