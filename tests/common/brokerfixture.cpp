// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "common/brokerfixture.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <mutex>
#include <vector>

#include <sys/prctl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace QPahoTest {

namespace {

constexpr int StartTimeoutMs = 5000;
constexpr int StopTimeoutMs = 3000;

QByteArray lastLines(const QByteArray &text, int count)
{
    QList<QByteArray> lines = text.trimmed().split('\n');
    if (lines.size() > count)
        lines = lines.mid(lines.size() - count);
    return lines.join('\n');
}

struct CertStore
{
    std::once_flag once;
    std::unique_ptr<QTemporaryDir> dir;
    QString error;
};

CertStore &certStore()
{
    static CertStore store;
    return store;
}

// Runs openssl synchronously (each call takes a few ms with EC keys).
bool runOpenSsl(const QString &dir, const QStringList &args, QString *error)
{
    const QString openssl = findProgram(u"openssl"_s);
    if (openssl.isEmpty()) {
        *error = u"openssl not found in PATH (install the openssl package)"_s;
        return false;
    }
    QProcess p;
    setDieWithParent(p);
    p.setWorkingDirectory(dir);
    p.start(openssl, args);
    if (!p.waitForFinished(15000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = u"openssl "_s + args.join(u' ') + u" failed: "_s
            + QString::fromLocal8Bit(p.readAllStandardError()) + p.errorString();
        if (p.state() != QProcess::NotRunning) {
            p.kill();
            p.waitForFinished(1000);
        }
        return false;
    }
    return true;
}

// The logic of gen-certs.sh (EC P-256, 2 days).
void generateCerts(CertStore &store)
{
    store.dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/qpaho-certs-XXXXXX"_s);
    if (!store.dir->isValid()) {
        store.error = u"cannot create a temporary directory for TLS material: "_s
            + store.dir->errorString();
        return;
    }
    const QString dir = store.dir->path();
    const QStringList newKey { u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
        u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s };
    QString &error = store.error;
    auto selfSigned = [&](const QString &name, const QString &subject, const QStringList &ext) {
        QStringList args { u"req"_s, u"-x509"_s };
        args << newKey << u"-keyout"_s << name + u".key"_s << u"-out"_s << name + u".crt"_s
             << u"-days"_s << u"2"_s << u"-subj"_s << subject;
        for (const QString &e : ext)
            args << u"-addext"_s << e;
        return runOpenSsl(dir, args, &error);
    };
    auto leaf = [&](const QString &name, const QString &subject, const QByteArray &ext) {
        QStringList args { u"req"_s };
        args << newKey << u"-keyout"_s << name + u".key"_s << u"-out"_s << name + u".csr"_s
             << u"-subj"_s << subject;
        if (!runOpenSsl(dir, args, &error))
            return false;
        QFile extFile(dir + u'/' + name + u".ext"_s);
        if (!extFile.open(QIODevice::WriteOnly) || extFile.write(ext) != ext.size()) {
            error = u"cannot write "_s + extFile.fileName();
            return false;
        }
        extFile.close();
        return runOpenSsl(dir,
            { u"x509"_s, u"-req"_s, u"-in"_s, name + u".csr"_s, u"-CA"_s, u"ca.crt"_s, u"-CAkey"_s,
                u"ca.key"_s, u"-CAcreateserial"_s, u"-out"_s, name + u".crt"_s, u"-days"_s, u"2"_s,
                u"-extfile"_s, name + u".ext"_s },
            &error);
    };
    const bool ok = selfSigned(u"ca"_s, u"/CN=QPaho Test CA"_s,
                        { u"basicConstraints=critical,CA:TRUE"_s,
                            u"keyUsage=critical,keyCertSign,cRLSign"_s })
        && selfSigned(u"rogue-ca"_s, u"/CN=Rogue CA"_s, {})
        && leaf(u"server"_s, u"/CN=localhost"_s,
            "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
            "extendedKeyUsage=serverAuth\n")
        && leaf(u"wronghost"_s, u"/CN=wrong.example"_s,
            "subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n")
        && leaf(u"client"_s, u"/CN=testclient"_s, "extendedKeyUsage=clientAuth\n");
    if (!ok && error.isEmpty())
        error = u"TLS material generation failed"_s;
}

CertStore &ensureCerts()
{
    CertStore &store = certStore();
    std::call_once(store.once, [&store] { generateCerts(store); });
    return store;
}

QByteArray listenerLine(quint16 port)
{
    return "\nlistener " + QByteArray::number(port) + " 127.0.0.1\n";
}

QByteArray tlsLines(const QString &cert, const QString &key)
{
    return "cafile " + Mosquitto::certPath(u"ca.crt"_s).toUtf8() + "\ncertfile "
        + Mosquitto::certPath(cert).toUtf8() + "\nkeyfile " + Mosquitto::certPath(key).toUtf8()
        + "\n";
}

} // namespace

QString findProgram(const QString &name, const char *envOverride)
{
    if (envOverride && qEnvironmentVariableIsSet(envOverride)) {
        const QString fromEnv = qEnvironmentVariable(envOverride);
        return QFileInfo(fromEnv).isExecutable() ? fromEnv : QString();
    }
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty()) {
        path = QStandardPaths::findExecutable(name,
            { u"/usr/sbin"_s, u"/usr/local/sbin"_s, u"/sbin"_s, u"/usr/bin"_s,
                u"/usr/lib/erlang/bin"_s });
    }
    return path;
}

// Free loopback ports, all distinct. They are taken below the kernel's ephemeral range, so an
// outgoing connection can never grab a broker port while the broker restarts; port 0 (an
// ephemeral port) is the fallback.
QList<quint16> pickFreePorts(int count)
{
    int ephemeralLow = 32768;
    QFile range(u"/proc/sys/net/ipv4/ip_local_port_range"_s);
    if (range.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = range.readAll().simplified().split(' ');
        bool ok = false;
        const int low = parts.value(0).toInt(&ok);
        if (ok)
            ephemeralLow = low;
    }
    const int low = qMax(10000, ephemeralLow - 15000);
    const int high = ephemeralLow; // exclusive
    std::vector<std::unique_ptr<QTcpServer>> holders; // held open until all are chosen
    QList<quint16> ports;
    auto *rng = QRandomGenerator::global();
    for (int i = 0; i < count; ++i) {
        auto server = std::make_unique<QTcpServer>();
        bool bound = false;
        for (int attempt = 0; attempt < 50 && !bound && high - low > 100; ++attempt) {
            const auto candidate = static_cast<quint16>(rng->bounded(low, high));
            bound = server->listen(QHostAddress::LocalHost, candidate);
        }
        if (!bound)
            bound = server->listen(QHostAddress::LocalHost, 0);
        ports.append(bound ? server->serverPort() : quint16(0));
        holders.push_back(std::move(server));
    }
    return ports;
}

bool acceptsConnections(quint16 port)
{
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    const bool ok = probe.waitForConnected(200);
    probe.abort();
    return ok;
}

bool waitUntil(const std::function<bool()> &predicate, int timeoutMs, int pollMs)
{
    if (predicate())
        return true;
    QDeadlineTimer deadline(timeoutMs, Qt::PreciseTimer);
    if (!QCoreApplication::instance() || !QAbstractEventDispatcher::instance()) {
        // No event loop to spin: plain polling.
        while (!deadline.hasExpired()) {
            QThread::msleep(static_cast<unsigned long>(pollMs));
            if (predicate())
                return true;
        }
        return predicate();
    }
    QEventLoop loop;
    QTimer poll;
    poll.setTimerType(Qt::PreciseTimer);
    bool result = false;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (predicate()) {
            result = true;
            loop.quit();
        } else if (deadline.hasExpired()) {
            loop.quit();
        }
    });
    poll.start(pollMs);
    loop.exec();
    return result || predicate();
}

QString uniqueId(const QString &prefix)
{
    static const QString runToken = [] {
        static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        QString token;
        for (int i = 0; i < 6; ++i)
            token += QLatin1Char(alphabet[QRandomGenerator::system()->bounded(36)]);
        return token;
    }();
    static std::atomic<int> counter { 0 };
    return prefix + u'-' + runToken + u'-' + QString::number(++counter);
}

void setDieWithParent(QProcess &process)
{
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([parent] {
        // Note: the signal fires when the *thread* that forked exits. Tests start processes from
        // the main thread, which lives as long as the test.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) // the parent died before prctl took effect
            ::_exit(127);
    });
}

ProcessResult runProcess(
    const QString &program, const QStringList &args, int timeoutMs, const QByteArray &stdinData)
{
    ProcessResult result;
    QProcess p;
    setDieWithParent(p);
    p.start(program, args);
    if (!p.waitForStarted(5000)) {
        result.stdErr = p.errorString().toUtf8();
        return result;
    }
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!waitUntil([&p] { return p.state() == QProcess::NotRunning; }, timeoutMs, 2)) {
        result.timedOut = true;
        p.kill();
        p.waitForFinished(1000);
    }
    result.stdOut = p.readAllStandardOutput();
    result.stdErr += p.readAllStandardError();
    if (!result.timedOut && p.exitStatus() == QProcess::NormalExit)
        result.exitCode = p.exitCode();
    return result;
}

ProcessResult mosquittoPub(
    quint16 port, const QStringList &args, const QByteArray &stdinData, int timeoutMs)
{
    return runProcess(findProgram(u"mosquitto_pub"_s),
        QStringList { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(port) } + args, timeoutMs,
        stdinData);
}

// ---------------------------------------------------------------------------------------------
// Mosquitto

Mosquitto::Mosquitto(const MosquittoOptions &options)
    : m_options(options), m_dir(QDir::tempPath() + u"/qpaho-mosquitto-XXXXXX"_s)
{
    pickPorts();
}

void Mosquitto::pickPorts()
{
    const int count = 1 + int(m_options.tls) + int(m_options.mutualTls)
        + int(m_options.tlsWrongHost) + int(m_options.websockets)
        + int(m_options.websockets && m_options.tls);
    const QList<quint16> ports = pickFreePorts(count);
    int i = 0;
    m_port = ports.value(i++);
    m_tlsPort = m_options.tls ? ports.value(i++) : 0;
    m_mtlsPort = m_options.mutualTls ? ports.value(i++) : 0;
    m_wrongHostPort = m_options.tlsWrongHost ? ports.value(i++) : 0;
    m_wsPort = m_options.websockets ? ports.value(i++) : 0;
    m_wssPort = m_options.websockets && m_options.tls ? ports.value(i++) : 0;
}

Mosquitto::~Mosquitto()
{
    stop();
}

QString Mosquitto::executable()
{
    return findProgram(u"mosquitto"_s, "QPAHO_TEST_MOSQUITTO");
}

QString Mosquitto::certPath(const QString &fileName)
{
    CertStore &store = ensureCerts();
    if (!store.dir || !store.dir->isValid())
        return {};
    return store.dir->filePath(fileName);
}

QString Mosquitto::certError()
{
    return ensureCerts().error;
}

QString Mosquitto::configPath() const
{
    return m_dir.filePath(u"mosquitto.conf"_s);
}

QString Mosquitto::logPath() const
{
    return m_dir.filePath(u"mosquitto.log"_s);
}

static QString uri(const char *scheme, quint16 port)
{
    if (!port)
        return {};
    return QLatin1String(scheme) + u"://127.0.0.1:"_s + QString::number(port);
}

QString Mosquitto::tcpUri() const
{
    return uri("tcp", m_port);
}

QString Mosquitto::sslUri() const
{
    return uri("ssl", m_tlsPort);
}

QString Mosquitto::mtlsUri() const
{
    return uri("ssl", m_mtlsPort);
}

QString Mosquitto::wrongHostSslUri() const
{
    return uri("ssl", m_wrongHostPort);
}

QString Mosquitto::wsUri() const
{
    return uri("ws", m_wsPort);
}

QString Mosquitto::wssUri() const
{
    return uri("wss", m_wssPort);
}

bool Mosquitto::writePasswordFile()
{
    if (m_options.users.isEmpty() || m_passwordFileWritten)
        return true;
    const QString passwd = findProgram(u"mosquitto_passwd"_s);
    if (passwd.isEmpty()) {
        m_lastError = u"mosquitto_passwd not found (install the mosquitto package)"_s;
        return false;
    }
    const QString file = m_dir.filePath(u"passwd"_s);
    bool first = true;
    for (const auto &[user, password] : m_options.users) {
        QStringList args { u"-b"_s };
        if (first)
            args << u"-c"_s;
        args << file << user << password;
        const ProcessResult r = runProcess(passwd, args, 10000);
        if (r.exitCode != 0) {
            m_lastError = u"mosquitto_passwd failed for user "_s + user + u": "_s
                + QString::fromUtf8(r.stdOut + r.stdErr);
            return false;
        }
        first = false;
    }
    m_passwordFileWritten = true;
    return true;
}

bool Mosquitto::writeConfig()
{
    const QByteArray dir = m_dir.path().toUtf8();
    const bool auth = !m_options.users.isEmpty();
    // mosquitto allows comments only on their own line.
    QByteArray conf = "# Written by QPahoTest::Mosquitto\n"
                      "# As root mosquitto would drop to user 'mosquitto' and fail to write here.\n"
                      "user root\n"
                      "per_listener_settings false\n";
    if (auth)
        conf += "allow_anonymous false\npassword_file " + dir + "/passwd\n";
    else
        conf += "allow_anonymous true\n";
    if (m_options.persistence) {
        conf += "persistence true\npersistence_location " + dir
            + "/\n"
              "# save after every change: the state survives kill -9 (about 1 s window)\n"
              "autosave_interval 1\nautosave_on_changes true\n";
    } else {
        conf += "persistence false\n";
    }
    conf += "# the default 20 silently loses QoS2 bursts of v3.1.1 clients; 0 (unlimited) makes\n"
            "# 2.0.11 re-send a released QoS 2 message after a restart (duplicates)\n"
            "max_inflight_messages 1000\n"
            "# large: the default 1000 drops messages for offline persistent sessions, and 0\n"
            "# (unlimited) makes 2.0.11 drop a v5 client after an ACL-denied QoS 1 PUBACK\n"
            "max_queued_messages 100000000\n"
            "sys_interval 1\n"
            "log_dest file "
        + dir + "/mosquitto.log\nlog_type all\n";
    if (!m_options.acl.isEmpty()) {
        QFile acl(m_dir.filePath(u"acl"_s));
        if (!acl.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || acl.write(m_options.acl) != m_options.acl.size()) {
            m_lastError = u"cannot write "_s + acl.fileName() + u": "_s + acl.errorString();
            return false;
        }
        conf += "acl_file " + acl.fileName().toUtf8() + '\n';
    }
    if (!m_options.extraConfig.isEmpty())
        conf += "# extra configuration\n" + m_options.extraConfig + '\n';

    conf += listenerLine(m_port);
    if (m_tlsPort)
        conf += listenerLine(m_tlsPort) + tlsLines(u"server.crt"_s, u"server.key"_s);
    if (m_mtlsPort) {
        conf += listenerLine(m_mtlsPort) + tlsLines(u"server.crt"_s, u"server.key"_s)
            + "require_certificate true\nuse_identity_as_username false\n";
    }
    if (m_wrongHostPort)
        conf += listenerLine(m_wrongHostPort) + tlsLines(u"wronghost.crt"_s, u"wronghost.key"_s);
    // Without socket_domain ipv4, libwebsockets binds all interfaces.
    if (m_wsPort)
        conf += listenerLine(m_wsPort) + "socket_domain ipv4\nprotocol websockets\n";
    if (m_wssPort) {
        conf += listenerLine(m_wssPort) + "socket_domain ipv4\nprotocol websockets\n"
            + tlsLines(u"server.crt"_s, u"server.key"_s);
    }

    QFile f(configPath());
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(conf) != conf.size()) {
        m_lastError = u"cannot write "_s + configPath() + u": "_s + f.errorString();
        return false;
    }
    return true;
}

QByteArray Mosquitto::readLogFrom(qint64 offset) const
{
    QFile f(logPath());
    if (!f.open(QIODevice::ReadOnly))
        return {};
    if (offset > 0 && !f.seek(offset))
        return {};
    return f.readAll();
}

qint64 Mosquitto::logMark() const
{
    return QFile(logPath()).size();
}

QByteArray Mosquitto::log() const
{
    return readLogFrom(0);
}

bool Mosquitto::waitForLog(const QByteArray &needle, int timeoutMs, qint64 fromOffset) const
{
    const qint64 from = fromOffset >= 0 ? fromOffset : m_runLogOffset;
    return waitUntil([&] { return readLogFrom(from).contains(needle); }, timeoutMs);
}

bool Mosquitto::waitForPersisted(
    const QByteArray &afterLogLine, int timeoutMs, qint64 fromOffset) const
{
    if (!m_options.persistence || !isRunning())
        return false;
    QDeadlineTimer deadline(timeoutMs);
    const qint64 from = fromOffset >= 0 ? fromOffset : m_runLogOffset;
    const bool saveStarted = waitUntil(
        [&] {
            const QByteArray text = readLogFrom(from);
            const qsizetype at = text.indexOf(afterLogLine);
            return at >= 0 && text.indexOf("Saving in-memory database", at) > at;
        },
        timeoutMs);
    if (!saveStarted)
        return false;
    // Any answer to a packet sent now comes after the save has completed.
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, m_port);
    const QByteArray id = uniqueId(u"qpahotest-probe"_s).toLatin1();
    const QByteArray body = QByteArray("\x00\x04MQTT\x04\x02\x00\x0a", 10) + char(id.size() >> 8)
        + char(id.size() & 0xff) + id;
    probe.write(QByteArray(1, '\x10') + char(body.size()) + body);
    const bool answered = waitUntil([&] { return probe.bytesAvailable() >= 4; },
        int(qMax<qint64>(deadline.remainingTime(), 1)), 2);
    if (answered)
        probe.write(QByteArray("\xe0\x00", 2)); // DISCONNECT
    probe.disconnectFromHost();
    return answered;
}

void Mosquitto::fail(const QString &what)
{
    m_lastError = what;
    if (!m_output.isEmpty())
        m_lastError += u"\n--- mosquitto output:\n"_s + QString::fromUtf8(lastLines(m_output, 20));
    const QByteArray logTail = lastLines(readLogFrom(m_runLogOffset), 20);
    if (!logTail.isEmpty())
        m_lastError += u"\n--- last log lines:\n"_s + QString::fromUtf8(logTail);
}

bool Mosquitto::start()
{
    if (isRunning())
        return true;
    // Another test process may grab a port between pickPorts() and mosquitto's bind(). Until
    // the first successful start nobody relies on the ports, so pick new ones and retry.
    for (int attempt = 0;; ++attempt) {
        if (startOnce()) {
            m_everStarted = true;
            return true;
        }
        if (m_everStarted || attempt >= 3 || !m_lastError.contains(u"Address already in use"_s))
            return false;
        pickPorts();
    }
}

bool Mosquitto::startOnce()
{
    m_lastError.clear();
    m_output.clear();
    m_paused = false;
    const QString program = executable();
    if (program.isEmpty()) {
        m_lastError = qEnvironmentVariableIsSet("QPAHO_TEST_MOSQUITTO")
            ? u"mosquitto is not installed at $QPAHO_TEST_MOSQUITTO="_s
                + qEnvironmentVariable("QPAHO_TEST_MOSQUITTO")
            : u"mosquitto is not installed (no 'mosquitto' in PATH or /usr/sbin); "
              "install the mosquitto package"_s;
        return false;
    }
    if (!m_dir.isValid()) {
        m_lastError = u"cannot create the broker's temporary directory: "_s + m_dir.errorString();
        return false;
    }
    if (m_port == 0) {
        m_lastError = u"no free loopback port"_s;
        return false;
    }
    if (m_tlsPort || m_mtlsPort || m_wrongHostPort) {
        const QString certError = Mosquitto::certError();
        if (!certError.isEmpty()) {
            m_lastError = certError;
            return false;
        }
    }
    if (!writePasswordFile() || !writeConfig())
        return false;

    m_runLogOffset = logMark();
    m_process = std::make_unique<QProcess>();
    QProcess *proc = m_process.get();
    proc->setProcessChannelMode(QProcess::MergedChannels);
    setDieWithParent(*proc);
    QObject::connect(proc, &QProcess::readyRead, proc, [this, proc] {
        m_output += proc->readAll();
        if (m_output.size() > 64 * 1024)
            m_output = m_output.right(32 * 1024);
    });
    proc->start(program, { u"-c"_s, configPath() });
    if (!proc->waitForStarted(StartTimeoutMs)) {
        fail(u"cannot start "_s + program + u": "_s + proc->errorString());
        return false;
    }

    bool ready = false;
    waitUntil(
        [&] {
            if (proc->state() == QProcess::NotRunning)
                return true;
            ready = readLogFrom(m_runLogOffset).contains(" running");
            return ready;
        },
        StartTimeoutMs, 3);
    if (ready && proc->state() == QProcess::Running)
        return true;

    if (proc->state() == QProcess::NotRunning) {
        m_output += proc->readAll();
        fail(u"mosquitto exited during startup (exit code %1)"_s.arg(proc->exitCode()));
    } else {
        kill9();
        fail(u"mosquitto was not ready within %1 ms"_s.arg(StartTimeoutMs));
    }
    return false;
}

void Mosquitto::waitFinished(int timeoutMs)
{
    // Short (mosquitto exits within milliseconds of SIGTERM) and without re-entering the event
    // loop, so it is safe in destructors and cleanup().
    m_process->waitForFinished(timeoutMs);
}

void Mosquitto::stop()
{
    if (!isRunning())
        return;
    m_process->terminate();
    if (m_paused) {
        ::kill(static_cast<pid_t>(m_process->processId()), SIGCONT);
        m_paused = false;
    }
    waitFinished(StopTimeoutMs);
    if (isRunning()) {
        m_process->kill();
        waitFinished(StopTimeoutMs);
    }
}

void Mosquitto::kill9()
{
    if (!isRunning())
        return;
    m_process->kill();
    waitFinished(StopTimeoutMs);
    m_paused = false;
}

bool Mosquitto::restart()
{
    stop();
    return start();
}

static char procState(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return '?';
    const QByteArray text = stat.readAll();
    const qsizetype paren = text.lastIndexOf(')'); // "pid (comm) S ..."
    return paren >= 0 && paren + 2 < text.size() ? text.at(paren + 2) : '?';
}

void Mosquitto::pause()
{
    if (!isRunning() || m_paused)
        return;
    const qint64 p = pid();
    ::kill(static_cast<pid_t>(p), SIGSTOP);
    m_paused = true;
    // SIGSTOP is asynchronous: return once the kernel reports the process stopped.
    waitUntil([p] { return procState(p) == 'T'; }, 1000, 1);
}

void Mosquitto::resume()
{
    if (!isRunning() || !m_paused)
        return;
    const qint64 p = pid();
    ::kill(static_cast<pid_t>(p), SIGCONT);
    m_paused = false;
    waitUntil([p] { return procState(p) != 'T'; }, 1000, 1);
}

bool Mosquitto::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

qint64 Mosquitto::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

// ---------------------------------------------------------------------------------------------
// MosquittoSub

MosquittoSub::MosquittoSub(
    quint16 port, const QString &topic, const MosquittoSubOptions &options, QObject *parent)
    : MosquittoSub(port, QStringList { topic }, options, parent)
{ }

MosquittoSub::MosquittoSub(
    quint16 port, const QStringList &topics, const MosquittoSubOptions &options, QObject *parent)
    : QObject(parent),
      m_port(port),
      m_topics(topics),
      m_options(options),
      m_clientId(options.clientId.isEmpty() ? uniqueId(u"sub"_s) : options.clientId)
{
    setDieWithParent(m_process);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &MosquittoSub::onReadyRead);
    connect(&m_process, &QProcess::readyReadStandardError, this,
        [this] { m_stderr += m_process.readAllStandardError(); });
    connect(&m_process, &QProcess::finished, this, [this] {
        onReadyRead();
        m_stderr += m_process.readAllStandardError();
        if (!m_partial.isEmpty()) { // e.g. "Client x sending DISCONNECT" has no newline
            m_debug += m_partial + '\n';
            m_partial.clear();
        }
    });
}

MosquittoSub::~MosquittoSub()
{
    stop();
}

bool MosquittoSub::start(int timeoutMs)
{
    const QString sub = findProgram(u"mosquitto_sub"_s);
    if (sub.isEmpty()) {
        m_error = u"mosquitto_sub not found (install the mosquitto-clients package)"_s;
        return false;
    }
    // mosquitto_sub's stdout is block-buffered into a pipe: the SUBACK debug line would only
    // arrive at exit. stdbuf -oL makes it line-buffered.
    const QString stdbuf = findProgram(u"stdbuf"_s);
    if (stdbuf.isEmpty()) {
        m_error = u"stdbuf not found (coreutils)"_s;
        return false;
    }
    QStringList args { u"-oL"_s, sub, u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port),
        u"-v"_s, u"-d"_s, u"-i"_s, m_clientId, u"-q"_s, QString::number(m_options.qos) };
    for (const QString &topic : std::as_const(m_topics))
        args << u"-t"_s << topic;
    if (m_options.count > 0)
        args << u"-C"_s << QString::number(m_options.count);
    if (m_options.v5)
        args << u"-V"_s << u"mqttv5"_s;
    args << m_options.extraArgs;
    m_process.start(stdbuf, args);
    if (!m_process.waitForStarted(5000)) {
        m_error = u"cannot start mosquitto_sub: "_s + m_process.errorString();
        return false;
    }
    return waitForSubscribed(timeoutMs);
}

bool MosquittoSub::waitForSubscribed(int timeoutMs)
{
    waitUntil(
        [this] { return m_subscribed || m_process.state() == QProcess::NotRunning; }, timeoutMs, 2);
    if (m_subscribed)
        return true;
    // A persistent session's queued messages arrive before the SUBACK, so with -C the process
    // may be done before it saw one.
    if (m_options.count > 0 && exitCode() == 0 && m_lines.size() >= m_options.count)
        return true;
    m_error = u"mosquitto_sub %1 did not get a SUBACK within %2 ms (%3); stderr: %4; debug: %5"_s
                  .arg(m_clientId)
                  .arg(timeoutMs)
                  .arg(isRunning() ? u"still running"_s
                                   : u"exited with code %1"_s.arg(m_process.exitCode()))
                  .arg(QString::fromUtf8(m_stderr.trimmed()), QString::fromUtf8(m_debug.trimmed()));
    return false;
}

bool MosquittoSub::waitForLines(int count, int timeoutMs)
{
    return waitUntil([this, count] { return m_lines.size() >= count; }, timeoutMs, 2);
}

bool MosquittoSub::waitForFinished(int timeoutMs)
{
    return waitUntil([this] { return m_process.state() == QProcess::NotRunning; }, timeoutMs, 2);
}

void MosquittoSub::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(1000)) {
        m_process.kill();
        m_process.waitForFinished(1000);
    }
}

bool MosquittoSub::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

int MosquittoSub::exitCode() const
{
    if (isRunning() || m_process.exitStatus() != QProcess::NormalExit)
        return -1;
    return m_process.exitCode();
}

QStringList MosquittoSub::payloads() const
{
    QStringList result;
    for (const QString &line : m_lines) {
        const qsizetype space = line.indexOf(u' ');
        result << (space >= 0 ? line.mid(space + 1) : QString());
    }
    return result;
}

void MosquittoSub::onReadyRead()
{
    m_partial += m_process.readAllStandardOutput();
    const QByteArray debugPrefix = "Client " + m_clientId.toUtf8() + ' ';
    qsizetype nl;
    while ((nl = m_partial.indexOf('\n')) >= 0) {
        const QByteArray line = m_partial.left(nl);
        m_partial.remove(0, nl + 1);
        if (line.startsWith(debugPrefix)) {
            m_debug += line + '\n';
        } else if (line.startsWith("Subscribed (mid: ")) {
            // "Subscribed (mid: 1): 1, 128" (granted QoS per topic)
            m_debug += line + '\n';
            const qsizetype colon = line.indexOf("): ");
            if (colon >= 0) {
                for (const QByteArray &q : line.mid(colon + 3).split(','))
                    m_granted << q.trimmed().toInt();
            }
            if (!m_subscribed) {
                m_subscribed = true;
                Q_EMIT subscribed();
            }
        } else {
            const QString text = QString::fromUtf8(line);
            m_lines << text;
            Q_EMIT lineReceived(text);
        }
    }
}

} // namespace QPahoTest
