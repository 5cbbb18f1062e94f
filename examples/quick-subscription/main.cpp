// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// quick-subscription: shows the messages of one topic filter in a list (Main.qml).
#include <QtCore/QUrl>
#include <QtGui/QGuiApplication>
#include <QtQml/QQmlApplicationEngine>

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QQmlApplicationEngine engine;
#ifdef QPAHO_BUILD_QML_DIR
    engine.addImportPath(QStringLiteral(QPAHO_BUILD_QML_DIR)); // only inside QPaho's build tree
#endif
    const QUrl url(QStringLiteral("qrc:/QuickSubscription/Main.qml"));
    QObject::connect(
        &engine, &QQmlApplicationEngine::objectCreated, &app,
        [url](QObject *object, const QUrl &objectUrl) {
            if (!object && objectUrl == url)
                QCoreApplication::exit(1);
        },
        Qt::QueuedConnection);
    engine.load(url);
    return app.exec();
}
