// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Test fixture: a private ejabberd (23.01, mod_mqtt: MQTT 5 and 3.1.1) on loopback, the second
// independent broker of the interoperability suites. Everything it runs is its own: a private
// configuration directory, its own epmd on a private port bound to 127.0.0.1, an edited
// ejabberdctl.cfg (so /etc/ejabberd is never read), one MQTT listener on 127.0.0.1 only. It stops
// the processes it started by their PIDs. ejabberd refuses anonymous MQTT clients (CONNACK 0x87):
// registerUser() a user and connect with it.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace QPahoTest {

// What a broker offers beyond the mandatory parts of MQTT, and where it knowingly deviates from
// the specification. Interoperability suites consult these flags instead of hard-coding broker
// names: a test of an optional behaviour asserts the behaviour where it is offered and, where it
// is not, asserts what still can be asserted and says so with qInfo().
struct BrokerCapabilities
{
    // -- optional behaviours (the specification allows either answer)
    // Overlapping subscriptions: one copy per matching subscription (else a single copy).
    bool overlappingCopies = false; // MQTT 5 clients
    bool overlappingCopiesV311 = false; // MQTT 3.1.1 clients
    bool queuesQos0Offline = false; // QoS 0 messages are queued for offline persistent sessions
    // Treats the first QoS 1/2 message for an offline session as sent: its delivery has
    // started, so it is redelivered (DUP) on reconnect, also after its Message Expiry Interval.
    bool firstOfflineMessageInFlight = false;
    bool reportsNoSubscriptionExisted = false; // UNSUBACK 0x11 for a filter never subscribed
    bool refusesSubscriptions = false; // can be configured to refuse a filter (SUBACK >= 0x80)
    bool dollarTopicPublish = false; // clients may publish to topics starting with '$'
    bool sharedSubscriptions = false; // $share/<group>/<filter> (MQTT 5)
    bool serverTopicAliases = false; // uses topic aliases towards a client that allows them
    bool serverKeepAlive = false; // imposes its own keep-alive (CONNACK Server Keep Alive cap)
    bool advertisesMaximumPacketSize = false; // CONNACK Maximum Packet Size
    bool advertisesReceiveMaximum = false; // CONNACK Receive Maximum below 65535
    bool subscriptionIdentifiers = false; // MQTT 5 subscription identifiers
    // -- deviations from the specification observed with this broker
    bool v3SubackFailureIs0x80 = true; // MQTT 3.1.1 SUBACK failure code is 0x80 [MQTT-3.9.3]
    // A single copy for overlapping subscriptions has their highest QoS [MQTT-3.3.5-1].
    bool overlapSingleCopyHighestQos = true;
    bool honoursClientMaximumPacketSize = true; // never sends more than CONNECT's maximum
    bool willOnSessionEnd = true; // a delayed will is published when a 0-expiry session ends
};

struct EjabberdOptions
{
    // Topic filters (ejabberd access rules) that everybody may publish to / subscribe to.
    // ejabberd allows a topic when any of them matches it and refuses anything else: PUBACK
    // 0x87-class codes, SUBACK 0x8F (also on MQTT 3.1.1). Publishing to '$' topics is always
    // refused by mod_mqtt.
    QStringList publishAllowed { QStringLiteral("#") };
    QStringList subscribeAllowed { QStringLiteral("#") };
    int maxTopicAliases = -1; // mod_mqtt max_topic_aliases (-1: ejabberd's default, 100)
    int sessionExpirySeconds = -1; // mod_mqtt session_expiry cap (-1: default, 300 s)

    // -- clustering (EjabberdCluster fills these in; a lone node leaves them at their defaults)
    QString nodeName {}; // Erlang node name, e.g. "qpaho1-x7k2@localhost" (default: random)
    QString cookie {}; // Erlang cookie shared by the nodes of a cluster (default: random)
    quint16 sharedEpmdPort = 0; // register with this running epmd instead of starting one
    quint16 distPortMin = 0; // Erlang distribution listens in [min, max] (0: any free port)
    quint16 distPortMax = 0;
};

// One ejabberd node (plus its epmd) with its own temporary directory. Needs the ejabberd package;
// run as root (the node runs as the 'ejabberd' system user) or as that user. Not thread-safe: use
// it from the thread that created it (normally the test thread).
class Ejabberd
{
public:
    explicit Ejabberd(const EjabberdOptions &options = {});
    ~Ejabberd(); // stop()
    Ejabberd(const Ejabberd &) = delete;
    Ejabberd &operator=(const Ejabberd &) = delete;

    // Starts epmd and ejabberd and waits (max 30 s, event loop running) until the node says it
    // has started and the MQTT port accepts connections. On failure returns false and
    // lastError() has the reason (missing package, config error, log tail...).
    bool start();
    // Stops ejabberd (SIGTERM to its beam PID, SIGKILL after 5 s) and then its epmd.
    void stop();
    bool isRunning() const;
    // `ejabberdctl register user localhost password` against the running node (~0.3 s).
    bool registerUser(const QString &user, const QString &password);
    // Runs `ejabberdctl <arguments>` against the running node; true if it exited with 0.
    // Its output goes to *output; on failure lastError() has the output and exit code.
    bool ctl(const QStringList &arguments, QByteArray *output = nullptr);
    // Sends `signal` (SIGTERM: orderly shutdown, SIGKILL: crash) to the node's Erlang VM and
    // waits until it is gone (SIGKILL after 5 s). Its epmd keeps running, so the other nodes of
    // a cluster and a later start() still find it. start() brings the node back (same
    // directories, ports and node name: it rejoins its cluster from its spool).
    void signalNode(int signal);

    quint16 port() const { return m_port; } // MQTT listener on 127.0.0.1
    QString tcpUri() const; // tcp://127.0.0.1:port()
    static QString domain() { return QStringLiteral("localhost"); } // the XMPP host of the users
    qint64 pid() const { return m_beamPid; } // the Erlang VM (beam.smp) running ejabberd
    qint64 epmdPid() const;
    quint16 epmdPort() const { return m_epmdPort; }
    QString nodeName() const { return m_nodeName; } // Erlang node name, set by start()

    QString lastError() const { return m_lastError; }
    QByteArray log() const; // ejabberd.log of this node
    QString dataDir() const { return m_dir.path(); }
    const EjabberdOptions &options() const { return m_options; }

    // What ejabberd 23.01's mod_mqtt offers (see BrokerCapabilities).
    static BrokerCapabilities capabilities();
    // Path of ejabberdctl, or empty if the ejabberd package is not installed.
    static QString executable();

private:
    bool prepare();
    bool writeFiles();
    friend class EjabberdCluster;
    bool launch(); // prepare, pick ports, write files, start epmd, start the node's process
    bool startEpmd();
    bool launchNode();
    bool awaitNode(); // until the log says it started and its MQTT port accepts connections
    bool pickPorts();
    void stopNode();
    QStringList ctlArguments() const;
    void configureProcess(QProcess &process, bool asNodeUser) const;
    QByteArray fileTail(const QString &path, int lines) const;
    void fail(const QString &what);

    EjabberdOptions m_options;
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_epmd;
    std::unique_ptr<QProcess> m_node; // ejabberdctl foreground (its child is the beam VM)
    QByteArray m_nodeOutput;
    QString m_lastError;
    QString m_nodeName;
    QString m_cookie;
    quint16 m_port = 0;
    quint16 m_epmdPort = 0;
    qint64 m_beamPid = 0;
    qint64 m_logOffset = 0; // where this run's lines start in ejabberd.log
    int m_uid = -1; // the user the node runs as (-1: the current user)
    int m_gid = -1;
    bool m_prepared = false;
};

// Two ejabberd nodes joined into one cluster with `ejabberdctl join_cluster`: own node names,
// configuration, spool and log directories, one shared cookie, one epmd (node A's) on a private
// loopback port, Erlang distribution on loopback ports from a private window, mod_mqtt on a
// separate loopback port per node. Users are registered cluster-wide. Each node is an Ejabberd,
// so a test can stop, kill (signalNode) and restart one of them.
class EjabberdCluster
{
public:
    explicit EjabberdCluster(const EjabberdOptions &options = {});
    ~EjabberdCluster(); // stop()
    EjabberdCluster(const EjabberdCluster &) = delete;
    EjabberdCluster &operator=(const EjabberdCluster &) = delete;

    // Starts node A (with its epmd), then node B, joins B to A and checks that both list both
    // nodes (~4-6 s). false + lastError() on failure.
    bool start();
    void stop(); // node B, then node A and its epmd
    bool registerUser(const QString &user, const QString &password); // on node A, cluster-wide
    // Starts node A again after nodeA().signalNode(): it rejoins from its spool (~2 s; the
    // membership is not checked again).
    bool restartNodeA();

    Ejabberd &nodeA() { return *m_a; }
    Ejabberd &nodeB() { return *m_b; }
    QString lastError() const { return m_lastError; }
    // `ejabberdctl list_cluster` as seen from `node`, one node name per entry.
    QStringList clusterMembers(Ejabberd &node);

private:
    bool startOnce();
    bool waitForMembers();

    EjabberdOptions m_options;
    std::unique_ptr<Ejabberd> m_a;
    std::unique_ptr<Ejabberd> m_b;
    QString m_lastError;
};

} // namespace QPahoTest
