// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// HandleReaper: MQTTAsync_destroy() and the waker release on a worker thread that exists only
// while there is work (see handlereaper_p.h).
#include "paho/handlereaper_p.h"

#include "paho/bridge_p.h"
#include "paho/pahoversion_p.h"
#include "paho/pahowaker_p.h"

#include <QtCore/QList>
#include <QtCore/qglobal.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

#if defined(Q_OS_LINUX)
#include <pthread.h>
#endif

namespace QPaho::Internal {

namespace {

// How long the last waker reference waits for a new Client before paho's threads are stopped.
constexpr int kLingerMs = 1000;

struct Job
{
    MQTTAsync handle = nullptr;
    std::unique_ptr<Bridge> bridge;
    QByteArray persistenceDirectory;
    std::shared_ptr<const void> keepAlive;
};

// Process-global and deliberately leaked: a Client in a static object may be destroyed at exit.
struct Shared
{
    std::mutex mutex;
    std::condition_variable changed; // a job finished, the worker ended, or the hold changed
    std::deque<Job> queue;
    QList<QByteArray> directoriesInWork; // of queued and running jobs
    int pending = 0; // queued and running
    bool workerRunning = false;
    bool held = false;
};

Shared &shared()
{
    static auto *const instance = new Shared;
    return *instance;
}

void runJob(Job &job, int lingerMs = kLingerMs)
{
    if (job.handle)
        MQTTAsync_destroy(&job.handle); // afterwards no paho callback reaches job.bridge
    job.bridge.reset();
    PahoWaker::releaseLingering(lingerMs);
    job.bridge.reset();
    job.keepAlive.reset();
}

void workerMain()
{
#if defined(Q_OS_LINUX)
    ::pthread_setname_np(::pthread_self(), "qpaho-reaper");
#endif
    Shared &s = shared();
    std::unique_lock lock(s.mutex);
    for (;;) {
        s.changed.wait(lock, [&s] { return !s.held || s.queue.empty(); });
        if (s.queue.empty()) {
            s.workerRunning = false; // no idle thread: the next job starts a new one
            s.changed.notify_all();
            return;
        }
        Job job = std::move(s.queue.front());
        s.queue.pop_front();
        lock.unlock();
        runJob(job);
        lock.lock();
        s.directoriesInWork.removeOne(job.persistenceDirectory);
        --s.pending;
        s.changed.notify_all();
    }
}

// At exit, let the last destroys finish before the process goes.
struct DrainAtExit
{
    ~DrainAtExit() { HandleReaper::waitForIdle(); }
} drainAtExit;

} // namespace

void HandleReaper::destroyLater(MQTTAsync handle, std::unique_ptr<Bridge> bridge,
    const QByteArray &persistenceDirectory, std::shared_ptr<const void> keepAlive)
{
    Job job { handle, std::move(bridge), persistenceDirectory, std::move(keepAlive) };
    if (!pahoNeeds(Workaround::BlockingDestroy)) {
        // The gate (paho/pahoversion_p.h): a paho whose destroy does not block is destroyed
        // right here, as without the reaper, and nothing lingers on the caller's thread.
        runJob(job, 0);
        return;
    }
    Shared &s = shared();
    std::unique_lock lock(s.mutex);
    if (!s.workerRunning) {
        try {
            std::thread(workerMain).detach();
            s.workerRunning = true;
        } catch (const std::system_error &) {
            // No thread to be had: do it here rather than leak the handle.
            lock.unlock();
            runJob(job);
            return;
        }
    }
    s.directoriesInWork.append(job.persistenceDirectory);
    ++s.pending;
    s.queue.push_back(std::move(job));
    s.changed.notify_all();
}

void HandleReaper::waitForPersistence(const QByteArray &persistenceDirectory)
{
    if (persistenceDirectory.isEmpty())
        return;
    PahoWaker::endLinger(); // a job behind a lingering release must not wait for it
    Shared &s = shared();
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return !s.directoriesInWork.contains(persistenceDirectory); });
}

void HandleReaper::waitForIdle()
{
    PahoWaker::endLinger();
    Shared &s = shared();
    std::unique_lock lock(s.mutex);
    s.held = false;
    s.changed.notify_all();
    s.changed.wait(lock, [&s] { return s.pending == 0 && !s.workerRunning; });
}

int HandleReaper::pendingCount()
{
    Shared &s = shared();
    const std::lock_guard lock(s.mutex);
    return s.pending;
}

void HandleReaper::setHeldForTesting(bool held)
{
    Shared &s = shared();
    const std::lock_guard lock(s.mutex);
    s.held = held;
    s.changed.notify_all();
}

} // namespace QPaho::Internal
