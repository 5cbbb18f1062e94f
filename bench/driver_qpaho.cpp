// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// QPaho driver. Built only when CMake finds the QPaho::QPaho target and
// QPAHO_BENCH_WITH_QPAHO is ON (then QPAHO_BENCH_HAVE_QPAHO is defined); otherwise the "qpaho"
// client is reported as "not built" and skipped.
//
// Two QPaho::Client objects on the main thread; waiting runs the main thread's event loop,
// because QPaho delivers there. TCP_NODELAY as the client name says (QPaho's default is on:
// "qpaho-nd"); the outbound byte budget is QPaho's default.
#include "driver.h"
#include "eventloopwait.h"

#ifdef QPAHO_BENCH_HAVE_QPAHO

#include <QPaho/QPaho>
#include <QtCore/QCoreApplication>

#include <algorithm>
#include <functional>

namespace bench {
namespace {

class QPahoDriver final : public Driver
{
public:
    ~QPahoDriver() override { close(); }

    bool open(const ConnectParams &p, Sink &sink, std::string &error) override
    {
        sink_ = &sink;
        // The application's opt-out of paho's function trace (process-wide, like the level
        // the other drivers run with): see pahoDefaultTrace().
        if (!pahoDefaultTrace())
            QPaho::Client::setPahoFunctionTraceEnabled(false);
        pub_ = std::make_unique<QPaho::Client>();
        sub_ = std::make_unique<QPaho::Client>();
        const auto options = [&p](const char *suffix) {
            QPaho::ConnectOptions o(
                QStringLiteral("tcp://%1:%2").arg(QString::fromStdString(p.host)).arg(p.port));
            o.setClientId(QString::fromStdString(p.clientIdPrefix) + QLatin1String(suffix));
            o.setKeepAliveInterval(p.keepAliveSec);
            o.setMaxInflight(p.maxInflight);
            o.setCleanSession(true);
            // TCP_NODELAY like every client: "qpaho-nd" (QPaho's default), not "qpaho".
            // QPaho's defaults otherwise: its own outbound byte budget.
            // QPAHO_BENCH_MAX_BYTES / QPAHO_BENCH_MAX_REQUESTS override the budget (sweeps),
            // QPAHO_BENCH_NODELAY=0/1 overrides TCP_NODELAY.
            if (const int bytes = qEnvironmentVariableIntValue("QPAHO_BENCH_MAX_BYTES"))
                o.setMaxOutstandingBytes(bytes);
            if (const int count = qEnvironmentVariableIntValue("QPAHO_BENCH_MAX_REQUESTS"))
                o.setMaxOutstandingRequests(count);
            o.setTcpNoDelay(p.tcpNoDelay);
            if (qEnvironmentVariableIsSet("QPAHO_BENCH_NODELAY"))
                o.setTcpNoDelay(qEnvironmentVariableIntValue("QPAHO_BENCH_NODELAY") != 0);
            return o;
        };
        const QString topic = QString::fromStdString(p.topic);
        if (p.echoTopic.empty()) {
            QObject::connect(sub_.get(), &QPaho::Client::messageReceived, sub_.get(),
                [this](const QPaho::Message &m) {
                    const QByteArray payload = m.payload();
                    sink_->onMessage(payload.constData(), size_t(payload.size()));
                });
        } else {
            // Ping-pong: the subscriber echoes, the publisher's connection feeds the sink.
            const QString echo = QString::fromStdString(p.echoTopic);
            const int qos = p.qos;
            QObject::connect(sub_.get(), &QPaho::Client::messageReceived, sub_.get(),
                [this, echo, qos](
                    const QPaho::Message &m) { sub_->publish(echo, m.payload(), qos); });
            QObject::connect(pub_.get(), &QPaho::Client::messageReceived, pub_.get(),
                [this](const QPaho::Message &m) {
                    const QByteArray payload = m.payload();
                    sink_->onMessage(payload.constData(), size_t(payload.size()));
                });
        }
        // Connect both at once (a second paho connection is noticed late otherwise).
        auto pubConnect = pub_->connectToHost(options("-pub"));
        auto subConnect = sub_->connectToHost(options("-sub"));
        const auto deadline = Clock::now() + p.timeout;
        if (!waitUntil(
                [&] { return pubConnect.isFinished() && subConnect.isFinished(); }, deadline)) {
            error = "QPaho connect timed out";
            return false;
        }
        if (!pubConnect.result() || !subConnect.result()) {
            error = "QPaho connect failed: "
                + (pubConnect.result() ? subConnect.result() : pubConnect.result())
                      .errorString()
                      .toStdString();
            return false;
        }
        auto subscribed = sub_->subscribe(topic, p.qos);
        QFuture<QPaho::SubscribeResult> echoSubscribed;
        if (!p.echoTopic.empty())
            echoSubscribed = pub_->subscribe(QString::fromStdString(p.echoTopic), p.qos);
        if (!waitUntil(
                [&] {
                    return subscribed.isFinished()
                        && (p.echoTopic.empty() || echoSubscribed.isFinished());
                },
                Clock::now() + p.timeout)) {
            error = "QPaho subscribe timed out";
            return false;
        }
        if (!subscribed.result() || (!p.echoTopic.empty() && !echoSubscribed.result())) {
            error = "QPaho subscribe failed";
            return false;
        }
        return true;
    }

    PublishResult publish(const PublishJob &job) override
    {
        PublishResult r;
        throttle_.setLimit(job.maxOutstanding);
        // Like the expert raw paho program: once the window is full, wait until half of it
        // has completed and refill that half in one burst (QPAHO_BENCH_REFILL=1 refills each
        // slot as soon as it opens).
        throttle_.setRefill(
            qEnvironmentVariableIntValue("QPAHO_BENCH_REFILL") == 1 ? 1 : job.maxOutstanding / 2);
        const QString topic = QString::fromStdString(job.topic);
        for (std::uint64_t i = 0; i < job.count; ++i) {
            if (throttle_.full()
                && !waitUntil(
                    [&] {
                        syncCompleted();
                        return throttle_.refilled();
                    },
                    job.deadline)) {
                r.timedOut = true;
                break;
            }
            if (!throttle_.acquire(job.deadline)) {
                r.timedOut = true;
                break;
            }
            // Like the other drivers, which stamp one buffer (their libraries copy it), reuse
            // a payload once QPaho has let go of it: a ring slot is detached again when the
            // publish that used it finished, which a full window makes likely.
            QByteArray &payload = payloadRing_[i % payloadRing_.size()];
            if (!payload.isDetached() || payload.size() != qsizetype(job.payloadSize))
                payload = QByteArray(qsizetype(job.payloadSize), 'p');
            stampPayload(payload.data(), job.firstSeq + i);
            auto future = pub_->publish(topic, payload, job.qos);
            if (future.isFinished() && !future.result()) {
                // Failed at once: nothing was handed to paho.
                throttle_.unissue();
                ++r.rejected;
                if (r.error.empty())
                    r.error = future.result().errorString().toStdString();
                continue;
            }
            ++r.issued;
            if (perPublishContinuations_) {
                future.then(pub_.get(), [this](const QPaho::PublishResult &result) {
                    if (!result && firstError_.empty())
                        firstError_ = result.errorString().toStdString();
                    throttle_.release();
                });
            }
        }
        return r;
    }

    bool waitReceived(Sink &sink, std::uint64_t target, Clock::time_point deadline) override
    {
        return waitUntil([&] { return sink.unique() >= target; }, deadline);
    }

    bool waitPublished(Clock::time_point deadline) override
    {
        return waitUntil(
            [&] {
                syncCompleted();
                return throttle_.completed() >= throttle_.issued();
            },
            deadline);
    }

    void close() override
    {
        if (!pub_ && !sub_)
            return;
        QList<QFuture<QPaho::Result>> disconnects;
        for (auto *c : { pub_.get(), sub_.get() }) {
            if (c && c->state() == QPaho::Client::State::Connected)
                disconnects.append(c->disconnectFromHost());
        }
        waitUntil(
            [&] {
                return std::all_of(disconnects.cbegin(), disconnects.cend(),
                    [](const auto &f) { return f.isFinished(); });
            },
            Clock::now() + std::chrono::seconds(5));
        pub_.reset();
        sub_.reset();
    }

private:
    // Streaming publishers rarely attach a continuation to every publish: by default the
    // driver counts completions with the messagesSent statistic, like such an application
    // would. QPAHO_BENCH_CONTINUATIONS=1 attaches a .then() to every publish instead.
    void syncCompleted()
    {
        if (perPublishContinuations_ || !pub_)
            return;
        while (throttle_.completed() < pub_->messagesSent())
            throttle_.release();
    }

    const bool perPublishContinuations_
        = qEnvironmentVariableIntValue("QPAHO_BENCH_CONTINUATIONS") != 0;
    Sink *sink_ = nullptr;
    Throttle throttle_;
    std::vector<QByteArray> payloadRing_ = std::vector<QByteArray>(128);
    std::unique_ptr<QPaho::Client> pub_;
    std::unique_ptr<QPaho::Client> sub_;
    std::string firstError_;
};

} // namespace

constexpr bool kQPahoDriverImplemented = true;

std::unique_ptr<Driver> makeQPahoDriver()
{
    if (!kQPahoDriverImplemented)
        return nullptr;
    return std::make_unique<QPahoDriver>();
}

} // namespace bench

#else

std::unique_ptr<bench::Driver> bench::makeQPahoDriver()
{
    return nullptr;
}

#endif
