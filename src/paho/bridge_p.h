// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_BRIDGE_P_H
#define QPAHO_BRIDGE_P_H

// The Bridge between paho's callbacks (paho threads) and the owner thread: contexts per request,
// the event queue, the inbound bound, and detach() so that a handle being destroyed never reports.

#include "common/autotest_p.h"
#include "paho/pahoevent_p.h"

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>

extern "C" {
#include <MQTTAsync.h>
}

#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

namespace QPaho::Internal {

class Bridge;

/*!
    The C context handed to paho with one request. paho passes it back to exactly the
    callbacks of that request. A non-connect context goes back to the Bridge's pool at its
    first callback; a connect context (whose onFailure paho may call more than once) and any
    context paho never calls back are freed when the Bridge dies, after MQTTAsync_destroy.
*/
struct Context
{
    Bridge *bridge = nullptr;
    quint64 requestId = 0; // 0: internal request (reconnect attempt, resubscribe)
    RequestKind kind = RequestKind::Publish;
    int filterCount = 1; // subscribe/unsubscribe: how many reason codes to read
    Context *prev = nullptr; // intrusive list of live contexts, guarded by the bridge mutex
    Context *next = nullptr;
};

/*!
    The paho side of a Client: paho's callbacks land here, on paho threads. Each
    callback copies what it needs, frees paho memory, appends to the inbox and wakes
    the owner with at most one posted event per burst, then returns. It never calls
    paho, never blocks on anything but the two leaf mutexes below, and never runs user code.

    The Bridge outlives MQTTAsync_destroy: it is detached and handed to the HandleReaper
    with its handle, and deleted there after destroy has returned, when no callback can
    arrive any more.
*/
class QPAHO_AUTOTEST_EXPORT Bridge
{
public:
    /*! \a receiver gets a WakeEvent when the inbox goes from empty to non-empty. */
    explicit Bridge(QObject *receiver);
    ~Bridge();
    Bridge(const Bridge &) = delete;
    Bridge &operator=(const Bridge &) = delete;

    /*!
        Cuts the bridge off its receiver before the handle is destroyed elsewhere
        (HandleReaper) or parked for good (PahoQuarantine): from now on every event is dropped
        and nothing is posted; callbacks still free their contexts. Thread-safe.
    */
    void detach();

    /*! The event type posted to the receiver. */
    static int wakeEventType();

    /*! Allocates a tracked context for one paho request. */
    Context *newContext(quint64 requestId, RequestKind kind, int filterCount = 1);
    /*! Frees a context paho will never call back (the call itself failed). */
    void discardContext(Context *context);

    /*!
        Replaces \a out's contents with the pending events (owner thread). The inbox keeps
        \a out's capacity, so a steady stream of bursts allocates no vectors.
    */
    void takeEvents(std::vector<BridgeEvent> &out);

    /*! Inbound bound and policy; 0 means unbounded. */
    void setInboundLimit(int maxPendingMessages, bool dropOldest);
    /*! Messages dropped by the inbound policy since the last call (owner thread). */
    quint64 takeDroppedCount();

    /*! Sets the paho callbacks that route to this bridge on \a handle. */
    void installClientCallbacks(MQTTAsync handle, bool wantDeliveryComplete);
    /*!
        Points the onSuccess/onFailure callbacks of paho's connect, response or disconnect
        options at this bridge, in the flavour of the client's generation: setting the v3
        pair on an MQTT 5 client (or the reverse) makes paho reject the call (notes §3).
    */
    template<typename PahoOptions>
    void setCallbacks(PahoOptions &options, Context *context, bool mqtt5) const
    {
        options.context = context;
        if (mqtt5) {
            options.onSuccess5 = &Bridge::onSuccess5;
            options.onFailure5 = &Bridge::onFailure5;
        } else {
            options.onSuccess = &Bridge::onSuccess3;
            options.onFailure = &Bridge::onFailure3;
        }
    }

    // paho callbacks (C linkage compatible static functions)
    static void onSuccess3(void *context, MQTTAsync_successData *data);
    static void onSuccess5(void *context, MQTTAsync_successData5 *data);
    static void onFailure3(void *context, MQTTAsync_failureData *data);
    static void onFailure5(void *context, MQTTAsync_failureData5 *data);
    static int onMessageArrived(
        void *context, char *topicName, int topicLen, MQTTAsync_message *message);
    static void onConnectionLost(void *context, char *cause);
    static void onDisconnected(
        void *context, MQTTProperties *properties, enum MQTTReasonCodes reasonCode);
    static void onDeliveryComplete(void *context, MQTTAsync_token token);

private:
    void push(BridgeEvent &&event); // takes the mutex
    // Queues \a event; true when the caller must wake the owner (wake()) once it has let go of
    // the mutex.
    [[nodiscard]] bool pushLocked(BridgeEvent &&event);
    // Posts the wake event, outside m_mutex: the owner wakes at once and its takeEvents() would
    // otherwise find the mutex still held by this thread, inside postEvent's eventfd write.
    void wake();
    void finishContext(Context *context, BridgeEvent &&event);
    void unlinkLocked(Context *context);
    void releaseLocked(Context *context); // unlinks; back to the pool, or freed if it is full

    // Contexts kept for reuse after their request finished: enough for a full window of
    // outstanding publishes at the default budget, without holding on to a burst's worth.
    static constexpr int kMaxSpareContexts = 1024;

    QObject *const m_receiver;
    std::mutex m_mutex; // leaf lock: nothing else is ever locked while it is held
    // Held around postEvent(), never with m_mutex: detach() passes through it, so once detach()
    // has returned no wake is being posted to the receiver or ever will be.
    std::mutex m_wakeMutex;
    std::vector<BridgeEvent> m_inbox;
    Context *m_contexts = nullptr;
    Context *m_spareContexts = nullptr; // singly linked through next
    int m_spareCount = 0;
    bool m_wakePosted = false;
    std::atomic<bool> m_detached { false }; // written under m_mutex, read under m_wakeMutex too
    int m_maxPendingMessages = 0;
    bool m_dropOldest = true;
    int m_pendingMessages = 0;
    size_t m_oldestCandidate = 0; // index to resume the search for the oldest live message
    quint64 m_dropped = 0;
    // Received topics repeat: reuse the last QString (only touched on paho's receive thread).
    QByteArray m_lastTopicUtf8;
    QString m_lastTopic;
    // Topic aliases the broker assigned on this connection (paho's receive thread only).
    QHash<quint32, QString> m_inboundAliases;
};

} // namespace QPaho::Internal

#endif // QPAHO_BRIDGE_P_H
