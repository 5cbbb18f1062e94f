// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Pixel checks on qpaho-explorer screenshots (MainWindow::screenshot(), or the PNG written by
// --screenshot): the status lamp's colour and text drawn inside a cell. Each check returns an
// empty string when it holds, else what it saw.
#pragma once

#include <QtCore/QHash>
#include <QtCore/QRect>
#include <QtCore/QString>
#include <QtGui/QColor>
#include <QtGui/QImage>

#include <cstdlib>

namespace ExplorerPixels {

// "x,y,w,h" as written by MainWindow::screenshot(); an invalid rect when missing.
inline QRect annotatedRect(const QImage &image, const QString &key)
{
    const QStringList parts = image.text(key).split(u',');
    if (parts.size() != 4)
        return {};
    return QRect(parts[0].toInt(), parts[1].toInt(), parts[2].toInt(), parts[3].toInt());
}

inline int colorDistance(QRgb a, QRgb b)
{
    return std::abs(qRed(a) - qRed(b)) + std::abs(qGreen(a) - qGreen(b))
        + std::abs(qBlue(a) - qBlue(b));
}

// The lamp's middle is painted in one solid colour (antialiasing only touches its rim).
inline QString checkLamp(const QImage &image, const QColor &expected)
{
    const QRect lamp = annotatedRect(image, QStringLiteral("statusIndicator"));
    if (!lamp.isValid() || !image.rect().contains(lamp))
        return QStringLiteral("no statusIndicator rect in the image");
    const QRgb centre = image.pixel(lamp.center());
    if (colorDistance(centre, expected.rgb()) > 30) {
        return QStringLiteral("lamp centre is %1, expected %2")
            .arg(QColor(centre).name(), expected.name());
    }
    return {};
}

struct Ink
{
    int pixels = 0; // pixels that differ clearly from the cell's background
    QRect bounds; // their bounding box
};

// Pixels inside `cell` (its 2-pixel margin left out) that are not the cell's background, the
// colour most of the cell has.
inline Ink inkIn(const QImage &image, const QRect &cell)
{
    const QRect inner = cell.adjusted(2, 2, -2, -2).intersected(image.rect());
    QHash<QRgb, int> histogram;
    for (int y = inner.top(); y <= inner.bottom(); ++y) {
        for (int x = inner.left(); x <= inner.right(); ++x)
            ++histogram[image.pixel(x, y) & 0xffffff];
    }
    QRgb background = 0;
    int most = -1;
    for (auto it = histogram.cbegin(); it != histogram.cend(); ++it) {
        if (it.value() > most) {
            most = it.value();
            background = it.key();
        }
    }
    Ink ink;
    for (int y = inner.top(); y <= inner.bottom(); ++y) {
        for (int x = inner.left(); x <= inner.right(); ++x) {
            if (colorDistance(image.pixel(x, y), background) > 120) {
                ++ink.pixels;
                ink.bounds |= QRect(x, y, 1, 1);
            }
        }
    }
    return ink;
}

// Text of about `expectedWidth` pixels was drawn at the left of the cell `key`.
inline QString checkTextIn(const QImage &image, const QString &key, int expectedWidth)
{
    const QRect cell = annotatedRect(image, key);
    if (!cell.isValid() || !image.rect().contains(cell))
        return QStringLiteral("no %1 in the image (or outside it)").arg(key);
    const Ink ink = inkIn(image, cell);
    if (ink.pixels < 12)
        return QStringLiteral("%1: only %2 text pixels").arg(key).arg(ink.pixels);
    if (ink.bounds.left() - cell.left() > 24)
        return QStringLiteral("%1: text starts %2 px into the cell")
            .arg(key)
            .arg(ink.bounds.left() - cell.left());
    if (ink.bounds.width() < expectedWidth / 3 || ink.bounds.width() > expectedWidth * 3 + 8) {
        return QStringLiteral("%1: text is %2 px wide, expected about %3")
            .arg(key)
            .arg(ink.bounds.width())
            .arg(expectedWidth);
    }
    return {};
}

} // namespace ExplorerPixels
