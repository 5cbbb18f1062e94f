// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "qmlsubscription.h"

#include <QPaho/Client>
#include <QPaho/Message>
#include <QPaho/Subscription>

namespace QPaho {

QmlSubscription::QmlSubscription(QObject *parent) : QAbstractListModel(parent) { }

QmlSubscription::~QmlSubscription()
{
    release();
}

void QmlSubscription::setClient(QmlClient *client)
{
    if (m_client == client)
        return;
    m_client = client;
    Q_EMIT clientChanged();
    resubscribe();
}

void QmlSubscription::setFilter(const QString &filter)
{
    if (m_filter == filter)
        return;
    m_filter = filter;
    Q_EMIT filterChanged();
    resubscribe();
}

void QmlSubscription::setQos(int qos)
{
    if (m_qos == qos)
        return;
    m_qos = qos;
    Q_EMIT qosChanged();
    resubscribe();
}

void QmlSubscription::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    Q_EMIT activeChanged();
    resubscribe();
}

void QmlSubscription::setMaxMessages(int maxMessages)
{
    maxMessages = std::max(0, maxMessages);
    if (m_maxMessages == maxMessages)
        return;
    m_maxMessages = maxMessages;
    Q_EMIT maxMessagesChanged();
    if (m_maxMessages > 0)
        trimTo(m_maxMessages);
}

void QmlSubscription::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
    Q_EMIT countChanged();
}

void QmlSubscription::componentComplete()
{
    m_complete = true;
    resubscribe();
}

// Ends the current subscription, then asks the client for the one the properties describe.
// While QML is still setting the properties (before componentComplete()) nothing happens.
void QmlSubscription::resubscribe()
{
    if (!m_complete)
        return;
    release();
    if (!m_active || !m_client || m_filter.isEmpty()) {
        setErrorString(QString());
        setState(Unsubscribed);
        return;
    }
    if (m_qos < 0 || m_qos > 2) {
        setErrorString(QStringLiteral("qos must be 0, 1 or 2, not %1").arg(m_qos));
        setState(Error);
        return;
    }
    follow(m_client->client()->subscription(m_filter, SubscribeOptions(m_qos)));
}

void QmlSubscription::release()
{
    if (Subscription *old = m_subscription) {
        m_subscription = nullptr;
        disconnect(old, nullptr, this, nullptr);
        old->unsubscribe();
    }
}

void QmlSubscription::follow(Subscription *subscription)
{
    m_subscription = subscription;
    const auto update = [this] {
        if (!m_subscription)
            return;
        setErrorString(m_subscription->errorString());
        setState(State(int(m_subscription->state())));
    };
    connect(subscription, &Subscription::stateChanged, this, update);
    connect(subscription, &Subscription::errorStringChanged, this, update);
    connect(subscription, &Subscription::messageReceived, this, &QmlSubscription::append);
    connect(subscription, &QObject::destroyed, this, [this] { setState(Unsubscribed); });
    update();
}

void QmlSubscription::append(const Message &message)
{
    if (m_maxMessages > 0)
        trimTo(m_maxMessages - 1);
    const int row = int(m_rows.size());
    beginInsertRows(QModelIndex(), row, row);
    m_rows.append(Row { message.topic(), QString::fromUtf8(message.payload()), message.qos(),
        message.isRetained(), QDateTime::currentDateTime() });
    endInsertRows();
    Q_EMIT countChanged();
    Q_EMIT messageReceived(m_rows.constLast().topic, m_rows.constLast().payload);
}

void QmlSubscription::trimTo(int rows)
{
    const int excess = int(m_rows.size()) - rows;
    if (excess <= 0)
        return;
    beginRemoveRows(QModelIndex(), 0, excess - 1);
    m_rows.remove(0, excess);
    endRemoveRows();
    Q_EMIT countChanged();
}

void QmlSubscription::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
}

void QmlSubscription::setErrorString(const QString &text)
{
    if (m_errorString == text)
        return;
    m_errorString = text;
    Q_EMIT errorStringChanged();
}

int QmlSubscription::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant QmlSubscription::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case TopicRole:
        return row.topic;
    case Qt::DisplayRole:
    case PayloadRole:
        return row.payload;
    case QosRole:
        return row.qos;
    case RetainedRole:
        return row.retained;
    case TimestampRole:
        return row.timestamp;
    default:
        return {};
    }
}

QHash<int, QByteArray> QmlSubscription::roleNames() const
{
    return { { TopicRole, "topic" }, { PayloadRole, "payload" }, { QosRole, "qos" },
        { RetainedRole, "retained" }, { TimestampRole, "timestamp" } };
}

} // namespace QPaho
