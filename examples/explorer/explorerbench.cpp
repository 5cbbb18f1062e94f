// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// qpaho-explorer-bench: how many messages per second the explorer's window keeps up with, and
// how long its frames take meanwhile. A publisher Client in its own thread sends QoS 0 messages
// at a fixed rate over many topics to a broker; the explorer's MainWindow, subscribed to them,
// runs on the main thread as in the program.
//
//   qpaho-explorer-bench --url tcp://127.0.0.1:1883 [--rate 10000] [--topics 2000] [--seconds 10]
//
// It prints, per run: the publish rate reached, the rate the window's model applied, the
// largest backlog (received by the Client, not yet in the model), the event loop's lateness
// (a 10 ms timer: how long the UI could not react) and the time of a full repaint of the window
// (every 100 ms, synchronously: the frame time). Runs offscreen unless QT_QPA_PLATFORM is set.

#include "connectionbar.h"
#include "mainwindow.h"
#include "topictreemodel.h"

#include <QPaho/Client>

#include <QtCore/QCommandLineParser>
#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>

namespace {

// CPU time of the calling thread in ms: unlike wall time, it does not grow when other processes
// take the cores (the machine this was measured on is shared).
double threadCpuMs()
{
    timespec now {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return double(now.tv_sec) * 1e3 + double(now.tv_nsec) / 1e6;
}

// Percentile of `samples` (sorted in place), in the samples' unit.
double percentile(QList<double> &samples, double p)
{
    if (samples.isEmpty())
        return 0;
    std::sort(samples.begin(), samples.end());
    return samples[std::min(qsizetype(p * double(samples.size())), samples.size() - 1)];
}

// Publishes QoS 0 messages at `rate` per second, round robin over `topics` topics, from the
// thread it lives in, for `seconds`; counts what it handed to the Client.
class Publisher : public QObject
{
public:
    Publisher(QString url, int rate, int topics, int seconds)
        : m_url(std::move(url)), m_rate(rate), m_seconds(seconds)
    {
        for (int i = 0; i < topics; ++i) {
            m_topics.append(
                QStringLiteral("bench/site%1/line%2/sensor%3/value").arg(i % 7).arg(i % 50).arg(i));
        }
    }

    void start()
    {
        m_client = new QPaho::Client(this);
        m_client->connectToHost(m_url).then(this, [this](const QPaho::ConnectResult &result) {
            if (!result) {
                std::fprintf(stderr, "Error: publisher: %s\n", qPrintable(result.errorString()));
                finished = true;
                return;
            }
            connected = true;
        });
    }

    // Called when the window is subscribed.
    void go()
    {
        m_clock.start();
        auto *tick = new QTimer(this);
        tick->setTimerType(Qt::PreciseTimer);
        connect(tick, &QTimer::timeout, this, [this, tick] {
            const qint64 elapsedMs = m_clock.elapsed();
            if (elapsedMs >= qint64(m_seconds) * 1000) {
                tick->stop();
                finished = true;
                return;
            }
            const qint64 due = qint64(m_rate) * elapsedMs / 1000;
            for (qint64 n = sent; n < due; ++n) {
                const int i = int(n % m_topics.size());
                m_client->publish(m_topics[i], QByteArray::number(20.0 + (n % 100) / 10.0));
            }
            sent = std::max<qint64>(sent, due);
        });
        tick->start(1);
    }

    // Destroys the Client in this object's thread (the Client's owner thread).
    void stop()
    {
        delete m_client;
        m_client = nullptr;
    }

    std::atomic<bool> connected { false };
    std::atomic<bool> finished { false };
    std::atomic<qint64> sent { 0 };

private:
    QString m_url;
    int m_rate;
    int m_seconds;
    QStringList m_topics;
    QPaho::Client *m_client = nullptr;
    QElapsedTimer m_clock;
};

} // namespace

int main(int argc, char *argv[])
{
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption url(
        QStringLiteral("url"), QStringLiteral("Broker (required)."), QStringLiteral("url"));
    const QCommandLineOption rate(QStringLiteral("rate"),
        QStringLiteral("Messages per second (default 10000)."), QStringLiteral("n"),
        QStringLiteral("10000"));
    const QCommandLineOption topics(QStringLiteral("topics"),
        QStringLiteral("Distinct topics (default 2000)."), QStringLiteral("n"),
        QStringLiteral("2000"));
    const QCommandLineOption seconds(QStringLiteral("seconds"),
        QStringLiteral("Publishing time (default 10)."), QStringLiteral("s"), QStringLiteral("10"));
    parser.addOptions({ url, rate, topics, seconds });
    parser.process(app);
    if (!parser.isSet(url)) {
        std::fprintf(stderr, "Error: --url is required\n");
        return 2;
    }
    const int wantedRate = parser.value(rate).toInt();
    const int runSeconds = parser.value(seconds).toInt();
    if (wantedRate <= 0 || runSeconds <= 0 || parser.value(topics).toInt() <= 0) {
        std::fprintf(stderr, "Error: --rate, --topics and --seconds must be positive\n");
        return 2;
    }

    MainWindow window;
    window.resize(1280, 800);
    window.connectionBar()->setText(ConnectionBar::Field::Url, parser.value(url));
    window.connectionBar()->setSubscriptions({ QStringLiteral("bench/#") });
    window.show();
    window.connectToBroker();

    QThread thread;
    Publisher publisher(parser.value(url), wantedRate, parser.value(topics).toInt(), runSeconds);
    publisher.moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(&publisher, [&] { publisher.start(); });

    // Probes on the UI thread.
    QList<double> lateness; // ms past the 10 ms timer's due time
    QList<double> repaint; // ms for a full synchronous repaint of the window
    QList<double> repaintCpu; // the same, CPU time of this thread
    double cpuAtStart = 0;
    qint64 maxBacklog = 0;
    QElapsedTimer probeClock;
    auto *loopProbe = new QTimer(&window);
    loopProbe->setTimerType(Qt::PreciseTimer);
    QObject::connect(loopProbe, &QTimer::timeout, &window, [&] {
        const double late = double(probeClock.nsecsElapsed()) / 1e6 - 10.0;
        lateness.append(std::max(0.0, late));
        probeClock.start();
        const qint64 backlog
            = qint64(window.client()->messagesReceived()) - qint64(window.model()->totalMessages());
        maxBacklog = std::max(maxBacklog, backlog);
    });
    auto *paintProbe = new QTimer(&window);
    QObject::connect(paintProbe, &QTimer::timeout, &window, [&] {
        QElapsedTimer timer;
        timer.start();
        const double cpu = threadCpuMs();
        window.repaint();
        repaintCpu.append(threadCpuMs() - cpu);
        repaint.append(double(timer.nsecsElapsed()) / 1e6);
    });

    QElapsedTimer runClock;
    qint64 stoppedAtMs = -1;
    qint64 appliedWhenStopped = 0;
    int exitCode = 0;
    bool selected = false; // a topic shown in the details pane (history, sparkline) as well
    auto *driver = new QTimer(&window);
    QObject::connect(driver, &QTimer::timeout, &window, [&] {
        if (!runClock.isValid()) {
            if (!window.statusMessage().startsWith(QLatin1String("Subscribed"))
                || !publisher.connected)
                return;
            runClock.start();
            cpuAtStart = threadCpuMs();
            probeClock.start();
            loopProbe->start(10);
            paintProbe->start(100);
            QMetaObject::invokeMethod(&publisher, [&] { publisher.go(); });
            return;
        }
        if (!selected && runClock.elapsed() > 500)
            selected = window.selectTopic(QStringLiteral("bench/site0/line0/sensor0/value"));
        if (publisher.finished && stoppedAtMs < 0) {
            stoppedAtMs = runClock.elapsed();
            appliedWhenStopped = qint64(window.model()->totalMessages());
        }
        // Done when the model has everything that was published, or 5 s after the publisher.
        const bool caughtUp
            = publisher.finished && qint64(window.model()->totalMessages()) >= publisher.sent;
        if (caughtUp || (stoppedAtMs >= 0 && runClock.elapsed() - stoppedAtMs > 5000)) {
            driver->stop();
            loopProbe->stop();
            paintProbe->stop();
            const double runS = double(stoppedAtMs) / 1000.0;
            const double uiCpuMs = threadCpuMs() - cpuAtStart;
            const double drainMs = double(runClock.elapsed() - stoppedAtMs);
            const qint64 applied = qint64(window.model()->totalMessages());
            std::printf("rate %d msg/s over %s topics, %d s: published %.0f msg/s, applied %.0f "
                        "msg/s while publishing, %lld of %lld in the tree %.0f ms after the "
                        "end, %d topics\n",
                wantedRate, qPrintable(parser.value(topics)), runSeconds,
                double(publisher.sent) / runS, double(appliedWhenStopped) / runS,
                static_cast<long long>(applied), static_cast<long long>(qint64(publisher.sent)),
                drainMs, window.model()->topicCount());
            std::printf("backlog max %lld messages; event loop lateness p50 %.1f ms, p99 %.1f ms, "
                        "max %.1f ms; full repaint p50 %.1f ms, p99 %.1f ms, max %.1f ms "
                        "(%lld repaints)\n",
                static_cast<long long>(maxBacklog), percentile(lateness, 0.5),
                percentile(lateness, 0.99), percentile(lateness, 1.0), percentile(repaint, 0.5),
                percentile(repaint, 0.99), percentile(repaint, 1.0),
                static_cast<long long>(repaint.size()));
            // CPU time, which other processes on a shared machine do not inflate: the UI thread's
            // cost per message (QPaho's signal, the model, the view, the panes, the probes) and
            // so the rate one core could keep up with; and a frame's CPU time.
            const double usPerMessage = uiCpuMs * 1000.0 / double(std::max<qint64>(applied, 1));
            std::printf("UI thread CPU %.0f ms for %lld messages: %.1f us per message, capacity "
                        "about %.0f msg/s on one core; full repaint CPU p50 %.1f ms, p99 %.1f ms\n",
                uiCpuMs, static_cast<long long>(applied), usPerMessage, 1e6 / usPerMessage,
                percentile(repaintCpu, 0.5), percentile(repaintCpu, 0.99));
            exitCode = caughtUp ? 0 : 1;
            QCoreApplication::exit(exitCode);
        }
    });
    driver->start(20);
    QTimer::singleShot(qint64(runSeconds) * 1000 + 20000, &window, [&] {
        std::fprintf(stderr, "Error: no result in time (connected? %s)\n",
            qPrintable(window.statusMessage()));
        QCoreApplication::exit(1);
    });
    const int rc = QApplication::exec();
    QMetaObject::invokeMethod(
        &publisher, [&] { publisher.stop(); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    return rc;
}
