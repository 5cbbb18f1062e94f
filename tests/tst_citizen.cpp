// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A good citizen in the host process (issue 12): paho work that blocks never runs on the
// owner thread (the HandleReaper destroys handles on a thread of its own that exists only
// while there is work), misuse from a foreign thread is loud and harmless, failures that are
// no request's own result reach errorOccurred(), and an idle client schedules nothing.
// Behaviour only; the call times are in the benchmark (bench/, scenario "calls").
#include "common/inbox.h"
#include "common/qpahotest.h"
#include "common/reaperhold.h"
#include "common/threadnames.h"

#include "paho/handlereaper_p.h"

#include <QPaho/QPaho>

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QLoggingCategory>
#include <QtCore/QMutex>
#include <QtCore/QRegularExpression>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace QPahoTest;
using QPaho::Client;
using QPaho::Error;
using QPaho::Internal::HandleReaper;

#include <atomic>

namespace {

constexpr int kTimeoutMs = 10000;

std::atomic<int> g_appTraceLines { 0 };

void appTrace(MQTTASYNC_TRACE_LEVELS, char *)
{
    g_appTraceLines.fetch_add(1);
}

// paho's lines below ERROR: its function and protocol trace.
std::atomic<int> g_belowErrorLines { 0 };

void belowErrorTrace(MQTTASYNC_TRACE_LEVELS level, char *)
{
    if (level < MQTTASYNC_TRACE_ERROR)
        g_belowErrorLines.fetch_add(1);
}

std::atomic<int> g_pahoCategoryMessages { 0 };
QtMessageHandler g_previousHandler = nullptr;

struct Logged
{
    QByteArray category;
    QString text;
};
QList<Logged> g_logged; // appended to on paho's threads too: read through logged()
QMutex g_loggedMutex;

QList<Logged> logged()
{
    const QMutexLocker lock(&g_loggedMutex);
    return g_logged;
}

void collectQPaho(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    if (context.category && qstrncmp(context.category, "qpaho.", 6) == 0) {
        const QMutexLocker lock(&g_loggedMutex);
        g_logged.append({ QByteArray(context.category), text });
        return;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, text);
}

void countPahoCategory(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    if (context.category && qstrcmp(context.category, "qpaho.paho") == 0) {
        g_pahoCategoryMessages.fetch_add(1);
        return; // thousands of lines: counted, not printed
    }
    if (g_previousHandler)
        g_previousHandler(type, context, text);
}

// Voluntary context switches (wake-ups after a sleep) of this process' threads with that name.
qint64 wakeUpsOfThreadsNamed(const QByteArray &name)
{
    qint64 total = 0;
    for (const QString &task : threadIdsNamed(name)) {
        QFile status(QStringLiteral("/proc/self/task/%1/status").arg(task));
        if (!status.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("voluntary_ctxt_switches:"))
                total += line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
        }
    }
    return total;
}

} // namespace

class TstCitizen : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    // First: paho's trace hooks are process-wide, and QPaho used to set them at the first handle.
    void pahoTraceLeftAloneByDefault();
    void pahoTraceForwardedOnlyWhileCategoryIsOn();
    void pahoFunctionTraceOffOnlyWhenAsked();

    void destroyLeavesPahoWorkToTheReaper();
    void reconnectDoesNotWaitForTheOldHandle();
    void reaperThreadEndsWithItsWork();

    void foreignThreadRequestsFailAtOnce();
    void errorOccurredForFailedAttempts();
    void connectWhileReconnectingReplacesTheAttempt();
    void errorOccurredForConnectionLoss();
    void debugCategoriesTellTheStory();
    void idleClientSchedulesNothing();

private:
    Mosquitto m_broker;
};

void TstCitizen::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstCitizen::init()
{
    // Every test starts with the handles of the previous one destroyed.
    HandleReaper::waitForIdle();
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
}

void TstCitizen::pahoTraceLeftAloneByDefault()
{
    // With "qpaho.paho" at its default (warnings), QPaho does not touch paho's process-wide
    // trace callback: the application's own stays installed and keeps getting paho's lines.
    if (qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QSKIP("QT_LOGGING_RULES decides about qpaho.paho");
    MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_PROTOCOL);
    MQTTAsync_setTraceCallback(&appTrace);
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
        const int before = g_appTraceLines.load();
        QPAHO_VERIFY_OK(
            await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
        QVERIFY2(g_appTraceLines.load() > before, "paho's trace callback was replaced");
    }
    MQTTAsync_setTraceCallback(nullptr);
    MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
}

void TstCitizen::pahoTraceForwardedOnlyWhileCategoryIsOn()
{
    // qpaho.paho.debug on: a new handle installs QPaho's forwarder, paho's lines arrive in the
    // category. Off again: the next handle takes the forwarder out, nothing more arrives.
    if (qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QSKIP("QT_LOGGING_RULES decides about qpaho.paho");
    g_previousHandler = qInstallMessageHandler(&countPahoCategory);
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.paho.debug=true"));
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
        QVERIFY(g_pahoCategoryMessages.load() > 0);
    }
    QLoggingCategory::setFilterRules(QString());
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
        const int before = g_pahoCategoryMessages.load();
        QPAHO_VERIFY_OK(
            await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
        QCOMPARE(g_pahoCategoryMessages.load(), before);
    }
    qInstallMessageHandler(g_previousHandler);
}

void TstCitizen::pahoFunctionTraceOffOnlyWhenAsked()
{
    // At paho's default level (TRACE_MINIMUM) paho formats a line for every function call.
    // QPaho leaves that level alone; setPahoFunctionTraceEnabled(false) puts paho at ERROR at
    // once (no line below ERROR is formatted any more, also by new handles), true puts paho's
    // default back.
    if (qEnvironmentVariableIsSet("QT_LOGGING_RULES")
        || qEnvironmentVariableIsSet("QPAHO_PAHO_FUNCTION_TRACE"))
        QSKIP("the environment decides about paho's trace");
    QVERIFY(Client::isPahoFunctionTraceEnabled());
    MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_MINIMUM); // paho's default; earlier cases moved it
    MQTTAsync_setTraceCallback(&belowErrorTrace);
    const auto linesBelowErrorForOnePublish = [this] {
        // The previous client's handle is destroyed on the reaper thread, whose paho threads
        // trace as they wind down: count once they are gone. And count from after the connect:
        // paho writes its banner (version, OpenSSL, kernel) at TRACE_MINIMUM whatever the level
        // when the process' first handle is created, which is not the per-call trace.
        HandleReaper::waitForIdle();
        if (!QTest::qWaitFor([] { return pahoThreads() == 0; }, kTimeoutMs))
            return -2;
        Client client;
        if (!await(client.connectToHost(m_broker.tcpUri())))
            return -1;
        g_belowErrorLines.store(0);
        if (!await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)))
            return -1;
        return g_belowErrorLines.load();
    };
    QVERIFY(linesBelowErrorForOnePublish() > 0);

    Client::setPahoFunctionTraceEnabled(false);
    QVERIFY(!Client::isPahoFunctionTraceEnabled());
    QCOMPARE(linesBelowErrorForOnePublish(), 0);

    Client::setPahoFunctionTraceEnabled(true);
    QVERIFY(Client::isPahoFunctionTraceEnabled());
    QVERIFY(linesBelowErrorForOnePublish() > 0);

    MQTTAsync_setTraceCallback(nullptr);
    MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
}

void TstCitizen::destroyLeavesPahoWorkToTheReaper()
{
    // With the reaper held, ~Client() returns although its paho handle (the process' last, so
    // its destroy would stop paho's threads) is not destroyed yet: the owner thread never waits
    // for paho. Every future is finished by then all the same.
    auto *client = new Client;
    QPAHO_VERIFY_OK(await(client->connectToHost(m_broker.tcpUri())));
    const QString topic = QStringLiteral("citizen/%1").arg(uniqueId());
    QPAHO_VERIFY_OK(await(client->subscribe(topic, 1)));
    std::vector<QFuture<QPaho::PublishResult>> publishes;
    for (int i = 0; i < 20; ++i)
        publishes.push_back(client->publish(topic, QByteArray(1024, 'x'), 1));
    {
        ReaperHold hold;
        delete client;
        for (const auto &f : publishes)
            QVERIFY(f.isFinished());
        QCOMPARE(HandleReaper::pendingCount(), 1);
        QVERIFY(pahoThreads() > 0); // paho's threads are stopped by the destroy, later
        QTRY_COMPARE_WITH_TIMEOUT(reaperThreads(), 1, kTimeoutMs); // it names itself first
    }
    QTRY_COMPARE_WITH_TIMEOUT(HandleReaper::pendingCount(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
    for (const auto &f : publishes) {
        const auto r = resultOf(f);
        QVERIFY2(r.isOk() || r.error() == Error::ClientDestroyed, qPrintable(describe(r)));
    }
}

void TstCitizen::reconnectDoesNotWaitForTheOldHandle()
{
    // connectToHost() again on the same Client (a new generated client id, so a new paho handle)
    // connects while the old handle still waits for the reaper.
    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    ReaperHold hold;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    QCOMPARE(HandleReaper::pendingCount(), 1);
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
}

void TstCitizen::reaperThreadEndsWithItsWork()
{
    // The reaper's thread exists only while there is work: none before, none after.
    QTRY_COMPARE_WITH_TIMEOUT(reaperThreads(), 0, kTimeoutMs); // the last test's is ending
    {
        Client client;
        QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));
    }
    QTRY_COMPARE_WITH_TIMEOUT(HandleReaper::pendingCount(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(reaperThreads(), 0, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(pahoThreads(), 0, kTimeoutMs);
}

void TstCitizen::foreignThreadRequestsFailAtOnce()
{
    // publish() etc. from a thread that is not the Client's: the future is finished on return
    // with Error::WrongThread naming both threads, one warning is logged, nothing is sent (a
    // subscriber sees only the marker published afterwards from the right thread).
    const QString topic = QStringLiteral("citizen/%1/foreign").arg(uniqueId());
    Client subscriber;
    QPAHO_VERIFY_OK(await(subscriber.connectToHost(m_broker.tcpUri())));
    QPAHO_VERIFY_OK(await(subscriber.subscribe(topic, 1)));
    QPahoTest::Inbox inbox(subscriber);

    Client client;
    QPAHO_VERIFY_OK(await(client.connectToHost(m_broker.tcpUri())));

    const QRegularExpression warning(
        QStringLiteral("publish\\(\\) was called from thread \"citizen-worker\" 0x[0-9a-f]+, but "
                       "the Client belongs to main thread 0x[0-9a-f]+"));
    QTest::ignoreMessage(QtWarningMsg, warning);
    QFuture<QPaho::PublishResult> publish;
    QFuture<QPaho::SubscribeResult> subscribe;
    QFuture<QPaho::ConnectResult> connectAgain;
    bool finishedOnReturn = false;
    QThread *worker = QThread::create([&] {
        publish = client.publish(topic, "must not be sent", 1);
        finishedOnReturn = publish.isFinished();
    });
    worker->setObjectName(QStringLiteral("citizen-worker"));
    worker->start();
    QVERIFY(worker->wait(kTimeoutMs));
    QVERIFY(finishedOnReturn);
    const QPaho::PublishResult r = resultOf(publish);
    QCOMPARE(r.error(), Error::WrongThread);
    QVERIFY2(warning.match(r.errorString()).hasMatch(), qPrintable(r.errorString()));

    // The other requests are refused the same way (one warning each).
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^subscribe\\(\\) was")));
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(QStringLiteral("^connectToHost\\(\\) was")));
    QThread *second = QThread::create([&] {
        subscribe = client.subscribe(topic, 0);
        connectAgain = client.connectToHost(m_broker.tcpUri());
    });
    second->start();
    QVERIFY(second->wait(kTimeoutMs));
    delete worker;
    delete second;
    QCOMPARE(resultOf(subscribe).error(), Error::WrongThread);
    QCOMPARE(resultOf(connectAgain).error(), Error::WrongThread);
    QCOMPARE(client.state(), Client::State::Connected); // untouched

    QPAHO_VERIFY_OK(await(client.publish(topic, "marker", 1)));
    QTRY_COMPARE_WITH_TIMEOUT(inbox.messages.size(), 1, kTimeoutMs);
    QCOMPARE(inbox.payloads().constFirst(), QByteArray("marker"));
}

void TstCitizen::errorOccurredForFailedAttempts()
{
    // A failed first connect with automatic reconnect: the future finishes with the error, the
    // client stays Reconnecting, and errorOccurred() reports that attempt and each retry.
    const quint16 closedPort = pickFreePorts(1).constFirst();
    QPaho::ConnectOptions options(QStringLiteral("tcp://127.0.0.1:%1").arg(closedPort));
    options.setAutomaticReconnect(true);
    options.setRetryInterval(50, 100);
    Client client;
    QSignalSpy errors(&client, &Client::errorOccurred);
    const QPaho::ConnectResult first = await(client.connectToHost(options));
    QCOMPARE(first.error(), Error::ConnectionFailed);
    QCOMPARE(client.state(), Client::State::Reconnecting);
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() >= 3, kTimeoutMs);
    for (const QList<QVariant> &args : std::as_const(errors))
        QCOMPARE(args.at(0).value<QPaho::Result>().error(), Error::ConnectionFailed);
    QPAHO_VERIFY_OK(await(client.disconnectFromHost()));
    QCOMPARE(client.state(), Client::State::Disconnected);
}

void TstCitizen::connectWhileReconnectingReplacesTheAttempt()
{
    // connectToHost() with new options while Reconnecting replaces the retries (it used to
    // finish with InvalidState); a publish queued meanwhile goes out on the new connection.
    const quint16 closedPort = pickFreePorts(1).constFirst();
    QPaho::ConnectOptions wrong(QStringLiteral("tcp://127.0.0.1:%1").arg(closedPort));
    wrong.setAutomaticReconnect(true);
    wrong.setRetryInterval(50, 100);
    Client client;
    QCOMPARE(await(client.connectToHost(wrong)).error(), Error::ConnectionFailed);
    QCOMPARE(client.state(), Client::State::Reconnecting);
    const auto queued = client.publish(QStringLiteral("citizen/%1/queued").arg(uniqueId()), "q", 1);
    QSignalSpy states(&client, &Client::stateChanged);
    QPaho::ConnectOptions right(m_broker.tcpUri());
    right.setAutomaticReconnect(true);
    QPAHO_VERIFY_OK(await(client.connectToHost(right)));
    QCOMPARE(client.state(), Client::State::Connected);
    QCOMPARE(client.serverUri(), m_broker.tcpUri());
    QCOMPARE(states.first().at(0).value<Client::State>(), Client::State::Connecting);
    QPAHO_VERIFY_OK(await(queued));
}

void TstCitizen::errorOccurredForConnectionLoss()
{
    Mosquitto broker;
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));
    Client client;
    QSignalSpy errors(&client, &Client::errorOccurred);
    QPAHO_VERIFY_OK(await(client.connectToHost(broker.tcpUri())));
    QCOMPARE(errors.count(), 0);
    broker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(errors.count(), 1, kTimeoutMs);
    QCOMPARE(errors.first().at(0).value<QPaho::Result>().error(), Error::ConnectionLost);
}

void TstCitizen::debugCategoriesTellTheStory()
{
    // qpaho.*.debug=true: connect, loss and reconnect attempts read as a story in qpaho.client
    // and qpaho.reconnect, and paho's trace stays at one line per packet (no function or heap
    // trace: that was thousands of lines a second).
    if (qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QSKIP("QT_LOGGING_RULES decides about the categories");
    {
        const QMutexLocker lock(&g_loggedMutex);
        g_logged.clear();
    }
    g_previousHandler = qInstallMessageHandler(&collectQPaho);
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.*.debug=true"));
    {
        Mosquitto broker;
        QVERIFY2(broker.start(), qPrintable(broker.lastError()));
        QPaho::ConnectOptions options(broker.tcpUri());
        options.setAutomaticReconnect(true);
        options.setRetryInterval(50, 100);
        Client client;
        QSignalSpy errors(&client, &Client::errorOccurred);
        QPAHO_VERIFY_OK(await(client.connectToHost(options)));
        // This client's packets only: the waker's hidden client traces its wake-ups and kicks
        // too, and how many of those a publish sees depends on the machine's load.
        const QString ownLine = QLatin1Char(' ') + client.clientId() + QLatin1Char(' ');
        const auto ownPahoLines = [&ownLine] {
            const QList<Logged> lines = logged();
            return int(std::count_if(lines.cbegin(), lines.cend(), [&](const Logged &l) {
                return l.category == "qpaho.paho" && l.text.contains(ownLine);
            }));
        };
        const int pahoLinesBefore = ownPahoLines();
        QPAHO_VERIFY_OK(
            await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
        const int pahoLinesForPublish = ownPahoLines() - pahoLinesBefore;
        QVERIFY2(pahoLinesForPublish > 0 && pahoLinesForPublish <= 10,
            qPrintable(
                QStringLiteral("%1 paho lines for one QoS 1 publish").arg(pahoLinesForPublish)));
        // No function trace from anyone: its lines read "(depth)> function:line".
        static const QRegularExpression functionTrace(QStringLiteral("\\(\\d+\\)[<>] "));
        const QList<Logged> lines = logged();
        const auto functionLine = std::find_if(lines.cbegin(), lines.cend(), [](const Logged &l) {
            return l.category == "qpaho.paho" && l.text.contains(functionTrace);
        });
        QVERIFY2(functionLine == lines.cend(),
            qPrintable(functionLine == lines.cend() ? QString() : functionLine->text));
        broker.stop();
        QTRY_VERIFY_WITH_TIMEOUT(errors.count() >= 2, kTimeoutMs); // the loss and an attempt
    }
    QLoggingCategory::setFilterRules(QString());
    qInstallMessageHandler(g_previousHandler);
    const QList<Logged> story = logged();
    const auto has = [&story](const char *category, const char *text) {
        return std::any_of(story.cbegin(), story.cend(), [&](const Logged &l) {
            return l.category == category && l.text.contains(QLatin1String(text));
        });
    };
    QVERIFY(has("qpaho.client", "connecting to"));
    QVERIFY(has("qpaho.client", "connected to"));
    QVERIFY(has("qpaho.client", "connection lost"));
    QVERIFY(has("qpaho.reconnect", "next attempt in"));
    QVERIFY(has("qpaho.reconnect", "reconnecting to"));
    QVERIFY(has("qpaho.client", "connect attempt failed"));
}

void TstCitizen::idleClientSchedulesNothing()
{
    // A connected client with nothing in flight: every QPaho timer is stopped, and the waker's
    // thread sleeps (its 5 ms wake period of the connect ended at CONNACK; it used to run for
    // the rest of the connect timeout, up to 5 s). What remains is paho's own 1 s poll and the
    // keep-alive.
    Client client;
    QPaho::ConnectOptions options(m_broker.tcpUri());
    options.setKeepAliveInterval(60);
    QPAHO_VERIFY_OK(await(client.connectToHost(options)));
    QPAHO_VERIFY_OK(await(client.publish(QStringLiteral("citizen/%1").arg(uniqueId()), "x", 1)));
    const QList<QTimer *> timers = client.findChildren<QTimer *>();
    QVERIFY(timers.size() >= 4);
    const auto anyActive = [&timers] {
        return std::any_of(
            timers.cbegin(), timers.cend(), [](const QTimer *t) { return t->isActive(); });
    };
    QTRY_VERIFY_WITH_TIMEOUT(!anyActive(), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(
        wakeUpsOfThreadsNamed(QByteArrayLiteral("qpaho-waker")) > 0, kTimeoutMs);

    // An observation window, not a wait for an event: nothing of QPaho's may run in it.
    const qint64 wakerBefore = wakeUpsOfThreadsNamed(QByteArrayLiteral("qpaho-waker"));
    QTest::qWait(1000);
    QVERIFY(!anyActive());
    QCOMPARE(wakeUpsOfThreadsNamed(QByteArrayLiteral("qpaho-waker")), wakerBefore);
}

QTEST_GUILESS_MAIN(TstCitizen)
#include "tst_citizen.moc"
