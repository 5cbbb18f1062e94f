// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// request(): MQTT 5 request/response over a response topic and correlation data. Publishes and
// subscribes through the ordinary paths; owns only the waiting promises and their timers.

#include "core/client_p.h"

#include <QPaho/topic.h>

namespace QPaho {

using namespace Internal;

namespace {

Message failedResponse(const QString &why)
{
    Message m;
    Properties p;
    p.setReasonString(why);
    m.setProperties(p);
    return m;
}

} // namespace

QFuture<Message> ClientPrivate::request(
    const QString &topic, const QByteArray &payload, int qos, int timeoutMs)
{
    const auto fail = [](const QString &why) { return finished(failedResponse(why)); };
    if (m_shuttingDown)
        return fail(QStringLiteral("the client is being destroyed"));
    if (state != Client::State::Connected)
        return fail(QStringLiteral("not connected"));
    if (!isMqtt5())
        return fail(QStringLiteral("request/response needs MQTT 5 (response topic and "
                                   "correlation data)"));
    const QString topicError = Topic::nameError(topic);
    if (!topicError.isEmpty())
        return fail(topicError);
    if (qos < 0 || qos > 2)
        return fail(QStringLiteral("QoS must be 0, 1 or 2, not %1").arg(qos));

    if (m_responseTopic.isEmpty()) {
        const auto info = lastConnect.properties().responseInformation();
        m_responseTopic = info && !info->isEmpty() && Topic::isValidName(*info)
            ? *info
            : QStringLiteral("qpaho/response/") + clientId;
        m_responseSubscribed = false;
        // A QFuture keeps one continuation: this one releases every request waiting for it.
        subscribe({ { m_responseTopic, SubscribeOptions(1) } })
            .then(this, [this](const SubscribeResult &sub) {
                const auto waiting = std::exchange(m_waitingForResponseTopic, {});
                if (!sub)
                    m_responseTopic.clear(); // try again with the next request
                m_responseSubscribed = sub.isOk();
                for (const auto &[correlation, message] : waiting) {
                    if (!sub)
                        finishResponse(correlation,
                            failedResponse(QStringLiteral("could not subscribe to "
                                                          "the response topic: ")
                                + sub.errorString()));
                    else
                        publishRequest(correlation, message);
                }
            });
    }

    const QByteArray correlation
        = clientId.toUtf8() + '/' + QByteArray::number(m_nextCorrelation++);
    auto promise = std::make_shared<QPromise<Message>>();
    promise->start();
    QFuture<Message> future = promise->future();
    PendingResponse pending;
    pending.promise = promise;
    pending.timer = new QTimer(this);
    pending.timer->setSingleShot(true);
    connect(pending.timer, &QTimer::timeout, this, [this, correlation] {
        finishResponse(
            correlation, failedResponse(QStringLiteral("no response within the timeout")));
    });
    pending.timer->start(std::max(0, timeoutMs));
    m_pendingResponses.emplace(correlation, pending);

    Message message(topic, payload, qos);
    Properties props;
    props.setResponseTopic(m_responseTopic);
    props.setCorrelationData(correlation);
    message.setProperties(props);
    // Publish once the response subscription is in place, so the answer cannot be missed.
    if (m_responseSubscribed)
        publishRequest(correlation, message);
    else
        m_waitingForResponseTopic.emplace_back(correlation, message);
    return future;
}

void ClientPrivate::publishRequest(const QByteArray &correlation, const Message &message)
{
    if (!m_pendingResponses.count(correlation))
        return; // timed out meanwhile
    publish(message).then(this, [this, correlation](const PublishResult &published) {
        if (!published)
            finishResponse(correlation, failedResponse(published.errorString()));
    });
}

void ClientPrivate::finishResponse(const QByteArray &correlation, const Message &message)
{
    auto it = m_pendingResponses.find(correlation);
    if (it == m_pendingResponses.end())
        return;
    PendingResponse pending = it->second;
    m_pendingResponses.erase(it);
    pending.timer->deleteLater();
    pending.promise->addResult(message);
    pending.promise->finish();
}

void ClientPrivate::failPendingResponses(const QString &why)
{
    while (!m_pendingResponses.empty())
        finishResponse(m_pendingResponses.begin()->first, failedResponse(why));
}

bool ClientPrivate::takeResponse(const Message &message)
{
    if (m_pendingResponses.empty() || message.topic() != m_responseTopic)
        return false;
    const auto correlation = message.properties().correlationData();
    if (!correlation || !m_pendingResponses.count(*correlation))
        return false;
    finishResponse(*correlation, message);
    return true;
}

} // namespace QPaho
