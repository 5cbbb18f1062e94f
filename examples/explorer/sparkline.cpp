// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "sparkline.h"

#include <QtGui/QPainter>
#include <QtGui/QPainterPath>

#include <algorithm>

Sparkline::Sparkline(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void Sparkline::setValues(const QList<double> &values)
{
    if (values == m_values)
        return;
    m_values = values;
    update();
}

QSize Sparkline::sizeHint() const
{
    return { 320, 72 };
}

QSize Sparkline::minimumSizeHint() const
{
    return { 120, 72 };
}

void Sparkline::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF frame = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    painter.setPen(palette().color(QPalette::Mid));
    painter.setBrush(palette().color(QPalette::Base));
    painter.drawRoundedRect(frame, 4, 4);

    if (m_values.size() < 2) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(frame, Qt::AlignCenter, tr("no numeric values yet"));
        return;
    }

    const auto [minIt, maxIt] = std::minmax_element(m_values.cbegin(), m_values.cend());
    const double low = *minIt;
    const double high = *maxIt;
    const double span = high > low ? high - low : 1.0;

    // Labels on the left, the line to their right.
    const QFontMetrics metrics = painter.fontMetrics();
    const QString highText = QString::number(high, 'g', 6);
    const QString lowText = QString::number(low, 'g', 6);
    const int labelWidth
        = std::max(metrics.horizontalAdvance(highText), metrics.horizontalAdvance(lowText)) + 12;
    const QRectF plot = frame.adjusted(labelWidth, 8, -8, -8);
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(QRectF(frame.left() + 6, plot.top() - 6, labelWidth - 8, metrics.height()),
        Qt::AlignLeft | Qt::AlignTop, highText);
    painter.drawText(QRectF(frame.left() + 6, plot.bottom() - metrics.height() + 6, labelWidth - 8,
                         metrics.height()),
        Qt::AlignLeft | Qt::AlignBottom, lowText);

    QPainterPath line;
    const double step = plot.width() / double(m_values.size() - 1);
    for (int i = 0; i < m_values.size(); ++i) {
        const QPointF point(
            plot.left() + i * step, plot.bottom() - (m_values[i] - low) / span * plot.height());
        if (i == 0)
            line.moveTo(point);
        else
            line.lineTo(point);
    }
    const QColor accent(0x1e, 0x88, 0xe5);
    QPainterPath area = line;
    area.lineTo(plot.right(), plot.bottom());
    area.lineTo(plot.left(), plot.bottom());
    area.closeSubpath();
    QColor fill = accent;
    fill.setAlpha(40);
    painter.fillPath(area, fill);
    painter.setPen(QPen(accent, 1.6));
    painter.setBrush(Qt::NoBrush);
    painter.drawPath(line);
    painter.setBrush(accent);
    painter.drawEllipse(line.currentPosition(), 2.5, 2.5);
}
