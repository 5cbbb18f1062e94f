// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The installed-package consumer: uses the public headers and the library, prints "consumer ok".
#include <QPaho/Client>
#include <QPaho/Topic>

#include <QtCore/QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QPaho::Client client;
    if (client.state() != QPaho::Client::State::Disconnected) {
        std::fprintf(stderr, "consumer: a new client is not disconnected\n");
        return 1;
    }
    if (!QPaho::Topic::matches(QStringLiteral("a/+"), QStringLiteral("a/b"))) {
        std::fprintf(stderr, "consumer: Topic::matches(\"a/+\", \"a/b\") is false\n");
        return 1;
    }
    std::printf("consumer ok\n");
    return 0;
}
