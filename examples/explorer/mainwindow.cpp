// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "mainwindow.h"

#include "connectionbar.h"
#include "detailspane.h"
#include "publishpane.h"
#include "topicfilterproxymodel.h"
#include "topictreemodel.h"

#include <QtCore/QTimer>
#include <QtGui/QImage>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QTreeView>
#include <QtWidgets/QVBoxLayout>

namespace {
// CONNACK codes for refused credentials: 4 and 5 in MQTT 3.1.1, 0x86 and 0x87 in MQTT 5.
bool isCredentialRefusal(int reasonCode)
{
    return reasonCode == 4 || reasonCode == 5 || reasonCode == 0x86 || reasonCode == 0x87;
}
} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_model(new TopicTreeModel(this)),
      m_proxy(new TopicFilterProxyModel(this)),
      m_connectionBar(new ConnectionBar(this)),
      m_filter(new QLineEdit(this)),
      m_tree(new QTreeView(this)),
      m_details(new DetailsPane(m_model, this)),
      m_publish(new PublishPane(this)),
      m_message(new QLabel(this)),
      m_counts(new QLabel(this))
{
    setWindowTitle(tr("QPaho Explorer"));
    m_proxy->setSourceModel(m_model);

    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter topics: text, or a filter such as home/+/temperature"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &MainWindow::setFilterText);

    m_tree->setObjectName(QStringLiteral("topicTree"));
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true); // lets the view skip measuring every row: a must here
    m_tree->setAlternatingRowColors(true);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(TopicTreeModel::TopicColumn, Qt::AscendingOrder);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(TopicTreeModel::ValueColumn, QHeaderView::Stretch);
    m_tree->setColumnWidth(TopicTreeModel::TopicColumn, 260);
    m_tree->setColumnWidth(TopicTreeModel::MessagesColumn, 80);
    m_tree->setColumnWidth(TopicTreeModel::RetainedColumn, 70);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            m_details->showTopic(current.data(TopicTreeModel::TopicRole).toString());
        });

    auto *treePane = new QWidget(this);
    auto *treeLayout = new QVBoxLayout(treePane);
    treeLayout->setContentsMargins(0, 0, 0, 0);
    treeLayout->addWidget(m_filter);
    treeLayout->addWidget(m_tree);

    auto *detailsBox = new QGroupBox(tr("Topic"), this);
    (new QVBoxLayout(detailsBox))->addWidget(m_details);
    auto *publishBox = new QGroupBox(tr("Publish"), this);
    (new QVBoxLayout(publishBox))->addWidget(m_publish);
    auto *rightPane = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(rightPane);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(detailsBox, 1);
    rightLayout->addWidget(publishBox);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(treePane);
    splitter->addWidget(rightPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 8, 0);
    centralLayout->setSpacing(4);
    centralLayout->addWidget(m_connectionBar);
    auto *body = new QHBoxLayout;
    body->setContentsMargins(8, 0, 0, 0);
    body->addWidget(splitter);
    centralLayout->addLayout(body, 1);
    setCentralWidget(central);

    m_message->setObjectName(QStringLiteral("statusMessage"));
    m_counts->setObjectName(QStringLiteral("counts"));
    statusBar()->addWidget(m_message, 1);
    statusBar()->addPermanentWidget(m_counts);
    resize(1280, 800);

    connect(m_connectionBar, &ConnectionBar::connectClicked, this, &MainWindow::connectToBroker);
    connect(m_connectionBar, &ConnectionBar::disconnectClicked, this,
        &MainWindow::disconnectFromBroker);
    connect(m_publish, &PublishPane::publishRequested, this, &MainWindow::publish);
    connect(m_publish, &PublishPane::invalidInput, this, &MainWindow::showError);
    connect(m_details, &DetailsPane::clearRetainedRequested, this, &MainWindow::clearRetained);
    connect(m_details, &DetailsPane::publishToRequested, this,
        [this](const QString &topic, const QByteArray &payload) {
            m_publish->setTopic(topic);
            m_publish->setPayload(QString::fromUtf8(payload));
        });

    connect(&m_client, &QPaho::Client::messageReceived, m_model, &TopicTreeModel::addMessage);
    connect(&m_client, &QPaho::Client::stateChanged, this, &MainWindow::onStateChanged);
    connect(&m_client, &QPaho::Client::connectionLost, this, [this](const QString &cause) {
        showError(tr("Connection lost: %1; reconnecting").arg(cause));
    });
    connect(m_model, &TopicTreeModel::updated, this, &MainWindow::updateCounts);
    auto *rateTimer = new QTimer(this);
    connect(rateTimer, &QTimer::timeout, this, [this] {
        m_rate = double(m_model->totalMessages() - m_countAtLastTick);
        m_countAtLastTick = m_model->totalMessages();
        updateCounts();
    });
    rateTimer->start(1000);

    onStateChanged(QPaho::Client::State::Disconnected);
    updateCounts();
    showInfo(tr("Enter a broker URL and press Connect"));
}

MainWindow::~MainWindow() = default;

void MainWindow::connectToBroker()
{
    if (m_client.state() != QPaho::Client::State::Disconnected)
        return;
    QString error;
    const std::optional<QPaho::ConnectOptions> options = m_connectionBar->connectOptions(&error);
    const std::optional<QStringList> filters
        = options ? m_connectionBar->subscriptions(&error) : std::nullopt;
    if (!options || !filters) {
        m_failed = true;
        onStateChanged(m_client.state());
        showError(error);
        return;
    }
    m_failed = false;
    m_model->clear();
    m_countAtLastTick = 0;
    showInfo(tr("Connecting to %1…").arg(options->serverUris().value(0)));
    m_connectionBar->setActive(true);
    m_client.connectToHost(*options).then(
        this, [this, subscriptions = *filters](const QPaho::ConnectResult &result) {
            if (!result)
                return onConnectFailed(result);
            showInfo(tr("Connected to %1").arg(result.serverUri()));
            subscribeAll(subscriptions);
        });
}

void MainWindow::onConnectFailed(const QPaho::ConnectResult &result)
{
    // With automatic reconnect the client would keep retrying a first attempt that failed;
    // the user is to fix the fields instead.
    if (m_client.state() != QPaho::Client::State::Disconnected)
        m_client.disconnectFromHost();
    m_failed = true;
    m_connectionBar->setActive(false);
    onStateChanged(m_client.state());
    QString text = result.errorString();
    if (result.error() == QPaho::Error::ConnectionRefused
        && isCredentialRefusal(result.reasonCode())) {
        text = tr("The broker refused the credentials: %1").arg(result.errorString());
        m_connectionBar->markInvalid(ConnectionBar::Field::Username, text);
        m_connectionBar->markInvalid(ConnectionBar::Field::Password, text);
    } else if (result.error() == QPaho::Error::ConnectionFailed
        || result.error() == QPaho::Error::Timeout) {
        m_connectionBar->markInvalid(ConnectionBar::Field::Url, text);
    }
    showError(tr("Connect failed: %1").arg(text));
}

void MainWindow::subscribeAll(const QStringList &filters)
{
    QList<QPair<QString, QPaho::SubscribeOptions>> subscriptions;
    for (const QString &filter : filters)
        subscriptions.append({ filter, QPaho::SubscribeOptions(1) });
    m_client.subscribe(subscriptions)
        .then(this, [this, filters](const QPaho::SubscribeResult &result) {
            if (result) {
                showInfo(tr("Subscribed to %1").arg(filters.join(QStringLiteral(", "))));
                return;
            }
            const QString text = tr("Subscribe failed: %1").arg(result.errorString());
            m_connectionBar->markInvalid(ConnectionBar::Field::Subscriptions, text);
            showError(text);
        });
}

void MainWindow::disconnectFromBroker()
{
    m_client.disconnectFromHost().then(this, [this](const QPaho::Result &) {
        m_connectionBar->setActive(false);
        showInfo(tr("Disconnected"));
    });
}

void MainWindow::publish(const QPaho::Message &message)
{
    if (m_client.state() != QPaho::Client::State::Connected) {
        showError(tr("Not connected: nothing was published"));
        return;
    }
    const QString topic = message.topic();
    m_client.publish(message).then(this, [this, topic](const QPaho::PublishResult &result) {
        if (result)
            showInfo(tr("Published to %1").arg(topic));
        else
            showError(tr("Publish to %1 failed: %2").arg(topic, result.errorString()));
    });
}

void MainWindow::clearRetained(const QString &topic)
{
    if (m_client.state() != QPaho::Client::State::Connected) {
        showError(tr("Not connected: the retained message was not cleared"));
        return;
    }
    // An empty retained message deletes the broker's retained message for the topic.
    m_client.publish(topic, {}, 1, true)
        .then(this, [this, topic](const QPaho::PublishResult &result) {
            if (result)
                showInfo(tr("Cleared the retained message of %1").arg(topic));
            else
                showError(tr("Clearing the retained message of %1 failed: %2")
                              .arg(topic, result.errorString()));
        });
}

void MainWindow::onStateChanged(QPaho::Client::State state)
{
    using Status = StatusIndicator::Status;
    switch (state) {
    case QPaho::Client::State::Connected:
        m_failed = false;
        m_connectionBar->clearMarks();
        m_connectionBar->setStatus(Status::Connected, tr("Connected"));
        break;
    case QPaho::Client::State::Connecting:
        m_connectionBar->setStatus(Status::Connecting, tr("Connecting…"));
        break;
    case QPaho::Client::State::Reconnecting:
        m_connectionBar->setStatus(Status::Connecting, tr("Reconnecting…"));
        break;
    case QPaho::Client::State::Disconnecting:
        m_connectionBar->setStatus(Status::Connecting, tr("Disconnecting…"));
        break;
    case QPaho::Client::State::Disconnected:
        if (m_failed)
            m_connectionBar->setStatus(Status::Error, tr("Failed"));
        else
            m_connectionBar->setStatus(Status::Disconnected, tr("Disconnected"));
        m_connectionBar->setActive(false);
        break;
    }
    m_publish->setPublishEnabled(state == QPaho::Client::State::Connected);
}

bool MainWindow::selectTopic(const QString &topic)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->indexForTopic(topic));
    if (!index.isValid())
        return false;
    for (QModelIndex parent = index.parent(); parent.isValid(); parent = parent.parent())
        m_tree->expand(parent);
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
    return true;
}

void MainWindow::setFilterText(const QString &text)
{
    if (m_filter->text() != text)
        m_filter->setText(text); // comes back here through textChanged
    m_proxy->setFilterText(text);
    if (!text.trimmed().isEmpty())
        m_tree->expandAll(); // show where the matches are
}

QString MainWindow::statusMessage() const
{
    return m_message->text();
}

QImage MainWindow::screenshot()
{
    QImage image = grab().toImage();
    const auto place = [this](QWidget *widget, QRect rect) {
        rect.translate(widget->mapTo(this, QPoint(0, 0)));
        return QStringLiteral("%1,%2,%3,%4")
            .arg(rect.x())
            .arg(rect.y())
            .arg(rect.width())
            .arg(rect.height());
    };
    StatusIndicator *lamp = m_connectionBar->statusIndicator();
    image.setText(QStringLiteral("statusIndicator"), place(lamp, lamp->rect()));
    const QModelIndex current = m_tree->currentIndex();
    if (current.isValid()) {
        QWidget *viewport = m_tree->viewport();
        image.setText(
            QStringLiteral("selectedTopic"), current.data(TopicTreeModel::TopicRole).toString());
        image.setText(QStringLiteral("selectedTopicRect"),
            place(viewport,
                m_tree->visualRect(current.siblingAtColumn(TopicTreeModel::TopicColumn))));
        image.setText(QStringLiteral("selectedValueRect"),
            place(viewport,
                m_tree->visualRect(current.siblingAtColumn(TopicTreeModel::ValueColumn))));
    }
    return image;
}

void MainWindow::showError(const QString &text)
{
    m_message->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_message->setText(tr("Error: %1").arg(text));
}

void MainWindow::showInfo(const QString &text)
{
    m_message->setStyleSheet({});
    m_message->setText(text);
}

void MainWindow::updateCounts()
{
    m_counts->setText(tr("%1 topics · %2 messages · %3 msg/s")
                          .arg(m_model->topicCount())
                          .arg(m_model->totalMessages())
                          .arg(m_rate, 0, 'f', 0));
}
