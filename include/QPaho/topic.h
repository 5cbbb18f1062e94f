// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_TOPIC_H
#define QPAHO_TOPIC_H

#include <QPaho/qpahoglobal.h>

#include <QtCore/QString>
#include <QtCore/QStringView>

namespace QPaho {

/*!
    \class QPaho::Topic
    \brief The Topic class validates MQTT topic names and topic filters and matches
    one against the other.

    Header: `#include <QPaho/Topic>`, CMake: `target_link_libraries(app PRIVATE QPaho::QPaho)`.

    Topic has only static member functions; it cannot be instantiated. All of them are pure
    functions of their arguments.

    All functions are reentrant.

    The rules applied are those of the MQTT 5.0 specification (OASIS Standard, 7 March 2019),
    cited below by their normative statement numbers. MQTT 3.1.1 has the same topic rules
    under other numbers ([MQTT-1.5.3-1], [MQTT-1.5.3-2], [MQTT-4.7.1-1] to [MQTT-4.7.1-3],
    [MQTT-4.7.2-1], [MQTT-4.7.3-1] to [MQTT-4.7.3-3]); shared subscriptions
    (`$share/...`, [MQTT-4.8.2-1], [MQTT-4.8.2-2]) exist only in MQTT 5.0, and this
    class does not check the protocol version.

    Lengths are counted in bytes of the UTF-8 encoding of the string, not in QChars:
    U+00E9 is one QChar and two bytes, U+1F600 is two QChars (a surrogate pair) and four bytes.

    The specification says topics <em>should</em> avoid the control characters U+0001 to U+001F
    and U+007F to U+009F and Unicode non-characters (§1.5.4); that is advice, not a rule,
    so such topics are accepted. Topics starting with `$` are accepted as names and
    filters, although applications should not publish to them (§4.7.2).
*/
class QPAHO_EXPORT Topic
{
public:
    Topic() = delete;

    /*!
        Returns \c true if \a topicName is a valid topic name for a PUBLISH packet (or a Will
        topic), otherwise \c false. Equivalent to `nameError(topicName).isEmpty()`.

        The rules applied, in this order:

        - at least one character long [MQTT-4.7.3-1];
        - no unpaired UTF-16 surrogate, because it cannot be encoded as well-formed
            UTF-8 [MQTT-1.5.4-1];
        - no null character U+0000 [MQTT-1.5.4-2], [MQTT-4.7.3-2];
        - at most 65535 bytes when encoded as UTF-8 [MQTT-4.7.3-3], §1.5.4;
        - no wildcard character `+` or `#` [MQTT-3.3.2-2].

        Empty levels (`"/"`, `"a//b"`) are valid (§4.7.1.1). An empty topic name with a
        Topic Alias (MQTT 5.0 §3.3.2.3.4) is not covered by this function.

        \sa nameError(), isValidFilter()
    */
    [[nodiscard]] static bool isValidName(QStringView topicName);

    /*!
        Returns \c true if \a filter is a valid topic filter for SUBSCRIBE or UNSUBSCRIBE,
        otherwise \c false. Equivalent to `filterError(filter).isEmpty()`.

        The rules applied to the whole filter, in this order:

        - at least one character long [MQTT-4.7.3-1];
        - no unpaired UTF-16 surrogate [MQTT-1.5.4-1];
        - no null character U+0000 [MQTT-1.5.4-2], [MQTT-4.7.3-2];
        - at most 65535 bytes when encoded as UTF-8 [MQTT-4.7.3-3];

        then, if the filter starts with `$share/` (a shared subscription, see
        isSharedSubscription()):

        - the ShareName between `$share/` and the next `/` is at least one character
            long [MQTT-4.8.2-1] and contains neither `+` nor `#` [MQTT-4.8.2-2];
        - the ShareName is followed by `/` and a non-empty topic filter
            [MQTT-4.8.2-2], which must satisfy the level rules below;

        and finally, for the filter (the inner filter of a shared subscription):

        - `#` is alone in its level and that level is the last one [MQTT-4.7.1-1];
        - `+` is alone in its level [MQTT-4.7.1-2].

        The inner filter of a shared subscription is checked as a plain filter: a second
        `$share/` inside it is taken literally.

        \sa filterError(), isValidName()
    */
    [[nodiscard]] static bool isValidFilter(QStringView filter);

    /*!
        Returns an empty string if \a topicName is a valid topic name (see isValidName()),
        otherwise a short English sentence fragment naming the first rule broken, for
        example "topic name is empty", "topic name contains wildcard '+'" or
        "topic name is 70000 bytes; the maximum is 65535".

        The text is meant for logs and error messages, not for parsing.

        \sa isValidName()
    */
    [[nodiscard]] static QString nameError(QStringView topicName);

    /*!
        Returns an empty string if \a filter is a valid topic filter (see isValidFilter()),
        otherwise a short English sentence fragment naming the first rule broken, for
        example "filter is empty", "filter contains U+0000" or
        "'#' must be the last level of a filter".

        The text is meant for logs and error messages, not for parsing.

        \sa isValidFilter()
    */
    [[nodiscard]] static QString filterError(QStringView filter);

    /*!
        Returns \c true if the topic filter \a filter matches the topic name \a topicName,
        otherwise \c false. Returns \c false if \a filter is not a valid filter or
        \a topicName is not a valid name.

        The rules applied:

        - both strings are split into levels at `/`; empty levels are legal and
            significant, so `"a/b"` does not match `"a//b"` (§4.7.1.1);
        - levels are compared character by character, case-sensitively and without any
            normalization [MQTT-4.7.3-4], §4.7.3;
        - `+` matches exactly one level, which may be empty: `"sport/+"` matches
            `"sport/"` but not `"sport"` (§4.7.1.3);
        - `#` matches its parent level and any number of child levels:
            `"sport/#"` matches `"sport"`, `"sport/"` and `"sport/a/b"`, and
            `"#"` matches every name not starting with `$` (§4.7.1.2);
        - a filter whose first character is `+` or `#` does not match a topic name
            starting with `$` [MQTT-4.7.2-1]; `"$SYS/#"` does match `"$SYS/x"`;
        - a shared subscription `$share/<ShareName>/<filter>` matches as `<filter>`
            (§4.8.2), and the `$` rule above applies to `<filter>`.

        This function does not allocate memory.
    */
    [[nodiscard]] static bool matches(QStringView filter, QStringView topicName);

    /*!
        Returns \c true if \a filter starts with `$share/`, the prefix that makes a topic
        filter a shared subscription [MQTT-4.8.2-1], otherwise \c false. The comparison is
        case-sensitive.

        This only looks at the prefix; it does not check that the rest of the filter is
        valid (`"$share//a"` is a shared subscription, and an invalid one). Use
        isValidFilter() for that. A filter that is exactly `"$share"` is an ordinary
        filter.

        \sa sharedGroup(), stripSharedPrefix()
    */
    [[nodiscard]] static bool isSharedSubscription(QStringView filter);

    /*!
        Returns the ShareName of the shared subscription \a filter: the text between
        `$share/` and the next `/`, or up to the end of \a filter if no `/` follows
        (§4.8.2). Returns an empty string if \a filter is not a shared subscription (see
        isSharedSubscription()).

        No validation is done: `sharedGroup("$share/g+/a")` returns `"g+"`.

        \sa isSharedSubscription(), stripSharedPrefix()
    */
    [[nodiscard]] static QString sharedGroup(QStringView filter);

    /*!
        Returns the topic filter inside the shared subscription \a filter: the text after
        `$share/<ShareName>/` (§4.8.2). Returns an empty string if no `/` follows the
        ShareName. Returns \a filter unchanged if it is not a shared subscription (see
        isSharedSubscription()).

        No validation is done: `stripSharedPrefix("$share/g/a/#/b")` returns
        `"a/#/b"`.

        \sa isSharedSubscription(), sharedGroup()
    */
    [[nodiscard]] static QString stripSharedPrefix(QStringView filter);
};

} // namespace QPaho

#endif // QPAHO_TOPIC_H
