// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_SSLOPTIONS_H
#define QPAHO_SSLOPTIONS_H

#include <QPaho/qpahoglobal.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QSharedDataPointer>
#include <QtCore/QString>

namespace QPaho {

class SslOptionsData;

/*!
    \class QPaho::SslOptions
    \brief TLS settings for \c ssl://, \c mqtts:// and \c wss:// connections.

    Header: `<QPaho/SslOptions>`. Secure by default: the server certificate chain
    and the server host name are both verified (paho's own default verifies
    neither host name nor, without a trust store, anything useful). Turning either
    off is an explicit call. Without caFile()/caPath() the system trust store is used.
    Implicitly shared.
*/
class QPAHO_EXPORT SslOptions
{
public:
    /*! TLS protocol versions (paho's MQTT_SSL_VERSION_*). */
    enum class Protocol { Default = 0, TlsV1_0 = 1, TlsV1_1 = 2, TlsV1_2 = 3 };

    /*! Default options: verify peer and host name, system trust store. */
    SslOptions();
    /*! Copy constructor. */
    SslOptions(const SslOptions &other);
    /*! Copy assignment. */
    SslOptions &operator=(const SslOptions &other);
    /*! Destructor. */
    ~SslOptions();

    /*! PEM file of trusted CA certificates (paho trustStore). */
    QString caFile() const;
    /*! Sets the CA file. */
    void setCaFile(const QString &path);
    /*! Directory of hashed CA certificates (paho CApath). */
    QString caPath() const;
    /*! Sets the CA directory. */
    void setCaPath(const QString &path);
    /*! PEM client certificate (paho keyStore); may also contain the key. */
    QString certificateFile() const;
    /*! Sets the client certificate file. */
    void setCertificateFile(const QString &path);
    /*! PEM private key of the client certificate. */
    QString privateKeyFile() const;
    /*! Sets the private key file. */
    void setPrivateKeyFile(const QString &path);
    /*! Password of the private key (never logged). */
    QByteArray privateKeyPassword() const;
    /*! Sets the private key password. */
    void setPrivateKeyPassword(const QByteArray &password);
    /*! Whether the server certificate chain is verified (default true). */
    bool verifyPeer() const;
    /*! Turns certificate chain verification on or off. Off is insecure. */
    void setVerifyPeer(bool verify);
    /*! Whether the server host name is checked against its certificate (default true). */
    bool verifyHostName() const;
    /*! Turns host name verification on or off. Off is insecure. */
    void setVerifyHostName(bool verify);
    /*! The TLS protocol version. */
    Protocol protocol() const;
    /*! Sets the TLS protocol version. */
    void setProtocol(Protocol protocol);
    /*! OpenSSL cipher list string; empty means OpenSSL's default. */
    QString ciphers() const;
    /*! Sets the cipher list. */
    void setCiphers(const QString &ciphers);
    /*! ALPN protocol names, e.g. {"mqtt"}. */
    QList<QByteArray> alpnProtocols() const;
    /*! Sets the ALPN protocol names. */
    void setAlpnProtocols(const QList<QByteArray> &protocols);
    /*! Whether OpenSSL's default trust store is ignored. */
    bool disableDefaultTrustStore() const;
    /*! Ignore OpenSSL's default trust store (use only caFile()/caPath()). */
    void setDisableDefaultTrustStore(bool disable);

private:
    QSharedDataPointer<SslOptionsData> d;
};

} // namespace QPaho

#endif // QPAHO_SSLOPTIONS_H
