// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-explorer's TopicTreeModel under QAbstractItemModelTester: 10,000 messages on 2,000 topics
// ($SYS, empty levels, a leading "/", Unicode), fed in batches of every size, directly and
// through the filter proxy; the coalescing (one insertion per grown parent per flush); the
// filter proxy; the payload formatting. No broker needed.
#include "payloadformat.h"
#include "topicfilterproxymodel.h"
#include "topictreemodel.h"

#include <QtCore/QSet>
#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include <functional>

namespace {

constexpr int topicTotal = 2000;
constexpr int messageTotal = 10000;

// 2,000 distinct topics covering what MQTT allows and trees make hard. Most sit under a few
// parents: QAbstractItemModelTester walks the whole tree on every model signal, and the model
// emits one insertion and one dataChanged per parent per flush, so the parent count sets the
// test's run time (2,000 parents would take minutes; the model itself does not care).
QStringList makeTopics()
{
    QStringList topics;
    // Topics made only of empty levels, trailing and doubled slashes, one-level topics.
    topics << QStringLiteral("/") << QStringLiteral("//") << QStringLiteral("trailing/")
           << QStringLiteral("a//b") << QStringLiteral("$SYS") << QStringLiteral("😀")
           << QStringLiteral("home") << QStringLiteral("home/kitchen");
    for (int i = 0; topics.size() < topicTotal; ++i) {
        switch (i % 6) {
        case 0:
            topics << QStringLiteral("$SYS/broker/clients/%1").arg(i);
            break;
        case 1:
            topics << QStringLiteral("a//b/%1").arg(i);
            break;
        case 2:
            topics << QStringLiteral("/leading/%1/x%2").arg(i % 7).arg(i);
            break;
        case 3:
            topics << QStringLiteral("café/größe/温度/%1").arg(i);
            break;
        case 4:
            topics << QStringLiteral("😀/ünïcödé/%1").arg(i);
            break;
        case 5:
            topics << QStringLiteral("home/kitchen/sensor%1/t%2").arg(i % 10).arg(i);
            break;
        }
    }
    return topics;
}

// Message j goes to topic (j * 7919) % 2000: each topic gets exactly 5, spread over the run.
QPaho::Message messageNumber(const QStringList &topics, int j)
{
    const QString &topic = topics[(j * 7919) % topicTotal];
    const QByteArray payload = j % 10 == 9 ? QByteArray("\x00\x01\xfe", 3) : QByteArray::number(j);
    return QPaho::Message(topic, payload, j % 3, j % 4 == 0);
}

// Walks the model checking that every row's total is its own count plus its children's totals.
quint64 checkTotals(const QAbstractItemModel &model, const QModelIndex &parent, int *rows)
{
    quint64 sum = 0;
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        ++*rows;
        const quint64 below = checkTotals(model, index, rows);
        const quint64 own = index.data(TopicTreeModel::OwnCountRole).toULongLong();
        const quint64 total = index.data(TopicTreeModel::TotalCountRole).toULongLong();
        if (total != own + below) {
            qWarning() << "totals do not add up at" << index.data(TopicTreeModel::TopicRole)
                       << total << "!=" << own << "+" << below;
            return ~quint64(0) / 2;
        }
        sum += total;
    }
    return sum;
}

// Feeds all messages in batches of growing and shrinking size, flushing after each batch.
void feed(
    TopicTreeModel &model, const QStringList &topics, const std::function<void()> &afterFlush = {})
{
    // Ten flushes (the tester's full walk after every model signal makes each one costly).
    const int sizes[] = { 1, 2, 7, 100, 997, 13, 2500, 3, 64, 6313 };
    int j = 0;
    for (int round = 0; j < messageTotal; ++round) {
        const int batch = sizes[round % std::size(sizes)];
        for (int k = 0; k < batch && j < messageTotal; ++k, ++j)
            model.addMessage(messageNumber(topics, j));
        model.flush();
        if (afterFlush)
            afterFlush();
    }
}

} // namespace

class TstExplorerModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testerOver10000MessagesOn2000Topics();
    void testerThroughFilterProxy();
    void countsAndTopicsAddUp();
    void emptyLevelsLeadingSlashDollarAndUnicode();
    void historyKeepsLast100InOrder();
    void updatesAreCoalesced();
    void timerFlushesQueuedMessages();
    void clearEmptiesTheModel();
    void filterProxyNarrowsByTextAndWildcard();
    void payloadFormats();
};

void TstExplorerModel::testerOver10000MessagesOn2000Topics()
{
    TopicTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QStringList topics = makeTopics();
    QCOMPARE(QSet<QString>(topics.cbegin(), topics.cend()).size(), topicTotal);
    feed(model, topics);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(model.totalMessages(), quint64(messageTotal));
    QCOMPARE(model.topicCount(), topicTotal);
}

void TstExplorerModel::testerThroughFilterProxy()
{
    TopicTreeModel model;
    TopicFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.sort(TopicTreeModel::TopicColumn);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QStringList topics = makeTopics();
    // The filter changes while messages arrive: text, wildcard, none.
    const QString filters[] = { QStringLiteral("kitchen"), QStringLiteral("$SYS/#"),
        QStringLiteral("😀/ünïcödé/+"), QString(), QStringLiteral("a//b/+") };
    int round = 0;
    feed(model, topics, [&] { proxy.setFilterText(filters[++round % std::size(filters)]); });
    QVERIFY(!QTest::currentTestFailed());
    proxy.setFilterText(QString());
    QCOMPARE(proxy.rowCount(), model.rowCount());
}

void TstExplorerModel::countsAndTopicsAddUp()
{
    TopicTreeModel model;
    const QStringList topics = makeTopics();
    feed(model, topics);
    int rows = 0;
    QCOMPARE(checkTotals(model, {}, &rows), quint64(messageTotal));
    QCOMPARE(rows, model.nodeCount());
    for (const QString &topic : topics) {
        const QModelIndex index = model.indexForTopic(topic);
        QVERIFY2(index.isValid(), qPrintable(topic));
        QCOMPARE(index.data(TopicTreeModel::TopicRole).toString(), topic);
        QCOMPARE(index.data(TopicTreeModel::OwnCountRole).toULongLong(), 5u);
        QVERIFY(index.data(TopicTreeModel::HasValueRole).toBool());
    }
    // Topic 0 gets messages 0, 2000, ..., 8000 (7919 and 2000 are coprime): the last one shows.
    const int lastForTopic0 = 8000;
    const QModelIndex first = model.indexForTopic(topics[0]);
    QCOMPARE(
        first.data(TopicTreeModel::PayloadRole).toByteArray(), QByteArray::number(lastForTopic0));
    QCOMPARE(first.data(TopicTreeModel::RetainedRole).toBool(), lastForTopic0 % 4 == 0);
    QCOMPARE(first.data(TopicTreeModel::QosRole).toInt(), lastForTopic0 % 3);
    QCOMPARE(first.siblingAtColumn(TopicTreeModel::MessagesColumn).data().toULongLong(),
        first.data(TopicTreeModel::TotalCountRole).toULongLong());
}

void TstExplorerModel::emptyLevelsLeadingSlashDollarAndUnicode()
{
    TopicTreeModel model;
    feed(model, makeTopics());

    // "/" is two empty levels; "/leading/..." shares the first one.
    const QModelIndex slash = model.indexForTopic(QStringLiteral("/"));
    QVERIFY(slash.isValid());
    const QModelIndex leadingEmpty = slash.parent();
    QVERIFY(leadingEmpty.isValid());
    QVERIFY(!leadingEmpty.parent().isValid());
    QCOMPARE(leadingEmpty.data(TopicTreeModel::TopicRole).toString(), QString());
    QCOMPARE(leadingEmpty.data().toString(), QStringLiteral("(empty level)"));
    QCOMPARE(model.indexForTopic(QStringLiteral("/leading/2/x2")).parent().parent().parent(),
        leadingEmpty);
    QCOMPARE(model.indexForTopic(QStringLiteral("//")).parent(), slash);

    const QModelIndex ab = model.indexForTopic(QStringLiteral("a//b"));
    QCOMPARE(ab.parent().data(TopicTreeModel::TopicRole).toString(), QStringLiteral("a/"));
    QCOMPARE(ab.parent().data().toString(), QStringLiteral("(empty level)"));
    QVERIFY(!ab.parent().data(TopicTreeModel::HasValueRole).toBool());

    const QModelIndex trailing = model.indexForTopic(QStringLiteral("trailing/"));
    QCOMPARE(trailing.parent(), model.indexForTopic(QStringLiteral("trailing")));

    const QModelIndex sys = model.indexForTopic(QStringLiteral("$SYS"));
    QVERIFY(!sys.parent().isValid());
    QCOMPARE(sys.data().toString(), QStringLiteral("$SYS"));
    QVERIFY(sys.data(TopicTreeModel::HasValueRole).toBool()); // "$SYS" itself got messages too

    const QModelIndex unicode = model.indexForTopic(QStringLiteral("café/größe/温度/3"));
    QVERIFY(unicode.isValid());
    QCOMPARE(unicode.parent().data().toString(), QStringLiteral("温度"));
    const QModelIndex emoji = model.indexForTopic(QStringLiteral("😀/ünïcödé/4"));
    QCOMPARE(emoji.parent().data().toString(), QStringLiteral("ünïcödé"));
    QCOMPARE(emoji.parent().parent(), model.indexForTopic(QStringLiteral("😀")));

    QVERIFY(!model.indexForTopic(QStringLiteral("not/there")).isValid());
    QVERIFY(!model.indexForTopic(QStringLiteral("a/b")).isValid()); // "a//b" is not "a/b"
}

void TstExplorerModel::historyKeepsLast100InOrder()
{
    TopicTreeModel model;
    for (int i = 0; i < 250; ++i)
        model.addMessage(QPaho::Message(QStringLiteral("h/t"), QByteArray::number(i)));
    model.flush();
    const QList<TopicMessage> history = model.history(model.indexForTopic(QStringLiteral("h/t")));
    QCOMPARE(history.size(), TopicTreeModel::HistoryLength);
    for (int i = 0; i < history.size(); ++i)
        QCOMPARE(history[i].payload, QByteArray::number(150 + i));
    QVERIFY(model.history(model.indexForTopic(QStringLiteral("h"))).isEmpty());
}

void TstExplorerModel::updatesAreCoalesced()
{
    TopicTreeModel model;
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy updated(&model, &TopicTreeModel::updated);

    // 1,000 new topics under 10 new parents: one insertion at the top level.
    for (int i = 0; i < 1000; ++i)
        model.addMessage(QPaho::Message(QStringLiteral("plant/%1/m%2").arg(i % 10).arg(i), "1"));
    QCOMPARE(model.rowCount(), 0); // nothing shows before the flush
    model.flush();
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(updated.size(), 1);
    QCOMPARE(updated.first().first().toInt(), 1000);
    QCOMPARE(model.rowCount(model.indexForTopic(QStringLiteral("plant"))), 10);

    // New topics under the 10 existing parents: one insertion per parent, however many topics.
    inserted.clear();
    changed.clear();
    for (int i = 0; i < 1000; ++i)
        model.addMessage(QPaho::Message(QStringLiteral("plant/%1/n%2").arg(i % 10).arg(i), "2"));
    model.flush();
    QCOMPARE(inserted.size(), 10);
    // Counts changed on "plant" (1 parent: the top level) and on plant/0..9 (1 parent: "plant").
    QCOMPARE(changed.size(), 2);

    // Values of existing topics: one dataChanged per parent, spanning the changed rows.
    inserted.clear();
    changed.clear();
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 1000; ++i)
            model.addMessage(
                QPaho::Message(QStringLiteral("plant/%1/m%2").arg(i % 10).arg(i), "3"));
    }
    model.flush();
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(changed.size(), 1 + 1 + 10);
    QCOMPARE(model.totalMessages(), quint64(7000));
}

void TstExplorerModel::timerFlushesQueuedMessages()
{
    TopicTreeModel model;
    model.setUpdateInterval(20);
    QSignalSpy updated(&model, &TopicTreeModel::updated);
    for (int i = 0; i < 300; ++i)
        model.addMessage(QPaho::Message(QStringLiteral("t/%1").arg(i % 30), "x"));
    QCOMPARE(model.pendingMessages(), 300);
    QVERIFY(updated.wait(2000));
    QCOMPARE(updated.size(), 1); // one flush for the whole burst
    QCOMPARE(model.pendingMessages(), 0);
    QCOMPARE(model.topicCount(), 30);
}

void TstExplorerModel::clearEmptiesTheModel()
{
    TopicTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    feed(model, makeTopics());
    model.addMessage(QPaho::Message(QStringLiteral("pending"), "1"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.totalMessages(), quint64(0));
    QCOMPARE(model.topicCount(), 0);
    QCOMPARE(model.pendingMessages(), 0);
    model.addMessage(QPaho::Message(QStringLiteral("again/x"), "1"));
    model.flush();
    QCOMPARE(model.topicCount(), 1);
}

void TstExplorerModel::filterProxyNarrowsByTextAndWildcard()
{
    TopicTreeModel model;
    TopicFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    for (const char *topic : { "home/kitchen/temperature", "home/kitchen/humidity",
             "home/garage/temperature", "office/Kitchenette/light", "$SYS/broker/uptime" })
        model.addMessage(QPaho::Message(QString::fromUtf8(topic), "1"));
    model.flush();
    const auto visible = [&](const char *topic) {
        return proxy.mapFromSource(model.indexForTopic(QString::fromUtf8(topic))).isValid();
    };
    QVERIFY(visible("home/garage/temperature"));

    proxy.setFilterText(QStringLiteral("kitchen")); // text: anywhere in the topic, any case
    QVERIFY(visible("home/kitchen/temperature"));
    QVERIFY(visible("home/kitchen/humidity"));
    QVERIFY(visible("office/Kitchenette/light"));
    QVERIFY(visible("home")); // parents of matches stay
    QVERIFY(!visible("home/garage/temperature"));
    QVERIFY(!visible("$SYS/broker/uptime"));

    proxy.setFilterText(QStringLiteral("home/+/temperature")); // a valid filter: MQTT matching
    QVERIFY(visible("home/kitchen/temperature"));
    QVERIFY(visible("home/garage/temperature"));
    QVERIFY(!visible("home/kitchen/humidity"));
    QVERIFY(!visible("office/Kitchenette/light"));

    proxy.setFilterText(QStringLiteral("#")); // "#" does not match $SYS topics
    QVERIFY(visible("home/kitchen/humidity"));
    QVERIFY(!visible("$SYS/broker/uptime"));

    proxy.setFilterText(QString());
    QVERIFY(visible("$SYS/broker/uptime"));
}

void TstExplorerModel::payloadFormats()
{
    const QByteArray json = R"({"state":"on","brightness":180})";
    QCOMPARE(detectPayloadFormat(json), PayloadFormat::Json);
    QCOMPARE(formatPayload(json, PayloadFormat::Auto),
        QStringLiteral("{\n    \"brightness\": 180,\n    \"state\": \"on\"\n}"));
    QCOMPARE(detectPayloadFormat("21.5"), PayloadFormat::Text);
    QCOMPARE(detectPayloadFormat("{not json"), PayloadFormat::Text);
    QCOMPARE(formatPayload("{not json", PayloadFormat::Json), QStringLiteral("{not json"));
    QCOMPARE(detectPayloadFormat("größe"), PayloadFormat::Text);
    QCOMPARE(detectPayloadFormat(QByteArray("\x00\x01\xfe", 3)), PayloadFormat::Hex);
    QCOMPARE(detectPayloadFormat("\xc3"), PayloadFormat::Hex); // cut UTF-8
    QCOMPARE(formatPayload("AB\x01", PayloadFormat::Hex),
        QStringLiteral("000000  41 42 01 ") + QString(13 * 3, u' ') + QStringLiteral(" AB.\n"));

    QCOMPARE(payloadPreview("line one\nline two"), QStringLiteral("line one line two"));
    QCOMPARE(payloadPreview(QByteArray(200, 'x'), 10), QStringLiteral("xxxxxxxxxx…"));
    QCOMPARE(payloadPreview(QByteArray("\x00\x01", 2)), QStringLiteral("0x 00 01"));
    // A multi-byte character cut by the preview length is still text, not binary.
    QVERIFY(!payloadPreview(QStringLiteral("ä").repeated(100).toUtf8(), 10).startsWith(u'0'));

    QCOMPARE(numericValue(" 21.5 "), std::optional<double>(21.5));
    QCOMPARE(numericValue("-3e2"), std::optional<double>(-300));
    QCOMPARE(numericValue("on"), std::nullopt);
    QCOMPARE(numericValue("nan"), std::nullopt);
    QCOMPARE(numericValue(""), std::nullopt);
}

QTEST_MAIN(TstExplorerModel)
#include "tst_explorermodel.moc"
