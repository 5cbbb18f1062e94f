// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// The scenario catalogue and the code that runs one (scenario, client, repetition) in the
// current process, measuring it end to end.
#pragma once

#include "threadstats.h"

#include <QtCore/QJsonObject>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench {

enum class Kind {
    Throughput, // N messages, first publish -> last receipt
    Latency, // N sequential round trips publish -> receipt
    RssGrowth, // N QoS 0 messages in 10 chunks, RSS sampled after each
};

struct Scenario
{
    std::string name;
    std::string group; // table the results go in: throughput, window, loop, latency, rss
    Kind kind = Kind::Throughput;
    int qos = 0;
    std::size_t payload = 16;
    std::uint64_t n = 0; // full run
    std::uint64_t nQuick = 0; // --quick
    std::uint64_t window = 0; // max outstanding publishes; 0 = issue all at once
    int maxReps = 0; // cap on repetitions (0 = no cap)
    int minReps = 0; // floor on repetitions when --reps is not given (0 = none)
    // Latency: stop after this long; Throughput: stop issuing after this long, so a client
    // that collapses (raw paho with large payloads) cannot stretch the run (0 = never).
    double budgetSec = 0, budgetSecQuick = 0;
    int timeoutSec = 60, timeoutSecQuick = 30; // per run; what is missing then is reported
    std::vector<std::string> onlyClients; // empty = every selected client
    std::string note;
};

const std::vector<Scenario> &allScenarios();
const Scenario *findScenario(const std::string &name);

struct RunOptions
{
    bool quick = false;
    std::optional<std::uint64_t> n; // overrides the scenario's N
    std::optional<std::uint64_t> window; // overrides the scenario's window
    int timeoutSec = 0; // 0 = the scenario's
    bool callgrind = false; // instrument only the measured region
    int port = 0;
    int rep = 0;
};

std::uint64_t effectiveN(const Scenario &s, const RunOptions &o);
std::uint64_t effectiveWindow(const Scenario &s, const RunOptions &o);
int effectiveTimeout(const Scenario &s, const RunOptions &o); // seconds

struct RunResult
{
    std::string scenario, client;
    int rep = 0;
    bool ok = false; // ran to the end and passed its delivery check
    std::string error; // why not ok
    bool timedOut = false;
    std::uint64_t n = 0; // messages (or round trips) attempted
    std::uint64_t planned = 0; // the scenario's N; more than n when the run was time-boxed
    std::uint64_t received = 0, duplicates = 0, stray = 0, rejected = 0;
    std::uint64_t window = 0;
    double seconds = 0; // first publish -> last receipt
    double issueSeconds = 0; // time inside Driver::publish
    double cpuUser = 0, cpuSys = 0;
    double rssBaseMiB = 0, rssPeakMiB = 0; // after connect / high-water mark during the run
    double brokerCpu = 0; // filled in by the parent
    std::vector<double> latUs; // Latency: every round trip (warm-up excluded)
    std::vector<double> rssMiB; // RssGrowth: RSS after each tenth
    std::vector<ThreadGroup> threads; // per-thread CPU and context switches, measured part

    double cpu() const { return cpuUser + cpuSys; }
    // Messages (throughput, RSS) or round trips (latency) the per-message figures divide by.
    double units() const { return static_cast<double>(latUs.empty() ? received : latUs.size()); }
    double rate() const { return seconds > 0 ? static_cast<double>(received) / seconds : 0; }
    QJsonObject toJson() const;
    static RunResult fromJson(const QJsonObject &o);
};

// Runs one scenario for one client against the broker on options.port, in this process.
RunResult runOne(const Scenario &s, const std::string &client, const RunOptions &options);

double currentRssMiB();
double peakRssMiB(); // VmHWM
void resetPeakRss(); // /proc/self/clear_refs "5"

} // namespace bench
