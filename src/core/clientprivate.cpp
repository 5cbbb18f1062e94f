// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// ClientPrivate's frame: construction (timers), the state and statistics signals, and
// destruction. The rooms of the core are the other files in this folder: requesttable,
// connection, sessionlifetime, disconnect, subscriptions, outbound, inbox, requestresponse,
// routing. Nothing here calls paho.

#include "core/client_p.h"

#include "common/logging_p.h"

namespace QPaho {

using namespace Internal;

namespace {

// statisticsChanged() comes at most this often: enough for a UI, cheap under load.
constexpr int kStatisticsIntervalMs = 20;

} // namespace

ClientPrivate::ClientPrivate(Client *q) : q_ptr(q), m_paho(PahoSession::create(this))
{
    m_clock.start();
    m_reconnectTimer.setSingleShot(true);
    m_timeoutTimer.setSingleShot(true);
    m_disconnectGuard.setSingleShot(true);
    m_statisticsTimer.setSingleShot(true);
    m_statisticsTimer.setInterval(kStatisticsIntervalMs);
    // The timers must follow the Client into another thread: parent them to this object,
    // which is a child of the Client.
    m_reconnectTimer.setParent(this);
    m_timeoutTimer.setParent(this);
    m_disconnectGuard.setParent(this);
    m_statisticsTimer.setParent(this);
    m_stallWatchdog.setParent(this);
    m_stallWatchdog.setInterval(kStallCheckMs);
    connect(&m_stallWatchdog, &QTimer::timeout, this, &ClientPrivate::checkPahoProgress);
    // Never fires after shutdown(): it stops the timer and markStatisticsChanged() no
    // longer starts it.
    connect(&m_statisticsTimer, &QTimer::timeout, q, &Client::statisticsChanged);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (state == Client::State::Reconnecting) {
            qCDebug(lcReconnect) << "reconnecting to"
                                 << options.serverUris().at(
                                        m_uriIndex % int(options.serverUris().size()));
            startConnectAttempt();
        }
    });
    connect(&m_timeoutTimer, &QTimer::timeout, this, &ClientPrivate::onTimeoutTimer);
    connect(&m_disconnectGuard, &QTimer::timeout, this, [this] {
        if (state != Client::State::Disconnecting)
            return;
        qCWarning(lcClient) << "DISCONNECT did not complete in time; closing the connection";
        destroyHandle();
        finishDisconnect(Result());
    });
}

ClientPrivate::~ClientPrivate()
{
    shutdown();
}

void ClientPrivate::setState(Client::State newState)
{
    if (state == newState)
        return;
    state = newState;
    qCDebug(lcClient) << "state" << newState;
    if (!m_shuttingDown)
        Q_EMIT q_ptr->stateChanged(newState);
}

void ClientPrivate::markStatisticsChanged()
{
    // Coalesced by a timer: a counter changes once per message, and a posted call per
    // event-loop pass would cost a wake-up of this thread per burst of traffic. The timer
    // also keeps the signal out of calls the user is making.
    if (m_shuttingDown || m_statisticsTimer.isActive())
        return;
    m_statisticsTimer.start();
}

void ClientPrivate::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_reconnectTimer.stop();
    m_timeoutTimer.stop();
    m_disconnectGuard.stop();
    m_statisticsTimer.stop();
    m_stallWatchdog.stop();
    for (Handler &h : m_handlers)
        disconnect(h.destroyedConnection);
    m_handlers.clear();
    destroyHandle(); // fails what paho held with ClientDestroyed
    failPendingResponses(QStringLiteral("the client was destroyed"));
    m_connectRequestId = 0;
    m_disconnectRequestId = 0;
    failRequests([](const Request &) { return true; }, Error::ClientDestroyed,
        QStringLiteral("the client was destroyed"));
    *m_alive = false;
}

} // namespace QPaho
