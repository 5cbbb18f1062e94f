// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Test fixture: two aedes brokers (npm aedes 1.2.0, MQTT 3.1.1 only) that share sessions,
// subscriptions, queued messages and routing through one redis-server (aedes-persistence-redis,
// mqemitter-redis): a broker cluster whose session state outlives a node. redis-server runs on a
// private loopback port without persistence; each node is tests/cluster/aedes-node.mjs on its own
// loopback port. The npm packages come from `.ci/setup-debian test` (build/cluster-node).
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <array>
#include <memory>

namespace QPahoTest {

// Not thread-safe: use it from the thread that created it (normally the test thread).
class AedesCluster
{
public:
    AedesCluster();
    ~AedesCluster(); // stop()
    AedesCluster(const AedesCluster &) = delete;
    AedesCluster &operator=(const AedesCluster &) = delete;

    // Why the cluster cannot run here (node, redis-server or the npm packages missing), or empty.
    static QString unavailableReason();

    // Starts redis-server, then both nodes, and waits until each says READY. false + lastError().
    bool start();
    void stop(); // both nodes (SIGTERM, SIGKILL after 5 s), then redis-server
    // Sends `signal` to node `index` (0 = A, 1 = B) and waits until it has exited.
    void signalNode(int index, int signal);
    bool startNode(int index); // (re)starts node `index` on its port
    bool isNodeRunning(int index) const;

    quint16 port(int index) const { return m_ports.at(size_t(index)); }
    QString tcpUri(int index) const; // tcp://127.0.0.1:port(index)
    QString lastError() const { return m_lastError; }

private:
    bool startRedis();

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_redis;
    std::array<std::unique_ptr<QProcess>, 2> m_nodes;
    std::array<QByteArray, 2> m_output;
    std::array<quint16, 2> m_ports {};
    quint16 m_redisPort = 0;
    QString m_lastError;
};

} // namespace QPahoTest
