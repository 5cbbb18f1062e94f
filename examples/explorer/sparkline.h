// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QtCore/QList>
#include <QtWidgets/QWidget>

/*!
    \class Sparkline
    \brief A small line chart of a topic's numeric values, painted with QPainter.

    (Qt Charts would do it too, but it is GPL-only in Debian; a sparkline is thirty lines.)
*/
class Sparkline : public QWidget
{
    Q_OBJECT
public:
    explicit Sparkline(QWidget *parent = nullptr);

    /*! Shows \a values, oldest first; fewer than two values show a placeholder text. */
    void setValues(const QList<double> &values);
    QList<double> values() const { return m_values; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<double> m_values;
};
