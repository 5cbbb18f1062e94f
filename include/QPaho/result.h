// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_RESULT_H
#define QPAHO_RESULT_H

#include <QPaho/properties.h>
#include <QPaho/qpahoglobal.h>

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace QPaho {

class ResultData;
namespace Internal {
struct ResultAccess;
}

/*!
    \class QPaho::Result
    \brief How a request ended: success, or an error that says what went wrong.

    Header: `<QPaho/Result>`, CMake target `QPaho::QPaho`.

    Every future returned by Client finishes with a Result (or one of its typed
    subclasses) and is never canceled and never exceptional, so `.then()`
    continuations always run and `co_await` never throws. Errors are values:
    error() classifies, errorString() explains, pahoCode() is paho.mqtt.c's return
    code (0 when paho was not involved), reasonCode() the MQTT reason code or CONNACK
    return code, and properties()/reasonString() carry what an MQTT 5 broker sent.

    The typed results (ConnectResult, SubscribeResult, PublishResult) add no data
    members, so converting between them never slices anything away.
    Implicitly shared, reentrant.
*/
class QPAHO_EXPORT Result
{
    Q_GADGET
    Q_PROPERTY(bool ok READ isOk CONSTANT)
    Q_PROPERTY(QPaho::Error error READ error CONSTANT)
    Q_PROPERTY(QString errorString READ errorString CONSTANT)
    Q_PROPERTY(int pahoCode READ pahoCode CONSTANT)
    Q_PROPERTY(int reasonCode READ reasonCode CONSTANT)
public:
    /*! A successful result. */
    Result();
    /*! A result with \a error, explained by \a errorString. */
    explicit Result(
        Error error, const QString &errorString = {}, int pahoCode = 0, int reasonCode = 0);
    /*! Copy constructor. */
    Result(const Result &other);
    /*! Move constructor. */
    Result(Result &&other) noexcept;
    /*! Copy assignment. */
    Result &operator=(const Result &other);
    /*! Move assignment. */
    Result &operator=(Result &&other) noexcept;
    /*! Destructor. */
    ~Result();

    /*! True when the request succeeded (error() == Error::NoError). */
    bool isOk() const;
    /*! Same as isOk(). */
    explicit operator bool() const { return isOk(); }
    /*! The error classification. */
    Error error() const;
    /*! A readable English explanation; empty on success. Never contains credentials. */
    QString errorString() const;
    /*! paho.mqtt.c's return code (MQTTASYNC_*), 0 when none applies. */
    int pahoCode() const;
    /*! The MQTT reason code (MQTT 5) or CONNACK return code / SUBACK code (3.1.1). */
    int reasonCode() const;
    /*! The MQTT 5 reason string sent by the broker, if any. */
    QString reasonString() const;
    /*! The MQTT 5 properties of the acknowledgement packet. */
    Properties properties() const;

protected:
    /*! The implicitly shared data; the typed results share it with the Result they view. */
    QSharedDataPointer<ResultData> d;
    friend struct Internal::ResultAccess;
};

/*!
    \class QPaho::ConnectResult
    \brief The outcome of Client::connectToHost(): CONNACK data on success.
*/
class QPAHO_EXPORT ConnectResult : public Result
{
    Q_GADGET
    Q_PROPERTY(bool sessionPresent READ sessionPresent CONSTANT)
    Q_PROPERTY(QString serverUri READ serverUri CONSTANT)
public:
    /*! A successful, empty result. */
    ConnectResult() = default;
    /*! Views \a result as a connect result (shares its data). */
    explicit ConnectResult(const Result &result) : Result(result) { }
    /*! True when the broker resumed a stored session (CONNACK session present). */
    bool sessionPresent() const;
    /*! The negotiated protocol version. */
    ProtocolVersion protocolVersion() const;
    /*! The URI of the server that accepted the connection. */
    QString serverUri() const;
    /*! The client identifier in use (the assigned one when the broker assigned it). */
    QString clientId() const;
};

/*!
    \class QPaho::SubscribeResult
    \brief The outcome of Client::subscribe(): one SUBACK reason code per filter.

    isOk() is true only when every filter was granted. reasonCodes() holds, per
    filter and in request order, the granted QoS (0, 1, 2) or a failure code (>= 0x80).
*/
class QPAHO_EXPORT SubscribeResult : public Result
{
    Q_GADGET
public:
    /*! A successful, empty result. */
    SubscribeResult() = default;
    /*! Views \a result as a subscribe result (shares its data). */
    explicit SubscribeResult(const Result &result) : Result(result) { }
    /*! The filters of the request, in order. */
    QStringList filters() const;
    /*! One SUBACK (or UNSUBACK) reason code per filter, in request order. */
    QList<int> reasonCodes() const;
    /*! The granted QoS of the first filter, or -1 when it was refused or not sent. */
    int grantedQos() const;
};

/*!
    \class QPaho::PublishResult
    \brief The outcome of Client::publish().

    Succeeds when the QoS flow completed: QoS 0 when handed to the socket, QoS 1 on
    PUBACK, QoS 2 on PUBCOMP. An MQTT 5 broker refusal (PUBACK/PUBREC reason >= 0x80)
    gives Error::Refused with the reason code. paho.mqtt.c does not pass on the reason
    code or properties of a \e successful PUBACK/PUBCOMP (such as 0x10, no matching
    subscribers), so on success reasonCode() is 0 and properties() is empty.
*/
class QPAHO_EXPORT PublishResult : public Result
{
    Q_GADGET
public:
    /*! A successful, empty result. */
    PublishResult() = default;
    /*! Views \a result as a publish result (shares its data). */
    explicit PublishResult(const Result &result) : Result(result) { }
    /*! The MQTT packet identifier paho used (0 for QoS 0 or when never sent). */
    int messageId() const;
    /*! The topic the message was published to. */
    QString topic() const;
};

/*! Writes "Result(ok)" or "Result(Error::X: text)" to \a debug. */
QPAHO_EXPORT QDebug operator<<(QDebug debug, const Result &result);

} // namespace QPaho

Q_DECLARE_METATYPE(QPaho::Result)
Q_DECLARE_METATYPE(QPaho::ConnectResult)
Q_DECLARE_METATYPE(QPaho::SubscribeResult)
Q_DECLARE_METATYPE(QPaho::PublishResult)

#endif // QPAHO_RESULT_H
