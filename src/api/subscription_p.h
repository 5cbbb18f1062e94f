// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_SUBSCRIPTION_P_H
#define QPAHO_SUBSCRIPTION_P_H

// SubscriptionPrivate: what a Subscription keeps (filter, options, state) and the hook the core
// uses to hand it the SUBSCRIBE a restore sends for its filter (followRestore()).

#include <QPaho/client.h>
#include <QPaho/subscription.h>

#include <QtCore/QPointer>

namespace QPaho {

/*!
    The state machine behind Subscription. It drives the Client through its public API
    (subscribe(), unsubscribe(), addMessageHandler(), connected(), stateChanged()); the one
    private hook is followRestore(), through which the Client hands over the SUBSCRIBE it
    sends by itself after a reconnect without a session, so the filter is not subscribed twice.
*/
class SubscriptionPrivate
{
    Q_DECLARE_PUBLIC(Subscription)
public:
    SubscriptionPrivate(
        Subscription *q, Client *client, const QString &filter, const SubscribeOptions &options);

    static SubscriptionPrivate *get(Subscription *subscription) { return subscription->d_func(); }

    /*! Validates the filter, routes its messages and subscribes as the client's state allows. */
    void start();
    /*!
        Called by the Client while it re-subscribes this filter after a reconnect without a
        session: \a future is that internal SUBSCRIBE's outcome.
    */
    void followRestore(const QFuture<SubscribeResult> &future);

    Subscription *q_ptr;
    QPointer<Client> client;
    const QString filter;
    const SubscribeOptions options;
    int grantedQos = -1;
    Subscription::State state = Subscription::State::Pending;
    QString errorString;
    int reasonCode = 0;
    quint64 messageCount = 0;
    Client::HandlerId handlerId = 0;
    bool ended = false;

    // The SUBSCRIBE this object is waiting for (its own or the Client's restore), and a
    // generation number so that the outcome of a superseded attempt is ignored.
    QFuture<SubscribeResult> pending;
    quint64 attempt = 0;

    /*! Subscription::unsubscribe(). */
    QFuture<Result> unsubscribe();

    void subscribeNow();
    void follow(const QFuture<SubscribeResult> &future);
    void whenFinished(quint64 thisAttempt);
    void onSubscribeFinished(quint64 forAttempt, const SubscribeResult &result);
    void onClientConnected(const ConnectResult &result);
    void onClientStateChanged(Client::State clientState);
    void onMessage(const Message &message);
    void setState(Subscription::State newState);
    void setGrantedQos(int qos);
    void setError(const QString &text, int code);
};

} // namespace QPaho

#endif // QPAHO_SUBSCRIPTION_P_H
