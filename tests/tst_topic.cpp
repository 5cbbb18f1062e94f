// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Unit tests for QPaho::Topic: topic name and filter validation, error strings and
// MQTT matching, table-driven. No broker needed.
#include <QPaho/topic.h>

#include <QtCore/QString>
#include <QtCore/QStringView>
#include <QtTest/QTest>

#include <type_traits>

using QPaho::Topic;

static_assert(!std::is_default_constructible_v<Topic>, "Topic has only static functions");

namespace {

// A NUL-containing string; QStringView(u"...") would stop at the NUL.
QString withNul(QStringView before, QStringView after)
{
    QString s = before.toString();
    s.append(QChar(u'\0'));
    s.append(after);
    return s;
}

QString repeated(QStringView unit, qsizetype count)
{
    return unit.toString().repeated(count);
}

QString concat(QStringView a, QStringView b)
{
    QString s = a.toString();
    s.append(b);
    return s;
}

QString withChar(QStringView before, char16_t c, QStringView after)
{
    QString s = before.toString();
    s.append(QChar(c));
    s.append(after);
    return s;
}

const char16_t Euro = 0x20AC; // 3 UTF-8 bytes
const QString EAcute = QStringLiteral("\u00E9"); // 1 QChar, 2 UTF-8 bytes
const QString Grin = QStringLiteral("\U0001F600"); // 2 QChars (surrogate pair), 4 UTF-8 bytes

} // namespace

class TstTopic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void names_data();
    void names();
    void nameProperties_data();
    void nameProperties();
    void filters_data();
    void filters();
    void utf8Length_data();
    void utf8Length();
    void filterLength_data();
    void filterLength();
    void errorText_data();
    void errorText();
    void matches_data();
    void matches();
    void matchesViewsIntoLargerBuffers();
    void shared_data();
    void shared();
};

void TstTopic::names_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("mentions"); // substring of nameError() when invalid

    const QString none;
    QTest::addRow("simple") << QStringLiteral("sport/tennis") << true << none;
    QTest::addRow("single char") << QStringLiteral("a") << true << none;
    QTest::addRow("slash only") << QStringLiteral("/") << true << none;
    QTest::addRow("two slashes") << QStringLiteral("//") << true << none;
    QTest::addRow("empty middle level") << QStringLiteral("a//b") << true << none;
    QTest::addRow("leading slash") << QStringLiteral("/a") << true << none;
    QTest::addRow("trailing slash") << QStringLiteral("a/") << true << none;
    QTest::addRow("leading and trailing") << QStringLiteral("/a/b/") << true << none;
    QTest::addRow("space") << QStringLiteral("a b/ c") << true << none;
    QTest::addRow("dollar SYS") << QStringLiteral("$SYS/broker/load") << true << none;
    QTest::addRow("dollar alone") << QStringLiteral("$") << true << none;
    QTest::addRow("share prefix is literal in a name")
        << QStringLiteral("$share/g/a") << true << none;
    QTest::addRow("non-ASCII CJK") << QStringLiteral("温度/传感器") << true << none;
    QTest::addRow("non-ASCII accents") << QStringLiteral("café/Größe") << true << none;
    QTest::addRow("surrogate pair") << concat(u"emoji/", Grin) << true << none;
    QTest::addRow("control char U+0001 allowed") << withChar(u"a", 0x0001, u"b") << true << none;
    QTest::addRow("U+007F allowed") << withChar(u"a", 0x007F, u"b") << true << none;
    QTest::addRow("U+FFFF non-character allowed") << withChar(u"a", 0xFFFF, u"b") << true << none;
    QTest::addRow("BOM allowed") << withChar(u"", 0xFEFF, u"a") << true << none;

    QTest::addRow("empty") << QString() << false << QStringLiteral("empty");
    QTest::addRow("empty non-null") << QStringLiteral("") << false << QStringLiteral("empty");
    QTest::addRow("plus alone") << QStringLiteral("+") << false << QStringLiteral("'+'");
    QTest::addRow("hash alone") << QStringLiteral("#") << false << QStringLiteral("'#'");
    QTest::addRow("plus level") << QStringLiteral("a/+/b") << false << QStringLiteral("'+'");
    QTest::addRow("hash level") << QStringLiteral("a/#") << false << QStringLiteral("'#'");
    QTest::addRow("plus inside level") << QStringLiteral("a+b") << false << QStringLiteral("'+'");
    QTest::addRow("hash inside level") << QStringLiteral("a#") << false << QStringLiteral("'#'");
    QTest::addRow("plus before hash") << QStringLiteral("x+/#") << false << QStringLiteral("'+'");
    QTest::addRow("hash before plus") << QStringLiteral("x#/+") << false << QStringLiteral("'#'");
    QTest::addRow("NUL in middle") << withNul(u"a", u"b") << false << QStringLiteral("U+0000");
    QTest::addRow("NUL only") << withNul(u"", u"") << false << QStringLiteral("U+0000");
    QTest::addRow("NUL at end") << withNul(u"a/b", u"") << false << QStringLiteral("U+0000");
    QTest::addRow("lone high surrogate at end")
        << withChar(u"a", 0xD83D, u"") << false << QStringLiteral("surrogate");
    QTest::addRow("lone high surrogate in middle")
        << withChar(u"a", 0xD83D, u"b") << false << QStringLiteral("surrogate");
    QTest::addRow("lone low surrogate")
        << withChar(u"a", 0xDE00, u"b") << false << QStringLiteral("surrogate");
    QTest::addRow("reversed surrogate pair")
        << withChar(u"", 0xDE00, QString(QChar(0xD83D))) << false << QStringLiteral("surrogate");
    QTest::addRow("surrogate beats NUL")
        << withNul(u"a", QString(QChar(0xDE00))) << false << QStringLiteral("surrogate");
    QTest::addRow("too long") << repeated(u"a", 70000) << false << QStringLiteral("70000 bytes");
}

void TstTopic::names()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QFETCH(QString, mentions);

    QCOMPARE(Topic::isValidName(name), valid);
    const QString error = Topic::nameError(name);
    QCOMPARE(error.isEmpty(), valid);
    if (!valid) {
        QVERIFY2(error.startsWith(QStringLiteral("topic name")), qPrintable(error));
        QVERIFY2(error.contains(mentions), qPrintable(error));
    }
}

void TstTopic::nameProperties_data()
{
    names_data();
}

// Consequences of validity that hold for every name row.
void TstTopic::nameProperties()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);

    // A valid name has no wildcards, so it is a valid filter that matches itself, unless
    // it starts with "$share/": as a filter that is a shared subscription (MQTT 5.0 §4.8.2).
    if (valid && Topic::isSharedSubscription(name)) {
        QVERIFY(!Topic::matches(name, name));
        QVERIFY(!Topic::matches(QStringLiteral("#"), name));
    } else if (valid) {
        QVERIFY(Topic::isValidFilter(name));
        QVERIFY(Topic::matches(name, name));
        const bool dollar = name.startsWith(u'$');
        QCOMPARE(Topic::matches(QStringLiteral("#"), name), !dollar);
        QCOMPARE(Topic::matches(QStringLiteral("$share/g/#"), name), !dollar);
    } else {
        QVERIFY(!Topic::matches(QStringLiteral("#"), name));
        QVERIFY(!Topic::matches(QStringLiteral("+"), name));
        QVERIFY(!Topic::matches(name, name));
    }
}

void TstTopic::filters_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("mentions"); // substring of filterError() when invalid

    const QString none;
    QTest::addRow("plain") << QStringLiteral("sport/tennis") << true << none;
    QTest::addRow("slash only") << QStringLiteral("/") << true << none;
    QTest::addRow("two slashes") << QStringLiteral("//") << true << none;
    QTest::addRow("empty middle level") << QStringLiteral("a//b") << true << none;
    QTest::addRow("hash alone") << QStringLiteral("#") << true << none;
    QTest::addRow("plus alone") << QStringLiteral("+") << true << none;
    QTest::addRow("plus plus") << QStringLiteral("+/+") << true << none;
    QTest::addRow("slash plus") << QStringLiteral("/+") << true << none;
    QTest::addRow("plus slash") << QStringLiteral("+/") << true << none;
    QTest::addRow("slash hash") << QStringLiteral("/#") << true << none;
    QTest::addRow("a hash") << QStringLiteral("a/#") << true << none;
    QTest::addRow("plus then hash") << QStringLiteral("+/#") << true << none;
    QTest::addRow("plus middle") << QStringLiteral("a/+/b") << true << none;
    QTest::addRow("many plus") << QStringLiteral("+/+/+/#") << true << none;
    QTest::addRow("empty levels and hash") << QStringLiteral("a//#") << true << none;
    QTest::addRow("dollar SYS hash") << QStringLiteral("$SYS/#") << true << none;
    QTest::addRow("dollar share alone is plain") << QStringLiteral("$share") << true << none;
    QTest::addRow("Share capitalised is plain") << QStringLiteral("$Share//a") << true << none;
    QTest::addRow("shared plus") << QStringLiteral("$share/g/a/+") << true << none;
    QTest::addRow("shared hash") << QStringLiteral("$share/g/#") << true << none;
    QTest::addRow("shared empty first level") << QStringLiteral("$share/g//a") << true << none;
    QTest::addRow("shared slash only") << QStringLiteral("$share/g//") << true << none;
    QTest::addRow("shared group with dollar") << QStringLiteral("$share/$g/a") << true << none;
    QTest::addRow("shared nested share literal")
        << QStringLiteral("$share/g/$share/h/a") << true << none;
    QTest::addRow("non-ASCII") << QStringLiteral("温度/+/传感器") << true << none;
    QTest::addRow("surrogate pair level") << concat(Grin, u"/#") << true << none;

    QTest::addRow("empty") << QString() << false << QStringLiteral("empty");
    QTest::addRow("hash not last")
        << QStringLiteral("a/#/b") << false << QStringLiteral("last level");
    QTest::addRow("hash slash") << QStringLiteral("#/") << false << QStringLiteral("last level");
    QTest::addRow("hash hash levels")
        << QStringLiteral("#/#") << false << QStringLiteral("last level");
    QTest::addRow("hash glued after")
        << QStringLiteral("a#") << false << QStringLiteral("whole level");
    QTest::addRow("hash glued before")
        << QStringLiteral("#a") << false << QStringLiteral("whole level");
    QTest::addRow("double hash") << QStringLiteral("##") << false << QStringLiteral("whole level");
    QTest::addRow("hash glued in level")
        << QStringLiteral("sport/tennis#") << false << QStringLiteral("'#'");
    QTest::addRow("plus glued before") << QStringLiteral("a+/b") << false << QStringLiteral("'+'");
    QTest::addRow("plus glued after") << QStringLiteral("+a") << false << QStringLiteral("'+'");
    QTest::addRow("double plus") << QStringLiteral("++") << false << QStringLiteral("'+'");
    QTest::addRow("plus hash glued")
        << QStringLiteral("+#") << false << QStringLiteral("whole level");
    QTest::addRow("plus inside level")
        << QStringLiteral("a/b+c/d") << false << QStringLiteral("'+'");
    QTest::addRow("NUL") << withNul(u"a/", u"b") << false << QStringLiteral("U+0000");
    QTest::addRow("NUL with wildcard") << withNul(u"#", u"") << false << QStringLiteral("U+0000");
    QTest::addRow("lone surrogate")
        << withChar(u"a/", 0xDC00, u"/#") << false << QStringLiteral("surrogate");
    QTest::addRow("shared empty group")
        << QStringLiteral("$share//a") << false << QStringLiteral("group");
    QTest::addRow("shared prefix only")
        << QStringLiteral("$share/") << false << QStringLiteral("group");
    QTest::addRow("shared no filter")
        << QStringLiteral("$share/g") << false << QStringLiteral("no filter");
    QTest::addRow("shared empty filter")
        << QStringLiteral("$share/g/") << false << QStringLiteral("no filter");
    QTest::addRow("shared group plus")
        << QStringLiteral("$share/g+/a") << false << QStringLiteral("'+'");
    QTest::addRow("shared group hash")
        << QStringLiteral("$share/g#/a") << false << QStringLiteral("'#'");
    QTest::addRow("shared group is plus")
        << QStringLiteral("$share/+/a") << false << QStringLiteral("'+'");
    QTest::addRow("shared inner hash not last")
        << QStringLiteral("$share/g/a/#/b") << false << QStringLiteral("last level");
    QTest::addRow("shared inner plus glued")
        << QStringLiteral("$share/g/a+") << false << QStringLiteral("'+'");
    QTest::addRow("shared NUL in group")
        << withNul(u"$share/g", u"/a") << false << QStringLiteral("U+0000");
}

void TstTopic::filters()
{
    QFETCH(QString, filter);
    QFETCH(bool, valid);
    QFETCH(QString, mentions);

    QCOMPARE(Topic::isValidFilter(filter), valid);
    const QString error = Topic::filterError(filter);
    QCOMPARE(error.isEmpty(), valid);
    if (!valid) {
        QVERIFY2(error.contains(mentions), qPrintable(error));
        // An invalid filter matches nothing, not even a name made of the same characters.
        QVERIFY(!Topic::matches(filter, QStringLiteral("a")));
        QVERIFY(!Topic::matches(filter, QStringLiteral("a/b")));
        QVERIFY(!Topic::matches(filter, filter));
    }
}

void TstTopic::utf8Length_data()
{
    QTest::addColumn<QString>("topic");
    QTest::addColumn<qint64>("utf8Bytes");

    QTest::addRow("ascii 65535") << repeated(u"a", 65535) << qint64(65535);
    QTest::addRow("ascii 65536") << repeated(u"a", 65536) << qint64(65536);
    QTest::addRow("ascii 70000") << repeated(u"a", 70000) << qint64(70000);
    QTest::addRow("2-byte 32767 + 1 ascii (32768 QChars)")
        << concat(repeated(EAcute, 32767), u"a") << qint64(65535);
    QTest::addRow("2-byte 32767 + 2 ascii")
        << concat(repeated(EAcute, 32767), u"ab") << qint64(65536);
    QTest::addRow("2-byte 32768") << repeated(EAcute, 32768) << qint64(65536);
    QTest::addRow("3-byte 21845 (21845 QChars)")
        << repeated(QString(QChar(Euro)), 21845) << qint64(65535);
    QTest::addRow("3-byte 21845 + 1 ascii")
        << concat(repeated(QString(QChar(Euro)), 21845), u"a") << qint64(65536);
    QTest::addRow("3-byte 32768 (fewer QChars than 65536)")
        << repeated(QString(QChar(Euro)), 32768) << qint64(98304);
    QTest::addRow("4-byte 16383 + 3 ascii (32769 QChars)")
        << concat(repeated(Grin, 16383), u"abc") << qint64(65535);
    QTest::addRow("4-byte 16384 (32768 QChars)") << repeated(Grin, 16384) << qint64(65536);
    QTest::addRow("65534 ascii + one 2-byte (65535 QChars)")
        << concat(repeated(u"a", 65534), EAcute) << qint64(65536);
    QTest::addRow("65533 ascii + one 2-byte")
        << concat(repeated(u"a", 65533), EAcute) << qint64(65535);
    QTest::addRow("levels of 3-byte chars")
        << repeated(concat(QString(QChar(Euro)), u"/"), 16384) << qint64(65536);
}

// Names and filters without wildcards: both are limited to 65535 UTF-8 bytes, not QChars.
void TstTopic::utf8Length()
{
    QFETCH(QString, topic);
    QFETCH(qint64, utf8Bytes);
    QCOMPARE(topic.toUtf8().size(), utf8Bytes); // the row itself is right

    const bool valid = utf8Bytes <= 65535;
    QCOMPARE(Topic::isValidName(topic), valid);
    QCOMPARE(Topic::isValidFilter(topic), valid);
    QCOMPARE(Topic::matches(topic, topic), valid);
    QCOMPARE(Topic::matches(QStringLiteral("#"), topic), valid);
    if (valid) {
        QVERIFY(Topic::nameError(topic).isEmpty());
        QVERIFY(Topic::filterError(topic).isEmpty());
    } else {
        const QString expected = QStringLiteral("is %1 bytes; the maximum is 65535").arg(utf8Bytes);
        QVERIFY2(Topic::nameError(topic).contains(expected), qPrintable(Topic::nameError(topic)));
        QVERIFY2(
            Topic::filterError(topic).contains(expected), qPrintable(Topic::filterError(topic)));
    }
}

void TstTopic::filterLength_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<qint64>("utf8Bytes");

    QTest::addRow("hash, 65535") << concat(repeated(u"a", 65533), u"/#") << qint64(65535);
    QTest::addRow("hash, 65536") << concat(repeated(u"a", 65534), u"/#") << qint64(65536);
    QTest::addRow("plus and 3-byte, 65535")
        << concat(concat(u"+/", repeated(QString(QChar(Euro)), 21844)), u"a") << qint64(65535);
    QTest::addRow("plus and 3-byte, 65536")
        << concat(concat(u"+/", repeated(QString(QChar(Euro)), 21844)), u"ab") << qint64(65536);
    // The limit applies to the whole string sent, $share prefix included.
    QTest::addRow("shared, 65535") << concat(u"$share/g/", repeated(u"a", 65526)) << qint64(65535);
    QTest::addRow("shared, 65536") << concat(u"$share/g/", repeated(u"a", 65527)) << qint64(65536);
    QTest::addRow("shared 4-byte, 65535")
        << concat(concat(u"$share/g/", repeated(Grin, 16381)), u"aa") << qint64(65535);
    QTest::addRow("shared 4-byte, 65536")
        << concat(concat(u"$share/g/", repeated(Grin, 16381)), u"aaa") << qint64(65536);
}

void TstTopic::filterLength()
{
    QFETCH(QString, filter);
    QFETCH(qint64, utf8Bytes);
    QCOMPARE(filter.toUtf8().size(), utf8Bytes);

    const bool valid = utf8Bytes <= 65535;
    QCOMPARE(Topic::isValidFilter(filter), valid);
    QCOMPARE(Topic::filterError(filter).isEmpty(), valid);
    if (!valid) {
        QVERIFY2(Topic::filterError(filter).contains(QString::number(utf8Bytes)),
            qPrintable(Topic::filterError(filter)));
    }
}

void TstTopic::errorText_data()
{
    QTest::addColumn<bool>("isFilter");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::addRow("name empty") << false << QString() << QStringLiteral("topic name is empty");
    QTest::addRow("name plus") << false << QStringLiteral("a/+")
                               << QStringLiteral("topic name contains wildcard '+'");
    QTest::addRow("name hash") << false << QStringLiteral("a/#")
                               << QStringLiteral("topic name contains wildcard '#'");
    QTest::addRow("name 70000 bytes")
        << false << repeated(u"a", 70000)
        << QStringLiteral("topic name is 70000 bytes; the maximum is 65535");
    QTest::addRow("name NUL") << false << withNul(u"a", u"")
                              << QStringLiteral("topic name contains U+0000");
    QTest::addRow("name valid") << false << QStringLiteral("a/b") << QString();
    QTest::addRow("filter empty") << true << QString() << QStringLiteral("filter is empty");
    QTest::addRow("filter NUL") << true << withNul(u"a", u"")
                                << QStringLiteral("filter contains U+0000");
    QTest::addRow("filter hash not last")
        << true << QStringLiteral("a/#/b")
        << QStringLiteral("'#' must be the last level of a filter");
    QTest::addRow("filter hash glued")
        << true << QStringLiteral("a#")
        << QStringLiteral("'#' must occupy a whole level of a filter");
    QTest::addRow("filter plus glued")
        << true << QStringLiteral("a+/b")
        << QStringLiteral("'+' must occupy a whole level of a filter");
    QTest::addRow("filter 65536 bytes")
        << true << repeated(u"a", 65536)
        << QStringLiteral("filter is 65536 bytes; the maximum is 65535");
    QTest::addRow("filter shared empty group")
        << true << QStringLiteral("$share//a")
        << QStringLiteral("shared subscription group is empty");
    QTest::addRow("filter shared no filter")
        << true << QStringLiteral("$share/g")
        << QStringLiteral("shared subscription has no filter after the group");
    QTest::addRow("filter valid") << true << QStringLiteral("a/+/#") << QString();
}

void TstTopic::errorText()
{
    QFETCH(bool, isFilter);
    QFETCH(QString, input);
    QFETCH(QString, expected);

    const QString error = isFilter ? Topic::filterError(input) : Topic::nameError(input);
    QCOMPARE(error, expected);
    const bool valid = isFilter ? Topic::isValidFilter(input) : Topic::isValidName(input);
    QCOMPARE(valid, error.isEmpty());
}

void TstTopic::matches_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("expected");

    auto row = [](const char *tag, const QString &filter, const QString &name, bool expected) {
        QTest::addRow("%s", tag) << filter << name << expected;
    };
    // Exact levels.
    row("exact", QStringLiteral("sport/tennis"), QStringLiteral("sport/tennis"), true);
    row("exact differs", QStringLiteral("sport/tennis"), QStringLiteral("sport/golf"), false);
    row("prefix is not a match", QStringLiteral("sport"), QStringLiteral("sport/tennis"), false);
    row("longer filter", QStringLiteral("sport/tennis"), QStringLiteral("sport"), false);
    row("case sensitive", QStringLiteral("Sport"), QStringLiteral("sport"), false);
    row("case sensitive non-ASCII", QStringLiteral("Ä/b"), QStringLiteral("ä/b"), false);
    row("no normalization", QStringLiteral("caf\u00E9"), QStringLiteral("cafe\u0301"), false);
    row("slash exact", QStringLiteral("/"), QStringLiteral("/"), true);
    row("slash vs double slash", QStringLiteral("/"), QStringLiteral("//"), false);
    row("empty level significant", QStringLiteral("a/b"), QStringLiteral("a//b"), false);
    row("empty level exact", QStringLiteral("a//b"), QStringLiteral("a//b"), true);
    row("leading slash significant", QStringLiteral("a"), QStringLiteral("/a"), false);
    row("trailing slash significant", QStringLiteral("a"), QStringLiteral("a/"), false);
    row("trailing slash filter", QStringLiteral("a/"), QStringLiteral("a"), false);
    row("non-ASCII exact", QStringLiteral("温度/传感器"), QStringLiteral("温度/传感器"), true);
    row("surrogate pair exact", concat(Grin, u"/x"), concat(Grin, u"/x"), true);

    // '+': exactly one level, possibly empty.
    row("plus one level", QStringLiteral("+"), QStringLiteral("sport"), true);
    row("plus not two levels", QStringLiteral("+"), QStringLiteral("sport/tennis"), false);
    row("plus not slash", QStringLiteral("+"), QStringLiteral("/"), false);
    row("plus plus slash", QStringLiteral("+/+"), QStringLiteral("/"), true);
    row("plus plus slash finance", QStringLiteral("+/+"), QStringLiteral("/finance"), true);
    row("plus plus one level", QStringLiteral("+/+"), QStringLiteral("a"), false);
    row("slash plus finance", QStringLiteral("/+"), QStringLiteral("/finance"), true);
    row("slash plus slash", QStringLiteral("/+"), QStringLiteral("/"), true);
    row("slash plus no leading slash", QStringLiteral("/+"), QStringLiteral("finance"), false);
    row("plus matches empty level", QStringLiteral("sport/+"), QStringLiteral("sport/"), true);
    row("plus needs a level", QStringLiteral("sport/+"), QStringLiteral("sport"), false);
    row("plus not two child levels", QStringLiteral("sport/tennis/+"),
        QStringLiteral("sport/tennis/player1/ranking"), false);
    row("plus middle", QStringLiteral("a/+/c"), QStringLiteral("a/b/c"), true);
    row("plus middle empty", QStringLiteral("a/+/c"), QStringLiteral("a//c"), true);
    row("plus middle wrong tail", QStringLiteral("a/+/c"), QStringLiteral("a/b/d"), false);
    row("plus non-ASCII", QStringLiteral("温度/+"), QStringLiteral("温度/传感器"), true);

    // '#': parent level and any number of children.
    row("hash everything", QStringLiteral("#"), QStringLiteral("a/b/c"), true);
    row("hash slash", QStringLiteral("#"), QStringLiteral("/"), true);
    row("hash single", QStringLiteral("#"), QStringLiteral("a"), true);
    row("sport hash parent", QStringLiteral("sport/#"), QStringLiteral("sport"), true);
    row("sport hash child", QStringLiteral("sport/#"), QStringLiteral("sport/tennis"), true);
    row("sport hash empty child", QStringLiteral("sport/#"), QStringLiteral("sport/"), true);
    row("sport hash deep", QStringLiteral("sport/#"), QStringLiteral("sport/tennis/p1/score"),
        true);
    row("sport hash other", QStringLiteral("sport/#"), QStringLiteral("sports"), false);
    row("sport hash prefix only", QStringLiteral("sport/#"), QStringLiteral("spor"), false);
    row("sport tennis hash parent", QStringLiteral("sport/tennis/#"),
        QStringLiteral("sport/tennis"), true);
    row("sport tennis hash grandparent", QStringLiteral("sport/tennis/#"), QStringLiteral("sport"),
        false);
    row("sport tennis hash child", QStringLiteral("sport/tennis/#"),
        QStringLiteral("sport/tennis/player1"), true);
    row("slash hash slash", QStringLiteral("/#"), QStringLiteral("/"), true);
    row("slash hash a", QStringLiteral("/#"), QStringLiteral("/a/b"), true);
    row("slash hash no leading slash", QStringLiteral("/#"), QStringLiteral("a"), false);
    row("plus hash one level", QStringLiteral("+/#"), QStringLiteral("a"), true);
    row("plus hash deep", QStringLiteral("+/#"), QStringLiteral("a/b/c"), true);
    row("plus plus hash one level", QStringLiteral("a/+/#"), QStringLiteral("a"), false);
    row("plus then hash parent", QStringLiteral("a/+/#"), QStringLiteral("a/b"), true);

    // '$' topics [MQTT-4.7.2-1].
    row("dollar vs hash", QStringLiteral("#"), QStringLiteral("$SYS/x"), false);
    row("dollar vs plus", QStringLiteral("+/x"), QStringLiteral("$SYS/x"), false);
    row("dollar vs plus hash", QStringLiteral("+/#"), QStringLiteral("$SYS/x"), false);
    row("dollar alone vs plus", QStringLiteral("+"), QStringLiteral("$"), false);
    row("dollar SYS hash", QStringLiteral("$SYS/#"), QStringLiteral("$SYS/x"), true);
    row("dollar SYS hash parent", QStringLiteral("$SYS/#"), QStringLiteral("$SYS"), true);
    row("dollar SYS plus", QStringLiteral("$SYS/+"), QStringLiteral("$SYS/x"), true);
    row("dollar exact", QStringLiteral("$SYS/x"), QStringLiteral("$SYS/x"), true);
    row("dollar later level", QStringLiteral("+/$x"), QStringLiteral("a/$x"), true);
    row("dollar later level hash", QStringLiteral("a/#"), QStringLiteral("a/$x"), true);
    row("slash dollar vs hash", QStringLiteral("#"), QStringLiteral("/$SYS"), true);

    // Shared subscriptions match as their inner filter.
    row("shared plus", QStringLiteral("$share/g/a/+"), QStringLiteral("a/b"), true);
    row("shared plus no match", QStringLiteral("$share/g/a/+"), QStringLiteral("a/b/c"), false);
    row("shared exact", QStringLiteral("$share/g/a"), QStringLiteral("a"), true);
    row("shared not literal", QStringLiteral("$share/g/a"), QStringLiteral("$share/g/a"), false);
    row("shared hash", QStringLiteral("$share/g/#"), QStringLiteral("x/y"), true);
    row("shared hash not dollar", QStringLiteral("$share/g/#"), QStringLiteral("$SYS/x"), false);
    row("shared dollar SYS", QStringLiteral("$share/g/$SYS/#"), QStringLiteral("$SYS/x"), true);
    row("shared empty first level", QStringLiteral("$share/g//a"), QStringLiteral("/a"), true);
    row("plain $share filter", QStringLiteral("$share"), QStringLiteral("$share"), true);

    // Invalid filter or name: never a match.
    row("invalid filter hash middle", QStringLiteral("a/#/b"), QStringLiteral("a/x/b"), false);
    row("invalid filter glued hash", QStringLiteral("a#"), QStringLiteral("a#"), false);
    row("invalid filter glued plus", QStringLiteral("a+"), QStringLiteral("a+"), false);
    row("invalid filter empty", QString(), QStringLiteral("a"), false);
    row("invalid shared empty group", QStringLiteral("$share//a"), QStringLiteral("a"), false);
    row("invalid shared no filter", QStringLiteral("$share/g/"), QStringLiteral("g"), false);
    row("invalid name plus", QStringLiteral("#"), QStringLiteral("a/+"), false);
    row("invalid name hash", QStringLiteral("a/#"), QStringLiteral("a/#"), false);
    row("invalid name empty", QStringLiteral("#"), QString(), false);
    row("invalid name NUL", QStringLiteral("#"), withNul(u"a", u""), false);
    row("invalid filter NUL", withNul(u"a", u""), withNul(u"a", u""), false);
    row("invalid name surrogate", QStringLiteral("#"), withChar(u"a", 0xD800, u""), false);
}

void TstTopic::matches()
{
    QFETCH(QString, filter);
    QFETCH(QString, name);
    QFETCH(bool, expected);

    QCOMPARE(Topic::matches(filter, name), expected);
}

// matches() and the validators take views; they must not read past a view's end.
void TstTopic::matchesViewsIntoLargerBuffers()
{
    const QString buffer = QStringLiteral("sport/#xsport/tennis/x");
    const QStringView all(buffer);
    const QStringView filter = all.first(7); // "sport/#"
    const QStringView name = all.sliced(8, 12); // "sport/tennis"
    QCOMPARE(filter, QStringView(u"sport/#"));
    QCOMPARE(name, QStringView(u"sport/tennis"));
    QVERIFY(Topic::isValidFilter(filter));
    QVERIFY(Topic::isValidName(name));
    QVERIFY(Topic::matches(filter, name));
    QVERIFY(Topic::matches(all.first(6), all.sliced(8, 6))); // "sport/" vs "sport/"
    QVERIFY(!Topic::matches(all.first(5), all.sliced(8, 6))); // "sport" vs "sport/"
    QVERIFY(Topic::matches(QStringView(u"+/+"), all.sliced(8, 6))); // "sport/"
    QVERIFY(!Topic::isValidName(all.first(0)));
    QVERIFY(!Topic::isValidFilter(all.sliced(6, 2))); // "#x"
}

void TstTopic::shared_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<bool>("isShared");
    QTest::addColumn<QString>("group");
    QTest::addColumn<QString>("inner");

    QTest::addRow("plain") << QStringLiteral("a/+") << false << QString() << QStringLiteral("a/+");
    QTest::addRow("empty") << QString() << false << QString() << QString();
    QTest::addRow("dollar share alone")
        << QStringLiteral("$share") << false << QString() << QStringLiteral("$share");
    QTest::addRow("capital Share")
        << QStringLiteral("$Share/g/a") << false << QString() << QStringLiteral("$Share/g/a");
    QTest::addRow("leading slash")
        << QStringLiteral("/$share/g/a") << false << QString() << QStringLiteral("/$share/g/a");
    QTest::addRow("simple") << QStringLiteral("$share/g/a/+") << true << QStringLiteral("g")
                            << QStringLiteral("a/+");
    QTest::addRow("hash") << QStringLiteral("$share/consumers/#") << true
                          << QStringLiteral("consumers") << QStringLiteral("#");
    QTest::addRow("inner leading slash") << QStringLiteral("$share/g//finance") << true
                                         << QStringLiteral("g") << QStringLiteral("/finance");
    QTest::addRow("non-ASCII group") << QStringLiteral("$share/组/温度") << true
                                     << QStringLiteral("组") << QStringLiteral("温度");
    // No validation in these accessors.
    QTest::addRow("invalid: empty group")
        << QStringLiteral("$share//a") << true << QString() << QStringLiteral("a");
    QTest::addRow("invalid: no filter")
        << QStringLiteral("$share/g") << true << QStringLiteral("g") << QString();
    QTest::addRow("invalid: empty filter")
        << QStringLiteral("$share/g/") << true << QStringLiteral("g") << QString();
    QTest::addRow("invalid: prefix only")
        << QStringLiteral("$share/") << true << QString() << QString();
    QTest::addRow("invalid: group plus")
        << QStringLiteral("$share/g+/a") << true << QStringLiteral("g+") << QStringLiteral("a");
}

void TstTopic::shared()
{
    QFETCH(QString, filter);
    QFETCH(bool, isShared);
    QFETCH(QString, group);
    QFETCH(QString, inner);

    QCOMPARE(Topic::isSharedSubscription(filter), isShared);
    QCOMPARE(Topic::sharedGroup(filter), group);
    QCOMPARE(Topic::stripSharedPrefix(filter), inner);
    if (isShared && Topic::isValidFilter(filter)) {
        // A valid shared filter matches exactly what its inner filter matches.
        QVERIFY(!group.isEmpty());
        QVERIFY(Topic::isValidFilter(inner));
        for (const QString &name : { QStringLiteral("a"), QStringLiteral("a/b"),
                 QStringLiteral("/finance"), QStringLiteral("温度"), QStringLiteral("$SYS/x") }) {
            QCOMPARE(Topic::matches(filter, name), Topic::matches(inner, name));
        }
    }
}

QTEST_GUILESS_MAIN(TstTopic)
#include "tst_topic.moc"
