// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Runs the quick-subscription example offscreen against a real mosquitto: clicks Connect and
// Subscribe, publishes five messages with mosquitto_pub, grabs the window and checks its pixels
// (the status colour, and text drawn inside the first delegate).
#include "common/dynsecbroker.h"

#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickItem>
#include <QtQuick/QQuickWindow>
#include <QtTest/QTest>

#include <memory>

using namespace QPahoTest;

namespace {

constexpr int kLong = 10000;

int colourDistance(QRgb a, QRgb b)
{
    return std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b))
        + std::abs(qBlue(a) - qBlue(b));
}

// Pixels in rect (window coordinates) within tolerance of colour.
int pixelsNear(const QImage &image, const QRectF &rect, QColor colour, int tolerance)
{
    const QRect r = rect.toAlignedRect().intersected(image.rect());
    int n = 0;
    for (int y = r.top(); y <= r.bottom(); ++y) {
        for (int x = r.left(); x <= r.right(); ++x) {
            if (colourDistance(image.pixel(x, y), colour.rgb()) <= tolerance)
                ++n;
        }
    }
    return n;
}

} // namespace

class TstQuickExample : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void subscriptionExampleShowsMessages();
    void cleanup();

private:
    std::unique_ptr<QQmlApplicationEngine> m_engine;
};

// The window's scene graph releases its textures through deferred deletes: run them, so that
// LeakSanitizer sees a clean teardown.
void TstQuickExample::cleanup()
{
    m_engine.reset();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
}

void TstQuickExample::subscriptionExampleShowsMessages()
{
    Mosquitto broker({ .persistence = false });
    QVERIFY2(broker.start(), qPrintable(broker.lastError()));

    m_engine = std::make_unique<QQmlApplicationEngine>();
    QQmlApplicationEngine &engine = *m_engine;
    engine.addImportPath(QStringLiteral(QPAHO_BUILD_QML_DIR));
    engine.load(QUrl::fromLocalFile(QStringLiteral(QPAHO_EXAMPLE_QML)));
    QCOMPARE(engine.rootObjects().size(), 1);
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    QVERIFY(window);
    QVERIFY(QTest::qWaitForWindowExposed(window));

    const QString topic = QStringLiteral("quick/example/%1").arg(uniqueId());
    window->setProperty("url", broker.tcpUri());
    window->setProperty("filter", QString(topic + QStringLiteral("/#")));

    auto *status = window->findChild<QQuickItem *>(QStringLiteral("statusIndicator"));
    auto *connectButton = window->findChild<QQuickItem *>(QStringLiteral("connectButton"));
    auto *subscribeButton = window->findChild<QQuickItem *>(QStringLiteral("subscribeButton"));
    auto *list = window->findChild<QQuickItem *>(QStringLiteral("messageList"));
    QVERIFY(status && connectButton && subscribeButton && list);
    const auto centreOf = [](QQuickItem *item) {
        return item->mapToScene(QPointF(item->width() / 2, item->height() / 2)).toPoint();
    };

    // Disconnected: grey.
    QImage image = window->grabWindow();
    QCOMPARE(QColor(image.pixel(centreOf(status))), QColor(QStringLiteral("#9e9e9e")));

    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, centreOf(connectButton));
    QTRY_COMPARE_WITH_TIMEOUT(
        status->property("color").value<QColor>(), QColor(QStringLiteral("#2e7d32")), kLong);
    QTRY_VERIFY_WITH_TIMEOUT(subscribeButton->isEnabled(), kLong);
    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, centreOf(subscribeButton));
    QObject *model = list->property("model").value<QObject *>();
    QVERIFY(model);
    // MqttSubscription.Subscribed == 2
    QTRY_COMPARE_WITH_TIMEOUT(model->property("state").toInt(), 2, kLong);

    QVERIFY(mosquittoPublish(
        broker.port(), topic + QStringLiteral("/sensor"), { "m1", "m2", "m3", "m4", "m5" }, 1));
    QTRY_COMPARE_WITH_TIMEOUT(list->property("count").toInt(), 5, kLong);

    QQuickItem *first = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(QMetaObject::invokeMethod(list, "itemAtIndex",
                                 Q_RETURN_ARG(QQuickItem *, first), Q_ARG(int, 0))
            && first && first->isVisible(),
        kLong);
    // Let the scene graph render the new rows before grabbing.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            image = window->grabWindow();
            const QRectF rect
                = first->mapRectToScene(QRectF(0, 0, first->width(), first->height()));
            return pixelsNear(image, rect, QColor(QStringLiteral("#0d47a1")), 60) > 20;
        }(),
        kLong);

    // QPAHO_TEST_SCREENSHOT=<file.png> keeps the grab for a look.
    if (const QString keep = qEnvironmentVariable("QPAHO_TEST_SCREENSHOT"); !keep.isEmpty())
        image.save(keep);
    // The status indicator is green now.
    QCOMPARE(QColor(image.pixel(centreOf(status))), QColor(QStringLiteral("#2e7d32")));
    // The first delegate: its background, with the topic drawn inside it in the text colour,
    // and nothing of that colour outside the rows.
    const QRectF firstRect = first->mapRectToScene(QRectF(0, 0, first->width(), first->height()));
    QVERIFY(firstRect.width() > 100 && firstRect.height() > 20);
    QVERIFY2(pixelsNear(image, firstRect, QColor(QStringLiteral("#e3f2fd")), 10)
            > int(firstRect.width() * firstRect.height() / 2),
        "the first delegate's background is mostly #e3f2fd");
    const int textPixels = pixelsNear(image, firstRect, QColor(QStringLiteral("#0d47a1")), 60);
    QVERIFY2(textPixels > 20, qPrintable(QStringLiteral("%1 text pixels").arg(textPixels)));
    const QRectF above(0, 0, image.width(), list->mapToScene(QPointF(0, 0)).y());
    QCOMPARE(pixelsNear(image, above, QColor(QStringLiteral("#0d47a1")), 30), 0);
}

QTEST_MAIN(TstQuickExample)
#include "tst_quickexample.moc"
