// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "invalidfield.h"

#include <QtWidgets/QComboBox>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QWidget>

namespace {
constexpr char invalidProperty[] = "qpahoExplorerInvalid";
constexpr char clearConnectedProperty[] = "qpahoExplorerClearConnected";
} // namespace

void markInvalid(QWidget *field, const QString &why)
{
    field->setProperty(invalidProperty, true);
    field->setToolTip(why);
    // A style sheet on the field alone, so the rest of the window keeps the native style.
    field->setStyleSheet(QStringLiteral("border: 2px solid #d32f2f; background: #fdecea;"));
    if (!field->property(clearConnectedProperty).toBool()) {
        field->setProperty(clearConnectedProperty, true);
        if (auto *edit = qobject_cast<QLineEdit *>(field))
            QObject::connect(edit, &QLineEdit::textEdited, edit, [edit] { clearInvalid(edit); });
        else if (auto *combo = qobject_cast<QComboBox *>(field))
            QObject::connect(
                combo, &QComboBox::currentIndexChanged, combo, [combo] { clearInvalid(combo); });
    }
    field->setFocus(Qt::OtherFocusReason);
}

void clearInvalid(QWidget *field)
{
    if (!isMarkedInvalid(field))
        return;
    field->setProperty(invalidProperty, false);
    field->setToolTip({});
    field->setStyleSheet({});
}

bool isMarkedInvalid(const QWidget *field)
{
    return field->property(invalidProperty).toBool();
}
