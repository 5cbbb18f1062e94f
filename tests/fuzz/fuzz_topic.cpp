// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// libFuzzer target for QPaho::Topic. Build (not part of the CMake build yet):
//   clang++ -std=c++17 -fsanitize=fuzzer,address,undefined -I include -DQPAHO_BUILDING_LIBRARY \
//       tests/fuzz/fuzz_topic.cpp src/values/topic.cpp $(pkg-config --cflags --libs Qt6Core) -fPIC
//
// The input is split into a filter and a topic name at the first 0xFF byte (or in the
// middle if there is none). Each part is decoded twice: as UTF-8 (malformed sequences
// become U+FFFD) and as raw UTF-16LE code units (which reaches unpaired surrogates).
// Every Topic function is called, the invariants below are checked, and validity and
// matching are compared with a slow, allocation-heavy reference written from the spec.
#include <QPaho/topic.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringView>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using QPaho::Topic;

namespace {

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "fuzz_topic: check failed at line %d: %s\n", __LINE__, #cond);    \
            std::fprintf(stderr, "  filter: %s\n  name:   %s\n", dump(filter).constData(),         \
                dump(name).constData());                                                           \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

QByteArray dump(const QString &s)
{
    QByteArray out;
    for (const QChar c : s) {
        const char16_t u = c.unicode();
        if (u >= 0x20 && u < 0x7F) {
            out.append(char(u));
        } else {
            char buf[12];
            std::snprintf(buf, sizeof buf, "\\u%04X", unsigned(u));
            out.append(buf);
        }
    }
    out.append(" (" + QByteArray::number(s.size()) + " QChars)");
    return out;
}

const QString SharePrefix = QString::fromLatin1("$share/");

// --- Reference implementation: straight from the spec text, no cleverness. ---

bool refEncodingOk(const QString &s)
{
    return !s.isEmpty() && QStringView(s).isValidUtf16() && !s.contains(QChar(u'\0'))
        && s.toUtf8().size() <= 65535;
}

bool refValidName(const QString &s)
{
    return refEncodingOk(s) && !s.contains(QChar(u'+')) && !s.contains(QChar(u'#'));
}

bool refValidPlainFilter(const QString &f)
{
    const QList<QString> levels = f.split(QChar(u'/'));
    for (int i = 0; i < levels.size(); ++i) {
        const QString &level = levels.at(i);
        if (level.contains(QChar(u'#')) && (level.size() != 1 || i != levels.size() - 1))
            return false;
        if (level.contains(QChar(u'+')) && level.size() != 1)
            return false;
    }
    return true;
}

// Returns the inner filter of a shared subscription, or the filter itself.
QString refInner(const QString &f)
{
    if (!f.startsWith(SharePrefix))
        return f;
    const QString rest = f.mid(SharePrefix.size());
    const int slash = int(rest.indexOf(QChar(u'/')));
    return slash < 0 ? QString() : rest.mid(slash + 1);
}

QString refGroup(const QString &f)
{
    if (!f.startsWith(SharePrefix))
        return QString();
    const QString rest = f.mid(SharePrefix.size());
    return rest.left(rest.indexOf(QChar(u'/'))); // left(-1) is the whole string
}

bool refValidFilter(const QString &f)
{
    if (!refEncodingOk(f))
        return false;
    if (!f.startsWith(SharePrefix))
        return refValidPlainFilter(f);
    const QString rest = f.mid(SharePrefix.size());
    const QString group = refGroup(f);
    if (group.isEmpty() || group.contains(QChar(u'+')) || group.contains(QChar(u'#')))
        return false;
    if (!rest.contains(QChar(u'/')))
        return false;
    const QString inner = refInner(f);
    return !inner.isEmpty() && refValidPlainFilter(inner);
}

bool refMatches(const QString &f, const QString &n)
{
    if (!refValidFilter(f) || !refValidName(n))
        return false;
    const QString inner = refInner(f);
    if (n.startsWith(QChar(u'$'))
        && (inner.startsWith(QChar(u'+')) || inner.startsWith(QChar(u'#'))))
        return false;
    const QList<QString> fl = inner.split(QChar(u'/'));
    const QList<QString> nl = n.split(QChar(u'/'));
    for (int i = 0; i < fl.size(); ++i) {
        if (fl.at(i) == QString(QChar(u'#')))
            return true;
        if (i >= nl.size())
            return false;
        if (fl.at(i) != QString(QChar(u'+')) && fl.at(i) != nl.at(i))
            return false;
    }
    return fl.size() == nl.size();
}

// --- The checks. ---

void checkOne(const QString &filter, const QString &name)
{
    // Validity: bool and error-string forms agree, and agree with the reference.
    const bool nameOk = Topic::isValidName(name);
    const bool filterOk = Topic::isValidFilter(filter);
    FUZZ_CHECK(nameOk == Topic::nameError(name).isEmpty());
    FUZZ_CHECK(filterOk == Topic::filterError(filter).isEmpty());
    FUZZ_CHECK(nameOk == refValidName(name));
    FUZZ_CHECK(filterOk == refValidFilter(filter));
    // The same for the other role of each string.
    FUZZ_CHECK(Topic::isValidName(filter) == Topic::nameError(filter).isEmpty());
    FUZZ_CHECK(Topic::isValidFilter(name) == Topic::filterError(name).isEmpty());
    FUZZ_CHECK(Topic::isValidName(filter) == refValidName(filter));
    FUZZ_CHECK(Topic::isValidFilter(name) == refValidFilter(name));

    // Matching: never true for invalid input, and equal to the reference.
    const bool m = Topic::matches(filter, name);
    if (m)
        FUZZ_CHECK(filterOk && nameOk);
    FUZZ_CHECK(m == refMatches(filter, name));
    FUZZ_CHECK(Topic::matches(name, filter) == refMatches(name, filter));

    // A valid name is a valid filter that matches itself, unless it starts with "$share/"
    // (then it is a shared subscription as a filter, MQTT 5.0 §4.8.2).
    if (nameOk && !name.startsWith(SharePrefix)) {
        FUZZ_CHECK(Topic::isValidFilter(name));
        FUZZ_CHECK(Topic::matches(name, name));
    }
    // '#' matches every valid name not starting with '$' [MQTT-4.7.2-1].
    if (nameOk) {
        const bool dollar = name.startsWith(QChar(u'$'));
        FUZZ_CHECK(Topic::matches(QString(QChar(u'#')), name) == !dollar);
        FUZZ_CHECK(Topic::matches(QString::fromLatin1("$share/g/#"), name) == !dollar);
    }

    // Shared subscription accessors.
    const bool shared = Topic::isSharedSubscription(filter);
    FUZZ_CHECK(shared == filter.startsWith(SharePrefix));
    const QString group = Topic::sharedGroup(filter);
    const QString inner = Topic::stripSharedPrefix(filter);
    FUZZ_CHECK(group == refGroup(filter));
    FUZZ_CHECK(inner == refInner(filter));
    if (!shared) {
        FUZZ_CHECK(group.isEmpty());
        FUZZ_CHECK(inner == filter);
    } else if (filterOk) {
        FUZZ_CHECK(!group.isEmpty());
        FUZZ_CHECK(!group.contains(QChar(u'/')) && !group.contains(QChar(u'+'))
            && !group.contains(QChar(u'#')));
        FUZZ_CHECK(!inner.isEmpty());
        FUZZ_CHECK(filter == QString(SharePrefix + group + QChar(u'/') + inner));
        // The inner filter is checked as a plain filter; it may itself look shared.
        if (!inner.startsWith(SharePrefix)) {
            FUZZ_CHECK(Topic::isValidFilter(inner));
            FUZZ_CHECK(m == Topic::matches(inner, name));
        }
    }
}

QString fromUtf16Le(const uint8_t *data, size_t size)
{
    QString s(qsizetype(size / 2), Qt::Uninitialized);
    for (size_t i = 0; i + 1 < size; i += 2)
        s[qsizetype(i / 2)] = QChar(char16_t(data[i] | (data[i + 1] << 8)));
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const void *sep = size ? std::memchr(data, 0xFF, size) : nullptr;
    const size_t split = sep ? size_t(static_cast<const uint8_t *>(sep) - data) : size / 2;
    const uint8_t *second = data + split + (sep ? 1 : 0);
    const size_t secondSize = size - split - (sep ? 1 : 0);

    checkOne(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(split)),
        QString::fromUtf8(reinterpret_cast<const char *>(second), qsizetype(secondSize)));
    checkOne(fromUtf16Le(data, split), fromUtf16Le(second, secondSize));
    return 0;
}
