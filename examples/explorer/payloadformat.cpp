// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "payloadformat.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonValue>
#include <QtCore/QStringDecoder>

#include <cmath>

namespace {
// The payload as UTF-8 text, or nothing when it is not text (invalid UTF-8 or control bytes
// other than tab and line breaks).
std::optional<QString> asText(const QByteArray &payload)
{
    for (const char c : payload) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\n' && c != '\r' && c != '\t') || byte == 0x7f)
            return std::nullopt;
    }
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder(payload);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

bool isJsonContainer(const QByteArray &payload, QJsonDocument *document)
{
    const QByteArray trimmed = payload.trimmed();
    if (!trimmed.startsWith('{') && !trimmed.startsWith('['))
        return false; // cheap pre-check: most payloads are not JSON
    QJsonParseError error;
    *document = QJsonDocument::fromJson(trimmed, &error);
    return error.error == QJsonParseError::NoError;
}

QString hexDump(const QByteArray &payload)
{
    QString out;
    for (qsizetype offset = 0; offset < payload.size(); offset += 16) {
        const QByteArray line = payload.mid(offset, 16);
        out += QStringLiteral("%1  ").arg(offset, 6, 16, QLatin1Char('0'));
        for (int i = 0; i < 16; ++i) {
            out += i < line.size() ? QStringLiteral("%1 ").arg(
                       static_cast<unsigned char>(line[i]), 2, 16, QLatin1Char('0'))
                                   : QStringLiteral("   ");
        }
        out += u' ';
        for (const char c : line)
            out += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
        out += u'\n';
    }
    return out;
}
} // namespace

PayloadFormat detectPayloadFormat(const QByteArray &payload)
{
    QJsonDocument document;
    if (isJsonContainer(payload, &document))
        return PayloadFormat::Json;
    return asText(payload) ? PayloadFormat::Text : PayloadFormat::Hex;
}

QString formatPayload(const QByteArray &payload, PayloadFormat format)
{
    if (format == PayloadFormat::Auto)
        format = detectPayloadFormat(payload);
    switch (format) {
    case PayloadFormat::Json: {
        QJsonDocument document;
        if (isJsonContainer(payload, &document))
            return QString::fromUtf8(document.toJson(QJsonDocument::Indented)).trimmed();
        return QString::fromUtf8(payload);
    }
    case PayloadFormat::Hex:
        return hexDump(payload);
    case PayloadFormat::Auto:
    case PayloadFormat::Text:
        break;
    }
    return QString::fromUtf8(payload);
}

QString payloadPreview(const QByteArray &payload, int maxChars)
{
    const QByteArray head = payload.left(qsizetype(maxChars) * 4); // bytes for maxChars chars
    std::optional<QString> text = asText(head);
    // left() may have cut a multi-byte character in half: retry without its first bytes.
    for (int cut = 1; !text && head.size() < payload.size() && cut <= 3; ++cut)
        text = asText(head.chopped(cut));
    if (!text) {
        const QByteArray bytes = payload.left(maxChars / 3);
        return QStringLiteral("0x ") + QString::fromLatin1(bytes.toHex(' '))
            + (bytes.size() < payload.size() ? QStringLiteral(" …") : QString());
    }
    QString line = text->simplified();
    if (line.size() > maxChars || head.size() < payload.size())
        line = line.left(maxChars) + u'…';
    return line;
}

std::optional<double> numericValue(const QByteArray &payload)
{
    if (payload.isEmpty() || payload.size() > 64)
        return std::nullopt;
    bool ok = false;
    const double value = payload.trimmed().toDouble(&ok);
    if (ok && std::isfinite(value))
        return value;
    return std::nullopt;
}
