// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// -D / --property: "command name value" (or "command user-property key value"), checked
// against the packets each MQTT 5 property may appear in, like mosquitto's cfg_parse_property().
#pragma once

#include <QtCore/QByteArrayList>

namespace QPahoCli {

struct Config;

// Parses the property whose command word is args[*index]; on success *index points at the
// last word consumed. Errors are written to stderr; returns false on error.
bool parsePropertyArgument(Config &config, const QByteArrayList &args, int *index);

// Whole-list checks mosquitto makes after parsing (duplicates, values the protocol forbids).
bool checkPropertyLists(const Config &config);

} // namespace QPahoCli
