// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The endpoint TCP_NODELAY may be applied to (see nodelaytarget_p.h).
#include "paho/nodelaytarget_p.h"

#include "paho/nodelay_p.h"

#include <QtCore/QObject>
#include <QtCore/QUrl>
#include <QtNetwork/QHostInfo>

namespace QPaho::Internal {

namespace {

constexpr quint16 kPahoDefaultProxyPort = 8080; // paho's PROXY_DEFAULT_PORT

std::optional<NoDelayTarget> proxyTarget(const QString &proxy)
{
    // paho accepts "http://[user:password@]host[:port]" and the same without a scheme.
    const QUrl url = QUrl::fromUserInput(proxy);
    if (!url.isValid() || url.host().isEmpty())
        return std::nullopt;
    const int port = url.port(kPahoDefaultProxyPort);
    if (port <= 0 || port > 65535)
        return std::nullopt;
    return NoDelayTarget { url.host(), quint16(port) };
}

} // namespace

std::optional<NoDelayTarget> NoDelayTarget::forConnect(
    const QString &serverUri, const QString &httpProxy, const QString &httpsProxy)
{
    const bool tls = serverUri.startsWith(QLatin1String("ssl"))
        || serverUri.startsWith(QLatin1String("mqtts"))
        || serverUri.startsWith(QLatin1String("wss"));
    const QString &proxy = tls && !httpsProxy.isEmpty() ? httpsProxy : httpProxy;
    if (!proxy.isEmpty())
        return proxyTarget(proxy);
    const auto port = peerPortFromServerUri(serverUri);
    if (!port)
        return std::nullopt;
    QString withScheme = serverUri;
    if (!withScheme.contains(QLatin1String("://")))
        withScheme.prepend(QLatin1String("tcp://"));
    const QString host = QUrl(withScheme).host();
    if (host.isEmpty())
        return std::nullopt;
    return NoDelayTarget { host, *port };
}

void NoDelayTarget::resolve(QObject *context,
    std::function<void(quint16 port, const QList<QHostAddress> &addresses)> apply) const
{
    QHostAddress literal;
    if (literal.setAddress(host)) {
        apply(port, { literal });
        return;
    }
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) {
        apply(port,
            { QHostAddress(QHostAddress::LocalHost), QHostAddress(QHostAddress::LocalHostIPv6) });
        return;
    }
    const quint16 targetPort = port;
    QHostInfo::lookupHost(
        host, context, [targetPort, apply = std::move(apply)](const QHostInfo &info) {
            if (info.error() == QHostInfo::NoError && !info.addresses().isEmpty())
                apply(targetPort, info.addresses());
        });
}

} // namespace QPaho::Internal
