// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The request table: every future QPaho hands out is a Request here until finishRequest()
// finishes it, exactly once (the first result wins; later ones are dropped). Also the
// request timeouts. Must not decide anything about connections or paho.

#include "core/client_p.h"

#include <algorithm>

namespace QPaho {

using namespace Internal;

template<typename R>
QFuture<R> ClientPrivate::finished(const R &result)
{
    QPromise<R> promise;
    promise.start();
    promise.addResult(result);
    promise.finish();
    return promise.future();
}

template<typename R>
QFuture<R> ClientPrivate::addRequest(Request &&request, quint64 *idOut)
{
    QPromise<R> promise;
    promise.start();
    QFuture<R> future = promise.future();
    request.promise.emplace(std::in_place_type<QPromise<R>>, std::move(promise));
    const quint64 id = m_nextId++;
    auto it = m_requests.emplace(id, std::move(request)).first;
    armTimeout(id, it->second, options.requestTimeout());
    if (idOut)
        *idOut = id;
    return future;
}

template<typename R>
QFuture<R> ClientPrivate::submit(Request &&request)
{
    quint64 id = 0;
    auto future = addRequest<R>(std::move(request), &id);
    const Result queued = enqueue(id);
    if (!queued) {
        finishRequest(id, queued);
        return future;
    }
    pump();
    return future;
}

void ClientPrivate::completePromise(Request &request, const Result &result)
{
    if (!request.promise)
        return;
    std::visit(
        [&result](auto &promise) {
            using P = std::decay_t<decltype(promise)>;
            if constexpr (std::is_same_v<P, QPromise<Result>>)
                promise.addResult(result);
            else if constexpr (std::is_same_v<P, QPromise<ConnectResult>>)
                promise.addResult(ConnectResult(result));
            else if constexpr (std::is_same_v<P, QPromise<SubscribeResult>>)
                promise.addResult(SubscribeResult(result));
            else
                promise.addResult(PublishResult(result));
            promise.finish();
        },
        *request.promise);
}

void ClientPrivate::finishRequest(quint64 id, const Result &result)
{
    auto it = m_requests.find(id);
    if (it == m_requests.end())
        return; // already finished (first result wins)
    // Take it out of every table before completing: a continuation may run right now,
    // inside finish(), and call back into the client.
    auto node = m_requests.extract(it); // unlinked, not moved: the node is freed on return
    Request &request = node.mapped();
    if (request.deadline) {
        auto range = m_deadlines.equal_range(request.deadline);
        for (auto d = range.first; d != range.second; ++d) {
            if (d->second == id) {
                m_deadlines.erase(d);
                break;
            }
        }
    }
    if (request.queued) {
        auto q = std::find(m_outbound.begin(), m_outbound.end(), id);
        if (q != m_outbound.end())
            m_outbound.erase(q);
    }
    if (request.handedToPaho) {
        --inFlightCount;
        inFlightBytes -= request.bytes;
        if (request.isAckedPublish())
            --m_inFlightAcked;
    }
    if (request.kind == RequestKind::Publish && result.isOk())
        ++messagesSent;
    markStatisticsChanged();
    completePromise(request, result);
}

void ClientPrivate::failRequests(
    const std::function<bool(const Request &)> &which, Error error, const QString &text)
{
    std::vector<quint64> ids;
    for (const auto &[id, request] : m_requests) {
        if (which(request))
            ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end()); // finish in request order
    const auto alive = m_alive;
    for (quint64 id : ids) {
        if (!*alive)
            return;
        finishRequest(id, Result(error, text));
    }
}

void ClientPrivate::armTimeout(quint64 id, Request &request, int timeoutMs)
{
    if (timeoutMs <= 0)
        return;
    request.deadline = m_clock.elapsed() + timeoutMs;
    m_deadlines.emplace(request.deadline, id);
    const qint64 earliest = m_deadlines.begin()->first;
    if (!m_timeoutTimer.isActive() || earliest == request.deadline)
        m_timeoutTimer.start(int(std::max<qint64>(0, earliest - m_clock.elapsed())));
}

void ClientPrivate::onTimeoutTimer()
{
    const auto alive = m_alive;
    const qint64 now = m_clock.elapsed();
    while (!m_deadlines.empty() && m_deadlines.begin()->first <= now) {
        const quint64 id = m_deadlines.begin()->second;
        m_deadlines.erase(m_deadlines.begin());
        auto it = m_requests.find(id);
        if (it == m_requests.end())
            continue;
        it->second.deadline = 0; // its entry is gone already
        const bool isConnect = id == m_connectRequestId;
        finishRequest(id, Result(Error::Timeout, QStringLiteral("the request timed out")));
        if (!*alive)
            return;
        if (isConnect)
            m_connectRequestId = 0;
    }
    if (!m_deadlines.empty())
        m_timeoutTimer.start(int(std::max<qint64>(0, m_deadlines.begin()->first - now)));
}

// The result types the core hands out (explicit instantiations: the templates live here).
template QFuture<Result> ClientPrivate::finished(const Result &);
template QFuture<ConnectResult> ClientPrivate::finished(const ConnectResult &);
template QFuture<SubscribeResult> ClientPrivate::finished(const SubscribeResult &);
template QFuture<PublishResult> ClientPrivate::finished(const PublishResult &);
template QFuture<Message> ClientPrivate::finished(const Message &);
template QFuture<Result> ClientPrivate::addRequest(Request &&, quint64 *);
template QFuture<ConnectResult> ClientPrivate::addRequest(Request &&, quint64 *);
template QFuture<SubscribeResult> ClientPrivate::submit(Request &&);
template QFuture<Result> ClientPrivate::submit(Request &&);
template QFuture<PublishResult> ClientPrivate::submit(Request &&);

} // namespace QPaho
