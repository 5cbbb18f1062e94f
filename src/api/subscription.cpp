// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Subscription, the object per topic filter (Client::subscription()): its state machine
// (Pending, Subscribed, Error, Unsubscribed) follows the core's SUBSCRIBE results, also the
// restores after a lost session. Sends only through the public Client API.
#include "api/subscription_p.h"
#include "core/threadcheck_p.h"

#include "core/client_p.h"

#include <QPaho/topic.h>

#include <QtCore/QPromise>

namespace QPaho {

namespace {

using Internal::finishedFuture;

// Failures that say nothing about the filter: the connection went away, so the next
// connect subscribes again.
bool isConnectionFailure(Error error)
{
    return error == Error::ConnectionLost || error == Error::NotConnected
        || error == Error::Disconnected;
}

} // namespace

// ---------------------------------------------------------------------------------------
// Client's side: one object per filter, owned by the Client

Subscription *Client::subscription(const QString &filter, const SubscribeOptions &options)
{
    Q_D(Client);
    if (Subscription *existing = d->subscriptionObjects.value(filter))
        return existing;
    auto *subscription = new Subscription(this, filter, options);
    d->subscriptionObjects.insert(filter, subscription);
    SubscriptionPrivate::get(subscription)->start();
    return subscription;
}

// ---------------------------------------------------------------------------------------
// SubscriptionPrivate

SubscriptionPrivate::SubscriptionPrivate(
    Subscription *q, Client *c, const QString &f, const SubscribeOptions &o)
    : q_ptr(q), client(c), filter(f), options(o)
{ }

void SubscriptionPrivate::start()
{
    Q_Q(Subscription);
    const QString filterError = Topic::filterError(filter);
    if (!filterError.isEmpty()) {
        state = Subscription::State::Error;
        errorString = filterError;
        return;
    }
    handlerId = client->addMessageHandler(
        filter, q, [this](const Message &message) { onMessage(message); });
    QObject::connect(client, &Client::connected, q,
        [this](const ConnectResult &result) { onClientConnected(result); });
    QObject::connect(client, &Client::stateChanged, q,
        [this](Client::State clientState) { onClientStateChanged(clientState); });
    subscribeNow();
}

void SubscriptionPrivate::subscribeNow()
{
    switch (client->state()) {
    case Client::State::Connected:
    case Client::State::Connecting: // queued by the Client until the CONNACK
        follow(client->subscribe(filter, options));
        break;
    case Client::State::Reconnecting:
    case Client::State::Disconnecting:
    case Client::State::Disconnected:
        break; // onClientConnected() subscribes
    }
}

void SubscriptionPrivate::follow(const QFuture<SubscribeResult> &future)
{
    Q_Q(Subscription);
    const quint64 thisAttempt = ++attempt;
    pending = future;
    setState(Subscription::State::Pending);
    whenFinished(thisAttempt);
}

void SubscriptionPrivate::whenFinished(quint64 thisAttempt)
{
    // The Client is the context, not this object: the Client finishes every future before it
    // dies, while this object may be deleted first (unsubscribe()), and Qt 6.4 asserts on a
    // continuation whose context is gone. The continuation may run at once (a future that
    // finished already, or inside the Client's completion): it only updates this object.
    QPointer<Subscription> self(q_ptr);
    pending.then(client, [self, thisAttempt](const SubscribeResult &result) {
        if (self)
            get(self)->onSubscribeFinished(thisAttempt, result);
    });
}

void SubscriptionPrivate::followRestore(const QFuture<SubscribeResult> &future)
{
    Q_Q(Subscription);
    // Called from inside the Client's reconnect handling: take the future now, but let
    // the application hear about the state change only once the Client is done.
    const quint64 thisAttempt = ++attempt;
    pending = future;
    state = Subscription::State::Pending;
    QMetaObject::invokeMethod(
        q,
        [this, thisAttempt] {
            if (attempt == thisAttempt && state == Subscription::State::Pending)
                Q_EMIT q_ptr->stateChanged(state);
        },
        Qt::QueuedConnection);
    whenFinished(thisAttempt);
}

void SubscriptionPrivate::onSubscribeFinished(quint64 forAttempt, const SubscribeResult &result)
{
    if (forAttempt != attempt || ended || result.error() == Error::ClientDestroyed)
        return;
    if (result.isOk()) {
        if (!errorString.isEmpty()) {
            errorString.clear();
            Q_EMIT q_ptr->errorStringChanged(errorString);
        }
        setGrantedQos(result.grantedQos());
        setState(Subscription::State::Subscribed);
        return;
    }
    if (isConnectionFailure(result.error())) {
        // Still wanted: the next connect subscribes again (see onClientConnected()).
        setGrantedQos(-1);
        setState(Subscription::State::Pending);
        return;
    }
    setError(result.errorString(), result.error() == Error::Refused ? result.reasonCode() : 0);
}

void SubscriptionPrivate::onClientConnected(const ConnectResult &result)
{
    if (ended || state == Subscription::State::Error)
        return;
    if (pending.isValid() && !pending.isFinished())
        return; // a SUBSCRIBE is queued or in flight (ours, or the Client's restore)
    if (state == Subscription::State::Subscribed && result.sessionPresent())
        return; // the broker kept it
    subscribeNow();
}

void SubscriptionPrivate::onClientStateChanged(Client::State clientState)
{
    // While reconnecting the broker may still hold the subscription (session present);
    // once disconnected for good it is only wanted.
    if (clientState == Client::State::Disconnected && state == Subscription::State::Subscribed) {
        setGrantedQos(-1);
        setState(Subscription::State::Pending);
    }
}

void SubscriptionPrivate::onMessage(const Message &message)
{
    if (ended)
        return;
    ++messageCount;
    Q_EMIT q_ptr->messageCountChanged(messageCount);
    Q_EMIT q_ptr->messageReceived(message);
}

void SubscriptionPrivate::setState(Subscription::State newState)
{
    if (state == newState)
        return;
    state = newState;
    Q_EMIT q_ptr->stateChanged(state);
}

void SubscriptionPrivate::setGrantedQos(int qos)
{
    if (grantedQos == qos)
        return;
    grantedQos = qos;
    Q_EMIT q_ptr->qosChanged(qos);
}

void SubscriptionPrivate::setError(const QString &text, int code)
{
    setGrantedQos(-1);
    if (errorString != text) {
        errorString = text;
        Q_EMIT q_ptr->errorStringChanged(errorString);
    }
    if (reasonCode != code) {
        reasonCode = code;
        Q_EMIT q_ptr->reasonCodeChanged(reasonCode);
    }
    setState(Subscription::State::Error);
}

QFuture<Result> SubscriptionPrivate::unsubscribe()
{
    Q_Q(Subscription);
    if (ended)
        return finishedFuture(Result());
    ended = true;
    ++attempt; // the outcome of a SUBSCRIBE still under way no longer matters
    QFuture<Result> future;
    // One read of the QPointer: each of its reads may be null as far as the compiler knows.
    if (Client *const owner = client.data()) {
        if (handlerId)
            owner->removeMessageHandler(handlerId);
        auto &objects = owner->d_func()->subscriptionObjects;
        if (objects.value(filter) == q)
            objects.remove(filter);
        // The broker may hold it when a SUBSCRIBE was sent or granted and the client is
        // (re)connected; otherwise there is nothing to send.
        const bool mayBeHeld
            = state == Subscription::State::Subscribed || state == Subscription::State::Pending;
        if (mayBeHeld && owner->state() != Client::State::Disconnected)
            future = owner->unsubscribe(filter);
    }
    if (!future.isValid())
        future = finishedFuture(Result());
    setGrantedQos(-1);
    setState(Subscription::State::Unsubscribed);
    q->deleteLater(); // owned by the Client; "later" so callers may still read it
    return future;
}

// ---------------------------------------------------------------------------------------
// Subscription

Subscription::Subscription(Client *client, const QString &filter, const SubscribeOptions &options)
    : QObject(client), d_ptr(std::make_unique<SubscriptionPrivate>(this, client, filter, options))
{ }

Subscription::~Subscription() = default;

QString Subscription::filter() const
{
    Q_D(const Subscription);
    return d->filter;
}

SubscribeOptions Subscription::options() const
{
    Q_D(const Subscription);
    return d->options;
}

int Subscription::qos() const
{
    Q_D(const Subscription);
    return d->grantedQos;
}

Subscription::State Subscription::state() const
{
    Q_D(const Subscription);
    return d->state;
}

QString Subscription::errorString() const
{
    Q_D(const Subscription);
    return d->errorString;
}

int Subscription::reasonCode() const
{
    Q_D(const Subscription);
    return d->reasonCode;
}

quint64 Subscription::messageCount() const
{
    Q_D(const Subscription);
    return d->messageCount;
}

QFuture<Result> Subscription::unsubscribe()
{
    Q_D(Subscription);
    return d->unsubscribe();
}

} // namespace QPaho
