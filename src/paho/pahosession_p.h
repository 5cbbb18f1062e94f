// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOSESSION_P_H
#define QPAHO_PAHOSESSION_P_H

// The one door between the owner-thread core (src/core) and paho (src/paho). The core decides
// what to send and when; a PahoSession only turns that into paho calls, and reports what paho
// did as events (pahoevent_p.h). Every MQTTAsync_* call of the library is behind this interface,
// so the core's logic runs in unit tests against a fake (tests/common/fakepahosession.h).
//
// Rules for an implementation: it is used on the owner thread only; it never finishes a future
// and never emits a signal (it has no access to either); events reach the owner as a posted
// event of wakeEventType(), after which the owner calls takeEvents().

#include "common/autotest_p.h"
#include "paho/pahoevent_p.h"

#include <QPaho/connectoptions.h>
#include <QPaho/subscribeoptions.h>

#include <QtCore/QPair>
#include <QtCore/QSet>
#include <QtCore/QStringList>

#include <functional>
#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE

namespace QPaho::Internal {

/*! What a paho handle is made for: a different value needs a new handle. */
struct QPAHO_AUTOTEST_EXPORT HandleSettings
{
    QStringList serverUris;
    QString clientId;
    ProtocolVersion protocolVersion = ProtocolVersion::Mqtt311;
    QString persistenceDirectory; // empty: no persistence
    int maxBufferedMessages = 0; // paho's own bound: above what QPaho may hand it
    int maxPendingMessages = 0; // the inbound bound (0: none)
    bool dropOldestInbound = true;

    /*! The values that need a new handle when they change. */
    QString identity() const;
};

/*! One connect attempt: the options, the one server URI it goes to, and the session flag. */
struct ConnectAttempt
{
    quint64 requestId = 0;
    ConnectOptions options;
    QString serverUri;
    bool cleanStart = false;
    bool mqtt5 = false;
};

class QPAHO_AUTOTEST_EXPORT PahoSession
{
public:
    /*! What ensureHandle() did. */
    enum class HandleOutcome { Kept, Created, Failed };

    using Factory = std::function<std::unique_ptr<PahoSession>(QObject *owner)>;

    /*!
        A session for the Client core \a owner, which receives the wake events. The real one
        (PahoClientSession) unless a test installed a factory.
    */
    static std::unique_ptr<PahoSession> create(QObject *owner);
    /*! Tests: sessions made from now on come from \a factory (empty: the real one again). */
    static void setFactoryForTesting(Factory factory);
    /*! The QEvent type posted to the owner when events are waiting. */
    static int wakeEventType();

    virtual ~PahoSession();

    // ---- The handle

    /*! Whether a paho handle exists. */
    virtual bool hasHandle() const = 0;
    /*!
        Makes sure a handle for \a settings exists: keeps the current one when its identity is
        the same, else drops it (destroyed off this thread) and creates a new one.
    */
    virtual HandleOutcome ensureHandle(const HandleSettings &settings) = 0;
    /*! Tokens of publishes paho restored from its persistence store with the last handle. */
    virtual QSet<int> takeRestoredTokens() = 0;
    /*!
        Drops the handle without blocking: it is destroyed off this thread and nothing it held
        reports any more. Ends the connect wakes even when there is no handle. Returns whether
        there was a handle.
    */
    virtual bool destroyHandle() = 0;
    /*!
        Gives up a handle whose session memory paho corrupted: it is never used nor destroyed
        again (PahoQuarantine). The next ensureHandle() creates a new one.
    */
    virtual void parkHandle() = 0;

    // ---- Requests: each returns paho's code (0 = accepted; an event follows)

    virtual int connect(const ConnectAttempt &attempt) = 0;
    virtual int disconnect(
        quint64 requestId, int reasonCode, const Properties &properties, bool mqtt5)
        = 0;
    virtual int publish(quint64 requestId, const Message &message, bool mqtt5) = 0;
    virtual int subscribe(
        quint64 requestId, const QList<QPair<QString, SubscribeOptions>> &subscriptions, bool mqtt5)
        = 0;
    virtual int unsubscribe(
        quint64 requestId, const QStringList &filters, const Properties &properties, bool mqtt5)
        = 0;

    // ---- Events

    /*! Replaces \a out's contents with the waiting events, in paho's order. */
    virtual void takeEvents(std::vector<BridgeEvent> &out) = 0;
    /*! Received messages dropped by the inbound bound since the last call. */
    virtual quint64 takeDroppedCount() = 0;

    // ---- Keeping paho moving (the paho workarounds, behind one name each)

    /*! A connect attempt ended (CONNACK, failure, or given up): stop waking paho for it. */
    virtual void connectAttemptEnded() = 0;
    /*! \a bytes of publishes are in paho: keep its receive thread cycling to finish writes. */
    virtual void largeWritePending(qint64 bytes) = 0;
    /*! Nothing came back for a while with requests in paho: kick its threads. */
    virtual void kickStalled() = 0;
    /*! CONNACK from \a serverUri: TCP_NODELAY on this connection's socket, if asked for. */
    virtual void connected(const QString &serverUri, const ConnectOptions &options) = 0;
    /*! The connection ended (lost, closed): forget its socket. */
    virtual void connectionDown() = 0;
};

} // namespace QPaho::Internal

#endif // QPAHO_PAHOSESSION_P_H
