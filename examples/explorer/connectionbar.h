// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include "statusindicator.h"

#include <QPaho/ConnectOptions>

#include <QtWidgets/QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;

/*!
    \class ConnectionBar
    \brief The fields of a connection (URL, client id, user, password, MQTT version, TLS files,
    subscriptions), a Connect button and the status lamp.

    connectOptions() and subscriptions() turn the fields into what QPaho needs, or mark the
    field that holds bad input (red frame, reason as tooltip) and say why.
*/
class ConnectionBar : public QWidget
{
    Q_OBJECT
public:
    enum class Field {
        Url,
        ClientId,
        Username,
        Password,
        ProtocolVersion,
        Subscriptions,
        CaFile,
        CertificateFile,
        PrivateKeyFile
    };
    Q_ENUM(Field)

    explicit ConnectionBar(QWidget *parent = nullptr);

    QWidget *field(Field field) const;
    void setText(Field field, const QString &text); // any field but ProtocolVersion
    void setProtocolVersion(QPaho::ProtocolVersion version);
    void setSubscriptions(const QStringList &filters);

    /*! The options the fields describe; on bad input nothing, the field marked, *error set. */
    std::optional<QPaho::ConnectOptions> connectOptions(QString *error);
    /*! The filters to subscribe to (comma separated); on bad input as connectOptions(). */
    std::optional<QStringList> subscriptions(QString *error);
    /*! Marks \a field as the cause of a failure (e.g. refused credentials). */
    void markInvalid(Field field, const QString &why);
    /*! Removes every mark (after a successful connect). */
    void clearMarks();

    StatusIndicator *statusIndicator() const { return m_indicator; }
    void setStatus(StatusIndicator::Status status, const QString &text);
    /*! Switches the button between Connect and Disconnect; the fields are locked while active. */
    void setActive(bool active);

Q_SIGNALS:
    void connectClicked();
    void disconnectClicked();

private:
    QLineEdit *addFileField(const QString &placeholder, Field which, QWidget *container);

    StatusIndicator *m_indicator;
    QLabel *m_statusLabel;
    QLineEdit *m_url;
    QLineEdit *m_clientId;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QComboBox *m_version;
    QLineEdit *m_subscriptions;
    QToolButton *m_tlsToggle;
    QWidget *m_tlsRow;
    QLineEdit *m_caFile = nullptr;
    QLineEdit *m_certificateFile = nullptr;
    QLineEdit *m_privateKeyFile = nullptr;
    QPushButton *m_connectButton;
    bool m_active = false;
};
