// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Proves the test fixture library (qpaho_testcommon) works on its own, without QPaho:
// mosquitto lifecycle and listeners with independent peers (mosquitto_pub/mosquitto_sub), and
// the fault-injection proxy against a small echo server.
#include "common/brokerfixture.h"
#include "common/faultproxy.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <cerrno>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace QPahoTest;

namespace {

// Echoes every byte back; records what it received.
class EchoServer : public QTcpServer
{
public:
    EchoServer() { listen(QHostAddress::LocalHost, 0); }
    QByteArray received;
    QList<QTcpSocket *> sockets;

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *s = new QTcpSocket(this);
        s->setSocketDescriptor(fd);
        s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        sockets << s;
        connect(s, &QTcpSocket::readyRead, s, [this, s] {
            const QByteArray data = s->readAll();
            received += data;
            s->write(data);
        });
    }
};

// A raw non-blocking client socket, to tell an RST (ECONNRESET) from a FIN (recv == 0).
class RawClient
{
public:
    explicit RawClient(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    }
    ~RawClient() { close(); }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    RawClient(const RawClient &) = delete;
    RawClient &operator=(const RawClient &) = delete;
    bool connected() const { return m_connected; }
    bool send(const QByteArray &data)
    {
        return ::send(m_fd, data.constData(), size_t(data.size()), MSG_NOSIGNAL) == data.size();
    }
    // Non-blocking read: appends to data(); returns false once the connection ended.
    void poll()
    {
        if (m_eof || m_error)
            return; // keep the first way the connection ended
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) {
                m_data.append(buf, n);
                continue;
            }
            if (n == 0)
                m_eof = true;
            else if (errno != EAGAIN && errno != EWOULDBLOCK)
                m_error = errno;
            return;
        }
    }
    QByteArray data()
    {
        poll();
        return m_data;
    }
    bool wasReset()
    {
        poll();
        return m_error == ECONNRESET;
    }
    bool gotEof()
    {
        poll();
        return m_eof;
    }

private:
    int m_fd = -1;
    bool m_connected = false;
    bool m_eof = false;
    int m_error = 0;
    QByteArray m_data;
};

// mosquitto_pub arguments (after the host and port mosquittoPub() adds) for one message.
QStringList pubArgs(const QString &topic, const QString &message, int qos = 1)
{
    return { u"-t"_s, topic, u"-m"_s, message, u"-q"_s, QString::number(qos) };
}

QByteArray mqttString(const QByteArray &s)
{
    QByteArray out;
    out.append(char(s.size() >> 8)).append(char(s.size() & 0xff)).append(s);
    return out;
}

// MQTT 3.1.1 CONNECT (clean session, keepalive 60) and PUBLISH QoS0; small packets only.
QByteArray mqttConnect(const QByteArray &clientId)
{
    const QByteArray body
        = mqttString("MQTT") + QByteArray("\x04\x02\x00\x3c", 4) + mqttString(clientId);
    return QByteArray(1, '\x10') + char(body.size()) + body;
}

QByteArray mqttPublish(const QByteArray &topic, const QByteArray &payload)
{
    const QByteArray body = mqttString(topic) + payload;
    return QByteArray(1, '\x30') + char(body.size()) + body;
}

const QByteArray ConnackAccepted("\x20\x02\x00\x00", 4);

// One masked binary websocket frame (client to server), payload < 126 bytes.
QByteArray wsFrame(const QByteArray &payload)
{
    const char mask[4] = { 0x12, 0x34, 0x56, 0x78 };
    QByteArray frame;
    frame.append(char(0x82)).append(char(0x80 | payload.size())).append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(char(payload.at(i) ^ mask[i % 4]));
    return frame;
}

// Speaks MQTT over websockets by hand (upgrade, CONNECT, CONNACK, PUBLISH, DISCONNECT).
// Returns an empty string on success, else what went wrong.
QString wsPublish(
    QTcpSocket &socket, quint16 port, const QByteArray &topic, const QByteArray &payload)
{
    if (!waitUntil(
            [&] {
                return socket.state() == QAbstractSocket::ConnectedState
                    && (!qobject_cast<QSslSocket *>(&socket)
                        || qobject_cast<QSslSocket *>(&socket)->isEncrypted());
            },
            5000)) {
        return u"not connected: "_s + socket.errorString();
    }
    socket.write("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
    QByteArray in;
    auto readIn = [&] {
        in += socket.readAll();
        return in.contains("\r\n\r\n");
    };
    if (!waitUntil(readIn, 5000))
        return u"no HTTP response: "_s + QString::fromLatin1(in);
    if (!in.startsWith("HTTP/1.1 101"))
        return u"upgrade refused: "_s + QString::fromLatin1(in);
    in = in.mid(in.indexOf("\r\n\r\n") + 4);
    socket.write(wsFrame(mqttConnect(uniqueId(u"ws"_s).toLatin1())));
    // Server frames are unmasked: 0x82 <len> <payload>.
    const QByteArray expected = QByteArray("\x82\x04", 2) + ConnackAccepted;
    if (!waitUntil(
            [&] {
                in += socket.readAll();
                return in.size() >= expected.size();
            },
            5000)
        || !in.startsWith(expected)) {
        return u"no CONNACK over websockets: "_s + QString::fromLatin1(in.toHex());
    }
    socket.write(wsFrame(mqttPublish(topic, payload)));
    socket.write(wsFrame(QByteArray("\xe0\x00", 2)));
    return {};
}

// Connects socket to 127.0.0.1:port, waiting up to 2 s.
bool connectTo(QTcpSocket &socket, quint16 port)
{
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(2000);
}

bool waitReadyRead(QIODevice &device, int timeoutMs)
{
    if (device.bytesAvailable() > 0)
        return true;
    QSignalSpy spy(&device, &QIODevice::readyRead);
    return spy.wait(timeoutMs);
}

} // namespace

class TstFixture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void uniqueIds();
    void missingMosquittoFailsWithReason();
    void configErrorFailsFast();
    void portTakenBeforeFirstStart();
    void tcpRoundTrip();
    void tcpRoundTripV5();
    void tlsListeners();
    void websocketListeners();
    void passwordRefusesAnonymous();
    void restartKeepsPortAndSession();
    void kill9KeepsAutosavedSession();
    void queueForOfflineSessionIsUnlimited();
    void pauseResume();
    void proxyEcho();
    void proxyBrokerRoundTrip();
    void proxyRelaysWhileTestThreadBlocked();
    void proxyCut();
    void proxyBlackhole();
    void proxyRefuse();
    void proxyUpstreamDown();
    void proxyDelay();
    void proxyRate();
    void proxyRateBackpressure();
};

void TstFixture::initTestCase()
{
    // The suite fails (never skips) without mosquitto, so a broken CI install is visible.
    QVERIFY2(!Mosquitto::executable().isEmpty(), "mosquitto is not installed");
    QVERIFY2(runProcess(u"mosquitto_pub"_s, { u"--help"_s }).exitCode >= 0,
        "mosquitto_pub (mosquitto-clients) is not installed");
}

// Every process the fixture started has been stopped and reaped (PID 1 here never reaps).
void TstFixture::cleanupTestCase()
{
    const QByteArray self = QByteArray::number(::getpid());
    QStringList children;
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs);
    for (const QString &pid : entries) {
        QFile stat(u"/proc/"_s + pid + u"/stat"_s);
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = stat.readAll(); // "pid (comm) state ppid ..."
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.value(1) == self)
            children << QString::fromUtf8(text.left(text.indexOf(')') + 1));
    }
    QVERIFY2(children.isEmpty(), qPrintable(children.join(u", "_s)));
}

void TstFixture::uniqueIds()
{
    const QString a = uniqueId(u"c"_s);
    const QString b = uniqueId(u"c"_s);
    QVERIFY(a != b);
    QVERIFY(a.startsWith(u"c-"_s));
    for (const QChar ch : a)
        QVERIFY(ch.isLetterOrNumber() || ch == u'-');
}

void TstFixture::missingMosquittoFailsWithReason()
{
    qputenv("QPAHO_TEST_MOSQUITTO", "/nonexistent/mosquitto");
    Mosquitto broker;
    QElapsedTimer t;
    t.start();
    const bool started = broker.start();
    qunsetenv("QPAHO_TEST_MOSQUITTO");
    QVERIFY(!started);
    QVERIFY2(broker.lastError().contains(u"not installed"_s), qPrintable(broker.lastError()));
    QVERIFY(t.elapsed() < 1000);
}

void TstFixture::configErrorFailsFast()
{
    MosquittoOptions options;
    options.extraConfig = "no_such_option 1";
    Mosquitto broker(options);
    QElapsedTimer t;
    t.start();
    QVERIFY(!broker.start());
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
    QVERIFY2(broker.lastError().contains(u"no_such_option"_s), qPrintable(broker.lastError()));
    QVERIFY(!broker.isRunning());
}

void TstFixture::portTakenBeforeFirstStart()
{
    Mosquitto broker({ .persistence = false });
    const quint16 planned = broker.port();
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, planned));
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QVERIFY(broker.port() != planned);
    QCOMPARE(mosquittoPub(broker.port(), pubArgs(uniqueId(), u"x"_s)).exitCode, 0);
}

void TstFixture::tcpRoundTrip()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QVERIFY(broker.isRunning());
    QVERIFY(broker.pid() > 0);
    QVERIFY(broker.port() > 0);
    QCOMPARE(broker.tcpUri(), u"tcp://127.0.0.1:%1"_s.arg(broker.port()));
    QVERIFY(broker.sslUri().isEmpty());
    QVERIFY(broker.log().contains(" running"));

    const QString topic = uniqueId(u"t"_s) + u"/a"_s;
    MosquittoSub sub(broker.port(), topic, { .qos = 1, .count = 2 });
    QSignalSpy lineSpy(&sub, &MosquittoSub::lineReceived);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QCOMPARE(sub.grantedQos(), QList<int> { 1 });
    QVERIFY(broker.waitForLog(sub.clientId().toUtf8() + " 1 " + topic.toUtf8()));

    QCOMPARE(mosquittoPub(broker.port(), pubArgs(topic, u"hello world"_s)).exitCode, 0);
    QCOMPARE(mosquittoPub(broker.port(), pubArgs(topic, u"second"_s)).exitCode, 0);
    QVERIFY(sub.waitForLines(2));
    QCOMPARE(sub.lines(), QStringList({ topic + u" hello world"_s, topic + u" second"_s }));
    QCOMPARE(sub.payloads(), QStringList({ u"hello world"_s, u"second"_s }));
    QCOMPARE(lineSpy.size(), 2);
    QVERIFY(sub.waitForFinished()); // -C 2
    QCOMPARE(sub.exitCode(), 0);
}

void TstFixture::tcpRoundTripV5()
{
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = uniqueId(u"t"_s);
    MosquittoSub sub(broker.port(), topic, { .qos = 2, .v5 = true });
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QStringList args = pubArgs(topic, u"v5"_s, 2);
    args << u"-V"_s << u"mqttv5"_s;
    QCOMPARE(mosquittoPub(broker.port(), args).exitCode, 0);
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.lines(), QStringList { topic + u" v5"_s });
    QVERIFY(broker.log().contains("(p5, c1, k60)")); // the sub connected with MQTT 5
}

void TstFixture::tlsListeners()
{
    QVERIFY2(Mosquitto::certError().isEmpty(), qPrintable(Mosquitto::certError()));
    for (const char *name : { "ca.crt", "server.crt", "server.key", "client.crt", "client.key",
             "wronghost.crt", "wronghost.key", "rogue-ca.crt" }) {
        QVERIFY2(QFile::exists(Mosquitto::certPath(QLatin1String(name))), name);
    }
    MosquittoOptions options;
    options.tls = true;
    options.mutualTls = true;
    options.tlsWrongHost = true;
    Mosquitto broker(options);
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QVERIFY(broker.tlsPort() && broker.mtlsPort() && broker.wrongHostTlsPort());
    QCOMPARE(broker.sslUri(), u"ssl://127.0.0.1:%1"_s.arg(broker.tlsPort()));
    QCOMPARE(broker.mtlsUri(), u"ssl://127.0.0.1:%1"_s.arg(broker.mtlsPort()));

    const QString topic = uniqueId(u"tls"_s);
    MosquittoSub sub(broker.port(), topic, { .qos = 1 });
    QVERIFY2(sub.start(), qPrintable(sub.error()));

    const QStringList ca { u"--cafile"_s, Mosquitto::certPath(u"ca.crt"_s) };
    const QStringList clientCert { u"--cert"_s, Mosquitto::certPath(u"client.crt"_s), u"--key"_s,
        Mosquitto::certPath(u"client.key"_s) };
    auto pub = [&](quint16 port, const QStringList &extra, const QString &message) {
        return mosquittoPub(port, pubArgs(topic, message) + extra);
    };
    // Server-auth TLS, hostname 127.0.0.1 matches the IP SAN.
    ProcessResult r = pub(broker.tlsPort(), ca, u"tls"_s);
    QVERIFY2(r.exitCode == 0, r.stdErr.constData());
    // A rogue CA and a CA-valid certificate for the wrong host are refused.
    QVERIFY(
        pub(broker.tlsPort(), { u"--cafile"_s, Mosquitto::certPath(u"rogue-ca.crt"_s) }, u"rogue"_s)
            .exitCode
        != 0);
    QVERIFY(pub(broker.wrongHostTlsPort(), ca, u"wronghost"_s).exitCode != 0);
    r = pub(broker.wrongHostTlsPort(), ca + QStringList { u"--insecure"_s }, u"insecure"_s);
    QVERIFY2(r.exitCode == 0, r.stdErr.constData());
    // Mutual TLS: without a client certificate the handshake fails.
    QVERIFY(pub(broker.mtlsPort(), ca, u"nocert"_s).exitCode != 0);
    r = pub(broker.mtlsPort(), ca + clientCert, u"mtls"_s);
    QVERIFY2(r.exitCode == 0, r.stdErr.constData());

    QVERIFY(sub.waitForLines(3));
    QCOMPARE(sub.payloads(), QStringList({ u"tls"_s, u"insecure"_s, u"mtls"_s }));
}

void TstFixture::websocketListeners()
{
    MosquittoOptions options;
    options.websockets = true;
    options.tls = true;
    Mosquitto broker(options);
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    QCOMPARE(broker.wsUri(), u"ws://127.0.0.1:%1"_s.arg(broker.wsPort()));
    QCOMPARE(broker.wssUri(), u"wss://127.0.0.1:%1"_s.arg(broker.wssPort()));

    const QString topic = uniqueId(u"ws"_s);
    MosquittoSub sub(broker.port(), topic);
    QVERIFY2(sub.start(), qPrintable(sub.error()));

    QTcpSocket ws;
    ws.connectToHost(QHostAddress::LocalHost, broker.wsPort());
    QString error = wsPublish(ws, broker.wsPort(), topic.toUtf8(), "over-ws");
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(sub.waitForLines(1));

    QVERIFY(QSslSocket::supportsSsl());
    QSslSocket wss;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(QSslCertificate::fromPath(Mosquitto::certPath(u"ca.crt"_s)));
    wss.setSslConfiguration(config);
    wss.connectToHostEncrypted(u"127.0.0.1"_s, broker.wssPort()); // verified against the IP SAN
    error = wsPublish(wss, broker.wssPort(), topic.toUtf8(), "over-wss");
    QVERIFY2(error.isEmpty(), qPrintable(error + wss.errorString()));
    QVERIFY(sub.waitForLines(2));
    QCOMPARE(sub.payloads(), QStringList({ u"over-ws"_s, u"over-wss"_s }));

    // socket_domain ipv4 + 127.0.0.1: the ws listener is not bound to all addresses, so
    // 127.0.0.2 (also loopback) is refused.
    QTcpSocket other;
    QSignalSpy errors(&other, &QAbstractSocket::errorOccurred);
    other.connectToHost(QHostAddress(u"127.0.0.2"_s), broker.wsPort());
    QVERIFY(errors.wait(2000));
    QCOMPARE(other.error(), QAbstractSocket::ConnectionRefusedError);
}

void TstFixture::passwordRefusesAnonymous()
{
    MosquittoOptions options;
    options.users = { { u"alice"_s, u"secret"_s }, { u"bob"_s, u"hunter2"_s } };
    Mosquitto broker(options);
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = uniqueId(u"pw"_s);

    ProcessResult r = mosquittoPub(broker.port(), pubArgs(topic, u"anon"_s));
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.stdErr.contains("not authorised"), r.stdErr.constData());
    const QStringList alice { u"-u"_s, u"alice"_s, u"-P"_s, u"secret"_s };
    const QStringList bob { u"-u"_s, u"bob"_s, u"-P"_s, u"hunter2"_s };
    QVERIFY(mosquittoPub(broker.port(),
                pubArgs(topic, u"bad"_s) + QStringList { u"-u"_s, u"alice"_s, u"-P"_s, u"wrong"_s })
                .exitCode
        != 0);

    MosquittoSub sub(broker.port(), topic, { .extraArgs = bob });
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    r = mosquittoPub(broker.port(), pubArgs(topic, u"alice"_s) + alice);
    QVERIFY2(r.exitCode == 0, r.stdErr.constData());
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.payloads(), QStringList { u"alice"_s });

    // The password file survives a restart.
    QVERIFY2(broker.restart(), qPrintable(broker.lastError()));
    QCOMPARE(mosquittoPub(broker.port(), pubArgs(topic, u"again"_s) + alice).exitCode, 0);
}

void TstFixture::restartKeepsPortAndSession()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const quint16 port = broker.port();
    const qint64 firstPid = broker.pid();
    const QString topic = uniqueId(u"rs"_s);
    const MosquittoSubOptions persistent {
        .qos = 1, .count = 1, .clientId = uniqueId(u"persist"_s), .extraArgs = { u"-c"_s }
    };
    {
        MosquittoSub sub(port, topic, persistent);
        QVERIFY2(sub.start(), qPrintable(sub.error()));
    } // offline now, session kept

    QElapsedTimer t;
    t.start();
    QVERIFY2(broker.restart(), qPrintable(broker.lastError())); // SIGTERM saves the DB
    qInfo("graceful restart took %lld ms", t.elapsed());
    QCOMPARE(broker.port(), port);
    QVERIFY(broker.pid() != firstPid);
    QCOMPARE(broker.log().count(" running"), 2);

    QCOMPARE(mosquittoPub(port, pubArgs(topic, u"queued"_s)).exitCode, 0);
    MosquittoSub sub(port, topic, persistent);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.payloads(), QStringList { u"queued"_s });
}

void TstFixture::kill9KeepsAutosavedSession()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const quint16 port = broker.port();
    const QString topic = uniqueId(u"k9"_s);
    const MosquittoSubOptions persistent {
        .qos = 1, .count = 1, .clientId = uniqueId(u"persist"_s), .extraArgs = { u"-c"_s }
    };
    const qint64 mark = broker.logMark();
    {
        MosquittoSub sub(port, topic, persistent);
        QVERIFY2(sub.start(), qPrintable(sub.error()));
    }
    // autosave_on_changes: the subscription is written to disk shortly after it is made.
    QVERIFY2(
        broker.waitForPersisted(persistent.clientId.toUtf8() + " 1 " + topic.toUtf8(), 5000, mark),
        broker.log().constData());
    broker.kill9();
    QVERIFY(!broker.isRunning());
    QVERIFY(!broker.log().contains("mosquitto version 2.0.11 terminating"));
    QElapsedTimer t;
    t.start();
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    qInfo("start after kill -9 took %lld ms", t.elapsed());
    QCOMPARE(broker.port(), port);

    QCOMPARE(mosquittoPub(port, pubArgs(topic, u"after-kill"_s)).exitCode, 0);
    MosquittoSub sub(port, topic, persistent);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QVERIFY2(sub.waitForLines(1), broker.log().constData());
    QCOMPARE(sub.payloads(), QStringList { u"after-kill"_s });
}

void TstFixture::queueForOfflineSessionIsUnlimited()
{
    // max_queued_messages 0 is "no limit" in 2.0.11 (the default, 1000, drops the rest).
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString topic = uniqueId(u"q"_s);
    constexpr int Count = 1500;
    MosquittoSubOptions persistent {
        .qos = 1, .clientId = uniqueId(u"persist"_s), .extraArgs = { u"-c"_s }
    };
    {
        MosquittoSub sub(broker.port(), topic, persistent);
        QVERIFY2(sub.start(), qPrintable(sub.error()));
    }
    QByteArray lines;
    for (int i = 0; i < Count; ++i)
        lines += QByteArray::number(i) + '\n';
    const ProcessResult r
        = mosquittoPub(broker.port(), { u"-t"_s, topic, u"-q"_s, u"1"_s, u"-l"_s }, lines);
    QVERIFY2(r.exitCode == 0, r.stdErr.constData());
    persistent.count = Count;
    MosquittoSub sub(broker.port(), topic, persistent);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QVERIFY(sub.waitForFinished(10000));
    QCOMPARE(sub.lines().size(), Count);
    QCOMPARE(sub.payloads().constLast(), QString::number(Count - 1));
    QVERIFY(!broker.log().contains("Outgoing messages are being dropped"));
}

void TstFixture::pauseResume()
{
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    broker.pause();
    QVERIFY(broker.isPaused());
    QVERIFY(broker.isRunning());

    // The kernel still completes the TCP handshake (backlog), but nobody answers.
    QTcpSocket socket;
    QVERIFY(connectTo(socket, broker.port()));
    socket.write(mqttConnect(uniqueId(u"paused"_s).toLatin1()));
    QVERIFY(!waitReadyRead(socket, 300));

    broker.resume();
    QVERIFY(!broker.isPaused());
    QTRY_COMPARE_WITH_TIMEOUT(socket.bytesAvailable(), qint64(4), 5000);
    QCOMPARE(socket.readAll(), ConnackAccepted);

    // stop() also works on a paused broker (SIGTERM + SIGCONT).
    broker.pause();
    QElapsedTimer t;
    t.start();
    broker.stop();
    QVERIFY(!broker.isRunning());
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));
}

void TstFixture::proxyEcho()
{
    EchoServer echo;
    QVERIFY(echo.isListening());
    FaultProxy proxy(echo.serverPort());
    QVERIFY(proxy.port() > 0);
    QCOMPARE(proxy.tcpUri(), u"tcp://127.0.0.1:%1"_s.arg(proxy.port()));
    QCOMPARE(proxy.connectionCount(), 0);

    QTcpSocket socket;
    QVERIFY(connectTo(socket, proxy.port()));
    socket.write("ping");
    QTRY_COMPARE(socket.bytesAvailable(), qint64(4));
    QCOMPARE(socket.readAll(), QByteArray("ping"));
    QCOMPARE(echo.received, QByteArray("ping"));
    QCOMPARE(proxy.connectionCount(), 1);
    QCOMPARE(proxy.acceptedCount(), 1);
    QCOMPARE(proxy.bytesForwarded(), qint64(8));

    // A big transfer arrives intact (and in order).
    QByteArray big(3 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char((i * 7 + i / 251) & 0xff);
    socket.write(big);
    QByteArray back;
    QTRY_VERIFY_WITH_TIMEOUT((back += socket.readAll()).size() >= big.size(), 10000);
    QVERIFY(back == big);

    // A graceful close propagates (FIN), and the link is released.
    socket.disconnectFromHost();
    QTRY_COMPARE(proxy.connectionCount(), 0);
    QTRY_VERIFY(std::all_of(echo.sockets.cbegin(), echo.sockets.cend(),
        [](QTcpSocket *s) { return s->state() == QAbstractSocket::UnconnectedState; }));
}

void TstFixture::proxyBrokerRoundTrip()
{
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    FaultProxy proxy(broker.port());
    const QString topic = uniqueId(u"px"_s);
    MosquittoSub sub(proxy.port(), topic, { .qos = 1 });
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QCOMPARE(proxy.connectionCount(), 1);
    QCOMPARE(mosquittoPub(proxy.port(), pubArgs(topic, u"via-proxy"_s)).exitCode, 0);
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.payloads(), QStringList { u"via-proxy"_s });
    QTRY_COMPARE(proxy.connectionCount(), 1); // the publisher's link is gone again
    QCOMPARE(proxy.acceptedCount(), 2);

    // Refused connections make mosquitto_pub fail; the subscriber is untouched.
    proxy.setRefuse(true);
    QVERIFY(mosquittoPub(proxy.port(), pubArgs(topic, u"refused"_s)).exitCode != 0);
    proxy.setRefuse(false);
    QCOMPARE(mosquittoPub(proxy.port(), pubArgs(topic, u"again"_s)).exitCode, 0);
    QVERIFY(sub.waitForLines(2));
    QCOMPARE(sub.payloads(), QStringList({ u"via-proxy"_s, u"again"_s }));

    // cutAll() drops the subscriber's connection at the broker too.
    const qint64 mark = broker.logMark();
    proxy.cutAll();
    QCOMPARE(proxy.connectionCount(), 0);
    QVERIFY2(broker.waitForLog(
                 "Client " + sub.clientId().toUtf8() + " closed its connection", 5000, mark),
        broker.log().constData());
}

void TstFixture::proxyRelaysWhileTestThreadBlocked()
{
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    FaultProxy proxy(broker.port());
    const QString topic = uniqueId(u"blk"_s);
    MosquittoSub sub(broker.port(), topic);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    // The main thread blocks in waitForFinished(); the proxy thread relays meanwhile.
    QProcess pub;
    setDieWithParent(pub);
    pub.start(findProgram(u"mosquitto_pub"_s),
        QStringList { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(proxy.port()) }
            + pubArgs(topic, u"blocked"_s));
    QVERIFY(pub.waitForFinished(5000));
    QCOMPARE(pub.exitCode(), 0);
    QVERIFY(sub.waitForLines(1));
}

void TstFixture::proxyCut()
{
    EchoServer echo;
    FaultProxy proxy(echo.serverPort());
    RawClient a(proxy.port());
    RawClient b(proxy.port());
    QVERIFY(a.connected() && b.connected());
    QVERIFY(a.send("a") && b.send("b"));
    QTRY_COMPARE(a.data(), QByteArray("a"));
    QTRY_COMPARE(b.data(), QByteArray("b"));
    QCOMPARE(proxy.connectionCount(), 2);

    proxy.cutAll();
    QCOMPARE(proxy.connectionCount(), 0); // synchronous
    QTRY_VERIFY(a.wasReset()); // RST, not FIN
    QTRY_VERIFY(b.wasReset());
    QVERIFY(!a.gotEof());
    // The upstream side got an RST as well.
    QTRY_VERIFY(std::all_of(echo.sockets.cbegin(), echo.sockets.cend(),
        [](QTcpSocket *s) { return s->state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(echo.sockets.size(), 2);

    // New connections work after a cut.
    RawClient c(proxy.port());
    QVERIFY(c.send("c"));
    QTRY_COMPARE(c.data(), QByteArray("c"));
}

void TstFixture::proxyBlackhole()
{
    EchoServer echo;
    FaultProxy proxy(echo.serverPort());
    QTcpSocket socket;
    QVERIFY(connectTo(socket, proxy.port()));
    QByteArray back;
    socket.write("1");
    QTRY_COMPARE(back += socket.readAll(), QByteArray("1"));
    RawClient closer(proxy.port());
    QVERIFY(closer.connected());
    QTRY_COMPARE(echo.sockets.size(), 2);

    proxy.setBlackhole(true);
    QVERIFY(proxy.isBlackhole());
    const qint64 forwarded = proxy.bytesForwarded();
    socket.write("lost");
    QVERIFY(!waitReadyRead(socket, 300));
    QCOMPARE(echo.received, QByteArray("1")); // dropped on the way in
    QCOMPARE(proxy.bytesForwarded(), forwarded);
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(proxy.connectionCount(), 2);

    // A FIN is swallowed too: the far side does not learn about the close.
    closer.close();
    QVERIFY(!QTest::qWaitFor(
        [&] { return echo.sockets.at(1)->state() != QAbstractSocket::ConnectedState; }, 300));
    QCOMPARE(proxy.connectionCount(), 2);

    proxy.setBlackhole(false);
    socket.write("back");
    back.clear();
    QTRY_COMPARE(back += socket.readAll(), QByteArray("back")); // "lost" stays lost
    QCOMPARE(echo.received, QByteArray("1back"));
}

void TstFixture::proxyRefuse()
{
    EchoServer echo;
    FaultProxy proxy(echo.serverPort());
    proxy.setRefuse(true);
    QVERIFY(proxy.isRefusing());
    RawClient refused(proxy.port());
    QVERIFY(refused.connected()); // accepted by the kernel...
    QTRY_VERIFY(refused.wasReset()); // ...then reset
    QTRY_COMPARE(proxy.acceptedCount(), 1);
    QCOMPARE(proxy.connectionCount(), 0);
    QCOMPARE(echo.sockets.size(), 0); // never forwarded

    proxy.setRefuse(false);
    RawClient ok(proxy.port());
    QVERIFY(ok.send("ok"));
    QTRY_COMPARE(ok.data(), QByteArray("ok"));
    QCOMPARE(proxy.acceptedCount(), 2);
}

void TstFixture::proxyUpstreamDown()
{
    quint16 closedPort = 0;
    {
        QTcpServer s;
        QVERIFY(s.listen(QHostAddress::LocalHost, 0));
        closedPort = s.serverPort();
    }
    FaultProxy proxy(closedPort);
    RawClient client(proxy.port());
    QVERIFY(client.connected());
    QTRY_VERIFY(client.wasReset());
    QTRY_COMPARE(proxy.connectionCount(), 0);

    // setTargetPort() redirects new connections.
    EchoServer echo;
    proxy.setTargetPort(echo.serverPort());
    QCOMPARE(proxy.targetPort(), echo.serverPort());
    RawClient second(proxy.port());
    QVERIFY(second.send("x"));
    QTRY_COMPARE(second.data(), QByteArray("x"));
}

void TstFixture::proxyDelay()
{
    EchoServer echo;
    FaultProxy proxy(echo.serverPort());
    QTcpSocket socket;
    QVERIFY(connectTo(socket, proxy.port()));
    socket.setSocketOption(QAbstractSocket::LowDelayOption, 1); // no Nagle wait for "c"

    proxy.setDelay(150);
    QCOMPARE(proxy.delay(), 150);
    QElapsedTimer t;
    t.start();
    socket.write("a");
    socket.write("b");
    socket.flush();
    socket.write("c");
    QByteArray back;
    // waitUntil polls every 5 ms; QTRY_* steps are 50 ms, too coarse to measure with.
    QVERIFY(waitUntil([&] { return (back += socket.readAll()).size() >= 3; }, 5000));
    const qint64 elapsed = t.elapsed();
    QCOMPARE(back, QByteArray("abc")); // order preserved
    qInfo("round trip with 150 ms one-way delay: %lld ms", elapsed);
    QVERIFY2(elapsed >= 295 && elapsed < 1000, qPrintable(QString::number(elapsed)));

    // Half-way through the delay, nothing has arrived at the far side yet.
    socket.write("d");
    QVERIFY(!QTest::qWaitFor([&] { return echo.received.size() > 3; }, 100));
    QTRY_COMPARE(echo.received, QByteArray("abcd"));
    QTRY_VERIFY((back += socket.readAll()).endsWith('d')); // nothing queued any more

    // Without delay, bytes are forwarded at once (had "d" still been queued, "e" would have
    // waited behind it).
    proxy.setDelay(0);
    t.restart();
    back.clear();
    socket.write("e");
    QVERIFY(waitUntil([&] { return (back += socket.readAll()).contains('e'); }, 5000));
    // Faster than any round trip with the delay on (>= 295 ms above): not delayed. A tighter
    // bound would measure the machine's load (rule 4), not the proxy.
    QVERIFY2(t.elapsed() < 295, qPrintable(QString::number(t.elapsed())));
}

void TstFixture::proxyRate()
{
    EchoServer echo;
    FaultProxy proxy(echo.serverPort());
    QTcpSocket socket;
    QVERIFY(connectTo(socket, proxy.port()));

    proxy.setRate(40 * 1024); // 40 KiB/s in each direction
    QCOMPARE(proxy.rate(), 40 * 1024);
    const QByteArray payload(20 * 1024, 'r');
    QElapsedTimer t;
    t.start();
    socket.write(payload);
    QByteArray back;
    QVERIFY(waitUntil([&] { return (back += socket.readAll()).size() >= payload.size(); }, 5000));
    const qint64 elapsed = t.elapsed();
    qInfo("20 KiB echo at 40 KiB/s: %lld ms", elapsed);
    QCOMPARE(back, payload);
    // 0.5 s each way, pipelined: about 0.5 s in total.
    QVERIFY2(elapsed >= 450 && elapsed < 2000, qPrintable(QString::number(elapsed)));

    proxy.setRate(0);
    t.restart();
    back.clear();
    socket.write(payload);
    QVERIFY(waitUntil([&] { return (back += socket.readAll()).size() >= payload.size(); }, 5000));
    // Faster than the rate-limited echo can be (>= 450 ms above): not limited.
    QVERIFY2(t.elapsed() < 450, qPrintable(QString::number(t.elapsed())));
}

void TstFixture::proxyRateBackpressure()
{
    // A throttled proxy does not swallow an unlimited amount: the sender's writes back up.
    QTcpServer sink; // accepts, never reads
    QVERIFY(sink.listen(QHostAddress::LocalHost, 0));
    FaultProxy proxy(sink.serverPort());
    proxy.setRate(1024);
    QTcpSocket socket;
    QVERIFY(connectTo(socket, proxy.port()));
    socket.write(QByteArray(32 * 1024 * 1024, 'x'));
    // Kernel buffers plus the proxy's ~256 KiB fill up; then the sender stays blocked.
    QTRY_VERIFY_WITH_TIMEOUT(socket.bytesToWrite() > 0, 5000);
    const qint64 pending = socket.bytesToWrite();
    QVERIFY(!QTest::qWaitFor([&] { return socket.bytesToWrite() == 0; }, 300));
    QVERIFY2(socket.bytesToWrite() > 16 * 1024 * 1024,
        qPrintable(QString::number(pending) + u" "_s + QString::number(socket.bytesToWrite())));
}

QTEST_GUILESS_MAIN(TstFixture)
#include "tst_fixture.moc"
