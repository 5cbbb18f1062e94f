// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_CLIENT_H
#define QPAHO_CLIENT_H

#include <QPaho/connectoptions.h>
#include <QPaho/message.h>
#include <QPaho/qpahoglobal.h>
#include <QPaho/result.h>
#include <QPaho/subscribeoptions.h>

#include <QtCore/QFuture>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QString>

#include <functional>
#include <memory>
#include <type_traits>

namespace QPaho {

class ClientPrivate;
class Subscription;
class SubscriptionPrivate;

/*!
    \class QPaho::Client
    \brief An MQTT client: every blocking call returns a QFuture, every event is a signal.

    Header: `<QPaho/Client>`, CMake: `find_package(QPaho)`, `QPaho::QPaho`.

    A thin, faithful proxy of paho.mqtt.c's MQTTAsync client. connectToHost(),
    subscribe(), unsubscribe(), publish() and disconnectFromHost() return futures;
    paho's callbacks arrive as signals. <b>Threads:</b> the Client belongs to the thread
    it lives in (its "owner thread"), which must run an event loop. Every signal,
    message handler call and future completion happens on that thread, never on a
    paho thread, so a plain `future.then(f)` also runs on the owner thread.
    The Client is reentrant, not thread-safe: call it from its owner thread.

    <b>Futures always finish.</b> Each future finishes exactly once with a result (never
    canceled, never exceptional): on success, broker refusal, connection loss,
    timeout, disconnectFromHost(), or destruction of the Client (Error::ClientDestroyed).
    Bad input finishes the future at once with Error::InvalidArgument and sends nothing.

    Do not call QFuture::waitForFinished() on the owner thread: completion needs that
    thread's event loop. Use `.then()`, QFutureWatcher, or `co_await` (QCoro).
*/
class QPAHO_EXPORT Client : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString clientId READ clientId NOTIFY clientIdChanged)
    Q_PROPERTY(QString serverUri READ serverUri NOTIFY serverUriChanged)
    Q_PROPERTY(
        QPaho::ProtocolVersion protocolVersion READ protocolVersion NOTIFY protocolVersionChanged)
    Q_PROPERTY(quint64 messagesSent READ messagesSent NOTIFY statisticsChanged)
    Q_PROPERTY(quint64 messagesReceived READ messagesReceived NOTIFY statisticsChanged)
    Q_PROPERTY(quint64 messagesDropped READ messagesDropped NOTIFY statisticsChanged)
    Q_PROPERTY(int inFlight READ inFlight NOTIFY statisticsChanged)
    Q_PROPERTY(int queued READ queued NOTIFY statisticsChanged)
    Q_PROPERTY(int reconnects READ reconnects NOTIFY statisticsChanged)

public:
    /*! The connection state. */
    enum class State {
        Disconnected, //!< No connection and no attempt under way.
        Connecting, //!< connectToHost() was called; waiting for CONNACK.
        Connected, //!< Connected; requests go to the broker.
        Reconnecting, //!< Automatic reconnect is retrying: after a connection loss, and also
                      //!< after a failed first connect (its future has already finished with
                      //!< the error; errorOccurred() reports every further attempt).
        Disconnecting //!< disconnectFromHost() was called; waiting for it to finish.
    };
    Q_ENUM(State)

    /*! Identifies a message handler for removeMessageHandler(). 0 is never a valid id. */
    using HandlerId = quint64;

    /*! Constructs a disconnected client owned by \a parent, living in the current thread. */
    explicit Client(QObject *parent = nullptr);
    /*!
        Destroys the client. Outstanding futures finish with Error::ClientDestroyed.
        If connected, paho sends a normal DISCONNECT first, so the will is not published.
    */
    ~Client() override;

    /*!
        Lets QPaho tune glibc's allocator for streaming large payloads (default: off, an
        opt-in). When enabled, the first payload of 32 KiB or more that passes through any
        Client of the process afterwards (published or received) makes QPaho set glibc's
        M_MMAP_THRESHOLD to 32 MiB and M_TRIM_THRESHOLD to 8 MiB. With glibc's defaults,
        streaming such payloads spends a third of its CPU time page-faulting memory that glibc
        had just returned to the kernel (measured: 1.4x the throughput at 64 and 256 KiB with
        the tuning). The price: each malloc arena keeps up to 8 MiB of freed memory instead of
        returning it at once.

        The settings are process-wide and cannot be undone, so QPaho never changes them by
        itself. The environment variable `QPAHO_MALLOC_TUNING=1` opts in without code, and
        `QPAHO_MALLOC_TUNING=0` keeps the tuning off whatever the application calls. It is
        skipped when the environment configures malloc (MALLOC_TRIM_THRESHOLD_,
        MALLOC_MMAP_THRESHOLD_, MALLOC_TOP_PAD_, or glibc.malloc tunables in GLIBC_TUNABLES).
        Once the tuning happened, disabling changes nothing. Thread-safe. On other C libraries
        nothing is tuned.
    */
    static void setAllocatorTuningEnabled(bool enabled);
    /*!
        Whether allocator tuning is allowed (see setAllocatorTuningEnabled()): false unless
        the application or QPAHO_MALLOC_TUNING=1 opted in.
    */
    static bool isAllocatorTuningEnabled();
    /*! Whether QPaho has changed the allocator's settings in this process. */
    static bool isAllocatorTuned();

    /*!
        Lets paho.mqtt.c keep (\a enabled, paho's default) or stop keeping its internal
        function trace. At its default trace level paho formats a line for every function
        call and packet into an in-memory ring of its last 400 lines (a flight recorder for
        paho's own debugging), whether anyone reads it or not, under a lock all its threads
        share. That costs small-message streams up to 40% of their throughput (measured with
        QoS 1, 16 B: bench/README.md). Disabled, QPaho sets paho's trace level to ERROR: paho
        then formats only its error lines.

        paho's trace level is process-wide (every paho client in the process shares it), so
        QPaho never changes it by itself. The environment variable
        `QPAHO_PAHO_FUNCTION_TRACE=0` opts out without code, `QPAHO_PAHO_FUNCTION_TRACE=1`
        keeps paho's default whatever the application calls. While the `qpaho.paho` logging
        category shows debug messages, paho's per-packet trace is forwarded there and that
        category's level wins. Enabling again puts paho's default level back. Thread-safe.
    */
    static void setPahoFunctionTraceEnabled(bool enabled);
    /*!
        Whether paho keeps its internal function trace (see setPahoFunctionTraceEnabled()):
        true unless the application or QPAHO_PAHO_FUNCTION_TRACE=0 turned it off.
    */
    static bool isPahoFunctionTraceEnabled();

    /*! The current state. */
    State state() const;
    /*! The client id of the current or last connection. */
    QString clientId() const;
    /*! The URI of the server connected to (or last tried). */
    QString serverUri() const;
    /*! The protocol version of the current or last connection. */
    ProtocolVersion protocolVersion() const;
    /*! The options of the current or last connectToHost(). */
    ConnectOptions connectOptions() const;
    /*! The CONNACK of the current or last successful connection. */
    ConnectResult lastConnectResult() const;

    /*! Messages whose publish completed (QoS flow done). */
    quint64 messagesSent() const;
    /*! Messages received from the broker. */
    quint64 messagesReceived() const;
    /*! Received messages dropped by the inbound overflow policy. */
    quint64 messagesDropped() const;
    /*! Requests handed to paho and not yet completed. */
    int inFlight() const;
    /*! Requests waiting in QPaho's own outbound queue (offline buffer and budget). */
    int queued() const;
    /*! Successful automatic reconnects since construction. */
    int reconnects() const;

    /*!
        Connects to \a hostOrUri with default options: `"localhost"` means
        `tcp://localhost:1883`; full URIs (`tcp://`, `mqtt://`, `ssl://`,
        `mqtts://`, `ws://`, `wss://`) are accepted.
        \sa connectToHost(const ConnectOptions &)
    */
    QFuture<ConnectResult> connectToHost(const QString &hostOrUri);
    /*!
        Connects with \a options. The future finishes with the outcome of this first
        attempt: success (CONNACK accepted), Error::ConnectionRefused (CONNACK refused,
        reasonCode() says why), Error::ConnectionFailed (unreachable, TLS failure),
        Error::Timeout, Error::InvalidArgument (bad options), Error::InvalidState
        (Connecting, Connected or Disconnecting), Error::Disconnected or
        Error::ClientDestroyed. Later reconnects are reported by connected(),
        connectionLost() and errorOccurred().

        With ConnectOptions::automaticReconnect() on, a failed first attempt finishes this
        future with its error, but the client does not give up: it goes to
        State::Reconnecting and keeps retrying with the same options (unless the broker
        refused for good, e.g. bad credentials). Calling connectToHost() while Reconnecting
        replaces those retries with a connect with the new \a options: what paho already
        held of the old attempt fails with Error::Disconnected, requests still queued in
        QPaho are kept and sent once the new connection is up. Call disconnectFromHost() to
        stop retrying instead.
    */
    QFuture<ConnectResult> connectToHost(const ConnectOptions &options);
    /*!
        Disconnects. Requests still queued in QPaho fail with Error::Disconnected;
        paho first sends what it already holds. While reconnecting, this stops the
        retries at once. Finishes with Error::NotConnected when already disconnected.
    */
    QFuture<Result> disconnectFromHost();
    /*!
        MQTT 5: disconnects with \a reasonCode (e.g. 0x04 "disconnect with will message")
        and DISCONNECT \a properties.
    */
    QFuture<Result> disconnectFromHost(int reasonCode, const Properties &properties = {});

    /*! Subscribes to \a filter with maximum QoS \a qos. */
    QFuture<SubscribeResult> subscribe(const QString &filter, int qos = 0);
    /*! Subscribes to \a filter with \a options (MQTT 5 options need an MQTT 5 connection). */
    QFuture<SubscribeResult> subscribe(const QString &filter, const SubscribeOptions &options);
    /*!
        Subscribes to several filters in one SUBSCRIBE; the result has one reason code
        per filter. All filters share the properties of the first options.
    */
    QFuture<SubscribeResult> subscribe(
        const QList<QPair<QString, SubscribeOptions>> &subscriptions);
    /*!
        The Client's Subscription object for \a filter: a \e desired subscription, kept
        subscribed whenever the client is connected (queued while connecting, restored after
        a reconnect without a session), whose messages arrive by Subscription::messageReceived().

        The Client keeps one object per filter and returns the same one for the same filter
        (\a options count only when the object is made); it owns them and deletes each one
        later after Subscription::unsubscribe(), after which this returns a new object.
        A bad filter gives an object in state Subscription::State::Error that sends nothing.
        Mixing subscription() and subscribe()/unsubscribe() for the same filter is allowed
        but the object does not see what those calls do.
        \sa QPaho::Subscription
    */
    Subscription *subscription(
        const QString &filter, const SubscribeOptions &options = SubscribeOptions());
    /*!
        Unsubscribes from \a filter. The result can be viewed as a SubscribeResult for the
        MQTT 5 UNSUBACK reason codes.
    */
    QFuture<Result> unsubscribe(const QString &filter);
    /*! Unsubscribes from several filters in one UNSUBSCRIBE. */
    QFuture<Result> unsubscribe(const QStringList &filters, const Properties &properties = {});
    /*!
        Publishes \a payload to \a topic. Finishes when the QoS flow completes (QoS 0: when
        handed to the socket; 1: PUBACK; 2: PUBCOMP). Publishing in a loop without waiting
        is the fast path: QPaho keeps its own ordered queue and hands paho work within a
        byte budget (see ConnectOptions::maxOutstandingBytes()).
    */
    QFuture<PublishResult> publish(
        const QString &topic, const QByteArray &payload, int qos = 0, bool retain = false);
    /*! Publishes \a message (topic, payload, QoS, retain flag and MQTT 5 properties). */
    QFuture<PublishResult> publish(const Message &message);

    /*!
        MQTT 5 request/response: publishes \a payload to \a topic at \a qos with a response
        topic and fresh correlation data, and finishes with the first message that comes back
        on the response topic with the same correlation data. The response topic is the
        broker's Response Information (when the client asked for it in CONNECT properties)
        or `qpaho/response/<clientId>`, subscribed once on first use.

        On failure the future finishes with an invalid Message (Message::isValid() is false)
        whose Properties::reasonString() says why: Error::Timeout after \a timeoutMs,
        not connected, an MQTT 3.1.1 connection (which has no response topics), a refused
        publish or subscription, or the destruction of the client.
    */
    QFuture<Message> request(
        const QString &topic, const QByteArray &payload, int qos = 1, int timeoutMs = 10000);

    /*!
        Routes received messages whose topic matches \a filter (MQTT wildcards; \c $
        topics are not matched by a leading wildcard) to \a handler, a callable taking
        `const QPaho::Message &`. Like aiomqtt's \c message_callback_add, it does not
        subscribe. Each handler is called once per matching message, in the thread of
        \a context (queued when that is not the Client's thread), and removed when
        \a context is destroyed. Returns an id for removeMessageHandler(), or 0 when
        \a filter is invalid or \a context is null.

        On MQTT 5 connections QPaho gives every SUBSCRIBE a subscription identifier. When
        overlapping subscriptions make the broker send one copy per subscription, a handler
        whose filter is one of the subscribed filters receives only the copy sent for its
        subscription (so once per publication); other handlers match by topic and see
        every copy, as messageReceived() does.
    */
    template<typename Functor>
    HandlerId addMessageHandler(const QString &filter, const QObject *context, Functor &&handler)
    {
        static_assert(std::is_invocable_v<Functor &, const Message &>,
            "the handler must be callable with (const QPaho::Message &)");
        return addMessageHandlerImpl(
            filter, context, std::function<void(const Message &)>(std::forward<Functor>(handler)));
    }
    /*! Routes messages matching \a filter to \a slot of \a receiver. */
    template<typename Receiver>
    HandlerId addMessageHandler(
        const QString &filter, Receiver *receiver, void (Receiver::*slot)(const Message &))
    {
        return addMessageHandlerImpl(
            filter, receiver, [receiver, slot](const Message &m) { (receiver->*slot)(m); });
    }
    /*! Removes the handler \a id; returns false when there was none. */
    bool removeMessageHandler(HandlerId id);
    /*! Removes every handler registered with \a filter; returns how many. */
    int removeMessageHandlers(const QString &filter);

Q_SIGNALS:
    /*!
        Emitted after every successful connect and reconnect; \a result carries the
        CONNACK (ConnectResult::sessionPresent()). With a clean session, QPaho has
        already re-sent the subscriptions it holds.
    */
    void connected(const QPaho::ConnectResult &result);
    /*!
        Emitted when the client is disconnected for good: after disconnectFromHost(),
        after an MQTT 5 server DISCONNECT (\a reason holds its reason code and
        properties), or after a connection loss with automatic reconnect off.
    */
    void disconnected(const QPaho::Result &reason);
    /*! Emitted when an established connection drops (network, keep-alive, broker exit). */
    void connectionLost(const QString &cause);
    /*!
        Emitted for every failure that is not the result of a request the caller holds a
        future for, so that signal-only and QML code can show it: each failed connect attempt
        (the first one too, whose connectToHost() future finishes with the same result, and
        every automatic reconnect attempt), the loss of an established connection
        (Error::ConnectionLost, after connectionLost()), and a subscription that QPaho
        restored after a reconnect without session and the broker refused. \a error says
        what failed and why.
    */
    void errorOccurred(const QPaho::Result &error);
    /*! Emitted for every received message, before the message handlers. */
    void messageReceived(const QPaho::Message &message);
    /*! Emitted when state() changes. */
    void stateChanged(QPaho::Client::State state);
    /*! Emitted when clientId() changes. */
    void clientIdChanged(const QString &clientId);
    /*! Emitted when serverUri() changes. */
    void serverUriChanged(const QString &serverUri);
    /*! Emitted when protocolVersion() changes. */
    void protocolVersionChanged(QPaho::ProtocolVersion version);
    /*!
        Emitted when a statistics counter changed. Coalesced: at most once every 20 ms, and
        never from inside a call into the Client.
    */
    void statisticsChanged();
    /*!
        Emitted when a publish restored from the persistence directory (issued by an
        earlier Client, so it has no future) completed; \a messageId is its packet id.
    */
    void restoredPublishCompleted(int messageId);

private:
    HandlerId addMessageHandlerImpl(const QString &filter, const QObject *context,
        std::function<void(const Message &)> handler);

    friend class SubscriptionPrivate;
    Q_DECLARE_PRIVATE(Client)
    std::unique_ptr<ClientPrivate> d_ptr;
};

} // namespace QPaho

#endif // QPAHO_CLIENT_H
