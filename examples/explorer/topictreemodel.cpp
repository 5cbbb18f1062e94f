// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "topictreemodel.h"

#include "payloadformat.h"

#include <QtCore/QHash>
#include <QtGui/QColor>
#include <QtGui/QFont>

#include <algorithm>
#include <utility>
#include <vector>

// One level of the topic hierarchy. Rows the view knows are in `children`; levels created while
// a flush is running under a node the view already shows wait in `newChildren`, so the flush can
// insert them with one beginInsertRows() per parent.
struct TopicNode
{
    QString level;
    QString topic; // the full topic name of this level
    TopicNode *parent = nullptr;
    int row = -1;
    bool inModel = false; // the view has been told about this row
    bool changed = false; // listed in TopicTreeModel::m_changedNodes during a flush
    std::vector<std::unique_ptr<TopicNode>> children;
    std::vector<std::unique_ptr<TopicNode>> newChildren;
    QHash<QString, TopicNode *> byLevel; // children and newChildren by level name

    bool hasValue = false;
    TopicMessage last;
    quint64 ownCount = 0;
    quint64 totalCount = 0;
    QList<TopicMessage> history; // the last TopicTreeModel::HistoryLength messages, oldest first
};

namespace {
void markInModel(TopicNode *node)
{
    node->inModel = true;
    for (const auto &child : node->children)
        markInModel(child.get());
}
} // namespace

TopicTreeModel::TopicTreeModel(QObject *parent)
    : QAbstractItemModel(parent), m_root(std::make_unique<TopicNode>())
{
    m_root->inModel = true;
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(50);
    connect(&m_flushTimer, &QTimer::timeout, this, &TopicTreeModel::flush);
}

TopicTreeModel::~TopicTreeModel() = default;

void TopicTreeModel::addMessage(const QPaho::Message &message)
{
    m_pending.append({ message, QDateTime::currentMSecsSinceEpoch() });
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void TopicTreeModel::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    const QList<Pending> batch = std::exchange(m_pending, {});
    for (const Pending &pending : batch)
        apply(pending);

    // New levels: one insertion per parent the view already shows, whole subtrees at once.
    for (TopicNode *parent : std::as_const(m_grownParents)) {
        const int first = int(parent->children.size());
        const int last = first + int(parent->newChildren.size()) - 1;
        beginInsertRows(indexOf(parent, TopicColumn), first, last);
        for (auto &child : parent->newChildren) {
            child->row = int(parent->children.size());
            markInModel(child.get());
            parent->children.push_back(std::move(child));
        }
        parent->newChildren.clear();
        endInsertRows();
    }
    m_grownParents.clear();

    // Changed values and counts: one dataChanged per parent, spanning its changed rows.
    QHash<TopicNode *, std::pair<int, int>> rowsByParent;
    for (TopicNode *node : std::as_const(m_changedNodes)) {
        node->changed = false;
        auto it = rowsByParent.find(node->parent);
        if (it == rowsByParent.end())
            rowsByParent.insert(node->parent, { node->row, node->row });
        else
            *it = { std::min(it->first, node->row), std::max(it->second, node->row) };
    }
    m_changedNodes.clear();
    for (auto it = rowsByParent.cbegin(); it != rowsByParent.cend(); ++it) {
        const QModelIndex parentIndex = indexOf(it.key(), TopicColumn);
        Q_EMIT dataChanged(index(it->first, ValueColumn, parentIndex),
            index(it->second, RetainedColumn, parentIndex));
    }
    Q_EMIT updated(int(batch.size()));
}

void TopicTreeModel::apply(const Pending &pending)
{
    const QPaho::Message &message = pending.message;
    const QString topic = message.topic();
    // Topics seen before are one hash lookup away; only new ones are split into levels.
    TopicNode *node = m_nodesByTopic.value(topic);
    if (!node) {
        node = m_root.get();
        for (const QStringView level : QStringView(topic).split(u'/'))
            node = childFor(node, level.toString());
        m_nodesByTopic.insert(topic, node);
    }
    for (TopicNode *level = node; level; level = level->parent) {
        ++level->totalCount;
        if (level->inModel && !level->changed && level != m_root.get()) {
            level->changed = true;
            m_changedNodes.append(level);
        }
    }
    if (!node->hasValue)
        ++m_topicCount;
    node->hasValue = true;
    ++node->ownCount;
    node->last = TopicMessage { message.payload(), pending.receivedMs, message.qos(),
        message.isRetained() };
    if (node->history.size() == HistoryLength)
        node->history.removeFirst();
    node->history.append(node->last);
}

TopicNode *TopicTreeModel::childFor(TopicNode *parent, const QString &level)
{
    if (TopicNode *existing = parent->byLevel.value(level))
        return existing;
    auto child = std::make_unique<TopicNode>();
    child->level = level;
    child->topic = parent == m_root.get() ? level : parent->topic + u'/' + level;
    child->parent = parent;
    TopicNode *raw = child.get();
    parent->byLevel.insert(level, raw);
    ++m_nodeCount;
    if (parent->inModel) {
        if (parent->newChildren.empty())
            m_grownParents.append(parent);
        parent->newChildren.push_back(std::move(child));
    } else {
        // The parent itself is new: its whole subtree is inserted together with it.
        raw->row = int(parent->children.size());
        parent->children.push_back(std::move(child));
    }
    return raw;
}

void TopicTreeModel::clear()
{
    beginResetModel();
    m_flushTimer.stop();
    m_pending.clear();
    m_grownParents.clear();
    m_changedNodes.clear();
    m_nodesByTopic.clear();
    m_root = std::make_unique<TopicNode>();
    m_root->inModel = true;
    m_topicCount = 0;
    m_nodeCount = 0;
    endResetModel();
    Q_EMIT updated(0);
}

int TopicTreeModel::updateInterval() const
{
    return m_flushTimer.interval();
}

void TopicTreeModel::setUpdateInterval(int milliseconds)
{
    m_flushTimer.setInterval(milliseconds);
}

int TopicTreeModel::pendingMessages() const
{
    return int(m_pending.size());
}

quint64 TopicTreeModel::totalMessages() const
{
    return m_root->totalCount;
}

int TopicTreeModel::topicCount() const
{
    return m_topicCount;
}

int TopicTreeModel::nodeCount() const
{
    return m_nodeCount;
}

QModelIndex TopicTreeModel::indexForTopic(const QString &topic, int column) const
{
    const TopicNode *node = m_root.get();
    for (const QStringView level : QStringView(topic).split(u'/')) {
        node = node->byLevel.value(level.toString());
        if (!node || !node->inModel)
            return {};
    }
    return indexOf(node, column);
}

QList<TopicMessage> TopicTreeModel::history(const QModelIndex &index) const
{
    const TopicNode *node = nodeOf(index);
    return node == m_root.get() ? QList<TopicMessage>() : node->history;
}

TopicNode *TopicTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<TopicNode *>(index.internalPointer()) : m_root.get();
}

QModelIndex TopicTreeModel::indexOf(const TopicNode *node, int column) const
{
    if (node == m_root.get())
        return {};
    return createIndex(node->row, column, const_cast<TopicNode *>(node));
}

QModelIndex TopicTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    return createIndex(row, column, nodeOf(parent)->children[size_t(row)].get());
}

QModelIndex TopicTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOf(nodeOf(child)->parent, TopicColumn);
}

int TopicTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int TopicTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant TopicTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {}; // (no checkIndex(): data() runs for every painted cell, keep it cheap)
    const TopicNode *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TopicColumn:
            return node->level.isEmpty() ? tr("(empty level)") : node->level;
        case ValueColumn:
            return node->hasValue ? payloadPreview(node->last.payload) : QVariant();
        case MessagesColumn:
            return node->totalCount;
        case RetainedColumn:
            return node->hasValue && node->last.retained ? tr("retained") : QVariant();
        }
        return {};
    case Qt::ToolTipRole:
        return node->topic;
    case Qt::TextAlignmentRole:
        if (index.column() == MessagesColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == TopicColumn && node->level.isEmpty())
            return QColor(Qt::gray);
        if (index.column() == RetainedColumn)
            return QColor(0x2e, 0x7d, 0x32);
        return {};
    case Qt::FontRole:
        if (index.column() == TopicColumn && node->level.isEmpty()) {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        return {};
    case TopicRole:
        return node->topic;
    case PayloadRole:
        return node->last.payload;
    case HasValueRole:
        return node->hasValue;
    case RetainedRole:
        return node->hasValue && node->last.retained;
    case QosRole:
        return node->last.qos;
    case OwnCountRole:
        return node->ownCount;
    case TotalCountRole:
        return node->totalCount;
    case LastReceivedRole:
        return node->hasValue ? QDateTime::fromMSecsSinceEpoch(node->last.receivedMs) : QVariant();
    }
    return {};
}

QVariant TopicTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TopicColumn:
        return tr("Topic");
    case ValueColumn:
        return tr("Value");
    case MessagesColumn:
        return tr("Messages");
    case RetainedColumn:
        return tr("Retained");
    }
    return {};
}

QHash<int, QByteArray> TopicTreeModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(TopicRole, "topic");
    names.insert(PayloadRole, "payload");
    names.insert(HasValueRole, "hasValue");
    names.insert(RetainedRole, "retained");
    names.insert(QosRole, "qos");
    names.insert(OwnCountRole, "ownCount");
    names.insert(TotalCountRole, "totalCount");
    names.insert(LastReceivedRole, "lastReceived");
    return names;
}
