// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The subscription registry: subscribe() and unsubscribe() checks, the filters the broker
// granted (replayed when a reconnect finds no session), and the MQTT 5 subscription identifiers
// that route each received copy to the handlers it was sent for.

#include "core/client_p.h"

#include "api/subscription_p.h"
#include "common/logging_p.h"
#include "values/properties_p.h"

#include <QPaho/topic.h>

namespace QPaho {

using namespace Internal;

QFuture<SubscribeResult> ClientPrivate::subscribe(
    const QList<QPair<QString, SubscribeOptions>> &subs)
{
    const auto fail
        = [](Error e, const QString &t) { return finished(SubscribeResult(Result(e, t))); };
    if (m_shuttingDown)
        return fail(Error::ClientDestroyed, QStringLiteral("the client is being destroyed"));
    if (subs.isEmpty())
        return fail(Error::InvalidArgument, QStringLiteral("no filter given"));
    for (const auto &[filter, opts] : subs) {
        const QString error = Topic::filterError(filter);
        if (!error.isEmpty())
            return fail(Error::InvalidArgument, error);
        if (opts.qos() < 0 || opts.qos() > 2)
            return fail(Error::InvalidArgument,
                QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(opts.qos()));
        if (state != Client::State::Disconnected && !isMqtt5()) {
            if (opts.needsMqtt5())
                return fail(Error::Unsupported,
                    QStringLiteral("subscribe options or properties need MQTT 5"));
            if (Topic::isSharedSubscription(filter))
                return fail(Error::Unsupported,
                    QStringLiteral("shared subscriptions ($share/...) need MQTT 5"));
        }
        if (opts.noLocal() && Topic::isSharedSubscription(filter))
            return fail(Error::InvalidArgument,
                QStringLiteral("no-local is not allowed on a shared subscription"));
        if (isMqtt5()) {
            const QString perror = validateProperties(opts.properties(), PacketKind::Subscribe);
            if (!perror.isEmpty())
                return fail(Error::InvalidArgument, perror);
        }
    }
    const Result can = checkCanQueue();
    if (!can)
        return finished(SubscribeResult(can));

    Request request;
    request.kind = RequestKind::Subscribe;
    request.subscriptions = subs;
    for (const auto &s : subs)
        request.filters.append(s.first);
    assignSubscriptionIdentifier(request);
    return submit<SubscribeResult>(std::move(request));
}

void ClientPrivate::assignSubscriptionIdentifier(Request &request)
{
    // MQTT 5 routing: every SUBSCRIBE carries a subscription identifier (the user's, or one
    // QPaho picks), and each received copy names the subscriptions it matched. A handler whose
    // filter is one of those subscriptions then gets exactly the copies meant for it, even
    // when overlapping subscriptions make the broker send one copy per subscription.
    if (!isMqtt5() || state != Client::State::Connected
        || !lastConnect.properties().subscriptionIdentifiersAvailable().value_or(true))
        return;
    SubscribeOptions &first = request.subscriptions.first().second;
    Properties props = first.properties();
    if (props.subscriptionIdentifiers().isEmpty()) {
        if (m_nextSubscriptionId > 268435455)
            return; // the identifier space is used up: plain topic matching from here on
        props.setSubscriptionIdentifier(m_nextSubscriptionId++);
        first.setProperties(props);
    }
    const quint32 id = props.subscriptionIdentifiers().constFirst();
    for (const QString &filter : std::as_const(request.filters)) {
        m_subscriptionIdFilters[id].append(filter);
        m_identifiedFilters.insert(filter);
    }
}

QFuture<Result> ClientPrivate::unsubscribe(const QStringList &filters, const Properties &properties)
{
    if (m_shuttingDown)
        return finished(
            Result(Error::ClientDestroyed, QStringLiteral("the client is being destroyed")));
    if (filters.isEmpty())
        return finished(Result(Error::InvalidArgument, QStringLiteral("no filter given")));
    for (const QString &filter : filters) {
        const QString error = Topic::filterError(filter);
        if (!error.isEmpty())
            return finished(Result(Error::InvalidArgument, error));
    }
    if (!properties.isEmpty()) {
        if (!isMqtt5())
            return finished(
                Result(Error::Unsupported, QStringLiteral("UNSUBSCRIBE properties need MQTT 5")));
        const QString error = validateProperties(properties, PacketKind::Unsubscribe);
        if (!error.isEmpty())
            return finished(Result(Error::InvalidArgument, error));
    }
    const Result can = checkCanQueue();
    if (!can)
        return finished(can);
    Request request;
    request.kind = RequestKind::Unsubscribe;
    request.filters = filters;
    request.properties = properties;
    auto future = submit<Result>(std::move(request));
    // Forget them (unless refused at once): a reconnect must not bring back what the user
    // dropped.
    if (!future.isFinished() || future.result().isOk()) {
        m_subscriptions.removeIf([&filters](const QPair<QString, SubscribeOptions> &s) {
            return filters.contains(s.first);
        });
        for (const QString &filter : filters) {
            m_identifiedFilters.remove(filter);
            for (auto &entry : m_subscriptionIdFilters)
                entry.second.removeAll(filter);
        }
    }
    return future;
}

void ClientPrivate::rememberGranted(const QList<QPair<QString, SubscribeOptions>> &subscriptions,
    const QList<int> &reasonCodes, bool forgetRefused)
{
    // What the broker granted is replayed on a reconnect without session. A filter refused
    // while being restored is dropped, so it is not refused again at every reconnect.
    for (qsizetype i = 0; i < subscriptions.size(); ++i) {
        const auto &sub = subscriptions.at(i);
        const bool granted = reasonCodes.value(i, 0x80) < 0x80;
        if (!granted && !forgetRefused)
            continue;
        m_subscriptions.removeIf(
            [&sub](const QPair<QString, SubscribeOptions> &s) { return s.first == sub.first; });
        if (granted)
            m_subscriptions.append(sub);
    }
}

void ClientPrivate::restoreSubscriptions()
{
    // The broker has no session: subscribe again to everything the user still holds.
    // A failure is logged and reported by errorOccurred(), whether or not a Subscription
    // object follows the request.
    if (m_subscriptions.isEmpty())
        return;
    qCInfo(lcClient) << "session not present: restoring" << m_subscriptions.size()
                     << "subscriptions";
    std::vector<std::pair<QPointer<Subscription>, QFuture<SubscribeResult>>> followers;
    for (const auto &sub : std::as_const(m_subscriptions)) {
        Request request;
        request.kind = RequestKind::Subscribe;
        request.subscriptions = { sub };
        request.filters = { sub.first };
        request.restore = true;
        // A Subscription object for this filter follows this SUBSCRIBE instead of sending
        // its own (subscription.cpp).
        if (Subscription *object = subscriptionObjects.value(sub.first)) {
            QPromise<SubscribeResult> promise;
            promise.start();
            followers.emplace_back(object, promise.future());
            request.promise.emplace(
                std::in_place_type<QPromise<SubscribeResult>>, std::move(promise));
        }
        const quint64 id = m_nextId++;
        m_requests.emplace(id, std::move(request));
        // In front of what the user queued meanwhile: subscriptions come first.
        m_requests[id].queued = true;
        m_outbound.push_front(id);
    }
    for (const auto &[object, future] : followers) {
        if (object)
            SubscriptionPrivate::get(object)->followRestore(future);
    }
}

} // namespace QPaho
