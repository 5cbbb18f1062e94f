// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "common/ejabberdfixture.h"

#include "common/brokerfixture.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>

#include <csignal>
#include <memory>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace QPahoTest {

namespace {

constexpr int StartTimeoutMs = 30000; // ~1 s normally; Erlang boots slowly on a loaded machine
// join_cluster restarts a node with the other's tables: a few seconds normally, over 20 s on a
// loaded 2-core machine. An upper bound only: a healthy call returns as soon as it is done.
constexpr int CtlTimeoutMs = 90000;
constexpr int StopTimeoutMs = 5000;
const char NodeUser[] = "ejabberd"; // ejabberdctl runs nodes only as root or as this user

QString randomToken(int length)
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QString token;
    for (int i = 0; i < length; ++i)
        token += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(36)]);
    return token;
}

bool writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
        *error = u"cannot write "_s + path + u": "_s + f.errorString();
        return false;
    }
    return true;
}

// The parent PID of `pid` from /proc, or -1.
qint64 parentOf(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    const qsizetype paren = text.lastIndexOf(')'); // "pid (comm) S ppid ..."
    if (paren < 0)
        return -1;
    const QList<QByteArray> fields = text.mid(paren + 2).split(' ');
    bool ok = false;
    const qint64 ppid = fields.value(1).toLongLong(&ok);
    return ok ? ppid : -1;
}

QByteArray yamlList(const QStringList &filters)
{
    QByteArray out;
    for (const QString &filter : filters)
        out += "      \"" + filter.toUtf8() + "\":\n        - allow: all\n";
    return out;
}

// Whether a start failed because another process took a port between the choice and the bind
// (then starting again with new ports helps).
bool portWasTaken(const QString &error)
{
    return error.contains(u"could not listen"_s) || error.contains(u"epmd did not come up"_s);
}

} // namespace

Ejabberd::Ejabberd(const EjabberdOptions &options)
    : m_options(options), m_dir(QDir::tempPath() + u"/qpaho-ejabberd-XXXXXX"_s)
{ }

Ejabberd::~Ejabberd()
{
    stop();
}

QString Ejabberd::executable()
{
    return findProgram(u"ejabberdctl"_s, "QPAHO_TEST_EJABBERDCTL");
}

BrokerCapabilities Ejabberd::capabilities()
{
    // Observed with ejabberd 23.01 (Debian 12) and read in its mod_mqtt_session.erl.
    BrokerCapabilities c;
    c.overlappingCopies = true; // it routes one copy per matching subscription
    c.overlappingCopiesV311 = true;
    c.queuesQos0Offline = false; // an offline session drops QoS 0 messages
    c.firstOfflineMessageInFlight = true; // its session "sends" it to the closed socket
    c.reportsNoSubscriptionExisted = false; // UNSUBACK 0x00 whether or not it existed
    c.refusesSubscriptions = true; // access_subscribe (subscribeAllowed)
    c.dollarTopicPublish = false; // mod_mqtt refuses every publish to a '$' topic
    c.sharedSubscriptions = false; // CONNACK Shared Subscription Available = 0
    c.serverTopicAliases = false; // it resolves client aliases but never sends its own
    c.serverKeepAlive = false; // CONNACK Server Keep Alive just echoes the client's value
    c.advertisesMaximumPacketSize = false;
    c.advertisesReceiveMaximum = false; // it sends one QoS 1/2 message at a time instead
    c.subscriptionIdentifiers = true;
    c.v3SubackFailureIs0x80 = false; // it sends the MQTT 5 code 0x8F to 3.1.1 clients too
    c.honoursClientMaximumPacketSize = false; // it ignores CONNECT's Maximum Packet Size
    c.overlapSingleCopyHighestQos = true; // (it never sends a single copy)
    c.willOnSessionEnd = true;
    return c;
}

QString Ejabberd::tcpUri() const
{
    return m_port ? u"tcp://127.0.0.1:"_s + QString::number(m_port) : QString();
}

qint64 Ejabberd::epmdPid() const
{
    return m_epmd && m_epmd->state() == QProcess::Running ? m_epmd->processId() : 0;
}

bool Ejabberd::isRunning() const
{
    return m_node && m_node->state() == QProcess::Running && m_beamPid > 0;
}

QByteArray Ejabberd::log() const
{
    QFile f(m_dir.filePath(u"logs/ejabberd.log"_s));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray Ejabberd::fileTail(const QString &path, int lines) const
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> all = f.readAll().trimmed().split('\n');
    if (all.size() > lines)
        all = all.mid(all.size() - lines);
    return all.join('\n');
}

void Ejabberd::fail(const QString &what)
{
    m_lastError = what;
    if (!m_nodeOutput.trimmed().isEmpty())
        m_lastError
            += u"\n--- ejabberdctl output:\n"_s + QString::fromUtf8(m_nodeOutput.right(3000));
    for (const QString &name : { u"logs/error.log"_s, u"logs/ejabberd.log"_s }) {
        const QByteArray tail = fileTail(m_dir.filePath(name), 15);
        if (!tail.isEmpty())
            m_lastError += u"\n--- "_s + name + u":\n"_s + QString::fromUtf8(tail);
    }
}

bool Ejabberd::prepare()
{
    if (m_prepared)
        return true;
    if (executable().isEmpty()) {
        m_lastError = u"ejabberd is not installed (no ejabberdctl in PATH or /usr/sbin); install "
                      "the ejabberd package"_s;
        return false;
    }
    if (findProgram(u"epmd"_s).isEmpty() || findProgram(u"erl"_s).isEmpty()) {
        m_lastError = u"epmd/erl not found: the ejabberd package is incomplete"_s;
        return false;
    }
    if (!m_dir.isValid()) {
        m_lastError = u"cannot create the broker's temporary directory: "_s + m_dir.errorString();
        return false;
    }
    // ejabberdctl starts a node only as root (then it switches to its install user with su,
    // whose new session would escape our process group) or as that user. We run everything as
    // that user ourselves, so each process stays our descendant and dies with the test.
    const passwd *pw = ::getpwnam(NodeUser);
    if (!pw) {
        m_lastError = u"there is no '%1' system user (install the ejabberd package)"_s.arg(
            QLatin1String(NodeUser));
        return false;
    }
    if (::geteuid() == 0) {
        m_uid = int(pw->pw_uid);
        m_gid = int(pw->pw_gid);
    } else if (::geteuid() != pw->pw_uid) {
        m_lastError = u"ejabberd can only be started as root or as user '%1'"_s.arg(
            QLatin1String(NodeUser));
        return false;
    }
    m_nodeName = m_options.nodeName.isEmpty() ? u"qpahotest-"_s + randomToken(8) + u"@localhost"_s
                                              : m_options.nodeName;
    m_cookie = m_options.cookie.isEmpty() ? u"qpaho"_s + randomToken(20) : m_options.cookie;
    m_prepared = true;
    return true;
}

bool Ejabberd::writeFiles()
{
    const QString d = m_dir.path();
    const QByteArray dir = d.toUtf8();
    for (const QString &sub : { u"spool"_s, u"logs"_s, u"modules.d"_s, u"contrib"_s }) {
        if (!QDir(d).mkpath(sub)) {
            m_lastError = u"cannot create "_s + d + u'/' + sub;
            return false;
        }
    }

    QByteArray yml = "# Written by QPahoTest::Ejabberd: MQTT only, on 127.0.0.1 only.\n"
                     "hosts:\n  - localhost\n"
                     "loglevel: info\n"
                     "auth_method: [internal]\n"
                     "acme:\n  auto: false\n"
                     "listen:\n"
                     "  -\n"
                     "    port: "
        + QByteArray::number(m_port)
        + "\n"
          "    ip: \"127.0.0.1\"\n"
          "    module: mod_mqtt\n"
          "modules:\n"
          "  mod_mqtt:\n"
          "    access_publish:\n"
        + yamlList(m_options.publishAllowed) + "    access_subscribe:\n"
        + yamlList(m_options.subscribeAllowed);
    if (m_options.maxTopicAliases >= 0)
        yml += "    max_topic_aliases: " + QByteArray::number(m_options.maxTopicAliases) + '\n';
    if (m_options.sessionExpirySeconds >= 0)
        yml += "    session_expiry: " + QByteArray::number(m_options.sessionExpirySeconds) + '\n';

    // ejabberdctl.cfg: the system one, minus everything that points at /etc or /run or decides
    // where the node listens. An unedited copy would override --config and make ejabberd listen
    // on *:1883, 5222, 5269, 5280 and 5443.
    QByteArray cfg = "# Derived from /etc/ejabberd/ejabberdctl.cfg by QPahoTest::Ejabberd\n";
    {
        QFile system(u"/etc/ejabberd/ejabberdctl.cfg"_s);
        if (system.open(QIODevice::ReadOnly)) {
            static const QRegularExpression overridden(
                u"^\\s*(export\\s+)?(EJABBERD_CONFIG_PATH|CONTRIB_MODULES_CONF_DIR|"
                "CONTRIB_MODULES_PATH|EJABBERD_PID_PATH|ERL_OPTIONS|ERLANG_NODE|"
                "INET_DIST_INTERFACE|ERL_EPMD_ADDRESS|ERL_EPMD_PORT|ERL_DIST_PORT|"
                "FIREWALL_WINDOW|ERL)="_s);
            const QList<QByteArray> lines = system.readAll().split('\n');
            for (const QByteArray &line : lines) {
                if (!overridden.match(QString::fromUtf8(line)).hasMatch())
                    cfg += line + '\n';
            }
        }
    }
    const QString erl = findProgram(u"erl"_s);
    // A cluster gives its nodes (and their ctl VMs, which read the same options) a window of
    // distribution ports; Erlang takes the first free one in it.
    const QByteArray distRange = m_options.distPortMin && m_options.distPortMax
        ? " inet_dist_listen_min " + QByteArray::number(m_options.distPortMin)
            + " inet_dist_listen_max " + QByteArray::number(m_options.distPortMax)
        : QByteArray();
    cfg += "\n# QPahoTest::Ejabberd\n"
           "EJABBERD_PID_PATH="
        + dir + "/ejabberd.pid\nCONTRIB_MODULES_CONF_DIR=" + dir
        + "/modules.d\nCONTRIB_MODULES_PATH=" + dir + "/contrib\nERLANG_NODE=" + m_nodeName.toUtf8()
        + "\n"
          "# private cookie, no epmd of its own, distribution on loopback only\n"
          "ERL_OPTIONS=\"-env ERL_CRASH_DUMP_BYTES 0 -setcookie "
        + m_cookie.toUtf8() + " -start_epmd false -kernel inet_dist_use_interface {127,0,0,1}"
        + distRange
        + "\"\n"
          "export ERL_EPMD_ADDRESS=127.0.0.1\nexport ERL_EPMD_PORT="
        + QByteArray::number(m_epmdPort)
        + "\n"
          "# the VM (and each ctl VM) dies with its ejabberdctl shell\nERL="
        + dir + "/erl\n";

    // The wrapper gives the VM PR_SET_PDEATHSIG: ejabberdctl runs erl as a child of its shell, so
    // when a crashed test takes the shell down (our PDEATHSIG), the VM follows.
    const QString setpriv = findProgram(u"setpriv"_s);
    const QByteArray wrapper = "#!/bin/sh\nexec "
        + (setpriv.isEmpty() ? QByteArray() : setpriv.toUtf8() + " --pdeathsig KILL ")
        + erl.toUtf8() + " \"$@\"\n";

    QByteArray inetrc = "{lookup,[\"file\",\"native\"]}.\n"
                        "{host,{127,0,0,1}, [\"localhost\"]}.\n";
    {
        QFile system(u"/etc/ejabberd/inetrc"_s);
        if (system.open(QIODevice::ReadOnly))
            inetrc = system.readAll();
    }

    if (!writeFile(d + u"/ejabberd.yml"_s, yml, &m_lastError)
        || !writeFile(d + u"/ejabberdctl.cfg"_s, cfg, &m_lastError)
        || !writeFile(d + u"/inetrc"_s, inetrc, &m_lastError)
        || !writeFile(d + u"/erl"_s, wrapper, &m_lastError))
        return false;
    ::chmod(QFile::encodeName(d + u"/erl"_s).constData(), 0755);
    ::chmod(QFile::encodeName(d).constData(), 0755);
    QFile::remove(d + u"/ejabberd.pid"_s);

    if (m_uid >= 0) { // the node user must own its spool, logs and configuration
        QStringList paths { d };
        for (const QString &sub : { u"spool"_s, u"logs"_s, u"modules.d"_s, u"contrib"_s }) {
            paths << d + u'/' + sub;
            const QStringList entries
                = QDir(d + u'/' + sub).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
            for (const QString &e : entries)
                paths << d + u'/' + sub + u'/' + e;
        }
        const QStringList files = QDir(d).entryList(QDir::Files);
        for (const QString &f : files)
            paths << d + u'/' + f;
        for (const QString &p : std::as_const(paths)) {
            if (::chown(QFile::encodeName(p).constData(), uid_t(m_uid), gid_t(m_gid)) != 0) {
                m_lastError = u"cannot chown "_s + p + u" to user "_s + QLatin1String(NodeUser);
                return false;
            }
        }
    }
    return true;
}

QStringList Ejabberd::ctlArguments() const
{
    const QString d = m_dir.path();
    return { u"--config-dir"_s, d, u"--config"_s, d + u"/ejabberd.yml"_s, u"--ctl-config"_s,
        d + u"/ejabberdctl.cfg"_s, u"--spool"_s, d + u"/spool"_s, u"--logs"_s, d + u"/logs"_s };
}

void Ejabberd::configureProcess(QProcess &process, bool asNodeUser) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"HOME"_s, m_dir.path()); // nothing from the real home (cookie, .erlang)
    env.insert(u"ERL_EPMD_ADDRESS"_s, u"127.0.0.1"_s);
    env.insert(u"ERL_EPMD_PORT"_s, QString::number(m_epmdPort));
    for (const QString &flags : { u"ERL_FLAGS"_s, u"ERL_AFLAGS"_s, u"ERL_ZFLAGS"_s })
        env.remove(flags);
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(m_dir.path());
    const pid_t parent = ::getpid();
    const int uid = asNodeUser ? m_uid : -1;
    const int gid = asNodeUser ? m_gid : -1;
    process.setChildProcessModifier([parent, uid, gid] {
        // Credentials first: changing them clears PR_SET_PDEATHSIG.
        if (uid >= 0) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(gid_t(gid)) != 0
                || ::setuid(uid_t(uid)) != 0)
                ::_exit(126);
        }
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the test died before prctl took effect
            ::_exit(127);
    });
}

bool Ejabberd::startEpmd()
{
    m_epmd = std::make_unique<QProcess>();
    m_epmd->setProcessChannelMode(QProcess::MergedChannels);
    configureProcess(*m_epmd, true);
    m_epmd->start(findProgram(u"epmd"_s),
        { u"-port"_s, QString::number(m_epmdPort), u"-address"_s, u"127.0.0.1"_s });
    if (!m_epmd->waitForStarted(5000)) {
        fail(u"cannot start epmd: "_s + m_epmd->errorString());
        return false;
    }
    const bool up = waitUntil(
        [this] { return m_epmd->state() != QProcess::Running || acceptsConnections(m_epmdPort); },
        5000, 10);
    if (!up || m_epmd->state() != QProcess::Running) {
        fail(u"epmd did not come up on 127.0.0.1:%1: "_s.arg(m_epmdPort)
            + QString::fromUtf8(m_epmd->readAll()));
        return false;
    }
    return true;
}

bool Ejabberd::launchNode()
{
    m_nodeOutput.clear();
    m_beamPid = 0;
    m_node = std::make_unique<QProcess>();
    QProcess *node = m_node.get();
    node->setProcessChannelMode(QProcess::MergedChannels);
    configureProcess(*node, true);
    QObject::connect(node, &QProcess::readyRead, node, [this, node] {
        m_nodeOutput += node->readAll();
        if (m_nodeOutput.size() > 64 * 1024)
            m_nodeOutput = m_nodeOutput.right(32 * 1024);
    });
    m_logOffset = QFileInfo(m_dir.filePath(u"logs/ejabberd.log"_s)).size(); // a restart appends
    node->start(executable(), ctlArguments() << u"foreground"_s);
    if (!node->waitForStarted(5000)) {
        fail(u"cannot start ejabberdctl: "_s + node->errorString());
        return false;
    }
    return true;
}

bool Ejabberd::awaitNode()
{
    QProcess *node = m_node.get();
    const QString logPath = m_dir.filePath(u"logs/ejabberd.log"_s);
    bool started = false;
    bool listenerFailed = false;
    waitUntil(
        [&] {
            if (node->state() != QProcess::Running)
                return true;
            QFile f(logPath);
            if (!f.open(QIODevice::ReadOnly) || !f.seek(m_logOffset))
                return false;
            const QByteArray text = f.readAll();
            listenerFailed = text.contains("Failed to open socket") || text.contains("eaddrinuse");
            started = text.contains("is started in the node");
            return started || listenerFailed;
        },
        StartTimeoutMs, 20);
    if (node->state() != QProcess::Running) {
        m_nodeOutput += node->readAll();
        fail(u"ejabberd exited during startup (exit code %1)"_s.arg(node->exitCode()));
        return false;
    }
    if (listenerFailed || !started) {
        fail(listenerFailed ? u"ejabberd could not listen on 127.0.0.1:%1"_s.arg(m_port)
                            : u"ejabberd did not start within %1 ms"_s.arg(StartTimeoutMs));
        stop();
        return false;
    }
    // The VM: the PID ejabberd wrote, which must be a child of our ejabberdctl shell.
    QFile pidFile(m_dir.filePath(u"ejabberd.pid"_s));
    if (pidFile.open(QIODevice::ReadOnly))
        m_beamPid = pidFile.readAll().trimmed().toLongLong();
    if (m_beamPid <= 0 || parentOf(m_beamPid) != node->processId()) {
        QFile children(u"/proc/%1/task/%1/children"_s.arg(node->processId()));
        m_beamPid = children.open(QIODevice::ReadOnly)
            ? children.readAll().simplified().split(' ').value(0).toLongLong()
            : 0;
    }
    if (m_beamPid <= 0) {
        fail(u"cannot find the PID of ejabberd's Erlang VM"_s);
        stop();
        return false;
    }
    if (!waitUntil([this] { return acceptsConnections(m_port); }, 5000, 20)) {
        fail(u"ejabberd started but 127.0.0.1:%1 does not accept connections"_s.arg(m_port));
        stop();
        return false;
    }
    return true;
}

bool Ejabberd::pickPorts()
{
    const bool ownEpmd = m_options.sharedEpmdPort == 0;
    const QList<quint16> ports = pickFreePorts(ownEpmd ? 2 : 1);
    m_port = ports.value(0);
    m_epmdPort = ownEpmd ? ports.value(1) : m_options.sharedEpmdPort;
    if (!m_port || !m_epmdPort) {
        m_lastError = u"no free loopback port"_s;
        return false;
    }
    return true;
}

bool Ejabberd::launch()
{
    m_lastError.clear();
    if (!prepare())
        return false;
    if (!m_port && !pickPorts()) // a restart keeps its ports
        return false;
    if (!writeFiles())
        return false;
    const bool epmdUp = m_options.sharedEpmdPort != 0
        || (m_epmd && m_epmd->state() == QProcess::Running) || startEpmd();
    return epmdUp && launchNode();
}

bool Ejabberd::start()
{
    if (isRunning())
        return true;
    const bool restart = m_port != 0; // after signalNode(): same ports, spool and node name
    for (int attempt = 0;; ++attempt) {
        if (launch() && awaitNode())
            return true;
        if (restart) {
            stopNode();
            return false;
        }
        stop();
        if (!portWasTaken(m_lastError) || attempt >= 2)
            return false;
        m_port = 0;
    }
}

void Ejabberd::signalNode(int signal)
{
    if (m_node && m_node->state() != QProcess::NotRunning) {
        const qint64 shell = m_node->processId();
        // Only signal the VM while it is still our shell's child (never a recycled PID).
        const bool beamIsOurs = m_beamPid > 0 && parentOf(m_beamPid) == shell;
        if (beamIsOurs)
            ::kill(pid_t(m_beamPid), signal); // SIGTERM: the VM runs init:stop()
        else
            m_node->terminate();
        if (!m_node->waitForFinished(StopTimeoutMs)) {
            if (m_beamPid > 0 && parentOf(m_beamPid) == shell)
                ::kill(pid_t(m_beamPid), SIGKILL);
            m_node->kill();
            m_node->waitForFinished(StopTimeoutMs);
        }
    }
    m_beamPid = 0;
}

void Ejabberd::stopNode()
{
    signalNode(SIGTERM);
}

void Ejabberd::stop()
{
    stopNode();
    if (m_epmd && m_epmd->state() != QProcess::NotRunning) {
        m_epmd->terminate();
        if (!m_epmd->waitForFinished(2000)) {
            m_epmd->kill();
            m_epmd->waitForFinished(2000);
        }
    }
}

bool Ejabberd::registerUser(const QString &user, const QString &password)
{
    return ctl({ u"register"_s, user, domain(), password });
}

bool Ejabberd::ctl(const QStringList &arguments, QByteArray *output)
{
    const QString what = u"ejabberdctl "_s + arguments.value(0);
    if (!isRunning()) {
        m_lastError = what + u": ejabberd is not running"_s;
        return false;
    }
    QProcess ctl;
    ctl.setProcessChannelMode(QProcess::MergedChannels);
    configureProcess(ctl, true);
    ctl.start(executable(), ctlArguments() << arguments);
    if (!ctl.waitForStarted(5000)) {
        m_lastError = u"cannot start ejabberdctl: "_s + ctl.errorString();
        return false;
    }
    if (!waitUntil([&ctl] { return ctl.state() == QProcess::NotRunning; }, CtlTimeoutMs, 10)) {
        ctl.kill();
        ctl.waitForFinished(2000);
        m_lastError = what + u" did not finish within %1 ms"_s.arg(CtlTimeoutMs);
        return false;
    }
    const QByteArray text = ctl.readAll();
    if (output)
        *output = text;
    if (ctl.exitStatus() != QProcess::NormalExit || ctl.exitCode() != 0) {
        m_lastError = what
            + u" failed (exit code %1): %2"_s.arg(ctl.exitCode())
                  .arg(QString::fromUtf8(text.trimmed()));
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// EjabberdCluster

namespace {

constexpr int DistWindow = 8; // two nodes plus the short-lived ctl VMs

// The first port of `count` consecutive free loopback ports (below the ephemeral range), or 0.
quint16 pickPortWindow(int count)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        const quint16 base = pickFreePorts(1).value(0);
        if (!base || int(base) + count > 65535)
            continue;
        std::vector<std::unique_ptr<QTcpServer>> held;
        bool all = true;
        for (int i = 0; i < count && all; ++i) {
            held.push_back(std::make_unique<QTcpServer>());
            all = held.back()->listen(QHostAddress::LocalHost, quint16(base + i));
        }
        if (all)
            return base;
    }
    return 0;
}

} // namespace

EjabberdCluster::EjabberdCluster(const EjabberdOptions &options) : m_options(options) { }

EjabberdCluster::~EjabberdCluster()
{
    stop();
}

QStringList EjabberdCluster::clusterMembers(Ejabberd &node)
{
    QByteArray output;
    if (!node.ctl({ u"list_cluster"_s }, &output))
        return {};
    QStringList members; // one per line, quoted: 'name@host'
    for (const QString &line : QString::fromUtf8(output).split(u'\n', Qt::SkipEmptyParts)) {
        QString name = line.trimmed();
        if (name.size() > 1 && name.startsWith(u'\'') && name.endsWith(u'\''))
            name = name.sliced(1, name.size() - 2);
        if (!name.isEmpty())
            members.append(name);
    }
    return members;
}

bool EjabberdCluster::start()
{
    for (int attempt = 0;; ++attempt) {
        if (startOnce())
            return true;
        stop();
        if (!portWasTaken(m_lastError) || attempt >= 2)
            return false;
    }
}

bool EjabberdCluster::startOnce()
{
    stop();
    m_lastError.clear();
    const quint16 window = pickPortWindow(DistWindow);
    if (!window) {
        m_lastError
            = u"no window of %1 free loopback ports for Erlang distribution"_s.arg(DistWindow);
        return false;
    }
    const QString token = randomToken(6);
    EjabberdOptions a = m_options;
    a.nodeName = u"qpaho1-"_s + token + u"@localhost"_s;
    a.cookie = u"qpaho"_s + randomToken(20);
    a.sharedEpmdPort = 0;
    a.distPortMin = window;
    a.distPortMax = quint16(window + DistWindow - 1);
    m_a = std::make_unique<Ejabberd>(a);
    if (!m_a->launch()) {
        m_lastError = u"node A: "_s + m_a->lastError();
        return false;
    }
    EjabberdOptions b = a;
    b.nodeName = u"qpaho2-"_s + token + u"@localhost"_s;
    b.sharedEpmdPort = m_a->epmdPort();
    m_b = std::make_unique<Ejabberd>(b);
    // Both VMs boot at the same time (~1.5 s each, most of it CPU).
    const bool bLaunched = m_b->launch();
    if (!m_a->awaitNode()) {
        m_lastError = u"node A: "_s + m_a->lastError();
        return false;
    }
    if (!bLaunched || !m_b->awaitNode()) {
        m_lastError = u"node B: "_s + m_b->lastError();
        return false;
    }
    // join_cluster restarts ejabberd on B with A's Mnesia tables; it returns once B runs again.
    if (!m_b->ctl({ u"join_cluster"_s, m_a->nodeName() })) {
        m_lastError = m_b->lastError();
        return false;
    }
    return waitForMembers();
}

bool EjabberdCluster::waitForMembers()
{
    // Each ejabberdctl call boots a VM (~1 s): ask node A only; B answered join_cluster.
    const QStringList members = clusterMembers(*m_a);
    if (!members.contains(m_a->nodeName()) || !members.contains(m_b->nodeName())) {
        m_lastError = u"the nodes did not form a cluster: A lists %1"_s.arg(members.join(u", "_s));
        return false;
    }
    if (!waitUntil(
            [this] { return acceptsConnections(m_a->port()) && acceptsConnections(m_b->port()); },
            CtlTimeoutMs, 20)) {
        m_lastError = u"a node's MQTT port does not accept connections after join_cluster"_s;
        return false;
    }
    return true;
}

bool EjabberdCluster::restartNodeA()
{
    // start() waits for the MQTT port. Node A rejoins from its Mnesia schema; not asking
    // list_cluster again saves a VM boot (~1 s), and the tests notice a node that did not rejoin.
    if (!m_a || !m_a->start()) {
        m_lastError = m_a ? u"node A: "_s + m_a->lastError() : u"not started"_s;
        return false;
    }
    return true;
}

void EjabberdCluster::stop()
{
    if (m_b)
        m_b->stop();
    if (m_a)
        m_a->stop();
}

bool EjabberdCluster::registerUser(const QString &user, const QString &password)
{
    if (!m_a || !m_a->registerUser(user, password)) {
        m_lastError = m_a ? m_a->lastError() : u"the cluster is not started"_s;
        return false;
    }
    return true;
}

} // namespace QPahoTest
