// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Marks an input field as holding bad input: red frame, the reason as tooltip, until edited.
#pragma once

#include <QtCore/QString>

class QWidget;

/*! Frames \a field in red and shows \a why as its tooltip; editing the field clears the mark. */
void markInvalid(QWidget *field, const QString &why);
/*! Removes the mark set by markInvalid(). */
void clearInvalid(QWidget *field);
/*! Whether \a field is marked (tests and screenshots look at this). */
bool isMarkedInvalid(const QWidget *field);
