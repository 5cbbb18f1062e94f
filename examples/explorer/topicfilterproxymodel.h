// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QtCore/QSortFilterProxyModel>

/*!
    \class TopicFilterProxyModel
    \brief Narrows a TopicTreeModel to the topics matching a filter text, keeping their parents.

    A text with MQTT wildcards that is a valid topic filter ("home/+/temperature", "$SYS/#")
    matches topics as a subscription would; any other text matches topics containing it,
    ignoring case. Parents of matching topics stay visible (recursive filtering).
*/
class TopicFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit TopicFilterProxyModel(QObject *parent = nullptr);

    QString filterText() const { return m_text; }
    void setFilterText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    bool m_wildcard = false;
};
