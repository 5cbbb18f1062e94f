// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_QMLSUBSCRIPTION_H
#define QPAHO_QMLSUBSCRIPTION_H

#include "qmlclient.h"

#include <QtCore/QAbstractListModel>
#include <QtCore/QDateTime>
#include <QtCore/QList>
#include <QtCore/QPointer>
#include <QtQml/QQmlParserStatus>
#include <QtQml/qqmlregistration.h>

namespace QPaho {

class Message;
class Subscription;

/*!
    \qmltype MqttSubscription
    \inqmlmodule QPaho
    \brief A subscription whose received messages are the rows of a list model.

    \code
    ListView {
        model: MqttSubscription { client: mqtt; filter: "sensors/#" }
        delegate: Text { text: topic + ": " + payload }
    }
    \endcode

    Built on QPaho::Subscription: subscribed whenever the client is connected. Changing
    client, filter, qos or active unsubscribes and subscribes again (the rows stay; clear()
    drops them). Rows are in arrival order; beyond maxMessages the oldest is dropped.
    Roles: \c topic, \c payload (UTF-8 text), \c qos, \c retained, \c timestamp (a Date).
    Two items with the same filter on the same client share one subscription.
*/
class QmlSubscription : public QAbstractListModel, public QQmlParserStatus
{
    Q_OBJECT
    QML_NAMED_ELEMENT(MqttSubscription)
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QPaho::QmlClient *client READ client WRITE setClient NOTIFY clientChanged)
    Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)
    Q_PROPERTY(int qos READ qos WRITE setQos NOTIFY qosChanged)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int maxMessages READ maxMessages WRITE setMaxMessages NOTIFY maxMessagesChanged)

public:
    /*! Where the subscription stands (QPaho::Subscription::State). */
    enum State {
        Unsubscribed, //!< Not active, no client or no filter.
        Pending, //!< Waiting for the SUBACK or for the client to connect.
        Subscribed, //!< Granted by the broker.
        Error //!< Bad filter or QoS, or refused by the broker: see errorString.
    };
    Q_ENUM(State)

    /*! The model's roles. */
    enum Role { TopicRole = Qt::UserRole + 1, PayloadRole, QosRole, RetainedRole, TimestampRole };
    Q_ENUM(Role)

    /*! An inactive model owned by \a parent. */
    explicit QmlSubscription(QObject *parent = nullptr);
    ~QmlSubscription() override;

    /*! The MqttClient to subscribe with. */
    QmlClient *client() const { return m_client; }
    /*! Sets client(). */
    void setClient(QmlClient *client);
    /*! The topic filter (wildcards allowed). */
    QString filter() const { return m_filter; }
    /*! Sets filter(). */
    void setFilter(const QString &filter);
    /*! The maximum QoS asked for (0, 1 or 2; default 0). */
    int qos() const { return m_qos; }
    /*! Sets qos(). */
    void setQos(int qos);
    /*! Whether the subscription is wanted (default true). */
    bool isActive() const { return m_active; }
    /*! Sets active(). */
    void setActive(bool active);
    /*! The state. */
    State state() const { return m_state; }
    /*! Why the state is Error; empty otherwise. */
    QString errorString() const { return m_errorString; }
    /*! The number of rows. */
    int count() const { return int(m_rows.size()); }
    /*! The most rows kept (default 100; 0 = no limit); the oldest go first. */
    int maxMessages() const { return m_maxMessages; }
    /*! Sets maxMessages(), dropping the oldest rows beyond it. */
    void setMaxMessages(int maxMessages);

    /*! Removes every row. */
    Q_INVOKABLE void clear();

    /*! \reimp */
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    /*! \reimp */
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    /*! \reimp */
    QHash<int, QByteArray> roleNames() const override;
    /*! \reimp */
    void classBegin() override { }
    /*! \reimp */
    void componentComplete() override;

Q_SIGNALS:
    /*! A message arrived (it is the last row now). */
    void messageReceived(const QString &topic, const QString &payload);
    /*! client() changed. */
    void clientChanged();
    /*! filter() changed. */
    void filterChanged();
    /*! qos() changed. */
    void qosChanged();
    /*! active() changed. */
    void activeChanged();
    /*! state() changed. */
    void stateChanged();
    /*! errorString() changed. */
    void errorStringChanged();
    /*! count() changed. */
    void countChanged();
    /*! maxMessages() changed. */
    void maxMessagesChanged();

private:
    struct Row
    {
        QString topic;
        QString payload;
        int qos = 0;
        bool retained = false;
        QDateTime timestamp;
    };

    void resubscribe();
    void release();
    void follow(Subscription *subscription);
    void append(const Message &message);
    void trimTo(int rows);
    void setState(State state);
    void setErrorString(const QString &text);

    QPointer<QmlClient> m_client;
    QPointer<Subscription> m_subscription;
    QString m_filter;
    int m_qos = 0;
    bool m_active = true;
    bool m_complete = false;
    State m_state = Unsubscribed;
    QString m_errorString;
    int m_maxMessages = 100;
    QList<Row> m_rows;
};

} // namespace QPaho

#endif // QPAHO_QMLSUBSCRIPTION_H
