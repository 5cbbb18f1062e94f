// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <QPaho/Message>

#include <QtWidgets/QWidget>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

/*!
    \class PublishPane
    \brief Topic, payload, QoS and retain flag of a message to publish.

    The Publish button emits publishRequested() only for a valid topic name: a topic with
    wildcards (or otherwise invalid) is marked in the field and reported by invalidInput().
*/
class PublishPane : public QWidget
{
    Q_OBJECT
public:
    explicit PublishPane(QWidget *parent = nullptr);

    void setTopic(const QString &topic);
    void setPayload(const QString &payload);
    void setQos(int qos);
    void setRetain(bool retain);
    /*! Enables the Publish button (the window does so while connected). */
    void setPublishEnabled(bool enabled);

    QLineEdit *topicEdit() const { return m_topic; }
    QPushButton *publishButton() const { return m_publish; }

    /*! Validates the fields; emits publishRequested() or invalidInput(). */
    void publish();

Q_SIGNALS:
    void publishRequested(const QPaho::Message &message);
    void invalidInput(const QString &why);

private:
    QLineEdit *m_topic;
    QPlainTextEdit *m_payload;
    QComboBox *m_qos;
    QCheckBox *m_retain;
    QPushButton *m_publish;
};
