// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_QPAHOGLOBAL_H
#define QPAHO_QPAHOGLOBAL_H

#include <QPaho/qpahoversion.h>

#include <QtCore/QObject>
#include <QtCore/qglobal.h>

#if defined(QPAHO_STATIC)
#define QPAHO_EXPORT
#elif defined(QPAHO_BUILDING_LIBRARY)
#define QPAHO_EXPORT Q_DECL_EXPORT
#else
#define QPAHO_EXPORT Q_DECL_IMPORT
#endif

/*!
    \namespace QPaho
    \brief Qt 6 MQTT client over Eclipse paho.mqtt.c.

    Header: `#include <QPaho/QPaho>`, CMake: `find_package(QPaho)` and
    `target_link_libraries(app PRIVATE QPaho::QPaho)`.
*/
namespace QPaho {
Q_NAMESPACE_EXPORT(QPAHO_EXPORT)

/*!
    The MQTT protocol version of a connection. The numbers are the protocol
    level byte sent in CONNECT.
*/
enum class ProtocolVersion {
    Mqtt311 = 4, //!< MQTT 3.1.1 (the default)
    Mqtt5 = 5 //!< MQTT 5.0
};
Q_ENUM_NS(ProtocolVersion)

/*!
    What ended a request. Every QPaho future finishes with a result carrying one
    of these; \c NoError means the request succeeded.
*/
enum class Error {
    NoError = 0, //!< The request succeeded.
    InvalidArgument, //!< Bad input (topic, filter, QoS, size, option); nothing was sent.
    InvalidState, //!< Not allowed in the client's current state (e.g. connect while connected).
    NotConnected, //!< Not connected, and the request could not be buffered.
    ConnectionRefused, //!< The broker refused CONNECT (bad credentials, not authorized, ...).
    ConnectionFailed, //!< The broker could not be reached (refused port, DNS, TLS handshake).
    ConnectionLost, //!< The connection dropped while the request was outstanding.
    Disconnected, //!< disconnectFromHost() ended the request before it completed.
    Timeout, //!< The request's timeout expired first.
    ClientDestroyed, //!< The Client was destroyed with the request outstanding.
    BufferFull, //!< The offline/outbound buffer was full.
    Unsupported, //!< An MQTT 5 feature was used on an MQTT 3.1.1 connection, or the broker lacks
                 //!< it.
    Refused, //!< The broker answered with a failure reason code (SUBACK, PUBACK, UNSUBACK, ...).
    PahoError, //!< paho.mqtt.c reported an error (see Result::pahoCode()).
    WrongThread //!< Called from a thread other than the Client's; nothing was done or sent.
};
Q_ENUM_NS(Error)

/*!
    Policy when a bounded queue is full.
*/
enum class OverflowPolicy {
    RejectNewest, //!< The new request fails with Error::BufferFull (default).
    DropOldest //!< The oldest queued request fails with Error::BufferFull and the new one is
               //!< queued.
};
Q_ENUM_NS(OverflowPolicy)

} // namespace QPaho

#endif // QPAHO_QPAHOGLOBAL_H
