// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// paho blames a new connection for another connection's socket error (the paho workaround
// Workaround::MisattributedSocketError, src/paho/misattributedsocketerror_p.h,
// docs/paho-workarounds.md). paho's receive thread fails a connect whose peer went away, closes
// its socket, lets go of paho's mutex and only then looks up whose socket that number was; a
// connection paho's send thread opened in between has the same number and is closed instead,
// its connect failing with "socket error". That window is a few instructions wide. This suite
// holds the receive thread in it (this executable's pthread_mutex_lock, armed from paho's
// trace) until the send thread has opened the new connection, so the blame happens every run.
#include "common/pretendfixedpaho.h"
#include "common/qpahotest.h"
#include "common/rawpahoclient.h"
#include "common/sockets.h"

#include "paho/misattributedsocketerror_p.h"
#include "paho/pahoversion_p.h"

#include <QPaho/QPaho>

#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QTest>

#include <MQTTAsync.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

using namespace QPahoTest;
using QPaho::Client;
using QPaho::Error;
using QPaho::Internal::MisattributedSocketError;
using QPaho::Internal::Workaround;

namespace {

// Holds paho's receive thread between MQTTAsync_cycle() and its look-up of the failed socket's
// client, until paho opened the next socket. Armed by the test; driven by paho's trace (which
// runs on paho's threads with paho's log mutex held, so it only sets atomics and signals).
namespace RaceWindow {

std::atomic<bool> armed { false }; // the next failing MQTTAsync_cycle() holds its thread
std::atomic<pid_t> threadToHold { 0 }; // its next mutex lock waits in hold()
std::atomic<bool> holding { false };
std::atomic<int> newSocket { -1 }; // the first socket paho opened while holding
std::atomic<int> blamedSocket { -1 }; // the socket whose client the receive thread failed
std::mutex mutex;
std::condition_variable socketOpened;

void reset()
{
    armed = false;
    threadToHold = 0;
    holding = false;
    newSocket = -1;
    blamedSocket = -1;
}

// On the receive thread, before it takes paho's mutex again.
void hold()
{
    threadToHold = 0; // first: the lock below comes through pthread_mutex_lock too
    std::unique_lock lock(mutex);
    holding = true;
    // Bounded: if paho opens no socket, the receive thread goes on and the test reports it.
    socketOpened.wait_for(lock, std::chrono::seconds(10), [] { return newSocket >= 0; });
    holding = false;
}

int numberAfter(const char *message, const char *prefix)
{
    const char *at = std::strstr(message, prefix);
    int number = -1;
    if (at)
        std::sscanf(at + std::strlen(prefix), "%d", &number);
    return number;
}

void onPahoTrace(enum MQTTASYNC_TRACE_LEVELS, char *message)
{
    if (holding) {
        const int opened = numberAfter(message, "New socket ");
        if (opened >= 0 && newSocket < 0) {
            {
                const std::lock_guard lock(mutex);
                newSocket = opened;
            }
            socketOpened.notify_all();
        }
    }
    const int blamed = numberAfter(message, "Error from MQTTAsync_cycle() - removing socket ");
    if (blamed >= 0)
        blamedSocket = blamed;
    // MQTTAsync_cycle() returns after letting go of paho's mutex and traces its return value:
    // a failed socket's -1. The receive thread's next lock is the one that looks the socket up.
    if (armed && std::strstr(message, "< MQTTAsync_cycle") && std::strstr(message, "(-1)")) {
        armed = false;
        threadToHold = ::gettid(); // last: nothing below may lock on this thread
    }
}

} // namespace RaceWindow

} // namespace

// Every pthread_mutex_lock of the process comes here (the executable exports it, paho's calls
// bind to it); only the receive thread's lock after an armed failing cycle waits.
extern "C" int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    using Lock = int (*)(pthread_mutex_t *);
    static const auto next = reinterpret_cast<Lock>(::dlsym(RTLD_NEXT, "pthread_mutex_lock"));
    if (RaceWindow::threadToHold.load(std::memory_order_acquire) == ::gettid())
        RaceWindow::hold();
    return next(mutex);
}

namespace {

constexpr int kTimeoutMs = 10000;

// Takes every free descriptor below `fd` (with /dev/null) until destroyed, so that the next
// socket the process opens gets `fd` once it is free.
class LowestFreeDescriptor
{
public:
    explicit LowestFreeDescriptor(int fd)
    {
        for (;;) {
            const int filler = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (filler < 0)
                return;
            if (filler >= fd) {
                ::close(filler);
                return;
            }
            m_fillers.push_back(filler);
        }
    }
    ~LowestFreeDescriptor()
    {
        for (const int filler : m_fillers)
            ::close(filler);
    }
    LowestFreeDescriptor(const LowestFreeDescriptor &) = delete;
    LowestFreeDescriptor &operator=(const LowestFreeDescriptor &) = delete;

private:
    std::vector<int> m_fillers;
};

} // namespace

class TstMisattributedSocketError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void retriesOnceInARow();
    void rawPahoBlamesTheNewConnect();
    void clientConnectsDespiteTheBlame();
    void gateOffReportsTheBlame();

private:
    // A raw paho client connects to a silent peer, which goes away after the CONNECT: paho's
    // receive thread fails that connect and is held in the window. Returns the failed socket's
    // number (now free and the lowest free one), or -1 (the test has failed).
    int holdReceiveThreadAfterFailedConnect();
    // Client's connect while the receive thread is held: connected, or failed as shown.
    QPaho::ConnectResult connectClientInTheWindow();

    Mosquitto m_broker;
    std::unique_ptr<QTcpServer> m_silent;
    std::unique_ptr<RawClient> m_victimOfPeer; // the connect whose peer goes away
    std::unique_ptr<LowestFreeDescriptor> m_fillers;
    std::unique_ptr<Client> m_bystander; // keeps QPaho's waker up while the window is open
};

void TstMisattributedSocketError::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstMisattributedSocketError::init()
{
    RaceWindow::reset();
    MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_MINIMUM);
    MQTTAsync_setTraceCallback(&RaceWindow::onPahoTrace);
}

void TstMisattributedSocketError::cleanup()
{
    RaceWindow::armed = false;
    MQTTAsync_setTraceCallback(nullptr);
    m_fillers.reset();
    m_victimOfPeer.reset();
    m_silent.reset();
    m_bystander.reset();
}

int TstMisattributedSocketError::holdReceiveThreadAfterFailedConnect()
{
    m_silent = std::make_unique<QTcpServer>();
    if (!m_silent->listen(QHostAddress::LocalHost, 0)) {
        qWarning("cannot listen: %s", qPrintable(m_silent->errorString()));
        return -1;
    }
    // MQTT 3.1.1, not paho's default version: with that paho answers a lost connect with a
    // second one (MQTT 3.1), which would take the failed socket's number itself.
    m_victimOfPeer = std::make_unique<RawClient>(
        QStringLiteral("tcp://127.0.0.1:%1").arg(m_silent->serverPort()),
        uniqueId(QStringLiteral("peergone")));
    if (!m_victimOfPeer->startConnect())
        return -1;
    QTcpSocket *peer = nullptr;
    // The CONNECT arrived: paho waits for a CONNACK on that socket.
    const bool connectArrived = waitUntil(
        [&] {
            if (!peer && m_silent->hasPendingConnections())
                peer = m_silent->nextPendingConnection();
            return peer && peer->bytesAvailable() > 0;
        },
        kTimeoutMs);
    const std::vector<int> sockets = socketsConnectedTo(m_silent->serverPort());
    if (!connectArrived || sockets.size() != 1) {
        qWarning("the raw client's CONNECT did not arrive on one socket");
        return -1;
    }
    const int failedSocket = sockets.front();

    RaceWindow::armed = true;
    peer->abort(); // paho's receive thread reads the end of the stream and fails that connect
    if (!waitUntil([] { return RaceWindow::holding.load(); }, kTimeoutMs)) {
        qWarning("paho's receive thread was not held after the failed connect (is paho's trace "
                 "taken by someone else?)");
        return -1;
    }
    // The failed socket is closed now; every free number below it is taken until cleanup().
    m_fillers = std::make_unique<LowestFreeDescriptor>(failedSocket);
    return failedSocket;
}

QPaho::ConnectResult TstMisattributedSocketError::connectClientInTheWindow()
{
    m_bystander = std::make_unique<Client>();
    QPaho::ConnectOptions bystanderOptions(m_broker.tcpUri());
    bystanderOptions.setClientId(uniqueId(QStringLiteral("bystander")));
    const QPaho::ConnectResult up = await(m_bystander->connectToHost(bystanderOptions));
    if (!up.isOk())
        return up;

    const int failedSocket = holdReceiveThreadAfterFailedConnect();
    if (failedSocket < 0)
        return QPaho::ConnectResult(QPaho::Result(Error::PahoError, QStringLiteral("no window")));
    Client client;
    QPaho::ConnectOptions options(m_broker.tcpUri());
    options.setClientId(uniqueId(QStringLiteral("blamed")));
    const QPaho::ConnectResult result = await(client.connectToHost(options), kTimeoutMs);
    // The race happened: the client's first socket had the failed one's number and was blamed.
    if (RaceWindow::newSocket != failedSocket || RaceWindow::blamedSocket != failedSocket) {
        qWarning("no blame: failed socket %d, new socket %d, blamed socket %d", failedSocket,
            RaceWindow::newSocket.load(), RaceWindow::blamedSocket.load());
        return QPaho::ConnectResult(QPaho::Result(Error::PahoError, QStringLiteral("no blame")));
    }
    return result;
}

void TstMisattributedSocketError::retriesOnceInARow()
{
    const QString socketError = QStringLiteral("socket error");
    QVERIFY(MisattributedSocketError::looksMisattributed(-1, socketError));
    QVERIFY(!MisattributedSocketError::looksMisattributed(
        -1, QStringLiteral("TCP/TLS connect failure")));
    QVERIFY(!MisattributedSocketError::looksMisattributed(-3, socketError));

    MisattributedSocketError retry;
    QVERIFY(retry.retryAfterFailure(-1, socketError));
    QVERIFY(!retry.retryAfterFailure(-1, socketError)); // the retry's failure is reported
    QVERIFY(retry.retryAfterFailure(-1, socketError)); // the next attempt's may be retried
    retry.reset();
    QVERIFY(retry.retryAfterFailure(-1, socketError));
    retry.reset();
    QVERIFY(!retry.retryAfterFailure(-1, QStringLiteral("TCP connect completion failure")));
}

// Shows the defect: fails on a paho that fixed it (then record the fix, pahoversion.cpp).
void TstMisattributedSocketError::rawPahoBlamesTheNewConnect()
{
    const int failedSocket = holdReceiveThreadAfterFailedConnect();
    QVERIFY(failedSocket >= 0);
    RawClient blamed(m_broker.tcpUri(), uniqueId(QStringLiteral("blamed")));
    QVERIFY(blamed.startConnect());
    QTRY_VERIFY_WITH_TIMEOUT(blamed.connectState() != 0, kTimeoutMs);
    QCOMPARE(RaceWindow::newSocket.load(), failedSocket);
    QCOMPARE(RaceWindow::blamedSocket.load(), failedSocket);
    QCOMPARE(blamed.connectState(), 2);
    QCOMPARE(blamed.connectFailureCode(), MQTTASYNC_FAILURE);
    QCOMPARE(blamed.connectFailureMessage(), QByteArray("socket error"));
}

void TstMisattributedSocketError::clientConnectsDespiteTheBlame()
{
    QVERIFY(QPaho::Internal::pahoNeeds(Workaround::MisattributedSocketError));
    const QPaho::ConnectResult result = connectClientInTheWindow();
    QVERIFY2(result.isOk(), qPrintable(describe(result)));
}

void TstMisattributedSocketError::gateOffReportsTheBlame()
{
    const PretendFixedPaho fixed { Workaround::MisattributedSocketError };
    QVERIFY(!QPaho::Internal::pahoNeeds(Workaround::MisattributedSocketError));
    const QPaho::ConnectResult result = connectClientInTheWindow();
    QCOMPARE(result.error(), Error::ConnectionFailed);
    QVERIFY2(result.errorString().endsWith(QLatin1String(": socket error")),
        qPrintable(describe(result)));
}

QTEST_GUILESS_MAIN(TstMisattributedSocketError)
#include "tst_misattributedsocketerror.moc"
