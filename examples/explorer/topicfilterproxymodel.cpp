// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "topicfilterproxymodel.h"

#include "topictreemodel.h"

#include <QPaho/Topic>

TopicFilterProxyModel::TopicFilterProxyModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortRole(Qt::DisplayRole);
}

void TopicFilterProxyModel::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    m_wildcard
        = (m_text.contains(u'+') || m_text.contains(u'#')) && QPaho::Topic::isValidFilter(m_text);
    invalidateFilter();
}

bool TopicFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    const QString topic = sourceModel()
                              ->index(sourceRow, 0, sourceParent)
                              .data(TopicTreeModel::TopicRole)
                              .toString();
    if (m_wildcard)
        return QPaho::Topic::matches(m_text, topic);
    return topic.contains(m_text, Qt::CaseInsensitive);
}
