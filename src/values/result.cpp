// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Result and its views (ConnectResult, SubscribeResult, PublishResult): implicitly shared values
// that say how a request ended. No paho, no threads.
#include "values/result_p.h"

#include <QtCore/QDebug>

namespace QPaho {

namespace {

// Most results are plain successes: they share one empty ResultData (the core detaches it
// when it fills one in) instead of allocating one each, which a publish used to do twice.
const QSharedDataPointer<ResultData> &emptyResultData()
{
    static const QSharedDataPointer<ResultData> empty(new ResultData);
    return empty;
}

} // namespace

Result::Result() : d(emptyResultData()) { }

Result::Result(Error error, const QString &errorString, int pahoCode, int reasonCode)
    : d(new ResultData)
{
    d->error = error;
    d->errorString = errorString;
    d->pahoCode = pahoCode;
    d->reasonCode = reasonCode;
}

Result::Result(const Result &other) = default;
Result::Result(Result &&other) noexcept = default;
Result &Result::operator=(const Result &other) = default;
Result &Result::operator=(Result &&other) noexcept = default;
Result::~Result() = default;

bool Result::isOk() const
{
    return d->error == Error::NoError;
}
Error Result::error() const
{
    return d->error;
}
QString Result::errorString() const
{
    return d->errorString;
}
int Result::pahoCode() const
{
    return d->pahoCode;
}
int Result::reasonCode() const
{
    return d->reasonCode;
}
QString Result::reasonString() const
{
    return d->properties.reasonString().value_or(QString());
}
Properties Result::properties() const
{
    return d->properties;
}

bool ConnectResult::sessionPresent() const
{
    return d->sessionPresent;
}
ProtocolVersion ConnectResult::protocolVersion() const
{
    return d->protocolVersion;
}
QString ConnectResult::serverUri() const
{
    return d->serverUri;
}
QString ConnectResult::clientId() const
{
    return d->clientId;
}

QStringList SubscribeResult::filters() const
{
    return d->filters;
}
QList<int> SubscribeResult::reasonCodes() const
{
    return d->reasonCodes;
}
int SubscribeResult::grantedQos() const
{
    if (d->reasonCodes.isEmpty())
        return -1;
    const int code = d->reasonCodes.constFirst();
    return code <= 2 ? code : -1;
}

int PublishResult::messageId() const
{
    return d->messageId;
}
QString PublishResult::topic() const
{
    return d->topic;
}

QDebug operator<<(QDebug debug, const Result &result)
{
    QDebugStateSaver saver(debug);
    if (result.isOk())
        debug.nospace() << "Result(ok)";
    else
        debug.nospace() << "Result(" << result.error() << ": " << result.errorString() << ')';
    return debug;
}

} // namespace QPaho
