// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// WillOptions: an implicitly shared value for the last will. No paho, no threads.
#include <QPaho/willoptions.h>

#include <QtCore/QSharedData>

namespace QPaho {

class WillOptionsData : public QSharedData
{
public:
    QString topic;
    QByteArray payload;
    Properties properties;
    int qos = 0;
    bool retained = false;
};

WillOptions::WillOptions() : d(new WillOptionsData) { }
WillOptions::WillOptions(const QString &topic, const QByteArray &payload, int qos, bool retain)
    : d(new WillOptionsData)
{
    d->topic = topic;
    d->payload = payload;
    d->qos = qos;
    d->retained = retain;
}
WillOptions::WillOptions(const WillOptions &other) = default;
WillOptions &WillOptions::operator=(const WillOptions &other) = default;
WillOptions::~WillOptions() = default;

bool WillOptions::isValid() const
{
    return !d->topic.isEmpty();
}
QString WillOptions::topic() const
{
    return d->topic;
}
void WillOptions::setTopic(const QString &topic)
{
    d->topic = topic;
}
QByteArray WillOptions::payload() const
{
    return d->payload;
}
void WillOptions::setPayload(const QByteArray &payload)
{
    d->payload = payload;
}
int WillOptions::qos() const
{
    return d->qos;
}
void WillOptions::setQos(int qos)
{
    d->qos = qos;
}
bool WillOptions::isRetained() const
{
    return d->retained;
}
void WillOptions::setRetained(bool retained)
{
    d->retained = retained;
}
Properties WillOptions::properties() const
{
    return d->properties;
}
void WillOptions::setProperties(const Properties &properties)
{
    d->properties = properties;
}

} // namespace QPaho
