// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QPaho/Message>

#include <QtCore/QAbstractItemModel>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QTimer>

#include <memory>

/*!
    One received message as the explorer keeps it in a topic's history.
*/
struct TopicMessage
{
    QByteArray payload;
    qint64 receivedMs = 0; // QDateTime::currentMSecsSinceEpoch() when it arrived
    int qos = 0;
    bool retained = false;
};

struct TopicNode;

/*!
    \class TopicTreeModel
    \brief The topic hierarchy of everything received: one row per topic level.

    Each row is one level of a topic ("home", "kitchen", "temperature"); its columns are the
    level's name, the last value received on exactly that topic, the number of messages
    received on it and all topics below it, and whether the last message was retained.

    addMessage() only queues: the queue is applied every updateInterval() milliseconds (default
    50), so a burst of thousands of messages per second costs the view one batch of
    rowsInserted (one per parent that got new children) and one dataChanged per parent whose
    children changed, instead of one model change per message.

    Empty levels ("a//b", a leading "/") are rows of their own with an empty name, as in MQTT.
*/
class TopicTreeModel : public QAbstractItemModel
{
    Q_OBJECT
    Q_PROPERTY(int updateInterval READ updateInterval WRITE setUpdateInterval)
    Q_PROPERTY(quint64 totalMessages READ totalMessages NOTIFY updated)
    Q_PROPERTY(int topicCount READ topicCount NOTIFY updated)
public:
    enum Column { TopicColumn, ValueColumn, MessagesColumn, RetainedColumn, ColumnCount };
    Q_ENUM(Column)

    enum Role {
        TopicRole = Qt::UserRole + 1, //!< QString: the full topic of the row ("a/b/c")
        PayloadRole, //!< QByteArray: the last payload on exactly this topic
        HasValueRole, //!< bool: a message was received on exactly this topic
        RetainedRole, //!< bool: that last message was retained
        QosRole, //!< int: its QoS
        OwnCountRole, //!< quint64: messages on exactly this topic
        TotalCountRole, //!< quint64: messages on this topic and every topic below it
        LastReceivedRole, //!< QDateTime: when the last message arrived on this topic
    };
    Q_ENUM(Role)

    /*! The number of messages each topic keeps for history(). */
    static constexpr int HistoryLength = 100;

    explicit TopicTreeModel(QObject *parent = nullptr);
    ~TopicTreeModel() override;

    /*! Queues \a message; it shows in the model at the next flush(). */
    void addMessage(const QPaho::Message &message);
    /*! Applies the queued messages now (the timer calls this every updateInterval()). */
    void flush();
    /*! Removes every topic and queued message. */
    void clear();

    /*! The coalescing interval in milliseconds (default 50). */
    int updateInterval() const;
    void setUpdateInterval(int milliseconds);
    /*! Messages waiting for the next flush(). */
    int pendingMessages() const;

    /*! Messages applied so far (the sum of the top-level rows' counts). */
    quint64 totalMessages() const;
    /*! Topics that received at least one message. */
    int topicCount() const;
    /*! Rows in the whole tree (every level of every topic). */
    int nodeCount() const;

    /*! The index of \a topic (a full topic name) in \a column; invalid when it is not in the tree.
     */
    QModelIndex indexForTopic(const QString &topic, int column = TopicColumn) const;
    /*! The last HistoryLength messages on exactly the topic of \a index, oldest first. */
    QList<TopicMessage> history(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    /*! Emitted after a flush() applied \a messages messages. */
    void updated(int messages);

private:
    struct Pending
    {
        QPaho::Message message;
        qint64 receivedMs;
    };

    TopicNode *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(const TopicNode *node, int column) const;
    TopicNode *childFor(TopicNode *parent, const QString &level);
    void apply(const Pending &pending);

    std::unique_ptr<TopicNode> m_root;
    QList<Pending> m_pending;
    QTimer m_flushTimer;
    int m_topicCount = 0;
    int m_nodeCount = 0;
    // Filled during flush(): attached parents that got new children, and rows whose data changed.
    QList<TopicNode *> m_grownParents;
    QList<TopicNode *> m_changedNodes;
    QHash<QString, TopicNode *> m_nodesByTopic; // every topic that received a message
};
