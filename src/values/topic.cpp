// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Topic: MQTT topic name and filter validation with error texts, and filter matching. Pure
// functions.
#include <QPaho/topic.h>

#include "values/topic_p.h"

#include <QtCore/QLatin1String>

namespace QPaho {

namespace {

// [MQTT-4.7.3-3], §1.5.4: a UTF-8 Encoded String holds at most 65535 bytes.
constexpr qint64 MaxTopicBytes = 65535;

// [MQTT-4.8.2-1]: a shared subscription's filter starts with "$share/".
constexpr QStringView SharePrefix = u"$share/";

// The first rule a topic name or filter breaks. Every checker below reports exactly one.
enum class Problem {
    None,
    Empty, // [MQTT-4.7.3-1]
    UnpairedSurrogate, // [MQTT-1.5.4-1]
    Nul, // [MQTT-1.5.4-2], [MQTT-4.7.3-2]
    TooLong, // [MQTT-4.7.3-3]
    NameWildcardPlus, // [MQTT-3.3.2-2]
    NameWildcardHash, // [MQTT-3.3.2-2]
    HashNotWholeLevel, // [MQTT-4.7.1-1]
    HashNotLastLevel, // [MQTT-4.7.1-1]
    PlusNotWholeLevel, // [MQTT-4.7.1-2]
    SharedGroupEmpty, // [MQTT-4.8.2-1]
    SharedGroupPlus, // [MQTT-4.8.2-2]
    SharedGroupHash, // [MQTT-4.8.2-2]
    SharedFilterMissing, // [MQTT-4.8.2-2]
};

struct Check
{
    Problem problem = Problem::None;
    qint64 utf8Bytes = 0; // the UTF-8 length; exact when problem is None or TooLong
};

// The rules shared by names and filters: non-empty, encodable as UTF-8 (no unpaired
// surrogate), no U+0000, at most 65535 UTF-8 bytes. One pass, no allocation.
Check checkEncoding(QStringView s)
{
    if (s.isEmpty())
        return { Problem::Empty, 0 };
    qint64 bytes = 0;
    bool hasNul = false;
    const qsizetype n = s.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = s[i].unicode();
        if (c < 0x80) {
            hasNul = hasNul || c == 0;
            bytes += 1;
        } else if (c < 0x800) {
            bytes += 2;
        } else if (QChar::isHighSurrogate(c)) {
            if (i + 1 == n || !s[i + 1].isLowSurrogate())
                return { Problem::UnpairedSurrogate, 0 };
            bytes += 4; // one supplementary code point, two QChars
            ++i;
        } else if (QChar::isLowSurrogate(c)) {
            return { Problem::UnpairedSurrogate, 0 };
        } else {
            bytes += 3;
        }
    }
    if (hasNul)
        return { Problem::Nul, bytes };
    if (bytes > MaxTopicBytes)
        return { Problem::TooLong, bytes };
    return { Problem::None, bytes };
}

// [MQTT-3.3.2-2]: no wildcard in a topic name. Reports the first one found.
Problem checkNameWildcards(QStringView name)
{
    for (const QChar c : name) {
        if (c == u'+')
            return Problem::NameWildcardPlus;
        if (c == u'#')
            return Problem::NameWildcardHash;
    }
    return Problem::None;
}

// [MQTT-4.7.1-1] and [MQTT-4.7.1-2] for a plain (non-shared) filter, left to right.
Problem checkFilterLevels(QStringView filter)
{
    const qsizetype n = filter.size();
    qsizetype levelStart = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = filter[i];
        if (c == u'/') {
            levelStart = i + 1;
        } else if (c == u'#') {
            const bool isLast = i + 1 == n;
            if (i != levelStart || (!isLast && filter[i + 1] != u'/'))
                return Problem::HashNotWholeLevel;
            if (!isLast)
                return Problem::HashNotLastLevel;
        } else if (c == u'+') {
            if (i != levelStart || (i + 1 < n && filter[i + 1] != u'/'))
                return Problem::PlusNotWholeLevel;
        }
    }
    return Problem::None;
}

bool hasSharePrefix(QStringView filter)
{
    return filter.startsWith(SharePrefix);
}

Check checkName(QStringView name)
{
    Check check = checkEncoding(name);
    if (check.problem == Problem::None)
        check.problem = checkNameWildcards(name);
    return check;
}

Check checkFilter(QStringView filter)
{
    Check check = checkEncoding(filter);
    if (check.problem != Problem::None)
        return check;
    if (hasSharePrefix(filter)) {
        // [MQTT-4.8.2-1], [MQTT-4.8.2-2]: $share/<ShareName>/<filter>
        const QStringView rest = filter.sliced(SharePrefix.size());
        const qsizetype slash = rest.indexOf(u'/');
        const QStringView group = slash < 0 ? rest : rest.first(slash);
        if (group.isEmpty()) {
            check.problem = Problem::SharedGroupEmpty;
            return check;
        }
        for (const QChar c : group) {
            if (c == u'+' || c == u'#') {
                check.problem = c == u'+' ? Problem::SharedGroupPlus : Problem::SharedGroupHash;
                return check;
            }
        }
        if (slash < 0 || slash + 1 == rest.size()) {
            check.problem = Problem::SharedFilterMissing;
            return check;
        }
        filter = rest.sliced(slash + 1);
    }
    check.problem = checkFilterLevels(filter);
    return check;
}

QString describe(const Check &check, QLatin1String what)
{
    switch (check.problem) {
    case Problem::None:
        return QString();
    case Problem::Empty:
        return QStringLiteral("%1 is empty").arg(what);
    case Problem::UnpairedSurrogate:
        return QStringLiteral("%1 contains an unpaired UTF-16 surrogate, which cannot be "
                              "encoded as UTF-8")
            .arg(what);
    case Problem::Nul:
        return QStringLiteral("%1 contains U+0000").arg(what);
    case Problem::TooLong:
        return QStringLiteral("%1 is %2 bytes; the maximum is %3")
            .arg(what)
            .arg(check.utf8Bytes)
            .arg(MaxTopicBytes);
    case Problem::NameWildcardPlus:
        return QStringLiteral("%1 contains wildcard '+'").arg(what);
    case Problem::NameWildcardHash:
        return QStringLiteral("%1 contains wildcard '#'").arg(what);
    case Problem::HashNotWholeLevel:
        return QStringLiteral("'#' must occupy a whole level of a filter");
    case Problem::HashNotLastLevel:
        return QStringLiteral("'#' must be the last level of a filter");
    case Problem::PlusNotWholeLevel:
        return QStringLiteral("'+' must occupy a whole level of a filter");
    case Problem::SharedGroupEmpty:
        return QStringLiteral("shared subscription group is empty");
    case Problem::SharedGroupPlus:
        return QStringLiteral("shared subscription group contains '+'");
    case Problem::SharedGroupHash:
        return QStringLiteral("shared subscription group contains '#'");
    case Problem::SharedFilterMissing:
        return QStringLiteral("shared subscription has no filter after the group");
    }
    Q_UNREACHABLE();
    return QString();
}

bool isSingleChar(QStringView level, char16_t c)
{
    return level.size() == 1 && level.front() == c;
}

// Matches a valid plain filter against a valid name. Walks both level by level with
// indexes; no allocation.
bool matchLevels(QStringView filter, QStringView name)
{
    // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a name starting with '$'.
    if (name.front() == u'$' && (filter.front() == u'+' || filter.front() == u'#'))
        return false;

    const qsizetype filterSize = filter.size();
    const qsizetype nameSize = name.size();
    qsizetype filterPos = 0;
    qsizetype namePos = 0;
    for (;;) {
        qsizetype filterEnd = filter.indexOf(u'/', filterPos);
        if (filterEnd < 0)
            filterEnd = filterSize;
        const QStringView filterLevel = filter.sliced(filterPos, filterEnd - filterPos);
        // '#' matches the rest of the name, including no level at all (the parent).
        if (isSingleChar(filterLevel, u'#'))
            return true;

        qsizetype nameEnd = name.indexOf(u'/', namePos);
        if (nameEnd < 0)
            nameEnd = nameSize;
        const QStringView nameLevel = name.sliced(namePos, nameEnd - namePos);
        // '+' matches exactly one level, which may be empty.
        if (!isSingleChar(filterLevel, u'+') && filterLevel != nameLevel)
            return false;

        const bool filterDone = filterEnd == filterSize;
        const bool nameDone = nameEnd == nameSize;
        if (filterDone)
            return nameDone;
        if (nameDone) {
            // The name has no more levels: only a trailing "/#" still matches ("a/#" vs "a").
            return filterSize - filterEnd == 2 && filter[filterEnd + 1] == u'#';
        }
        filterPos = filterEnd + 1;
        namePos = nameEnd + 1;
    }
}

} // namespace

bool Topic::isValidName(QStringView topicName)
{
    return checkName(topicName).problem == Problem::None;
}

bool Topic::isValidFilter(QStringView filter)
{
    return checkFilter(filter).problem == Problem::None;
}

QString Topic::nameError(QStringView topicName)
{
    return describe(checkName(topicName), QLatin1String("topic name"));
}

QString Internal::topicNameError(QStringView topicName, qint64 *utf8Bytes)
{
    const Check check = checkName(topicName);
    *utf8Bytes = check.utf8Bytes;
    return describe(check, QLatin1String("topic name"));
}

QString Topic::filterError(QStringView filter)
{
    return describe(checkFilter(filter), QLatin1String("filter"));
}

bool Topic::matches(QStringView filter, QStringView topicName)
{
    if (!isValidFilter(filter) || !isValidName(topicName))
        return false;
    if (hasSharePrefix(filter)) {
        // §4.8.2: $share/<ShareName>/<filter> matches as <filter>. Validity guarantees
        // the '/' after the group and a non-empty filter after it.
        const QStringView rest = filter.sliced(SharePrefix.size());
        filter = rest.sliced(rest.indexOf(u'/') + 1);
    }
    return matchLevels(filter, topicName);
}

bool Topic::isSharedSubscription(QStringView filter)
{
    return hasSharePrefix(filter);
}

QString Topic::sharedGroup(QStringView filter)
{
    if (!hasSharePrefix(filter))
        return QString();
    const QStringView rest = filter.sliced(SharePrefix.size());
    const qsizetype slash = rest.indexOf(u'/');
    return (slash < 0 ? rest : rest.first(slash)).toString();
}

QString Topic::stripSharedPrefix(QStringView filter)
{
    if (!hasSharePrefix(filter))
        return filter.toString();
    const QStringView rest = filter.sliced(SharePrefix.size());
    const qsizetype slash = rest.indexOf(u'/');
    if (slash < 0)
        return QString();
    return rest.sliced(slash + 1).toString();
}

} // namespace QPaho
