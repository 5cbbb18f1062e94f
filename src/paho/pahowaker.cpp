// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "paho/pahowaker_p.h"

#include "paho/pahoversion_p.h"

#include <QtCore/QLoggingCategory>
#include <QtCore/qglobal.h>

#if defined(Q_OS_LINUX)
#include <MQTTAsync.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
#define QPAHO_WAKER_SUPPORTED 1
#endif

namespace QPaho::Internal {

#if defined(QPAHO_WAKER_SUPPORTED)

namespace {

// The library's own category name, so the usual "qpaho.client.debug=true" rule shows it.
Q_LOGGING_CATEGORY(lcWaker, "qpaho.client", QtWarningMsg)

constexpr qint64 kWakeIntervalNs = 5'000'000; // wakeFor(): one wake every 5 ms
constexpr qint64 kConnectDeadlineNs = 3'000'000'000; // hidden client connected within 3 s, or off
constexpr int kHiddenConnectTimeoutS = 3; // paho's own connect timeout for the hidden client
constexpr std::size_t kMaxPacket = 1024; // the hidden client's packets are a few dozen bytes

constexpr unsigned char kConnack[] = { 0x20, 0x02, 0x00, 0x00 }; // MQTT 3.1.1, accepted
constexpr unsigned char kPingresp[] = { 0xD0, 0x00 };

enum PacketType : unsigned char {
    Connect = 1,
    Pingreq = 12,
    Disconnect = 14,
};

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Everything is process-global and deliberately leaked: paho callbacks get a pointer to it, a
// wake() may race with any release(), and a Client in a static object may release at exit.
struct Shared
{
    // acquire()/release(); never held by a paho callback or by wake().
    std::mutex lifecycle;
    std::condition_variable referenced; // acquire() or endLinger() during releaseLingering()
    bool lingerEnded = false;
    int refCount = 0;
    MQTTAsync hidden = nullptr;
    std::thread server;

    // The wake path, lock-free. The eventfd is created once and never closed, so a wake()
    // that races with release() can never write to a closed (and reused) descriptor.
    std::atomic<int> wakeFd { -1 };
    std::atomic<bool> running { false }; // the server thread accepts wakes
    std::atomic<bool> wakePending { false };
    std::atomic<qint64> wakeUntilNs { 0 };
    std::atomic<bool> stopRequested { false };
    // The version gate, read at start(): which of the two paho defects this paho has.
    std::atomic<bool> wakesNeeded { false }; // Workaround::ReceiveThreadPoll
    std::atomic<bool> kicksNeeded { false }; // Workaround::SendThreadLostSignal

    // The hidden client as paho reports it (set from paho callbacks).
    std::atomic<bool> connected { false };
    // `hidden` for kickSendThread(): set once the hidden client exists, cleared before it is
    // destroyed. Callers hold a reference, so it cannot be destroyed under them.
    std::atomic<MQTTAsync> kickTarget { nullptr };

    std::atomic<bool> loggedInactive { false };
    std::atomic<int> connectsInProgress { 0 };
    std::atomic<quint64> wakesSent { 0 };

    // Connections to the listener from outside this process, closed without a byte (tests).
    std::atomic<int> strangersRefused { 0 };
    // Called on the acquiring thread once the listener exists (tests only).
    std::atomic<void (*)(unsigned short)> listenHook { nullptr };
};

Shared &shared()
{
    static auto *const instance = new Shared;
    return *instance;
}

void logInactiveOnce(Shared &s, const char *why)
{
    if (!s.loggedInactive.exchange(true))
        qCDebug(lcWaker) << "paho receive-thread waker inactive:" << why
                         << "- connects and large writes keep paho's 1 s poll latency";
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

void drainEventFd(int fd)
{
    std::uint64_t value = 0;
    [[maybe_unused]] const ssize_t got = ::read(fd, &value, sizeof(value));
}

bool sendAll(int fd, const unsigned char *data, std::size_t size)
{
    // Non-blocking: the peer is paho's receive thread, which reads everything it gets; a full
    // buffer would mean paho is stuck, and then one more wake changes nothing.
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    return sent == ssize_t(size) || (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void closeFd(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// Total length of the MQTT packet at the start of `in`: 0 while incomplete, -1 if malformed.
long long packetLength(const std::string &in)
{
    std::size_t remaining = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
        if (i >= in.size())
            return 0;
        const auto byte = static_cast<unsigned char>(in[i]);
        remaining |= std::size_t(byte & 0x7F) << (7 * (i - 1));
        if ((byte & 0x80) == 0) {
            const std::size_t total = 1 + i + remaining;
            if (total > kMaxPacket)
                return -1;
            return in.size() >= total ? static_cast<long long>(total) : 0;
        }
    }
    return -1;
}

std::size_t headerLength(const std::string &packet)
{
    std::size_t i = 1;
    while (i < packet.size() && (static_cast<unsigned char>(packet[i]) & 0x80) != 0)
        ++i;
    return i + 1;
}

// The client identifier of a complete MQTT 3.1/3.1.1 CONNECT packet, or empty.
std::string connectClientId(const std::string &packet)
{
    std::size_t pos = headerLength(packet);
    const auto u16 = [&](std::size_t at) -> std::size_t {
        return (std::size_t(static_cast<unsigned char>(packet[at])) << 8)
            | static_cast<unsigned char>(packet[at + 1]);
    };
    if (pos + 2 > packet.size())
        return {};
    pos += 2 + u16(pos); // protocol name
    pos += 4; // protocol level, connect flags, keep alive
    if (pos + 2 > packet.size())
        return {};
    const std::size_t idLength = u16(pos);
    pos += 2;
    if (pos + idLength > packet.size())
        return {};
    return packet.substr(pos, idLength);
}

// Appends what is readable on fd to `in`. false on EOF, error or an oversized backlog.
bool readAvailable(int fd, std::string &in)
{
    char buffer[512];
    for (;;) {
        const ssize_t got = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (got > 0) {
            in.append(buffer, std::size_t(got));
            if (in.size() > 4 * kMaxPacket)
                return false;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

int pollTimeoutMs(qint64 untilNs, qint64 now)
{
    if (untilNs <= now)
        return 0;
    return int(std::min<qint64>((untilNs - now + 999'999) / 1'000'000, 60'000));
}

bool sameEndpoint(const sockaddr_in &a, const sockaddr_in &b)
{
    return a.sin_family == AF_INET && b.sin_family == AF_INET
        && a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

// Whether the other end of a connection accepted from `peer` on the listener at `listener` is a
// socket of this very process. TCP has no SO_PEERCRED, but a loopback connection is identified by
// its two endpoints: if one of our own descriptors is a socket whose local address is `peer` and
// whose peer address is our listener, the connecting socket is ours (a connected 4-tuple exists
// once per host). Reads /proc/self/fd; any failure counts as "not ours".
bool peerIsInThisProcess(const sockaddr_in &listener, const sockaddr_in &peer)
{
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return false;
    bool found = false;
    while (const dirent *entry = ::readdir(dir)) {
        char *end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir))
            continue;
        sockaddr_in local {};
        sockaddr_in remote {};
        socklen_t localLength = sizeof(local);
        socklen_t remoteLength = sizeof(remote);
        if (::getsockname(int(fd), reinterpret_cast<sockaddr *>(&local), &localLength) == 0
            && localLength == sizeof(local) && sameEndpoint(local, peer)
            && ::getpeername(int(fd), reinterpret_cast<sockaddr *>(&remote), &remoteLength) == 0
            && remoteLength == sizeof(remote) && sameEndpoint(remote, listener)) {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

struct Peer
{
    int fd = -1;
    std::string in;
    bool identified = false; // sent the hidden client's CONNECT
};

// The server thread. Nothing outside this process ever gets a byte from it:
//  - The listener exists only from acquire() until the first connection that comes from this
//    process was accepted (the hidden client's TCP handshake, a few milliseconds; at most the
//    3 s connect deadline). It is closed right after that accept, before anything is sent.
//  - Every accepted connection is checked before anything is written to it: its peer must be a
//    socket of this process (peerIsInThisProcess()). Any other peer is closed at once without
//    a byte (strangersRefused counts them) and the listener stays for the hidden client.
//  - The accepted in-process peer is then sent CONNACK at once, before its CONNECT: paho does
//    not read while its TCP connect is in progress, it only needs the socket to become readable
//    so that its poll() returns, and then it sends CONNECT and reads the CONNACK already there.
//    Without that, the hidden client's CONNACK could miss paho's first 10 ms poll, and paho
//    sleeps 100 ms after every poll that found nothing to do (no wake can shorten that sleep).
//  - Its first packet must be the CONNECT with the hidden client's random client id (a
//    per-acquire token); anything else closes it (the waker is then inactive until the next
//    acquire() cycle). After that: PINGREQ -> PINGRESP, DISCONNECT or EOF -> close, and a
//    PINGRESP for every wake.
// When asked to stop it closes everything: paho sees EOF on the hidden connection.
void serverMain(
    Shared *s, int listenFd, sockaddr_in listenAddress, std::string clientId, qint64 deadlineNs)
{
    ::pthread_setname_np(::pthread_self(), "qpaho-waker");
    const int wakeFd = s->wakeFd.load(std::memory_order_acquire);
    std::vector<Peer> peers;
    bool settled = false; // hidden client connected (paho said so) or given up
    qint64 lastPingNs = 0;
    std::vector<pollfd> fds;

    const auto closeAll = [&] {
        for (Peer &p : peers)
            closeFd(p.fd);
        peers.clear();
        closeFd(listenFd);
    };

    while (!s->stopRequested.load(std::memory_order_acquire)) {
        qint64 now = nowNs();
        int timeout = -1;
        if (!settled) {
            if (s->connected.load(std::memory_order_acquire)) {
                settled = true;
            } else if (now >= deadlineNs) {
                settled = true;
                logInactiveOnce(*s, "the hidden paho client did not connect within 3 s");
                closeAll();
            } else {
                timeout = pollTimeoutMs(deadlineNs, now);
            }
        }
        if (!peers.empty()) {
            const qint64 until = s->wakeUntilNs.load(std::memory_order_acquire);
            if (until > now) {
                const int t = pollTimeoutMs(std::min(until, lastPingNs + kWakeIntervalNs), now);
                timeout = timeout < 0 ? t : std::min(timeout, t);
            }
        }

        fds.clear();
        fds.push_back({ wakeFd, POLLIN, 0 });
        if (listenFd >= 0)
            fds.push_back({ listenFd, POLLIN, 0 });
        for (const Peer &p : peers)
            fds.push_back({ p.fd, POLLIN, 0 });
        if (::poll(fds.data(), nfds_t(fds.size()), timeout) < 0 && errno != EINTR) {
            logInactiveOnce(*s, "poll() failed in the server thread");
            break;
        }
        const auto revents = [&](int fd) -> short {
            for (const pollfd &p : fds) {
                if (p.fd == fd)
                    return p.revents;
            }
            return 0;
        };
        if (revents(wakeFd) != 0)
            drainEventFd(wakeFd);
        if (s->stopRequested.load(std::memory_order_acquire))
            break;

        for (Peer &p : peers) {
            if (p.fd < 0 || revents(p.fd) == 0)
                continue;
            bool open = readAvailable(p.fd, p.in);
            for (long long length; open && (length = packetLength(p.in)) != 0;) {
                if (length < 0) {
                    open = false;
                    break;
                }
                const unsigned type = static_cast<unsigned char>(p.in[0]) >> 4;
                if (!p.identified) {
                    open = type == Connect
                        && connectClientId(p.in.substr(0, std::size_t(length))) == clientId;
                    p.identified = open;
                } else if (type == Pingreq) {
                    open = sendAll(p.fd, kPingresp, sizeof(kPingresp));
                } else if (type == Disconnect) {
                    open = false;
                }
                p.in.erase(0, std::size_t(length));
            }
            if (!open)
                closeFd(p.fd);
        }
        peers.erase(
            std::remove_if(peers.begin(), peers.end(), [](const Peer &p) { return p.fd < 0; }),
            peers.end());

        if (listenFd >= 0 && (revents(listenFd) & POLLIN) != 0) {
            sockaddr_in peerAddress {};
            socklen_t peerLength = sizeof(peerAddress);
            const int fd = ::accept4(listenFd, reinterpret_cast<sockaddr *>(&peerAddress),
                &peerLength, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED) {
                // EMFILE and friends: the listener would stay readable and spin this loop.
                logInactiveOnce(*s, "accept() failed in the server thread");
                closeAll();
            } else if (fd >= 0) {
                Peer peer;
                peer.fd = fd;
                if (!peers.empty() || peerLength != sizeof(peerAddress)
                    || !peerIsInThisProcess(listenAddress, peerAddress)) {
                    // Not ours: not a single byte, and the listener stays for the hidden client.
                    s->strangersRefused.fetch_add(1, std::memory_order_relaxed);
                    closeFd(peer.fd);
                } else {
                    closeFd(listenFd); // the hidden client is in: nobody else may connect
                    const int one = 1; // 2-byte writes must not wait for an ACK (Nagle)
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    if (sendAll(fd, kConnack, sizeof(kConnack)))
                        peers.push_back(std::move(peer));
                    else
                        closeFd(peer.fd);
                }
            }
        }

        // Wakes: every request (coalesced while one is pending), and the wakeFor() period.
        const bool requested = s->wakePending.exchange(false, std::memory_order_acq_rel);
        now = nowNs();
        const qint64 until = s->wakeUntilNs.load(std::memory_order_acquire);
        if (!peers.empty() && (requested || (now < until && now - lastPingNs >= kWakeIntervalNs))) {
            for (Peer &p : peers) {
                if (!sendAll(p.fd, kPingresp, sizeof(kPingresp)))
                    closeFd(p.fd);
            }
            s->wakesSent.fetch_add(1, std::memory_order_relaxed);
            peers.erase(
                std::remove_if(peers.begin(), peers.end(), [](const Peer &p) { return p.fd < 0; }),
                peers.end());
            lastPingNs = now;
        }
    }
    closeAll();
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
            serverMain, &s, listenFd, listenAddress, clientId, nowNs() + kConnectDeadlineNs);
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
