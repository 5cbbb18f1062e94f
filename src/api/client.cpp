// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Client, the public facade: checks that each call comes from the Client's thread (a call from
// another thread finishes at once with Error::WrongThread, see core/threadcheck) and forwards to
// ClientPrivate. Holds no state and makes no decision of its own; never calls paho.
#include "core/client_p.h"

#include "core/threadcheck_p.h"
#include "paho/allocatortuning_p.h"
#include "paho/pahotrace_p.h"

namespace QPaho {

using Internal::checkOwnerThread;
using Internal::finishedFuture;

Client::Client(QObject *parent) : QObject(parent), d_ptr(std::make_unique<ClientPrivate>(this))
{
    // A child, so moveToThread() takes the private object (its timers and the target of
    // paho's wake-up events) along.
    d_ptr->setParent(this);
    qRegisterMetaType<QPaho::Message>();
    qRegisterMetaType<QPaho::Result>();
    qRegisterMetaType<QPaho::ConnectResult>();
    qRegisterMetaType<QPaho::SubscribeResult>();
    qRegisterMetaType<QPaho::PublishResult>();
}

Client::~Client()
{
    Q_D(Client);
    d->shutdown();
    d_ptr.reset(); // before ~QObject deletes children: the private object is owned here
}

void Client::setAllocatorTuningEnabled(bool enabled)
{
    Internal::AllocatorTuning::setEnabled(enabled);
}

bool Client::isAllocatorTuningEnabled()
{
    return Internal::AllocatorTuning::isEnabled();
}

bool Client::isAllocatorTuned()
{
    return Internal::AllocatorTuning::isApplied();
}

void Client::setPahoFunctionTraceEnabled(bool enabled)
{
    Internal::setPahoFunctionTraceEnabled(enabled);
}

bool Client::isPahoFunctionTraceEnabled()
{
    return Internal::isPahoFunctionTraceEnabled();
}

Client::State Client::state() const
{
    Q_D(const Client);
    return d->state;
}
QString Client::clientId() const
{
    Q_D(const Client);
    return d->clientId;
}
QString Client::serverUri() const
{
    Q_D(const Client);
    return d->serverUri;
}
ProtocolVersion Client::protocolVersion() const
{
    Q_D(const Client);
    return d->protocolVersion;
}
ConnectOptions Client::connectOptions() const
{
    Q_D(const Client);
    return d->options;
}
ConnectResult Client::lastConnectResult() const
{
    Q_D(const Client);
    return d->lastConnect;
}
quint64 Client::messagesSent() const
{
    Q_D(const Client);
    return d->messagesSent;
}
quint64 Client::messagesReceived() const
{
    Q_D(const Client);
    return d->messagesReceived;
}
quint64 Client::messagesDropped() const
{
    Q_D(const Client);
    return d->messagesDropped;
}
int Client::inFlight() const
{
    Q_D(const Client);
    return d->inFlightCount;
}
int Client::queued() const
{
    Q_D(const Client);
    return d->queuedCount();
}
int Client::reconnects() const
{
    Q_D(const Client);
    return d->reconnectCount;
}

QFuture<ConnectResult> Client::connectToHost(const QString &hostOrUri)
{
    return connectToHost(ConnectOptions(hostOrUri));
}

QFuture<ConnectResult> Client::connectToHost(const ConnectOptions &options)
{
    if (const auto wrong = checkOwnerThread(this, "connectToHost()"))
        return finishedFuture(ConnectResult(*wrong));
    Q_D(Client);
    return d->connectToHost(options);
}

QFuture<Result> Client::disconnectFromHost()
{
    if (const auto wrong = checkOwnerThread(this, "disconnectFromHost()"))
        return finishedFuture(*wrong);
    Q_D(Client);
    return d->disconnectFromHost(0, Properties());
}

QFuture<Result> Client::disconnectFromHost(int reasonCode, const Properties &properties)
{
    if (const auto wrong = checkOwnerThread(this, "disconnectFromHost()"))
        return finishedFuture(*wrong);
    Q_D(Client);
    return d->disconnectFromHost(reasonCode, properties);
}

QFuture<SubscribeResult> Client::subscribe(const QString &filter, int qos)
{
    return subscribe(filter, SubscribeOptions(qos));
}

QFuture<SubscribeResult> Client::subscribe(const QString &filter, const SubscribeOptions &options)
{
    if (const auto wrong = checkOwnerThread(this, "subscribe()"))
        return finishedFuture(SubscribeResult(*wrong));
    Q_D(Client);
    return d->subscribe({ { filter, options } });
}

QFuture<SubscribeResult> Client::subscribe(
    const QList<QPair<QString, SubscribeOptions>> &subscriptions)
{
    if (const auto wrong = checkOwnerThread(this, "subscribe()"))
        return finishedFuture(SubscribeResult(*wrong));
    Q_D(Client);
    return d->subscribe(subscriptions);
}

QFuture<Result> Client::unsubscribe(const QString &filter)
{
    if (const auto wrong = checkOwnerThread(this, "unsubscribe()"))
        return finishedFuture(*wrong);
    Q_D(Client);
    return d->unsubscribe({ filter }, Properties());
}

QFuture<Result> Client::unsubscribe(const QStringList &filters, const Properties &properties)
{
    if (const auto wrong = checkOwnerThread(this, "unsubscribe()"))
        return finishedFuture(*wrong);
    Q_D(Client);
    return d->unsubscribe(filters, properties);
}

QFuture<PublishResult> Client::publish(
    const QString &topic, const QByteArray &payload, int qos, bool retain)
{
    return publish(Message(topic, payload, qos, retain));
}

QFuture<PublishResult> Client::publish(const Message &message)
{
    if (const auto wrong = checkOwnerThread(this, "publish()"))
        return finishedFuture(PublishResult(*wrong));
    Q_D(Client);
    return d->publish(message);
}

QFuture<Message> Client::request(
    const QString &topic, const QByteArray &payload, int qos, int timeoutMs)
{
    if (const auto wrong = checkOwnerThread(this, "request()")) {
        Message failed; // the documented failure shape: invalid, with the reason string
        Properties why;
        why.setReasonString(wrong->errorString());
        failed.setProperties(why);
        return finishedFuture(failed);
    }
    Q_D(Client);
    return d->request(topic, payload, qos, timeoutMs);
}

Client::HandlerId Client::addMessageHandlerImpl(
    const QString &filter, const QObject *context, std::function<void(const Message &)> handler)
{
    Q_D(Client);
    return d->addHandler(filter, context, std::move(handler));
}

bool Client::removeMessageHandler(HandlerId id)
{
    Q_D(Client);
    return d->removeHandler(id);
}

int Client::removeMessageHandlers(const QString &filter)
{
    Q_D(Client);
    return d->removeHandlers(filter);
}

} // namespace QPaho
