// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_SUBSCRIPTION_H
#define QPAHO_SUBSCRIPTION_H

#include <QPaho/message.h>
#include <QPaho/qpahoglobal.h>
#include <QPaho/result.h>
#include <QPaho/subscribeoptions.h>

#include <QtCore/QFuture>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <memory>

namespace QPaho {

class Client;
class SubscriptionPrivate;

/*!
    \class QPaho::Subscription
    \brief A desired subscription to one topic filter, kept by its Client.

    Header: `<QPaho/Subscription>`, CMake: `find_package(QPaho)`, `QPaho::QPaho`.

    Get one with Client::subscription(); the Client owns it and returns the same object for
    the same filter until unsubscribe() ends it. The object stands for what the application
    wants: it is subscribed whenever the client is connected. Created while connecting, its
    SUBSCRIBE is queued; created while disconnected, it subscribes on the next connect;
    after a reconnect without a session (ConnectResult::sessionPresent() false) it is
    restored with exactly one SUBSCRIBE, and state() goes through Pending back to Subscribed.

    A filter that is not a valid MQTT topic filter gives an object in state Error with the
    reason in errorString(); nothing is sent. A SUBSCRIBE the broker refuses (SUBACK 0x80
    on MQTT 3.1.1, a reason code of 0x80 or more on MQTT 5) puts it in state Error with the
    code in reasonCode(); it stays there until unsubscribe().

    Each message that matches the filter is emitted once by messageReceived(), like a
    message handler added with Client::addMessageHandler().
*/
class QPAHO_EXPORT Subscription : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString filter READ filter CONSTANT)
    Q_PROPERTY(int qos READ qos NOTIFY qosChanged)
    Q_PROPERTY(QPaho::Subscription::State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(int reasonCode READ reasonCode NOTIFY reasonCodeChanged)
    Q_PROPERTY(quint64 messageCount READ messageCount NOTIFY messageCountChanged)

public:
    /*! Where the subscription stands. */
    enum class State {
        Unsubscribed, //!< Ended by unsubscribe(); the Client deletes the object later.
        Pending, //!< Wanted, not (yet or again) acknowledged: SUBSCRIBE queued, in flight, or
                 //!< waiting for the client to connect.
        Subscribed, //!< The broker granted it (qos() says at which QoS).
        Error //!< Bad filter or refused by the broker: errorString() and reasonCode() say why.
    };
    Q_ENUM(State)

    /*! Destroys the object. It does not unsubscribe: call unsubscribe() for that. */
    ~Subscription() override;

    /*! The topic filter, as given to Client::subscription(). */
    QString filter() const;
    /*! The options this subscription asks for. */
    SubscribeOptions options() const;
    /*! The QoS the broker granted, or -1 while not subscribed. */
    int qos() const;
    /*! The current state. */
    State state() const;
    /*! Why the state is Error (or why the last attempt failed); empty otherwise. */
    QString errorString() const;
    /*! The SUBACK reason code of a refusal (0x80 or more), 0 otherwise. */
    int reasonCode() const;
    /*! Messages received through this subscription. */
    quint64 messageCount() const;

    /*!
        Ends the subscription: sends UNSUBSCRIBE when the broker may hold it, and goes to
        state Unsubscribed at once (no further messageReceived()). The future finishes with
        the UNSUBACK, or at once with success when there was nothing to unsubscribe. The
        Client deletes the object later (QObject::deleteLater()), and from now on
        Client::subscription() returns a new object for this filter.
    */
    QFuture<Result> unsubscribe();

Q_SIGNALS:
    /*! Emitted once for every received message that matches filter(). */
    void messageReceived(const QPaho::Message &message);
    /*! Emitted when state() changes. */
    void stateChanged(QPaho::Subscription::State state);
    /*! Emitted when qos() changes. */
    void qosChanged(int qos);
    /*! Emitted when errorString() changes. */
    void errorStringChanged(const QString &errorString);
    /*! Emitted when reasonCode() changes. */
    void reasonCodeChanged(int reasonCode);
    /*! Emitted when messageCount() changes. */
    void messageCountChanged(quint64 messageCount);

private:
    friend class Client;
    friend class ClientPrivate;
    Subscription(Client *client, const QString &filter, const SubscribeOptions &options);

    Q_DECLARE_PRIVATE(Subscription)
    std::unique_ptr<SubscriptionPrivate> d_ptr;
};

} // namespace QPaho

#endif // QPAHO_SUBSCRIPTION_H
