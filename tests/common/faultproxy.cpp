// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "common/faultproxy.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <deque>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace QPahoTest {
namespace Detail {

namespace {

constexpr qint64 HighWater = 256 * 1024; // per direction: queued + unwritten bytes
constexpr qint64 ReadChunk = 64 * 1024;

void resetSocket(QTcpSocket *socket)
{
    if (!socket)
        return;
    socket->blockSignals(true);
    const qintptr fd = socket->socketDescriptor();
    if (fd >= 0) {
        const ::linger lin { 1, 0 }; // close() then sends an RST
        ::setsockopt(static_cast<int>(fd), SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    }
    socket->abort();
}

} // namespace

class Link;

// Lives in the proxy thread.
class ProxyWorker : public QObject
{
public:
    explicit ProxyWorker(ProxyState &state) : m_state(state) { m_clock.start(); }

    quint16 listen();
    void cutAll();
    void shutdown();
    void linkFinished(Link *link);
    double nowMs() const { return double(m_clock.nsecsElapsed()) / 1e6; }
    ProxyState &state() { return m_state; }

private:
    void onNewConnection();

    ProxyState &m_state;
    QTcpServer *m_server = nullptr;
    QSet<Link *> m_links;
    QElapsedTimer m_clock;
};

// One proxied connection: client <-> upstream, one Pipe per direction.
class Link : public QObject
{
public:
    Link(ProxyWorker *worker, QTcpSocket *client, quint16 targetPort);
    void reset(); // RST both sides, no signals afterwards

private:
    struct Chunk
    {
        double dueMs;
        QByteArray data;
        bool eof;
    };
    struct Pipe
    {
        QTcpSocket *from = nullptr;
        QTcpSocket *to = nullptr;
        std::deque<Chunk> queue;
        qint64 queuedBytes = 0;
        double lastDueMs = 0;
        bool fromClosed = false;
        bool eofQueued = false;
        QTimer *timer = nullptr;
    };

    bool upstreamReady() const { return m_upstream->state() == QAbstractSocket::ConnectedState; }
    void pump(Pipe &p);
    void enqueue(Pipe &p, QByteArray data, bool eof);
    void deliver(Pipe &p);
    void forward(Pipe &p, const QByteArray &data);
    void closeDestination(Pipe &p);
    void onSocketClosed(QTcpSocket *socket);
    void checkFinished();

    ProxyWorker *m_worker;
    ProxyState &m_state;
    QTcpSocket *m_client;
    QTcpSocket *m_upstream;
    Pipe m_up; // client -> upstream
    Pipe m_down; // upstream -> client
    bool m_upstreamConnected = false;
    bool m_dead = false;
};

Link::Link(ProxyWorker *worker, QTcpSocket *client, quint16 targetPort)
    : QObject(worker),
      m_worker(worker),
      m_state(worker->state()),
      m_client(client),
      m_upstream(new QTcpSocket(this))
{
    m_client->setParent(this);
    for (QTcpSocket *s : { m_client, m_upstream }) {
        s->setReadBufferSize(HighWater); // stop reading from the kernel when we are behind
    }
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_up.from = m_client;
    m_up.to = m_upstream;
    m_down.from = m_upstream;
    m_down.to = m_client;
    for (Pipe *p : { &m_up, &m_down }) {
        p->timer = new QTimer(this);
        p->timer->setSingleShot(true);
        p->timer->setTimerType(Qt::PreciseTimer);
        connect(p->timer, &QTimer::timeout, this, [this, p] { deliver(*p); });
        connect(p->from, &QIODevice::readyRead, this, [this, p] { pump(*p); });
        // The destination drained its write buffer: we may read again.
        connect(p->to, &QIODevice::bytesWritten, this, [this, p] { pump(*p); });
    }
    connect(m_upstream, &QAbstractSocket::connected, this, [this] {
        m_upstreamConnected = true;
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        pump(m_up); // what the client sent meanwhile
    });
    connect(m_upstream, &QAbstractSocket::errorOccurred, this, [this] {
        if (!m_upstreamConnected) // connecting upstream failed: reset the client, as .py does
            reset();
    });
    connect(m_client, &QAbstractSocket::disconnected, this, [this] { onSocketClosed(m_client); });
    connect(
        m_upstream, &QAbstractSocket::disconnected, this, [this] { onSocketClosed(m_upstream); });
    m_upstream->connectToHost(QHostAddress::LocalHost, targetPort);
}

void Link::pump(Pipe &p)
{
    if (m_dead)
        return;
    if (&p == &m_up && !upstreamReady() && !m_up.fromClosed)
        return; // keep the client's bytes until the upstream connection is up
    for (;;) {
        if (m_state.blackhole) {
            p.from->readAll(); // dropped
            break;
        }
        if (p.queuedBytes >= HighWater || p.to->bytesToWrite() >= HighWater)
            break; // backpressure; bytesWritten or the timer pumps again
        QByteArray data = p.from->read(ReadChunk);
        if (data.isEmpty())
            break;
        enqueue(p, std::move(data), false);
    }
    if (p.fromClosed && !p.eofQueued && p.from->bytesAvailable() <= 0) {
        p.eofQueued = true;
        if (m_state.blackhole)
            checkFinished(); // a dead network swallows the FIN too
        else
            enqueue(p, {}, true);
    }
}

void Link::enqueue(Pipe &p, QByteArray data, bool eof)
{
    const int delay = m_state.delayMs;
    const qint64 rate = m_state.rate;
    if (delay <= 0 && rate <= 0 && p.queue.empty()) {
        if (eof)
            closeDestination(p);
        else
            forward(p, data);
        return;
    }
    const double now = m_worker->nowMs();
    const double arrival = now + std::max(delay, 0);
    if (eof) {
        p.lastDueMs = std::max(arrival, p.lastDueMs);
        p.queue.push_back({ p.lastDueMs, {}, true });
    } else {
        // With a rate, split into pieces of ~20 ms each so the output is smooth.
        const qint64 piece = rate > 0 ? std::max<qint64>(1, rate / 50) : data.size();
        for (qint64 offset = 0; offset < data.size(); offset += piece) {
            QByteArray part = data.mid(offset, piece);
            double due = std::max(arrival, p.lastDueMs);
            if (rate > 0)
                due += double(part.size()) * 1000.0 / double(rate);
            p.lastDueMs = due;
            p.queuedBytes += part.size();
            p.queue.push_back({ due, std::move(part), false });
        }
    }
    if (!p.timer->isActive())
        p.timer->start(std::max(0, int(std::ceil(p.queue.front().dueMs - now))));
}

void Link::deliver(Pipe &p)
{
    if (m_dead)
        return;
    const double now = m_worker->nowMs();
    while (!p.queue.empty() && p.queue.front().dueMs <= now + 0.5) {
        Chunk chunk = std::move(p.queue.front());
        p.queue.pop_front();
        p.queuedBytes -= chunk.data.size();
        if (chunk.eof) {
            if (m_state.blackhole)
                checkFinished(); // swallowed
            else
                closeDestination(p);
            return;
        }
        if (!m_state.blackhole)
            forward(p, chunk.data);
    }
    if (!p.queue.empty())
        p.timer->start(std::max(0, int(std::ceil(p.queue.front().dueMs - now))));
    pump(p);
}

void Link::forward(Pipe &p, const QByteArray &data)
{
    if (p.to->state() != QAbstractSocket::ConnectedState)
        return; // the other side is gone: drop
    const qint64 written = p.to->write(data);
    if (written > 0)
        m_state.bytesForwarded += written;
}

void Link::closeDestination(Pipe &p)
{
    if (p.to->state() != QAbstractSocket::UnconnectedState)
        p.to->disconnectFromHost(); // FIN after the write buffer is flushed
    checkFinished();
}

void Link::onSocketClosed(QTcpSocket *socket)
{
    if (m_dead)
        return;
    Pipe &p = socket == m_client ? m_up : m_down;
    p.fromClosed = true;
    pump(p); // forwards what is left, then queues the EOF
    checkFinished();
}

void Link::checkFinished()
{
    if (m_dead)
        return;
    const bool clientDone = m_client->state() == QAbstractSocket::UnconnectedState;
    const bool upstreamDone = m_upstream->state() == QAbstractSocket::UnconnectedState;
    if (clientDone && upstreamDone && m_up.queue.empty() && m_down.queue.empty()) {
        m_dead = true;
        m_client->blockSignals(true);
        m_upstream->blockSignals(true);
        m_worker->linkFinished(this);
    }
}

void Link::reset()
{
    if (m_dead)
        return;
    m_dead = true;
    for (Pipe *p : { &m_up, &m_down }) {
        p->timer->stop();
        p->queue.clear();
        p->queuedBytes = 0;
    }
    resetSocket(m_client);
    resetSocket(m_upstream);
    m_worker->linkFinished(this);
}

quint16 ProxyWorker::listen()
{
    m_server = new QTcpServer(this);
    m_server->setMaxPendingConnections(1000);
    connect(m_server, &QTcpServer::newConnection, this, &ProxyWorker::onNewConnection);
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        return 0;
    return m_server->serverPort();
}

void ProxyWorker::onNewConnection()
{
    while (QTcpSocket *client = m_server->nextPendingConnection()) {
        ++m_state.acceptedConnections;
        if (m_state.refuse) {
            resetSocket(client);
            client->deleteLater();
            continue;
        }
        ++m_state.openConnections;
        auto *link = new Link(this, client, quint16(m_state.targetPort.load()));
        m_links.insert(link);
    }
}

void ProxyWorker::linkFinished(Link *link)
{
    if (m_links.remove(link)) {
        --m_state.openConnections;
        link->deleteLater(); // may be inside one of its sockets' signals
    }
}

void ProxyWorker::shutdown()
{
    if (m_server)
        m_server->close();
    cutAll();
}

void ProxyWorker::cutAll()
{
    const QSet<Link *> links = m_links;
    for (Link *link : links)
        link->reset(); // calls linkFinished()
}

} // namespace Detail

FaultProxy::FaultProxy(quint16 targetPort)
{
    m_state.targetPort = targetPort;
    m_thread.setObjectName(u"QPahoTest::FaultProxy"_s);
    m_worker = new Detail::ProxyWorker(m_state);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    QMetaObject::invokeMethod(
        m_worker, [this] { m_port = m_worker->listen(); }, Qt::BlockingQueuedConnection);
}

FaultProxy::~FaultProxy()
{
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->shutdown(); }, Qt::BlockingQueuedConnection);
    // Deferred deletes are still processed after finished() (the documented pattern).
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_worker = nullptr;
    m_thread.quit();
    m_thread.wait();
}

QString FaultProxy::tcpUri() const
{
    return u"tcp://127.0.0.1:"_s + QString::number(m_port);
}

quint16 FaultProxy::targetPort() const
{
    return quint16(m_state.targetPort.load());
}

void FaultProxy::setTargetPort(quint16 port)
{
    m_state.targetPort = port;
}

void FaultProxy::cutAll()
{
    // Blocking, so the cut has happened when this returns (direct from the proxy thread itself).
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker] { worker->cutAll(); },
        QThread::currentThread() == &m_thread ? Qt::DirectConnection
                                              : Qt::BlockingQueuedConnection);
}

void FaultProxy::setBlackhole(bool on)
{
    m_state.blackhole = on;
}

void FaultProxy::setRefuse(bool on)
{
    m_state.refuse = on;
}

void FaultProxy::setDelay(int ms)
{
    m_state.delayMs = std::max(ms, 0);
}

void FaultProxy::setRate(qint64 bytesPerSecond)
{
    m_state.rate = std::max<qint64>(bytesPerSecond, 0);
}

} // namespace QPahoTest
