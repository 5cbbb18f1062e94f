// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Reads stdin line by line on a thread of its own (a terminal or a slow pipe must not block
// the event loop that completes publishes), hands the lines to a receiver on its thread in
// batches, and waits when the receiver has too many batches unfinished (backpressure).
#pragma once

#include <QtCore/QByteArrayList>
#include <QtCore/QObject>
#include <QtCore/QPointer>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace QPahoCli {

class StdinLineReader
{
public:
    // onLines(lines) and onEnd() run on `receiver`'s thread. Lines lose their '\n' (only
    // that: "\r" stays, like mosquitto_pub -l); a last line without '\n' counts if non-empty.
    StdinLineReader(QObject *receiver, std::function<void(const QByteArrayList &)> onLines,
        std::function<void()> onEnd);
    ~StdinLineReader(); // stops reading and joins the thread

    void start();
    // The receiver is done with one batch (all of its publishes completed).
    void batchDone();

private:
    void run();
    void post(std::function<void()> call);

    QObject *m_receiver;
    std::function<void(const QByteArrayList &)> m_onLines;
    std::function<void()> m_onEnd;
    std::thread m_thread;
    int m_wakePipe[2] = { -1, -1 };
    std::mutex m_mutex;
    std::condition_variable m_creditAvailable;
    int m_batchesInFlight = 0;
    bool m_stopping = false;
};

} // namespace QPahoCli
