// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// PahoClientSession: the paho handle's lifetime (create, destroy off the owner thread, park),
// its events, and the calls that keep paho moving. Requests are in pahorequests.cpp, connect
// options in pahoconnect.cpp.

#include "paho/pahoclientsession_p.h"

#include "common/logging_p.h"
#include "paho/handlereaper_p.h"
#include "paho/nodelaytarget_p.h"
#include "paho/pahoerrors_p.h"
#include "paho/pahoquarantine_p.h"
#include "paho/pahotrace_p.h"
#include "paho/pahowaker_p.h"

#include <QtCore/QDir>
#include <QtCore/QPointer>

#include <algorithm>
#include <utility>

namespace QPaho::Internal {

namespace {

PahoSession::Factory &testFactory()
{
    static PahoSession::Factory factory;
    return factory;
}

} // namespace

// ---------------------------------------------------------------------------------------
// PahoSession

std::unique_ptr<PahoSession> PahoSession::create(QObject *owner)
{
    if (testFactory())
        return testFactory()(owner);
    return std::make_unique<PahoClientSession>(owner);
}

void PahoSession::setFactoryForTesting(Factory factory)
{
    testFactory() = std::move(factory);
}

int PahoSession::wakeEventType()
{
    return Bridge::wakeEventType();
}

PahoSession::~PahoSession() = default;

QString HandleSettings::identity() const
{
    return serverUris.join(QLatin1Char('\n')) + QLatin1Char('\n') + clientId + QLatin1Char('\n')
        + QString::number(int(protocolVersion)) + QLatin1Char('\n') + persistenceDirectory;
}

// ---------------------------------------------------------------------------------------
// The handle

PahoClientSession::PahoClientSession(QObject *owner)
    : m_owner(owner), m_bridge(std::make_unique<Bridge>(owner))
{ }

PahoClientSession::~PahoClientSession()
{
    destroyHandle();
    m_bridge.reset();
}

PahoSession::HandleOutcome PahoClientSession::ensureHandle(const HandleSettings &settings)
{
    const QString identity = settings.identity();
    if (m_handle && identity == m_identity)
        return HandleOutcome::Kept;
    // One waker reference per live handle. The new handle's first: the old handle's goes back
    // later on the reaper, and the count must not touch 0 in between (that would stop paho's
    // threads and start them again).
    PahoWaker::acquire();
    destroyHandle();
    if (!createHandle(settings)) {
        HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
        return HandleOutcome::Failed;
    }
    m_identity = identity;
    return HandleOutcome::Created;
}

bool PahoClientSession::createHandle(const HandleSettings &settings)
{
    const bool mqtt5 = settings.protocolVersion == ProtocolVersion::Mqtt5;
    MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
    create.MQTTVersion = mqtt5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1;
    const bool persistent = !settings.persistenceDirectory.isEmpty();
    // QPaho keeps its own offline queue; paho only holds what QPaho handed it. With a
    // persistence directory QPaho hands publishes over while disconnected too, so that
    // paho writes them to disk.
    create.sendWhileDisconnected = persistent ? 1 : 0;
    create.allowDisconnectedSendAtAnyTime = persistent ? 1 : 0;
    // Never let paho evict silently (deleteOldestMessages) or refuse with -12 below what
    // QPaho may hand it.
    create.maxBufferedMessages = settings.maxBufferedMessages;
    create.deleteOldestMessages = 0;
    create.restoreMessages = 1;
    create.persistQoS0 = 0;

    int persistenceType = MQTTCLIENT_PERSISTENCE_NONE;
    void *persistenceContext = nullptr;
    if (persistent) {
        QDir().mkpath(settings.persistenceDirectory);
        m_persistenceDir = QDir(settings.persistenceDirectory).absolutePath().toUtf8();
        persistenceType = MQTTCLIENT_PERSISTENCE_DEFAULT;
        persistenceContext = m_persistenceDir.data();
        HandleReaper::waitForPersistence(m_persistenceDir); // a dropped handle's store
    }
    const QByteArray uri = settings.serverUris.constFirst().toUtf8();
    const QByteArray id = settings.clientId.toUtf8();
    const int rc = MQTTAsync_createWithOptions(
        &m_handle, uri.constData(), id.constData(), persistenceType, persistenceContext, &create);
    if (rc != MQTTASYNC_SUCCESS) {
        qCWarning(lcClient) << "MQTTAsync_create failed:" << pahoText(rc);
        m_handle = nullptr;
        return false;
    }
    installPahoTrace();
    m_bridge->setInboundLimit(settings.maxPendingMessages, settings.dropOldestInbound);
    m_bridge->installClientCallbacks(m_handle, persistent);
    m_restoredTokens.clear();
    if (persistent) {
        MQTTAsync_token *tokens = nullptr;
        if (MQTTAsync_getPendingTokens(m_handle, &tokens) == MQTTASYNC_SUCCESS && tokens) {
            for (int i = 0; tokens[i] != -1; ++i)
                m_restoredTokens.insert(tokens[i]);
            MQTTAsync_free(tokens);
        }
    }
    return true;
}

QSet<int> PahoClientSession::takeRestoredTokens()
{
    return std::exchange(m_restoredTokens, {});
}

bool PahoClientSession::destroyHandle()
{
    connectAttemptEnded();
    if (!m_handle)
        return false;
    connectionDown();
    // MQTTAsync_destroy waits for paho (its mutex, and its threads when this is the last
    // client): it runs on the HandleReaper, with the bridge detached first, so the -11
    // failures paho produces there are dropped: the core decides the outcome, nothing paho
    // held completes now. The reaper deletes the bridge after the destroy, and keeps the
    // strings paho's options point to until then.
    m_bridge->detach();
    HandleReaper::destroyLater(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(m_owner)),
        std::exchange(m_persistenceDir, {}),
        std::make_shared<ConnectStrings>(std::exchange(m_strings, ConnectStrings())));
    m_identity.clear();
    return true;
}

void PahoClientSession::parkHandle()
{
    connectAttemptEnded();
    connectionDown();
    // Never destroyed nor connected again: either would touch paho's freed memory. What
    // paho's options point to stays with it.
    // The persistence directory is passed on as well: on a paho without the defect the handle
    // is destroyed, and a new handle on the same store must wait for that.
    const QByteArray persistenceDir = m_persistenceDir;
    PahoQuarantine::park(std::exchange(m_handle, nullptr),
        std::exchange(m_bridge, std::make_unique<Bridge>(m_owner)),
        std::make_shared<std::pair<QByteArray, ConnectStrings>>(
            std::exchange(m_persistenceDir, {}), std::exchange(m_strings, ConnectStrings())),
        persistenceDir);
    HandleReaper::destroyLater(nullptr, nullptr, {}); // gives the waker reference back
    m_identity.clear();
}

// ---------------------------------------------------------------------------------------
// Events

void PahoClientSession::takeEvents(std::vector<BridgeEvent> &out)
{
    m_bridge->takeEvents(out);
}

quint64 PahoClientSession::takeDroppedCount()
{
    return m_bridge->takeDroppedCount();
}

// ---------------------------------------------------------------------------------------
// Keeping paho moving

void PahoClientSession::connectAttemptEnded()
{
    if (std::exchange(m_connectWaking, false))
        PahoWaker::connectFinished();
}

void PahoClientSession::largeWritePending(qint64 bytes)
{
    // A large payload is written in pieces, and paho continues a partial write only when its
    // receive thread cycles (once a second when idle): keep it cycling while much is pending.
    if (bytes >= 64 * 1024)
        PahoWaker::wakeFor(1000 + int(std::min<qint64>(bytes / 4096, 60000)));
}

void PahoClientSession::kickStalled()
{
    // paho's send thread may be asleep with work queued (lost wake-up), or its receive thread
    // in its 1 s poll() with a partial write pending. Both kicks are harmless when paho was
    // merely waiting.
    PahoWaker::kickSendThread();
    PahoWaker::wake();
}

void PahoClientSession::connected(const QString &serverUri, const ConnectOptions &options)
{
    if (!options.tcpNoDelay())
        return;
    // Only the socket connected to the broker's (or proxy's) address and port.
    const auto target
        = NoDelayTarget::forConnect(serverUri, options.httpProxy(), options.httpsProxy());
    if (!target)
        return;
    const quint64 generation = m_connectionGeneration;
    // m_owner owns this session: the lookup's answer arrives on its thread while both live.
    target->resolve(
        m_owner, [this, generation](quint16 port, const QList<QHostAddress> &addresses) {
            // At once for an address literal, else after the lookup: only if still connected.
            if (generation == m_connectionGeneration)
                m_noDelay.apply(port, addresses);
        });
}

void PahoClientSession::connectionDown()
{
    ++m_connectionGeneration;
    m_noDelay.reset();
}

} // namespace QPaho::Internal
