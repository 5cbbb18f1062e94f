// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_CLIENT_P_H
#define QPAHO_CLIENT_P_H

// ClientPrivate, the owner-thread core: its state and the declarations of its rooms (the .cpp files
// of src/core). Everything here runs on the Client's thread; it reaches paho only through the
// PahoSession door (paho/pahosession_p.h) and includes no paho header.

#include <QPaho/client.h>
#include <QPaho/subscription.h>

#include "core/backoffschedule_p.h"
#include "core/resendloopguard_p.h"
#include "paho/misattributedsocketerror_p.h"
#include "paho/pahoevent_p.h"
#include "paho/pahosession_p.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtCore/QSet>
#include <QtCore/QTimer>

#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <variant>

namespace QPaho {

/*!
    The owner-thread half of Client: a state machine, the request table, QPaho's own
    outbound queue, the subscription registry and the message handlers. Everything here
    runs on the Client's thread; paho threads only ever touch the Bridge.
*/
class ClientPrivate : public QObject
{
    Q_OBJECT
    Q_DECLARE_PUBLIC(Client)
public:
    using RequestKind = Internal::RequestKind;
    using AnyPromise = std::variant<QPromise<Result>, QPromise<ConnectResult>,
        QPromise<SubscribeResult>, QPromise<PublishResult>>;

    /*! One outstanding request (future) of the user or an internal one. */
    struct Request
    {
        RequestKind kind = RequestKind::Publish;
        std::optional<AnyPromise> promise; // empty for internal requests (resubscribe)
        Message message; // publish
        QList<QPair<QString, SubscribeOptions>> subscriptions; // subscribe
        QStringList filters; // subscribe / unsubscribe
        Properties properties; // unsubscribe / disconnect
        int reasonCode = 0; // disconnect
        qint64 bytes = 0; // payload bytes counted against the outbound budget
        qint64 deadline = 0; // ms on m_clock, 0 = none
        bool handedToPaho = false;
        bool queued = false; // waiting in m_outbound
        bool restore = false; // a SUBSCRIBE restoreSubscriptions() re-sends
        // A publish paho dropped with its session and QPaho queued again (see
        // handlePublishDroppedWithSession): how often, and whether it still waits for that.
        int droppedWithSession = 0;
        bool takenBackWithSession = false;

        /*! A QoS 1/2 publish: it completes with the broker's acknowledgement. */
        bool isAckedPublish() const { return kind == RequestKind::Publish && message.qos() > 0; }
    };

    explicit ClientPrivate(Client *q);
    ~ClientPrivate() override;

    // Public API, forwarded by Client.
    QFuture<ConnectResult> connectToHost(const ConnectOptions &options);
    QFuture<Result> disconnectFromHost(int reasonCode, const Properties &properties);
    QFuture<SubscribeResult> subscribe(const QList<QPair<QString, SubscribeOptions>> &subs);
    QFuture<Result> unsubscribe(const QStringList &filters, const Properties &properties);
    QFuture<PublishResult> publish(const Message &message);
    QFuture<Message> request(
        const QString &topic, const QByteArray &payload, int qos, int timeoutMs);
    Client::HandlerId addHandler(const QString &filter, const QObject *context,
        std::function<void(const Message &)> handler);
    bool removeHandler(Client::HandlerId id);
    int removeHandlers(const QString &filter);

    /*! Requests waiting in QPaho's own outbound queue. */
    int queuedCount() const { return int(m_outbound.size()); }

    /*! Finishes every future and destroys the paho handle; no signal is emitted. */
    void shutdown();

    Client *q_ptr;
    Client::State state = Client::State::Disconnected;
    ConnectOptions options;
    ConnectResult lastConnect;
    QString clientId;
    QString serverUri;
    ProtocolVersion protocolVersion = ProtocolVersion::Mqtt311;
    quint64 messagesSent = 0;
    quint64 messagesReceived = 0;
    quint64 messagesDropped = 0;
    int reconnectCount = 0;
    int inFlightCount = 0; // requests handed to paho and not finished
    qint64 inFlightBytes = 0;
    // Client::subscription(): one object per filter (subscription.cpp). restoreSubscriptions()
    // hands each one the SUBSCRIBE it re-sends for that filter, so none is sent twice.
    QHash<QString, QPointer<Subscription>> subscriptionObjects;

protected:
    void customEvent(QEvent *event) override;

private:
    struct Handler
    {
        Client::HandlerId id = 0;
        QString filter;
        QPointer<const QObject> context;
        std::function<void(const Message &)> function;
        QMetaObject::Connection destroyedConnection;
        bool active = true;
    };

    template<typename R>
    QFuture<R> addRequest(Request &&request, quint64 *idOut = nullptr);
    template<typename R>
    static QFuture<R> finished(const R &result);
    /*! Adds \a request to the table and QPaho's outbound queue, then pumps. */
    template<typename R>
    QFuture<R> submit(Request &&request);

    void finishRequest(quint64 id, const Result &result);
    void completePromise(Request &request, const Result &result);
    void failRequests(
        const std::function<bool(const Request &)> &which, Error error, const QString &text);
    Result validateConnect(const ConnectOptions &options) const;
    Result checkCanQueue() const;
    Result enqueue(quint64 id);
    void pump();
    // Returns false when the request went back to the queue (paho lost the connection).
    bool handToPaho(quint64 id, Request &request);
    bool startConnectAttempt();
    void failConnectAttempt(int pahoCode, const QString &text);
    void destroyHandle();
    bool ensureHandle();
    Internal::HandleSettings handleSettings() const;
    void setState(Client::State newState);
    void drain();
    void handleRequestEvent(Internal::BridgeEvent &event);
    void handleConnectSuccess(const Internal::BridgeEvent &event);
    void handleConnectFailure(const Internal::BridgeEvent &event);
    void handleConnectionDown(const Result &reason, bool lostUnexpectedly);
    void startDisconnect(quint64 id);
    void finishDisconnect(const Result &reason);
    void scheduleReconnect();
    void restoreSubscriptions();
    void rememberGranted(const QList<QPair<QString, SubscribeOptions>> &subscriptions,
        const QList<int> &reasonCodes, bool forgetRefused);
    void dispatchMessage(const Message &message);
    void compactHandlers();
    void armTimeout(quint64 id, Request &request, int timeoutMs);
    void onTimeoutTimer();
    void markStatisticsChanged();
    bool isMqtt5() const { return protocolVersion == ProtocolVersion::Mqtt5; }

    // The one door to paho (src/paho/pahosession_p.h): every paho call goes through it.
    std::unique_ptr<Internal::PahoSession> m_paho;
    std::vector<Internal::BridgeEvent> m_spareEvents; // drained vector, reused (drain())

    std::unordered_map<quint64, Request> m_requests;
    std::deque<quint64> m_outbound; // QPaho's own ordered queue, not yet handed to paho
    QString m_lastValidTopic; // publish(): the last topic name that passed validation
    qint64 m_lastValidTopicBytes = 0; // and its UTF-8 length
    int m_inFlightAcked = 0; // QoS 1/2 publishes handed to paho and not finished
    quint64 m_nextId = 1;
    quint64 m_connectRequestId = 0; // the user's connect future, 0 once finished
    quint64 m_disconnectRequestId = 0;
    bool m_disconnectAfterConnect = false;
    bool m_everConnected = false;
    int m_uriIndex = 0;
    int m_failedAttemptsInCycle = 0;
    Internal::MisattributedSocketError m_misattributedSocketError; // paho workaround: one retry
    Internal::BackoffSchedule m_backoff; // delays between reconnect rounds
    QTimer m_reconnectTimer;
    QTimer m_timeoutTimer;
    QTimer m_disconnectGuard;
    QTimer m_statisticsTimer;
    // Runs while requests are in paho: no event from paho for a whole interval makes it kick
    // paho's send thread, which can sleep through a lost wake-up for 1 s (PahoWaker).
    QTimer m_stallWatchdog;
    // A lost wake-up of paho's send thread costs 1 s; the watchdog turns it into 5-10 ms.
    // Kicks that change nothing (a broker that is simply slow to acknowledge) back off to one
    // per 80 ms.
    static constexpr int kStallCheckMs = 5;
    static constexpr int kMaxStallBackoffShift = 4;
    void checkPahoProgress();
    // A request paho gave back (refused while disconnected, or a publish it dropped at a
    // connection loss): out of the in-flight budget, back into the queue at \a position
    // (0: the front).
    void takeBackFromPaho(quint64 id, Request &request, std::size_t position = 0);
    quint64 m_pahoEvents = 0; // events drained from the bridge, ever
    quint64 m_pahoEventsAtLastCheck = 0;
    int m_fruitlessKicks = 0; // kicks in a row that were followed by no progress (backoff)
    QElapsedTimer m_clock;
    std::multimap<qint64, quint64> m_deadlines;
    // A publication paho re-sends after every reconnect and that breaks every connection
    // (paho's corrupted copy, or one the broker refuses by disconnecting): detected by the
    // guard, ended by discarding paho's session state and starting the next session clean.
    Internal::ResendLoopGuard m_resendGuard;
    bool m_cleanStartOnce = false;
    // Whether the client keeps a session (the connect attempt under way asks to resume it).
    bool attemptResumesSession() const { return !options.cleanSession() && !m_cleanStartOnce; }
    // A publish paho dropped with its session state (a CONNACK without the session, or the
    // loss of a connection whose session ends with it): sent again (QoS 0/1) or failed (QoS 2).
    // See the definition.
    void handlePublishDroppedWithSession(quint64 id, Request &request);
    static constexpr int kMaxDropsWithSession = 3;
    // Bumped when the paho handle is parked or destroyed: the rest of a batch of events drained
    // before that came from the old handle, whose requests QPaho has already settled.
    quint64 m_handleGeneration = 0;
    /*!
        Gives up paho's session state for this client: the handle is parked for good
        (PahoQuarantine), what paho held is sent again or failed (see the definition), and
        the next session starts clean.
    */
    enum class Abandon { BrokenWrite, ResendLoop };
    void abandonPahoSession(Abandon why, quint64 brokenOffId = 0);
    QSet<int> m_restoredTokens;

    // MQTT 5 subscription identifiers: identifier -> the filters of that SUBSCRIBE, and
    // every filter that has one (for routing copies to the right handler).
    void assignSubscriptionIdentifier(Request &request);
    std::map<quint32, QStringList> m_subscriptionIdFilters;
    QSet<QString> m_identifiedFilters;
    quint32 m_nextSubscriptionId = 1;

    // Subscriptions the user holds (filter -> options), replayed when a session is lost.
    QList<QPair<QString, SubscribeOptions>> m_subscriptions;

    // request(): correlation data -> the waiting promise, and the response topic in use.
    struct PendingResponse
    {
        std::shared_ptr<QPromise<Message>> promise;
        QTimer *timer = nullptr;
    };
    void finishResponse(const QByteArray &correlation, const Message &message);
    void failPendingResponses(const QString &why);
    void publishRequest(const QByteArray &correlation, const Message &message);
    bool takeResponse(const Message &message);
    QString m_responseTopic;
    bool m_responseSubscribed = false;
    std::vector<std::pair<QByteArray, Message>> m_waitingForResponseTopic;
    std::map<QByteArray, PendingResponse> m_pendingResponses;
    quint64 m_nextCorrelation = 1;

    std::vector<Handler> m_handlers;
    Client::HandlerId m_nextHandlerId = 1;
    int m_dispatchDepth = 0;
    bool m_handlersNeedCompaction = false;
    bool m_shuttingDown = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace QPaho

#endif // QPAHO_CLIENT_P_H
