// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The installed Coro component's consumer: awaits a QPaho future and uses both helpers without
// a broker, prints "consumer ok".
#include <QPaho/Client>
#include <QPaho/Coro>

#include <QCoroTask>

#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <chrono>
#include <cstdio>

namespace {
QCoro::Task<bool> run(QPaho::Client *client)
{
    // Errors are values: an invalid topic fails the publish at once, no connection needed.
    const QPaho::PublishResult published = co_await client->publish(QStringLiteral("a/#"), "x");
    if (published.error() != QPaho::Error::InvalidArgument) {
        std::fprintf(stderr, "consumer: publishing to a/# did not fail with InvalidArgument\n");
        co_return false;
    }
    const auto message = co_await QPaho::Coro::waitForMessage(
        *client, QStringLiteral("a/b"), std::chrono::milliseconds(10));
    if (message) {
        std::fprintf(stderr, "consumer: a disconnected client received a message\n");
        co_return false;
    }
    // The stream waits for messages until the client is destroyed, then ends.
    auto stream = QPaho::Coro::messages(*client, QStringLiteral("a/+"));
    QTimer::singleShot(0, [client] { delete client; });
    int count = 0;
    QCORO_FOREACH(const QPaho::Message &m, stream)
    {
        Q_UNUSED(m);
        ++count;
    }
    if (count != 0) {
        std::fprintf(stderr, "consumer: a disconnected client streamed %d messages\n", count);
        co_return false;
    }
    co_return true;
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (!QCoro::waitFor(run(new QPaho::Client)))
        return 1;
    std::printf("consumer ok\n");
    return 0;
}
