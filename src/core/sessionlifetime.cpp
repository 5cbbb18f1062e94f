// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The paho handle's lifetime as the core sees it: made when a connect needs one, handed to the
// HandleReaper to be destroyed off this thread, or parked for good when paho's session state is
// corrupt (PahoQuarantine). Whatever paho held is finished or taken back here.

#include "core/client_p.h"

#include "common/logging_p.h"
#include "paho/handlereaper_p.h"
#include "paho/pahoerrors_p.h"
#include "paho/pahoquarantine_p.h"
#include "paho/pahowaker_p.h"

#include <QtCore/QDir>

#include <algorithm>

namespace QPaho {

using namespace Internal;

bool ClientPrivate::ensureHandle()
{
    const QStringList uris = options.serverUris();
    const QString key = uris.join(QLatin1Char('\n')) + QLatin1Char('\n') + clientId
        + QLatin1Char('\n') + QString::number(int(protocolVersion)) + QLatin1Char('\n')
        + options.persistenceDirectory();
    if (m_handle && key == m_handleKey)
        return true;
    // One waker reference per live handle. The new handle's first: the old handle's goes back
    // later on the reaper, and the count must not touch 0 in between (that would stop paho's
    // threads and start them again).
    PahoWaker::acquire();
    destroyHandle();

    if (!m_bridge)
        m_bridge = std::make_unique<Bridge>(this);
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.MQTTVersion = isMqtt5() ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    const bool persistent = !options.persistenceDirectory().isEmpty();
    // QPaho keeps its own offline queue; paho only holds what QPaho handed it. With a
    // persistence directory QPaho hands publishes over while disconnected too, so that
    // paho writes them to disk.
    create.sendWhileDisconnected = persistent ? 1 : 0;
    create.allowDisconnectedSendAtAnyTime = persistent ? 1 : 0;
    // Never let paho evict silently (deleteOldestMessages) or refuse with -12 below
    // what QPaho may hand it.
    create.maxBufferedMessages
        = std::max(options.maxOutstandingRequests(), options.maxQueuedRequests()) + 16;
    create.deleteOldestMessages = 0;
    create.restoreMessages = 1;
    create.persistQoS0 = 0;

    int persistenceType = MQTTCLIENT_PERSISTENCE_NONE;
    void *persistenceContext = nullptr;
    if (persistent) {
        QDir().mkpath(options.persistenceDirectory());
        m_persistenceDir = QDir(options.persistenceDirectory()).absolutePath().toUtf8();
        persistenceType = MQTTCLIENT_PERSISTENCE_DEFAULT;
        persistenceContext = m_persistenceDir.data();
        HandleReaper::waitForPersistence(m_persistenceDir); // a dropped handle's store
    }
    const QByteArray uri = uris.constFirst().toUtf8();
    const QByteArray id = clientId.toUtf8();
    const int rc = MQTTAsync_createWithOptions(
        &m_handle, uri.constData(), id.constData(), persistenceType, persistenceContext, &create);
    if (rc != MQTTASYNC_SUCCESS) {
        qCWarning(lcClient) << "MQTTAsync_create failed:" << pahoText(rc);
        m_handle = nullptr;
        HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
        return false;
    }
    installPahoTrace();
    m_handleKey = key;
    m_bridge->setInboundLimit(options.maxPendingMessages(),
        options.inboundOverflowPolicy() == OverflowPolicy::DropOldest);
    m_bridge->installClientCallbacks(m_handle, persistent);
    m_restoredTokens.clear();
    if (persistent) {
        MQTTAsync_token *tokens = nullptr;
        if (MQTTAsync_getPendingTokens(m_handle, &tokens) == MQTTASYNC_SUCCESS && tokens) {
            for (int i = 0; tokens[i] != -1; ++i)
                m_restoredTokens.insert(tokens[i]);
            MQTTAsync_free(tokens);
        }
        if (!m_restoredTokens.isEmpty())
            qCInfo(lcClient) << m_restoredTokens.size() << "publishes restored from"
                             << options.persistenceDirectory();
    }
    return true;
}

void ClientPrivate::destroyHandle()
{
    endConnectWakes();
    if (!m_handle)
        return;
    m_noDelay.reset();
    // MQTTAsync_destroy waits for paho (its mutex, and its threads when this is the last
    // client): it runs on the HandleReaper, with the bridge detached first, so the -11
    // failures paho produces there are dropped: the outcome is decided below, nothing paho
    // held completes now. The reaper deletes the bridge after the destroy, and keeps the
    // strings paho's options point to until then.
    m_bridge->detach();
    HandleReaper::destroyLater(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(this)),
        std::exchange(m_persistenceDir, {}),
        std::make_shared<ConnectStrings>(std::exchange(m_strings, ConnectStrings())));
    m_handleKey.clear();
    const QString text = m_shuttingDown ? QStringLiteral("the client was destroyed")
                                        : QStringLiteral("the connection was closed");
    const Error error = m_shuttingDown ? Error::ClientDestroyed : Error::Disconnected;
    failRequests([](const Request &r) { return r.handedToPaho; }, error, text);
}

void ClientPrivate::abandonPahoSession(Abandon why, quint64 brokenOffId)
{
    // Sort what paho held. After a broken write (paho's session memory is corrupt, see
    // PahoQuarantine) QoS 0/1 publishes go out again from QPaho's copies (at least once allows
    // a duplicate), and so does the publish whose write failed: not one byte of it reached the
    // broker. A QoS 2 publish paho held may have been delivered already: sending it again
    // would break exactly-once, so it fails and says so. After a resend loop everything paho
    // held fails: one of those publications breaks every connection.
    std::vector<quint64> again;
    std::vector<quint64> unknown;
    for (const auto &[id, request] : m_requests) {
        if (!request.handedToPaho)
            continue;
        const bool resend = why == Abandon::BrokenWrite
            && (id == brokenOffId
                || (request.kind == RequestKind::Publish && request.message.qos() < 2));
        (resend ? again : unknown).push_back(id);
    }
    qCWarning(lcClient).nospace()
        << (why == Abandon::BrokenWrite
                   ? "a publish write to the broker failed, which leaves paho's session state "
                     "corrupt (paho 1.3.x)"
                   : "the connection was lost right after each of the last reconnects while "
                     "paho re-sent the publishes it held")
        << ": QPaho abandons paho's session state, re-sends " << again.size() << " and fails "
        << unknown.size() << " requests, and starts a clean session (docs/paho-resend-loop.md)";
    std::sort(again.begin(), again.end());
    for (auto it = again.rbegin(); it != again.rend(); ++it)
        takeBackFromPaho(*it, m_requests.at(*it)); // to the front, in their order
    std::sort(unknown.begin(), unknown.end());
    const QString text = QStringLiteral(
        "QPaho had to abandon paho's session state while paho held this request (%1); it is not "
        "sent again: the broker may or may not have received it (see docs/paho-resend-loop.md)")
                             .arg(why == Abandon::BrokenWrite
                                     ? QStringLiteral("a failed write corrupted it")
                                     : QStringLiteral("it broke every connection"));
    const auto alive = m_alive;
    for (quint64 id : unknown) {
        finishRequest(id, Result(Error::ConnectionLost, text));
        if (!*alive)
            return;
    }
    // Never destroyed nor connected again: either would touch paho's freed memory. What
    // paho's options point to stays with it.
    m_noDelay.reset();
    PahoQuarantine::park(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(this)),
        std::make_shared<std::pair<QByteArray, ConnectStrings>>(
            std::exchange(m_persistenceDir, {}), std::exchange(m_strings, ConnectStrings())));
    HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
    m_handleKey.clear();
    m_cleanStartOnce = true;
    m_resendGuard.reset();
}

} // namespace QPaho
