// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_CONNECTOPTIONS_H
#define QPAHO_CONNECTOPTIONS_H

#include <QPaho/properties.h>
#include <QPaho/qpahoglobal.h>
#include <QPaho/ssloptions.h>
#include <QPaho/willoptions.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace QPaho {

class ConnectOptionsData;

/*!
    \class QPaho::ConnectOptions
    \brief Everything Client::connectToHost() needs: servers, session, will, TLS,
    reconnect, buffering and flow control.

    Header: `<QPaho/ConnectOptions>`. A value type (copy on write) handed to
    connectToHost(); changing it afterwards does not affect a running connection.
    Times are in milliseconds unless the name says otherwise.

    Server URIs: `tcp://host:port`, `mqtt://` (same as tcp), `ssl://` and
    `mqtts://` (TLS), `ws://host:port/path` and `wss://`. A bare host means
    `tcp://host:1883`; `host:port` means tcp too. Several URIs form a failover
    list tried in order.
*/
class QPAHO_EXPORT ConnectOptions
{
public:
    /*! Default options: MQTT 3.1.1, clean session, keep-alive 60 s, no reconnect. */
    ConnectOptions();
    /*! Default options for the server \a hostOrUri. */
    explicit ConnectOptions(const QString &hostOrUri);
    /*! Copy constructor. */
    ConnectOptions(const ConnectOptions &other);
    /*! Copy assignment. */
    ConnectOptions &operator=(const ConnectOptions &other);
    /*! Destructor. */
    ~ConnectOptions();

    /*! Preset: MQTT 3.1.1 to \a hostOrUri. */
    static ConnectOptions v3(const QString &hostOrUri = {});
    /*! Preset: MQTT 5 to \a hostOrUri (clean start, session expiry 0). */
    static ConnectOptions v5(const QString &hostOrUri = {});

    /*! The server URIs, normalized (tcp://host:port form). */
    QStringList serverUris() const;
    /*! Sets a single server. */
    void setServerUri(const QString &hostOrUri);
    /*! Sets a failover list of servers, tried in order. */
    void setServerUris(const QStringList &hostsOrUris);
    /*!
        Normalizes \a hostOrUri: a bare host becomes `tcp://host:1883`, `mqtt://`
        becomes `tcp://`, a missing port gets the scheme's default (1883, 8883, 80, 443).
        Returns an empty string for an unsupported scheme or an empty host.
    */
    static QString normalizeUri(const QString &hostOrUri);

    /*! Client identifier; empty means a random "qpaho-..." id is generated. */
    QString clientId() const;
    /*! Sets the client identifier. */
    void setClientId(const QString &clientId);
    /*! User name. */
    QString username() const;
    /*! Sets the user name. */
    void setUsername(const QString &username);
    /*! Password (binary allowed; never logged). */
    QByteArray password() const;
    /*! Sets the password. */
    void setPassword(const QByteArray &password);

    /*! Protocol version (default MQTT 3.1.1). */
    ProtocolVersion protocolVersion() const;
    /*! Sets the protocol version. */
    void setProtocolVersion(ProtocolVersion version);
    /*! Keep-alive interval in seconds (default 60; 0 disables). */
    int keepAliveInterval() const;
    /*! Sets the keep-alive interval in seconds. */
    void setKeepAliveInterval(int seconds);
    /*! Clean session (3.1.1) / clean start (5); default true. */
    bool cleanSession() const;
    /*! Sets clean session / clean start. */
    void setCleanSession(bool clean);
    /*! MQTT 5 session expiry interval in seconds (default 0: ends with the connection). */
    quint32 sessionExpiryInterval() const;
    /*! Sets the MQTT 5 session expiry interval. */
    void setSessionExpiryInterval(quint32 seconds);
    /*! Timeout of one connection attempt in ms (default 30000). */
    int connectTimeout() const;
    /*! Sets the connection attempt timeout in ms. */
    void setConnectTimeout(int milliseconds);
    /*! Maximum QoS 1/2 publishes in flight in paho (default 20; MQTT 5 clamps to Receive Maximum).
     */
    int maxInflight() const;
    /*! Sets the maximum in-flight window. */
    void setMaxInflight(int messages);

    /*! The last will; invalid (no will) by default. */
    WillOptions will() const;
    /*! Sets the last will. */
    void setWill(const WillOptions &will);
    /*! MQTT 5 CONNECT properties. */
    Properties connectProperties() const;
    /*! Sets the MQTT 5 CONNECT properties. */
    void setConnectProperties(const Properties &properties);

    /*! TLS options, used for ssl://, mqtts:// and wss:// URIs. */
    SslOptions sslOptions() const;
    /*! Sets the TLS options. */
    void setSslOptions(const SslOptions &options);
    /*! Extra HTTP headers sent in the WebSocket upgrade request. */
    QList<QPair<QByteArray, QByteArray>> httpHeaders() const;
    /*! Sets the WebSocket HTTP headers. */
    void setHttpHeaders(const QList<QPair<QByteArray, QByteArray>> &headers);
    /*!
        HTTP proxy (`http://host:port`) for tcp/ws; empty means none set here.
        Note: paho also reads the \c http_proxy environment variable.
    */
    QString httpProxy() const;
    /*! Sets the HTTP proxy. */
    void setHttpProxy(const QString &proxy);
    /*! HTTPS proxy for ssl/wss (paho also reads \c https_proxy). */
    QString httpsProxy() const;
    /*! Sets the HTTPS proxy. */
    void setHttpsProxy(const QString &proxy);
    /*! Whether TCP_NODELAY is set on the connection's socket (default true). */
    bool tcpNoDelay() const;
    /*! Turns TCP_NODELAY on or off (off means paho's Nagle default). */
    void setTcpNoDelay(bool enable);

    /*! Whether the client reconnects by itself after losing the connection (default false). */
    bool automaticReconnect() const;
    /*! Turns automatic reconnect on or off. */
    void setAutomaticReconnect(bool enable);
    /*! Minimum delay before a reconnect attempt, in ms (default 1000). */
    int minRetryInterval() const;
    /*! Maximum delay between reconnect attempts, in ms (default 60000). */
    int maxRetryInterval() const;
    /*! Sets the backoff range; the delay doubles from \a min to \a max with jitter. */
    void setRetryInterval(int minMilliseconds, int maxMilliseconds);

    /*!
        Whether publish/subscribe/unsubscribe issued while connecting or reconnecting
        are queued and sent once connected (default true). When false they fail with
        Error::NotConnected.
    */
    bool offlineBuffering() const;
    /*! Turns offline buffering on or off. */
    void setOfflineBuffering(bool enable);
    /*!
        Maximum requests waiting in QPaho's outbound queue (default 1000000, enough for a
        loop that publishes a few hundred thousand messages without waiting). A queued
        publish costs its payload plus well under 1 KiB of bookkeeping.
    */
    int maxQueuedRequests() const;
    /*! Sets the outbound queue bound. */
    void setMaxQueuedRequests(int requests);
    /*! What happens when the outbound queue is full (default RejectNewest). */
    OverflowPolicy queueOverflowPolicy() const;
    /*! Sets the outbound queue overflow policy. */
    void setQueueOverflowPolicy(OverflowPolicy policy);
    /*!
        Byte budget: QPaho hands paho new publishes only while the payload bytes
        outstanding in paho stay under this (default 524288). One publish is always allowed.
        QoS 1 and 2 publishes may use twice the budget: once written they only wait for
        their acknowledgement, and paho slows down only with unwritten bytes queued.
    */
    qint64 maxOutstandingBytes() const;
    /*! Sets the byte budget. */
    void setMaxOutstandingBytes(qint64 bytes);
    /*! Count budget: requests outstanding in paho at once (default 100). */
    int maxOutstandingRequests() const;
    /*! Sets the count budget. */
    void setMaxOutstandingRequests(int requests);
    /*!
        Maximum received messages waiting for the owner thread (default 1000000). Past it
        messages are dropped by policy and counted in Client::messagesDropped(); paho
        has already acknowledged them (it sends PUBACK on receipt).
    */
    int maxPendingMessages() const;
    /*! Sets the inbound queue bound. */
    void setMaxPendingMessages(int messages);
    /*! Inbound overflow policy (default DropOldest). */
    OverflowPolicy inboundOverflowPolicy() const;
    /*! Sets the inbound overflow policy. */
    void setInboundOverflowPolicy(OverflowPolicy policy);

    /*! Default timeout of every request in ms; 0 (default) means none. */
    int requestTimeout() const;
    /*! Sets the default request timeout. */
    void setRequestTimeout(int milliseconds);
    /*!
        Directory for paho's file persistence; empty (default) keeps in-flight
        state in memory only. With a directory, unacknowledged QoS 1/2 publishes
        survive an application restart and are re-sent by the next Client with the
        same client id, server and directory.
    */
    QString persistenceDirectory() const;
    /*! Sets the persistence directory. */
    void setPersistenceDirectory(const QString &directory);

private:
    QSharedDataPointer<ConnectOptionsData> d;
};

} // namespace QPaho

#endif // QPAHO_CONNECTOPTIONS_H
