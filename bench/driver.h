// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// The interface every benchmarked client implements: one Driver owns a publishing and a
// subscribing connection to the same local broker. The harness (scenario.cpp) only talks
// to Driver, Sink and Throttle, so adding a client means adding one driver_<name>.cpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline std::int64_t nowNs() noexcept
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// A counter that client callbacks bump from any thread and one harness/driver thread waits on.
// add() only takes the mutex when it crosses the waiter's target (the one increment that
// reaches it), so a waiter costs one wake-up, not one per increment.
class WaitableCounter
{
public:
    void reset(std::uint64_t v = 0) noexcept;
    std::uint64_t add(std::uint64_t n = 1) noexcept; // returns the new value
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_acquire); }
    // Blocks until value() >= target, the deadline passes or abort() is called.
    bool waitFor(std::uint64_t target, Clock::time_point deadline);
    void abort() noexcept; // wakes waiters for good (e.g. connection lost)
    bool aborted() const noexcept { return aborted_.load(); }

private:
    std::atomic<std::uint64_t> value_ { 0 };
    std::atomic<std::uint64_t> target_ { UINT64_MAX };
    std::atomic<bool> aborted_ { false };
    std::mutex mutex_;
    std::condition_variable cv_;
};

// Every benchmark payload starts with its 64-bit sequence number (host byte order); the rest is
// filler. Payloads are at least 16 bytes.
inline void stampPayload(char *buf, std::uint64_t seq) noexcept
{
    std::memcpy(buf, &seq, 8);
}

// Receives every message the subscribing connection hands to the application, checks it and
// counts it. Drivers call onMessage() from whatever thread their client delivers on.
class Sink
{
public:
    // Prepare for sequence numbers 0..count-1 of payloadSize bytes; resets all counters.
    void expect(std::uint64_t count, std::size_t payloadSize);
    void onMessage(const void *data, std::size_t len) noexcept;

    std::uint64_t unique() const noexcept { return unique_.value(); }
    std::uint64_t duplicates() const noexcept { return duplicates_.load(); }
    std::uint64_t stray() const noexcept { return stray_.load(); } // bad size or sequence number
    std::int64_t lastUniqueNs() const noexcept { return lastUniqueNs_.load(); }
    // Blocks until unique() >= target or the deadline passes.
    bool waitUnique(std::uint64_t target, Clock::time_point deadline)
    {
        return unique_.waitFor(target, deadline);
    }
    void abort() noexcept { unique_.abort(); }

private:
    std::unique_ptr<std::atomic<std::uint8_t>[]> seen_;
    std::uint64_t count_ = 0;
    std::size_t payloadSize_ = 0;
    WaitableCounter unique_;
    std::atomic<std::uint64_t> duplicates_ { 0 };
    std::atomic<std::uint64_t> stray_ { 0 };
    std::atomic<std::int64_t> lastUniqueNs_ { 0 };
};

// Publish window: at most `limit` publishes issued and not yet completed. acquire() on the
// publishing thread, release() from the completion callback (success or failure). Counts are
// cumulative over the driver's life; setLimit() only changes the window.
// limit 0 = no limit (acquire never blocks, but still returns false once the deadline passed).
// When the window is full, acquire() sleeps until `refill` publishes completed (1 by default:
// the publisher wakes for every completion and refills one at a time; limit / 2: it wakes once
// per half window and refills in bursts).
class Throttle
{
public:
    void setLimit(std::uint64_t limit) noexcept { limit_ = limit; }
    void setRefill(std::uint64_t refill) noexcept { refill_ = refill; }
    bool acquire(Clock::time_point deadline); // false on timeout / abort
    // For drivers whose completions arrive through an event loop that must run while they wait
    // (acquire() would block it): the window is full, and it has since drained by `refill`.
    bool full() const noexcept { return limit_ > 0 && issued_ - completed() >= limit_; }
    bool refilled() const noexcept { return issued_ - completed() <= limit_ - refillStep(); }
    void release() noexcept { completed_.add(); }
    std::uint64_t issued() const noexcept { return issued_; }
    std::uint64_t completed() const noexcept { return completed_.value(); }
    bool waitAllCompleted(Clock::time_point deadline)
    {
        return completed_.waitFor(issued_, deadline);
    }
    void unissue() noexcept { --issued_; } // the publish call failed synchronously
    void abort() noexcept { completed_.abort(); }

private:
    std::uint64_t refillStep() const noexcept
    {
        return std::clamp<std::uint64_t>(refill_, 1, limit_);
    }

    std::uint64_t limit_ = 0;
    std::uint64_t refill_ = 1;
    std::uint64_t issued_ = 0; // publishing thread only
    WaitableCounter completed_;
};

struct ConnectParams
{
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string clientIdPrefix; // unique per run; drivers append "-pub" and "-sub"
    std::string topic; // the subscriber subscribes to exactly this topic ...
    int qos = 0; // ... at this QoS (the scenario's publish QoS)
    // Ping-pong mode if not empty: the subscriber does not feed the sink but republishes every
    // message it receives, unchanged, to echoTopic at QoS `qos` (from its receive callback /
    // handler, as an echo server would); the publishing connection subscribes to echoTopic at
    // `qos` and feeds what it receives there to the sink.
    std::string echoTopic;
    bool tcpNoDelay = false; // disable Nagle on both connections if the client can
    int maxInflight = 65535; // client-side in-flight window for QoS 1/2
    int maxBuffered = 100'000'000; // paho maxBufferedMessages (createWithOptions)
    int keepAliveSec = 60;
    std::chrono::milliseconds timeout { 10'000 }; // connect and subscribe, each
};

struct PublishJob
{
    std::string topic;
    int qos = 0;
    std::uint64_t firstSeq = 0; // message i carries sequence number firstSeq + i
    std::uint64_t count = 0;
    std::size_t payloadSize = 16;
    // At most this many publishes issued but not completed (QoS 0: handed to the socket /
    // onSuccess; QoS 1: PUBACK; QoS 2: PUBCOMP). 0 = issue all without waiting.
    std::uint64_t maxOutstanding = 0;
    Clock::time_point deadline;
};

struct PublishResult
{
    std::uint64_t issued = 0; // publish calls accepted by the client
    std::uint64_t rejected = 0; // publish calls that failed synchronously
    bool timedOut = false; // the window did not open before the deadline
    std::string error; // first error, if any
};

// One client library under test. The harness calls every method from the process's main
// thread, which owns a QCoreApplication (no event loop is running unless a method runs one).
// All blocking methods honour their deadline.
class Driver
{
public:
    virtual ~Driver() = default;

    // Create and connect the publishing and the subscribing connection (MQTT 3.1.1, clean
    // session, p.keepAliveSec, p.maxInflight, TCP_NODELAY if p.tcpNoDelay), then subscribe the
    // subscriber to p.topic at p.qos and wait for the SUBACK. From then on every message the
    // subscriber delivers goes to sink.onMessage(). In ping-pong mode (p.echoTopic set) see
    // ConnectParams::echoTopic instead. Returns false with `error` set on failure.
    virtual bool open(const ConnectParams &p, Sink &sink, std::string &error) = 0;

    // Issue job.count publishes on the publishing connection, respecting job.maxOutstanding.
    // Returns once all are issued (not completed). Payload i = job.payloadSize bytes stamped
    // with stampPayload(buf, job.firstSeq + i).
    virtual PublishResult publish(const PublishJob &job) = 0;

    // Block until sink.unique() >= target or the deadline passes. Clients that deliver through
    // the main thread's event loop must override this and run the loop while waiting.
    virtual bool waitReceived(Sink &sink, std::uint64_t target, Clock::time_point deadline)
    {
        return sink.waitUnique(target, deadline);
    }

    // Block until every issued publish has completed (or the deadline passes).
    virtual bool waitPublished(Clock::time_point deadline) = 0;

    // Disconnect both connections and free everything. After close() returns no callback may
    // touch the sink. Called after a failed open() too, and may be called twice (idempotent).
    virtual void close() = 0;
};

// How the raw paho driver waits and where its callbacks' work runs.
enum class RawPahoMode {
    Bursts, // "rawpaho", the baseline: refills the window in half-window bursts
    OneByOne, // "rawpaho-1by1": wakes for every completion, refills one at a time
    BurstsViaEventLoop, // "rawpaho-qt": Bursts, with the callbacks' work on the main event loop
};

// Factories, one per driver_<name>.cpp. They return nullptr if the client was not built in.
std::unique_ptr<Driver> makeRawPahoDriver(RawPahoMode mode = RawPahoMode::Bursts);
std::unique_ptr<Driver> makePahoCppDriver();
std::unique_ptr<Driver> makeMosquittoDriver();
std::unique_ptr<Driver> makeQPahoDriver();

// Client names accepted on the command line: a base name from baseClientNames(), optionally
// with the suffix "-nd" (= ConnectParams::tcpNoDelay).
std::vector<std::string> baseClientNames();
std::unique_ptr<Driver> makeDriver(std::string_view clientName); // nullptr if unknown / absent
bool clientWantsNoDelay(std::string_view clientName);

// Whether the run leaves paho at its default trace level (QPAHO_BENCH_PAHO_TRACE=default);
// otherwise every client runs with paho's trace level at ERROR.
bool pahoDefaultTrace();

// For clients without a TCP_NODELAY option: the inodes of this process's open sockets, and
// setting TCP_NODELAY on every TCP socket connected to 127.0.0.1:port that is not in `before`.
// Returns the number of sockets changed.
std::vector<unsigned long> socketInodes();
int setNoDelayOnNewSockets(const std::vector<unsigned long> &before, int port);

} // namespace bench
