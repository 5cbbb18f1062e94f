// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-explorer's main window, driven offscreen against the fixture's mosquitto: connect,
// retained values appear, counts add up, the filter narrows the tree, a publish reaches a
// mosquitto_sub, "clear retained" clears; a bad URL, refused credentials, an unreachable broker
// and a topic with wildcards are shown in the window (status bar and the field) and send
// nothing. Pixels of the window are checked: the status lamp and the text in a topic's row.
#include "common/qpahotest.h"
#include "explorerpixels.h"

#include "connectionbar.h"
#include "detailspane.h"
#include "invalidfield.h"
#include "mainwindow.h"
#include "publishpane.h"
#include "sparkline.h"
#include "topicfilterproxymodel.h"
#include "topictreemodel.h"

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTreeView>

#include <memory>

using namespace QPahoTest;
using Field = ConnectionBar::Field;
using Status = StatusIndicator::Status;

class TstExplorerWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void connectShowsRetainedValuesAndCountsAddUp();
    void filterNarrowsTheTree();
    void publishReachesMosquittoSub();
    void wildcardTopicIsShownAndNothingSent();
    void clearRetainedDeletesTheRetainedMessage();
    void badUrlIsShownAndNothingSent();
    void badSubscriptionFilterIsShown();
    void unreachableBrokerIsShown();
    void refusedCredentialsAreShown();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &prefix);
    bool publishAll(const QList<QPaho::Message> &messages);

    Mosquitto m_broker;
    QPaho::Client m_publisher;
};

void TstExplorerWindow::initTestCase()
{
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
    QPAHO_VERIFY_OK(await(m_publisher.connectToHost(m_broker.tcpUri())));
}

bool TstExplorerWindow::publishAll(const QList<QPaho::Message> &messages)
{
    QList<QFuture<QPaho::PublishResult>> futures;
    for (const QPaho::Message &message : messages)
        futures.append(m_publisher.publish(message));
    for (const auto &future : futures) {
        const QPaho::PublishResult result = await(future);
        if (!result) {
            qWarning() << "publish failed:" << describe(result);
            return false;
        }
    }
    return true;
}

// A shown window connected to the fixture's broker, subscribed to prefix/#.
std::unique_ptr<MainWindow> TstExplorerWindow::openWindow(const QString &prefix)
{
    auto window = std::make_unique<MainWindow>();
    window->resize(1100, 700);
    window->connectionBar()->setText(Field::Url, m_broker.tcpUri());
    window->connectionBar()->setText(Field::ClientId, uniqueId(QStringLiteral("explorer")));
    window->connectionBar()->setSubscriptions({ prefix + QStringLiteral("/#") });
    window->show();
    window->connectToBroker();
    if (!waitUntil([&] { return window->statusMessage().startsWith(QLatin1String("Subscribed")); },
            10000)) {
        qWarning() << "not subscribed:" << window->statusMessage();
        return nullptr;
    }
    return window;
}

void TstExplorerWindow::connectShowsRetainedValuesAndCountsAddUp()
{
    const QString prefix = uniqueId(QStringLiteral("retained"));
    QList<QPaho::Message> retained;
    const QStringList rooms
        = { QStringLiteral("kitchen"), QStringLiteral("garage"), QStringLiteral("office") };
    for (const QString &room : rooms) {
        retained << QPaho::Message(
            prefix + QStringLiteral("/home/%1/temperature").arg(room), "21.5", 1, true);
        retained << QPaho::Message(prefix + QStringLiteral("/home/%1/humidity").arg(room),
            R"({"relative":48,"unit":"%"})", 1, true);
    }
    QVERIFY(publishAll(retained));

    auto window = openWindow(prefix);
    QVERIFY(window);
    TopicTreeModel *model = window->model();
    const QString kitchen = prefix + QStringLiteral("/home/kitchen/temperature");

    // Retained values appear, flagged as retained.
    QTRY_COMPARE_WITH_TIMEOUT(model->topicCount(), 6, 10000);
    const QModelIndex kitchenIndex = model->indexForTopic(kitchen);
    QCOMPARE(kitchenIndex.data(TopicTreeModel::PayloadRole).toByteArray(), QByteArray("21.5"));
    QVERIFY(kitchenIndex.data(TopicTreeModel::RetainedRole).toBool());
    QCOMPARE(kitchenIndex.siblingAtColumn(TopicTreeModel::ValueColumn).data().toString(),
        QStringLiteral("21.5"));
    QCOMPARE(kitchenIndex.siblingAtColumn(TopicTreeModel::RetainedColumn).data().toString(),
        QStringLiteral("retained"));

    // Live messages: counts add up per topic, per parent and in the status bar.
    QList<QPaho::Message> live;
    for (int i = 0; i < 10; ++i) {
        live << QPaho::Message(kitchen, QByteArray::number(20 + i % 4), 0, false);
        live << QPaho::Message(prefix + QStringLiteral("/home/garage/humidity"), "50", 1, false);
        live << QPaho::Message(prefix + QStringLiteral("/alarm"), "armed", 1, false);
    }
    QVERIFY(publishAll(live));
    QTRY_COMPARE_WITH_TIMEOUT(model->totalMessages(), quint64(36), 10000);
    QCOMPARE(model->topicCount(), 7);
    QCOMPARE(model->indexForTopic(kitchen).data(TopicTreeModel::OwnCountRole).toULongLong(), 11u);
    QVERIFY(!model->indexForTopic(kitchen).data(TopicTreeModel::RetainedRole).toBool());
    const auto total = [&](const QString &topic) {
        return model->indexForTopic(topic).data(TopicTreeModel::TotalCountRole).toULongLong();
    };
    QCOMPARE(total(prefix), 36u);
    QCOMPARE(total(prefix + QStringLiteral("/home")), 26u);
    QCOMPARE(total(prefix + QStringLiteral("/home/kitchen")), 12u);
    QCOMPARE(total(prefix + QStringLiteral("/home/garage")), 12u);
    QCOMPARE(total(prefix + QStringLiteral("/alarm")), 10u);
    auto *counts = window->findChild<QLabel *>(QStringLiteral("counts"));
    QVERIFY(counts);
    QVERIFY2(counts->text().startsWith(QStringLiteral("7 topics · 36 messages")),
        qPrintable(counts->text()));

    // The details pane follows the selected topic: history and the sparkline of its numbers.
    QVERIFY(window->selectTopic(kitchen));
    QCOMPARE(window->detailsPane()->topic(), kitchen);
    QCOMPARE(window->detailsPane()->sparkline()->values().size(), 11);
    QCOMPARE(
        window->detailsPane()->payloadView()->toPlainText(), QStringLiteral("21")); // 20 + 9 % 4

    // Pixels: a green lamp, and the topic's name and value drawn inside their cells.
    const QImage shot = window->screenshot();
    QCOMPARE(shot.text(QStringLiteral("selectedTopic")), kitchen);
    const QString lamp
        = ExplorerPixels::checkLamp(shot, StatusIndicator::colorFor(Status::Connected));
    QVERIFY2(lamp.isEmpty(), qPrintable(lamp));
    const QFontMetrics metrics(window->topicView()->font());
    const QString name = ExplorerPixels::checkTextIn(shot, QStringLiteral("selectedTopicRect"),
        metrics.horizontalAdvance(QStringLiteral("temperature")));
    QVERIFY2(name.isEmpty(), qPrintable(name));
    const QString value = ExplorerPixels::checkTextIn(
        shot, QStringLiteral("selectedValueRect"), metrics.horizontalAdvance(QStringLiteral("21")));
    QVERIFY2(value.isEmpty(), qPrintable(value));
    // And the check sees the difference: the value cell of "kitchen" (no value) has no text.
    QTreeView *tree = window->topicView();
    const QModelIndex parentRow = window->proxyModel()->mapFromSource(model->indexForTopic(
        prefix + QStringLiteral("/home/kitchen"), TopicTreeModel::ValueColumn));
    QRect empty = tree->visualRect(parentRow);
    empty.translate(tree->viewport()->mapTo(window.get(), QPoint(0, 0)));
    QCOMPARE(ExplorerPixels::inkIn(shot, empty).pixels, 0);
}

void TstExplorerWindow::filterNarrowsTheTree()
{
    const QString prefix = uniqueId(QStringLiteral("filter"));
    QVERIFY(publishAll({ QPaho::Message(prefix + QStringLiteral("/home/kitchen/light"), "on"),
        QPaho::Message(prefix + QStringLiteral("/home/garage/light"), "off"),
        QPaho::Message(prefix + QStringLiteral("/home/garage/door"), "closed", 0, true) }));
    auto window = openWindow(prefix);
    QVERIFY(window);
    QVERIFY(publishAll({ QPaho::Message(prefix + QStringLiteral("/home/kitchen/light"), "on"),
        QPaho::Message(prefix + QStringLiteral("/home/garage/light"), "off") }));
    TopicTreeModel *model = window->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->topicCount(), 3, 10000);
    const auto shown = [&](const QString &suffix) {
        return window->proxyModel()->mapFromSource(model->indexForTopic(prefix + suffix)).isValid();
    };
    const auto homeRows = [&] {
        return window->proxyModel()->rowCount(window->proxyModel()->mapFromSource(
            model->indexForTopic(prefix + QStringLiteral("/home"))));
    };
    QCOMPARE(homeRows(), 2);

    // Typed into the filter box like a user would.
    QTest::keyClicks(window->filterEdit(), QStringLiteral("kitchen"));
    QCOMPARE(homeRows(), 1);
    QVERIFY(shown(QStringLiteral("/home/kitchen/light")));
    QVERIFY(!shown(QStringLiteral("/home/garage/light")));

    // A topic filter with wildcards matches like a subscription.
    window->filterEdit()->clear();
    QTest::keyClicks(window->filterEdit(), prefix + QStringLiteral("/+/+/light"));
    QCOMPARE(homeRows(), 2);
    QVERIFY(shown(QStringLiteral("/home/garage/light")));
    QVERIFY(!shown(QStringLiteral("/home/garage/door")));

    window->filterEdit()->clear();
    QVERIFY(shown(QStringLiteral("/home/garage/door")));
}

void TstExplorerWindow::publishReachesMosquittoSub()
{
    const QString prefix = uniqueId(QStringLiteral("publish"));
    auto window = openWindow(prefix);
    QVERIFY(window);
    MosquittoSub sub(m_broker.port(), prefix + QStringLiteral("/out/#"), { .qos = 1 });
    QVERIFY2(sub.start(), qPrintable(sub.error()));

    PublishPane *pane = window->publishPane();
    QVERIFY(pane->publishButton()->isEnabled());
    pane->setTopic(prefix + QStringLiteral("/out/greeting"));
    pane->setPayload(QStringLiteral("hello from the explorer"));
    pane->setQos(1);
    QTest::mouseClick(pane->publishButton(), Qt::LeftButton);

    QVERIFY2(sub.waitForLines(1), sub.errorOutput().constData());
    QCOMPARE(sub.lines().first(), prefix + QStringLiteral("/out/greeting hello from the explorer"));
    QTRY_VERIFY_WITH_TIMEOUT(window->statusMessage().startsWith(QLatin1String("Published")), 10000);
    // The window is subscribed to prefix/#, so its own message shows in the tree.
    QTRY_VERIFY_WITH_TIMEOUT(
        window->model()->indexForTopic(prefix + QStringLiteral("/out/greeting")).isValid(), 10000);
}

void TstExplorerWindow::wildcardTopicIsShownAndNothingSent()
{
    const QString prefix = uniqueId(QStringLiteral("wild"));
    auto window = openWindow(prefix);
    QVERIFY(window);
    MosquittoSub sub(m_broker.port(), prefix + QStringLiteral("/#"));
    QVERIFY2(sub.start(), qPrintable(sub.error()));

    PublishPane *pane = window->publishPane();
    for (const QString &bad :
        QStringList { prefix + QStringLiteral("/+/x"), prefix + QStringLiteral("/#") }) {
        pane->setTopic(bad);
        pane->setPayload(QStringLiteral("must not be sent"));
        QTest::mouseClick(pane->publishButton(), Qt::LeftButton);
        QVERIFY(isMarkedInvalid(pane->topicEdit()));
        QVERIFY2(window->statusMessage().startsWith(QLatin1String("Error: Cannot publish to")),
            qPrintable(window->statusMessage()));
        QVERIFY(!pane->topicEdit()->toolTip().isEmpty());
    }
    // A valid publish afterwards is the first (and only) thing the subscriber gets.
    pane->setTopic(prefix + QStringLiteral("/marker"));
    QVERIFY(!isMarkedInvalid(pane->topicEdit()));
    pane->setPayload(QStringLiteral("marker"));
    QTest::mouseClick(pane->publishButton(), Qt::LeftButton);
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.lines(), QStringList { prefix + QStringLiteral("/marker marker") });
}

void TstExplorerWindow::clearRetainedDeletesTheRetainedMessage()
{
    const QString prefix = uniqueId(QStringLiteral("clear"));
    const QString topic = prefix + QStringLiteral("/device/state");
    QVERIFY(publishAll({ QPaho::Message(topic, "stale", 1, true) }));
    auto window = openWindow(prefix);
    QVERIFY(window);
    QTRY_VERIFY_WITH_TIMEOUT(window->model()->indexForTopic(topic).isValid(), 10000);
    QVERIFY(window->selectTopic(topic));
    auto *clear = window->findChild<QPushButton *>(QStringLiteral("clearRetained"));
    QVERIFY(clear && clear->isEnabled());
    QTest::mouseClick(clear, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(window->statusMessage().startsWith(QLatin1String("Cleared")), 10000);

    // A new subscriber gets no retained message: the first thing it sees is a later marker.
    MosquittoSub sub(m_broker.port(), topic);
    QVERIFY2(sub.start(), qPrintable(sub.error()));
    QVERIFY(publishAll({ QPaho::Message(topic, "marker", 1, false) }));
    QVERIFY(sub.waitForLines(1));
    QCOMPARE(sub.lines().first(), topic + QStringLiteral(" marker"));
}

void TstExplorerWindow::badUrlIsShownAndNothingSent()
{
    MainWindow window;
    window.show();
    QWidget *url = window.connectionBar()->field(Field::Url);
    for (const QString &bad : { QStringLiteral("foo://broker"), QStringLiteral("tcp://"),
             QStringLiteral("tcp://host/path"), QStringLiteral("   ") }) {
        window.connectionBar()->setText(Field::Url, bad);
        window.connectToBroker();
        QCOMPARE(window.client()->state(), QPaho::Client::State::Disconnected);
        QVERIFY(window.client()->serverUri().isEmpty()); // never tried
        QVERIFY2(isMarkedInvalid(url), qPrintable(bad));
        QVERIFY2(window.statusMessage().startsWith(QLatin1String("Error: Bad broker URL")),
            qPrintable(window.statusMessage()));
        QCOMPARE(window.connectionBar()->statusIndicator()->status(), Status::Error);
    }
    const QString lamp
        = ExplorerPixels::checkLamp(window.screenshot(), StatusIndicator::colorFor(Status::Error));
    QVERIFY2(lamp.isEmpty(), qPrintable(lamp));
}

void TstExplorerWindow::badSubscriptionFilterIsShown()
{
    MainWindow window;
    window.show();
    window.connectionBar()->setText(Field::Url, m_broker.tcpUri());
    window.connectionBar()->setSubscriptions({ QStringLiteral("a/#/b") });
    window.connectToBroker();
    QCOMPARE(window.client()->state(), QPaho::Client::State::Disconnected);
    QVERIFY(window.client()->serverUri().isEmpty());
    QVERIFY(isMarkedInvalid(window.connectionBar()->field(Field::Subscriptions)));
    QVERIFY2(window.statusMessage().startsWith(QLatin1String("Error: Bad topic filter")),
        qPrintable(window.statusMessage()));
}

void TstExplorerWindow::unreachableBrokerIsShown()
{
    const QList<quint16> ports = pickFreePorts(1);
    QVERIFY(ports.value(0) != 0);
    MainWindow window;
    window.show();
    window.connectionBar()->setText(
        Field::Url, QStringLiteral("tcp://127.0.0.1:%1").arg(ports.first()));
    window.connectToBroker();
    QTRY_VERIFY_WITH_TIMEOUT(
        window.statusMessage().startsWith(QLatin1String("Error: Connect failed")), 10000);
    QVERIFY(isMarkedInvalid(window.connectionBar()->field(Field::Url)));
    // No retrying behind the user's back: the client ends disconnected, the lamp red.
    QTRY_COMPARE_WITH_TIMEOUT(window.client()->state(), QPaho::Client::State::Disconnected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        window.connectionBar()->statusIndicator()->status(), Status::Error, 10000);
    const QString lamp
        = ExplorerPixels::checkLamp(window.screenshot(), StatusIndicator::colorFor(Status::Error));
    QVERIFY2(lamp.isEmpty(), qPrintable(lamp));
}

void TstExplorerWindow::refusedCredentialsAreShown()
{
    Mosquitto secured({ .users = { { QStringLiteral("alice"), QStringLiteral("secret") } } });
    QVERIFY2(secured.start(), qPrintable(secured.lastError()));
    for (const auto version : { QPaho::ProtocolVersion::Mqtt311, QPaho::ProtocolVersion::Mqtt5 }) {
        MainWindow window;
        window.show();
        ConnectionBar *bar = window.connectionBar();
        bar->setText(Field::Url, secured.tcpUri());
        bar->setText(Field::Username, QStringLiteral("alice"));
        bar->setText(Field::Password, QStringLiteral("wrong"));
        bar->setProtocolVersion(version);
        window.connectToBroker();
        QTRY_VERIFY_WITH_TIMEOUT(window.statusMessage().contains(QLatin1String("refused")), 10000);
        QVERIFY2(window.statusMessage().startsWith(QLatin1String("Error:")),
            qPrintable(window.statusMessage()));
        QVERIFY(isMarkedInvalid(bar->field(Field::Username)));
        QVERIFY(isMarkedInvalid(bar->field(Field::Password)));
        QVERIFY(!isMarkedInvalid(bar->field(Field::Url)));
        QTRY_COMPARE_WITH_TIMEOUT(
            window.client()->state(), QPaho::Client::State::Disconnected, 10000);
        const QString lamp = ExplorerPixels::checkLamp(
            window.screenshot(), StatusIndicator::colorFor(Status::Error));
        QVERIFY2(lamp.isEmpty(), qPrintable(lamp));

        // With the right password it connects, and the marks go away.
        bar->setText(Field::Password, QStringLiteral("secret"));
        window.connectToBroker();
        QTRY_COMPARE_WITH_TIMEOUT(window.client()->state(), QPaho::Client::State::Connected, 10000);
        QVERIFY(!isMarkedInvalid(bar->field(Field::Password)));
        const QString green = ExplorerPixels::checkLamp(
            window.screenshot(), StatusIndicator::colorFor(Status::Connected));
        QVERIFY2(green.isEmpty(), qPrintable(green));
    }
}

QTEST_MAIN(TstExplorerWindow)
#include "tst_explorerwindow.moc"
