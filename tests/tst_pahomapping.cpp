// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// docs/paho-mapping.md stays complete: it must map every function paho's MQTTAsync.h declares
// (LIBMQTT_API) and every field of the six option structs an application fills in, each in
// the first column of the table of its section. The header is parsed at run time (comments
// and preprocessor lines stripped, typedef struct bodies split into declarations), so a paho
// upgrade that adds a function or field fails here until the document says what QPaho does
// with it. The document is also checked the other way round: no stale names, every row has
// an equivalent or a reason, every QPaho member it names exists in include/QPaho, and every
// capability it marks "missing" is listed under "Gaps".
#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>
#include <QtCore/QMap>
#include <QtCore/QRegularExpression>
#include <QtCore/QSet>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtTest/QTest>

namespace {

// The option structs the document maps field by field.
const QStringList kStructs = { QStringLiteral("MQTTAsync_createOptions"),
    QStringLiteral("MQTTAsync_connectOptions"), QStringLiteral("MQTTAsync_willOptions"),
    QStringLiteral("MQTTAsync_SSLOptions"), QStringLiteral("MQTTAsync_responseOptions"),
    QStringLiteral("MQTTAsync_disconnectOptions") };
const QString kFunctionsSection = QStringLiteral("Functions");

// --- C header parsing ---

// Removes /* */ and // comments, keeping string and character literals intact (a "tcp://"
// in a literal is not a comment). Comments become one space, newlines inside them are kept.
QString stripComments(const QString &text)
{
    QString out;
    out.reserve(text.size());
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text.at(i);
        const QChar next = i + 1 < n ? text.at(i + 1) : QChar();
        if (c == u'/' && next == u'*') {
            const qsizetype end = text.indexOf(QLatin1String("*/"), i + 2);
            const qsizetype stop = end < 0 ? n : end + 2;
            out += QLatin1Char(' ');
            for (qsizetype k = i; k < stop; ++k) {
                if (text.at(k) == u'\n')
                    out += QLatin1Char('\n');
            }
            i = stop - 1;
        } else if (c == u'/' && next == u'/') {
            while (i < n && text.at(i) != u'\n')
                ++i;
            if (i < n)
                out += QLatin1Char('\n');
        } else if (c == u'"' || c == u'\'') {
            out += c;
            for (++i; i < n; ++i) {
                out += text.at(i);
                if (text.at(i) == u'\\' && i + 1 < n) {
                    out += text.at(++i);
                } else if (text.at(i) == c) {
                    break;
                }
            }
        } else {
            out += c;
        }
    }
    return out;
}

// Removes preprocessor lines, including their backslash continuations.
QString stripPreprocessor(const QString &text)
{
    QStringList kept;
    bool continuation = false;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        const bool directive = continuation || line.trimmed().startsWith(QLatin1Char('#'));
        continuation = directive && line.trimmed().endsWith(QLatin1Char('\\'));
        if (!directive)
            kept.append(line);
    }
    return kept.join(QLatin1Char('\n'));
}

QString cleanHeader(const QString &text)
{
    return stripPreprocessor(stripComments(text));
}

// Names of the functions declared "LIBMQTT_API <type> <name>(".
QStringList libmqttFunctions(const QString &cleaned)
{
    static const QRegularExpression re(
        QStringLiteral(R"(\bLIBMQTT_API\s+[^;{}()]*?\b([A-Za-z_]\w*)\s*\()"));
    QStringList names;
    for (auto it = re.globalMatch(cleaned); it.hasNext();)
        names.append(it.next().captured(1));
    return names;
}

// The declarator names of one member declaration ("int a, *b[3];", "void (*cb)(int x);",
// "struct { int len; } payload;").
QStringList declaratorNames(QString decl)
{
    static const QRegularExpression functionPointer(
        QStringLiteral(R"(\(\s*\*\s*([A-Za-z_]\w*)\s*\))"));
    static const QRegularExpression arrays(QStringLiteral(R"(\[[^\]]*\])"));
    static const QRegularExpression bitfield(QStringLiteral(R"(:\s*\w+\s*$)"));
    static const QRegularExpression lastIdentifier(QStringLiteral(R"(([A-Za-z_]\w*)\s*$)"));
    const qsizetype closing = decl.lastIndexOf(QLatin1Char('}'));
    if (closing >= 0)
        decl = decl.mid(closing + 1); // a nested struct or union: the names follow its body
    // Split at commas outside parentheses (function pointer parameters have commas).
    QStringList pieces;
    int depth = 0;
    QString current;
    for (const QChar c : decl) {
        if (c == u'(')
            ++depth;
        else if (c == u')')
            --depth;
        if (c == u',' && depth == 0) {
            pieces.append(current);
            current.clear();
        } else {
            current += c;
        }
    }
    pieces.append(current);
    QStringList names;
    for (QString piece : pieces) {
        const QRegularExpressionMatch fp = functionPointer.match(piece);
        if (fp.hasMatch()) {
            names.append(fp.captured(1));
            continue;
        }
        piece.remove(arrays);
        piece.remove(bitfield);
        const QRegularExpressionMatch id = lastIdentifier.match(piece.trimmed());
        if (id.hasMatch())
            names.append(id.captured(1));
    }
    return names;
}

// typedef name -> member names, for every "typedef struct [tag] { ... } NAME;" in the text.
// Members of nested anonymous structs/unions count as one member with the outer name.
QMap<QString, QStringList> typedefStructs(const QString &cleaned)
{
    static const QRegularExpression start(QStringLiteral(R"(\btypedef\s+struct\s*(\w+\s*)?\{)"));
    static const QRegularExpression typedefName(QStringLiteral(R"(^\s*([A-Za-z_]\w*)\s*;)"));
    QMap<QString, QStringList> result;
    for (auto it = start.globalMatch(cleaned); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        qsizetype i = m.capturedEnd(); // just after '{'
        int depth = 1;
        QString declaration;
        QStringList members;
        for (; i < cleaned.size() && depth > 0; ++i) {
            const QChar c = cleaned.at(i);
            if (c == u'{') {
                ++depth;
            } else if (c == u'}') {
                if (--depth == 0)
                    break;
            }
            if (c == u';' && depth == 1) {
                members += declaratorNames(declaration);
                declaration.clear();
            } else {
                declaration += c;
            }
        }
        const QRegularExpressionMatch name = typedefName.match(cleaned.mid(i + 1, 200));
        if (depth == 0 && name.hasMatch())
            result.insert(name.captured(1), members);
    }
    return result;
}

// --- Markdown parsing ---

struct Row
{
    QStringList pahoNames; // the backticked names of the first cell
    QString qpaho;
    QString notes;
    int line = 0;
};

struct Section
{
    QString heading;
    QList<Row> rows;
    QString text;
};

QList<Section> parseSections(const QString &markdown)
{
    static const QRegularExpression backticked(QStringLiteral("`([^`]+)`"));
    QList<Section> sections;
    const QStringList lines = markdown.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        if (line.startsWith(QLatin1String("## "))) {
            sections.append(Section { line.mid(3).trimmed(), {}, {} });
            continue;
        }
        if (sections.isEmpty())
            continue;
        Section &section = sections.last();
        section.text += line + QLatin1Char('\n');
        const QString trimmed = line.trimmed();
        if (!trimmed.startsWith(QLatin1Char('|')) || trimmed.startsWith(QLatin1String("|---")))
            continue;
        const QStringList cells = trimmed.split(QLatin1Char('|'));
        if (cells.size() < 5)
            continue; // "| a | b | c |" splits into 5
        if (cells.at(1).trimmed() == QLatin1String("paho"))
            continue; // the header row
        Row row;
        for (auto it = backticked.globalMatch(cells.at(1)); it.hasNext();)
            row.pahoNames.append(it.next().captured(1));
        row.qpaho = cells.at(2).trimmed();
        row.notes = cells.at(3).trimmed();
        row.line = i + 1;
        section.rows.append(row);
    }
    return sections;
}

const Section *findSection(const QList<Section> &sections, const QString &name)
{
    for (const Section &s : sections) {
        if (s.heading == name || s.heading == QLatin1Char('`') + name + QLatin1Char('`'))
            return &s;
    }
    return nullptr;
}

QString readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return {};
    }
    return QString::fromUtf8(file.readAll());
}

QString sourceDir()
{
    const QString fromEnv = qEnvironmentVariable("QPAHO_TEST_SOURCE_DIR");
    if (!fromEnv.isEmpty())
        return fromEnv;
    // Run by hand: this file lives in <source>/tests.
    return QFileInfo(QStringLiteral(__FILE__)).absoluteDir().absoluteFilePath(QStringLiteral(".."));
}

QString pahoHeaderPath()
{
    const QString fromEnv = qEnvironmentVariable("QPAHO_PAHO_HEADER");
    return fromEnv.isEmpty() ? QStringLiteral("/usr/include/MQTTAsync.h") : fromEnv;
}

} // namespace

class TstPahoMapping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void parserHandlesCDeclarations();
    void headerParseIsPlausible();
    void everyFunctionIsMapped();
    void everyStructFieldIsMapped_data();
    void everyStructFieldIsMapped();
    void documentNamesOnlyWhatTheHeaderDeclares();
    void everyRowHasAnEquivalentOrAReason();
    void qpahoMembersNamedExist();
    void missingCapabilitiesAreListedUnderGaps();

private:
    // The names the document must cover: "Functions" and the six struct names.
    QHash<QString, QStringList> m_expected;
    QList<Section> m_sections;
    QString m_includeDir;
};

void TstPahoMapping::initTestCase()
{
    QString error;
    const QString headerPath = pahoHeaderPath();
    if (!QFileInfo::exists(headerPath))
        QFAIL(qPrintable(QStringLiteral("%1 not found: install libpaho-mqtt-dev").arg(headerPath)));
    const QString header = readFile(headerPath, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString cleaned = cleanHeader(header);
    m_expected.insert(kFunctionsSection, libmqttFunctions(cleaned));
    const QMap<QString, QStringList> structs = typedefStructs(cleaned);
    for (const QString &name : kStructs) {
        QVERIFY2(structs.contains(name),
            qPrintable(QStringLiteral("typedef struct %1 not found in %2").arg(name, headerPath)));
        m_expected.insert(name, structs.value(name));
    }

    const QString docPath = sourceDir() + QStringLiteral("/docs/paho-mapping.md");
    const QString doc = readFile(docPath, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_sections = parseSections(doc);
    m_includeDir = sourceDir() + QStringLiteral("/include/QPaho");
    QVERIFY2(QFileInfo(m_includeDir).isDir(), qPrintable(m_includeDir));
}

// The parser itself, on a snippet with every construct the paho headers use (and a few more),
// so a parser bug cannot make the mapping checks pass vacuously.
void TstPahoMapping::parserHandlesCDeclarations()
{
    const QString snippet = QStringLiteral(R"(
#define LIBMQTT_API __attribute__ ((visibility ("default")))
#define init { {'M', 'Q'}, 0, \
    NULL }
/** A comment with LIBMQTT_API int notAFunction(void); and typedef struct { int x; } Fake; */
// LIBMQTT_API int alsoNotAFunction(void);
LIBMQTT_API int plain(int a);
LIBMQTT_API const char* pointerReturn(int code);
LIBMQTT_API MQTTAsync_nameValue* typedReturn(void);
LIBMQTT_API void
    onTwoLines(void* p);
typedef struct
{
    char struct_id[4]; /**< eyecatcher */
    const char* text; // "http://not/a/comment"
    int a, *b, c[2];
    struct
    {
        int len;  /**< inner */
        const void* data;
    } payload;
    int (*callback) (const char *str, size_t len, void *u);
    unsigned int (*other)(const char *hint, char *identity);
    MQTTProperties properties;
    enum MQTTReasonCodes reasonCode;
} Example;
typedef struct Tagged
{
    int x;
} Tagged;
)");
    const QString cleaned = cleanHeader(snippet);
    QCOMPARE(libmqttFunctions(cleaned),
        QStringList({ QStringLiteral("plain"), QStringLiteral("pointerReturn"),
            QStringLiteral("typedReturn"), QStringLiteral("onTwoLines") }));
    const QMap<QString, QStringList> structs = typedefStructs(cleaned);
    QCOMPARE(structs.keys(), QStringList({ QStringLiteral("Example"), QStringLiteral("Tagged") }));
    QCOMPARE(structs.value(QStringLiteral("Example")),
        QStringList({ QStringLiteral("struct_id"), QStringLiteral("text"), QStringLiteral("a"),
            QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("payload"),
            QStringLiteral("callback"), QStringLiteral("other"), QStringLiteral("properties"),
            QStringLiteral("reasonCode") }));
    QCOMPARE(structs.value(QStringLiteral("Tagged")), QStringList({ QStringLiteral("x") }));
}

// The real header: as many names as paho 1.3.12 has (33 functions; 9, 29, 7, 18, 12 and 10
// fields), and the well-known ones among them. A paho upgrade may add names, never lose these.
void TstPahoMapping::headerParseIsPlausible()
{
    const QStringList functions = m_expected.value(kFunctionsSection);
    QVERIFY2(functions.size() >= 33, qPrintable(functions.join(QLatin1Char(' '))));
    QCOMPARE(QSet<QString>(functions.cbegin(), functions.cend()).size(), functions.size());
    for (const char *name : { "MQTTAsync_create", "MQTTAsync_createWithOptions",
             "MQTTAsync_connect", "MQTTAsync_sendMessage", "MQTTAsync_subscribeMany",
             "MQTTAsync_destroy", "MQTTAsync_setTraceCallback", "MQTTAsync_getVersionInfo",
             "MQTTAsync_strerror", "MQTTAsync_global_init" })
        QVERIFY2(functions.contains(QLatin1String(name)), name);

    const QHash<QString, int> minimumFields = { { QStringLiteral("MQTTAsync_createOptions"), 9 },
        { QStringLiteral("MQTTAsync_connectOptions"), 29 },
        { QStringLiteral("MQTTAsync_willOptions"), 7 },
        { QStringLiteral("MQTTAsync_SSLOptions"), 18 },
        { QStringLiteral("MQTTAsync_responseOptions"), 12 },
        { QStringLiteral("MQTTAsync_disconnectOptions"), 10 } };
    for (const QString &name : kStructs) {
        const QStringList fields = m_expected.value(name);
        QVERIFY2(fields.size() >= minimumFields.value(name),
            qPrintable(name + QStringLiteral(": ") + fields.join(QLatin1Char(' '))));
        QVERIFY2(fields.startsWith(QStringLiteral("struct_id"))
                && fields.contains(QStringLiteral("struct_version")),
            qPrintable(name));
    }
    const QList<QPair<QString, QString>> wellKnown = {
        { QStringLiteral("MQTTAsync_createOptions"), QStringLiteral("maxBufferedMessages") },
        { QStringLiteral("MQTTAsync_createOptions"), QStringLiteral("persistQoS0") },
        { QStringLiteral("MQTTAsync_connectOptions"), QStringLiteral("keepAliveInterval") },
        { QStringLiteral("MQTTAsync_connectOptions"), QStringLiteral("binarypwd") },
        { QStringLiteral("MQTTAsync_connectOptions"), QStringLiteral("httpsProxy") },
        { QStringLiteral("MQTTAsync_willOptions"), QStringLiteral("payload") },
        { QStringLiteral("MQTTAsync_SSLOptions"), QStringLiteral("trustStore") },
        { QStringLiteral("MQTTAsync_SSLOptions"), QStringLiteral("ssl_psk_cb") },
        { QStringLiteral("MQTTAsync_SSLOptions"), QStringLiteral("protos_len") },
        { QStringLiteral("MQTTAsync_responseOptions"), QStringLiteral("onSuccess5") },
        { QStringLiteral("MQTTAsync_responseOptions"), QStringLiteral("subscribeOptionsList") },
        { QStringLiteral("MQTTAsync_disconnectOptions"), QStringLiteral("reasonCode") },
    };
    for (const auto &[structName, field] : wellKnown)
        QVERIFY2(m_expected.value(structName).contains(field),
            qPrintable(structName + QLatin1Char('.') + field));
    // Inner fields of nested structs are not members of the outer struct.
    QVERIFY(!m_expected.value(QStringLiteral("MQTTAsync_connectOptions"))
                 .contains(QStringLiteral("len")));
}

void TstPahoMapping::everyFunctionIsMapped()
{
    const Section *section = findSection(m_sections, kFunctionsSection);
    QVERIFY2(section, "docs/paho-mapping.md has no \"## Functions\" section");
    QSet<QString> documented;
    for (const Row &row : section->rows)
        documented.unite(QSet<QString>(row.pahoNames.cbegin(), row.pahoNames.cend()));
    QStringList missing;
    for (const QString &name : m_expected.value(kFunctionsSection)) {
        if (!documented.contains(name))
            missing.append(name);
    }
    QVERIFY2(missing.isEmpty(),
        qPrintable(QStringLiteral("functions of MQTTAsync.h missing from the \"Functions\" table "
                                  "of docs/paho-mapping.md: ")
            + missing.join(QStringLiteral(", "))));
}

void TstPahoMapping::everyStructFieldIsMapped_data()
{
    QTest::addColumn<QString>("structName");
    for (const QString &name : kStructs)
        QTest::newRow(qPrintable(name)) << name;
}

void TstPahoMapping::everyStructFieldIsMapped()
{
    QFETCH(QString, structName);
    const Section *section = findSection(m_sections, structName);
    QVERIFY2(section,
        qPrintable(
            QStringLiteral("docs/paho-mapping.md has no \"## `%1`\" section").arg(structName)));
    QSet<QString> documented;
    for (const Row &row : section->rows)
        documented.unite(QSet<QString>(row.pahoNames.cbegin(), row.pahoNames.cend()));
    QStringList missing;
    for (const QString &field : m_expected.value(structName)) {
        if (!documented.contains(field))
            missing.append(field);
    }
    QVERIFY2(missing.isEmpty(),
        qPrintable(QStringLiteral("fields of %1 missing from its table in docs/paho-mapping.md: %2")
                       .arg(structName, missing.join(QStringLiteral(", ")))));
}

// A typo in the document (or a name paho dropped) would otherwise hide a real gap.
void TstPahoMapping::documentNamesOnlyWhatTheHeaderDeclares()
{
    QStringList stale;
    for (auto it = m_expected.cbegin(); it != m_expected.cend(); ++it) {
        const Section *section = findSection(m_sections, it.key());
        QVERIFY2(section, qPrintable(it.key()));
        for (const Row &row : section->rows) {
            QVERIFY2(!row.pahoNames.isEmpty(),
                qPrintable(QStringLiteral("line %1: first cell has no `name`").arg(row.line)));
            for (const QString &name : row.pahoNames) {
                if (!it.value().contains(name))
                    stale.append(QStringLiteral("%1 (line %2, section %3)")
                                     .arg(name)
                                     .arg(row.line)
                                     .arg(it.key()));
            }
        }
    }
    QVERIFY2(stale.isEmpty(),
        qPrintable(QStringLiteral("names in docs/paho-mapping.md that MQTTAsync.h does not "
                                  "declare there: ")
            + stale.join(QStringLiteral("; "))));
}

// "—" in the QPaho column is only allowed with a reason in the notes.
void TstPahoMapping::everyRowHasAnEquivalentOrAReason()
{
    QStringList bare;
    for (auto it = m_expected.cbegin(); it != m_expected.cend(); ++it) {
        const Section *section = findSection(m_sections, it.key());
        QVERIFY2(section, qPrintable(it.key()));
        for (const Row &row : section->rows) {
            const bool noEquivalent = row.qpaho.isEmpty() || row.qpaho == QStringLiteral("—")
                || row.qpaho == QStringLiteral("-");
            if (noEquivalent && row.notes.size() < 10)
                bare.append(QStringLiteral("%1 (line %2)")
                                .arg(row.pahoNames.join(QLatin1Char('/')))
                                .arg(row.line));
        }
    }
    QVERIFY2(bare.isEmpty(),
        qPrintable(QStringLiteral("rows with neither a QPaho equivalent nor a reason: ")
            + bare.join(QStringLiteral(", "))));
}

// Every `Class::member` in the QPaho column names something the class's public header has.
void TstPahoMapping::qpahoMembersNamedExist()
{
    const QHash<QString, QString> headerOf = {
        { QStringLiteral("Client"), QStringLiteral("client.h") },
        { QStringLiteral("ConnectOptions"), QStringLiteral("connectoptions.h") },
        { QStringLiteral("WillOptions"), QStringLiteral("willoptions.h") },
        { QStringLiteral("SslOptions"), QStringLiteral("ssloptions.h") },
        { QStringLiteral("SubscribeOptions"), QStringLiteral("subscribeoptions.h") },
        { QStringLiteral("Properties"), QStringLiteral("properties.h") },
        { QStringLiteral("Message"), QStringLiteral("message.h") },
        { QStringLiteral("Result"), QStringLiteral("result.h") },
        { QStringLiteral("ConnectResult"), QStringLiteral("result.h") },
        { QStringLiteral("SubscribeResult"), QStringLiteral("result.h") },
        { QStringLiteral("PublishResult"), QStringLiteral("result.h") },
        { QStringLiteral("Topic"), QStringLiteral("topic.h") },
        { QStringLiteral("OverflowPolicy"), QStringLiteral("qpahoglobal.h") },
        { QStringLiteral("Error"), QStringLiteral("qpahoglobal.h") },
    };
    static const QRegularExpression memberRef(QStringLiteral(R"(`(?:QPaho::)?(\w+)::(~?\w+)`)"));
    QHash<QString, QString> headers; // file name -> cleaned text
    QStringList unknown;
    int checked = 0;
    for (const Section &section : std::as_const(m_sections)) {
        for (const Row &row : section.rows) {
            for (auto it = memberRef.globalMatch(row.qpaho); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                const QString cls = m.captured(1);
                const QString member = m.captured(2);
                if (!headerOf.contains(cls)) {
                    if (!cls.startsWith(QLatin1Char('Q'))) // QFuture::then etc. are Qt's
                        unknown.append(QStringLiteral("%1::%2 (line %3: unknown class)")
                                           .arg(cls, member)
                                           .arg(row.line));
                    continue;
                }
                const QString file = headerOf.value(cls);
                if (!headers.contains(file)) {
                    QString error;
                    const QString text = readFile(m_includeDir + QLatin1Char('/') + file, &error);
                    QVERIFY2(error.isEmpty(), qPrintable(error));
                    headers.insert(file, stripComments(text));
                }
                // Functions and signals are declared "name(", enum values and types "Name".
                const QString pattern = member.at(0).isLower()
                    ? QStringLiteral(R"(\b%1\s*\()").arg(member)
                    : QStringLiteral(R"((?<![\w])%1\b)").arg(QRegularExpression::escape(member));
                ++checked;
                if (!headers.value(file).contains(QRegularExpression(pattern)))
                    unknown.append(QStringLiteral("%1::%2 (line %3, not in include/QPaho/%4)")
                                       .arg(cls, member)
                                       .arg(row.line)
                                       .arg(file));
            }
        }
    }
    QVERIFY2(checked > 50, qPrintable(QString::number(checked)));
    QVERIFY2(unknown.isEmpty(),
        qPrintable(QStringLiteral("QPaho members named in docs/paho-mapping.md that do not "
                                  "exist: ")
            + unknown.join(QStringLiteral("; "))));
}

// A row that says "missing" names a real gap; the Gaps section lists each of them with a
// suggested API (functions by name, fields as Struct.field).
void TstPahoMapping::missingCapabilitiesAreListedUnderGaps()
{
    const Section *gaps = findSection(m_sections, QStringLiteral("Gaps"));
    QVERIFY2(gaps, "docs/paho-mapping.md has no \"## Gaps\" section");
    QStringList unlisted;
    int missingRows = 0;
    for (auto it = m_expected.cbegin(); it != m_expected.cend(); ++it) {
        const Section *section = findSection(m_sections, it.key());
        QVERIFY2(section, qPrintable(it.key()));
        for (const Row &row : section->rows) {
            if (!row.notes.contains(QLatin1String("missing"), Qt::CaseInsensitive))
                continue;
            ++missingRows;
            for (const QString &name : row.pahoNames) {
                const QString token
                    = it.key() == kFunctionsSection ? name : it.key() + QLatin1Char('.') + name;
                if (!gaps->text.contains(QRegularExpression(
                        QStringLiteral(R"(\b%1\b)").arg(QRegularExpression::escape(token)))))
                    unlisted.append(token);
            }
        }
    }
    QVERIFY2(missingRows > 0, "no row is marked missing: the gaps list would be unchecked");
    QVERIFY2(unlisted.isEmpty(),
        qPrintable(QStringLiteral("marked missing but not listed under Gaps: ")
            + unlisted.join(QStringLiteral(", "))));
}

QTEST_GUILESS_MAIN(TstPahoMapping)
#include "tst_pahomapping.moc"
