// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// paho.mqtt.cpp (Debian libpaho-mqttpp-dev 1.2.0): async_client with a callback object for
// arrivals and an iaction_listener on every publish's delivery token for completions.
#include "driver.h"

#ifdef QPAHO_BENCH_HAVE_PAHOCPP

#include <mqtt/async_client.h>

namespace bench {
namespace {

class PahoCppDriver final : public Driver, private mqtt::iaction_listener
{
public:
    ~PahoCppDriver() override { close(); }

    bool open(const ConnectParams &p, Sink &sink, std::string &error) override
    {
        sink_ = &sink;
        try {
            const auto before = p.tcpNoDelay ? socketInodes() : std::vector<unsigned long> {};
            const std::string uri = "tcp://" + p.host + ":" + std::to_string(p.port);
            mqtt::create_options co(MQTTVERSION_3_1_1, p.maxBuffered);
            pub_ = std::make_unique<mqtt::async_client>(uri, p.clientIdPrefix + "-pub", co);
            sub_ = std::make_unique<mqtt::async_client>(uri, p.clientIdPrefix + "-sub", co);
            pubCb_.owner = subCb_.owner = this;
            pubCb_.client = pub_.get();
            subCb_.client = sub_.get();
            subCb_.echoes = !p.echoTopic.empty();
            echoTopic_ = p.echoTopic;
            qos_ = p.qos;
            pub_->set_callback(pubCb_);
            sub_->set_callback(subCb_);
            auto opts = mqtt::connect_options_builder()
                            .mqtt_version(MQTTVERSION_3_1_1)
                            .clean_session(true)
                            .keep_alive_interval(std::chrono::seconds(p.keepAliveSec))
                            .max_inflight(p.maxInflight)
                            .finalize();
            auto t1 = pub_->connect(opts);
            auto t2 = sub_->connect(opts);
            if (!t1->wait_for(p.timeout) || !t2->wait_for(p.timeout)) {
                error = "connect timed out";
                return false;
            }
            if (p.tcpNoDelay && setNoDelayOnNewSockets(before, p.port) < 2) {
                error = "could not find paho's two sockets to set TCP_NODELAY";
                return false;
            }
            if (!sub_->subscribe(p.topic, p.qos)->wait_for(p.timeout)) {
                error = "subscribe timed out";
                return false;
            }
            if (!p.echoTopic.empty() && !pub_->subscribe(p.echoTopic, p.qos)->wait_for(p.timeout)) {
                error = "subscribe (echo topic) timed out";
                return false;
            }
        } catch (const std::exception &e) {
            error = e.what();
            return false;
        }
        return true;
    }

    PublishResult publish(const PublishJob &job) override
    {
        PublishResult res;
        throttle_.setLimit(job.maxOutstanding);
        std::string buf(job.payloadSize, 'p');
        mqtt::string_ref topic(job.topic); // shared, so the topic is not copied per message
        for (std::uint64_t i = 0; i < job.count; ++i) {
            if (!throttle_.acquire(job.deadline)) {
                res.timedOut = true;
                res.error = "publish window did not open before the deadline";
                break;
            }
            stampPayload(buf.data(), job.firstSeq + i);
            try {
                auto msg = mqtt::make_message(topic, buf.data(), buf.size(), job.qos, false);
                pub_->publish(std::move(msg), nullptr, *this);
                ++res.issued;
            } catch (const std::exception &e) {
                throttle_.unissue();
                if (res.rejected++ == 0)
                    res.error = e.what();
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
        for (auto *c : { &pub_, &sub_ }) {
            if (!*c)
                continue;
            try {
                if ((*c)->is_connected())
                    (*c)->disconnect(1000)->wait_for(std::chrono::seconds(2));
            } catch (const std::exception &) { }
            c->reset();
        }
        throttle_.abort();
    }

private:
    struct ConnCallback final : mqtt::callback
    {
        PahoCppDriver *owner = nullptr;
        mqtt::async_client *client = nullptr;
        bool echoes = false; // ping-pong: republish instead of feeding the sink

        void message_arrived(mqtt::const_message_ptr msg) override
        {
            const auto &payload = msg->get_payload_ref();
            if (echoes) {
                try {
                    client->publish(
                        owner->echoTopic_, payload.data(), payload.size(), owner->qos_, false);
                } catch (const std::exception &) { }
            } else {
                owner->sink_->onMessage(payload.data(), payload.size());
            }
        }
        void connection_lost(const std::string &) override
        {
            owner->sink_->abort();
            owner->throttle_.abort();
        }
    };

    // mqtt::iaction_listener (publisher's delivery tokens)
    void on_success(const mqtt::token &) override { throttle_.release(); }
    void on_failure(const mqtt::token &) override { throttle_.release(); }

    std::unique_ptr<mqtt::async_client> pub_, sub_;
    ConnCallback pubCb_, subCb_;
    Sink *sink_ = nullptr;
    int qos_ = 0;
    std::string echoTopic_;
    Throttle throttle_;
};

} // namespace

std::unique_ptr<Driver> makePahoCppDriver()
{
    return std::make_unique<PahoCppDriver>();
}

} // namespace bench

#else

std::unique_ptr<bench::Driver> bench::makePahoCppDriver()
{
    return nullptr;
}

#endif
