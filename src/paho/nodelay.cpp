// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// TCP_NODELAY on paho's socket (paho never sets it and hides the socket): finds the socket of this
// connection by its peer address and port, never touching a socket that is not QPaho's.
#include "paho/nodelay_p.h"

#include "paho/pahoversion_p.h"

#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <utility>

#if defined(Q_OS_LINUX)
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#define QPAHO_NODELAY_SUPPORTED 1
#endif

namespace QPaho::Internal {

namespace {

// The process-global registry of claimed socket inodes. Deliberately leaked: a SocketClaim in a
// static object may be destroyed after any function-local static would be.
struct ClaimRegistry
{
    QMutex mutex;
    std::unordered_set<quint64> inodes;
};

ClaimRegistry &claimRegistry()
{
    static auto *const registry = new ClaimRegistry;
    return *registry;
}

#if defined(QPAHO_NODELAY_SUPPORTED)

// Calls f(fd) for every open fd except the one reading /proc/self/fd itself. One getdents64 per
// ~500 entries; the names are parsed as integers, nothing is allocated.
template<typename F>
bool forEachFd(F &&f)
{
    DIR *dir = ::opendir("/proc/self/fd"); // glibc opens it O_CLOEXEC
    if (!dir)
        return false;
    const int ownFd = ::dirfd(dir);
    while (const dirent *entry = ::readdir(dir)) {
        int fd = 0;
        const char *p = entry->d_name;
        if (*p < '0' || *p > '9')
            continue; // "." and ".."
        for (; *p >= '0' && *p <= '9'; ++p)
            fd = fd * 10 + (*p - '0');
        if (*p == '\0' && fd != ownFd)
            f(fd);
    }
    ::closedir(dir);
    return true;
}

// The socket inode of fd, or 0 (fstat() of a socket reports the sockfs inode, the same number
// as the "socket:[N]" link text).
quint64 inodeOf(int fd)
{
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return 0;
    return quint64(st.st_ino);
}

int intOption(int fd, int level, int name)
{
    int value = -1;
    socklen_t len = sizeof(value);
    if (::getsockopt(fd, level, name, &value, &len) != 0)
        return -1;
    return value;
}

bool isTcp(int fd)
{
    if (intOption(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM)
        return false;
    const int domain = intOption(fd, SOL_SOCKET, SO_DOMAIN);
    if (domain != AF_INET && domain != AF_INET6)
        return false;
    return intOption(fd, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP; // not SCTP, MPTCP reports TCP
}

bool peerMatches(int fd, quint16 peerPort, const QList<QHostAddress> &peerAddresses)
{
    sockaddr_storage storage;
    socklen_t len = sizeof(storage);
    std::memset(&storage, 0, sizeof(storage));
    auto *sa = reinterpret_cast<sockaddr *>(&storage);
    if (::getpeername(fd, sa, &len) != 0) // ENOTCONN: not (or no longer) connected
        return false;

    quint16 port = 0;
    if (storage.ss_family == AF_INET) {
        sockaddr_in in4;
        std::memcpy(&in4, &storage, sizeof(in4));
        port = ntohs(in4.sin_port);
    } else if (storage.ss_family == AF_INET6) {
        sockaddr_in6 in6;
        std::memcpy(&in6, &storage, sizeof(in6));
        port = ntohs(in6.sin6_port);
    } else {
        return false;
    }
    if (peerPort != 0 && port != peerPort)
        return false;
    if (peerAddresses.isEmpty())
        return true;
    const QHostAddress peer(sa);
    return std::any_of(peerAddresses.cbegin(), peerAddresses.cend(), [&](const QHostAddress &a) {
        // Not TolerantConversion: that also equates ::1 with 127.0.0.1, a different peer.
        return a.isEqual(peer, QHostAddress::ConvertV4MappedToIPv4);
    });
}

#endif // QPAHO_NODELAY_SUPPORTED

} // namespace

// --- SocketSnapshot ---

SocketSnapshot SocketSnapshot::take()
{
    SocketSnapshot snapshot;
#if defined(QPAHO_NODELAY_SUPPORTED)
    snapshot.m_inodes.reserve(64);
    snapshot.m_valid = forEachFd([&](int fd) {
        if (const quint64 inode = inodeOf(fd))
            snapshot.m_inodes.push_back(inode);
    });
    std::sort(snapshot.m_inodes.begin(), snapshot.m_inodes.end());
    snapshot.m_inodes.erase(std::unique(snapshot.m_inodes.begin(), snapshot.m_inodes.end()),
        snapshot.m_inodes.end()); // dup()ed fds share an inode
#endif
    return snapshot;
}

bool SocketSnapshot::contains(quint64 inode) const
{
    return std::binary_search(m_inodes.cbegin(), m_inodes.cend(), inode);
}

// --- SocketClaim ---

SocketClaim::SocketClaim(SocketClaim &&other) noexcept : m_inodes(std::exchange(other.m_inodes, {}))
{ }

SocketClaim &SocketClaim::operator=(SocketClaim &&other) noexcept
{
    if (this != &other) {
        release();
        m_inodes = std::exchange(other.m_inodes, {});
    }
    return *this;
}

SocketClaim::~SocketClaim()
{
    release();
}

void SocketClaim::release()
{
    if (m_inodes.empty())
        return;
    ClaimRegistry &registry = claimRegistry();
    const QMutexLocker locker(&registry.mutex);
    for (const quint64 inode : m_inodes)
        registry.inodes.erase(inode);
    m_inodes.clear();
}

void releaseClaim(quint64 inode)
{
    ClaimRegistry &registry = claimRegistry();
    const QMutexLocker locker(&registry.mutex);
    registry.inodes.erase(inode);
}

bool isClaimed(quint64 inode)
{
    ClaimRegistry &registry = claimRegistry();
    const QMutexLocker locker(&registry.mutex);
    return registry.inodes.count(inode) != 0;
}

// --- applyNoDelayToNewSockets ---

int applyNoDelayToNewSockets(const SocketSnapshot &before, quint16 peerPort,
    const QList<QHostAddress> &peerAddresses, SocketClaim &claim)
{
#if defined(QPAHO_NODELAY_SUPPORTED)
    if (!before.isValid())
        return 0;

    struct Candidate
    {
        quint64 inode;
        int fd; // our own duplicate: the socket cannot go away or be swapped under us
    };
    std::vector<Candidate> candidates;

    forEachFd([&](int fd) {
        // Cheap filter first: one fstat() per fd, nothing more for pre-existing sockets; new
        // sockets that are not TCP are dropped without a dup().
        const quint64 seen = inodeOf(fd);
        if (seen == 0 || before.contains(seen) || !isTcp(fd))
            return;
        // The fd may be closed and its number reused by another thread at any moment: take a
        // reference of our own and identify the socket again through it.
        const int dupFd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (dupFd < 0)
            return;
        const quint64 inode = inodeOf(dupFd);
        const bool duplicate = std::any_of(candidates.cbegin(), candidates.cend(),
            [&](const Candidate &c) { return c.inode == inode; });
        if (inode != 0 && !duplicate && !before.contains(inode) && isTcp(dupFd)
            && peerMatches(dupFd, peerPort, peerAddresses)) {
            candidates.push_back({ inode, dupFd });
        } else {
            ::close(dupFd);
        }
    });

    {
        ClaimRegistry &registry = claimRegistry();
        const QMutexLocker locker(&registry.mutex);
        for (Candidate &c : candidates) {
            if (registry.inodes.insert(c.inode).second) {
                claim.m_inodes.push_back(c.inode);
            } else {
                ::close(c.fd); // another client's socket
                c.fd = -1;
            }
        }
    }

    int changed = 0;
    for (const Candidate &c : candidates) {
        if (c.fd < 0)
            continue;
        if (intOption(c.fd, IPPROTO_TCP, TCP_NODELAY) == 0) {
            const int one = 1;
            if (::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
                ++changed;
        }
        // Closing the duplicate leaves the socket open: paho still holds its own fd. Should paho
        // have closed its fd meanwhile, this close() is the last reference and ends the
        // connection exactly as paho intended.
        ::close(c.fd);
    }
    return changed;
#else
    Q_UNUSED(before);
    Q_UNUSED(peerPort);
    Q_UNUSED(peerAddresses);
    Q_UNUSED(claim);
    return 0;
#endif
}

// --- helpers ---

quint64 socketInode(int fd)
{
#if defined(QPAHO_NODELAY_SUPPORTED)
    return inodeOf(fd);
#else
    Q_UNUSED(fd);
    return 0;
#endif
}

bool hasNoDelay(int fd)
{
#if defined(QPAHO_NODELAY_SUPPORTED)
    return intOption(fd, IPPROTO_TCP, TCP_NODELAY) > 0;
#else
    Q_UNUSED(fd);
    return false;
#endif
}

std::optional<quint16> peerPortFromServerUri(QStringView serverUri)
{
    struct Scheme
    {
        QStringView prefix;
        quint16 defaultPort;
    };
    // paho's MQTT_DEFAULT_PORT, SECURE_MQTT_DEFAULT_PORT, WS_DEFAULT_PORT, WSS_DEFAULT_PORT.
    static constexpr Scheme schemes[] = {
        { u"tcp://", 1883 },
        { u"mqtt://", 1883 },
        { u"ssl://", 8883 },
        { u"mqtts://", 8883 },
        { u"ws://", 80 },
        { u"wss://", 443 },
    };

    QStringView rest = serverUri.trimmed();
    quint16 defaultPort = 1883;
    if (const qsizetype sep = rest.indexOf(u"://"); sep >= 0) {
        const auto it = std::find_if(std::begin(schemes), std::end(schemes),
            [&](const Scheme &s) { return rest.startsWith(s.prefix, Qt::CaseInsensitive); });
        if (it == std::end(schemes))
            return std::nullopt; // unix:// or unknown
        defaultPort = it->defaultPort;
        rest = rest.mid(it->prefix.size());
    }

    // host[:port][/path] with an optional [IPv6] host.
    if (const qsizetype slash = rest.indexOf(u'/'); slash >= 0)
        rest = rest.left(slash);
    qsizetype colon = -1;
    if (rest.startsWith(u'[')) {
        const qsizetype close = rest.indexOf(u']');
        if (close < 0)
            return std::nullopt;
        if (close + 1 < rest.size()) {
            if (rest.at(close + 1) != u':')
                return std::nullopt;
            colon = close + 1;
        }
    } else {
        colon = rest.lastIndexOf(u':');
    }
    if (colon < 0)
        return defaultPort;

    bool ok = false;
    const uint port = rest.mid(colon + 1).toUInt(&ok);
    if (!ok || port == 0 || port > 65535)
        return std::nullopt;
    return quint16(port);
}

// --- NoDelayTracker ---

void NoDelayTracker::setEnabled(bool enabled)
{
    if (enabled == m_enabled)
        return;
    m_enabled = enabled;
    if (!enabled)
        reset();
}

void NoDelayTracker::prepare()
{
    reset();
    // The gate (paho/pahoversion_p.h): without a snapshot, apply() changes nothing, and a paho
    // that sets TCP_NODELAY itself keeps its socket options.
    if (m_enabled && pahoNeeds(Workaround::NoTcpNoDelay))
        m_before = SocketSnapshot::take();
}

int NoDelayTracker::apply(quint16 peerPort, const QList<QHostAddress> &peerAddresses)
{
    if (!m_enabled || !m_before.isValid())
        return 0;
    const int changed = applyNoDelayToNewSockets(m_before, peerPort, peerAddresses, m_claim);
    m_before = SocketSnapshot();
    return changed;
}

void NoDelayTracker::reset()
{
    m_claim.release();
    m_before = SocketSnapshot();
}

} // namespace QPaho::Internal
