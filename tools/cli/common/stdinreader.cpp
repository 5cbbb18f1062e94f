// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "stdinreader.h"

#include <QtCore/QMetaObject>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace QPahoCli {

namespace {
constexpr int MaxBatchesInFlight = 64;
constexpr qsizetype ReadChunk = 64 * 1024;
} // namespace

StdinLineReader::StdinLineReader(QObject *receiver,
    std::function<void(const QByteArrayList &)> onLines, std::function<void()> onEnd)
    : m_receiver(receiver), m_onLines(std::move(onLines)), m_onEnd(std::move(onEnd))
{ }

StdinLineReader::~StdinLineReader()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopping = true;
    }
    m_creditAvailable.notify_all();
    if (m_wakePipe[1] >= 0) {
        const char byte = 0;
        [[maybe_unused]] const ssize_t n = ::write(m_wakePipe[1], &byte, 1);
    }
    if (m_thread.joinable())
        m_thread.join();
    for (const int fd : m_wakePipe) {
        if (fd >= 0)
            ::close(fd);
    }
}

void StdinLineReader::start()
{
    if (::pipe2(m_wakePipe, O_CLOEXEC) != 0)
        m_wakePipe[0] = m_wakePipe[1] = -1;
    m_thread = std::thread([this] { run(); });
}

void StdinLineReader::batchDone()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        --m_batchesInFlight;
    }
    m_creditAvailable.notify_all();
}

void StdinLineReader::post(std::function<void()> call)
{
    // Queued to the receiver: Qt drops it if the receiver is gone by then.
    QMetaObject::invokeMethod(m_receiver, std::move(call), Qt::QueuedConnection);
}

void StdinLineReader::run()
{
    QByteArray pending;
    QByteArray chunk(ReadChunk, Qt::Uninitialized);
    while (true) {
        pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { m_wakePipe[0], POLLIN, 0 } };
        if (::poll(fds, m_wakePipe[0] >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents != 0)
            return; // stopping
        const ssize_t n = ::read(STDIN_FILENO, chunk.data(), size_t(chunk.size()));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            break;
        pending.append(chunk.constData(), qsizetype(n));
        const qsizetype lastNewline = pending.lastIndexOf('\n');
        if (lastNewline < 0)
            continue;
        QByteArrayList lines = pending.left(lastNewline).split('\n');
        pending.remove(0, lastNewline + 1);
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_creditAvailable.wait(
                lock, [this] { return m_stopping || m_batchesInFlight < MaxBatchesInFlight; });
            if (m_stopping)
                return;
            ++m_batchesInFlight;
        }
        post([this, lines = std::move(lines)] { m_onLines(lines); });
    }
    if (!pending.isEmpty()) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_batchesInFlight;
        }
        post([this, last = pending] { m_onLines({ last }); });
    }
    post([this] { m_onEnd(); });
}

} // namespace QPahoCli
