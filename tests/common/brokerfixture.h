// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Test fixture: a real mosquitto 2.0.11 broker per test (or per suite) on free loopback ports,
// TLS material made with openssl, and mosquitto_sub/mosquitto_pub peers. Independent of QPaho.
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>
#include <memory>

namespace QPahoTest {

// Spins a nested event loop (polling every pollMs) until predicate() is true or timeoutMs
// passes; returns the last value of predicate(). Never sleeps with the event loop blocked.
bool waitUntil(const std::function<bool()> &predicate, int timeoutMs, int pollMs = 5);

// A per-run random id plus a counter, e.g. uniqueId("sub") == "sub-k3f9q2-7". Contains only
// [A-Za-z0-9-], so it is usable as a client id and as a topic level.
QString uniqueId(const QString &prefix = QStringLiteral("qpt"));

struct ProcessResult
{
    int exitCode = -1; // -1 when the program could not start, crashed or timed out
    bool timedOut = false;
    QByteArray stdOut {};
    QByteArray stdErr {};
};

// The path of an executable: $envOverride if that is set (empty unless executable), else PATH,
// else the system directories a Debian package may use (/usr/sbin, /sbin, Erlang's bin, ...).
QString findProgram(const QString &name, const char *envOverride = nullptr);

// `count` distinct free loopback ports, taken below the kernel's ephemeral range so an outgoing
// connection cannot grab one between the choice and a broker's bind(); 0 where none was found.
QList<quint16> pickFreePorts(int count);

// True if something accepts a TCP connection on 127.0.0.1:port within 200 ms.
bool acceptsConnections(quint16 port);

// Runs a program to completion (event loop keeps running meanwhile); kills it after timeoutMs.
// The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with a crashed test.
ProcessResult runProcess(const QString &program, const QStringList &args, int timeoutMs = 10000,
    const QByteArray &stdinData = {});

// Makes `process` die with the test process (prctl PR_SET_PDEATHSIG SIGKILL in the child).
// Everything here execs its program directly (no `sh -c`, stdbuf execs too) and QProcess reaps
// it: PID 1 on the CI VMs never reaps orphans, so anything reparented stays <defunct>.
void setDieWithParent(QProcess &process);

// Members have default initializers, so designated initializers work without warnings:
// Mosquitto broker({ .tls = true, .websockets = true });
struct MosquittoOptions
{
    // Appended after the general settings, before the listeners: general options go here.
    // Lines starting a new "listener" here also work (their own settings must follow them).
    QByteArray extraConfig {};
    // Written with mosquitto_passwd into a password file; non-empty => allow_anonymous false.
    QList<QPair<QString, QString>> users {};
    // Written to an acl_file in the broker's directory, e.g. "user alice\ntopic readwrite a/#\n".
    QByteArray acl {};
    bool tls = false; // server-auth TLS listener: tlsPort(), sslUri()
    bool mutualTls = false; // TLS listener with require_certificate true: mtlsPort(), mtlsUri()
    bool tlsWrongHost = false; // TLS listener serving wronghost.crt: wrongHostTlsPort()
    bool websockets = false; // ws listener, plus wss if tls: wsPort(), wssPort()
    bool persistence = true; // persistence + autosave every change (survives most of kill -9)
};

// One mosquitto process with its own temporary directory (config, log, persistence DB,
// password file). Ports are chosen in the constructor and kept across restarts. (Should another
// process take one before the first start(), start() picks new ones: port() is final once
// start() has succeeded.)
// Not thread-safe: use it from the thread that created it (normally the test thread).
class Mosquitto
{
public:
    explicit Mosquitto(const MosquittoOptions &options = {});
    ~Mosquitto(); // stop()
    Mosquitto(const Mosquitto &) = delete;
    Mosquitto &operator=(const Mosquitto &) = delete;

    // Starts mosquitto and waits (max 5 s, event loop running) until the log says " running".
    // Returns true at once if it already runs. On failure returns false and lastError() has the
    // reason (missing executable, config error, the last log lines...).
    bool start();
    void stop(); // SIGTERM (the DB is saved), SIGKILL after 3 s
    void kill9(); // SIGKILL: nothing is saved beyond the last autosave
    bool restart(); // stop() + start(): same ports, directory and persistence DB
    void pause(); // SIGSTOP: connections stay open, nothing is answered
    void resume(); // SIGCONT
    bool isRunning() const;
    bool isPaused() const { return m_paused; }
    qint64 pid() const;

    QString lastError() const { return m_lastError; }
    QByteArray log() const; // the whole log file, across restarts
    // Waits until the log (from logMark() on, default: this run) contains needle.
    bool waitForLog(const QByteArray &needle, int timeoutMs = 5000, qint64 fromOffset = -1) const;
    qint64 logMark() const; // current log size; pass to waitForLog() to see only newer lines
    // For kill9() tests: waits until the log has afterLogLine (e.g. "<clientId> 1 <topic>" for
    // a subscription) followed by a "Saving in-memory database" line, then makes an MQTT
    // round trip (CONNECT/CONNACK) so that save has finished: mosquitto logs before it writes,
    // and is single-threaded. Needs persistence.
    bool waitForPersisted(
        const QByteArray &afterLogLine, int timeoutMs = 5000, qint64 fromOffset = -1) const;
    QByteArray processOutput() const { return m_output; } // mosquitto's stdout+stderr

    quint16 port() const { return m_port; }
    quint16 tlsPort() const { return m_tlsPort; }
    quint16 mtlsPort() const { return m_mtlsPort; }
    quint16 wrongHostTlsPort() const { return m_wrongHostPort; }
    quint16 wsPort() const { return m_wsPort; }
    quint16 wssPort() const { return m_wssPort; }
    QString tcpUri() const; // tcp://127.0.0.1:P
    QString sslUri() const; // ssl://127.0.0.1:P
    QString mtlsUri() const; // ssl://127.0.0.1:P
    QString wrongHostSslUri() const; // ssl://127.0.0.1:P
    QString wsUri() const; // ws://127.0.0.1:P
    QString wssUri() const; // wss://127.0.0.1:P

    QString dataDir() const { return m_dir.path(); }
    QString configPath() const;
    QString logPath() const;
    const MosquittoOptions &options() const { return m_options; }

    // Path of the mosquitto executable, or empty if not installed.
    static QString executable();

    // TLS material, generated once per process (EC P-256, valid 2 days) into a shared temporary
    // directory: ca.crt/ca.key, server.crt/key (localhost, 127.0.0.1, ::1), client.crt/key,
    // wronghost.crt/key (CA-signed, for wrong.example), rogue-ca.crt/key.
    static QString certPath(const QString &fileName);
    static QString certError(); // empty if the material was generated

private:
    bool writeConfig();
    bool writePasswordFile();
    QByteArray readLogFrom(qint64 offset) const;
    void fail(const QString &what);
    void waitFinished(int timeoutMs);
    void pickPorts();
    bool startOnce();

    MosquittoOptions m_options;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    QString m_lastError;
    QByteArray m_output;
    qint64 m_runLogOffset = 0;
    bool m_paused = false;
    bool m_passwordFileWritten = false;
    bool m_everStarted = false;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    quint16 m_mtlsPort = 0;
    quint16 m_wrongHostPort = 0;
    quint16 m_wsPort = 0;
    quint16 m_wssPort = 0;
};

// mosquitto_pub -h 127.0.0.1 -p port <args> as a peer, run to completion (see runProcess());
// stdinData feeds -l or -s.
ProcessResult mosquittoPub(
    quint16 port, const QStringList &args, const QByteArray &stdinData = {}, int timeoutMs = 10000);

struct MosquittoSubOptions
{
    int qos = 0;
    int count = 0; // -C: exit after this many messages (0 = run until stopped)
    bool v5 = false; // -V mqttv5
    QString clientId {}; // default: uniqueId("sub")
    QStringList extraArgs {}; // e.g. {"-c"}, {"--cafile", path}, {"-u", "alice", "-P", "pw"}
};

// mosquitto_sub -h 127.0.0.1 -p P -t TOPIC -v -d as a peer. Output is line-buffered (stdbuf -oL),
// debug lines are filtered out of lines(), and waitForSubscribed() waits for the SUBACK.
class MosquittoSub : public QObject
{
    Q_OBJECT
public:
    MosquittoSub(quint16 port, const QString &topic, const MosquittoSubOptions &options = {},
        QObject *parent = nullptr);
    MosquittoSub(quint16 port, const QStringList &topics, const MosquittoSubOptions &options = {},
        QObject *parent = nullptr);
    ~MosquittoSub() override; // stop()

    // Starts the process and waits for the SUBACK (all topics). false + error() on failure.
    // Note: mosquitto sends a persistent session's queued messages before the SUBACK; with
    // count > 0 it is also a success if the process already exited after count messages.
    bool start(int timeoutMs = 5000);
    bool waitForSubscribed(int timeoutMs = 5000);
    bool isSubscribed() const { return m_subscribed; }
    QList<int> grantedQos() const { return m_granted; } // 128 = refused
    bool waitForLines(int count, int timeoutMs = 5000);
    bool waitForFinished(int timeoutMs = 5000); // for -C count
    void stop(); // SIGTERM, then SIGKILL after 1 s

    QStringList lines() const { return m_lines; } // "topic payload" lines (-v), debug removed
    QStringList payloads() const; // the part after the first space of each line
    QByteArray debugOutput() const { return m_debug; }
    QByteArray errorOutput() const { return m_stderr; }
    QString clientId() const { return m_clientId; }
    QString error() const { return m_error; }
    bool isRunning() const;
    int exitCode() const;

Q_SIGNALS:
    void subscribed();
    void lineReceived(const QString &line);

private:
    void onReadyRead();

    quint16 m_port;
    QStringList m_topics;
    MosquittoSubOptions m_options;
    QString m_clientId;
    QProcess m_process;
    QByteArray m_partial;
    QByteArray m_debug;
    QByteArray m_stderr;
    QStringList m_lines;
    QList<int> m_granted;
    bool m_subscribed = false;
    QString m_error;
};

} // namespace QPahoTest
