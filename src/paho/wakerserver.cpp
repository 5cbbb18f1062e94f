// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The PahoWaker's server thread: a tiny MQTT 3.1.1 server on 127.0.0.1 that only ever talks to
// the hidden paho client of this very process, and sends it a PINGRESP for every wake (each one
// makes paho's receive thread return from its poll()). It must never answer anyone else: see
// the rules above ServerLoop. Linux only (pahowaker.cpp is a no-op elsewhere).

#include <QtCore/qglobal.h>

#if defined(Q_OS_LINUX)
#include "paho/wakershared_p.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace QPaho::Internal::Waker {

namespace {

constexpr std::size_t kMaxPacket = 1024; // the hidden client's packets are a few dozen bytes

constexpr unsigned char kConnack[] = { 0x20, 0x02, 0x00, 0x00 }; // MQTT 3.1.1, accepted
constexpr unsigned char kPingresp[] = { 0xD0, 0x00 };

enum PacketType : unsigned char {
    Connect = 1,
    Pingreq = 12,
    Disconnect = 14,
};

bool sendAll(int fd, const unsigned char *data, std::size_t size)
{
    // Non-blocking: the peer is paho's receive thread, which reads everything it gets; a full
    // buffer would mean paho is stuck, and then one more wake changes nothing.
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    return sent == ssize_t(size) || (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
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
class ServerLoop
{
public:
    ServerLoop(
        Shared *s, int listenFd, sockaddr_in listenAddress, std::string clientId, qint64 deadlineNs)
        : m_s(s),
          m_wakeFd(s->wakeFd.load(std::memory_order_acquire)),
          m_listenFd(listenFd),
          m_listenAddress(listenAddress),
          m_clientId(std::move(clientId)),
          m_deadlineNs(deadlineNs)
    { }

    void run()
    {
        while (!m_s->stopRequested.load(std::memory_order_acquire)) {
            if (!waitForActivity(nextTimeoutMs(nowNs())))
                break;
            if ((revents(m_wakeFd)) != 0)
                drainEventFd(m_wakeFd);
            if (m_s->stopRequested.load(std::memory_order_acquire))
                break;
            servePeers();
            if (m_listenFd >= 0 && (revents(m_listenFd) & POLLIN) != 0)
                acceptPeer();
            sendWakes();
        }
        closeAll();
    }

private:
    // How long poll() may sleep: until the connect deadline while the hidden client is not in,
    // and the 5 ms wake period while a wakeFor() runs; -1 (until signalled) otherwise.
    int nextTimeoutMs(qint64 now)
    {
        int timeout = -1;
        if (!m_settled) {
            if (m_s->connected.load(std::memory_order_acquire)) {
                m_settled = true;
            } else if (now >= m_deadlineNs) {
                m_settled = true;
                logInactiveOnce(*m_s, "the hidden paho client did not connect within 3 s");
                closeAll();
            } else {
                timeout = pollTimeoutMs(m_deadlineNs, now);
            }
        }
        if (!m_peers.empty()) {
            const qint64 until = m_s->wakeUntilNs.load(std::memory_order_acquire);
            if (until > now) {
                const int t = pollTimeoutMs(std::min(until, m_lastPingNs + kWakeIntervalNs), now);
                timeout = timeout < 0 ? t : std::min(timeout, t);
            }
        }
        return timeout;
    }

    bool waitForActivity(int timeoutMs)
    {
        m_fds.clear();
        m_fds.push_back({ m_wakeFd, POLLIN, 0 });
        if (m_listenFd >= 0)
            m_fds.push_back({ m_listenFd, POLLIN, 0 });
        for (const Peer &p : m_peers)
            m_fds.push_back({ p.fd, POLLIN, 0 });
        if (::poll(m_fds.data(), nfds_t(m_fds.size()), timeoutMs) < 0 && errno != EINTR) {
            logInactiveOnce(*m_s, "poll() failed in the server thread");
            return false;
        }
        return true;
    }

    short revents(int fd) const
    {
        for (const pollfd &p : m_fds) {
            if (p.fd == fd)
                return p.revents;
        }
        return 0;
    }

    // Reads what the peers sent: the hidden client's CONNECT first (with the token), then
    // PINGREQ (answered) and DISCONNECT; anything else, EOF or garbage closes the peer.
    void servePeers()
    {
        for (Peer &p : m_peers) {
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
                        && connectClientId(p.in.substr(0, std::size_t(length))) == m_clientId;
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
        dropClosedPeers();
    }

    void acceptPeer()
    {
        sockaddr_in peerAddress {};
        socklen_t peerLength = sizeof(peerAddress);
        const int fd = ::accept4(m_listenFd, reinterpret_cast<sockaddr *>(&peerAddress),
            &peerLength, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED) {
                // EMFILE and friends: the listener would stay readable and spin this loop.
                logInactiveOnce(*m_s, "accept() failed in the server thread");
                closeAll();
            }
            return;
        }
        Peer peer;
        peer.fd = fd;
        if (!m_peers.empty() || peerLength != sizeof(peerAddress)
            || !peerIsInThisProcess(m_listenAddress, peerAddress)) {
            // Not ours: not a single byte, and the listener stays for the hidden client.
            m_s->strangersRefused.fetch_add(1, std::memory_order_relaxed);
            closeFd(peer.fd);
            return;
        }
        closeFd(m_listenFd); // the hidden client is in: nobody else may connect
        const int one = 1; // 2-byte writes must not wait for an ACK (Nagle)
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (sendAll(fd, kConnack, sizeof(kConnack)))
            m_peers.push_back(std::move(peer));
        else
            closeFd(peer.fd);
    }

    // Wakes: every request (coalesced while one is pending), and the wakeFor() period.
    void sendWakes()
    {
        const bool requested = m_s->wakePending.exchange(false, std::memory_order_acq_rel);
        const qint64 now = nowNs();
        const qint64 until = m_s->wakeUntilNs.load(std::memory_order_acquire);
        if (m_peers.empty()
            || !(requested || (now < until && now - m_lastPingNs >= kWakeIntervalNs)))
            return;
        for (Peer &p : m_peers) {
            if (!sendAll(p.fd, kPingresp, sizeof(kPingresp)))
                closeFd(p.fd);
        }
        m_s->wakesSent.fetch_add(1, std::memory_order_relaxed);
        dropClosedPeers();
        m_lastPingNs = now;
    }

    void dropClosedPeers()
    {
        m_peers.erase(
            std::remove_if(m_peers.begin(), m_peers.end(), [](const Peer &p) { return p.fd < 0; }),
            m_peers.end());
    }

    void closeAll()
    {
        for (Peer &p : m_peers)
            closeFd(p.fd);
        m_peers.clear();
        closeFd(m_listenFd);
    }

    Shared *const m_s;
    const int m_wakeFd;
    int m_listenFd;
    const sockaddr_in m_listenAddress;
    const std::string m_clientId;
    const qint64 m_deadlineNs;
    std::vector<Peer> m_peers;
    std::vector<pollfd> m_fds;
    bool m_settled = false; // hidden client connected (paho said so) or given up
    qint64 m_lastPingNs = 0;
};

} // namespace

void runServer(
    Shared *s, int listenFd, sockaddr_in listenAddress, std::string clientId, qint64 deadlineNs)
{
    ::pthread_setname_np(::pthread_self(), "qpaho-waker");
    ServerLoop(s, listenFd, listenAddress, std::move(clientId), deadlineNs).run();
}

} // namespace QPaho::Internal::Waker

#endif // Q_OS_LINUX
