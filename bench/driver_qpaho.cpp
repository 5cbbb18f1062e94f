// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// QPaho driver. Built only when CMake finds the QPaho::QPaho target and
// QPAHO_BENCH_WITH_QPAHO is ON (then QPAHO_BENCH_HAVE_QPAHO is defined); otherwise the "qpaho"
// client is reported as "not built" and skipped.
//
// TODO(lead): implement QPahoDriver against the real QPaho API. Contract (see driver.h):
//
//   bool open(const ConnectParams &p, Sink &sink, std::string &error)
//       Two QPaho::Client objects (pub, sub), both living on the main thread. MQTT 3.1.1,
//       clean session, keep-alive p.keepAliveSec, in-flight window p.maxInflight, host
//       p.host, port p.port, client ids p.clientIdPrefix + "-pub" / "-sub". TCP_NODELAY:
//       whatever QPaho does by default; if QPaho has an option, set it from p.tcpNoDelay
//       (client "qpaho-nd" sets it, "qpaho" leaves it false).
//       Connect both, then subscribe sub to p.topic at p.qos. Wait with
//       waitUntil([&]{ return done; }, Clock::now() + p.timeout) (below), which runs the main
//       thread's event loop. Connect the sub's message signal to
//       sink.onMessage(msg.payload().constData(), msg.payload().size()).
//       Ping-pong mode (p.echoTopic not empty, the lat-* scenarios): instead, the sub's message
//       handler republishes the payload unchanged to p.echoTopic at p.qos (don't wait for the
//       future), and pub subscribes to p.echoTopic at p.qos and feeds the sink.
//
//   PublishResult publish(const PublishJob &job)
//       job.count publishes of job.payloadSize bytes; before each one
//       stampPayload(buf.data(), job.firstSeq + i) (QByteArray buf(job.payloadSize, 'p');
//       detach/copy per publish if QPaho keeps a reference). job.maxOutstanding == 0: call
//       publish in a plain loop without waiting (the "publish in a loop without waiting"
//       scenarios loop-q1-*: QPaho's own backpressure must make every message arrive).
//       job.maxOutstanding == K > 0: at most K futures unfinished; use Throttle:
//       throttle_.reset(K); before each publish waitUntil([&]{ return throttle_.issued() -
//       throttle_.completed() < K; }, job.deadline) then throttle_.acquire(job.deadline)
//       (which then never blocks); in the future's continuation (on the main thread) call
//       throttle_.release(). Count synchronous failures in PublishResult::rejected.
//
//   bool waitReceived(Sink &sink, uint64_t target, Clock::time_point deadline)
//       MUST be overridden: return waitUntil([&]{ return sink.unique() >= target; }, deadline);
//       (the harness's default blocks the main thread, which would starve QPaho's delivery).
//
//   bool waitPublished(Clock::time_point deadline)
//       waitUntil([&]{ return throttle_.completed() >= throttle_.issued(); }, deadline)
//
//   void close()
//       Disconnect both clients (wait briefly with waitUntil), then destroy them. After close()
//       no signal may reach the sink. Must be safe after a failed open().
#include "driver.h"

#ifdef QPAHO_BENCH_HAVE_QPAHO

#include <QtCore/QCoreApplication>
#include <QtCore/QEventLoop>
// #include <QPaho/QPaho>

#include <functional>

namespace bench {
namespace {

// Runs the main thread's event loop until pred() holds or the deadline passes.
bool waitUntil(const std::function<bool()> &pred, Clock::time_point deadline)
{
    while (!pred()) {
        if (Clock::now() >= deadline)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 10);
    }
    return true;
}

class QPahoDriver final : public Driver
{
public:
    ~QPahoDriver() override { close(); }

    bool open(const ConnectParams &, Sink &sink, std::string &error) override
    {
        sink_ = &sink;
        error = "QPaho driver not implemented yet (bench/driver_qpaho.cpp TODO)";
        return false;
    }

    PublishResult publish(const PublishJob &) override
    {
        PublishResult r;
        r.error = "not implemented";
        return r;
    }

    bool waitReceived(Sink &sink, std::uint64_t target, Clock::time_point deadline) override
    {
        return waitUntil([&] { return sink.unique() >= target; }, deadline);
    }

    bool waitPublished(Clock::time_point deadline) override
    {
        return waitUntil([&] { return throttle_.completed() >= throttle_.issued(); }, deadline);
    }

    void close() override { }

private:
    Sink *sink_ = nullptr;
    Throttle throttle_;
};

} // namespace

// TODO(lead): return the driver once it is implemented; until then "qpaho" is skipped with a
// note instead of adding a failing row to every table.
constexpr bool kQPahoDriverImplemented = false;

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
