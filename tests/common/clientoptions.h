// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The ConnectOptions and SubscribeOptions most suites start from, so that a test only states
// what it changes.
#pragma once

#include "common/brokerfixture.h"

#include <QPaho/QPaho>

#include <QtCore/QString>

namespace QPahoTest {

// uri with that protocol version; with an idPrefix, a fresh client id uniqueId(idPrefix)
// (without one, QPaho picks the client id).
inline QPaho::ConnectOptions optionsFor(
    QPaho::ProtocolVersion version, const QString &uri, const QString &idPrefix = {})
{
    QPaho::ConnectOptions options(uri);
    options.setProtocolVersion(version);
    if (!idPrefix.isEmpty())
        options.setClientId(uniqueId(idPrefix));
    return options;
}

// MQTT 5 to uri (clean start, session expiry 0), client id as for optionsFor().
inline QPaho::ConnectOptions v5Options(const QString &uri, const QString &idPrefix = {})
{
    return optionsFor(QPaho::ProtocolVersion::Mqtt5, uri, idPrefix);
}

inline QPaho::SubscribeOptions subscribeOptions(int qos)
{
    QPaho::SubscribeOptions options;
    options.setQos(qos);
    return options;
}

} // namespace QPahoTest
