// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// The aiomqtt README demo, step for step, with QFuture continuations in place of await:
// connect, add a handler for my/test/path, subscribe, publish "Hello, world" and wait for
// the publish, print the message, wait one second, disconnect and wait for disconnected().
//
// Usage: qpaho-demo [host-or-URI]    (default: localhost, i.e. tcp://localhost:1883)

#include <QPaho/Client>

#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <cstdio>

namespace {
void say(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}
int fail(const QString &what, const QPaho::Result &result)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(what), qPrintable(result.errorString()));
    QCoreApplication::exit(1);
    return 1;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString server = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("localhost");
    const QString topic = QStringLiteral("my/test/path");

    QPaho::Client c;

    // Every continuation below runs on this thread: QPaho finishes its futures here.
    c.connectToHost(server).then(&c, [&](const QPaho::ConnectResult &connected) {
        if (!connected)
            return void(fail(QStringLiteral("connect"), connected));
        say(QStringLiteral("Connected!"));

        c.addMessageHandler(topic, &c, [](const QPaho::Message &message) {
            say(QStringLiteral("Got message: %1 %2")
                    .arg(message.topic(), QString::fromUtf8(message.payload())));
        });

        c.subscribe(topic).then(&c, [&](const QPaho::SubscribeResult &subscribed) {
            if (!subscribed)
                return void(fail(QStringLiteral("subscribe"), subscribed));
            say(QStringLiteral("Subscribed to %1").arg(topic));

            c.publish(topic, "Hello, world").then(&c, [&](const QPaho::PublishResult &published) {
                if (!published)
                    return void(fail(QStringLiteral("publish"), published));
                say(QStringLiteral("Message published!"));

                QTimer::singleShot(1000, &c, [&] {
                    say(QStringLiteral("Disconnecting..."));
                    QObject::connect(&c, &QPaho::Client::disconnected, &app, [] {
                        say(QStringLiteral("Disconnected"));
                        QCoreApplication::exit(0);
                    });
                    c.disconnectFromHost();
                });
            });
        });
    });

    return app.exec();
}
