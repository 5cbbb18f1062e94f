// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// libmosquitto 2.0 with its threaded network loop (mosquitto_loop_start), one per connection.
// mosquitto_publish() is thread-safe in that mode; on_publish counts completions.
#include "driver.h"

#ifdef QPAHO_BENCH_HAVE_MOSQUITTO

#include <mosquitto.h>

#include <mutex>

namespace bench {
namespace {

class MosquittoDriver final : public Driver
{
public:
    MosquittoDriver()
    {
        static std::once_flag once;
        std::call_once(once, [] { mosquitto_lib_init(); });
    }
    ~MosquittoDriver() override { close(); }

    bool open(const ConnectParams &p, Sink &sink, std::string &error) override
    {
        sink_ = &sink;
        pub_.owner = sub_.owner = this;
        sub_.echoes = !p.echoTopic.empty();
        echoTopic_ = p.echoTopic;
        qos_ = p.qos;
        if (!connectOne(pub_, p.clientIdPrefix + "-pub", p, error)
            || !connectOne(sub_, p.clientIdPrefix + "-sub", p, error))
            return false;
        int rc = mosquitto_subscribe(sub_.m, nullptr, p.topic.c_str(), p.qos);
        if (rc != MOSQ_ERR_SUCCESS) {
            error = std::string("mosquitto_subscribe: ") + mosquitto_strerror(rc);
            return false;
        }
        if (!sub_.subscribed.waitFor(1, Clock::now() + p.timeout)) {
            error = "subscribe timed out";
            return false;
        }
        if (!p.echoTopic.empty()) {
            rc = mosquitto_subscribe(pub_.m, nullptr, p.echoTopic.c_str(), p.qos);
            if (rc != MOSQ_ERR_SUCCESS || !pub_.subscribed.waitFor(1, Clock::now() + p.timeout)) {
                error = "subscribe (echo topic) failed";
                return false;
            }
        }
        return true;
    }

    PublishResult publish(const PublishJob &job) override
    {
        PublishResult res;
        throttle_.setLimit(job.maxOutstanding);
        std::string buf(job.payloadSize, 'p');
        for (std::uint64_t i = 0; i < job.count; ++i) {
            if (!throttle_.acquire(job.deadline)) {
                res.timedOut = true;
                res.error = "publish window did not open before the deadline";
                break;
            }
            stampPayload(buf.data(), job.firstSeq + i);
            const int rc = mosquitto_publish(pub_.m, nullptr, job.topic.c_str(),
                static_cast<int>(buf.size()), buf.data(), job.qos, false);
            if (rc != MOSQ_ERR_SUCCESS) {
                throttle_.unissue();
                if (res.rejected++ == 0)
                    res.error = std::string("mosquitto_publish: ") + mosquitto_strerror(rc);
            } else {
                ++res.issued;
            }
        }
        return res;
    }

    bool waitPublished(Clock::time_point deadline) override
    {
        return throttle_.waitAllCompleted(deadline);
    }

    void close() override
    {
        for (Conn *c : { &pub_, &sub_ }) {
            if (!c->m)
                continue;
            c->closing = true;
            mosquitto_disconnect(c->m);
            mosquitto_loop_stop(c->m, false);
            mosquitto_destroy(c->m);
            c->m = nullptr;
        }
        throttle_.abort();
    }

private:
    struct Conn
    {
        MosquittoDriver *owner = nullptr;
        mosquitto *m = nullptr;
        WaitableCounter connected, subscribed;
        std::atomic<int> connackRc { -1 };
        std::atomic<bool> closing { false };
        bool echoes = false; // ping-pong: republish instead of feeding the sink
    };

    bool connectOne(Conn &c, const std::string &id, const ConnectParams &p, std::string &error)
    {
        c.m = mosquitto_new(id.c_str(), true, &c);
        if (!c.m) {
            error = "mosquitto_new failed";
            return false;
        }
        mosquitto_int_option(c.m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
        mosquitto_int_option(c.m, MOSQ_OPT_SEND_MAXIMUM, std::min(p.maxInflight, 65535));
        if (p.tcpNoDelay)
            mosquitto_int_option(c.m, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_connect_callback_set(c.m, [](mosquitto *, void *ud, int rc) {
            auto *conn = static_cast<Conn *>(ud);
            conn->connackRc = rc;
            conn->connected.add();
        });
        mosquitto_disconnect_callback_set(c.m, [](mosquitto *, void *ud, int) {
            auto *conn = static_cast<Conn *>(ud);
            if (!conn->closing) {
                conn->owner->sink_->abort();
                conn->owner->throttle_.abort();
            }
        });
        mosquitto_subscribe_callback_set(c.m, [](mosquitto *, void *ud, int, int, const int *) {
            static_cast<Conn *>(ud)->subscribed.add();
        });
        mosquitto_publish_callback_set(c.m, [](mosquitto *, void *ud, int) {
            auto *conn = static_cast<Conn *>(ud);
            if (conn == &conn->owner->pub_) // not the echoes of ping-pong mode
                conn->owner->throttle_.release();
        });
        mosquitto_message_callback_set(
            c.m, [](mosquitto *m, void *ud, const mosquitto_message *msg) {
                auto *conn = static_cast<Conn *>(ud);
                if (conn->echoes)
                    mosquitto_publish(m, nullptr, conn->owner->echoTopic_.c_str(), msg->payloadlen,
                        msg->payload, conn->owner->qos_, false);
                else
                    conn->owner->sink_->onMessage(
                        msg->payload, static_cast<std::size_t>(msg->payloadlen));
            });
        int rc = mosquitto_connect(c.m, p.host.c_str(), p.port, p.keepAliveSec);
        if (rc != MOSQ_ERR_SUCCESS) {
            error = id + ": mosquitto_connect: " + mosquitto_strerror(rc);
            return false;
        }
        rc = mosquitto_loop_start(c.m);
        if (rc != MOSQ_ERR_SUCCESS) {
            error = std::string("mosquitto_loop_start: ") + mosquitto_strerror(rc);
            return false;
        }
        if (!c.connected.waitFor(1, Clock::now() + p.timeout) || c.connackRc != 0) {
            error = id + ": CONNACK " + std::to_string(c.connackRc.load());
            return false;
        }
        return true;
    }

    Conn pub_, sub_;
    Sink *sink_ = nullptr;
    int qos_ = 0;
    std::string echoTopic_;
    Throttle throttle_;
};

} // namespace

std::unique_ptr<Driver> makeMosquittoDriver()
{
    return std::make_unique<MosquittoDriver>();
}

} // namespace bench

#else

std::unique_ptr<bench::Driver> bench::makeMosquittoDriver()
{
    return nullptr;
}

#endif
