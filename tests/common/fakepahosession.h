// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_TESTS_FAKEPAHOSESSION_H
#define QPAHO_TESTS_FAKEPAHOSESSION_H

// A PahoSession without paho, for the unit suites of the owner-thread core (tst_core*): it
// records what the core asks of paho and lets the test answer as paho would, with the same
// events the Bridge delivers. Nothing crosses a wire: these suites test the core's decisions
// (which future finishes how, what goes out when, which handler gets a message), never MQTT.
// Suites that include it are INTERNAL (they see src/).

#include "common/qpahotest.h"
#include "paho/pahoerrors_p.h"
#include "paho/pahosession_p.h"

#include <QPaho/Client>

#include <QtCore/QCoreApplication>
#include <QtCore/QEvent>
#include <QtCore/QPointer>

#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace QPahoTest {

using QPaho::Internal::BridgeEvent;
using QPaho::Internal::RequestKind;

class FakePahoSession final : public QPaho::Internal::PahoSession
{
public:
    /*! One request the core made. */
    struct Call
    {
        RequestKind kind = RequestKind::Publish;
        quint64 requestId = 0;
        QPaho::Internal::ConnectAttempt attempt; // connect
        QPaho::Message message; // publish
        QList<QPair<QString, QPaho::SubscribeOptions>> subscriptions; // subscribe
        QStringList filters; // unsubscribe
        int reasonCode = 0; // disconnect
    };

    explicit FakePahoSession(QObject *owner) : m_owner(owner) { }

    // ---- What the core sees

    bool hasHandle() const override { return m_hasHandle; }
    HandleOutcome ensureHandle(const QPaho::Internal::HandleSettings &settings) override
    {
        if (m_hasHandle && settings.identity() == m_settings.identity())
            return HandleOutcome::Kept;
        m_settings = settings;
        if (failHandleCreation)
            return HandleOutcome::Failed;
        m_hasHandle = true;
        ++handlesCreated;
        return HandleOutcome::Created;
    }
    QSet<int> takeRestoredTokens() override { return {}; }
    bool destroyHandle() override
    {
        ++attemptsEnded;
        if (!std::exchange(m_hasHandle, false))
            return false;
        ++handlesDestroyed;
        return true;
    }
    void parkHandle() override
    {
        m_hasHandle = false;
        ++handlesParked;
    }

    int connect(const QPaho::Internal::ConnectAttempt &attempt) override
    {
        Call call;
        call.kind = RequestKind::Connect;
        call.requestId = attempt.requestId;
        call.attempt = attempt;
        return record(std::move(call));
    }
    int disconnect(quint64 requestId, int reasonCode, const QPaho::Properties &, bool) override
    {
        Call call;
        call.kind = RequestKind::Disconnect;
        call.requestId = requestId;
        call.reasonCode = reasonCode;
        return record(std::move(call));
    }
    int publish(quint64 requestId, const QPaho::Message &message, bool) override
    {
        Call call;
        call.kind = RequestKind::Publish;
        call.requestId = requestId;
        call.message = message;
        return record(std::move(call));
    }
    int subscribe(quint64 requestId,
        const QList<QPair<QString, QPaho::SubscribeOptions>> &subscriptions, bool) override
    {
        Call call;
        call.kind = RequestKind::Subscribe;
        call.requestId = requestId;
        call.subscriptions = subscriptions;
        for (const auto &sub : subscriptions)
            call.filters.append(sub.first);
        return record(std::move(call));
    }
    int unsubscribe(
        quint64 requestId, const QStringList &filters, const QPaho::Properties &, bool) override
    {
        Call call;
        call.kind = RequestKind::Unsubscribe;
        call.requestId = requestId;
        call.filters = filters;
        return record(std::move(call));
    }

    void takeEvents(std::vector<BridgeEvent> &out) override
    {
        out.assign(
            std::make_move_iterator(m_events.begin()), std::make_move_iterator(m_events.end()));
        m_events.clear();
    }
    quint64 takeDroppedCount() override { return std::exchange(droppedMessages, 0); }

    void connectAttemptEnded() override { ++attemptsEnded; }
    void largeWritePending(qint64 bytes) override
    {
        largestWritePending = std::max(largestWritePending, bytes);
    }
    void kickStalled() override { ++stallKicks; }
    void connected(const QString &, const QPaho::ConnectOptions &) override { ++connections; }
    void connectionDown() override { ++connectionsDown; }

    // ---- What the test does as paho

    /*! Delivers \a event to the core as the Bridge would (queued, on the owner's thread). */
    void post(BridgeEvent event)
    {
        m_events.push_back(std::move(event));
        QCoreApplication::postEvent(
            m_owner, new QEvent(QEvent::Type(QPaho::Internal::PahoSession::wakeEventType())));
    }

    /*! The CONNACK that accepts the newest connect attempt. */
    void acceptConnect(bool sessionPresent = false)
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::Success;
        e.kind = RequestKind::Connect;
        e.requestId = lastCall(RequestKind::Connect).requestId;
        e.sessionPresent = sessionPresent;
        e.text = lastCall(RequestKind::Connect).attempt.serverUri;
        post(std::move(e));
    }
    /*! The newest connect attempt fails with paho's \a code (e.g. 5: not authorised). */
    void refuseConnect(int code, const QString &text = QString())
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::Failure;
        e.kind = RequestKind::Connect;
        e.requestId = lastCall(RequestKind::Connect).requestId;
        e.code = code;
        e.text = text;
        post(std::move(e));
    }
    /*! The broker's acknowledgement of \a call (PUBACK, SUBACK with \a reasonCodes, ...). */
    void acknowledge(const Call &call, QList<int> reasonCodes = {}, int token = 1)
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::Success;
        e.kind = call.kind;
        e.requestId = call.requestId;
        e.token = token;
        if (reasonCodes.isEmpty() && call.kind == RequestKind::Subscribe) {
            for (const auto &sub : call.subscriptions)
                reasonCodes.append(sub.second.qos());
        }
        e.reasonCodes = std::move(reasonCodes);
        post(std::move(e));
    }
    /*! paho's onFailure for \a call with \a code. */
    void fail(const Call &call, int code, int token = 1)
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::Failure;
        e.kind = call.kind;
        e.requestId = call.requestId;
        e.code = code;
        e.token = token;
        post(std::move(e));
    }
    /*! A PUBLISH from the broker. */
    void deliver(const QPaho::Message &message)
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::MessageArrived;
        e.message = message;
        post(std::move(e));
    }
    /*! paho's connectionLost. */
    void loseConnection(const QString &cause = QStringLiteral("socket closed"))
    {
        BridgeEvent e;
        e.type = BridgeEvent::Type::ConnectionLost;
        e.text = cause;
        post(std::move(e));
    }

    /*! The requests of \a kind, in the order the core made them. */
    QList<Call> callsOf(RequestKind kind) const
    {
        QList<Call> out;
        for (const Call &c : calls) {
            if (c.kind == kind)
                out.append(c);
        }
        return out;
    }
    int count(RequestKind kind) const { return int(callsOf(kind).size()); }
    Call lastCall(RequestKind kind) const
    {
        const QList<Call> of = callsOf(kind);
        return of.isEmpty() ? Call() : of.constLast();
    }
    const QPaho::Internal::HandleSettings &handleSettings() const { return m_settings; }

    std::vector<Call> calls;
    /*! paho's answers to the next requests, in order (empty: success). */
    std::deque<int> scriptedCodes;
    bool failHandleCreation = false;
    quint64 droppedMessages = 0;
    int handlesCreated = 0;
    int handlesDestroyed = 0;
    int handlesParked = 0;
    int attemptsEnded = 0;
    int stallKicks = 0;
    int connections = 0;
    int connectionsDown = 0;
    qint64 largestWritePending = 0;

private:
    int record(Call call)
    {
        calls.push_back(std::move(call));
        if (scriptedCodes.empty())
            return QPaho::Internal::PahoCode::Success;
        const int code = scriptedCodes.front();
        scriptedCodes.pop_front();
        return code;
    }

    QObject *const m_owner;
    bool m_hasHandle = false;
    QPaho::Internal::HandleSettings m_settings;
    std::vector<BridgeEvent> m_events;
};

/*!
    While it lives, every Client made gets a FakePahoSession instead of paho. session() is the
    newest one (the Client made last), valid while that Client lives.
*/
class FakePahoSessions
{
public:
    FakePahoSessions()
    {
        QPaho::Internal::PahoSession::setFactoryForTesting([this](QObject *owner) {
            auto session = std::make_unique<FakePahoSession>(owner);
            m_newest = session.get();
            return session;
        });
    }
    ~FakePahoSessions() { QPaho::Internal::PahoSession::setFactoryForTesting({}); }
    FakePahoSessions(const FakePahoSessions &) = delete;
    FakePahoSessions &operator=(const FakePahoSessions &) = delete;

    FakePahoSession *session() const { return m_newest; }

private:
    FakePahoSession *m_newest = nullptr;
};

/*!
    A Client whose paho is a FakePahoSession, for one test function: `FakeClient f;` then
    `QVERIFY(f.connect(options))` when the test needs a connected client.
*/
struct FakeClient
{
    FakePahoSessions fakes; // first: the Client below takes its session from it
    QPaho::Client client;
    FakePahoSession *const paho = fakes.session();

    /*! connectToHost(\a options) answered by a CONNACK; false if the future did not succeed. */
    bool connect(const QPaho::ConnectOptions &options)
    {
        auto future = client.connectToHost(options);
        if (paho->count(RequestKind::Connect) == 0)
            return false;
        paho->acceptConnect();
        return QPahoTest::waitForFuture(future, 5000) && future.result().isOk()
            && client.state() == QPaho::Client::State::Connected;
    }
};

} // namespace QPahoTest

#endif // QPAHO_TESTS_FAKEPAHOSESSION_H
