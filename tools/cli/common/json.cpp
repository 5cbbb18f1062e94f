// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "json.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace QPahoCli {

JsonValue JsonValue::number(double value)
{
    JsonValue v(Type::Number);
    v.m_number = value;
    return v;
}

JsonValue JsonValue::string(const QByteArray &utf8)
{
    JsonValue v(Type::String);
    const qsizetype nul = utf8.indexOf('\0');
    v.m_string = nul < 0 ? utf8 : utf8.left(nul);
    return v;
}

void JsonValue::append(const QByteArray &key, JsonValue value)
{
    m_children.emplace_back(key, std::move(value));
}

// The parser: cJSON's rules, including its leniencies.
class JsonParser
{
public:
    explicit JsonParser(const QByteArray &text) : m_text(text) { }

    bool parseDocument(JsonValue *out)
    {
        if (m_text.startsWith("\xEF\xBB\xBF"))
            m_pos = 3;
        skipWhitespace();
        if (!parseValue(out, 0))
            return false;
        skipWhitespace();
        return m_pos == m_text.size();
    }

private:
    static constexpr int NestingLimit = 1000;

    bool atEnd() const { return m_pos >= m_text.size(); }
    unsigned char current() const { return static_cast<unsigned char>(m_text.at(m_pos)); }
    void skipWhitespace()
    {
        while (!atEnd() && current() <= 32)
            ++m_pos;
    }
    bool startsWithHere(const char *literal) const
    {
        return m_text.size() - m_pos >= qsizetype(std::strlen(literal))
            && std::strncmp(m_text.constData() + m_pos, literal, std::strlen(literal)) == 0;
    }

    bool parseValue(JsonValue *out, int depth)
    {
        if (atEnd())
            return false;
        if (startsWithHere("null")) {
            *out = JsonValue::null();
            m_pos += 4;
            return true;
        }
        if (startsWithHere("false")) {
            *out = JsonValue(JsonValue::Type::False);
            m_pos += 5;
            return true;
        }
        if (startsWithHere("true")) {
            *out = JsonValue(JsonValue::Type::True);
            m_pos += 4;
            return true;
        }
        const char c = m_text.at(m_pos);
        if (c == '"') {
            *out = JsonValue(JsonValue::Type::String);
            return parseString(&out->m_string);
        }
        if (c == '-' || (c >= '0' && c <= '9'))
            return parseNumber(out);
        if (c == '[')
            return parseContainer(out, depth, JsonValue::Type::Array, ']');
        if (c == '{')
            return parseContainer(out, depth, JsonValue::Type::Object, '}');
        return false;
    }

    bool parseNumber(JsonValue *out)
    {
        // cJSON copies at most 63 characters of [0-9+-eE.] and hands them to strtod().
        char buffer[64];
        int length = 0;
        while (length < 63 && m_pos + length < m_text.size()
            && std::strchr("0123456789+-eE.", m_text.at(m_pos + length)) != nullptr
            && m_text.at(m_pos + length) != '\0') {
            buffer[length] = m_text.at(m_pos + length);
            ++length;
        }
        buffer[length] = '\0';
        char *end = nullptr;
        const double number = std::strtod(buffer, &end);
        if (end == buffer)
            return false;
        *out = JsonValue::number(number);
        m_pos += end - buffer;
        return true;
    }

    static int hexValue(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }
    bool readHex4(qsizetype at, quint32 *value) const
    {
        if (at + 4 > m_text.size())
            return false;
        quint32 v = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hexValue(m_text.at(at + i));
            if (h < 0)
                return false;
            v = (v << 4) | quint32(h);
        }
        *value = v;
        return true;
    }
    static void appendUtf8(QByteArray *out, quint32 codePoint)
    {
        if (codePoint < 0x80) {
            out->append(char(codePoint));
        } else if (codePoint < 0x800) {
            out->append(char(0xC0 | (codePoint >> 6)));
            out->append(char(0x80 | (codePoint & 0x3F)));
        } else if (codePoint < 0x10000) {
            out->append(char(0xE0 | (codePoint >> 12)));
            out->append(char(0x80 | ((codePoint >> 6) & 0x3F)));
            out->append(char(0x80 | (codePoint & 0x3F)));
        } else {
            out->append(char(0xF0 | (codePoint >> 18)));
            out->append(char(0x80 | ((codePoint >> 12) & 0x3F)));
            out->append(char(0x80 | ((codePoint >> 6) & 0x3F)));
            out->append(char(0x80 | (codePoint & 0x3F)));
        }
    }

    bool parseString(QByteArray *out)
    {
        qsizetype p = m_pos + 1;
        QByteArray result;
        while (true) {
            if (p >= m_text.size())
                return false;
            const char c = m_text.at(p);
            if (c == '"')
                break;
            if (c != '\\') {
                result.append(c);
                ++p;
                continue;
            }
            if (p + 1 >= m_text.size())
                return false;
            switch (m_text.at(p + 1)) {
            case 'b':
                result.append('\b');
                break;
            case 'f':
                result.append('\f');
                break;
            case 'n':
                result.append('\n');
                break;
            case 'r':
                result.append('\r');
                break;
            case 't':
                result.append('\t');
                break;
            case '"':
            case '\\':
            case '/':
                result.append(m_text.at(p + 1));
                break;
            case 'u': {
                quint32 first;
                if (!readHex4(p + 2, &first) || (first >= 0xDC00 && first <= 0xDFFF))
                    return false;
                quint32 codePoint = first;
                qsizetype consumed = 6;
                if (first >= 0xD800 && first <= 0xDBFF) {
                    quint32 second;
                    if (p + 12 > m_text.size() || m_text.at(p + 6) != '\\'
                        || m_text.at(p + 7) != 'u' || !readHex4(p + 8, &second) || second < 0xDC00
                        || second > 0xDFFF)
                        return false;
                    codePoint = 0x10000 + (((first & 0x3FF) << 10) | (second & 0x3FF));
                    consumed = 12;
                }
                appendUtf8(&result, codePoint);
                p += consumed;
                continue;
            }
            default:
                return false;
            }
            p += 2;
        }
        *out = result;
        m_pos = p + 1;
        return true;
    }

    bool parseContainer(JsonValue *out, int depth, JsonValue::Type type, char close)
    {
        if (depth >= NestingLimit)
            return false;
        *out = JsonValue(type);
        ++m_pos;
        skipWhitespace();
        if (!atEnd() && m_text.at(m_pos) == close) {
            ++m_pos;
            return true;
        }
        while (true) {
            skipWhitespace();
            QByteArray key;
            if (type == JsonValue::Type::Object) {
                if (atEnd() || m_text.at(m_pos) != '"' || !parseString(&key))
                    return false;
                skipWhitespace();
                if (atEnd() || m_text.at(m_pos) != ':')
                    return false;
                ++m_pos;
                skipWhitespace();
            }
            JsonValue child;
            if (!parseValue(&child, depth + 1))
                return false;
            out->m_children.emplace_back(key, std::move(child));
            skipWhitespace();
            if (!atEnd() && m_text.at(m_pos) == ',') {
                ++m_pos;
                continue;
            }
            break;
        }
        if (atEnd() || m_text.at(m_pos) != close)
            return false;
        ++m_pos;
        return true;
    }

    const QByteArray &m_text;
    qsizetype m_pos = 0;
};

bool JsonValue::parse(const QByteArray &text, JsonValue *out)
{
    if (text.contains('\0'))
        return false; // cJSON stops at the NUL, so it cannot have consumed the whole payload
    return JsonParser(text).parseDocument(out);
}

namespace {

void printString(QByteArray &out, const QByteArray &s)
{
    out.append('"');
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default:
            if (c < 32) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out.append(escaped);
            } else {
                out.append(ch);
            }
        }
    }
    out.append('"');
}

void printNumber(QByteArray &out, double d)
{
    // cJSON 1.7.15: 15 significant digits, or 17 when 15 do not read back as the same double
    // (so -0 stays "-0" and 1e300 is "1e+300").
    char buffer[32];
    if (std::isnan(d) || std::isinf(d)) {
        std::snprintf(buffer, sizeof buffer, "null");
    } else {
        std::snprintf(buffer, sizeof buffer, "%1.15g", d);
        double test = 0;
        if (std::sscanf(buffer, "%lg", &test) != 1
            || !(std::fabs(test - d) <= std::fmax(std::fabs(test), std::fabs(d)) * DBL_EPSILON))
            std::snprintf(buffer, sizeof buffer, "%1.17g", d);
    }
    out.append(buffer);
}

} // namespace

void JsonValue::printTo(QByteArray &out, bool pretty, int depth) const
{
    switch (m_type) {
    case Type::Null:
        out.append("null");
        return;
    case Type::False:
        out.append("false");
        return;
    case Type::True:
        out.append("true");
        return;
    case Type::Number:
        printNumber(out, m_number);
        return;
    case Type::String:
        printString(out, m_string);
        return;
    case Type::Array:
        out.append('[');
        for (size_t i = 0; i < m_children.size(); ++i) {
            if (i > 0)
                out.append(pretty ? ", " : ",");
            m_children[i].second.printTo(out, pretty, depth + 1);
        }
        out.append(']');
        return;
    case Type::Object:
        out.append(pretty ? "{\n" : "{");
        for (size_t i = 0; i < m_children.size(); ++i) {
            if (pretty)
                out.append(QByteArray(depth + 1, '\t'));
            printString(out, m_children[i].first);
            out.append(pretty ? ":\t" : ":");
            m_children[i].second.printTo(out, pretty, depth + 1);
            if (i + 1 < m_children.size())
                out.append(',');
            if (pretty)
                out.append('\n');
        }
        if (pretty)
            out.append(QByteArray(depth, '\t'));
        out.append('}');
        return;
    }
}

QByteArray JsonValue::print(bool pretty) const
{
    QByteArray out;
    printTo(out, pretty, 0);
    return out;
}

} // namespace QPahoCli
