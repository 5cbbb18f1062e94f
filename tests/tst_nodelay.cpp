// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// TCP_NODELAY on the socket paho opened for one client (src/paho/nodelay_p.h): the mechanism
// against plain sockets, then end to end with paho.mqtt.c against a mosquitto started here.
#include "paho/nodelay_p.h"

#include "common/qpahotest.h"

#include <QPaho/Client>

#include <QtCore/QDir>
#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>

#include <MQTTAsync.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

using namespace QPaho::Internal;

namespace {

// An fd owned by the test.
class Fd
{
public:
    explicit Fd(int fd = -1) : m_fd(fd) { }
    Fd(Fd &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)) { }
    Fd &operator=(Fd &&other) noexcept
    {
        std::swap(m_fd, other.m_fd);
        return *this;
    }
    ~Fd()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    int get() const { return m_fd; }
    bool isValid() const { return m_fd >= 0; }

private:
    int m_fd;
};

sockaddr_in loopback(quint16 port, const char *ip = "127.0.0.1")
{
    sockaddr_in addr;
    std::memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &addr.sin_addr);
    return addr;
}

// What paho does: a blocking socket() + connect() to the broker.
Fd connectedSocket(int type, quint16 port, const char *ip = "127.0.0.1")
{
    Fd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    const sockaddr_in addr = loopback(port, ip);
    if (!fd.isValid()
        || ::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) != 0)
        return Fd();
    return fd;
}

Fd tcpTo(quint16 port)
{
    return connectedSocket(SOCK_STREAM, port);
}

quint16 peerPortOf(int fd)
{
    sockaddr_storage storage;
    socklen_t len = sizeof(storage);
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&storage), &len) != 0
        || storage.ss_family != AF_INET)
        return 0;
    sockaddr_in in4;
    std::memcpy(&in4, &storage, sizeof(in4));
    return ntohs(in4.sin_port);
}

void setNoDelay(int fd, bool on)
{
    const int value = on ? 1 : 0;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof(value));
}

// Every socket of the process, independently of the code under test: the inode is parsed from
// the "socket:[N]" link text.
struct SocketInfo
{
    int fd;
    quint64 inode;
};

std::vector<SocketInfo> allSockets()
{
    std::vector<SocketInfo> result;
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return result;
    while (const dirent *entry = ::readdir(dir)) {
        char link[64] = {};
        const QByteArray path = QByteArrayLiteral("/proc/self/fd/") + entry->d_name;
        if (::readlink(path.constData(), link, sizeof(link) - 1) <= 0)
            continue;
        const QByteArray text(link);
        if (text.startsWith("socket:[") && text.endsWith(']'))
            result.push_back(
                { QByteArray(entry->d_name).toInt(), text.mid(8).chopped(1).toULongLong() });
    }
    ::closedir(dir);
    return result;
}

int fdOfInode(quint64 inode)
{
    for (const SocketInfo &s : allSockets()) {
        if (s.inode == inode)
            return s.fd;
    }
    return -1;
}

// inode -> TCP_NODELAY, for every TCP socket of the process.
std::map<quint64, bool> noDelayStates()
{
    std::map<quint64, bool> states;
    for (const SocketInfo &s : allSockets()) {
        int type = 0;
        socklen_t len = sizeof(type);
        if (::getsockopt(s.fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM)
            states[s.inode] = hasNoDelay(s.fd);
    }
    return states;
}

} // namespace

class tst_NoDelay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void snapshotRecordsOpenSockets();
    void appliesOnlyToNewTcpSocketsToPeerPort();
    void anyPortWhenPeerPortIsZero();
    void peerAddressFilter();
    void claimedSocketIsNotClaimedTwice();
    void claimIsReleasedByDestructorAndMove();
    void alreadyNoDelayIsClaimedButNotCounted();
    void invalidSnapshotDoesNothing();
    void trackerDisabledDoesNothing();
    void trackerEnabled();
    void findsTheSocketAmongManyFds();
    void peerPortFromServerUri_data();
    void peerPortFromServerUri();

    void endToEndWithPaho_data();
    void endToEndWithPaho();
    void clientLeavesTheApplicationsSocketAlone();

private:
    bool startBroker();

    QTcpServer m_serverA;
    QTcpServer m_serverB;

    QTemporaryDir m_brokerDir;
    QProcess m_broker;
    bool m_brokerTried = false;
    bool m_haveTls = false;
    QMap<QString, quint16> m_brokerPorts; // scheme -> port
};

void tst_NoDelay::initTestCase()
{
    QVERIFY(m_serverA.listen(QHostAddress::LocalHost, 0));
    QVERIFY(m_serverB.listen(QHostAddress::LocalHost, 0));
    QVERIFY(QDir(QStringLiteral("/proc/self/fd")).exists());
}

void tst_NoDelay::cleanupTestCase()
{
    if (m_broker.state() != QProcess::NotRunning) {
        m_broker.terminate(); // SIGTERM to the PID we started
        if (!m_broker.waitForFinished(5000))
            m_broker.kill();
    }
}

void tst_NoDelay::snapshotRecordsOpenSockets()
{
    const Fd old = tcpTo(m_serverA.serverPort());
    QVERIFY(old.isValid());
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd fresh = tcpTo(m_serverA.serverPort());
    QVERIFY(fresh.isValid());

    QVERIFY(snapshot.isValid());
    QVERIFY(!SocketSnapshot().isValid());
    QVERIFY(snapshot.contains(socketInode(old.get())));
    QVERIFY(!snapshot.contains(socketInode(fresh.get())));
    QVERIFY(std::is_sorted(snapshot.inodes().cbegin(), snapshot.inodes().cend()));
    const Fd file(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    QVERIFY(file.isValid());
    QCOMPARE(socketInode(file.get()), quint64(0)); // not a socket

    // fstat()'s inode is the N of the "socket:[N]" link.
    const int oldFd = old.get();
    QCOMPARE(fdOfInode(socketInode(oldFd)), oldFd);
    std::vector<quint64> linked;
    for (const SocketInfo &s : allSockets()) {
        if (s.fd != fresh.get())
            linked.push_back(s.inode);
    }
    std::sort(linked.begin(), linked.end());
    linked.erase(std::unique(linked.begin(), linked.end()), linked.end());
    QCOMPARE(linked, snapshot.inodes());
}

void tst_NoDelay::appliesOnlyToNewTcpSocketsToPeerPort()
{
    const quint16 port = m_serverA.serverPort();
    const Fd before = tcpTo(port); // opened before the snapshot
    QVERIFY(before.isValid());

    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd target = tcpTo(port); // "paho's" socket
    const Fd otherPort = tcpTo(m_serverB.serverPort());
    const Fd udp = connectedSocket(SOCK_DGRAM, port); // same peer, not TCP
    const Fd unconnected(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int pair[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    const Fd unixA(pair[0]), unixB(pair[1]);
    QTcpServer lateServer; // a listening TCP socket opened after the snapshot
    QVERIFY(lateServer.listen(QHostAddress::LocalHost, 0));
    for (const Fd *fd : { &target, &otherPort, &udp, &unconnected })
        QVERIFY(fd->isValid());
    QVERIFY(!hasNoDelay(target.get()));

    SocketClaim claim;
    QCOMPARE(applyNoDelayToNewSockets(snapshot, port, {}, claim), 1);
    QVERIFY(hasNoDelay(target.get()));
    QVERIFY(!hasNoDelay(before.get()));
    QVERIFY(!hasNoDelay(otherPort.get()));
    QVERIFY(!hasNoDelay(unconnected.get()));
    QCOMPARE(claim.inodes(), std::vector<quint64> { socketInode(target.get()) });
    QVERIFY(isClaimed(socketInode(target.get())));
    QVERIFY(!isClaimed(socketInode(before.get())));

    // Our duplicate is gone again: the socket is still open, usable and owned by its fd only.
    QCOMPARE(fdOfInode(socketInode(target.get())), target.get());
    QCOMPARE(::send(target.get(), "x", 1, MSG_NOSIGNAL), ssize_t(1));
}

void tst_NoDelay::anyPortWhenPeerPortIsZero()
{
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd a = tcpTo(m_serverA.serverPort());
    const Fd b = tcpTo(m_serverB.serverPort());
    SocketClaim claim;
    QCOMPARE(applyNoDelayToNewSockets(snapshot, 0, {}, claim), 2);
    QVERIFY(hasNoDelay(a.get()));
    QVERIFY(hasNoDelay(b.get()));
    QCOMPARE(claim.inodes().size(), size_t(2));
}

void tst_NoDelay::peerAddressFilter()
{
    const quint16 port = m_serverA.serverPort();
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd target = tcpTo(port);
    QVERIFY(target.isValid());

    SocketClaim claim;
    const QList<QHostAddress> elsewhere { QHostAddress(QStringLiteral("127.0.0.2")),
        QHostAddress(QHostAddress::LocalHostIPv6) };
    QCOMPARE(applyNoDelayToNewSockets(snapshot, port, elsewhere, claim), 0);
    QVERIFY(claim.isEmpty());
    QVERIFY(!hasNoDelay(target.get()));

    // An IPv4-mapped IPv6 address (what a dual-stack resolver may hand out) matches the IPv4 peer.
    const QList<QHostAddress> mapped { QHostAddress(QStringLiteral("::ffff:127.0.0.1")) };
    QCOMPARE(applyNoDelayToNewSockets(snapshot, port, mapped, claim), 1);
    QVERIFY(hasNoDelay(target.get()));
}

void tst_NoDelay::claimedSocketIsNotClaimedTwice()
{
    const quint16 port = m_serverA.serverPort();
    const SocketSnapshot first = SocketSnapshot::take();
    const SocketSnapshot second = SocketSnapshot::take(); // a second client connecting meanwhile
    const Fd target = tcpTo(port);
    const quint64 inode = socketInode(target.get());

    SocketClaim claim1;
    QCOMPARE(applyNoDelayToNewSockets(first, port, {}, claim1), 1);
    QCOMPARE(claim1.inodes(), std::vector<quint64> { inode });

    setNoDelay(target.get(), false);
    SocketClaim claim2;
    QCOMPARE(applyNoDelayToNewSockets(second, port, {}, claim2), 0);
    QVERIFY(claim2.isEmpty());
    QVERIFY(!hasNoDelay(target.get())); // claimed by claim1: not touched
    // Applying again for the same client does not claim it twice either.
    QCOMPARE(applyNoDelayToNewSockets(first, port, {}, claim1), 0);
    QCOMPARE(claim1.inodes().size(), size_t(1));

    claim1.release();
    QVERIFY(claim1.isEmpty());
    QVERIFY(!isClaimed(inode));
    QCOMPARE(applyNoDelayToNewSockets(second, port, {}, claim2), 1);
    QCOMPARE(claim2.inodes(), std::vector<quint64> { inode });
    QVERIFY(hasNoDelay(target.get()));

    releaseClaim(inode);
    QVERIFY(!isClaimed(inode));
}

void tst_NoDelay::claimIsReleasedByDestructorAndMove()
{
    const quint16 port = m_serverA.serverPort();
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd a = tcpTo(port);
    const quint64 inode = socketInode(a.get());
    {
        SocketClaim claim;
        QCOMPARE(applyNoDelayToNewSockets(snapshot, port, {}, claim), 1);
        SocketClaim moved(std::move(claim));
        QVERIFY(claim.isEmpty()); // NOLINT(bugprone-use-after-move): moved-from is empty
        QVERIFY(isClaimed(inode));
        SocketClaim assigned;
        assigned = std::move(moved);
        QVERIFY(isClaimed(inode));
        QCOMPARE(assigned.inodes(), std::vector<quint64> { inode });
    }
    QVERIFY(!isClaimed(inode));

    // Move-assigning over a claim releases what it held.
    const SocketSnapshot later = SocketSnapshot::take();
    const Fd b = tcpTo(port);
    SocketClaim holder;
    QCOMPARE(applyNoDelayToNewSockets(later, port, {}, holder), 1);
    QCOMPARE(holder.inodes(), std::vector<quint64> { socketInode(b.get()) });
    holder = SocketClaim();
    QVERIFY(!isClaimed(socketInode(b.get())));
}

void tst_NoDelay::alreadyNoDelayIsClaimedButNotCounted()
{
    const quint16 port = m_serverA.serverPort();
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const Fd target = tcpTo(port);
    setNoDelay(target.get(), true);
    SocketClaim claim;
    QCOMPARE(applyNoDelayToNewSockets(snapshot, port, {}, claim), 0);
    QCOMPARE(claim.inodes(), std::vector<quint64> { socketInode(target.get()) });
    QVERIFY(hasNoDelay(target.get()));
}

void tst_NoDelay::invalidSnapshotDoesNothing()
{
    const Fd target = tcpTo(m_serverA.serverPort());
    SocketClaim claim;
    QCOMPARE(applyNoDelayToNewSockets(SocketSnapshot(), m_serverA.serverPort(), {}, claim), 0);
    QVERIFY(claim.isEmpty());
    QVERIFY(!hasNoDelay(target.get()));
}

void tst_NoDelay::trackerDisabledDoesNothing()
{
    NoDelayTracker tracker(false);
    QVERIFY(!tracker.isEnabled());
    tracker.prepare();
    const Fd target = tcpTo(m_serverA.serverPort());
    QCOMPARE(tracker.apply(m_serverA.serverPort()), 0);
    QVERIFY(tracker.claim().isEmpty());
    QVERIFY(!hasNoDelay(target.get()));
}

void tst_NoDelay::trackerEnabled()
{
    const quint16 port = m_serverA.serverPort();
    NoDelayTracker tracker;
    QVERIFY(tracker.isEnabled());
    QCOMPARE(tracker.apply(port), 0); // not prepared

    tracker.prepare();
    const Fd first = tcpTo(port);
    QCOMPARE(tracker.apply(port, { QHostAddress(QHostAddress::LocalHost) }), 1);
    QVERIFY(hasNoDelay(first.get()));
    QCOMPARE(tracker.claim().inodes(), std::vector<quint64> { socketInode(first.get()) });

    // The snapshot is consumed: a later socket is not picked up without a new prepare().
    const Fd late = tcpTo(port);
    QCOMPARE(tracker.apply(port), 0);
    QVERIFY(!hasNoDelay(late.get()));

    // Reconnect: prepare() releases the old claim and snapshots again.
    tracker.prepare();
    QVERIFY(!isClaimed(socketInode(first.get())));
    const Fd second = tcpTo(port);
    QCOMPARE(tracker.apply(port), 1);
    QVERIFY(hasNoDelay(second.get()));
    QVERIFY(!hasNoDelay(late.get())); // existed at the second snapshot

    tracker.setEnabled(false); // releases
    QVERIFY(tracker.claim().isEmpty());
    QVERIFY(!isClaimed(socketInode(second.get())));
    QVERIFY(hasNoDelay(second.get())); // left as it is
}

void tst_NoDelay::findsTheSocketAmongManyFds()
{
    // A few hundred unrelated fds (sockets and files), then the full snapshot + scan: the one
    // new TCP socket to the port is found among them. The times are printed, not asserted (a
    // test asserts behaviour, not speed; typically well under 1 ms each).
    std::vector<Fd> noise;
    for (int i = 0; i < 200; ++i) {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        noise.emplace_back(pair[0]);
        noise.emplace_back(pair[1]);
        noise.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    std::vector<Fd> oldTcp;
    for (int i = 0; i < 20; ++i)
        oldTcp.push_back(tcpTo(m_serverB.serverPort()));

    QElapsedTimer timer;
    timer.start();
    const SocketSnapshot snapshot = SocketSnapshot::take();
    const qint64 snapshotNs = timer.nsecsElapsed();
    QVERIFY(snapshot.inodes().size() >= 400);

    const Fd target = tcpTo(m_serverA.serverPort());
    for (int i = 0; i < 200; ++i) { // new since the snapshot, but not TCP
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        noise.emplace_back(pair[0]);
        noise.emplace_back(pair[1]);
    }
    SocketClaim claim;
    timer.restart();
    QCOMPARE(applyNoDelayToNewSockets(snapshot, m_serverA.serverPort(), {}, claim), 1);
    const qint64 applyNs = timer.nsecsElapsed();
    QVERIFY(hasNoDelay(target.get()));
    qDebug("%zu sockets + 200 files: snapshot %lld us, apply %lld us", allSockets().size(),
        snapshotNs / 1000, applyNs / 1000);
}

void tst_NoDelay::peerPortFromServerUri_data()
{
    QTest::addColumn<QString>("uri");
    QTest::addColumn<int>("port"); // -1: std::nullopt

    QTest::newRow("tcp") << QStringLiteral("tcp://broker:1884") << 1884;
    QTest::newRow("tcp default") << QStringLiteral("tcp://broker") << 1883;
    QTest::newRow("mqtt default") << QStringLiteral("mqtt://broker") << 1883;
    QTest::newRow("no scheme") << QStringLiteral("broker:2000") << 2000;
    QTest::newRow("no scheme default") << QStringLiteral("broker") << 1883;
    QTest::newRow("ssl default") << QStringLiteral("ssl://broker") << 8883;
    QTest::newRow("mqtts") << QStringLiteral("mqtts://broker:18883") << 18883;
    QTest::newRow("ws default") << QStringLiteral("ws://broker/mqtt") << 80;
    QTest::newRow("ws path") << QStringLiteral("ws://broker:9001/mqtt") << 9001;
    QTest::newRow("wss default") << QStringLiteral("wss://broker") << 443;
    QTest::newRow("uppercase") << QStringLiteral("WSS://broker:8443/") << 8443;
    QTest::newRow("ipv6") << QStringLiteral("tcp://[::1]:1999") << 1999;
    QTest::newRow("ipv6 default") << QStringLiteral("ssl://[fe80::1]") << 8883;
    QTest::newRow("unix") << QStringLiteral("unix:///tmp/mqtt.sock") << -1;
    QTest::newRow("unknown") << QStringLiteral("http://broker:80") << -1;
    QTest::newRow("bad port") << QStringLiteral("tcp://broker:x") << -1;
    QTest::newRow("port 0") << QStringLiteral("tcp://broker:0") << -1;
    QTest::newRow("port too big") << QStringLiteral("tcp://broker:70000") << -1;
    QTest::newRow("bad ipv6") << QStringLiteral("tcp://[::1") << -1;
}

void tst_NoDelay::peerPortFromServerUri()
{
    QFETCH(QString, uri);
    QFETCH(int, port);
    const std::optional<quint16> result = QPaho::Internal::peerPortFromServerUri(uri);
    QCOMPARE(result.has_value() ? int(*result) : -1, port);
}

// --- end to end with paho.mqtt.c and mosquitto ---

bool tst_NoDelay::startBroker()
{
    if (m_brokerTried)
        return m_broker.state() == QProcess::Running;
    m_brokerTried = true;

    const QString mosquitto = QStandardPaths::findExecutable(QStringLiteral("mosquitto"),
        { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"),
            QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin") });
    if (mosquitto.isEmpty() || !m_brokerDir.isValid())
        return false;
    const QString dir = m_brokerDir.path();

    // A throwaway self-signed certificate for the ssl:// and wss:// listeners.
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (!openssl.isEmpty()) {
        QProcess gen;
        gen.start(openssl,
            { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-keyout"),
                dir + QStringLiteral("/key.pem"), QStringLiteral("-out"),
                dir + QStringLiteral("/cert.pem") });
        m_haveTls = gen.waitForFinished(30000) && gen.exitStatus() == QProcess::NormalExit
            && gen.exitCode() == 0;
    }

    // Distinct free ports: hold all probes open at once.
    QTcpServer probes[4];
    const QString schemes[4] = { QStringLiteral("tcp"), QStringLiteral("ws"), QStringLiteral("ssl"),
        QStringLiteral("wss") };
    for (int i = 0; i < 4; ++i) {
        if (!probes[i].listen(QHostAddress::LocalHost, 0))
            return false;
        m_brokerPorts[schemes[i]] = probes[i].serverPort();
    }
    for (QTcpServer &probe : probes)
        probe.close();

    const auto listener = [&](const QString &scheme) {
        return QStringLiteral("listener %1 127.0.0.1\n").arg(m_brokerPorts.value(scheme));
    };
    const QString tls = QStringLiteral("certfile %1/cert.pem\nkeyfile %1/key.pem\n").arg(dir);
    // Comments only on their own lines: mosquitto rejects trailing comments.
    QString config = QStringLiteral("user root\nallow_anonymous true\n")
        + QStringLiteral("log_dest file %1/m.log\n").arg(dir) + listener(QStringLiteral("tcp"))
        + listener(QStringLiteral("ws")) + QStringLiteral("protocol websockets\n");
    if (m_haveTls) {
        config += listener(QStringLiteral("ssl")) + tls + listener(QStringLiteral("wss"))
            + QStringLiteral("protocol websockets\n") + tls;
    }
    QFile file(dir + QStringLiteral("/mosquitto.conf"));
    if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
        return false;
    file.close();

    m_broker.setProcessChannelMode(QProcess::ForwardedChannels);
    m_broker.start(mosquitto, { QStringLiteral("-c"), file.fileName() });
    if (!m_broker.waitForStarted(10000))
        return false;
    QFile log(dir + QStringLiteral("/m.log"));
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 10000 && m_broker.state() == QProcess::Running) {
        if (log.open(QIODevice::ReadOnly)) {
            const bool running = log.readAll().contains(" running");
            log.close();
            if (running)
                return true;
        }
        QTest::qWait(20);
    }
    return false;
}

namespace {

struct Outcome
{
    std::atomic<int> state { 0 }; // 0 pending, 1 success, 2 failure
};

void onSuccess(void *context, MQTTAsync_successData *)
{
    static_cast<Outcome *>(context)->state.store(1);
}

void onFailure(void *context, MQTTAsync_failureData *)
{
    static_cast<Outcome *>(context)->state.store(2);
}

struct ClientDeleter
{
    void operator()(MQTTAsync *client) const
    {
        MQTTAsync_destroy(client);
        delete client;
    }
};

} // namespace

void tst_NoDelay::endToEndWithPaho_data()
{
    QPahoTest::addRows<QString>("scheme",
        { { "tcp", QStringLiteral("tcp") }, { "ws", QStringLiteral("ws") },
            { "ssl", QStringLiteral("ssl") }, { "wss", QStringLiteral("wss") } });
}

void tst_NoDelay::endToEndWithPaho()
{
    QFETCH(QString, scheme);
    if (!startBroker())
        QSKIP("mosquitto is not available or did not start");
    const bool secure = scheme.startsWith(u's') || scheme == QStringLiteral("wss");
    if (secure && !m_haveTls)
        QSKIP("openssl could not make a certificate");
    const quint16 brokerPort = m_brokerPorts.value(scheme);
    const QByteArray uri = QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(brokerPort).toUtf8();
    QCOMPARE(QPaho::Internal::peerPortFromServerUri(QString::fromUtf8(uri)),
        std::optional<quint16>(brokerPort));

    // The broker and our test servers hold TCP sockets with peers on other ports; a sibling
    // socket to the broker opened before the snapshot must not be touched.
    const Fd sibling = tcpTo(brokerPort);
    QVERIFY(sibling.isValid());

    Outcome connected, published, disconnected;
    std::unique_ptr<MQTTAsync, ClientDeleter> client(new MQTTAsync(nullptr));
    MQTTAsync_createOptions createOptions = MQTTAsync_createOptions_initializer;
    createOptions.MQTTVersion = MQTTVERSION_3_1_1;
    const QByteArray clientId = "tst_nodelay_" + scheme.toUtf8();
    QCOMPARE(MQTTAsync_createWithOptions(client.get(), uri.constData(), clientId.constData(),
                 MQTTCLIENT_PERSISTENCE_NONE, nullptr, &createOptions),
        MQTTASYNC_SUCCESS);

    MQTTAsync_connectOptions connectOptions = MQTTAsync_connectOptions_initializer;
    MQTTAsync_SSLOptions sslOptions = MQTTAsync_SSLOptions_initializer;
    connectOptions.MQTTVersion = MQTTVERSION_3_1_1;
    connectOptions.cleansession = 1;
    connectOptions.connectTimeout = 10;
    connectOptions.onSuccess = onSuccess;
    connectOptions.onFailure = onFailure;
    connectOptions.context = &connected;
    if (secure) {
        sslOptions.enableServerCertAuth = 0;
        sslOptions.verify = 0;
        connectOptions.ssl = &sslOptions;
    }

    const std::map<quint64, bool> statesBefore = noDelayStates();
    const SocketSnapshot before = SocketSnapshot::take();
    QCOMPARE(MQTTAsync_connect(*client, &connectOptions), MQTTASYNC_SUCCESS);
    QTRY_VERIFY_WITH_TIMEOUT(connected.state.load() != 0, 15000);
    QCOMPARE(connected.state.load(), 1);

    // paho's own socket: the one new TCP socket whose peer is the broker; NODELAY is still off.
    std::vector<int> pahoSockets;
    for (const SocketInfo &s : allSockets()) {
        if (!before.contains(s.inode) && peerPortOf(s.fd) == brokerPort)
            pahoSockets.push_back(s.fd);
    }
    QCOMPARE(pahoSockets.size(), size_t(1));
    const int pahoFd = pahoSockets.front();
    const quint64 pahoInode = socketInode(pahoFd);
    QVERIFY2(!hasNoDelay(pahoFd), "paho set TCP_NODELAY itself?");

    SocketClaim claim;
    QCOMPARE(applyNoDelayToNewSockets(
                 before, brokerPort, { QHostAddress(QHostAddress::LocalHost) }, claim),
        1);
    QCOMPARE(claim.inodes(), std::vector<quint64> { pahoInode });
    QVERIFY(hasNoDelay(pahoFd));
    QVERIFY(!hasNoDelay(sibling.get()));

    // Exactly one TCP socket of the whole process changed its TCP_NODELAY.
    const std::map<quint64, bool> statesAfter = noDelayStates();
    std::vector<quint64> changed;
    for (const auto &[inode, on] : statesAfter) {
        const auto it = statesBefore.find(inode);
        const bool wasOn = it != statesBefore.end() && it->second;
        if (on != wasOn)
            changed.push_back(inode);
    }
    QCOMPARE(changed, std::vector<quint64> { pahoInode });

    // The connection still works (our dup() is closed, paho's fd is untouched): QoS 1 PUBACK.
    MQTTAsync_responseOptions publishOptions = MQTTAsync_responseOptions_initializer;
    publishOptions.onSuccess = onSuccess;
    publishOptions.onFailure = onFailure;
    publishOptions.context = &published;
    char payload[] = "ping";
    QCOMPARE(MQTTAsync_send(*client, "qpaho/tst_nodelay", 4, payload, 1, 0, &publishOptions),
        MQTTASYNC_SUCCESS);
    QTRY_VERIFY_WITH_TIMEOUT(published.state.load() != 0, 10000);
    QCOMPARE(published.state.load(), 1);

    MQTTAsync_disconnectOptions disconnectOptions = MQTTAsync_disconnectOptions_initializer;
    disconnectOptions.onSuccess = onSuccess;
    disconnectOptions.onFailure = onFailure;
    disconnectOptions.context = &disconnected;
    QCOMPARE(MQTTAsync_disconnect(*client, &disconnectOptions), MQTTASYNC_SUCCESS);
    QTRY_VERIFY_WITH_TIMEOUT(disconnected.state.load() != 0, 10000);
    client.reset();
    claim.release();
    QVERIFY(!isClaimed(pahoInode));
}

void tst_NoDelay::clientLeavesTheApplicationsSocketAlone()
{
    // A QPaho::Client connects while the application opens a TCP socket of its own to the
    // same port on another address (127.0.0.2): only QPaho's socket, whose peer address and
    // port are the broker's, gets TCP_NODELAY. (It used to compare the port only.)
    if (!startBroker())
        QSKIP("mosquitto is not available or did not start");
    const quint16 brokerPort = m_brokerPorts.value(QStringLiteral("tcp"));
    QTcpServer applicationServer;
    if (!applicationServer.listen(QHostAddress(QStringLiteral("127.0.0.2")), brokerPort))
        QSKIP("cannot listen on 127.0.0.2 at the broker's port");

    QPaho::Client client;
    const auto connecting
        = client.connectToHost(QStringLiteral("tcp://127.0.0.1:%1").arg(brokerPort));
    const Fd applications = connectedSocket(SOCK_STREAM, brokerPort, "127.0.0.2");
    QVERIFY(applications.isValid());
    QVERIFY(!hasNoDelay(applications.get()));
    QVERIFY(QPahoTest::waitForFuture(connecting));
    QVERIFY(QPahoTest::resultOf(connecting).isOk());
    QCOMPARE(client.state(), QPaho::Client::State::Connected);

    // QPaho's own socket has it (in the same event-loop turn as CONNACK, for an address).
    int qpahoSockets = 0;
    for (const SocketInfo &socket : allSockets()) {
        sockaddr_in peer {};
        socklen_t length = sizeof(peer);
        if (::getpeername(socket.fd, reinterpret_cast<sockaddr *>(&peer), &length) == 0
            && peer.sin_family == AF_INET && ntohs(peer.sin_port) == brokerPort
            && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && hasNoDelay(socket.fd))
            ++qpahoSockets;
    }
    QCOMPARE(qpahoSockets, 1);
    QVERIFY(!hasNoDelay(applications.get()));
}

QTEST_GUILESS_MAIN(tst_NoDelay)
#include "tst_nodelay.moc"
