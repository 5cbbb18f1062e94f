// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Message routing: messageReceived, then each handler whose filter matches (and, with MQTT 5
// subscription identifiers, only the copies sent for its subscription), in its context's thread.

#include "core/client_p.h"

#include "common/logging_p.h"

#include <QPaho/topic.h>

#include <QtCore/QThread>

namespace QPaho {

using namespace Internal;

void ClientPrivate::dispatchMessage(const Message &message)
{
    const auto alive = m_alive;
    Q_EMIT q_ptr->messageReceived(message);
    if (!*alive)
        return;
    if (takeResponse(message))
        return; // the answer to a request(): its future got it, handlers do not
    ++m_dispatchDepth;
    QThread *const here = QThread::currentThread();
    // Handlers added while dispatching see the next message, not this one.
    const size_t count = m_handlers.size();
    const QString topic = message.topic();
    // The subscriptions this copy was sent for, when the broker said so (MQTT 5).
    QStringList routedFilters;
    bool routed = false;
    if (!m_subscriptionIdFilters.empty()) {
        for (const quint32 id : message.properties().subscriptionIdentifiers()) {
            const auto it = m_subscriptionIdFilters.find(id);
            if (it != m_subscriptionIdFilters.end()) {
                routed = true;
                routedFilters += it->second;
            }
        }
    }
    for (size_t i = 0; i < count; ++i) {
        Handler &h = m_handlers[i];
        if (!h.active || !h.context || !Topic::matches(h.filter, topic))
            continue;
        // A handler for one of the identified subscriptions takes only the copies sent for
        // it; any other handler goes by topic matching alone.
        if (routed && m_identifiedFilters.contains(h.filter) && !routedFilters.contains(h.filter))
            continue;
        if (h.context->thread() == here) {
            const auto function = h.function; // the handler may remove itself
            function(message);
            if (!*alive)
                return;
        } else {
            // Like a queued connection: run in the context's thread, dropped with it.
            QMetaObject::invokeMethod(
                const_cast<QObject *>(h.context.data()),
                [function = h.function, message] { function(message); }, Qt::QueuedConnection);
        }
    }
    if (--m_dispatchDepth == 0 && m_handlersNeedCompaction)
        compactHandlers();
}

Client::HandlerId ClientPrivate::addHandler(
    const QString &filter, const QObject *context, std::function<void(const Message &)> handler)
{
    if (!context || !handler || !Topic::isValidFilter(filter)) {
        qCWarning(lcClient) << "addMessageHandler: invalid filter or null context/handler:"
                            << filter;
        return 0;
    }
    Handler h;
    h.id = m_nextHandlerId++;
    h.filter = filter;
    h.context = context;
    h.function = std::move(handler);
    const Client::HandlerId id = h.id;
    h.destroyedConnection
        = connect(context, &QObject::destroyed, this, [this, id] { removeHandler(id); });
    m_handlers.push_back(std::move(h));
    return id;
}

bool ClientPrivate::removeHandler(Client::HandlerId id)
{
    for (Handler &h : m_handlers) {
        if (h.id == id && h.active) {
            h.active = false;
            disconnect(h.destroyedConnection);
            if (m_dispatchDepth > 0)
                m_handlersNeedCompaction = true;
            else
                compactHandlers();
            return true;
        }
    }
    return false;
}

int ClientPrivate::removeHandlers(const QString &filter)
{
    std::vector<Client::HandlerId> ids;
    for (const Handler &h : m_handlers) {
        if (h.active && h.filter == filter)
            ids.push_back(h.id);
    }
    for (auto id : ids)
        removeHandler(id);
    return int(ids.size());
}

void ClientPrivate::compactHandlers()
{
    m_handlersNeedCompaction = false;
    m_handlers.erase(std::remove_if(m_handlers.begin(), m_handlers.end(),
                         [](const Handler &h) { return !h.active; }),
        m_handlers.end());
}

} // namespace QPaho
