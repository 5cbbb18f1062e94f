// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "qmlclient.h"

#include <QPaho/Client>
#include <QPaho/ConnectOptions>

#include <QtCore/QPointer>
#include <QtQml/QJSEngine>

namespace QPaho {

namespace {

// Assigns value to member and emits changed() when it differs.
template<typename T, typename Signal>
void assign(QmlClient *object, T &member, const T &value, Signal changed)
{
    if (member == value)
        return;
    member = value;
    Q_EMIT(object->*changed)();
}

} // namespace

QmlClient::QmlClient(QObject *parent) : QObject(parent), m_client(new Client(this))
{
    connect(m_client, &Client::stateChanged, this, &QmlClient::stateChanged);
    connect(m_client, &Client::clientIdChanged, this, [this](const QString &id) {
        // Show the id in use: a generated one, or the one the broker assigned.
        if (!id.isEmpty())
            assign(this, m_clientId, id, &QmlClient::clientIdChanged);
    });
    connect(m_client, &Client::connectionLost, this, [this](const QString &cause) {
        reportError(QStringLiteral("connection lost: %1").arg(cause));
    });
    connect(m_client, &Client::disconnected, this, [this](const Result &reason) {
        if (!reason.isOk())
            reportError(reason.errorString());
    });
    connect(m_client, &Client::connected, this, &QmlClient::clearError);
}

QmlClient::~QmlClient() = default;

void QmlClient::setUrl(const QString &url)
{
    assign(this, m_url, url, &QmlClient::urlChanged);
}

void QmlClient::setClientId(const QString &clientId)
{
    assign(this, m_clientId, clientId, &QmlClient::clientIdChanged);
}

void QmlClient::setUsername(const QString &username)
{
    assign(this, m_username, username, &QmlClient::usernameChanged);
}

void QmlClient::setPassword(const QString &password)
{
    assign(this, m_password, password, &QmlClient::passwordChanged);
}

void QmlClient::setProtocolVersion(int version)
{
    assign(this, m_protocolVersion, version, &QmlClient::protocolVersionChanged);
}

void QmlClient::setCleanSession(bool clean)
{
    assign(this, m_cleanSession, clean, &QmlClient::cleanSessionChanged);
}

void QmlClient::setKeepAlive(int seconds)
{
    assign(this, m_keepAlive, seconds, &QmlClient::keepAliveChanged);
}

void QmlClient::setAutoReconnect(bool enable)
{
    assign(this, m_autoReconnect, enable, &QmlClient::autoReconnectChanged);
}

QmlClient::State QmlClient::state() const
{
    return State(int(m_client->state()));
}

void QmlClient::connectToHost()
{
    if (m_protocolVersion != 4 && m_protocolVersion != 5) {
        reportError(QStringLiteral("protocolVersion must be 4 (MQTT 3.1.1) or 5 (MQTT 5), not %1")
                        .arg(m_protocolVersion));
        return;
    }
    if (m_url.isEmpty()) {
        reportError(QStringLiteral("no url given"));
        return;
    }
    ConnectOptions options(m_url);
    options.setClientId(m_clientId);
    options.setUsername(m_username);
    options.setPassword(m_password.toUtf8());
    options.setProtocolVersion(ProtocolVersion(m_protocolVersion));
    options.setCleanSession(m_cleanSession);
    options.setKeepAliveInterval(m_keepAlive);
    options.setAutomaticReconnect(m_autoReconnect);
    reportFailureOf(m_client->connectToHost(options));
}

void QmlClient::disconnectFromHost()
{
    reportFailureOf(m_client->disconnectFromHost());
}

// Continuations use the Client as their context: it finishes every future before it dies, even
// while this object is being destroyed (Qt 6.4 asserts on a continuation whose context is gone).
template<typename R>
void QmlClient::reportFailureOf(QFuture<R> future)
{
    QPointer<QmlClient> self(this);
    future.then(m_client, [self](const R &result) {
        if (self && !result.isOk() && result.error() != Error::ClientDestroyed)
            self->reportError(result.errorString());
    });
}

void QmlClient::publish(
    const QString &topic, const QString &payload, int qos, bool retain, const QJSValue &callback)
{
    QPointer<QmlClient> self(this);
    m_client->publish(topic, payload.toUtf8(), qos, retain)
        .then(m_client, [self, callback](const PublishResult &result) {
            if (!self || result.error() == Error::ClientDestroyed)
                return;
            if (!result.isOk())
                self->reportError(result.errorString());
            QJSEngine *engine = qjsEngine(self);
            if (!callback.isCallable() || !engine)
                return;
            QJSValue outcome = engine->newObject();
            outcome.setProperty(QStringLiteral("ok"), result.isOk());
            outcome.setProperty(QStringLiteral("errorString"), result.errorString());
            outcome.setProperty(QStringLiteral("reasonCode"), result.reasonCode());
            QJSValue(callback).call({ outcome });
        });
}

void QmlClient::reportError(const QString &text)
{
    assign(this, m_errorString, text, &QmlClient::errorStringChanged);
    Q_EMIT errorOccurred(text);
}

void QmlClient::clearError()
{
    assign(this, m_errorString, QString(), &QmlClient::errorStringChanged);
}

} // namespace QPaho
