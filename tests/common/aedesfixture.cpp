// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "common/aedesfixture.h"

#include "common/brokerfixture.h"

#include <QDir>
#include <QFileInfo>

#include <csignal>

#include <signal.h>

using namespace Qt::StringLiterals;

namespace QPahoTest {

namespace {

constexpr int StartTimeoutMs = 30000; // node boots in ~0.5 s, slower on a loaded machine
constexpr int StopTimeoutMs = 5000;

QString sourceDir()
{
    const QString dir = qEnvironmentVariable("QPAHO_TEST_SOURCE_DIR");
    return dir.isEmpty() ? QDir::currentPath() : dir;
}

QString nodeScript()
{
    return sourceDir() + u"/tests/cluster/aedes-node.mjs"_s;
}

// Where .ci/setup-debian installed the npm packages (QPAHO_TEST_NODE_MODULES overrides it).
QString nodeModules()
{
    const QString dir = qEnvironmentVariable("QPAHO_TEST_NODE_MODULES");
    return dir.isEmpty() ? sourceDir() + u"/build/cluster-node/node_modules"_s : dir;
}

void stopProcess(QProcess &process, int signal)
{
    if (process.state() == QProcess::NotRunning)
        return;
    ::kill(pid_t(process.processId()), signal);
    if (!process.waitForFinished(StopTimeoutMs)) {
        process.kill();
        process.waitForFinished(StopTimeoutMs);
    }
}

} // namespace

AedesCluster::AedesCluster() : m_dir(QDir::tempPath() + u"/qpaho-aedes-XXXXXX"_s) { }

AedesCluster::~AedesCluster()
{
    stop();
}

QString AedesCluster::unavailableReason()
{
    if (findProgram(u"node"_s).isEmpty())
        return u"node is not installed (run .ci/setup-debian test)"_s;
    if (findProgram(u"redis-server"_s).isEmpty())
        return u"redis-server is not installed (run .ci/setup-debian test)"_s;
    for (const char *package : { "aedes", "aedes-persistence-redis", "mqemitter-redis" }) {
        if (!QFileInfo::exists(nodeModules() + u'/' + QLatin1String(package)))
            return u"the npm package %1 is not in %2 (run .ci/setup-debian test)"_s.arg(
                QLatin1String(package), nodeModules());
    }
    if (!QFileInfo::exists(nodeScript()))
        return u"%1 not found (set QPAHO_TEST_SOURCE_DIR)"_s.arg(nodeScript());
    return {};
}

QString AedesCluster::tcpUri(int index) const
{
    return u"tcp://127.0.0.1:"_s + QString::number(port(index));
}

bool AedesCluster::isNodeRunning(int index) const
{
    const auto &node = m_nodes.at(size_t(index));
    return node && node->state() == QProcess::Running;
}

bool AedesCluster::startRedis()
{
    m_redis = std::make_unique<QProcess>();
    m_redis->setProcessChannelMode(QProcess::MergedChannels);
    setDieWithParent(*m_redis);
    m_redis->setWorkingDirectory(m_dir.path());
    // No persistence (no RDB, no AOF): the cluster's state lives as long as this process.
    m_redis->start(findProgram(u"redis-server"_s),
        { u"--port"_s, QString::number(m_redisPort), u"--bind"_s, u"127.0.0.1"_s,
            u"--protected-mode"_s, u"yes"_s, u"--save"_s, u""_s, u"--appendonly"_s, u"no"_s,
            u"--dir"_s, m_dir.path(), u"--daemonize"_s, u"no"_s });
    const bool up = m_redis->waitForStarted(5000)
        && waitUntil(
            [this] {
                return m_redis->state() != QProcess::Running || acceptsConnections(m_redisPort);
            },
            StartTimeoutMs, 10)
        && m_redis->state() == QProcess::Running;
    if (!up)
        m_lastError = u"redis-server did not come up on 127.0.0.1:%1: "_s.arg(m_redisPort)
            + QString::fromUtf8(m_redis->readAll().right(2000));
    return up;
}

bool AedesCluster::startNode(int index)
{
    if (isNodeRunning(index))
        return true;
    auto &node = m_nodes.at(size_t(index));
    QByteArray &output = m_output.at(size_t(index));
    output.clear();
    node = std::make_unique<QProcess>();
    node->setProcessChannelMode(QProcess::MergedChannels);
    setDieWithParent(*node);
    QProcess *process = node.get();
    QObject::connect(process, &QProcess::readyRead, process,
        [process, &output] { output += process->readAll(); });
    const QString id = index == 0 ? u"node-a"_s : u"node-b"_s;
    process->start(findProgram(u"node"_s),
        { nodeScript(), nodeModules(), QString::number(port(index)), QString::number(m_redisPort),
            id });
    const bool ready = process->waitForStarted(5000)
        && waitUntil(
            [&] { return process->state() != QProcess::Running || output.contains("READY "); },
            StartTimeoutMs, 10)
        && process->state() == QProcess::Running;
    if (!ready) {
        m_lastError = u"aedes node %1 did not start on 127.0.0.1:%2: "_s.arg(id).arg(port(index))
            + QString::fromUtf8(output.right(2000));
        stopProcess(*process, SIGKILL);
    }
    return ready;
}

bool AedesCluster::start()
{
    stop();
    m_lastError = unavailableReason();
    if (!m_lastError.isEmpty())
        return false;
    if (!m_dir.isValid()) {
        m_lastError = u"cannot create a temporary directory: "_s + m_dir.errorString();
        return false;
    }
    const QList<quint16> ports = pickFreePorts(3);
    if (ports.contains(quint16(0))) {
        m_lastError = u"no free loopback port"_s;
        return false;
    }
    m_redisPort = ports.at(0);
    m_ports = { ports.at(1), ports.at(2) };
    return startRedis() && startNode(0) && startNode(1);
}

void AedesCluster::signalNode(int index, int signal)
{
    if (auto &node = m_nodes.at(size_t(index)))
        stopProcess(*node, signal);
}

void AedesCluster::stop()
{
    for (int i = 0; i < 2; ++i)
        signalNode(i, SIGTERM);
    if (m_redis)
        stopProcess(*m_redis, SIGTERM);
}

} // namespace QPahoTest
