// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// In-process loopback TCP fault-injection proxy (the C++ version of testrig/faultproxy.py).
#pragma once

#include <QString>
#include <QThread>
#include <QtGlobal>

#include <atomic>

namespace QPahoTest {

namespace Detail {
class ProxyWorker;

struct ProxyState
{
    std::atomic<bool> blackhole { false };
    std::atomic<bool> refuse { false };
    std::atomic<int> delayMs { 0 };
    std::atomic<qint64> rate { 0 };
    std::atomic<int> targetPort { 0 };
    std::atomic<int> openConnections { 0 };
    std::atomic<int> acceptedConnections { 0 };
    std::atomic<qint64> bytesForwarded { 0 };
};
} // namespace Detail

// Listens on a free 127.0.0.1 port and forwards every accepted connection to
// 127.0.0.1:targetPort. It runs in its own thread, so it keeps relaying while the test thread
// is blocked. Every method is thread-safe; cutAll() has taken effect when it returns, the
// setters apply to data read after they return.
class FaultProxy
{
public:
    explicit FaultProxy(quint16 targetPort);
    ~FaultProxy(); // closes the listener and resets every open connection
    FaultProxy(const FaultProxy &) = delete;
    FaultProxy &operator=(const FaultProxy &) = delete;

    quint16 port() const { return m_port; } // 0 if listening failed
    QString tcpUri() const; // tcp://127.0.0.1:port()
    quint16 targetPort() const;
    void setTargetPort(quint16 port); // for connections accepted from now on

    // Aborts every open connection with an RST on both sides (SO_LINGER 0).
    void cutAll();
    // Connections stay open, but bytes in both directions (including delayed ones still queued)
    // are read and dropped, never delivered, also after the blackhole is turned off.
    void setBlackhole(bool on);
    // New connections are accepted and immediately reset (RST).
    void setRefuse(bool on);
    // Every chunk is delivered ms later (both directions, order preserved).
    void setDelay(int ms);
    // Throttles each direction of each connection to bytesPerSecond (0 = unlimited). The
    // proxy buffers at most ~256 KiB per direction, then stops reading (TCP backpressure).
    void setRate(qint64 bytesPerSecond);

    bool isBlackhole() const { return m_state.blackhole; }
    bool isRefusing() const { return m_state.refuse; }
    int delay() const { return m_state.delayMs; }
    qint64 rate() const { return m_state.rate; }

    int connectionCount() const { return m_state.openConnections; } // currently open
    int acceptedCount() const { return m_state.acceptedConnections; } // ever (incl. refused)
    qint64 bytesForwarded() const { return m_state.bytesForwarded; } // both directions

private:
    Detail::ProxyState m_state;
    QThread m_thread;
    Detail::ProxyWorker *m_worker = nullptr;
    quint16 m_port = 0;
};

} // namespace QPahoTest
