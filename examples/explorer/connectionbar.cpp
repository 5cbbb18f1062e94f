// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "connectionbar.h"

#include "invalidfield.h"

#include <QPaho/SslOptions>
#include <QPaho/Topic>

#include <QtCore/QFileInfo>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

namespace {
bool isTlsUri(const QString &normalizedUri)
{
    return normalizedUri.startsWith(QLatin1String("ssl://"))
        || normalizedUri.startsWith(QLatin1String("wss://"));
}

QLineEdit *lineEdit(const QString &objectName, const QString &placeholder, QWidget *parent)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    return edit;
}
} // namespace

ConnectionBar::ConnectionBar(QWidget *parent)
    : QWidget(parent),
      m_indicator(new StatusIndicator(this)),
      m_statusLabel(new QLabel(tr("Disconnected"), this)),
      m_url(lineEdit(QStringLiteral("url"), tr("tcp://host:1883, ssl://, ws://, wss://"), this)),
      m_clientId(lineEdit(QStringLiteral("clientId"), tr("client id (random if empty)"), this)),
      m_username(lineEdit(QStringLiteral("username"), tr("user"), this)),
      m_password(lineEdit(QStringLiteral("password"), tr("password"), this)),
      m_version(new QComboBox(this)),
      m_subscriptions(
          lineEdit(QStringLiteral("subscriptions"), tr("topic filters, comma separated"), this)),
      m_tlsToggle(new QToolButton(this)),
      m_tlsRow(new QWidget(this)),
      m_connectButton(new QPushButton(tr("Connect"), this))
{
    m_indicator->setObjectName(QStringLiteral("statusIndicator"));
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    m_statusLabel->setMinimumWidth(
        m_statusLabel->fontMetrics().horizontalAdvance(tr("Reconnecting…")));
    m_url->setText(QStringLiteral("tcp://localhost:1883"));
    m_url->setMinimumWidth(220);
    m_password->setEchoMode(QLineEdit::Password);
    m_version->setObjectName(QStringLiteral("protocolVersion"));
    m_version->addItem(tr("MQTT 3.1.1"), QVariant::fromValue(QPaho::ProtocolVersion::Mqtt311));
    m_version->addItem(tr("MQTT 5"), QVariant::fromValue(QPaho::ProtocolVersion::Mqtt5));
    m_subscriptions->setText(QStringLiteral("#, $SYS/#"));
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_connectButton->setDefault(true);
    m_tlsToggle->setObjectName(QStringLiteral("tlsToggle"));
    m_tlsToggle->setText(tr("TLS"));
    m_tlsToggle->setCheckable(true);
    m_tlsToggle->setToolTip(tr("CA file, client certificate and key for ssl:// and wss://"));

    auto *tlsLayout = new QHBoxLayout(m_tlsRow);
    tlsLayout->setContentsMargins(0, 0, 0, 0);
    m_caFile = addFileField(tr("CA file (system trust store if empty)"), Field::CaFile, m_tlsRow);
    m_certificateFile = addFileField(tr("client certificate"), Field::CertificateFile, m_tlsRow);
    m_privateKeyFile = addFileField(tr("private key"), Field::PrivateKeyFile, m_tlsRow);
    m_tlsRow->setVisible(false);
    connect(m_tlsToggle, &QToolButton::toggled, m_tlsRow, &QWidget::setVisible);
    connect(m_url, &QLineEdit::textChanged, this, [this](const QString &text) {
        if (isTlsUri(QPaho::ConnectOptions::normalizeUri(text)))
            m_tlsToggle->setChecked(true);
    });

    auto *top = new QHBoxLayout;
    top->addWidget(m_indicator);
    top->addWidget(m_statusLabel);
    top->addSpacing(8);
    top->addWidget(m_url, 3);
    top->addWidget(m_clientId, 2);
    top->addWidget(m_username, 1);
    top->addWidget(m_password, 1);
    top->addWidget(m_version);
    top->addWidget(m_tlsToggle);
    top->addWidget(m_connectButton);

    auto *second = new QHBoxLayout;
    second->addWidget(new QLabel(tr("Subscribe"), this));
    second->addWidget(m_subscriptions, 1);
    second->addWidget(m_tlsRow, 3);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 4);
    layout->addLayout(top);
    layout->addLayout(second);

    connect(m_connectButton, &QPushButton::clicked, this, [this] {
        if (m_active)
            Q_EMIT disconnectClicked();
        else
            Q_EMIT connectClicked();
    });
    for (QLineEdit *edit : { m_url, m_clientId, m_username, m_password, m_subscriptions }) {
        connect(edit, &QLineEdit::returnPressed, this, [this] {
            if (!m_active)
                Q_EMIT connectClicked();
        });
    }
}

QLineEdit *ConnectionBar::addFileField(const QString &placeholder, Field which, QWidget *container)
{
    static const char *const names[] = { "caFile", "certificateFile", "privateKeyFile" };
    const int slot = int(which) - int(Field::CaFile);
    QLineEdit *edit = lineEdit(QString::fromLatin1(names[slot]), placeholder, container);
    auto *browse = new QToolButton(container);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose a file"));
    connect(browse, &QToolButton::clicked, this, [this, edit, placeholder] {
        const QString path = QFileDialog::getOpenFileName(this, placeholder, edit->text(),
            tr("Certificates and keys (*.crt *.pem *.key *.cer);;All files (*)"));
        if (!path.isEmpty()) {
            edit->setText(path);
            clearInvalid(edit);
        }
    });
    container->layout()->addWidget(edit);
    container->layout()->addWidget(browse);
    return edit;
}

QWidget *ConnectionBar::field(Field which) const
{
    switch (which) {
    case Field::Url:
        return m_url;
    case Field::ClientId:
        return m_clientId;
    case Field::Username:
        return m_username;
    case Field::Password:
        return m_password;
    case Field::ProtocolVersion:
        return m_version;
    case Field::Subscriptions:
        return m_subscriptions;
    case Field::CaFile:
        return m_caFile;
    case Field::CertificateFile:
        return m_certificateFile;
    case Field::PrivateKeyFile:
        return m_privateKeyFile;
    }
    return nullptr;
}

void ConnectionBar::setText(Field which, const QString &text)
{
    if (auto *edit = qobject_cast<QLineEdit *>(field(which)))
        edit->setText(text);
}

void ConnectionBar::setProtocolVersion(QPaho::ProtocolVersion version)
{
    m_version->setCurrentIndex(m_version->findData(QVariant::fromValue(version)));
}

void ConnectionBar::setSubscriptions(const QStringList &filters)
{
    m_subscriptions->setText(filters.join(QStringLiteral(", ")));
}

void ConnectionBar::markInvalid(Field which, const QString &why)
{
    if (which == Field::CaFile || which == Field::CertificateFile || which == Field::PrivateKeyFile)
        m_tlsToggle->setChecked(true);
    ::markInvalid(field(which), why);
}

void ConnectionBar::clearMarks()
{
    for (const Field which :
        { Field::Url, Field::ClientId, Field::Username, Field::Password, Field::ProtocolVersion,
            Field::Subscriptions, Field::CaFile, Field::CertificateFile, Field::PrivateKeyFile })
        clearInvalid(field(which));
}

std::optional<QPaho::ConnectOptions> ConnectionBar::connectOptions(QString *error)
{
    const auto fail = [this, error](Field which, const QString &why) {
        *error = why;
        markInvalid(which, why);
        return std::nullopt;
    };
    clearMarks(); // marks from the last attempt; this one sets its own
    const QString uri = QPaho::ConnectOptions::normalizeUri(m_url->text());
    if (uri.isEmpty()) {
        return fail(Field::Url,
            tr("Bad broker URL \"%1\": use host, host:port or tcp://, ssl://, mqtts://, ws://, "
               "wss:// with a host")
                .arg(m_url->text()));
    }
    QPaho::ConnectOptions options(uri);
    options.setProtocolVersion(m_version->currentData().value<QPaho::ProtocolVersion>());
    options.setClientId(m_clientId->text().trimmed());
    // Only non-empty credentials are set: an empty password would still be sent as one.
    if (!m_username->text().isEmpty())
        options.setUsername(m_username->text());
    if (!m_password->text().isEmpty()) {
        if (m_username->text().isEmpty())
            return fail(Field::Username, tr("A password needs a user name"));
        options.setPassword(m_password->text().toUtf8());
    }
    options.setAutomaticReconnect(true);
    options.setRetryInterval(1000, 10000);

    if (isTlsUri(uri)) {
        QPaho::SslOptions ssl;
        for (const Field which : { Field::CaFile, Field::CertificateFile, Field::PrivateKeyFile }) {
            const QString path = qobject_cast<QLineEdit *>(field(which))->text().trimmed();
            if (!path.isEmpty() && !QFileInfo(path).isReadable())
                return fail(which, tr("Cannot read the file \"%1\"").arg(path));
        }
        ssl.setCaFile(m_caFile->text().trimmed());
        ssl.setCertificateFile(m_certificateFile->text().trimmed());
        ssl.setPrivateKeyFile(m_privateKeyFile->text().trimmed());
        if (ssl.certificateFile().isEmpty() != ssl.privateKeyFile().isEmpty()) {
            return fail(
                ssl.certificateFile().isEmpty() ? Field::CertificateFile : Field::PrivateKeyFile,
                tr("A client certificate needs its private key, and the other way round"));
        }
        options.setSslOptions(ssl);
    }
    return options;
}

std::optional<QStringList> ConnectionBar::subscriptions(QString *error)
{
    QStringList filters;
    for (const QString &part : m_subscriptions->text().split(u',', Qt::SkipEmptyParts)) {
        const QString filter = part.trimmed();
        if (filter.isEmpty())
            continue;
        const QString why = QPaho::Topic::filterError(filter);
        if (!why.isEmpty()) {
            *error = tr("Bad topic filter \"%1\": %2").arg(filter, why);
            markInvalid(Field::Subscriptions, *error);
            return std::nullopt;
        }
        filters.append(filter);
    }
    if (filters.isEmpty()) {
        *error = tr("Subscribe to at least one topic filter, e.g. #");
        markInvalid(Field::Subscriptions, *error);
        return std::nullopt;
    }
    return filters;
}

void ConnectionBar::setStatus(StatusIndicator::Status status, const QString &text)
{
    m_indicator->setStatus(status);
    m_statusLabel->setText(text);
}

void ConnectionBar::setActive(bool active)
{
    m_active = active;
    m_connectButton->setText(active ? tr("Disconnect") : tr("Connect"));
    for (QWidget *widget : { static_cast<QWidget *>(m_url), static_cast<QWidget *>(m_clientId),
             static_cast<QWidget *>(m_username), static_cast<QWidget *>(m_password),
             static_cast<QWidget *>(m_version), static_cast<QWidget *>(m_subscriptions), m_tlsRow })
        widget->setEnabled(!active);
}
