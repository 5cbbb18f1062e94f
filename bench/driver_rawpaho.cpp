// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// Baseline: paho.mqtt.c MQTTAsync used directly, the way a paho expert would write a streaming
// publisher. Callbacks only count (atomics) and free paho memory. The main thread publishes;
// when the window is full it sleeps until half of it has completed (counted in onSuccess /
// onFailure; the condition variable is notified only by the completion that crosses the
// half-window mark), then refills the half window in one burst: one wake-up of the publishing
// thread per burst, not per completion. One stamped payload buffer is reused.
//
// "rawpaho-1by1" is the earlier baseline, kept for comparison: it wakes for every completion
// and refills one publish at a time, a wake-up per message that the expert program avoids.
//
// "rawpaho-qt" is the expert program with one change: its callbacks hand completions and
// messages to the main thread's Qt event loop (MainThreadHop: one posted event per burst), where
// they are counted, fed to the sink and echoed, and the main thread waits in that event loop.
// It measures what delivering on the owner's event loop costs by itself, without QPaho.
#include "driver.h"
#include "eventloopwait.h"
#include "mainthreadhop.h"

#include <MQTTAsync.h>

#include <string>

namespace bench {
namespace {

class RawPahoDriver final : public Driver
{
public:
    explicit RawPahoDriver(RawPahoMode mode)
        : burstRefill_(mode != RawPahoMode::OneByOne),
          viaEventLoop_(mode == RawPahoMode::BurstsViaEventLoop),
          hop_([this](MainThreadHop::Item &item) { onMainThread(item); })
    { }
    ~RawPahoDriver() override { close(); }

    bool open(const ConnectParams &p, Sink &sink, std::string &error) override
    {
        sink_ = &sink;
        qos_ = p.qos;
        echoTopic_ = p.echoTopic;
        pub_.owner = sub_.owner = this;
        sub_.echoes = !p.echoTopic.empty();
        pub_.index = 0;
        sub_.index = 1;
        const auto before = p.tcpNoDelay ? socketInodes() : std::vector<unsigned long> {};
        const std::string uri = "tcp://" + p.host + ":" + std::to_string(p.port);
        // Both CONNECTs are issued before waiting: with paho 1.3.11 a client that connects while
        // another one is already connected waits ~2.1 s in the receive thread's poll timeout
        // (paho.mqtt.c #1430), so sequential connects would cost 2 s per run.
        Result r1, r2;
        if (!startConnect(pub_, uri, p.clientIdPrefix + "-pub", p, r1, error)
            || !startConnect(sub_, uri, p.clientIdPrefix + "-sub", p, r2, error)
            || !finishConnect(r1, "pub", p, error) || !finishConnect(r2, "sub", p, error))
            return false;
        if (p.tcpNoDelay && setNoDelayOnNewSockets(before, p.port) < 2) {
            error = "could not find paho's two sockets to set TCP_NODELAY";
            return false;
        }
        if (!subscribe(sub_, p.topic, p.qos, p, error))
            return false;
        if (!p.echoTopic.empty() && !subscribe(pub_, p.echoTopic, p.qos, p, error))
            return false;
        return true;
    }

    PublishResult publish(const PublishJob &job) override
    {
        PublishResult res;
        throttle_.setLimit(job.maxOutstanding);
        throttle_.setRefill(burstRefill_ ? job.maxOutstanding / 2 : 1);
        std::string &buf = payload_;
        if (buf.size() != job.payloadSize)
            buf.assign(job.payloadSize, 'p');
        MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
        ro.context = this;
        ro.onSuccess = [](void *ctx, MQTTAsync_successData *) {
            static_cast<RawPahoDriver *>(ctx)->completed();
        };
        ro.onFailure = [](void *ctx, MQTTAsync_failureData *) {
            auto *self = static_cast<RawPahoDriver *>(ctx);
            self->failedAsync_.fetch_add(1);
            self->completed();
        };
        for (std::uint64_t i = 0; i < job.count; ++i) {
            // Via the event loop the window opens there: wait in it, not on the throttle.
            const bool open = !viaEventLoop_ || !throttle_.full()
                || waitUntil([this] { return throttle_.refilled(); }, job.deadline);
            if (!open || !throttle_.acquire(job.deadline)) {
                res.timedOut = true;
                res.error = "publish window did not open before the deadline";
                break;
            }
            stampPayload(buf.data(), job.firstSeq + i);
            const int rc = MQTTAsync_send(pub_.handle, job.topic.c_str(),
                static_cast<int>(buf.size()), buf.data(), job.qos, 0, &ro);
            if (rc != MQTTASYNC_SUCCESS) {
                throttle_.unissue();
                if (res.rejected++ == 0)
                    res.error = "MQTTAsync_send: " + std::to_string(rc);
            } else {
                ++res.issued;
            }
        }
        return res;
    }

    bool waitReceived(Sink &sink, std::uint64_t target, Clock::time_point deadline) override
    {
        if (viaEventLoop_)
            return waitUntil([&] { return sink.unique() >= target; }, deadline);
        return sink.waitUnique(target, deadline);
    }

    bool waitPublished(Clock::time_point deadline) override
    {
        if (viaEventLoop_)
            return waitUntil(
                [this] { return throttle_.completed() >= throttle_.issued(); }, deadline);
        return throttle_.waitAllCompleted(deadline);
    }

    void close() override
    {
        for (Conn *c : { &pub_, &sub_ }) {
            if (!c->handle)
                continue;
            if (MQTTAsync_isConnected(c->handle)) {
                Result r;
                MQTTAsync_disconnectOptions dopts = MQTTAsync_disconnectOptions_initializer;
                dopts.timeout = 1000;
                dopts.context = &r;
                dopts.onSuccess = [](void *ctx, MQTTAsync_successData *) {
                    static_cast<Result *>(ctx)->done.add();
                };
                dopts.onFailure = [](void *ctx, MQTTAsync_failureData *) {
                    static_cast<Result *>(ctx)->done.add();
                };
                if (MQTTAsync_disconnect(c->handle, &dopts) == MQTTASYNC_SUCCESS)
                    r.done.waitFor(1, Clock::now() + std::chrono::seconds(2));
            }
            // Fails whatever is still queued with -11 through our callbacks, synchronously.
            MQTTAsync_destroy(&c->handle);
            c->handle = nullptr;
        }
        throttle_.abort();
    }

private:
    struct Result
    {
        WaitableCounter done;
        bool ok = false;
        int code = 0;
    };
    struct Conn
    {
        RawPahoDriver *owner = nullptr;
        MQTTAsync handle = nullptr;
        int index = 0; // 0: publishing connection, 1: subscribing connection
        bool echoes = false; // ping-pong: republish to echoTopic_ instead of feeding the sink
    };

    // A publish completed (paho's thread).
    void completed()
    {
        if (viaEventLoop_)
            hop_.post({ MainThreadHop::Item::Kind::Completion, 0, {} });
        else
            throttle_.release();
    }

    // What the callbacks would have done, on the main thread (rawpaho-qt).
    void onMainThread(MainThreadHop::Item &item)
    {
        if (item.kind == MainThreadHop::Item::Kind::Completion) {
            throttle_.release();
            return;
        }
        Conn &conn = item.connection == 0 ? pub_ : sub_;
        if (conn.echoes) {
            MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
            MQTTAsync_send(conn.handle, echoTopic_.c_str(), int(item.payload.size()),
                item.payload.constData(), qos_, 0, &ro);
        } else {
            sink_->onMessage(item.payload.constData(), size_t(item.payload.size()));
        }
    }

    bool subscribe(
        Conn &c, const std::string &topic, int qos, const ConnectParams &p, std::string &error)
    {
        Result result;
        MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
        ro.context = &result;
        ro.onSuccess = [](void *ctx, MQTTAsync_successData *) {
            auto *r = static_cast<Result *>(ctx);
            r->ok = true;
            r->done.add();
        };
        ro.onFailure = [](void *ctx, MQTTAsync_failureData *f) {
            auto *r = static_cast<Result *>(ctx);
            r->code = f ? f->code : -1;
            r->done.add();
        };
        const int rc = MQTTAsync_subscribe(c.handle, topic.c_str(), qos, &ro);
        if (rc != MQTTASYNC_SUCCESS) {
            error = "MQTTAsync_subscribe: " + std::to_string(rc);
            return false;
        }
        if (!result.done.waitFor(1, Clock::now() + p.timeout) || !result.ok) {
            error = "subscribe failed: " + std::to_string(result.code);
            return false;
        }
        return true;
    }

    bool startConnect(Conn &c, const std::string &uri, const std::string &id,
        const ConnectParams &p, Result &result, std::string &error)
    {
        MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
        co.MQTTVersion = MQTTVERSION_3_1_1;
        co.maxBufferedMessages = p.maxBuffered; // the default (100) also applies while connected
        int rc = MQTTAsync_createWithOptions(
            &c.handle, uri.c_str(), id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr, &co);
        if (rc != MQTTASYNC_SUCCESS) {
            error = "MQTTAsync_createWithOptions: " + std::to_string(rc);
            return false;
        }
        rc = MQTTAsync_setCallbacks(
            c.handle, &c, &RawPahoDriver::onConnectionLost, &RawPahoDriver::onMessage, nullptr);
        if (rc != MQTTASYNC_SUCCESS) {
            error = "MQTTAsync_setCallbacks: " + std::to_string(rc);
            return false;
        }
        MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
        opts.MQTTVersion = MQTTVERSION_3_1_1;
        opts.cleansession = 1;
        opts.keepAliveInterval = p.keepAliveSec;
        opts.maxInflight = p.maxInflight;
        opts.context = &result;
        opts.onSuccess = [](void *ctx, MQTTAsync_successData *) {
            auto *r = static_cast<Result *>(ctx);
            r->ok = true;
            r->done.add();
        };
        opts.onFailure = [](void *ctx, MQTTAsync_failureData *f) {
            auto *r = static_cast<Result *>(ctx);
            r->code = f ? f->code : -1;
            r->done.add();
        };
        rc = MQTTAsync_connect(c.handle, &opts);
        if (rc != MQTTASYNC_SUCCESS) {
            error = "MQTTAsync_connect: " + std::to_string(rc);
            return false;
        }
        return true;
    }

    static bool finishConnect(
        Result &result, const char *which, const ConnectParams &p, std::string &error)
    {
        if (!result.done.waitFor(1, Clock::now() + p.timeout) || !result.ok) {
            error = std::string(which) + ": connect failed: " + std::to_string(result.code);
            return false;
        }
        return true;
    }

    static int onMessage(void *ctx, char *topic, int, MQTTAsync_message *m)
    {
        auto *conn = static_cast<Conn *>(ctx);
        RawPahoDriver *self = conn->owner;
        if (self->viaEventLoop_) {
            self->hop_.post({ MainThreadHop::Item::Kind::Message, conn->index,
                QByteArray(static_cast<const char *>(m->payload), m->payloadlen) });
        } else if (conn->echoes) {
            // Allowed from a callback: MQTTAsync_send checks the thread and does not re-lock.
            MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
            MQTTAsync_send(conn->handle, self->echoTopic_.c_str(), m->payloadlen, m->payload,
                self->qos_, 0, &ro);
        } else {
            self->sink_->onMessage(m->payload, static_cast<size_t>(m->payloadlen));
        }
        MQTTAsync_freeMessage(&m);
        MQTTAsync_free(topic);
        return 1;
    }

    static void onConnectionLost(void *ctx, char *)
    {
        RawPahoDriver *self = static_cast<Conn *>(ctx)->owner;
        self->sink_->abort();
        self->throttle_.abort();
    }

    const bool burstRefill_;
    const bool viaEventLoop_;
    MainThreadHop hop_; // rawpaho-qt only; outlives the handles (close() destroys them first)
    std::string payload_; // stamped and reused: paho copies it in MQTTAsync_send
    Conn pub_, sub_;
    Sink *sink_ = nullptr;
    int qos_ = 0;
    std::string echoTopic_;
    Throttle throttle_;
    std::atomic<std::uint64_t> failedAsync_ { 0 };
};

} // namespace

std::unique_ptr<Driver> makeRawPahoDriver(RawPahoMode mode)
{
    return std::make_unique<RawPahoDriver>(mode);
}

} // namespace bench
