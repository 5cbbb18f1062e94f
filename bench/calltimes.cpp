// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// qpaho_calltimes: how long QPaho's public calls keep the owner thread, and how much CPU an
// idle connected client costs. Prints, for each call, the median and maximum of 20 tries of the
// time until the call *returns* (not until its future finishes):
//   connect     connectToHost() on a new Client
//   reconnect   connectToHost() again on the same Client after disconnectFromHost()
//   subscribe   subscribe() while connected
//   publish     publish() QoS 1 while connected
//   disconnect  disconnectFromHost() while connected
//   delete      delete of a connected Client
// and then the CPU time (user + system) of this process while one Client sits connected with
// nothing to do for 10 s (keep-alive 60 s), with the process' wake-ups (voluntary context
// switches) in that time. Uses a private mosquitto like qpaho_bench.
#include "broker.h"

#include <QPaho/QPaho>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

namespace {

constexpr int kTries = 20;

template<typename T>
bool waitFor(const QFuture<T> &future, int timeoutMs = 10000)
{
    QElapsedTimer timer;
    timer.start();
    while (!future.isFinished() && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    return future.isFinished();
}

void spin(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

struct Times
{
    std::vector<double> ms;
    void add(qint64 ns) { ms.push_back(double(ns) / 1e6); }
    void print(const char *name)
    {
        std::sort(ms.begin(), ms.end());
        std::printf(
            "| %-10s | %8.3f | %8.3f | %zu |\n", name, ms[ms.size() / 2], ms.back(), ms.size());
    }
};

qint64 timed(const std::function<void()> &call)
{
    QElapsedTimer timer;
    timer.start();
    call();
    return timer.nsecsElapsed();
}

double cpuSeconds(long *voluntarySwitches)
{
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    *voluntarySwitches = usage.ru_nvcsw;
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    bench::Broker broker;
    QString error;
    if (!broker.start(&error)) {
        std::fprintf(stderr, "Error: cannot start mosquitto: %s\n", qPrintable(error));
        return 1;
    }
    const QString uri = QStringLiteral("tcp://127.0.0.1:%1").arg(broker.port());
    QPaho::ConnectOptions options(uri);
    options.setKeepAliveInterval(60);

    Times connect, reconnect, subscribe, publish, disconnect, destroy;
    for (int i = 0; i < kTries; ++i) {
        auto *client = new QPaho::Client;
        QFuture<QPaho::ConnectResult> c;
        connect.add(timed([&] { c = client->connectToHost(options); }));
        if (!waitFor(c) || !c.result().isOk()) {
            std::fprintf(stderr, "Error: connect failed\n");
            return 1;
        }
        QFuture<QPaho::SubscribeResult> s;
        subscribe.add(timed([&] { s = client->subscribe(QStringLiteral("calls/%1").arg(i), 1); }));
        waitFor(s);
        QFuture<QPaho::PublishResult> p;
        publish.add(timed([&] { p = client->publish(QStringLiteral("calls/x"), "x", 1); }));
        waitFor(p);
        QFuture<QPaho::Result> d;
        disconnect.add(timed([&] { d = client->disconnectFromHost(); }));
        waitFor(d);
        reconnect.add(timed([&] { c = client->connectToHost(options); }));
        if (!waitFor(c) || !c.result().isOk()) {
            std::fprintf(stderr, "Error: reconnect failed\n");
            return 1;
        }
        destroy.add(timed([&] { delete client; }));
        spin(20); // let the destroyed handle go (off this thread) before the next round
    }
    std::printf("Owner-thread time per call (ms, %d tries; until the call returns)\n\n", kTries);
    std::printf("| call       |   median |      max | n |\n|---|---:|---:|---:|\n");
    connect.print("connect");
    reconnect.print("reconnect");
    subscribe.print("subscribe");
    publish.print("publish");
    disconnect.print("disconnect");
    destroy.print("delete");

    // Idle: one connected client, nothing in flight, keep-alive 60 s.
    QPaho::Client idle;
    auto c = idle.connectToHost(options);
    if (!waitFor(c) || !c.result().isOk()) {
        std::fprintf(stderr, "Error: connect failed\n");
        return 1;
    }
    spin(500); // let the connect's wake period end
    long switchesBefore = 0, switchesAfter = 0;
    const double before = cpuSeconds(&switchesBefore);
    QEventLoop loop;
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    const double after = cpuSeconds(&switchesAfter);
    std::printf("\nIdle connected client, 10 s: %.1f ms CPU (process), %ld voluntary context "
                "switches\n",
        (after - before) * 1e3, switchesAfter - switchesBefore);
    return 0;
}
