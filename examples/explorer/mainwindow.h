// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QPaho/Client>

#include <QtWidgets/QMainWindow>

class ConnectionBar;
class DetailsPane;
class PublishPane;
class QLabel;
class QLineEdit;
class QTreeView;
class TopicFilterProxyModel;
class TopicTreeModel;

/*!
    \class MainWindow
    \brief The explorer: connection bar on top, topic tree with a filter box on the left, details
    and publish panes on the right, counts and messages in the status bar.

    Everything received goes into a TopicTreeModel through Client::messageReceived(); the
    model coalesces updates, so the window stays responsive at thousands of messages per second.
*/
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    /*! Validates the connection bar's fields, then connects and subscribes. */
    void connectToBroker();
    void disconnectFromBroker();
    /*! Selects \a topic in the tree (expanding its parents) and shows it in the details pane. */
    bool selectTopic(const QString &topic);
    /*! Shows only topics matching \a text (see TopicFilterProxyModel). */
    void setFilterText(const QString &text);
    /*! The text in the status bar's message area. */
    QString statusMessage() const;
    /*!
        The window as an image, annotated with where things were drawn, as text entries a PNG
        keeps (window coordinates "x,y,width,height"): "statusIndicator"; for the current topic
        "selectedTopic", "selectedTopicRect" (the cell with its name) and "selectedValueRect"
        (its value). The tests check pixels there; --screenshot saves this image.
    */
    QImage screenshot();

    QPaho::Client *client() { return &m_client; }
    TopicTreeModel *model() const { return m_model; }
    TopicFilterProxyModel *proxyModel() const { return m_proxy; }
    QTreeView *topicView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    ConnectionBar *connectionBar() const { return m_connectionBar; }
    DetailsPane *detailsPane() const { return m_details; }
    PublishPane *publishPane() const { return m_publish; }

private:
    void subscribeAll(const QStringList &filters);
    void publish(const QPaho::Message &message);
    void clearRetained(const QString &topic);
    void onStateChanged(QPaho::Client::State state);
    void onConnectFailed(const QPaho::ConnectResult &result);
    void showError(const QString &text);
    void showInfo(const QString &text);
    void updateCounts();

    QPaho::Client m_client;
    TopicTreeModel *m_model;
    TopicFilterProxyModel *m_proxy;
    ConnectionBar *m_connectionBar;
    QLineEdit *m_filter;
    QTreeView *m_tree;
    DetailsPane *m_details;
    PublishPane *m_publish;
    QLabel *m_message;
    QLabel *m_counts;
    bool m_failed = false; // the last attempt failed: the lamp stays red until the next one
    quint64 m_countAtLastTick = 0;
    double m_rate = 0;
};
