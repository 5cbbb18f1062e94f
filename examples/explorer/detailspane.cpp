// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "detailspane.h"

#include "payloadformat.h"
#include "sparkline.h"
#include "topictreemodel.h"

#include <QtCore/QDateTime>
#include <QtGui/QFontDatabase>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPlainTextEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTreeWidget>
#include <QtWidgets/QVBoxLayout>

DetailsPane::DetailsPane(TopicTreeModel *model, QWidget *parent)
    : QWidget(parent),
      m_model(model),
      m_title(new QLabel(this)),
      m_meta(new QLabel(this)),
      m_format(new QComboBox(this)),
      m_publishTo(new QPushButton(tr("Publish to…"), this)),
      m_clearRetained(new QPushButton(tr("Clear retained"), this)),
      m_payload(new QPlainTextEdit(this)),
      m_sparkline(new Sparkline(this)),
      m_history(new QTreeWidget(this))
{
    m_title->setObjectName(QStringLiteral("detailsTopic"));
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_meta->setObjectName(QStringLiteral("detailsMeta"));
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_format->setObjectName(QStringLiteral("payloadFormat"));
    m_format->addItem(tr("Auto"), QVariant::fromValue(int(PayloadFormat::Auto)));
    m_format->addItem(tr("JSON"), QVariant::fromValue(int(PayloadFormat::Json)));
    m_format->addItem(tr("Text"), QVariant::fromValue(int(PayloadFormat::Text)));
    m_format->addItem(tr("Hex"), QVariant::fromValue(int(PayloadFormat::Hex)));
    m_clearRetained->setObjectName(QStringLiteral("clearRetained"));
    m_clearRetained->setToolTip(tr("Publish an empty retained message, which deletes the "
                                   "broker's retained message for this topic"));
    m_publishTo->setObjectName(QStringLiteral("publishTo"));
    m_payload->setObjectName(QStringLiteral("payloadView"));
    m_payload->setReadOnly(true);
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_sparkline->setObjectName(QStringLiteral("sparkline"));
    m_history->setObjectName(QStringLiteral("history"));
    m_history->setRootIsDecorated(false);
    m_history->setUniformRowHeights(true);
    m_history->setHeaderLabels({ tr("Received"), tr("QoS"), tr("Retained"), tr("Payload") });
    m_history->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_history->header()->setStretchLastSection(true);

    auto *tools = new QHBoxLayout;
    tools->addWidget(new QLabel(tr("Show as"), this));
    tools->addWidget(m_format);
    tools->addStretch();
    tools->addWidget(m_publishTo);
    tools->addWidget(m_clearRetained);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_meta);
    layout->addLayout(tools);
    layout->addWidget(m_payload, 2);
    layout->addWidget(m_sparkline);
    layout->addWidget(m_history, 3);

    connect(m_format, &QComboBox::currentIndexChanged, this, [this] { refresh(true); });
    connect(m_model, &TopicTreeModel::updated, this, [this] { refresh(false); });
    connect(m_clearRetained, &QPushButton::clicked, this,
        [this] { Q_EMIT clearRetainedRequested(m_topic); });
    connect(m_publishTo, &QPushButton::clicked, this, [this] {
        const QModelIndex index = m_model->indexForTopic(m_topic);
        Q_EMIT publishToRequested(m_topic, index.data(TopicTreeModel::PayloadRole).toByteArray());
    });
    showTopic({});
}

void DetailsPane::showTopic(const QString &topic)
{
    m_topic = topic;
    refresh(true);
}

void DetailsPane::refresh(bool force)
{
    const QModelIndex index = m_topic.isEmpty() ? QModelIndex() : m_model->indexForTopic(m_topic);
    const quint64 count = index.data(TopicTreeModel::OwnCountRole).toULongLong();
    if (!force && count == m_shownCount)
        return; // nothing new on this topic: leave the widgets (and their selection) alone
    m_shownCount = count;

    const bool hasValue = index.data(TopicTreeModel::HasValueRole).toBool();
    m_title->setText(m_topic.isEmpty() ? tr("Select a topic") : m_topic);
    m_publishTo->setEnabled(!m_topic.isEmpty());
    m_clearRetained->setEnabled(hasValue);
    if (!hasValue) {
        m_meta->setText(m_topic.isEmpty()
                ? tr("Its last value, history and numeric trend show here.")
                : tr("No message on exactly this topic; %n below it.", nullptr,
                    int(index.data(TopicTreeModel::TotalCountRole).toULongLong())));
        m_payload->clear();
        m_sparkline->setValues({});
        m_history->clear();
        return;
    }

    const QByteArray payload = index.data(TopicTreeModel::PayloadRole).toByteArray();
    const auto format = PayloadFormat(m_format->currentData().toInt());
    const PayloadFormat shown
        = format == PayloadFormat::Auto ? detectPayloadFormat(payload) : format;
    static const QStringList formatNames = { QString(), tr("JSON"), tr("text"), tr("binary") };
    m_meta->setText(
        tr("QoS %1 · %2 · %3 bytes, %4 · %n message(s) · last at %5", nullptr, int(count))
            .arg(index.data(TopicTreeModel::QosRole).toInt())
            .arg(index.data(TopicTreeModel::RetainedRole).toBool() ? tr("retained") : tr("live"))
            .arg(payload.size())
            .arg(formatNames.value(int(shown)),
                index.data(TopicTreeModel::LastReceivedRole)
                    .toDateTime()
                    .toString(QStringLiteral("HH:mm:ss.zzz"))));
    m_payload->setPlainText(formatPayload(payload, format));

    const QList<TopicMessage> history = m_model->history(index);
    QList<double> numbers;
    for (const TopicMessage &message : history) {
        if (const std::optional<double> value = numericValue(message.payload))
            numbers.append(*value);
    }
    m_sparkline->setValues(numbers);

    m_history->clear();
    QList<QTreeWidgetItem *> items;
    items.reserve(history.size());
    for (auto it = history.crbegin(); it != history.crend(); ++it) {
        items.append(new QTreeWidgetItem(QStringList {
            QDateTime::fromMSecsSinceEpoch(it->receivedMs).toString(QStringLiteral("HH:mm:ss.zzz")),
            QString::number(it->qos), it->retained ? tr("yes") : QString(),
            payloadPreview(it->payload, 120) }));
    }
    m_history->addTopLevelItems(items);
}
