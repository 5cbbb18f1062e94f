// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Threads: a QPaho::Client living in a worker QThread emits its signals, calls its message
// handlers and finishes its futures (so runs plain .then() continuations) on that worker thread,
// never on the test's main thread and never on one of paho's own threads. A QFutureWatcher or a
// context object in the main thread gets its calls in the main thread. A disconnected client
// can be moved to another thread and used there.
#include "common/qpahotest.h"
#include "common/workerthread.h"

#include <QPaho/QPaho>

#include <QtCore/QFutureWatcher>
#include <QtCore/QMutex>
#include <QtCore/QMutexLocker>
#include <QtCore/QThread>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <functional>

using namespace QPahoTest;
using QPaho::Client;

namespace {

constexpr int kTimeoutMs = 10000;

// Where each observed call ran, written from any thread and read from the test thread. Every
// entry carries the thread it must have run in.
class ThreadLog
{
public:
    void record(const QString &what, QThread *expected)
    {
        QMutexLocker lock(&m_mutex);
        m_entries.append({ what, QThread::currentThread(), expected });
    }
    // A failure seen inside a callback (e.g. a subscribe that did not succeed).
    void fail(const QString &what)
    {
        QMutexLocker lock(&m_mutex);
        m_failures.append(what);
    }
    int count(const QString &what) const
    {
        QMutexLocker lock(&m_mutex);
        int n = 0;
        for (const Entry &e : m_entries)
            n += e.what == what ? 1 : 0;
        return n;
    }
    QStringList failures() const
    {
        QMutexLocker lock(&m_mutex);
        return m_failures;
    }

    // Names a thread for messages: the main thread, the worker, or an unknown one (paho's).
    static QString describe(QThread *thread, QThread *mainThread, QThread *workerThread)
    {
        if (thread == mainThread)
            return QStringLiteral("main");
        if (thread == workerThread)
            return QStringLiteral("worker");
        return QStringLiteral("UNKNOWN thread %1 \"%2\"")
            .arg(quintptr(thread), 0, 16)
            .arg(thread ? thread->objectName() : QString());
    }

    // Entries that ran in another thread than expected ("what: ran in X, expected Y").
    QStringList misplaced(QThread *mainThread, QThread *workerThread) const
    {
        QMutexLocker lock(&m_mutex);
        QStringList out;
        for (const Entry &e : m_entries) {
            if (e.ran != e.expected) {
                out.append(QStringLiteral("%1: ran in %2, expected %3")
                               .arg(e.what, describe(e.ran, mainThread, workerThread),
                                   describe(e.expected, mainThread, workerThread)));
            }
        }
        return out;
    }
    // Entries that ran in neither the main nor the worker thread (that is, in a paho thread).
    QStringList foreign(QThread *mainThread, QThread *workerThread) const
    {
        QMutexLocker lock(&m_mutex);
        QStringList out;
        for (const Entry &e : m_entries) {
            if (e.ran != mainThread && e.ran != workerThread)
                out.append(
                    e.what + QStringLiteral(": ") + describe(e.ran, mainThread, workerThread));
        }
        return out;
    }
    int size() const
    {
        QMutexLocker lock(&m_mutex);
        return int(m_entries.size());
    }

private:
    struct Entry
    {
        QString what;
        QThread *ran = nullptr;
        QThread *expected = nullptr;
    };
    mutable QMutex m_mutex;
    QList<Entry> m_entries;
    QStringList m_failures;
};

// Connects to the client's signals with direct connections, so each call is recorded in the
// thread that emits the signal, and that must be `expected`. (`ctx` only scopes the
// connections; with an automatic connection, a signal emitted in a wrong thread would be queued
// to ctx's thread and go unnoticed.)
void recordSignals(Client *client, const QObject *ctx, QThread *expected, ThreadLog &log)
{
    const auto record = [&log, expected](const QString &what) {
        return [&log, expected, what] { log.record(what, expected); };
    };
    QObject::connect(
        client, &Client::connected, ctx, record(QStringLiteral("connected")), Qt::DirectConnection);
    QObject::connect(client, &Client::stateChanged, ctx, record(QStringLiteral("stateChanged")),
        Qt::DirectConnection);
    QObject::connect(client, &Client::messageReceived, ctx,
        record(QStringLiteral("messageReceived")), Qt::DirectConnection);
    QObject::connect(client, &Client::statisticsChanged, ctx,
        record(QStringLiteral("statisticsChanged")), Qt::DirectConnection);
    QObject::connect(client, &Client::disconnected, ctx, record(QStringLiteral("disconnected")),
        Qt::DirectConnection);
    QObject::connect(client, &Client::connectionLost, ctx, record(QStringLiteral("connectionLost")),
        Qt::DirectConnection);
}

// Runs in the client's thread `owner`: handlers, then connect -> subscribe -> publish QoS 0,
// 1 and 2 to itself, each step started from a continuation of the previous one. Continuations
// without context and those with `ownerCtx` must run in `owner`; the handler whose context is
// `mainCtx` in `mainThread`. Expected in the end: 3 messages, 3 calls of each handler.
// Note: a Qt 6.4 QFuture holds ONE continuation (a second then() on the same future replaces the
// first), so each future below gets exactly one, and the context variants get their own futures.
void startSelfPublishChain(Client *client, const QString &uri, const QString &clientId,
    const QString &topic, QObject *ownerCtx, QObject *mainCtx, QThread *owner, QThread *mainThread,
    ThreadLog &log)
{
    client->addMessageHandler(topic, client, [&log, owner](const QPaho::Message &) {
        log.record(QStringLiteral("handler(client context)"), owner);
    });
    client->addMessageHandler(topic, mainCtx, [&log, mainThread](const QPaho::Message &) {
        log.record(QStringLiteral("handler(main context)"), mainThread);
    });

    QPaho::ConnectOptions options(uri);
    options.setClientId(clientId);
    const auto publishAll = [client, topic, ownerCtx, owner, &log] {
        for (int qos = 0; qos <= 2; ++qos) {
            QFuture<QPaho::PublishResult> p
                = client->publish(topic, QByteArrayLiteral("qos") + QByteArray::number(qos), qos);
            const auto check = [&log, qos](const QPaho::PublishResult &pr) {
                if (!pr)
                    log.fail(QStringLiteral("publish QoS %1: %2").arg(qos).arg(pr.errorString()));
            };
            if (qos == 0) {
                p.then([&log, owner, check](const QPaho::PublishResult &pr) {
                    log.record(QStringLiteral("publish.then"), owner);
                    check(pr);
                });
            } else if (qos == 1) {
                p.then(ownerCtx, [&log, owner, check](const QPaho::PublishResult &pr) {
                    log.record(QStringLiteral("publish.then(owner context)"), owner);
                    check(pr);
                });
            } else {
                // A continuation of a continuation.
                p.then([&log, owner, check](const QPaho::PublishResult &pr) {
                     log.record(QStringLiteral("publish.then"), owner);
                     check(pr);
                 }).then(ownerCtx, [&log, owner] {
                    log.record(QStringLiteral("publish.then.then(owner context)"), owner);
                });
            }
        }
    };
    client->connectToHost(options).then(
        ownerCtx, [client, topic, owner, publishAll, &log](const QPaho::ConnectResult &r) {
            log.record(QStringLiteral("connect.then(owner context)"), owner);
            if (!r) {
                log.fail(QStringLiteral("connect: ") + r.errorString());
                return;
            }
            client->subscribe(topic, 2).then(
                [owner, publishAll, &log](const QPaho::SubscribeResult &s) {
                    log.record(QStringLiteral("subscribe.then"), owner);
                    if (!s) {
                        log.fail(QStringLiteral("subscribe: ") + s.errorString());
                        return;
                    }
                    publishAll();
                });
        });
}

} // namespace

class TstThreading : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void clientCreatedInWorker();
    void clientMovedToWorkerBeforeConnecting();
    void futureWatcherInMainThread();
    void moveToThreadWhileIdle();

private:
    // Waits until the chain of startSelfPublishChain() is done, then checks every count.
    void waitForChain(const ThreadLog &log);
    // Disconnects `client` in `owner` (run() executes code there) and checks the calls.
    void disconnectIn(Client *client, QThread *owner,
        const std::function<void(std::function<void()>)> &run, ThreadLog &log);
    void verifyThreads(const ThreadLog &log, QThread *workerThread);

    Mosquitto m_broker;
};

void TstThreading::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

void TstThreading::waitForChain(const ThreadLog &log)
{
    QTRY_VERIFY_WITH_TIMEOUT(
        log.count(QStringLiteral("handler(main context)")) == 3 || !log.failures().isEmpty(),
        kTimeoutMs);
    QVERIFY2(log.failures().isEmpty(), qPrintable(log.failures().join(QStringLiteral("; "))));
    QTRY_COMPARE_WITH_TIMEOUT(log.count(QStringLiteral("publish.then")), 2, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        log.count(QStringLiteral("publish.then(owner context)")), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        log.count(QStringLiteral("publish.then.then(owner context)")), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(log.count(QStringLiteral("handler(client context)")), 3, kTimeoutMs);
    QVERIFY2(log.failures().isEmpty(), qPrintable(log.failures().join(QStringLiteral("; "))));
    QCOMPARE(log.count(QStringLiteral("connected")), 1);
    QCOMPARE(log.count(QStringLiteral("connect.then(owner context)")), 1);
    QCOMPARE(log.count(QStringLiteral("subscribe.then")), 1);
    QCOMPARE(log.count(QStringLiteral("messageReceived")), 3);
    QCOMPARE(log.count(QStringLiteral("handler(main context)")), 3);
    QCOMPARE(log.count(QStringLiteral("connectionLost")), 0);
    QVERIFY(log.count(QStringLiteral("stateChanged")) >= 2); // Connecting, Connected
    QVERIFY(log.count(QStringLiteral("statisticsChanged")) >= 1);
}

void TstThreading::disconnectIn(Client *client, QThread *owner,
    const std::function<void(std::function<void()>)> &run, ThreadLog &log)
{
    run([client, owner, &log] {
        client->disconnectFromHost().then([&log, owner](const QPaho::Result &r) {
            log.record(QStringLiteral("disconnect.then"), owner);
            if (!r)
                log.fail(QStringLiteral("disconnect: ") + r.errorString());
        });
    });
    QTRY_COMPARE_WITH_TIMEOUT(log.count(QStringLiteral("disconnect.then")), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(log.count(QStringLiteral("disconnected")), 1, kTimeoutMs);
    QVERIFY2(log.failures().isEmpty(), qPrintable(log.failures().join(QStringLiteral("; "))));
}

void TstThreading::verifyThreads(const ThreadLog &log, QThread *workerThread)
{
    QThread *const mainThread = QThread::currentThread();
    const QStringList foreign = log.foreign(mainThread, workerThread);
    QVERIFY2(foreign.isEmpty(),
        qPrintable(QStringLiteral("ran in a paho thread: ") + foreign.join(QStringLiteral("; "))));
    const QStringList misplaced = log.misplaced(mainThread, workerThread);
    QVERIFY2(misplaced.isEmpty(), qPrintable(misplaced.join(QStringLiteral("; "))));
}

// Created inside the worker (BlockingQueuedConnection); every signal, handler and continuation
// runs in the worker. Torn down with deleteLater() + quit(): destroyed in the worker.
void TstThreading::clientCreatedInWorker()
{
    ThreadLog log;
    QObject mainCtx;
    Client *client = nullptr;
    WorkerThread worker; // declared last: stops first, so the client dies before what it refers to
    QThread *const workerThread = &worker.thread;
    QThread *const mainThread = QThread::currentThread();
    const QString topic = uniqueId(QStringLiteral("thr")) + QStringLiteral("/self");
    const QString clientId = uniqueId(QStringLiteral("thr"));

    worker.run([&] {
        log.record(QStringLiteral("create"), workerThread);
        client = new Client(worker.anchor); // a child of the anchor: dies in the worker anyway
        recordSignals(client, client, workerThread, log);
        startSelfPublishChain(client, m_broker.tcpUri(), clientId, topic, worker.anchor, &mainCtx,
            workerThread, mainThread, log);
    });
    QVERIFY(client);
    QCOMPARE(client->thread(), workerThread);
    QPAHO_CHECKED(waitForChain(log));
    disconnectIn(
        client, workerThread, [&worker](std::function<void()> f) { worker.run(f); }, log);
    if (QTest::currentTestFailed())
        return;

    // Teardown: deleteLater() from here, destroyed in the worker, which then quits.
    QObject::connect(client, &QObject::destroyed, [&log, workerThread, &worker] {
        log.record(QStringLiteral("destroyed"), workerThread);
        worker.thread.quit();
    });
    worker.anchor->deleteLater(); // takes the client along (its child)
    QTRY_VERIFY_WITH_TIMEOUT(worker.thread.isFinished(), kTimeoutMs);
    worker.anchor = nullptr;
    QCOMPARE(log.count(QStringLiteral("destroyed")), 1);
    verifyThreads(log, workerThread);
}

// Created in the main thread and moved to the worker before connecting; signals connected from
// the main thread with the client as context. Torn down with a blocking invokeMethod.
void TstThreading::clientMovedToWorkerBeforeConnecting()
{
    ThreadLog log;
    QObject mainCtx;
    auto *client = new Client;
    WorkerThread worker;
    QThread *const workerThread = &worker.thread;
    QThread *const mainThread = QThread::currentThread();
    const QString topic = uniqueId(QStringLiteral("thr")) + QStringLiteral("/self");
    const QString clientId = uniqueId(QStringLiteral("thr"));

    client->moveToThread(workerThread);
    QCOMPARE(client->thread(), workerThread);
    worker.run([&] { client->setParent(worker.anchor); }); // failing test: dies with the anchor
    recordSignals(client, client, workerThread, log); // connected from here, received there
    worker.run([&] {
        startSelfPublishChain(client, m_broker.tcpUri(), clientId, topic, worker.anchor, &mainCtx,
            workerThread, mainThread, log);
    });
    QPAHO_CHECKED(waitForChain(log));
    disconnectIn(
        client, workerThread, [&worker](std::function<void()> f) { worker.run(f); }, log);
    if (QTest::currentTestFailed())
        return;

    QObject::connect(client, &QObject::destroyed,
        [&log, workerThread] { log.record(QStringLiteral("destroyed"), workerThread); });
    QMetaObject::invokeMethod(
        client, [client] { delete client; }, Qt::BlockingQueuedConnection);
    QCOMPARE(log.count(QStringLiteral("destroyed")), 1);
    worker.stop();
    verifyThreads(log, workerThread);
}

// A QFutureWatcher and a .then() context object in the main thread, on futures of a client in
// the worker: finished() and the continuation arrive in the main thread.
void TstThreading::futureWatcherInMainThread()
{
    ThreadLog log;
    QObject mainCtx;
    Client *client = nullptr;
    QFuture<QPaho::ConnectResult> connecting;
    WorkerThread worker;
    QThread *const workerThread = &worker.thread;
    QThread *const mainThread = QThread::currentThread();
    const QString topic = uniqueId(QStringLiteral("thr")) + QStringLiteral("/watched");
    const QString clientId = uniqueId(QStringLiteral("thr"));

    // Watchers set up before the futures exist can still miss nothing: setFuture() reports an
    // already finished future too. Both cases are fine; the thread is what is checked.
    QFutureWatcher<QPaho::ConnectResult> connectWatcher;
    QFutureWatcher<QPaho::PublishResult> publishWatcher;
    QObject::connect(&connectWatcher, &QFutureWatcherBase::finished, &connectWatcher,
        [&log, mainThread] { log.record(QStringLiteral("connectWatcher.finished"), mainThread); });
    QObject::connect(&publishWatcher, &QFutureWatcherBase::finished, &publishWatcher,
        [&log, mainThread] { log.record(QStringLiteral("publishWatcher.finished"), mainThread); });
    QSignalSpy connectSpy(&connectWatcher, &QFutureWatcherBase::finished);
    QSignalSpy publishSpy(&publishWatcher, &QFutureWatcherBase::finished);

    worker.run([&] {
        client = new Client(worker.anchor);
        QPaho::ConnectOptions options(m_broker.tcpUri());
        options.setClientId(clientId);
        connecting = client->connectToHost(options);
    });
    connectWatcher.setFuture(connecting);
    connecting.then(&mainCtx, [&log, mainThread](const QPaho::ConnectResult &) {
        log.record(QStringLiteral("connect.then(main context)"), mainThread);
    });
    QVERIFY(connectSpy.wait(kTimeoutMs) || connectSpy.count() == 1);
    QCOMPARE(connectSpy.count(), 1);
    QPAHO_VERIFY_OK(resultOf(connecting));
    QTRY_COMPARE_WITH_TIMEOUT(
        log.count(QStringLiteral("connect.then(main context)")), 1, kTimeoutMs);

    QFuture<QPaho::PublishResult> publishing;
    worker.run([&] { publishing = client->publish(topic, QByteArrayLiteral("watched"), 1); });
    publishWatcher.setFuture(publishing);
    publishing.then(&mainCtx, [&log, mainThread](const QPaho::PublishResult &) {
        log.record(QStringLiteral("publish.then(main context)"), mainThread);
    });
    QVERIFY(publishSpy.wait(kTimeoutMs) || publishSpy.count() == 1);
    QCOMPARE(publishSpy.count(), 1);
    QPAHO_VERIFY_OK(resultOf(publishing));
    QTRY_COMPARE_WITH_TIMEOUT(
        log.count(QStringLiteral("publish.then(main context)")), 1, kTimeoutMs);
    QCOMPARE(log.count(QStringLiteral("connectWatcher.finished")), 1);
    QCOMPARE(log.count(QStringLiteral("publishWatcher.finished")), 1);

    worker.run([&] { delete client; });
    verifyThreads(log, workerThread);
}

// A client used in the main thread, disconnected, moved to the worker while idle, connected and
// used there, disconnected, moved back (from the worker) and used in the main thread again.
void TstThreading::moveToThreadWhileIdle()
{
    ThreadLog log;
    ThreadLog backLog;
    QObject mainCtx;
    QObject mainOwner; // owns the client while it is in the main thread (a failing test)
    auto *client = new Client(&mainOwner);
    WorkerThread worker; // owns it (anchor) while it is in the worker; stops before mainOwner dies
    QThread *const workerThread = &worker.thread;
    QThread *const mainThread = QThread::currentThread();
    const QString topic = uniqueId(QStringLiteral("thr")) + QStringLiteral("/moved");
    // One client id throughout: the paho handle made in the main thread is reused elsewhere.
    const QString clientId = uniqueId(QStringLiteral("thr"));
    const auto inMain = [](std::function<void()> f) { f(); };
    const auto inWorker = [&worker](std::function<void()> f) { worker.run(f); };

    // 1. Main thread: connect, publish to itself, disconnect.
    {
        ThreadLog mainLog;
        QMetaObject::Connection c
            = QObject::connect(client, &Client::messageReceived, &mainCtx, [&mainLog, mainThread] {
                  mainLog.record(QStringLiteral("messageReceived"), mainThread);
              });
        QPaho::ConnectOptions options(m_broker.tcpUri());
        options.setClientId(clientId);
        QPAHO_VERIFY_OK(await(client->connectToHost(options)));
        QPAHO_VERIFY_OK(await(client->subscribe(topic, 1)));
        QPAHO_VERIFY_OK(await(client->publish(topic, QByteArrayLiteral("in main"), 1)));
        QTRY_COMPARE_WITH_TIMEOUT(mainLog.count(QStringLiteral("messageReceived")), 1, kTimeoutMs);
        QPAHO_VERIFY_OK(await(client->disconnectFromHost()));
        QCOMPARE(client->state(), Client::State::Disconnected);
        QObject::disconnect(c);
        verifyThreads(mainLog, workerThread);
        if (QTest::currentTestFailed())
            return;
    }

    // 2. Idle: move to the worker, then the whole chain there.
    client->setParent(nullptr); // moveToThread() refuses objects with a parent
    client->moveToThread(workerThread);
    worker.run([&] { client->setParent(worker.anchor); });
    QCOMPARE(client->thread(), workerThread);
    recordSignals(client, client, workerThread, log);
    worker.run([&] {
        startSelfPublishChain(client, m_broker.tcpUri(), clientId, topic + QStringLiteral("/w"),
            worker.anchor, &mainCtx, workerThread, mainThread, log);
    });
    QPAHO_CHECKED(waitForChain(log));
    QPAHO_CHECKED(disconnectIn(client, workerThread, inWorker, log));
    QPAHO_CHECKED(verifyThreads(log, workerThread));

    // 3. Idle again: the worker moves it back to the main thread (only the owner may push).
    worker.run([&] {
        client->setParent(nullptr);
        client->moveToThread(mainThread);
    });
    client->setParent(&mainOwner);
    QCOMPARE(client->thread(), mainThread);
    QObject::disconnect(client, nullptr, client, nullptr); // the signal recorders of step 2
    recordSignals(client, client, mainThread, backLog);
    startSelfPublishChain(client, m_broker.tcpUri(), clientId, topic + QStringLiteral("/m"),
        &mainCtx, &mainCtx, mainThread, mainThread, backLog);
    waitForChain(backLog);
    if (!QTest::currentTestFailed())
        disconnectIn(client, mainThread, inMain, backLog);
    delete client;
    verifyThreads(backLog, workerThread);
}

QTEST_GUILESS_MAIN(TstThreading)
#include "tst_threading.moc"
