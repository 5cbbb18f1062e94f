// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Large payloads through QPaho's outbound byte budget: correctness, not speed.
#include "common/qpahotest.h"

#include <QtCore/QCryptographicHash>
#include <QtTest/QSignalSpy>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <cstring>

using namespace QPahoTest;

class TstLargePayload : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void burstArrivesInOrder_data();
    void burstArrivesInOrder();
    void burstSurvivesStalledBroker();
    void budgetBoundsWhatPahoHolds();
    void publishBehindPartialWriteIsNotStalled();
    void allocatorTunedForLargePayloads();

private:
    static QByteArray payloadFor(int index, int size);
    Mosquitto m_broker;
};

QByteArray TstLargePayload::payloadFor(int index, int size)
{
    // Distinct, position-dependent content: a swapped or truncated payload cannot pass.
    QByteArray payload(size, Qt::Uninitialized);
    quint32 x = 2654435761u * quint32(index + 1);
    for (int i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload[i] = char(x);
    }
    return payload;
}

void TstLargePayload::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstLargePayload::burstArrivesInOrder_data()
{
    QTest::addColumn<int>("qos");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("size");
    QTest::newRow("500 x 256 KiB qos0") << 0 << 500 << 256 * 1024;
    QTest::newRow("500 x 256 KiB qos1") << 1 << 500 << 256 * 1024;
    QTest::newRow("200 x 64 KiB qos2") << 2 << 200 << 64 * 1024;
}

void TstLargePayload::burstArrivesInOrder()
{
    QFETCH(int, qos);
    QFETCH(int, count);
    QFETCH(int, size);
    const QString topic = uniqueId(QStringLiteral("large")) + QStringLiteral("/t");

    QPaho::Client subscriber;
    QList<QByteArray> digests;
    subscriber.addMessageHandler(topic, &subscriber, [&digests](const QPaho::Message &m) {
        digests.append(QCryptographicHash::hash(m.payload(), QCryptographicHash::Sha1));
    });
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, qos)));

    QPaho::Client publisher;
    QPAHO_VERIFY_OK(await(publisher.connectToHost(m_broker.tcpUri())));
    QList<QFuture<QPaho::PublishResult>> futures;
    QList<QByteArray> expected;
    for (int i = 0; i < count; ++i) {
        const QByteArray payload = payloadFor(i, size);
        expected.append(QCryptographicHash::hash(payload, QCryptographicHash::Sha1));
        futures.append(publisher.publish(topic, payload, qos));
    }
    // QPaho held most of them itself: paho never got more than the budget at once.
    QVERIFY(publisher.queued() > 0);

    QTRY_COMPARE_WITH_TIMEOUT(digests.size(), count, 60000);
    QCOMPARE(digests, expected); // all of them, in order, intact
    for (const auto &f : futures) {
        QVERIFY(waitForFuture(f));
        QPAHO_VERIFY_OK(resultOf(f));
    }
    QCOMPARE(publisher.queued(), 0);
    QCOMPARE(publisher.inFlight(), 0);
}

void TstLargePayload::burstSurvivesStalledBroker()
{
    const int count = 500;
    const int size = 256 * 1024;
    const int queueBound = 600;
    const QString topic = uniqueId(QStringLiteral("stall")) + QStringLiteral("/t");

    QPaho::Client subscriber;
    int received = 0;
    bool inOrder = true;
    subscriber.addMessageHandler(topic, &subscriber, [&](const QPaho::Message &m) {
        inOrder = inOrder && m.payload() == payloadFor(received, size);
        ++received;
    });
    QPaho::ConnectOptions subOptions(m_broker.tcpUri());
    subOptions.setKeepAliveInterval(60); // the stall must not look like a dead broker
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(subOptions)));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1)));

    QPaho::Client publisher;
    QPaho::ConnectOptions options(m_broker.tcpUri());
    options.setKeepAliveInterval(60);
    options.setMaxQueuedRequests(queueBound);
    QPAHO_VERIFY_OK(await(publisher.connectToHost(options)));

    QList<QFuture<QPaho::PublishResult>> futures;
    int maxQueued = 0;
    for (int i = 0; i < count; ++i) {
        futures.append(publisher.publish(topic, payloadFor(i, size), 1));
        maxQueued = std::max(maxQueued, publisher.queued());
        if (i == count / 4) {
            // Stall the broker mid-way: connections stay open, nothing is answered.
            QTRY_VERIFY_WITH_TIMEOUT(received > 0, 30000);
            m_broker.pause();
        }
    }
    // Nothing completes while the broker is stopped; what the client holds stays bounded.
    QVERIFY(maxQueued <= queueBound);
    QVERIFY(publisher.inFlight() <= options.maxOutstandingRequests());
    const int receivedWhileStalled = received;
    QVERIFY(receivedWhileStalled < count);
    m_broker.resume();

    QTRY_COMPARE_WITH_TIMEOUT(received, count, 90000);
    QVERIFY(inOrder);
    for (const auto &f : futures) {
        QVERIFY(waitForFuture(f));
        QPAHO_VERIFY_OK(resultOf(f));
    }
}

void TstLargePayload::budgetBoundsWhatPahoHolds()
{
    const QString topic = uniqueId(QStringLiteral("budget")) + QStringLiteral("/t");
    QPaho::Client publisher;
    QPaho::ConnectOptions options(m_broker.tcpUri());
    options.setMaxOutstandingBytes(128 * 1024);
    options.setMaxOutstandingRequests(100);
    QPAHO_VERIFY_OK(await(publisher.connectToHost(options)));

    QList<QFuture<QPaho::PublishResult>> futures;
    int maxInFlight = 0;
    QObject::connect(&publisher, &QPaho::Client::statisticsChanged, &publisher,
        [&] { maxInFlight = std::max(maxInFlight, publisher.inFlight()); });
    // Issues count publishes back to back, recording the most handed to paho at once.
    const auto issue = [&](int count, int size, int qos) {
        futures.clear();
        maxInFlight = 0;
        for (int i = 0; i < count; ++i) {
            futures.append(publisher.publish(topic, payloadFor(i, size), qos));
            maxInFlight = std::max(maxInFlight, publisher.inFlight());
        }
    };
    issue(50, 64 * 1024, 0);
    // QoS 0, 64 KiB each within a 128 KiB budget: at most two handed to paho at a time.
    QVERIFY2(maxInFlight <= 2, qPrintable(QString::number(maxInFlight)));
    for (const auto &f : futures)
        QPAHO_VERIFY_OK(await(f, 30000));
    QVERIFY(maxInFlight <= 2);

    // QoS 1 may use twice the budget (written bytes only wait for their PUBACK): four.
    issue(50, 64 * 1024, 1);
    QCOMPARE(maxInFlight, 4);
    for (const auto &f : futures)
        QPAHO_VERIFY_OK(await(f, 30000));
    QVERIFY2(maxInFlight <= 4, qPrintable(QString::number(maxInFlight)));

    // Small QoS 1 messages: paho's in-flight window (maxInflight) bounds what it holds, so
    // nothing waits in paho's own queue.
    issue(1000, 16, 1);
    QCOMPARE(maxInFlight, options.maxInflight());
    for (const auto &f : futures)
        QPAHO_VERIFY_OK(await(f, 30000));

    // Small QoS 0 messages: the count budget applies.
    issue(1000, 16, 0);
    QCOMPARE(maxInFlight, options.maxOutstandingRequests());
    for (const auto &f : futures)
        QPAHO_VERIFY_OK(await(f, 30000));
}

void TstLargePayload::publishBehindPartialWriteIsNotStalled()
{
    // paho's send thread is not woken when its receive thread completes a partial write, so
    // a publish handed to paho behind a large one waits for the send thread's 1 s timed wait
    // (tst_pahowaker shows it with raw paho: ~930 ms). QPaho's stall watchdog kicks the send
    // thread when nothing came back from paho for 5 ms (backing off to 80 ms while nothing
    // changes): the small publish completes within about two intervals of the large one.
    const QString topic = uniqueId(QStringLiteral("behind")) + QStringLiteral("/t");
    QPaho::Client publisher;
    QPaho::ConnectOptions options(m_broker.tcpUri());
    options.setKeepAliveInterval(60);
    options.setMaxOutstandingBytes(64 * 1024 * 1024); // both go to paho at once
    QPAHO_VERIFY_OK(await(publisher.connectToHost(options)));

    const QByteArray big(16 * 1024 * 1024, 'p'); // more than both socket buffers hold
    QList<qint64> waitsMs;
    for (int round = 0; round < 3; ++round) {
        m_broker.pause(); // the large write stops part-way
        const auto large = publisher.publish(topic, big, 0);
        const auto small = publisher.publish(topic, QByteArrayLiteral("small"), 0);
        QCOMPARE(publisher.inFlight(), 2);
        m_broker.resume();
        QPAHO_VERIFY_OK(await(large, 30000));
        QElapsedTimer sinceLarge;
        sinceLarge.start();
        QPAHO_VERIFY_OK(await(small, 30000));
        waitsMs.append(sinceLarge.elapsed());
    }
    QByteArray text;
    for (const qint64 ms : waitsMs)
        text += (text.isEmpty() ? "" : ", ") + QByteArray::number(ms);
    qInfo("small publish after the large one: %s ms", text.constData());
    QVERIFY2(*std::max_element(waitsMs.cbegin(), waitsMs.cend()) < 500, text.constData());
}

void TstLargePayload::allocatorTunedForLargePayloads()
{
    // Process-wide and irreversible, so opt-in: a large payload leaves glibc's settings alone
    // by default. After Client::setAllocatorTuningEnabled(true), the next payload of 32 KiB or
    // more makes QPaho set glibc's mmap threshold to 32 MiB and its trim threshold to 8 MiB.
    if (qEnvironmentVariableIsSet("QPAHO_MALLOC_TUNING")
        || qEnvironmentVariableIsSet("GLIBC_TUNABLES"))
        QSKIP("the environment decides about malloc tuning");
    QPaho::Client publisher;
    QPAHO_VERIFY_OK(await(publisher.connectToHost(QPaho::ConnectOptions(m_broker.tcpUri()))));
    const QString topic = uniqueId(QStringLiteral("alloc")) + QStringLiteral("/t");
    QVERIFY(!QPaho::Client::isAllocatorTuningEnabled());
    QPAHO_VERIFY_OK(await(publisher.publish(topic, payloadFor(0, 64 * 1024), 0)));
    QVERIFY(!QPaho::Client::isAllocatorTuned());

    QPaho::Client::setAllocatorTuningEnabled(true);
    QVERIFY(QPaho::Client::isAllocatorTuningEnabled());
    QPAHO_VERIFY_OK(await(publisher.publish(topic, payloadFor(1, 64 * 1024), 0)));
#if !defined(__GLIBC__)
    QSKIP("allocator tuning is glibc-only");
#elif defined(__SANITIZE_ADDRESS__)
    QSKIP("AddressSanitizer replaces malloc (its mallopt() changes nothing)");
#else
    QVERIFY(QPaho::Client::isAllocatorTuned());

    // What it changes: a 1 MiB block comes from a heap (glibc's default would mmap it), and
    // freeing it does not hand the memory back to the kernel.
    constexpr std::size_t size = 1024 * 1024;
    const struct mallinfo2 before = mallinfo2();
    void *block = std::malloc(size);
    QVERIFY(block);
    std::memset(block, 1, size);
    const struct mallinfo2 during = mallinfo2();
    QCOMPARE(during.hblkhd, before.hblkhd);
    std::free(block);
    const struct mallinfo2 after = mallinfo2();
    QCOMPARE(after.arena, during.arena);
#endif
}

QTEST_GUILESS_MAIN(TstLargePayload)
#include "tst_largepayload.moc"
