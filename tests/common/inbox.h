// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Inbox: records every message a Client emits through messageReceived(), with its arrival time,
// and answers the questions the suites ask of what arrived (by topic, by payload, in order).
#pragma once

#include <QPaho/QPaho>

#include <QtCore/QByteArrayList>
#include <QtCore/QElapsedTimer>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <algorithm>

namespace QPahoTest {

class Inbox
{
public:
    // Records from now on; stops when the Inbox or the client is destroyed.
    explicit Inbox(QPaho::Client &client)
    {
        clock.start();
        m_connection = QObject::connect(
            &client, &QPaho::Client::messageReceived, &client, [this](const QPaho::Message &m) {
                messages << m;
                arrivalMs << clock.elapsed();
            });
    }
    ~Inbox() { QObject::disconnect(m_connection); }
    Inbox(const Inbox &) = delete;
    Inbox &operator=(const Inbox &) = delete;

    // The messages on exactly this topic, in arrival order.
    QList<QPaho::Message> on(const QString &topic) const
    {
        QList<QPaho::Message> out;
        for (const QPaho::Message &m : messages) {
            if (m.topic() == topic)
                out << m;
        }
        return out;
    }
    bool hasTopic(const QString &topic) const { return !on(topic).isEmpty(); }
    bool has(const QString &topic, const QByteArray &payload) const
    {
        return std::any_of(messages.cbegin(), messages.cend(),
            [&](const QPaho::Message &m) { return m.topic() == topic && m.payload() == payload; });
    }

    // Every payload (or those on topic), in arrival order.
    QByteArrayList payloads() const
    {
        QByteArrayList out;
        for (const QPaho::Message &m : messages)
            out << m.payload();
        return out;
    }
    QByteArrayList payloadsOn(const QString &topic) const
    {
        QByteArrayList out;
        for (const QPaho::Message &m : on(topic))
            out << m.payload();
        return out;
    }
    // The payloads on topic as UTF-8 text.
    QStringList textsOn(const QString &topic) const
    {
        QStringList out;
        for (const QPaho::Message &m : on(topic))
            out << QString::fromUtf8(m.payload());
        return out;
    }
    qsizetype indexOf(const QByteArray &payload) const
    {
        for (qsizetype i = 0; i < messages.size(); ++i) {
            if (messages.at(i).payload() == payload)
                return i;
        }
        return -1;
    }
    bool hasPayload(const QByteArray &payload) const { return indexOf(payload) >= 0; }

    // The QoS of every message, sorted.
    QList<int> qosList() const
    {
        QList<int> out;
        for (const QPaho::Message &m : messages)
            out << m.qos();
        std::sort(out.begin(), out.end());
        return out;
    }
    // For failure messages: [topic 'payload' q1 retained dup, ...] (payloads cut at 40 bytes).
    QString describe() const
    {
        QStringList out;
        for (const QPaho::Message &m : messages) {
            out << QStringLiteral("%1 '%2' q%3%4%5")
                       .arg(m.topic(), QString::fromUtf8(m.payload().left(40)))
                       .arg(m.qos())
                       .arg(m.isRetained() ? QStringLiteral(" retained") : QString())
                       .arg(m.isDuplicate() ? QStringLiteral(" dup") : QString());
        }
        return QLatin1Char('[') + out.join(QStringLiteral(", ")) + QLatin1Char(']');
    }

    QList<QPaho::Message> messages;
    QList<qint64> arrivalMs; // milliseconds since the Inbox was made, one per message
    QElapsedTimer clock;

private:
    QMetaObject::Connection m_connection;
};

} // namespace QPahoTest
