// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The paho handle's lifetime as the core sees it: made when a connect needs one (with what it is
// made for), dropped (the paho layer destroys it off this thread), or parked for good when
// paho's session state is corrupt. Whatever paho held is finished or taken back here; the paho
// calls themselves are in src/paho/pahoclientsession.cpp.

#include "core/client_p.h"

#include "common/logging_p.h"

#include <algorithm>

namespace QPaho {

using namespace Internal;

HandleSettings ClientPrivate::handleSettings() const
{
    HandleSettings settings;
    settings.serverUris = options.serverUris();
    settings.clientId = clientId;
    settings.protocolVersion = protocolVersion;
    settings.persistenceDirectory = options.persistenceDirectory();
    // paho must never evict silently or refuse with -12 below what QPaho may hand it.
    settings.maxBufferedMessages
        = std::max(options.maxOutstandingRequests(), options.maxQueuedRequests()) + 16;
    settings.maxPendingMessages = options.maxPendingMessages();
    settings.dropOldestInbound = options.inboundOverflowPolicy() == OverflowPolicy::DropOldest;
    return settings;
}

bool ClientPrivate::ensureHandle()
{
    const bool hadHandle = m_paho->hasHandle();
    const auto outcome = m_paho->ensureHandle(handleSettings());
    if (outcome == PahoSession::HandleOutcome::Kept)
        return true;
    if (hadHandle) {
        // The old handle went with whatever it held: nothing of it completes any more.
        failRequests([](const Request &r) { return r.handedToPaho; }, Error::Disconnected,
            QStringLiteral("the connection was closed"));
    }
    if (outcome == PahoSession::HandleOutcome::Failed)
        return false;
    m_restoredTokens = m_paho->takeRestoredTokens();
    if (!m_restoredTokens.isEmpty())
        qCInfo(lcClient) << m_restoredTokens.size() << "publishes restored from"
                         << options.persistenceDirectory();
    return true;
}

void ClientPrivate::destroyHandle()
{
    if (!m_paho->destroyHandle())
        return;
    ++m_handleGeneration;
    // The handle is destroyed off this thread with its callbacks detached: what it held
    // never completes, so it ends here.
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
    // Never destroyed nor connected again: either would touch paho's freed memory.
    m_paho->parkHandle();
    ++m_handleGeneration;
    m_cleanStartOnce = true;
    m_resendGuard.reset();
}

void ClientPrivate::handlePublishDroppedWithSession(quint64 id, Request &request)
{
    // The broker kept no session (it lost it in a restart, a cluster node did not share it, the
    // session ended with the connection: MQTT 5 expiry 0, or the one clean session after
    // abandonPahoSession()), so paho discarded the publishes it was waiting to have
    // acknowledged. QoS 0/1 go out again from QPaho's copy once connected, in their order:
    // at least once allows the duplicate if the broker had received one. A QoS 2 message may
    // already have been delivered: sending it again could deliver it twice, so it fails and
    // says so. A publish dropped like that at several connections in a row may be what makes
    // the broker close them (too large, not allowed): it fails too, instead of looping.
    if (request.message.qos() < 2 && ++request.droppedWithSession < kMaxDropsWithSession) {
        // Behind the publishes this batch already put back (the marked run at the front).
        const auto runEnd
            = std::find_if(m_outbound.begin(), m_outbound.end(), [this](quint64 queued) {
                  const auto it = m_requests.find(queued);
                  return it == m_requests.end() || !it->second.takenBackWithSession;
              });
        const auto position = std::upper_bound(m_outbound.begin(), runEnd, id);
        takeBackFromPaho(id, request, std::size_t(position - m_outbound.begin()));
        request.takenBackWithSession = true;
        return;
    }
    const QString text = request.message.qos() < 2
        ? QStringLiteral("the broker did not keep the session at %1 connections in a row while "
                         "this publish was unacknowledged (does it close the connection for "
                         "it?); it is not sent again")
              .arg(request.droppedWithSession)
        : QStringLiteral("the broker did not keep the session, and the connection was lost "
                         "before it confirmed this QoS 2 message; it is not sent again: the "
                         "broker may or may not have received it");
    finishRequest(id, Result(Error::ConnectionLost, text));
}

} // namespace QPaho
