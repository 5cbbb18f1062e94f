// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The qpaho-explorer program itself on a real X server (xvfb-run -a), against the fixture's
// mosquitto: --screenshot writes a PNG once the retained messages arrived, and its pixels show a
// green lamp and the selected topic's name and value; a bad URL shows a red lamp and fails.
#include "common/qpahotest.h"
#include "explorerpixels.h"

#include "statusindicator.h"

#include <QtCore/QTemporaryDir>
#include <QtGui/QFontMetrics>
#include <QtGui/QImage>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>

using namespace QPahoTest;

class TstExplorerXvfb : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void screenshotShowsRetainedTopics();
    void badUrlShowsRedLampAndFails();
    void badOptionIsAnError();

private:
    // Runs qpaho-explorer under xvfb-run -a (a fresh X server on a free display).
    ProcessResult runUnderXvfb(const QStringList &args);

    Mosquitto m_broker;
    QString m_xvfbRun;
    QTemporaryDir m_dir;
};

void TstExplorerXvfb::initTestCase()
{
    m_xvfbRun = findProgram(QStringLiteral("xvfb-run"));
    if (m_xvfbRun.isEmpty())
        QFAIL("xvfb-run is not installed (Debian: xvfb and xauth)");
    QVERIFY(m_dir.isValid());
    QVERIFY2(m_broker.start(), qPrintable(m_broker.lastError()));
}

ProcessResult TstExplorerXvfb::runUnderXvfb(const QStringList &args)
{
    // The suite runs offscreen (QT_QPA_PLATFORM=offscreen); the program must use X (xcb).
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    qunsetenv("QT_QPA_PLATFORM");
    const ProcessResult result = runProcess(m_xvfbRun,
        QStringList { QStringLiteral("-a"), QStringLiteral("-s"),
            QStringLiteral("-screen 0 1280x1024x24"), QStringLiteral(QPAHO_EXPLORER_BINARY) }
            + args,
        60000);
    qputenv("QT_QPA_PLATFORM", platform);
    return result;
}

void TstExplorerXvfb::screenshotShowsRetainedTopics()
{
    const QString prefix = uniqueId(QStringLiteral("xvfb"));
    QPaho::Client publisher;
    QPAHO_VERIFY_OK(await(publisher.connectToHost(m_broker.tcpUri())));
    const QStringList topics
        = { QStringLiteral("/home/kitchen/temperature"), QStringLiteral("/home/kitchen/humidity"),
              QStringLiteral("/home/garage/door"), QStringLiteral("/office/printer/status") };
    for (const QString &topic : topics)
        QPAHO_VERIFY_OK(await(publisher.publish(prefix + topic, "21.5", 1, true)));

    const QString file = m_dir.filePath(QStringLiteral("explorer.png"));
    const QString selected = prefix + QStringLiteral("/home/kitchen/temperature");
    const ProcessResult run
        = runUnderXvfb({ QStringLiteral("--url"), m_broker.tcpUri(), QStringLiteral("--subscribe"),
            prefix + QStringLiteral("/#"), QStringLiteral("--screenshot"), file,
            QStringLiteral("--messages"), QString::number(topics.size()),
            QStringLiteral("--select"), selected, QStringLiteral("--size"),
            QStringLiteral("1100x700"), QStringLiteral("--timeout"), QStringLiteral("20000") });
    QVERIFY2(run.exitCode == 0, run.stdErr.constData());

    const QImage shot(file);
    QVERIFY2(!shot.isNull(), qPrintable(file));
    QCOMPARE(shot.size(), QSize(1100, 700));
    QCOMPARE(shot.text(QStringLiteral("selectedTopic")), selected);
    const QString lamp = ExplorerPixels::checkLamp(
        shot, StatusIndicator::colorFor(StatusIndicator::Status::Connected));
    QVERIFY2(lamp.isEmpty(), qPrintable(lamp));
    // The program's font may differ from this process's (offscreen) one: the width check is loose.
    const QFontMetrics metrics(QApplication::font());
    const QString name = ExplorerPixels::checkTextIn(shot, QStringLiteral("selectedTopicRect"),
        metrics.horizontalAdvance(QStringLiteral("temperature")));
    QVERIFY2(name.isEmpty(), qPrintable(name));
    const QString value = ExplorerPixels::checkTextIn(shot, QStringLiteral("selectedValueRect"),
        metrics.horizontalAdvance(QStringLiteral("21.5")));
    QVERIFY2(value.isEmpty(), qPrintable(value));
}

void TstExplorerXvfb::badUrlShowsRedLampAndFails()
{
    const QString file = m_dir.filePath(QStringLiteral("bad-url.png"));
    const ProcessResult run = runUnderXvfb(
        { QStringLiteral("--url"), QStringLiteral("foo://nowhere"), QStringLiteral("--screenshot"),
            file, QStringLiteral("--timeout"), QStringLiteral("500") });
    QCOMPARE(run.exitCode, 1); // the screenshot is written, but the message never came
    QVERIFY2(run.stdErr.contains("Error: only 0 of 1 messages"), run.stdErr.constData());
    const QImage shot(file);
    QVERIFY2(!shot.isNull(), qPrintable(file));
    const QString lamp = ExplorerPixels::checkLamp(
        shot, StatusIndicator::colorFor(StatusIndicator::Status::Error));
    QVERIFY2(lamp.isEmpty(), qPrintable(lamp));
}

void TstExplorerXvfb::badOptionIsAnError()
{
    // No X server needed to reject the command line.
    const ProcessResult run = runProcess(QStringLiteral(QPAHO_EXPLORER_BINARY),
        { QStringLiteral("--size"), QStringLiteral("huge") }, 20000);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.stdErr.contains("Error: --size must look like"), run.stdErr.constData());
}

QTEST_MAIN(TstExplorerXvfb)
#include "tst_explorerxvfb.moc"
