// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// qpaho-explorer: a desktop MQTT explorer (topic tree, details, publish) on QPaho.
//
//   qpaho-explorer [--url URL] [--user U --password P] [--mqtt-version 5] [--subscribe F]...
//   qpaho-explorer --url URL --screenshot shot.png --messages 500 --select home/kitchen/temp
//
// With --url it connects at once. --screenshot renders the window to a PNG once the tree holds
// --messages messages (or after --timeout ms: then it still saves, but exits with 1).

#include "connectionbar.h"
#include "mainwindow.h"
#include "topictreemodel.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>
#include <QtWidgets/QTreeView>

#include <cstdio>

namespace {
int fail(const QString &text)
{
    std::fprintf(stderr, "Error: %s\n", qPrintable(text));
    return 2;
}

// Saves the window to `path` once `model` holds `messages` messages or `timeoutMs` passed;
// then quits the application with 0 (enough messages, file written) or 1.
void scheduleScreenshot(MainWindow *window, const QString &path, quint64 messages, int timeoutMs,
    const QString &select, int expandDepth)
{
    auto shoot = [=](bool complete) {
        if (expandDepth >= 0)
            window->topicView()->expandToDepth(expandDepth);
        if (!select.isEmpty() && !window->selectTopic(select))
            std::fprintf(stderr, "Error: --select: no topic %s in the tree\n", qPrintable(select));
        // One more turn of the event loop, so the details pane and the view settle first.
        QTimer::singleShot(50, window, [=] {
            const bool saved = window->screenshot().save(path);
            if (!saved)
                std::fprintf(stderr, "Error: cannot write %s\n", qPrintable(path));
            if (!complete) {
                std::fprintf(stderr, "Error: only %llu of %llu messages after %d ms\n",
                    static_cast<unsigned long long>(window->model()->totalMessages()),
                    static_cast<unsigned long long>(messages), timeoutMs);
            }
            QCoreApplication::exit(saved && complete ? 0 : 1);
        });
    };
    auto *timeout = new QTimer(window);
    timeout->setSingleShot(true);
    QObject::connect(timeout, &QTimer::timeout, window, [=] { shoot(false); });
    timeout->start(timeoutMs);
    auto check = [=] {
        if (timeout->isActive() && window->model()->totalMessages() >= messages) {
            timeout->stop();
            shoot(true);
        }
    };
    QObject::connect(window->model(), &TopicTreeModel::updated, window, check);
    QTimer::singleShot(0, window, check); // --messages 0: as soon as the window shows
}
} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("qpaho-explorer"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Desktop MQTT explorer: topic tree, values, history, publish."));
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"),
        QStringLiteral("Broker to connect to at start (tcp://, ssl://, ws://, wss://)."),
        QStringLiteral("url"));
    const QCommandLineOption clientId(
        QStringLiteral("client-id"), QStringLiteral("Client id."), QStringLiteral("id"));
    const QCommandLineOption user(
        QStringLiteral("user"), QStringLiteral("User name."), QStringLiteral("name"));
    const QCommandLineOption password(QStringLiteral("password"),
        QStringLiteral("Password (or set QPAHO_PASSWORD)."), QStringLiteral("password"));
    const QCommandLineOption version(QStringLiteral("mqtt-version"),
        QStringLiteral("3 (3.1.1, the default) or 5."), QStringLiteral("version"));
    const QCommandLineOption subscribe(QStringLiteral("subscribe"),
        QStringLiteral("Topic filter to subscribe to; repeatable (default: # and $SYS/#)."),
        QStringLiteral("filter"));
    const QCommandLineOption caFile(QStringLiteral("cafile"),
        QStringLiteral("CA certificate file for TLS."), QStringLiteral("file"));
    const QCommandLineOption cert(QStringLiteral("cert"),
        QStringLiteral("Client certificate file for TLS."), QStringLiteral("file"));
    const QCommandLineOption key(QStringLiteral("key"),
        QStringLiteral("Client private key file for TLS."), QStringLiteral("file"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QStringLiteral("Save the window as a PNG once --messages arrived, then exit."),
        QStringLiteral("file"));
    const QCommandLineOption messages(QStringLiteral("messages"),
        QStringLiteral("Messages to wait for before --screenshot (default 1 with --url)."),
        QStringLiteral("count"));
    const QCommandLineOption select(QStringLiteral("select"),
        QStringLiteral("Topic to select (and show in the details pane)."), QStringLiteral("topic"));
    const QCommandLineOption expand(QStringLiteral("expand"),
        QStringLiteral("Expand the tree to this depth before --screenshot (0: top level)."),
        QStringLiteral("depth"));
    const QCommandLineOption size(QStringLiteral("size"),
        QStringLiteral("Window size, e.g. 1280x800."), QStringLiteral("WxH"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
        QStringLiteral("Give up waiting for --messages after this many ms (default 10000)."),
        QStringLiteral("ms"));
    parser.addOptions({ url, clientId, user, password, version, subscribe, caFile, cert, key,
        screenshot, messages, select, expand, size, timeout });
    parser.process(app);

    MainWindow window;
    ConnectionBar *bar = window.connectionBar();
    using Field = ConnectionBar::Field;
    const std::pair<const QCommandLineOption &, Field> textOptions[]
        = { { url, Field::Url }, { clientId, Field::ClientId }, { user, Field::Username },
              { password, Field::Password }, { caFile, Field::CaFile },
              { cert, Field::CertificateFile }, { key, Field::PrivateKeyFile } };
    for (const auto &[option, field] : textOptions) {
        if (parser.isSet(option))
            bar->setText(field, parser.value(option));
    }
    if (!parser.isSet(password) && qEnvironmentVariableIsSet("QPAHO_PASSWORD"))
        bar->setText(Field::Password, qEnvironmentVariable("QPAHO_PASSWORD"));
    if (parser.isSet(version)) {
        const QString v = parser.value(version);
        if (v == QLatin1String("5"))
            bar->setProtocolVersion(QPaho::ProtocolVersion::Mqtt5);
        else if (v != QLatin1String("3") && v != QLatin1String("3.1.1") && v != QLatin1String("4"))
            return fail(QStringLiteral("--mqtt-version must be 3 or 5, not \"%1\"").arg(v));
    }
    if (parser.isSet(subscribe))
        bar->setSubscriptions(parser.values(subscribe));

    if (parser.isSet(size)) {
        const QStringList parts = parser.value(size).split(u'x');
        bool wOk = false;
        bool hOk = false;
        const int w = parts.value(0).toInt(&wOk);
        const int h = parts.value(1).toInt(&hOk);
        if (parts.size() != 2 || !wOk || !hOk || w < 200 || h < 150)
            return fail(QStringLiteral("--size must look like 1280x800"));
        window.resize(w, h);
    }
    window.show();

    if (parser.isSet(screenshot)) {
        bool ok = true;
        const quint64 wanted = parser.isSet(messages) ? parser.value(messages).toULongLong(&ok)
                                                      : (parser.isSet(url) ? 1 : 0);
        if (!ok)
            return fail(QStringLiteral("--messages must be a number"));
        const int waitMs = parser.isSet(timeout) ? parser.value(timeout).toInt(&ok) : 10000;
        if (!ok || waitMs <= 0)
            return fail(QStringLiteral("--timeout must be a positive number of milliseconds"));
        const int depth = parser.isSet(expand) ? parser.value(expand).toInt(&ok) : -1;
        if (!ok)
            return fail(QStringLiteral("--expand must be a number"));
        scheduleScreenshot(
            &window, parser.value(screenshot), wanted, waitMs, parser.value(select), depth);
    }
    if (parser.isSet(url))
        window.connectToBroker();
    return QApplication::exec();
}
