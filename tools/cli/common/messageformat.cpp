// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "messageformat.h"

#include "json.h"
#include "options.h"

#include <QPaho/Properties>

#include <QtCore/QHash>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace QPahoCli {

namespace {

using Id = QPaho::Properties::Id;

bool isKnownSpecifier(char c)
{
    return c != '\0' && std::strchr("%ACDEFIlmPpqRSrtjJUxX", c) != nullptr;
}

struct Clock
{
    std::tm local {};
    long nanoseconds = 0;

    static Clock now()
    {
        Clock c;
        timespec ts {};
        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &c.local);
        c.nanoseconds = ts.tv_nsec;
        return c;
    }
    QByteArray strftime(const char *format) const
    {
        char buffer[100];
        const size_t n = std::strftime(buffer, sizeof buffer, format, &local);
        return QByteArray(buffer, qsizetype(n));
    }
};

QByteArray printfInt(int value, char align, char pad, int width)
{
    char buffer[64];
    if (width == 0)
        std::snprintf(buffer, sizeof buffer, "%d", value);
    else if (align == '-')
        std::snprintf(buffer, sizeof buffer, "%-*d", width, value);
    else if (pad == '0')
        std::snprintf(buffer, sizeof buffer, "%0*d", width, value);
    else
        std::snprintf(buffer, sizeof buffer, "%*d", width, value);
    return buffer;
}

// printf("%-*.*s") on a string: precision cuts, width pads with spaces.
QByteArray printfString(QByteArray value, char align, int width, int precision)
{
    const qsizetype nul = value.indexOf('\0');
    if (nul >= 0)
        value.truncate(nul);
    if (precision >= 0 && value.size() > precision)
        value.truncate(precision);
    if (value.size() < width) {
        const QByteArray padding(width - value.size(), ' ');
        value = align == '-' ? value + padding : padding + value;
    }
    return value;
}

// mosquitto's write_payload(), including its quirks: a field width also truncates the payload
// (hex: to half of it), and "-" alignment pads by the (possibly negative) difference.
QByteArray payloadField(const QByteArray &payload, int hex, char align, char pad, int width)
{
    int length = int(payload.size());
    int padLength;
    if (width > 0) {
        if (length > width)
            length = width;
        if (hex > 0) {
            length /= 2;
            padLength = width - length * 2;
        } else {
            padLength = width - length;
        }
    } else {
        padLength = width - length;
    }
    QByteArray out;
    if (align != '-' && padLength > 0)
        out.append(QByteArray(padLength, pad));
    const QByteArray shown = payload.left(length);
    if (hex == 0)
        out.append(shown);
    else if (hex == 1)
        out.append(shown.toHex());
    else
        out.append(shown.toHex().toUpper());
    if (align == '-' && padLength != 0) // printf("%*s", padLength, ""): |padLength| spaces
        out.append(QByteArray(padLength < 0 ? -padLength : padLength, ' '));
    return out;
}

// The properties mosquitto_sub would have been given: QPaho tags each SUBSCRIBE with a
// subscription identifier of its own; those are shown only when the user asked for one.
QPaho::Properties shownProperties(const Config &config, const QPaho::Message &message)
{
    QPaho::Properties properties = message.properties();
    if (!config.subscribeProperties.contains(Id::SubscriptionIdentifier))
        properties.remove(Id::SubscriptionIdentifier);
    return properties;
}

QByteArray isoTimestampWithMicroseconds(const Clock &clock)
{
    // "%Y-%m-%dT%H:%M:%S.000000Z%z" with the microseconds written over the zeros.
    QByteArray text = clock.strftime("%Y-%m-%dT%H:%M:%S.000000Z%z");
    char micro[32];
    std::snprintf(micro, sizeof micro, "%06ld", clock.nanoseconds / 1000);
    text.replace(20, 6, micro);
    return text;
}

// mosquitto_sub's json_print(): escaped (%j) or with the payload parsed as JSON (%J).
bool jsonMessage(const Config &config, const QPaho::Message &message, bool escaped, QByteArray *out)
{
    JsonValue root = JsonValue::object();
    root.append("tst", JsonValue::string(isoTimestampWithMicroseconds(Clock::now())));
    root.append("topic", JsonValue::string(message.topic().toUtf8()));
    root.append("qos", JsonValue::number(message.qos()));
    root.append("retain", JsonValue::number(message.isRetained() ? 1 : 0));
    root.append("payloadlen", JsonValue::number(double(message.payload().size())));
    if (message.qos() > 0)
        root.append("mid", JsonValue::number(message.messageId()));

    const QPaho::Properties properties = shownProperties(config, message);
    if (!properties.isEmpty()) {
        JsonValue list = JsonValue::object();
        JsonValue user = JsonValue::object();
        bool userAdded = false;
        int userIndex = -1;
        int position = 0;
        const QList<Id> ids = properties.ids();
        QHash<Id, int> seen;
        for (const Id id : ids) {
            const QVariantList values = properties.values(id);
            const QVariant value = values.value(seen[id]++);
            switch (id) {
            case Id::PayloadFormatIndicator:
                list.append("payload-format-indicator", JsonValue::number(value.toUInt()));
                break;
            case Id::MessageExpiryInterval:
                list.append("message-expiry-interval", JsonValue::number(value.toUInt()));
                break;
            case Id::ContentType:
                list.append("content-type", JsonValue::string(value.toString().toUtf8()));
                break;
            case Id::ResponseTopic:
                list.append("response-topic", JsonValue::string(value.toString().toUtf8()));
                break;
            case Id::CorrelationData:
                list.append("correlation-data", JsonValue::string(value.toByteArray()));
                break;
            case Id::SubscriptionIdentifier:
                list.append("subscription-identifier", JsonValue::number(value.toUInt()));
                break;
            case Id::TopicAlias:
                list.append("topic-alias", JsonValue::number(value.toUInt()));
                break;
            case Id::UserProperty: {
                const QStringList pair = value.toStringList();
                user.append(pair.value(0).toUtf8(), JsonValue::string(pair.value(1).toUtf8()));
                if (!userAdded) {
                    userAdded = true;
                    userIndex = position;
                    list.append("user-properties", JsonValue::null()); // placeholder
                }
                break;
            }
            default:
                --position;
                break;
            }
            ++position;
        }
        if (userAdded)
            list.replaceChild(userIndex, std::move(user));
        root.append("properties", std::move(list));
    }

    if (escaped) {
        root.append("payload",
            message.payload().isEmpty() ? JsonValue::null() : JsonValue::string(message.payload()));
    } else if (message.payload().isEmpty()) {
        root.append("payload", JsonValue::null());
    } else {
        JsonValue payload;
        if (!JsonValue::parse(message.payload(), &payload))
            return false;
        root.append("payload", std::move(payload));
    }
    out->append(root.print(config.pretty));
    return true;
}

void renderSpecifier(const Config &config, const QPaho::Message &message,
    const QPaho::Properties &properties, char specifier, char align, char pad, int width,
    int precision, QByteArray *out, QByteArray *err)
{
    const auto intProperty = [&](Id id) {
        if (properties.contains(id))
            out->append(printfInt(int(properties.value(id).toUInt()), align, pad, width));
        else
            out->append(QByteArray(width, pad));
    };
    switch (specifier) {
    case '%':
        out->append('%');
        break;
    case 'A':
        intProperty(Id::TopicAlias);
        break;
    case 'C':
        if (properties.contains(Id::ContentType))
            out->append(printfString(properties.contentType()->toUtf8(), align, width, precision));
        else
            out->append(QByteArray(width, ' '));
        break;
    case 'D':
        if (properties.contains(Id::CorrelationData))
            out->append(*properties.correlationData());
        break;
    case 'E':
        intProperty(Id::MessageExpiryInterval);
        break;
    case 'F':
        intProperty(Id::PayloadFormatIndicator);
        break;
    case 'I':
        out->append(printfString(Clock::now().strftime("%FT%T%z"), align, width, precision));
        break;
    case 'j':
        jsonMessage(config, message, true, out);
        break;
    case 'J':
        if (!jsonMessage(config, message, false, out))
            err->append("Error: Message payload is not valid JSON on topic "
                + message.topic().toUtf8() + ".\n");
        break;
    case 'l':
        out->append(printfInt(int(message.payload().size()), align, pad, width));
        break;
    case 'm':
        out->append(printfInt(message.messageId(), align, pad, width));
        break;
    case 'P': {
        const auto user = properties.userProperties();
        for (qsizetype i = 0; i < user.size(); ++i) {
            if (i > 0)
                out->append(' ');
            out->append(user.at(i).first.toUtf8() + ':' + user.at(i).second.toUtf8());
        }
        break;
    }
    case 'p':
        out->append(payloadField(message.payload(), 0, align, pad, width));
        break;
    case 'q':
        out->append(char('0' + message.qos()));
        break;
    case 'R':
        if (properties.contains(Id::ResponseTopic))
            out->append(
                printfString(properties.responseTopic()->toUtf8(), align, width, precision));
        break;
    case 'r':
        out->append(message.isRetained() ? '1' : '0');
        break;
    case 'S':
        if (!properties.subscriptionIdentifiers().isEmpty())
            out->append(printfInt(
                int(properties.subscriptionIdentifiers().constFirst()), align, pad, width));
        else
            out->append(QByteArray(width, pad));
        break;
    case 't':
        out->append(printfString(message.topic().toUtf8(), align, width, precision));
        break;
    case 'U': {
        const Clock clock = Clock::now();
        char nanos[32];
        std::snprintf(nanos, sizeof nanos, ".%09ld", clock.nanoseconds);
        out->append(clock.strftime("%s") + nanos);
        break;
    }
    case 'x':
        out->append(payloadField(message.payload(), 1, align, pad, width));
        break;
    case 'X':
        out->append(payloadField(message.payload(), 2, align, pad, width));
        break;
    default:
        break;
    }
}

// The character a backslash escape of -F stands for (checkFormat() let only these through).
char escapedCharacter(char c)
{
    switch (c) {
    case '0':
        return '\0';
    case 'a':
        return '\a';
    case 'e':
        return '\033';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return '\v';
    default:
        return c; // '\\'
    }
}

// mosquitto_sub's formatted_print().
void renderFormat(
    const Config &config, const QPaho::Message &message, QByteArray *out, QByteArray *err)
{
    const QByteArray &f = config.format;
    const qsizetype len = f.size();
    const QPaho::Properties properties = shownProperties(config, message);
    for (qsizetype i = 0; i < len; ++i) {
        if (f.at(i) == '%') {
            char align = 0;
            char pad = ' ';
            int width = 0;
            int precision = -1;
            if (i < len - 1) {
                ++i;
                if (f.at(i) == '-') {
                    align = '-';
                    if (i < len - 1)
                        ++i;
                }
                if (f.at(i) == '0') {
                    pad = '0';
                    if (i < len - 1)
                        ++i;
                }
                while (i < len - 1 && f.at(i) >= '0' && f.at(i) <= '9') {
                    width = width * 10 + (f.at(i) - '0');
                    ++i;
                }
                if (f.at(i) == '.' && i < len - 1) {
                    ++i;
                    precision = 0;
                    while (i < len - 1 && f.at(i) >= '0' && f.at(i) <= '9') {
                        precision = precision * 10 + (f.at(i) - '0');
                        ++i;
                    }
                }
                if (i < len)
                    renderSpecifier(config, message, properties, f.at(i), align, pad, width,
                        precision, out, err);
            }
        } else if (f.at(i) == '@') {
            if (i < len - 1) {
                ++i;
                if (f.at(i) == '@') {
                    out->append('@');
                } else {
                    const Clock clock = Clock::now();
                    if (f.at(i) == 'N') {
                        char nanos[32];
                        std::snprintf(nanos, sizeof nanos, "%09ld", clock.nanoseconds);
                        out->append(nanos);
                    } else {
                        const char strftimeFormat[3] = { '%', f.at(i), '\0' };
                        out->append(clock.strftime(strftimeFormat));
                    }
                }
            }
        } else if (f.at(i) == '\\') {
            if (i < len - 1) {
                ++i;
                out->append(escapedCharacter(f.at(i)));
            }
        } else {
            out->append(f.at(i));
        }
    }
    if (config.eol)
        out->append('\n');
}

} // namespace

bool checkFormat(const QByteArray &f)
{
    const qsizetype len = f.size();
    const auto fail = [](const QByteArray &text) {
        std::fputs(QByteArray("Error: " + text + "\n").constData(), stderr);
        return false;
    };
    for (qsizetype i = 0; i < len; ++i) {
        if (f.at(i) == '%') {
            if (i == len - 1)
                return fail("Incomplete format specifier.");
            if (f.at(i + 1) == '0' || f.at(i + 1) == '-') {
                ++i;
                if (i == len - 1)
                    return fail("Incomplete format specifier.");
            }
            while (i + 1 < len && f.at(i + 1) >= '0' && f.at(i + 1) <= '9') {
                ++i;
                if (i == len - 1)
                    return fail("Incomplete format specifier.");
            }
            if (i + 1 < len && f.at(i + 1) == '.') {
                ++i;
                if (i == len - 1)
                    return fail("Incomplete format specifier.");
                while (i + 1 < len && f.at(i + 1) >= '0' && f.at(i + 1) <= '9') {
                    ++i;
                    if (i == len - 1)
                        return fail("Incomplete format specifier.");
                }
            }
            if (!isKnownSpecifier(f.at(i + 1)))
                return fail(QByteArray("Invalid format specifier '") + f.at(i + 1) + "'.");
            ++i;
        } else if (f.at(i) == '@') {
            if (i == len - 1)
                return fail("Incomplete format specifier.");
            ++i;
        } else if (f.at(i) == '\\') {
            if (i == len - 1)
                return fail("Incomplete escape specifier.");
            if (std::strchr("\\0aenrtv", f.at(i + 1)) == nullptr || f.at(i + 1) == '\0')
                return fail(QByteArray("Invalid escape specifier '") + f.at(i + 1) + "'.");
            ++i;
        }
    }
    return true;
}

void renderMessage(
    const Config &config, const QPaho::Message &message, QByteArray *out, QByteArray *err)
{
    if (config.formatSet) {
        renderFormat(config, message, out, err);
    } else if (config.verbose) {
        if (!message.payload().isEmpty()) {
            out->append(message.topic().toUtf8() + ' ' + message.payload());
            if (config.eol)
                out->append('\n');
        } else if (config.eol) {
            out->append(message.topic().toUtf8() + " (null)\n");
        }
    } else if (!message.payload().isEmpty()) {
        out->append(message.payload());
        if (config.eol)
            out->append('\n');
    }
}

} // namespace QPahoCli
