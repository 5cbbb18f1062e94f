// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QtGui/QColor>
#include <QtWidgets/QWidget>

/*!
    \class StatusIndicator
    \brief A round lamp showing the connection status: grey, amber, green or red.
*/
class StatusIndicator : public QWidget
{
    Q_OBJECT
    Q_PROPERTY(Status status READ status WRITE setStatus NOTIFY statusChanged)
public:
    enum class Status {
        Disconnected, //!< grey
        Connecting, //!< amber: connecting or reconnecting
        Connected, //!< green
        Error //!< red: the last attempt failed or the connection was lost for good
    };
    Q_ENUM(Status)

    explicit StatusIndicator(QWidget *parent = nullptr);

    Status status() const { return m_status; }
    void setStatus(Status status);

    /*! The lamp's colour for \a status (the tests compare pixels against it). */
    static QColor colorFor(Status status);

    QSize sizeHint() const override;

Q_SIGNALS:
    void statusChanged(StatusIndicator::Status status);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    Status m_status = Status::Disconnected;
};
