// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// SslOptions: an implicitly shared value for TLS settings. No paho, no threads.
#include <QPaho/ssloptions.h>

#include <QtCore/QSharedData>

namespace QPaho {

class SslOptionsData : public QSharedData
{
public:
    QString caFile;
    QString caPath;
    QString certificateFile;
    QString privateKeyFile;
    QByteArray privateKeyPassword;
    QString ciphers;
    QList<QByteArray> alpn;
    SslOptions::Protocol protocol = SslOptions::Protocol::Default;
    bool verifyPeer = true; // secure by default: paho's initializer does not verify host names
    bool verifyHostName = true;
    bool disableDefaultTrustStore = false;
};

SslOptions::SslOptions() : d(new SslOptionsData) { }
SslOptions::SslOptions(const SslOptions &other) = default;
SslOptions &SslOptions::operator=(const SslOptions &other) = default;
SslOptions::~SslOptions() = default;

QString SslOptions::caFile() const
{
    return d->caFile;
}
void SslOptions::setCaFile(const QString &path)
{
    d->caFile = path;
}
QString SslOptions::caPath() const
{
    return d->caPath;
}
void SslOptions::setCaPath(const QString &path)
{
    d->caPath = path;
}
QString SslOptions::certificateFile() const
{
    return d->certificateFile;
}
void SslOptions::setCertificateFile(const QString &path)
{
    d->certificateFile = path;
}
QString SslOptions::privateKeyFile() const
{
    return d->privateKeyFile;
}
void SslOptions::setPrivateKeyFile(const QString &path)
{
    d->privateKeyFile = path;
}
QByteArray SslOptions::privateKeyPassword() const
{
    return d->privateKeyPassword;
}
void SslOptions::setPrivateKeyPassword(const QByteArray &password)
{
    d->privateKeyPassword = password;
}
bool SslOptions::verifyPeer() const
{
    return d->verifyPeer;
}
void SslOptions::setVerifyPeer(bool verify)
{
    d->verifyPeer = verify;
}
bool SslOptions::verifyHostName() const
{
    return d->verifyHostName;
}
void SslOptions::setVerifyHostName(bool verify)
{
    d->verifyHostName = verify;
}
SslOptions::Protocol SslOptions::protocol() const
{
    return d->protocol;
}
void SslOptions::setProtocol(Protocol protocol)
{
    d->protocol = protocol;
}
QString SslOptions::ciphers() const
{
    return d->ciphers;
}
void SslOptions::setCiphers(const QString &ciphers)
{
    d->ciphers = ciphers;
}
QList<QByteArray> SslOptions::alpnProtocols() const
{
    return d->alpn;
}
void SslOptions::setAlpnProtocols(const QList<QByteArray> &protocols)
{
    d->alpn = protocols;
}
bool SslOptions::disableDefaultTrustStore() const
{
    return d->disableDefaultTrustStore;
}
void SslOptions::setDisableDefaultTrustStore(bool disable)
{
    d->disableDefaultTrustStore = disable;
}

} // namespace QPaho
