// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Client::request(): MQTT 5 request/response over response topic + correlation data.
#include "common/qpahotest.h"

using namespace QPahoTest;

class TstRequest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError())); }
    void answeredRequests();
    void timeout();
    void needsMqtt5AndConnection();
    void destroyedWhileWaiting();

private:
    static QPaho::ConnectOptions v5(const QString &uri) { return QPaho::ConnectOptions::v5(uri); }
    Mosquitto m_broker;
};

void TstRequest::answeredRequests()
{
    const QString service = uniqueId(QStringLiteral("svc")) + QStringLiteral("/double");
    QPaho::Client responder;
    QPaho::Client requester;
    auto c1 = responder.connectToHost(v5(m_broker.tcpUri()));
    auto c2 = requester.connectToHost(v5(m_broker.tcpUri()));
    QPAHO_VERIFY_OK(await(c1));
    QPAHO_VERIFY_OK(await(c2));
    // The responder answers each request on its response topic with its correlation data,
    // in reverse order of arrival, so matching by correlation (not order) is exercised.
    QList<QPaho::Message> received;
    responder.addMessageHandler(service, &responder, [&](const QPaho::Message &m) {
        received.append(m);
        if (received.size() < 3)
            return;
        for (auto it = received.crbegin(); it != received.crend(); ++it) {
            QPaho::Message reply(
                *it->properties().responseTopic(), it->payload() + it->payload(), 1);
            QPaho::Properties props;
            props.setCorrelationData(*it->properties().correlationData());
            reply.setProperties(props);
            responder.publish(reply);
        }
    });
    QPAHO_VERIFY_OK(await(responder.subscribe(service, 1)));

    auto a = requester.request(service, "a");
    auto b = requester.request(service, "b");
    auto c = requester.request(service, "c");
    const QPaho::Message ra = await(a);
    const QPaho::Message rb = await(b);
    const QPaho::Message rc = await(c);
    QVERIFY2(ra.isValid(), qPrintable(ra.properties().reasonString().value_or(QString())));
    QCOMPARE(ra.payload(), QByteArray("aa"));
    QCOMPARE(rb.payload(), QByteArray("bb"));
    QCOMPARE(rc.payload(), QByteArray("cc"));
    // Every request carried a response topic and distinct correlation data.
    QCOMPARE(received.size(), 3);
    QVERIFY(received[0].properties().responseTopic().has_value());
    QVERIFY(
        received[0].properties().correlationData() != received[1].properties().correlationData());
}

void TstRequest::timeout()
{
    const QString service = uniqueId(QStringLiteral("silent")) + QStringLiteral("/svc");
    QPaho::Client requester;
    QPAHO_VERIFY_OK(await(requester.connectToHost(v5(m_broker.tcpUri()))));
    QElapsedTimer timer;
    timer.start();
    const QPaho::Message reply = await(requester.request(service, "hello", 1, 500));
    QVERIFY(!reply.isValid());
    QVERIFY(reply.properties().reasonString().value_or(QString()).contains(
        QStringLiteral("no response")));
    QVERIFY(timer.elapsed() >= 450);
}

void TstRequest::needsMqtt5AndConnection()
{
    QPaho::Client offline;
    auto notConnected = offline.request(QStringLiteral("a/b"), "x");
    QVERIFY(notConnected.isFinished());
    QVERIFY(!notConnected.result().isValid());

    QPaho::Client v3;
    QPAHO_VERIFY_OK(await(v3.connectToHost(m_broker.tcpUri())));
    auto onV3 = v3.request(QStringLiteral("a/b"), "x");
    QVERIFY(onV3.isFinished());
    QVERIFY(onV3.result().properties().reasonString().value_or(QString()).contains(
        QStringLiteral("MQTT 5")));

    QPaho::Client v5client;
    QPAHO_VERIFY_OK(await(v5client.connectToHost(v5(m_broker.tcpUri()))));
    auto badTopic = v5client.request(QStringLiteral("a/+"), "x");
    QVERIFY(badTopic.isFinished());
    QVERIFY(!badTopic.result().isValid());
}

void TstRequest::destroyedWhileWaiting()
{
    auto *requester = new QPaho::Client;
    QPAHO_VERIFY_OK(await(requester->connectToHost(v5(m_broker.tcpUri()))));
    auto pending = requester->request(uniqueId(QStringLiteral("gone")) + QStringLiteral("/x"), "x");
    QVERIFY(!pending.isFinished());
    delete requester;
    QVERIFY(pending.isFinished());
    QVERIFY(!pending.isCanceled());
    QVERIFY(!pending.result().isValid());
}

QTEST_GUILESS_MAIN(TstRequest)
#include "tst_request.moc"
