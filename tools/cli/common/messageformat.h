// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// How qpaho-sub prints a received message: the payload alone, "topic payload" with -v, or the
// -F format, byte for byte as mosquitto_sub 2.0.11 prints it.
#pragma once

#include <QPaho/Message>

#include <QtCore/QByteArray>

namespace QPahoCli {

struct Config;

// mosquitto's check of a -F format string (incomplete or unknown specifiers, bad escapes).
// Prints "Error: ..." on stderr and returns false when the format is invalid.
bool checkFormat(const QByteArray &format);

// Appends to *out what mosquitto_sub writes to stdout for `message` (the message's properties
// as the broker sent them), and to *err the error lines it would print (e.g. %J on a payload
// that is not JSON). Output is empty when nothing is printed (an empty payload without -v/-F).
void renderMessage(
    const Config &config, const QPaho::Message &message, QByteArray *out, QByteArray *err);

} // namespace QPahoCli
