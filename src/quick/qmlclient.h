// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_QMLCLIENT_H
#define QPAHO_QMLCLIENT_H

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtQml/QJSValue>
#include <QtQml/qqmlregistration.h>

namespace QPaho {

class Client;

/*!
    \qmltype MqttClient
    \inqmlmodule QPaho
    \brief An MQTT connection for QML, over QPaho::Client.

    \code
    import QPaho
    MqttClient {
        id: mqtt
        url: "tcp://127.0.0.1:1883"
        Component.onCompleted: connectToHost()
    }
    \endcode

    Connection settings are read by connectToHost(). Every failure (bad url, refused
    credentials, lost connection, failed publish) sets errorString and emits errorOccurred().
*/
class QmlClient : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(MqttClient)
    Q_PROPERTY(QString url READ url WRITE setUrl NOTIFY urlChanged)
    Q_PROPERTY(QString clientId READ clientId WRITE setClientId NOTIFY clientIdChanged)
    Q_PROPERTY(QString username READ username WRITE setUsername NOTIFY usernameChanged)
    Q_PROPERTY(QString password READ password WRITE setPassword NOTIFY passwordChanged)
    Q_PROPERTY(int protocolVersion READ protocolVersion WRITE setProtocolVersion NOTIFY
            protocolVersionChanged)
    Q_PROPERTY(bool cleanSession READ cleanSession WRITE setCleanSession NOTIFY cleanSessionChanged)
    Q_PROPERTY(int keepAlive READ keepAlive WRITE setKeepAlive NOTIFY keepAliveChanged)
    Q_PROPERTY(
        bool autoReconnect READ autoReconnect WRITE setAutoReconnect NOTIFY autoReconnectChanged)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)

public:
    /*! The connection state (QPaho::Client::State). */
    enum State {
        Disconnected, //!< No connection and no attempt under way.
        Connecting, //!< connectToHost() was called; waiting for CONNACK.
        Connected, //!< Connected.
        Reconnecting, //!< The connection was lost; autoReconnect is retrying.
        Disconnecting //!< disconnectFromHost() was called.
    };
    Q_ENUM(State)

    /*! A disconnected client owned by \a parent. */
    explicit QmlClient(QObject *parent = nullptr);
    ~QmlClient() override;

    /*! The broker: \c{"tcp://host:1883"}, \c{"ssl://..."}, \c{"ws://..."} or a host name. */
    QString url() const { return m_url; }
    /*! Sets url(); used by the next connectToHost(). */
    void setUrl(const QString &url);
    /*! The client id (empty: one is generated at connect, and shown here). */
    QString clientId() const { return m_clientId; }
    /*! Sets clientId(). */
    void setClientId(const QString &clientId);
    /*! The user name (empty: none). */
    QString username() const { return m_username; }
    /*! Sets username(). */
    void setUsername(const QString &username);
    /*! The password (UTF-8; empty: none). */
    QString password() const { return m_password; }
    /*! Sets password(). */
    void setPassword(const QString &password);
    /*! 4 for MQTT 3.1.1 (the default) or 5 for MQTT 5. */
    int protocolVersion() const { return m_protocolVersion; }
    /*! Sets protocolVersion(); another value fails the next connectToHost(). */
    void setProtocolVersion(int version);
    /*! Clean session (MQTT 3.1.1) / clean start (MQTT 5); default true. */
    bool cleanSession() const { return m_cleanSession; }
    /*! Sets cleanSession(). */
    void setCleanSession(bool clean);
    /*! The keep-alive interval in seconds (default 60). */
    int keepAlive() const { return m_keepAlive; }
    /*! Sets keepAlive(). */
    void setKeepAlive(int seconds);
    /*! Whether a lost connection is re-established automatically (default false). */
    bool autoReconnect() const { return m_autoReconnect; }
    /*! Sets autoReconnect(). */
    void setAutoReconnect(bool enable);
    /*! The connection state. */
    State state() const;
    /*! The last error, empty until one happened; cleared by a successful connect. */
    QString errorString() const { return m_errorString; }

    /*! Connects with the current settings. A failure emits errorOccurred(). */
    Q_INVOKABLE void connectToHost();
    /*! Disconnects (or stops reconnecting). */
    Q_INVOKABLE void disconnectFromHost();
    /*!
        Publishes \a payload (sent as UTF-8) to \a topic. When the QoS flow completes,
        \a callback (a function, optional) receives \c{{ok, errorString, reasonCode}}; a
        failure also emits errorOccurred().
    */
    Q_INVOKABLE void publish(const QString &topic, const QString &payload, int qos = 0,
        bool retain = false, const QJSValue &callback = QJSValue());

    /*! The C++ client underneath (for C++ code and MqttSubscription). */
    Client *client() const { return m_client; }

Q_SIGNALS:
    /*! A request or the connection failed; \a errorString says why. */
    void errorOccurred(const QString &errorString);
    /*! url() changed. */
    void urlChanged();
    /*! clientId() changed. */
    void clientIdChanged();
    /*! username() changed. */
    void usernameChanged();
    /*! password() changed. */
    void passwordChanged();
    /*! protocolVersion() changed. */
    void protocolVersionChanged();
    /*! cleanSession() changed. */
    void cleanSessionChanged();
    /*! keepAlive() changed. */
    void keepAliveChanged();
    /*! autoReconnect() changed. */
    void autoReconnectChanged();
    /*! state() changed. */
    void stateChanged();
    /*! errorString() changed. */
    void errorStringChanged();

private:
    void reportError(const QString &text);
    template<typename R>
    void reportFailureOf(QFuture<R> future);
    void clearError();

    Client *m_client;
    QString m_url;
    QString m_clientId;
    QString m_username;
    QString m_password;
    int m_protocolVersion = 4;
    bool m_cleanSession = true;
    int m_keepAlive = 60;
    bool m_autoReconnect = false;
    QString m_errorString;
};

} // namespace QPaho

#endif // QPAHO_QMLCLIENT_H
