// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// SubscribeOptions: an implicitly shared value (QoS, MQTT 5 subscription options and properties).
#include <QPaho/subscribeoptions.h>

#include <QtCore/QSharedData>

namespace QPaho {

class SubscribeOptionsData : public QSharedData
{
public:
    Properties properties;
    int qos = 0;
    SubscribeOptions::RetainHandling retainHandling
        = SubscribeOptions::RetainHandling::SendOnSubscribe;
    bool noLocal = false;
    bool retainAsPublished = false;
};

SubscribeOptions::SubscribeOptions() : d(new SubscribeOptionsData) { }
SubscribeOptions::SubscribeOptions(int qos) : d(new SubscribeOptionsData)
{
    d->qos = qos;
}
SubscribeOptions::SubscribeOptions(const SubscribeOptions &other) = default;
SubscribeOptions &SubscribeOptions::operator=(const SubscribeOptions &other) = default;
SubscribeOptions::~SubscribeOptions() = default;

int SubscribeOptions::qos() const
{
    return d->qos;
}
void SubscribeOptions::setQos(int qos)
{
    d->qos = qos;
}
bool SubscribeOptions::noLocal() const
{
    return d->noLocal;
}
void SubscribeOptions::setNoLocal(bool noLocal)
{
    d->noLocal = noLocal;
}
bool SubscribeOptions::retainAsPublished() const
{
    return d->retainAsPublished;
}
void SubscribeOptions::setRetainAsPublished(bool retainAsPublished)
{
    d->retainAsPublished = retainAsPublished;
}
SubscribeOptions::RetainHandling SubscribeOptions::retainHandling() const
{
    return d->retainHandling;
}
void SubscribeOptions::setRetainHandling(RetainHandling handling)
{
    d->retainHandling = handling;
}
Properties SubscribeOptions::properties() const
{
    return d->properties;
}
void SubscribeOptions::setProperties(const Properties &properties)
{
    d->properties = properties;
}
bool SubscribeOptions::needsMqtt5() const
{
    return d->noLocal || d->retainAsPublished
        || d->retainHandling != RetainHandling::SendOnSubscribe || !d->properties.isEmpty();
}

} // namespace QPaho
