// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "statusindicator.h"

#include <QtGui/QPainter>

StatusIndicator::StatusIndicator(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void StatusIndicator::setStatus(Status status)
{
    if (status == m_status)
        return;
    m_status = status;
    update();
    Q_EMIT statusChanged(status);
}

QColor StatusIndicator::colorFor(Status status)
{
    switch (status) {
    case Status::Disconnected:
        return QColor(0x9e, 0x9e, 0x9e);
    case Status::Connecting:
        return QColor(0xff, 0xa0, 0x00);
    case Status::Connected:
        return QColor(0x2e, 0xa0, 0x43);
    case Status::Error:
        return QColor(0xd3, 0x2f, 0x2f);
    }
    return {};
}

QSize StatusIndicator::sizeHint() const
{
    return { 18, 18 };
}

void StatusIndicator::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor color = colorFor(m_status);
    painter.setPen(QPen(color.darker(130), 1));
    painter.setBrush(color);
    const int side = qMin(width(), height()) - 2;
    painter.drawEllipse(QRectF((width() - side) / 2.0, (height() - side) / 2.0, side, side));
}
