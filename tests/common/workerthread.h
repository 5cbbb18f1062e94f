// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// WorkerThread: a second thread with an event loop, for the tests whose Client (or handler
// context) lives outside the test thread: run code there, hold its event loop, clean up.
#pragma once

#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QSemaphore>
#include <QtCore/QString>
#include <QtCore/QThread>

#include <functional>

namespace QPahoTest {

// A started QThread with an event loop and an "anchor" QObject living in it. Objects made in
// run() as children of the anchor die in the worker: stop() (also run by the destructor, so a
// failing test cleans up too) releases a hold, deletes the anchor and its children there, then
// joins the thread.
class WorkerThread
{
public:
    WorkerThread()
    {
        thread.setObjectName(QStringLiteral("qpaho-test-worker"));
        thread.start();
        anchor = new QObject;
        anchor->moveToThread(&thread);
    }
    ~WorkerThread() { stop(); }
    WorkerThread(const WorkerThread &) = delete;
    WorkerThread &operator=(const WorkerThread &) = delete;

    // Runs f in the worker and returns when it is done.
    void run(const std::function<void()> &f)
    {
        QMetaObject::invokeMethod(anchor, f, Qt::BlockingQueuedConnection);
    }

    // Blocks the worker's event loop until release(): when hold() returns, the worker waits
    // inside a call, and whatever is posted to it meanwhile queues up behind it. After the
    // release, the worker runs `then` first (still inside that call).
    void hold(std::function<void()> then = {})
    {
        m_held = true;
        QMetaObject::invokeMethod(
            anchor,
            [this, then = std::move(then)] {
                m_entered.release();
                m_release.acquire();
                if (then)
                    then();
            },
            Qt::QueuedConnection);
        m_entered.acquire();
    }
    void release()
    {
        if (m_held) {
            m_held = false;
            m_release.release();
        }
    }

    void stop()
    {
        release();
        if (thread.isRunning()) {
            if (anchor)
                run([this] {
                    delete anchor;
                    anchor = nullptr;
                });
            thread.quit();
            thread.wait();
        }
    }

    QThread thread;
    QObject *anchor = nullptr;

private:
    QSemaphore m_entered;
    QSemaphore m_release;
    bool m_held = false;
};

} // namespace QPahoTest
