// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// QPaho against peers we did not write: mosquitto_pub publishes to a QPaho subscriber, and
// mosquitto_sub receives what QPaho publishes (live and retained), over MQTT 3.1.1 and MQTT 5.
#include "common/brokerfixture.h"
#include "common/clientoptions.h"
#include "common/inbox.h"
#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtTest/QTest>

using namespace QPaho;
using namespace Qt::StringLiterals;
using QPahoTest::await;
using QPahoTest::Inbox;

namespace {

constexpr int Timeout = 10000;

// Text with spaces, a tab, quotes, backslashes, shell and format characters and multi-byte
// UTF-8 (2, 3 and 4 bytes), but no newline (mosquitto_sub prints one message per line).
const QString TextPayload = u"QPaho \u2192 peer: tab\there, \"quotes\" 'single' \\back\\slash "
                            u"$HOME %s %p & | ; * ? < > ~ \u00fc\u20ac\U0001D11E end"_s;

} // namespace

class TstInterop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void fromMosquittoPub_data();
    void fromMosquittoPub();
    void retainedFromMosquittoPub();
    void toMosquittoSub_data();
    void toMosquittoSub();
    void retainedToMosquittoSub_data() { QPahoTest::addVersionRows(); }
    void retainedToMosquittoSub();

private:
    ConnectResult connectClient(Client &client, ProtocolVersion version);
    QString port() const { return QString::number(m_broker.port()); }

    QPahoTest::Mosquitto m_broker;
};

void TstInterop::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    const QPahoTest::ProcessResult version
        = QPahoTest::runProcess(u"mosquitto_pub"_s, { u"--help"_s }, Timeout);
    QVERIFY2(version.stdOut.contains("mosquitto_pub"),
        "mosquitto_pub is missing (install mosquitto-clients)");
}

ConnectResult TstInterop::connectClient(Client &client, ProtocolVersion version)
{
    return await(
        client.connectToHost(QPahoTest::optionsFor(version, m_broker.tcpUri(), u"qpaho"_s)),
        Timeout);
}

void TstInterop::fromMosquittoPub_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("qos");
    for (int qos = 0; qos <= 2; ++qos) {
        QTest::addRow("v3.1.1 qos%d", qos) << ProtocolVersion::Mqtt311 << qos;
        QTest::addRow("v5 qos%d", qos) << ProtocolVersion::Mqtt5 << qos;
    }
}

void TstInterop::fromMosquittoPub()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(int, qos);
    const bool v5 = version == ProtocolVersion::Mqtt5;
    const QString topic = QPahoTest::uniqueId(u"from"_s) + u"/mosquitto_pub"_s;

    Client subscriber;
    Inbox inbox(subscriber);
    QPAHO_VERIFY_OK(connectClient(subscriber, version));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 2), Timeout));

    QStringList args { u"-t"_s, topic, u"-m"_s, TextPayload, u"-q"_s, QString::number(qos) };
    if (v5) {
        args << u"-V"_s << u"mqttv5"_s << u"-D"_s << u"publish"_s << u"user-property"_s << u"k"_s
             << u"v"_s << u"-D"_s << u"publish"_s << u"user-property"_s << u"k"_s
             << u"second value"_s << u"-D"_s << u"publish"_s << u"content-type"_s
             << u"text/plain"_s;
    }
    const QPahoTest::ProcessResult pub
        = QPahoTest::mosquittoPub(m_broker.port(), args, {}, Timeout);
    QVERIFY2(pub.exitCode == 0, pub.stdErr.constData());

    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    const Message m = inbox.messages.constFirst();
    QCOMPARE(m.topic(), topic);
    QCOMPARE(m.payload(), TextPayload.toUtf8());
    QCOMPARE(m.qos(), qos);
    QVERIFY(!m.isRetained());
    if (v5) {
        const Properties::UserProperties expected { { u"k"_s, u"v"_s },
            { u"k"_s, u"second value"_s } };
        QCOMPARE(m.properties().userProperties(), expected);
        QCOMPARE(m.properties().contentType(), std::optional<QString>(u"text/plain"_s));
    } else {
        QVERIFY(m.properties().isEmpty());
    }
}

void TstInterop::retainedFromMosquittoPub()
{
    const QString topic = QPahoTest::uniqueId(u"from"_s) + u"/retained"_s;
    const QStringList base { u"-t"_s, topic, u"-q"_s, u"1"_s, u"-r"_s };
    QPahoTest::ProcessResult pub
        = QPahoTest::mosquittoPub(m_broker.port(), base + QStringList { u"-m"_s, TextPayload });
    QVERIFY2(pub.exitCode == 0, pub.stdErr.constData());

    Client subscriber;
    Inbox inbox(subscriber);
    QPAHO_VERIFY_OK(connectClient(subscriber, ProtocolVersion::Mqtt311));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1), Timeout));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, Timeout);
    QCOMPARE(inbox.messages.constFirst().payload(), TextPayload.toUtf8());
    QVERIFY(inbox.messages.constFirst().isRetained());

    // Cleared by mosquitto_pub -n -r: the live subscriber gets the empty message.
    pub = QPahoTest::mosquittoPub(m_broker.port(), base + QStringList { u"-n"_s });
    QVERIFY2(pub.exitCode == 0, pub.stdErr.constData());
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 2, Timeout);
    QVERIFY(inbox.messages.at(1).payload().isEmpty());
}

void TstInterop::toMosquittoSub_data()
{
    fromMosquittoPub_data();
}

void TstInterop::toMosquittoSub()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(int, qos);
    const QString topic = QPahoTest::uniqueId(u"to"_s) + u"/mosquitto_sub"_s;

    QPahoTest::MosquittoSubOptions options;
    options.qos = 2;
    options.v5 = version == ProtocolVersion::Mqtt5;
    QPahoTest::MosquittoSub peer(m_broker.port(), topic, options);
    QVERIFY2(peer.start(Timeout), qPrintable(peer.error()));
    QVERIFY(peer.waitForSubscribed(Timeout));
    QCOMPARE(peer.grantedQos(), QList<int> { 2 });

    Client publisher;
    QPAHO_VERIFY_OK(connectClient(publisher, version));
    const QStringList payloads { TextPayload, u"second"_s, u"3"_s };
    for (const QString &payload : payloads)
        QPAHO_VERIFY_OK(await(publisher.publish(topic, payload.toUtf8(), qos), Timeout));

    QVERIFY2(peer.waitForLines(3, Timeout), qPrintable(peer.lines().join(u'\n')));
    QCOMPARE(peer.payloads(), payloads);
    QCOMPARE(peer.lines().constFirst(), topic + u' ' + TextPayload);
    QCOMPARE(peer.lines().size(), 3);
}

void TstInterop::retainedToMosquittoSub()
{
    QFETCH(ProtocolVersion, version);
    const QString prefix = QPahoTest::uniqueId(u"ret"_s);
    const QString topic = prefix + u"/state"_s;

    Client publisher;
    QPAHO_VERIFY_OK(connectClient(publisher, version));
    QPAHO_VERIFY_OK(await(publisher.publish(topic, TextPayload.toUtf8(), 1, true), Timeout));

    // A fresh mosquitto_sub gets it as a retained message (%r is the retain flag). Plain -C 1:
    // -R would suppress exactly the stale retained messages we want here.
    const QPahoTest::ProcessResult sub = QPahoTest::runProcess(u"mosquitto_sub"_s,
        { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, port(), u"-t"_s, topic, u"-q"_s, u"1"_s, u"-C"_s,
            u"1"_s, u"-W"_s, u"8"_s, u"-F"_s, u"%r|%q|%t|%p"_s },
        Timeout);
    QVERIFY2(sub.exitCode == 0, sub.stdErr.constData());
    QCOMPARE(QString::fromUtf8(sub.stdOut), u"1|1|"_s + topic + u'|' + TextPayload + u'\n');

    // QPaho clears it with an empty retained payload: a new mosquitto_sub gets no retained
    // message, only the sentinel published after its SUBACK.
    QPAHO_VERIFY_OK(await(publisher.publish(topic, QByteArray(), 1, true), Timeout));
    const QString sentinel = prefix + u"/sentinel"_s;
    QPahoTest::MosquittoSubOptions options;
    options.qos = 1;
    QPahoTest::MosquittoSub peer(m_broker.port(), QStringList { topic, sentinel }, options);
    QVERIFY2(peer.start(Timeout), qPrintable(peer.error()));
    QPAHO_VERIFY_OK(await(publisher.publish(sentinel, "sentinel", 1), Timeout));
    QVERIFY2(peer.waitForLines(1, Timeout), peer.debugOutput().constData());
    QCOMPARE(peer.lines(), QStringList { sentinel + u" sentinel"_s });
}

QTEST_GUILESS_MAIN(TstInterop)
#include "tst_interop.moc"
