// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_NODELAYTARGET_P_H
#define QPAHO_NODELAYTARGET_P_H

// Which address and port the TCP_NODELAY search must match: the broker's, or the configured HTTP(S)
// proxy's, resolved off the owner thread when it is a name.

#include <QtCore/QString>
#include <QtCore/qglobal.h>
#include <QtNetwork/QHostAddress>

#include <functional>
#include <optional>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace QPaho::Internal {

// The endpoint QPaho's socket for one connect attempt is connected to, so that TCP_NODELAY
// (NoDelayTracker) touches that socket and no other one the application opened meanwhile:
// the broker's host and port from the server URI, or, when paho goes through an HTTP(S) proxy
// (paho 1.3: https_proxy for ssl:// and wss://, else http_proxy; default proxy port 8080), the
// proxy's. Both the address and the port must match; an address is never left out.
struct NoDelayTarget
{
    QString host;
    quint16 port = 0;

    // std::nullopt when the URI (or the proxy URL) names no TCP endpoint.
    static std::optional<NoDelayTarget> forConnect(
        const QString &serverUri, const QString &httpProxy, const QString &httpsProxy);

    // Calls `apply` with the port and the host's addresses on `context`'s thread: at once for
    // an IP literal or "localhost", after an asynchronous lookup (QHostInfo, never blocking the
    // caller) for other names. Not called when `context` is destroyed first or the name does
    // not resolve (then nothing gets TCP_NODELAY).
    void resolve(QObject *context,
        std::function<void(quint16 port, const QList<QHostAddress> &addresses)> apply) const;
};

} // namespace QPaho::Internal

#endif // QPAHO_NODELAYTARGET_P_H
