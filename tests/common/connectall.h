// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Connecting several clients at once, the way most broker tests start (connectAll() and the
// QPAHO_CONNECT_ALL() check), and disconnecting them at the end (QPAHO_DISCONNECT_ALL()).
#pragma once

#include "common/qpahotest.h"

#include <QPaho/QPaho>

#include <QtCore/QList>
#include <QtCore/QPair>

#include <initializer_list>

namespace QPahoTest {

using ClientOptions = QPair<QPaho::Client *, QPaho::ConnectOptions>;

// Starts every connect, then waits for each result (in the order given). All at once, because
// paho's receive thread notices a new socket only when its poll() times out (1 s) while other
// sockets are open: connecting one after the other costs about a second per client.
inline QList<QPaho::ConnectResult> connectAll(
    const QList<ClientOptions> &clients, int timeoutMs = 10000)
{
    QList<QFuture<QPaho::ConnectResult>> futures;
    for (const auto &[client, options] : clients)
        futures << client->connectToHost(options);
    QList<QPaho::ConnectResult> results;
    for (const auto &future : std::as_const(futures))
        results << await(future, timeoutMs);
    return results;
}

} // namespace QPahoTest

// connectAll() (default timeout) and a failure, returning from the test function, unless every
// client connected: QPAHO_CONNECT_ALL({ { &a, optionsA }, { &b, optionsB } });
#define QPAHO_CONNECT_ALL(...)                                                                     \
    do {                                                                                           \
        for (const QPaho::ConnectResult &qpahoConnected_ : QPahoTest::connectAll(__VA_ARGS__))     \
            QPAHO_VERIFY_OK(qpahoConnected_);                                                      \
    } while (false)

// Disconnects the clients one after the other, each normally (DISCONNECT sent), and fails
// (returning from the test function) unless each disconnect succeeds:
// QPAHO_DISCONNECT_ALL({ &a, &b });
#define QPAHO_DISCONNECT_ALL(...)                                                                  \
    do {                                                                                           \
        for (QPaho::Client * qpahoClient_ : std::initializer_list<QPaho::Client *> __VA_ARGS__)    \
            QPAHO_VERIFY_OK(QPahoTest::await(qpahoClient_->disconnectFromHost()));                 \
    } while (false)
