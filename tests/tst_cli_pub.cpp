// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-pub beyond the compatibility table: bulk -l at QoS 1, --progress, TLS, MQTT 5
// properties on the wire, and the flags paho cannot honour.
#include "common/clitools.h"

#include <QTest>

using namespace QPahoTest;

class TestCliPub : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hundredThousandLinesArriveInOrder();
    void progressOnlyOnATerminal();
    void progressOnATerminal();
    void tls();
    void tlsRefusesAnUnknownCa();
    void mutualTls();
    void propertiesReachTheSubscriber();
    void unsupportedFlagsAreRejectedByName_data();
    void unsupportedFlagsAreRejectedByName();
    void helpAndVersion();
};

void TestCliPub::hundredThousandLinesArriveInOrder()
{
    // The receiver is a persistent session the broker queues for (unbounded): subscribe and
    // leave, publish, then collect. Nothing else competes with qpaho-pub meanwhile.
    // No persistence: the fixture saves the database on every change, 100,000 times here.
    Mosquitto broker({ .extraConfig = "max_queued_messages 0\n", .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString mosquittoSub = findProgram(QStringLiteral("mosquitto_sub"));
    const QStringList session
        = argv({ "-t", "bulk/lines", "-q", "1", "-c", "-i", "bulk-receiver" });
    QCOMPARE(runTool(mosquittoSub, broker.port(), session + argv({ "-E" })).exitCode, 0);

    QByteArray input;
    for (int i = 0; i < 100000; ++i)
        input += "line " + QByteArray::number(i) + '\n';
    const ProcessResult r = runTool(
        qpahoPub(), broker.port(), argv({ "-t", "bulk/lines", "-l", "-q", "1" }), input, 240000);
    QCOMPARE(r.stdErr, QByteArray());
    QCOMPARE(r.exitCode, 0);

    const ProcessResult received
        = runTool(mosquittoSub, broker.port(), session + argv({ "-C", "100000" }), {}, 120000);
    QCOMPARE(received.exitCode, 0);
    QCOMPARE(received.stdOut.count('\n'), 100000);
    QVERIFY(received.stdOut == input); // complete and in order (QCOMPARE would print 1 MB)
}

void TestCliPub::progressOnlyOnATerminal()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const ProcessResult repeat = runTool(
        qpahoPub(), broker.port(), argv({ "-t", "p", "-m", "x", "--repeat", "50", "--progress" }));
    QCOMPARE(repeat.exitCode, 0);
    QCOMPARE(repeat.stdErr, QByteArray()); // stderr is a pipe here
    const ProcessResult lines
        = runTool(qpahoPub(), broker.port(), argv({ "-t", "p", "-l", "--progress" }), "a\nb\n");
    QCOMPARE(lines.exitCode, 0);
    QCOMPARE(lines.stdErr, QByteArray());
}

void TestCliPub::progressOnATerminal()
{
    // script(1) runs the tool with stdout and stderr on a pseudo terminal.
    const QString script = findProgram(QStringLiteral("script"));
    QVERIFY2(!script.isEmpty(), "script (util-linux) is needed for a pseudo terminal");
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    const QString command = QStringLiteral("%1 -h 127.0.0.1 -p %2 -t p -m x --repeat 40 "
                                           "--progress")
                                .arg(qpahoPub())
                                .arg(broker.port());
    const ProcessResult r = runProcess(
        script, { QStringLiteral("-qefc"), command, QStringLiteral("/dev/null") }, 20000);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.stdOut.contains("40 messages sent, "), r.stdOut.constData());
    QVERIFY(r.stdOut.contains(" msg/s"));
}

void TestCliPub::tls()
{
    Mosquitto broker({ .tls = true });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Observer observer(broker.port());
    QVERIFY2(observer.start(), qPrintable(observer.error()));
    const QStringList tlsArgs { QStringLiteral("-p"), QString::number(broker.tlsPort()),
        QStringLiteral("--cafile"), Mosquitto::certPath(QStringLiteral("ca.crt")) };
    const ProcessResult r = runProcess(qpahoPub(),
        argv({ "-h", "localhost", "-t", "tls/t", "-m", "secret", "-q", "1" }) + tlsArgs);
    QCOMPARE(r.stdErr, QByteArray());
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(observer.drain(), QStringList { QStringLiteral("tls/t|1|0|736563726574") });

    // A certificate for another host name: refused, unless --insecure.
    const QStringList wrongHost { QStringLiteral("-p"), QString::number(broker.wrongHostTlsPort()),
        QStringLiteral("--cafile"), Mosquitto::certPath(QStringLiteral("ca.crt")) };
    Mosquitto wrong({ .tls = true, .tlsWrongHost = true });
    QVERIFY2(wrong.start(), qPrintable(wrong.lastError()));
    const QStringList wrongArgs { QStringLiteral("-p"), QString::number(wrong.wrongHostTlsPort()),
        QStringLiteral("--cafile"), Mosquitto::certPath(QStringLiteral("ca.crt")) };
    const ProcessResult refused
        = runProcess(qpahoPub(), argv({ "-h", "127.0.0.1", "-t", "t", "-m", "m" }) + wrongArgs);
    QCOMPARE(refused.exitCode, 1);
    QVERIFY(refused.stdErr.startsWith("Error: "));
    const ProcessResult insecure = runProcess(
        qpahoPub(), argv({ "-h", "127.0.0.1", "-t", "t", "-m", "m", "--insecure" }) + wrongArgs);
    QCOMPARE(insecure.stdErr, QByteArray());
    QCOMPARE(insecure.exitCode, 0);
}

void TestCliPub::tlsRefusesAnUnknownCa()
{
    Mosquitto broker({ .tls = true });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Observer observer(broker.port());
    QVERIFY2(observer.start(), qPrintable(observer.error()));
    const ProcessResult r = runProcess(qpahoPub(),
        { QStringLiteral("-h"), QStringLiteral("localhost"), QStringLiteral("-p"),
            QString::number(broker.tlsPort()), QStringLiteral("--cafile"),
            Mosquitto::certPath(QStringLiteral("rogue-ca.crt")), QStringLiteral("-t"),
            QStringLiteral("t"), QStringLiteral("-m"), QStringLiteral("m") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.stdErr.startsWith("Error: "));
    QCOMPARE(observer.drain(), QStringList());

    const ProcessResult missing = runProcess(qpahoPub(),
        { QStringLiteral("-p"), QString::number(broker.tlsPort()), QStringLiteral("--cafile"),
            QStringLiteral("/nonexistent/ca.crt"), QStringLiteral("-t"), QStringLiteral("t"),
            QStringLiteral("-m"), QStringLiteral("m") });
    QCOMPARE(missing.exitCode, 1);
    QCOMPARE(missing.stdErr, QByteArray("Error: Problem setting TLS options: File not found.\n"));
}

void TestCliPub::mutualTls()
{
    Mosquitto broker({ .mutualTls = true });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Observer observer(broker.port());
    QVERIFY2(observer.start(), qPrintable(observer.error()));
    const ProcessResult r = runProcess(qpahoPub(),
        { QStringLiteral("-h"), QStringLiteral("localhost"), QStringLiteral("-p"),
            QString::number(broker.mtlsPort()), QStringLiteral("--cafile"),
            Mosquitto::certPath(QStringLiteral("ca.crt")), QStringLiteral("--cert"),
            Mosquitto::certPath(QStringLiteral("client.crt")), QStringLiteral("--key"),
            Mosquitto::certPath(QStringLiteral("client.key")), QStringLiteral("-t"),
            QStringLiteral("m/t"), QStringLiteral("-m"), QStringLiteral("A") });
    QCOMPARE(r.stdErr, QByteArray());
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(observer.drain(), QStringList { QStringLiteral("m/t|0|0|41") });
}

void TestCliPub::propertiesReachTheSubscriber()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    MosquittoSub sub(broker.port(), QStringLiteral("props/t"),
        { .count = 1, .v5 = true, .extraArgs = argv({ "-F", "%P|%C|%R|%D|%F|%E" }) });
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    const ProcessResult r = runTool(qpahoPub(), broker.port(),
        argv({ "-t", "props/t", "-m", "m", "-D", "publish", "user-property", "k", "v", "-D",
            "publish", "user-property", "k", "w", "-D", "publish", "content-type", "text/x", "-D",
            "publish", "response-topic", "re/sp", "-D", "publish", "correlation-data", "c1", "-D",
            "publish", "payload-format-indicator", "1", "-D", "publish", "message-expiry-interval",
            "600" }));
    QCOMPARE(r.stdErr, QByteArray());
    QCOMPARE(r.exitCode, 0);
    QVERIFY(sub.waitForFinished(5000));
    QCOMPARE(sub.lines().size(), 1);
    // The broker forwards the remaining expiry (600, or 599 if a second has just ticked).
    QVERIFY2(sub.lines().constFirst().startsWith(QStringLiteral("k:v k:w|text/x|re/sp|c1|1|")),
        qPrintable(sub.lines().constFirst()));
}

void TestCliPub::unsupportedFlagsAreRejectedByName_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("error");
    QTest::newRow("-A") << argv({ "-A", "127.0.0.1" }) << QByteArray("Error: -A is not supported");
    QTest::newRow("--proxy") << argv({ "--proxy", "socks5h://h" })
                             << QByteArray("Error: --proxy is not supported");
    QTest::newRow("--unix") << argv({ "--unix", "/tmp/s" })
                            << QByteArray("Error: --unix is not supported");
    QTest::newRow("--psk") << argv({ "--psk", "00" })
                           << QByteArray("Error: --psk is not supported");
    QTest::newRow("--psk-identity")
        << argv({ "--psk-identity", "me" }) << QByteArray("Error: --psk-identity is not supported");
    QTest::newRow("--tls-engine") << argv({ "--tls-engine", "e" })
                                  << QByteArray("Error: --tls-engine is not supported");
    QTest::newRow("mqttv31") << argv({ "-V", "mqttv31" })
                             << QByteArray("Error: MQTT v3.1 (-V mqttv31) is not supported");
    QTest::newRow("31") << argv({ "-V", "31" })
                        << QByteArray("Error: MQTT v3.1 (-V mqttv31) is not supported");
}

void TestCliPub::unsupportedFlagsAreRejectedByName()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, error);
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Observer observer(broker.port());
    QVERIFY2(observer.start(), qPrintable(observer.error()));
    const ProcessResult r
        = runTool(qpahoPub(), broker.port(), argv({ "-t", "t", "-m", "m" }) + args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.stdErr.startsWith(error), r.stdErr.constData());
    QVERIFY(r.stdErr.endsWith("\nUse 'qpaho-pub --help' to see usage.\n"));
    QCOMPARE(observer.drain(), QStringList()); // nothing published
}

void TestCliPub::helpAndVersion()
{
    const ProcessResult help = runProcess(qpahoPub(), { QStringLiteral("--help") });
    QCOMPARE(help.exitCode, 1); // as mosquitto_pub --help
    QVERIFY(help.stdOut.startsWith("qpaho-pub is a simple mqtt client"));
    QVERIFY(help.stdOut.contains(" --progress : "));
    const ProcessResult version = runProcess(qpahoPub(), { QStringLiteral("--version") });
    QCOMPARE(version.exitCode, 1);
    QVERIFY(version.stdOut.startsWith("qpaho-pub version "));
}

QTEST_GUILESS_MAIN(TestCliPub)
#include "tst_cli_pub.moc"
