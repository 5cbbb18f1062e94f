// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// PahoWaker's calls (see pahowaker_p.h for why it exists): the reference count that starts and
// stops the hidden paho client and the server thread (wakerserver.cpp), and the lock-free wake
// path paho's users call. Must never block a caller on the server thread.
#include "paho/pahowaker_p.h"

#include "paho/pahoversion_p.h"

#include <QtCore/QLoggingCategory>
#include <QtCore/qglobal.h>

#if defined(Q_OS_LINUX)
#include "paho/wakershared_p.h"

#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <system_error>
#define QPAHO_WAKER_SUPPORTED 1
#endif

namespace QPaho::Internal {

#if defined(QPAHO_WAKER_SUPPORTED)

namespace Waker {

// The library's own category name, so the usual "qpaho.client.debug=true" rule shows it.
Q_LOGGING_CATEGORY(lcWaker, "qpaho.client", QtWarningMsg)

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void drainEventFd(int fd)
{
    std::uint64_t value = 0;
    [[maybe_unused]] const ssize_t got = ::read(fd, &value, sizeof(value));
}

void closeFd(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

void logInactiveOnce(Shared &s, const char *why)
{
    if (!s.loggedInactive.exchange(true))
        qCDebug(lcWaker) << "paho receive-thread waker inactive:" << why
                         << "- connects and large writes keep paho's 1 s poll latency";
}

} // namespace Waker

using namespace Waker;

namespace {

constexpr qint64 kConnectDeadlineNs = 3'000'000'000; // hidden client connected within 3 s, or off
constexpr int kHiddenConnectTimeoutS = 3; // paho's own connect timeout for the hidden client

Shared &shared()
{
    static auto *const instance = new Shared;
    return *instance;
}

void signalServer(const Shared &s)
{
    const std::uint64_t one = 1;
    const int fd = s.wakeFd.load(std::memory_order_acquire);
    if (fd >= 0) {
        // Fails only with EAGAIN at a counter of 2^64-2: the server is signalled anyway.
        [[maybe_unused]] const ssize_t written = ::write(fd, &one, sizeof(one));
    }
}

// paho callbacks for the hidden client: they only record what happened.
void onHiddenConnected(void *context, MQTTAsync_successData *)
{
    static_cast<Shared *>(context)->connected.store(true, std::memory_order_release);
}

void onHiddenConnectFailed(void *context, MQTTAsync_failureData *)
{
    static_cast<Shared *>(context)->connected.store(false, std::memory_order_release);
}

void onHiddenConnectionLost(void *context, char *cause)
{
    if (cause)
        MQTTAsync_free(cause);
    static_cast<Shared *>(context)->connected.store(false, std::memory_order_release);
}

int listenOnLoopback(sockaddr_in *address)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof(addr);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0
        || ::listen(fd, 4) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length) != 0) {
        closeFd(fd);
        return -1;
    }
    *address = addr;
    return fd;
}

std::string randomClientId()
{
    std::random_device device;
    const std::uint64_t value = (std::uint64_t(device()) << 32) ^ device();
    char text[40];
    std::snprintf(
        text, sizeof(text), "qpaho-waker-%016llx", static_cast<unsigned long long>(value));
    return text;
}

void stopServer(Shared &s)
{
    s.running.store(false, std::memory_order_release);
    s.wakeUntilNs.store(0, std::memory_order_release);
    if (s.server.joinable()) {
        s.stopRequested.store(true, std::memory_order_release);
        signalServer(s);
        s.server.join();
    }
}

// Called with s.lifecycle held, when the count goes from 0 to 1.
void start(Shared &s)
{
    // The gate (paho/pahoversion_p.h): a paho that has neither defect gets no thread, no
    // listener and no hidden client; the reference count still runs, so release() stays even.
    s.wakesNeeded.store(pahoNeeds(Workaround::ReceiveThreadPoll), std::memory_order_release);
    s.kicksNeeded.store(pahoNeeds(Workaround::SendThreadLostSignal), std::memory_order_release);
    if (!s.wakesNeeded.load(std::memory_order_relaxed)
        && !s.kicksNeeded.load(std::memory_order_relaxed))
        return;
    if (s.wakeFd.load(std::memory_order_acquire) < 0) {
        const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0)
            return logInactiveOnce(s, "eventfd() failed");
        s.wakeFd.store(fd, std::memory_order_release);
    }
    drainEventFd(s.wakeFd.load(std::memory_order_acquire));

    sockaddr_in listenAddress {};
    const int listenFd = listenOnLoopback(&listenAddress);
    if (listenFd < 0)
        return logInactiveOnce(s, "cannot listen on 127.0.0.1");
    const quint16 port = ntohs(listenAddress.sin_port);

    const std::string clientId = randomClientId();
    const std::string uri = "tcp://127.0.0.1:" + std::to_string(port);
    MQTTAsync_createOptions createOptions = MQTTAsync_createOptions_initializer;
    createOptions.MQTTVersion = MQTTVERSION_3_1_1;
    MQTTAsync handle = nullptr;
    if (MQTTAsync_createWithOptions(&handle, uri.c_str(), clientId.c_str(),
            MQTTCLIENT_PERSISTENCE_NONE, nullptr, &createOptions)
        != MQTTASYNC_SUCCESS) {
        ::close(listenFd);
        return logInactiveOnce(s, "MQTTAsync_create failed for the hidden client");
    }
    MQTTAsync_setConnectionLostCallback(handle, &s, onHiddenConnectionLost);

    s.stopRequested.store(false, std::memory_order_release);
    s.wakePending.store(false, std::memory_order_release);
    s.wakeUntilNs.store(0, std::memory_order_release);
    s.connected.store(false, std::memory_order_release);
    try {
        s.server = std::thread(
            runServer, &s, listenFd, listenAddress, clientId, nowNs() + kConnectDeadlineNs);
    } catch (const std::system_error &) {
        ::close(listenFd);
        MQTTAsync_destroy(&handle);
        return logInactiveOnce(s, "cannot start the server thread");
    }
    s.running.store(true, std::memory_order_release);
    if (const auto hook = s.listenHook.load(std::memory_order_acquire))
        hook(port);

    MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
    options.MQTTVersion = MQTTVERSION_3_1_1;
    options.keepAliveInterval = 0; // never pings; the server never times it out either
    options.cleansession = 1;
    options.connectTimeout = kHiddenConnectTimeoutS;
    options.automaticReconnect = 0;
    options.onSuccess = onHiddenConnected;
    options.onFailure = onHiddenConnectFailed;
    options.context = &s;
    if (MQTTAsync_connect(handle, &options) != MQTTASYNC_SUCCESS) {
        stopServer(s);
        MQTTAsync_destroy(&handle);
        return logInactiveOnce(s, "MQTTAsync_connect failed for the hidden client");
    }
    s.hidden = handle;
    s.kickTarget.store(handle, std::memory_order_release);
}

// Called with s.lifecycle held, when the count goes from 1 to 0.
void stop(Shared &s)
{
    // The hidden client first, while the server still runs: paho sends DISCONNECT and closes
    // its socket (closing a socket that paho's receive thread polls wakes that poll on Linux),
    // and if it was paho's last client, MQTTAsync_destroy() stops paho's threads (~100 ms,
    // paho's stop loop). Measured: 100 ms; stopping the server first (EOF first) took 200 ms.
    s.running.store(false, std::memory_order_release);
    s.kickTarget.store(nullptr, std::memory_order_release);
    if (s.hidden)
        MQTTAsync_destroy(&s.hidden);
    s.hidden = nullptr;
    stopServer(s);
    s.connected.store(false, std::memory_order_release);
}

} // namespace

void PahoWaker::acquire()
{
    Shared &s = shared();
    const std::lock_guard<std::mutex> lock(s.lifecycle);
    if (s.refCount++ == 0)
        start(s);
    s.lingerEnded = false; // a Client again: the next last release may linger
    s.referenced.notify_all();
}

void PahoWaker::releaseLingering(int lingerMs)
{
    Shared &s = shared();
    std::unique_lock<std::mutex> lock(s.lifecycle);
    if (s.refCount == 1 && lingerMs > 0) {
        // The last reference: stopping now would stop paho's threads, and a handle created
        // meanwhile would have to wait for that (paho must not create while it terminates).
        // Wait a little for a new acquire() instead; the lock is free while waiting.
        s.referenced.wait_for(lock, std::chrono::milliseconds(lingerMs),
            [&s] { return s.refCount > 1 || s.lingerEnded; });
    }
    if (s.refCount <= 0) {
        qCWarning(lcWaker) << "PahoWaker::release() without acquire()";
        return;
    }
    if (--s.refCount == 0)
        stop(s);
}

void PahoWaker::endLinger()
{
    Shared &s = shared();
    const std::lock_guard<std::mutex> lock(s.lifecycle);
    s.lingerEnded = true;
    s.referenced.notify_all();
}

void PahoWaker::release()
{
    releaseLingering(0);
}

void PahoWaker::wake()
{
    Shared &s = shared();
    if (!s.running.load(std::memory_order_acquire)
        || !s.wakesNeeded.load(std::memory_order_relaxed))
        return;
    if (s.wakePending.exchange(true, std::memory_order_acq_rel))
        return; // the server has not taken the previous request yet: it covers this one
    signalServer(s);
}

void PahoWaker::wakeFor(int durationMs)
{
    Shared &s = shared();
    if (durationMs <= 0 || !s.running.load(std::memory_order_acquire)
        || !s.wakesNeeded.load(std::memory_order_relaxed))
        return;
    const qint64 now = nowNs();
    const qint64 until = now + qint64(durationMs) * 1'000'000;
    qint64 current = s.wakeUntilNs.load(std::memory_order_acquire);
    const bool periodRunning = current > now;
    while (current < until
        && !s.wakeUntilNs.compare_exchange_weak(current, until, std::memory_order_acq_rel)) { }
    // A running period only gets longer: the server reads the deadline again at its next
    // 5 ms tick. Waking at once here as well would cost a PINGRESP per large publish (a
    // quarter of the messages at 16 KiB), each one a syscall on three threads.
    if (!periodRunning)
        wake(); // at once, and the server starts its timer
}

void PahoWaker::connectStarted(int durationMs)
{
    shared().connectsInProgress.fetch_add(1, std::memory_order_acq_rel);
    wakeFor(durationMs);
}

void PahoWaker::connectFinished()
{
    Shared &s = shared();
    if (s.connectsInProgress.fetch_sub(1, std::memory_order_acq_rel) == 1)
        s.wakeUntilNs.store(0, std::memory_order_release); // the server reads it at its next tick
}

quint64 PahoWaker::wakesSent()
{
    return shared().wakesSent.load(std::memory_order_relaxed);
}

void PahoWaker::kickSendThread()
{
    Shared &s = shared();
    MQTTAsync target = s.kickTarget.load(std::memory_order_acquire);
    if (!target || !s.connected.load(std::memory_order_acquire)
        || !s.kicksNeeded.load(std::memory_order_relaxed))
        return;
    // One payload byte: paho mallocs and memcpys payloadlen bytes, and malloc(0) may be null.
    static char payload = 'k';
    MQTTAsync_message message = MQTTAsync_message_initializer;
    message.payload = &payload;
    message.payloadlen = 1;
    message.qos = 0;
    // No response options: nothing of ours runs when paho has written it.
    MQTTAsync_sendMessage(target, "k", &message, nullptr);
}

bool PahoWaker::isActive()
{
    return shared().connected.load(std::memory_order_acquire);
}

int PahoWaker::strangersRefused()
{
    return shared().strangersRefused.load(std::memory_order_relaxed);
}

void PahoWaker::setListenHookForTesting(void (*hook)(unsigned short port))
{
    shared().listenHook.store(hook, std::memory_order_release);
}

#else // !QPAHO_WAKER_SUPPORTED

void PahoWaker::acquire() { }
void PahoWaker::release() { }
void PahoWaker::releaseLingering(int) { }
void PahoWaker::endLinger() { }
void PahoWaker::wake() { }
void PahoWaker::wakeFor(int) { }
void PahoWaker::connectStarted(int) { }
void PahoWaker::connectFinished() { }
quint64 PahoWaker::wakesSent()
{
    return 0;
}
void PahoWaker::kickSendThread() { }
bool PahoWaker::isActive()
{
    return false;
}
int PahoWaker::strangersRefused()
{
    return 0;
}
void PahoWaker::setListenHookForTesting(void (*)(unsigned short)) { }

#endif

} // namespace QPaho::Internal
