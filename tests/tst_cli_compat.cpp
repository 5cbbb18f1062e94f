// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// One table of argument lists, run through mosquitto_pub/mosquitto_sub and through
// qpaho-pub/qpaho-sub against fixture brokers: what an observing subscriber sees, what each
// program prints on stdout and stderr, and the exit code must be byte-identical (program
// names aside; -F timestamps are masked).
#include "common/clitools.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace QPahoTest;

namespace {

constexpr quint16 ClosedPort = 1; // nothing listens on port 1 of the loopback

QByteArray normalized(QByteArray text, const char *mosquittoName, const char *qpahoName)
{
    text.replace(mosquittoName, qpahoName);
    // -F %j: the receive time differs between two runs.
    static const QRegularExpression timestamp(QStringLiteral("\"tst\":(\\t?)\"[^\"]*\""));
    return QString::fromUtf8(text).replace(timestamp, QStringLiteral("\"tst\":\\1\"T\"")).toUtf8();
}

} // namespace

class TestCliCompat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void publish_data();
    void publish();
    void subscribe_data();
    void subscribe();

private:
    void initBrokers();

    struct Side
    {
        std::unique_ptr<Mosquitto> broker;
        std::unique_ptr<Observer> observer;
    };
    Side m_sides[2]; // [0] for mosquitto_pub, [1] for qpaho-pub
    std::unique_ptr<Mosquitto> m_authBroker;
    std::unique_ptr<Mosquitto> m_subBroker; // holds the retained messages the sub rows print
    QTemporaryDir m_dir;
    QString m_payloadFile;
};

void TestCliCompat::initTestCase()
{
    QVERIFY(!findProgram(QStringLiteral("mosquitto_pub")).isEmpty());
    QVERIFY(!findProgram(QStringLiteral("mosquitto_sub")).isEmpty());
    QVERIFY(m_dir.isValid());
    m_payloadFile = m_dir.filePath(QStringLiteral("payload.bin"));
    QFile file(m_payloadFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("binary\0payload\xff\n", 16));
    initBrokers();
}

void TestCliCompat::initBrokers()
{
    // One broker and one observer per program, kept for the whole table: each row's traffic
    // is what the observer saw between two sentinels. A third broker refuses everybody.
    for (auto &side : m_sides) {
        side.broker = std::make_unique<Mosquitto>();
        QVERIFY2(side.broker->start(), qPrintable(side.broker->lastError()));
        side.observer = std::make_unique<Observer>(side.broker->port());
        QVERIFY2(side.observer->start(), qPrintable(side.observer->error()));
    }
    m_authBroker = std::make_unique<Mosquitto>(
        MosquittoOptions { .users = { { QStringLiteral("alice"), QStringLiteral("secret") } } });
    QVERIFY2(m_authBroker->start(), qPrintable(m_authBroker->lastError()));

    m_subBroker = std::make_unique<Mosquitto>();
    QVERIFY2(m_subBroker->start(), qPrintable(m_subBroker->lastError()));
    const QString mosquittoPub = findProgram(QStringLiteral("mosquitto_pub"));
    const auto retain = [&](const QStringList &extra, const QByteArray &input = {}) {
        QStringList a { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
            QString::number(m_subBroker->port()), QStringLiteral("-r") };
        a << extra;
        const ProcessResult r = runProcess(mosquittoPub, a, 10000, input);
        return r.exitCode == 0;
    };
    QVERIFY(retain(argv({ "-t", "r/a", "-m", "hello", "-q", "1" })));
    static const char binaryPayload[] = "\x01 \"quoted\" \\ \x7f \xc3\xa9\tnul\0after";
    QVERIFY(retain(argv({ "-t", "r/b", "-s", "-q", "2" }),
        QByteArray(binaryPayload, sizeof binaryPayload - 1)));
    QVERIFY(retain(argv({ "-t", "r/j", "-m",
        R"({"k": [1, 2.5, -0, 1e300, 0.1, 12345678901, "\u00e9\ud83d\ude00\n"], "o": {}, "a": [], "n": null, "t": true, "f": false})" })));
    QVERIFY(retain(argv({ "-t", "r/p", "-m", "props", "-V", "5", "-D", "publish", "content-type",
        "text/plain", "-D", "publish", "user-property", "k1", "v1", "-D", "publish",
        "user-property", "k2", "v 2", "-D", "publish", "correlation-data", "cd", "-D", "publish",
        "response-topic", "rt/x", "-D", "publish", "payload-format-indicator", "1" })));
    QVERIFY(retain(argv({ "-t", "r/x", "-m", "not json {" })));
    QVERIFY(retain(argv({ "-t", "r/x/deep", "-m", " [ 1 , 2 ] \n" })));
}

void TestCliCompat::publish_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("compareStdout"); // false where stdout is the --help text
    QTest::addColumn<bool>("auth"); // broker with a password file (alice/secret)
    const auto row = [](const char *name, const QStringList &args, const QByteArray &input = {},
                         bool compareStdout = true, bool auth = false) {
        QTest::newRow(name) << args << input << compareStdout << auth;
    };
    row("message", argv({ "-t", "a/b", "-m", "hello" }));
    row("qos1", argv({ "-t", "a/b", "-m", "hello", "-q", "1" }));
    row("qos2 retained", argv({ "-t", "a/b", "-m", "x", "-q", "2", "-r" }));
    row("null message", argv({ "-t", "a/b", "-n" }));
    row("file", argv({ "-t", "f", "-f", "{F}", "-q", "1" }));
    row("stdin file", argv({ "-t", "s", "-s" }), QByteArray("all\nof\0it\n", 10));
    row("stdin lines", argv({ "-t", "l", "-l", "-q", "1" }), "one\n\ntwo\r\nlast");
    row("stdin lines empty", argv({ "-t", "l", "-l" }), "");
    row("repeat", argv({ "-t", "r", "-m", "again", "--repeat", "3", "-q", "1" }));
    row("repeat delay", argv({ "-t", "r", "-m", "d", "--repeat", "2", "--repeat-delay", "0.05" }));
    row("v5", argv({ "-t", "v5", "-m", "m", "-V", "5", "-q", "1" }));
    row("v5 mqttv5", argv({ "-t", "v5", "-m", "m", "-V", "mqttv5" }));
    row("311", argv({ "-t", "v", "-m", "m", "-V", "311" }));
    row("property implies v5",
        argv({ "-t", "p", "-m", "m", "-D", "publish", "user-property", "k", "v" }));
    row("url", argv({ "-L", "mqtt://127.0.0.1:{P}/url/topic", "-m", "via url" }));
    row("client id", argv({ "-t", "i", "-m", "m", "-i", "fixed-id", "-c" }));
    row("will options",
        argv({ "-t", "w", "-m", "m", "--will-topic", "will", "--will-payload", "bye", "--will-qos",
            "1", "--will-retain" }));
    row("keepalive", argv({ "-t", "k", "-m", "m", "-k", "5" }));
    row("quiet ok", argv({ "-t", "q", "-m", "m", "--quiet" }));
    // Bad input: nothing is published, same error, same exit code.
    row("q1 glued", argv({ "-t", "a", "-m", "x", "-q1" }));
    row("qos 3", argv({ "-t", "a", "-m", "x", "-q", "3" }));
    row("qos missing", argv({ "-t", "a", "-m", "x", "-q" }));
    row("wildcard topic", argv({ "-t", "a/#", "-m", "x" }));
    row("plus topic", argv({ "-t", "a/+/b", "-m", "x" }));
    row("missing topic", argv({ "-m", "x" }), {}, false);
    row("missing message", argv({ "-t", "a" }), {}, false);
    row("two messages", argv({ "-t", "a", "-m", "x", "-m", "y" }));
    row("message and null", argv({ "-t", "a", "-m", "x", "-n" }));
    row("lines and stdin", argv({ "-t", "a", "-l", "-s" }));
    row("unknown option", argv({ "-t", "a", "-m", "x", "--bogus" }));
    row("stray argument", argv({ "-t", "a", "-m", "x", "extra" }));
    row("sub-only -v", argv({ "-t", "a", "-m", "x", "-v" }));
    row("sub-only -C", argv({ "-t", "a", "-m", "x", "-C", "1" }));
    row("bad version", argv({ "-t", "a", "-m", "x", "-V", "7" }));
    row("keepalive low", argv({ "-t", "a", "-m", "x", "-k", "3" }));
    row("port range", argv({ "-t", "a", "-m", "x", "-p", "70000" }));
    row("will payload alone", argv({ "-t", "a", "-m", "x", "--will-payload", "p" }));
    row("will retain alone", argv({ "-t", "a", "-m", "x", "--will-retain" }));
    row("will wildcard", argv({ "-t", "a", "-m", "x", "--will-topic", "w/#" }));
    row("will qos", argv({ "-t", "a", "-m", "x", "--will-topic", "w", "--will-qos", "3" }));
    row("cert without key", argv({ "-t", "a", "-m", "x", "--cert", "c.pem" }));
    row("repeat zero", argv({ "-t", "a", "-m", "x", "--repeat", "0" }));
    row("repeat delay negative",
        argv({ "-t", "a", "-m", "x", "--repeat", "2", "--repeat-delay", "-1" }));
    row("id and prefix", argv({ "-t", "a", "-m", "x", "-i", "a", "-I", "b" }));
    row("clean session off without id", argv({ "-t", "a", "-m", "x", "-c" }));
    row("property bogus", argv({ "-t", "a", "-m", "x", "-D", "publish", "bogus", "1" }));
    row("property short", argv({ "-t", "a", "-m", "x", "-D", "publish" }));
    row("property command",
        argv({ "-t", "a", "-m", "x", "-D", "blah", "user-property", "a", "b" }));
    row("property not allowed",
        argv({ "-t", "a", "-m", "x", "-D", "connect", "content-type", "t" }));
    row("property not supported",
        argv({ "-t", "a", "-m", "x", "-D", "publish", "subscription-identifier", "3" }));
    row("property range",
        argv({ "-t", "a", "-m", "x", "-D", "connect", "receive-maximum", "70000" }));
    row("property duplicate",
        argv({ "-t", "a", "-m", "x", "-D", "publish", "content-type", "a", "-D", "publish",
            "content-type", "b" }));
    row("topic alias", argv({ "-t", "a", "-m", "x", "-D", "publish", "topic-alias", "3" }));
    row("expiry not a number", argv({ "-t", "a", "-m", "x", "-V", "5", "-x", "abc" }));
    row("expiry range", argv({ "-t", "a", "-m", "x", "-V", "5", "-x", "5000000000" }));
    row("infinite expiry without id", argv({ "-t", "a", "-m", "x", "-V", "5", "-x", "-1" }));
    row("missing file", argv({ "-t", "a", "-f", "/nonexistent/file" }));
    row("empty stdin", argv({ "-t", "a", "-s" }), "");
    row("password without user", argv({ "-t", "a", "-m", "x", "-P", "pw" }));
    row("url scheme", argv({ "-L", "http://127.0.0.1:{P}/t", "-m", "x" }));
    row("url without topic", argv({ "-L", "mqtt://127.0.0.1:{P}", "-m", "x" }));
    row("unreachable", argv({ "{CLOSED}", "-t", "a", "-m", "x" }));
    // Refused by the broker: the CONNACK code is the exit code.
    row("not authorised v311", argv({ "-t", "a", "-m", "x" }), {}, true, true);
    row("bad password v311", argv({ "-t", "a", "-m", "x", "-u", "alice", "-P", "wrong" }), {}, true,
        true);
    row("not authorised v5", argv({ "-t", "a", "-m", "x", "-V", "5" }), {}, true, true);
}

void TestCliCompat::publish()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, input);
    QFETCH(bool, compareStdout);
    QFETCH(bool, auth);
    for (QString &arg : args)
        arg.replace(QStringLiteral("{F}"), m_payloadFile);
    const bool closed = args.removeAll(QStringLiteral("{CLOSED}")) > 0;
    const auto portFor = [&](const Side &side) {
        return closed ? ClosedPort : auth ? m_authBroker->port() : side.broker->port();
    };
    const QList<ProcessResult> results = runConcurrently({
        { findProgram(QStringLiteral("mosquitto_pub")), portFor(m_sides[0]), args, input },
        { qpahoPub(), portFor(m_sides[1]), args, input },
    });
    const ProcessResult &mosquitto = results.at(0);
    const ProcessResult &qpaho = results.at(1);
    QCOMPARE(m_sides[1].observer->drain(), m_sides[0].observer->drain());
    QCOMPARE(normalized(qpaho.stdErr, "mosquitto_pub", "qpaho-pub"),
        normalized(mosquitto.stdErr, "mosquitto_pub", "qpaho-pub"));
    if (compareStdout)
        QCOMPARE(qpaho.stdOut, mosquitto.stdOut);
    else
        QVERIFY(qpaho.stdOut.startsWith("qpaho-pub is a simple mqtt client"));
    QCOMPARE(qpaho.exitCode, mosquitto.exitCode);
}

void TestCliCompat::subscribe_data()
{
    QTest::addColumn<QStringList>("args");
    const auto row = [](const char *name, const QStringList &args) { QTest::newRow(name) << args; };
    row("payloads", argv({ "-t", "r/#", "-C", "6" }));
    row("verbose", argv({ "-t", "r/#", "-C", "6", "-v" }));
    row("no eol", argv({ "-t", "r/#", "-C", "6", "-N" }));
    row("verbose no eol", argv({ "-t", "r/#", "-C", "6", "-v", "-N" }));
    row("qos", argv({ "-t", "r/#", "-C", "6", "-q", "2", "-F", "%t %q %r %m %l" }));
    row("format basics", argv({ "-t", "r/#", "-C", "6", "-F", "%t|%p|%q|%r|%l|%m|%x|%X|%%" }));
    row("format widths",
        argv({ "-t", "r/#", "-C", "6", "-F",
            "%10t|%-10t|%.2t|%05l|%-5l|%5l|%4x|%-8p|%12X|%-p|%03q" }));
    row("format escapes", argv({ "-t", "r/#", "-C", "6", "-F", "\\t%t\\\\\\e\\a\\v\\r@@" }));
    row("format empty", argv({ "-t", "r/#", "-C", "6", "-F", "" }));
    row("v5 properties",
        argv({ "-t", "r/#", "-C", "6", "-V", "5", "-F",
            "%t|%C|%D|%R|%F|%P|%A|%S|%E|%10C|%-4F|%03S" }));
    row("json escaped", argv({ "-t", "r/#", "-C", "6", "-F", "%j" }));
    row("json escaped v5 qos", argv({ "-t", "r/#", "-C", "6", "-F", "%j", "-V", "5", "-q", "1" }));
    row("json parsed", argv({ "-t", "r/#", "-C", "6", "-F", "%J" }));
    row("json pretty", argv({ "-t", "r/#", "-C", "6", "-F", "%J", "--pretty", "-V", "5" }));
    row("json pretty escaped", argv({ "-t", "r/#", "-C", "6", "-F", "%j", "--pretty" }));
    row("subscription identifier",
        argv({ "-t", "r/p", "-C", "1", "-V", "5", "-D", "subscribe", "subscription-identifier", "5",
            "-F", "%S|%3S|%j" }));
    row("overlapping v5", argv({ "-t", "r/a", "-t", "r/#", "-C", "7", "-V", "5", "-F", "%t %S" }));
    row("filter out", argv({ "-t", "r/#", "-C", "4", "-T", "r/b", "-T", "r/+/deep", "-v" }));
    row("several topics", argv({ "-t", "r/a", "-t", "r/j", "-C", "2", "-v" }));
    row("exit after suback", argv({ "-t", "nothing/here", "-E" }));
    row("unsubscribe", argv({ "-t", "nothing/here", "-U", "other/#", "-E" }));
    row("no retained v5", argv({ "-t", "r/#", "-R", "-W", "1", "-V", "5" }));
    row("timeout", argv({ "-t", "nothing/here", "-W", "1" }));
    row("url", argv({ "-L", "mqtt://127.0.0.1:{P}/r/a", "-C", "1", "-v" }));
    row("url plus topic", argv({ "-L", "mqtt://127.0.0.1:{P}/r/a", "-t", "r/j", "-C", "2", "-v" }));
    // Bad input
    row("no topic", argv({ "-C", "1" }));
    row("count zero", argv({ "-t", "r/#", "-C", "0" }));
    row("count negative", argv({ "-t", "r/#", "-C", "-1" }));
    row("count missing", argv({ "-t", "r/#", "-C" }));
    row("timeout zero", argv({ "-t", "r/#", "-W", "0" }));
    row("format incomplete", argv({ "-t", "r/#", "-F", "abc%" }));
    row("format incomplete width", argv({ "-t", "r/#", "-F", "%-05" }));
    row("format at end", argv({ "-t", "r/#", "-F", "abc@" }));
    row("format backslash end", argv({ "-t", "r/#", "-F", "abc\\" }));
    row("format bad escape", argv({ "-t", "r/#", "-F", "a\\q" }));
    row("format bad specifier", argv({ "-t", "r/#", "-F", "%z" }));
    row("bad filter", argv({ "-t", "a/#/b" }));
    row("bad filter out", argv({ "-t", "r/#", "-T", "a#" }));
    row("bad unsubscribe", argv({ "-t", "r/#", "-U", "a+/b" }));
    row("pub-only -m", argv({ "-t", "r/#", "-m", "x" }));
    row("pub-only -r", argv({ "-t", "r/#", "-r" }));
    row("pub-only --repeat", argv({ "-t", "r/#", "--repeat", "2" }));
    row("-R and retained-only", argv({ "-t", "r/#", "-R", "--retained-only" }));
    row("clean session off without id", argv({ "-t", "r/#", "-c" }));
    row("qos glued", argv({ "-t", "r/#", "-q2" }));
    row("unreachable", argv({ "-t", "r/#", "-p", "1" }));
}

void TestCliCompat::subscribe()
{
    QFETCH(QStringList, args);
    const quint16 port = m_subBroker->port();
    const QList<ProcessResult> results = runConcurrently({
        { findProgram(QStringLiteral("mosquitto_sub")), port, args },
        { qpahoSub(), port, args },
    });
    const ProcessResult &mosquitto = results.at(0);
    const ProcessResult &qpaho = results.at(1);
    QCOMPARE(normalized(qpaho.stdOut, "mosquitto_sub", "qpaho-sub"),
        normalized(mosquitto.stdOut, "mosquitto_sub", "qpaho-sub"));
    QCOMPARE(normalized(qpaho.stdErr, "mosquitto_sub", "qpaho-sub"),
        normalized(mosquitto.stdErr, "mosquitto_sub", "qpaho-sub"));
    QCOMPARE(qpaho.exitCode, mosquitto.exitCode);
}

QTEST_GUILESS_MAIN(TestCliCompat)
#include "tst_cli_compat.moc"
