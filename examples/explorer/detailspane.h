// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QtWidgets/QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;
class Sparkline;
class TopicTreeModel;

/*!
    \class DetailsPane
    \brief Everything about one topic: its last payload (pretty JSON, text or hex), QoS,
    retained flag and counts, a sparkline of its numeric values and its last messages.

    Reads the topic from the TopicTreeModel and follows the model's updates: when the topic
    received messages since the last look, it shows them (at most once per model flush).
*/
class DetailsPane : public QWidget
{
    Q_OBJECT
public:
    explicit DetailsPane(TopicTreeModel *model, QWidget *parent = nullptr);

    /*! Shows \a topic (a full topic name); an empty string shows nothing. */
    void showTopic(const QString &topic);
    QString topic() const { return m_topic; }

    Sparkline *sparkline() const { return m_sparkline; }
    QPlainTextEdit *payloadView() const { return m_payload; }
    QTreeWidget *historyView() const { return m_history; }

Q_SIGNALS:
    /*! The user asked to delete the retained message of \a topic. */
    void clearRetainedRequested(const QString &topic);
    /*! The user wants to publish to \a topic, starting from \a payload. */
    void publishToRequested(const QString &topic, const QByteArray &payload);

private:
    void refresh(bool force);

    TopicTreeModel *m_model;
    QString m_topic;
    quint64 m_shownCount = 0;
    QLabel *m_title;
    QLabel *m_meta;
    QComboBox *m_format;
    QPushButton *m_publishTo;
    QPushButton *m_clearRetained;
    QPlainTextEdit *m_payload;
    Sparkline *m_sparkline;
    QTreeWidget *m_history;
};
