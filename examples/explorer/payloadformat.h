// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// How the explorer shows a payload: pretty JSON, text or a hex dump, and the number in it.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QString>

#include <optional>

/*! How to show a payload. Auto picks JSON, then text, then hex (see detectPayloadFormat()). */
enum class PayloadFormat { Auto, Json, Text, Hex };

/*! Json for an object or array, Text for UTF-8 without control characters, else Hex. */
PayloadFormat detectPayloadFormat(const QByteArray &payload);

/*!
    \a payload as \a format: indented JSON, the UTF-8 text, or a hex dump with 16 bytes and their
    printable ASCII per line. Json falls back to text when the payload is not JSON.
*/
QString formatPayload(const QByteArray &payload, PayloadFormat format);

/*! One line for a table cell: the text (or "0x..." for binary) cut at \a maxChars. */
QString payloadPreview(const QByteArray &payload, int maxChars = 80);

/*! The number a payload holds ("21.5", " 3 ", a JSON number), or nothing. */
std::optional<double> numericValue(const QByteArray &payload);
