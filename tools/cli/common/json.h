// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A small JSON tree that parses and prints exactly like cJSON 1.7 (which mosquitto_sub 2.0.11
// uses for -F %j/%J): same leniency (bytes <= 0x20 are whitespace, numbers via strtod), same
// output (numbers with %1.15g, or %1.17g when that loses precision; only '"', '\' and control
// characters escaped, tabs and newlines in pretty mode). QJsonDocument differs in all of these.
#pragma once

#include <QtCore/QByteArray>

#include <utility>
#include <vector>

namespace QPahoCli {

class JsonValue
{
public:
    enum class Type { Null, False, True, Number, String, Array, Object };

    JsonValue() = default;
    static JsonValue null() { return JsonValue(Type::Null); }
    static JsonValue number(double value);
    // A string, cut at its first NUL byte (cJSON strings are C strings).
    static JsonValue string(const QByteArray &utf8);
    static JsonValue object() { return JsonValue(Type::Object); }
    static JsonValue array() { return JsonValue(Type::Array); }

    Type type() const { return m_type; }
    // Appends a member (objects; duplicate keys are kept, like cJSON) or an element (arrays).
    void append(const QByteArray &key, JsonValue value);
    void append(JsonValue value) { append(QByteArray(), std::move(value)); }
    // Replaces the value of the index-th member or element.
    void replaceChild(int index, JsonValue value)
    {
        m_children.at(size_t(index)).second = std::move(value);
    }

    // cJSON_ParseWithOpts(text, &end, require_null_terminated = true) that must consume all of
    // text: false when text is not one JSON value (plus whitespace) or contains a NUL byte.
    static bool parse(const QByteArray &text, JsonValue *out);
    // cJSON_PrintUnformatted() / cJSON_Print().
    QByteArray print(bool pretty) const;

private:
    explicit JsonValue(Type type) : m_type(type) { }
    void printTo(QByteArray &out, bool pretty, int depth) const;

    Type m_type = Type::Null;
    double m_number = 0;
    QByteArray m_string;
    std::vector<std::pair<QByteArray, JsonValue>> m_children;

    friend class JsonParser;
};

} // namespace QPahoCli
