// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// The aiomqtt README demo written with co_await, top to bottom like the Python original:
// connect, add a handler for my/test/path, subscribe, publish "Hello, world" and wait for the
// publish, wait one second, disconnect and wait until disconnected.
//
// Usage: qpaho-coro-demo [host-or-URI]    (default: localhost, i.e. tcp://localhost:1883)

#include <QPaho/Client>
#include <QPaho/Coro>

#include <QCoroTimer>

#include <QtCore/QCoreApplication>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

namespace {
void say(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

bool failed(const QString &what, const QPaho::Result &result)
{
    if (result)
        return false;
    std::fprintf(stderr, "%s: %s\n", qPrintable(what), qPrintable(result.errorString()));
    return true;
}

QCoro::Task<int> demo(QString server)
{
    const QString topic = QStringLiteral("my/test/path");
    QPaho::Client c;

    if (failed(QStringLiteral("connect"), co_await c.connectToHost(server)))
        co_return 1;
    say(QStringLiteral("Connected!"));

    c.addMessageHandler(topic, &c, [](const QPaho::Message &message) {
        say(QStringLiteral("Got message: %1 %2")
                .arg(message.topic(), QString::fromUtf8(message.payload())));
    });

    if (failed(QStringLiteral("subscribe"), co_await c.subscribe(topic)))
        co_return 1;
    say(QStringLiteral("Subscribed to %1").arg(topic));

    if (failed(QStringLiteral("publish"), co_await c.publish(topic, "Hello, world")))
        co_return 1;
    say(QStringLiteral("Message published!"));

    co_await QCoro::sleepFor(1s);
    say(QStringLiteral("Disconnecting..."));

    if (failed(QStringLiteral("disconnect"), co_await c.disconnectFromHost()))
        co_return 1;
    say(QStringLiteral("Disconnected"));
    co_return 0;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString server = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("localhost");
    // QCoro::waitFor runs an event loop until the coroutine has finished.
    return QCoro::waitFor(demo(server));
}
