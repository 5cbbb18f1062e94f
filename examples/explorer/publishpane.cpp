// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "publishpane.h"

#include "invalidfield.h"

#include <QPaho/Topic>

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>

PublishPane::PublishPane(QWidget *parent)
    : QWidget(parent),
      m_topic(new QLineEdit(this)),
      m_payload(new QPlainTextEdit(this)),
      m_qos(new QComboBox(this)),
      m_retain(new QCheckBox(tr("Retain"), this)),
      m_publish(new QPushButton(tr("Publish"), this))
{
    m_topic->setObjectName(QStringLiteral("publishTopic"));
    m_topic->setPlaceholderText(tr("topic, e.g. home/kitchen/light (no wildcards)"));
    m_payload->setObjectName(QStringLiteral("publishPayload"));
    m_payload->setPlaceholderText(tr("payload"));
    m_payload->setTabChangesFocus(true);
    m_payload->setFixedHeight(m_payload->fontMetrics().lineSpacing() * 4 + 12);
    m_qos->setObjectName(QStringLiteral("publishQos"));
    m_qos->addItems({ tr("QoS 0"), tr("QoS 1"), tr("QoS 2") });
    m_retain->setObjectName(QStringLiteral("publishRetain"));
    m_publish->setObjectName(QStringLiteral("publishButton"));

    auto *options = new QHBoxLayout;
    options->addWidget(m_qos);
    options->addWidget(m_retain);
    options->addStretch();
    options->addWidget(m_publish);

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Topic"), m_topic);
    form->addRow(tr("Payload"), m_payload);
    form->addRow(options);

    connect(m_publish, &QPushButton::clicked, this, &PublishPane::publish);
    connect(m_topic, &QLineEdit::returnPressed, this, &PublishPane::publish);
}

void PublishPane::setTopic(const QString &topic)
{
    m_topic->setText(topic);
    clearInvalid(m_topic);
}

void PublishPane::setPayload(const QString &payload)
{
    m_payload->setPlainText(payload);
}

void PublishPane::setQos(int qos)
{
    m_qos->setCurrentIndex(qos);
}

void PublishPane::setRetain(bool retain)
{
    m_retain->setChecked(retain);
}

void PublishPane::setPublishEnabled(bool enabled)
{
    m_publish->setEnabled(enabled);
}

void PublishPane::publish()
{
    const QString topic = m_topic->text();
    const QString why = QPaho::Topic::nameError(topic);
    if (!why.isEmpty()) {
        const QString message = tr("Cannot publish to \"%1\": %2").arg(topic, why);
        markInvalid(m_topic, message);
        Q_EMIT invalidInput(message);
        return;
    }
    clearInvalid(m_topic);
    Q_EMIT publishRequested(QPaho::Message(
        topic, m_payload->toPlainText().toUtf8(), m_qos->currentIndex(), m_retain->isChecked()));
}
