// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// qpaho_bench: QPaho vs raw paho.mqtt.c, paho.mqtt.cpp and libmosquitto against a private
// mosquitto. Each (scenario, client, repetition) runs in a fresh child process of this same
// binary (--child), so CPU time and peak RSS are per run and a hung client can be killed;
// repetitions alternate clients (A/B/A/B). The parent prints a markdown table of medians.
#include "broker.h"
#include "driver.h"
#include "scenario.h"
#include "stats.h"

#include <MQTTAsync.h>
#ifdef QPAHO_BENCH_HAVE_MOSQUITTO
#include <mosquitto.h>
#endif
#ifdef QPAHO_BENCH_HAVE_CALLGRIND_H
#include <valgrind/valgrind.h>
#endif

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QFile>
#include <QtCore/QJsonDocument>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QStandardPaths>
#include <QtCore/QSysInfo>
#include <QtCore/QTemporaryDir>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <algorithm>
#include <cstdlib>

using namespace bench;

namespace {

struct Config
{
    RunOptions run;
    int reps = 5;
    bool repsFloors = false; // scenarios' minReps apply (full mode without --reps)
    std::vector<const Scenario *> scenarios;
    std::vector<std::string> clients;
    std::string baseline = "rawpaho";
    bool inProcess = false;
    bool callgrind = false;
    bool verbose = false;
    QString outFile;
};

std::vector<std::string> splitList(const QString &s)
{
    std::vector<std::string> out;
    for (const QString &part : s.split(QLatin1Char(','), Qt::SkipEmptyParts))
        out.push_back(part.trimmed().toStdString());
    return out;
}

// "tp-q1" selects tp-q1-*, "tp-*-64k" is a wildcard, "tp-q1-16" is exact.
bool scenarioMatches(const std::string &name, const std::string &token)
{
    if (name == token)
        return true;
    if (token.find_first_of("*?[") != std::string::npos) {
        const auto re = QRegularExpression::fromWildcard(QString::fromStdString(token));
        return re.match(QString::fromStdString(name)).hasMatch();
    }
    return name.rfind(token + "-", 0) == 0;
}

std::string fmt(double v, int prec = 2)
{
    if (std::isnan(v))
        return "–";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}

std::string fmtRate(double v)
{
    if (std::isnan(v))
        return "–";
    char buf[64];
    if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.2fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

std::string fmtRatio(double v, double base)
{
    if (std::isnan(v) || std::isnan(base) || base == 0)
        return "–";
    const double q = v / base;
    return fmt(q, q < 0.01 ? 4 : q < 0.1 ? 3 : 2);
}

std::string sizeName(std::size_t n)
{
    if (n >= 1024 && n % 1024 == 0)
        return std::to_string(n / 1024) + " KiB";
    return std::to_string(n) + " B";
}

// ---- running one measurement ----------------------------------------------------------------

QStringList childArgs(
    const Config &cfg, const Scenario &s, const std::string &client, int rep, int port)
{
    QStringList a { QStringLiteral("--child"), QStringLiteral("--scenario"),
        QString::fromStdString(s.name), QStringLiteral("--clients"), QString::fromStdString(client),
        QStringLiteral("--port"), QString::number(port), QStringLiteral("--rep"),
        QString::number(rep), QStringLiteral("--timeout"),
        QString::number(effectiveTimeout(s, cfg.run)) };
    if (cfg.run.quick)
        a << QStringLiteral("--quick");
    if (cfg.run.n)
        a << QStringLiteral("--n") << QString::number(*cfg.run.n);
    if (cfg.run.window)
        a << QStringLiteral("--window") << QString::number(*cfg.run.window);
    return a;
}

RunResult failed(const Scenario &s, const std::string &client, int rep, const std::string &why)
{
    RunResult r;
    r.scenario = s.name;
    r.client = client;
    r.rep = rep;
    r.error = why;
    return r;
}

// Runs `program args` and returns the RESULT line it printed.
RunResult runChildProcess(const QString &program, const QStringList &args, const Scenario &s,
    const std::string &client, int rep, int timeoutMs)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(program, args);
    if (!p.waitForStarted(10'000))
        return failed(s, client, rep, "cannot start child: " + p.errorString().toStdString());
    if (!p.waitForFinished(timeoutMs)) {
        p.kill(); // our own child, by its QProcess handle
        p.waitForFinished(5000);
        return failed(
            s, client, rep, "child killed after " + std::to_string(timeoutMs / 1000) + " s");
    }
    const QList<QByteArray> lines = p.readAllStandardOutput().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("RESULT ")) {
            const auto doc = QJsonDocument::fromJson(line.mid(7));
            RunResult r = RunResult::fromJson(doc.object());
            return r;
        }
    }
    return failed(s, client, rep,
        "child exited (" + std::to_string(p.exitCode()) + ", "
            + (p.exitStatus() == QProcess::CrashExit ? "crashed" : "normal")
            + ") without a result");
}

// ---- report ---------------------------------------------------------------------------------

using Key = std::pair<std::string, std::string>; // scenario, client

struct Report
{
    const Config &cfg;
    std::map<Key, std::vector<RunResult>> results;

    const std::vector<RunResult> *runs(const std::string &sc, const std::string &cl) const
    {
        auto it = results.find({ sc, cl });
        return it == results.end() || it->second.empty() ? nullptr : &it->second;
    }

    template<typename F>
    double med(const std::string &sc, const std::string &cl, F f) const
    {
        const auto *rs = runs(sc, cl);
        if (!rs)
            return std::nan("");
        std::vector<double> v;
        for (const auto &r : *rs)
            v.push_back(f(r));
        return median(v);
    }

    template<typename F>
    double pct(const std::string &sc, const std::string &cl, F f, double p) const
    {
        const auto *rs = runs(sc, cl);
        if (!rs)
            return std::nan("");
        std::vector<double> v;
        for (const auto &r : *rs)
            v.push_back(f(r));
        return percentile(v, p);
    }

    std::vector<double> pooledLatency(const std::string &sc, const std::string &cl) const
    {
        std::vector<double> v;
        if (const auto *rs = runs(sc, cl))
            for (const auto &r : *rs)
                v.insert(v.end(), r.latUs.begin(), r.latUs.end());
        return v;
    }

    std::string check(const std::string &sc, const std::string &cl) const
    {
        const auto *rs = runs(sc, cl);
        if (!rs)
            return "–";
        int ok = 0, boxed = 0;
        std::uint64_t dups = 0;
        std::string firstError;
        for (const auto &r : *rs) {
            ok += r.ok;
            dups += r.duplicates;
            boxed += r.planned > r.n;
            if (!r.ok && firstError.empty())
                firstError = r.error;
        }
        std::string s;
        if (ok == static_cast<int>(rs->size()))
            s = "ok";
        else
            s = "**FAIL " + std::to_string(rs->size() - ok) + "/" + std::to_string(rs->size())
                + "**: " + firstError;
        if (dups)
            s += " (" + std::to_string(dups) + " dup)";
        if (boxed)
            s += " (time-boxed: " + std::to_string(boxed) + "/" + std::to_string(rs->size())
                + " runs stopped issuing early)";
        return s;
    }

    // Like for like: a client with TCP_NODELAY ("-nd") is compared with the baseline with
    // TCP_NODELAY when that ran in the scenario, every other client with the baseline.
    std::string baselineFor(const Scenario &s, const std::string &client) const
    {
        const std::string nd = cfg.baseline + "-nd";
        if (clientWantsNoDelay(client) && !clientWantsNoDelay(cfg.baseline) && client != nd
            && runs(s.name, nd))
            return nd;
        return cfg.baseline;
    }

    std::vector<std::string> clientsFor(const Scenario &s) const
    {
        std::vector<std::string> out;
        for (const auto &c : cfg.clients)
            if (runs(s.name, c))
                out.push_back(c);
        return out;
    }

    void throughputTable(std::ostream &os, const std::string &group, const std::string &title) const
    {
        bool any = false;
        for (const Scenario *s : cfg.scenarios)
            any |= s->group == group && !clientsFor(*s).empty();
        if (!any)
            return;
        os << "\n### " << title << "\n\n"
           << "| scenario | client | QoS | payload | N | window | msg/s | ×" << cfg.baseline
           << " | min–max msg/s | MB/s | publish-loop s | CPU s | CPU µs/msg | ×" << cfg.baseline
           << " | peak RSS MiB (+Δ) | broker CPU s | check |\n"
           << "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
        for (const Scenario *s : cfg.scenarios) {
            if (s->group != group)
                continue;
            const auto rate = [](const RunResult &r) { return r.rate(); };
            const auto cpuPerMsg = [](const RunResult &r) {
                return r.received ? r.cpu() / static_cast<double>(r.received) * 1e6 : std::nan("");
            };
            for (const auto &c : clientsFor(*s)) {
                const std::string base = baselineFor(*s, c);
                const double baseRate = med(s->name, base, rate);
                const double baseCpu = med(s->name, base, cpuPerMsg);
                const auto &first = runs(s->name, c)->front();
                const double r = med(s->name, c, rate);
                const double cpm = med(s->name, c, cpuPerMsg);
                os << "| " << s->name << " | " << c << " | " << s->qos << " | "
                   << sizeName(s->payload) << " | "
                   << static_cast<std::uint64_t>(med(
                          s->name, c, [](const RunResult &x) { return static_cast<double>(x.n); }))
                   << " | " << (first.window ? std::to_string(first.window) : "all") << " | "
                   << fmtRate(r) << " | " << fmtRatio(r, baseRate) << " | "
                   << fmtRate(pct(s->name, c, rate, 0)) << "–"
                   << fmtRate(pct(s->name, c, rate, 100)) << " | "
                   << fmt(r * static_cast<double>(s->payload) / 1048576.0, 1) << " | "
                   << fmt(med(s->name, c, [](const RunResult &x) { return x.issueSeconds; }), 3)
                   << " | " << fmt(med(s->name, c, [](const RunResult &x) { return x.cpu(); }), 3)
                   << " | " << fmt(cpm, 2) << " | " << fmtRatio(cpm, baseCpu) << " | "
                   << fmt(med(s->name, c, [](const RunResult &x) { return x.rssPeakMiB; }), 1)
                   << " (+"
                   << fmt(med(s->name, c,
                              [](const RunResult &x) { return x.rssPeakMiB - x.rssBaseMiB; }),
                          1)
                   << ") | "
                   << fmt(med(s->name, c, [](const RunResult &x) { return x.brokerCpu; }), 2)
                   << " | " << check(s->name, c) << " |\n";
            }
        }
    }

    void latencyTable(std::ostream &os) const
    {
        bool any = false;
        for (const Scenario *s : cfg.scenarios)
            any |= s->group == "latency" && !clientsFor(*s).empty();
        if (!any)
            return;
        os << "\n### Ping-pong latency (16 B ping published, echoed back by the other "
              "connection from its receive callback, pong received; one at a time; at most N "
              "round trips or a few seconds per run; percentiles over all repetitions)\n\n"
           << "| scenario | client | round trips | p50 µs | ×" << cfg.baseline << " | p99 µs | ×"
           << cfg.baseline << " | max µs | CPU µs/rt | check |\n"
           << "|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n";
        for (const Scenario *s : cfg.scenarios) {
            if (s->group != "latency")
                continue;
            for (const auto &c : clientsFor(*s)) {
                const auto base = pooledLatency(s->name, baselineFor(*s, c));
                const double b50 = percentile(base, 50), b99 = percentile(base, 99);
                const auto lat = pooledLatency(s->name, c);
                const double p50 = percentile(lat, 50), p99 = percentile(lat, 99);
                const double cpuRt = med(s->name, c, [](const RunResult &r) {
                    return r.latUs.empty() ? std::nan("")
                                           : r.cpu() / static_cast<double>(r.latUs.size()) * 1e6;
                });
                os << "| " << s->name << " | " << c << " | " << lat.size() << " | " << fmt(p50, 0)
                   << " | " << fmtRatio(p50, b50) << " | " << fmt(p99, 0) << " | "
                   << fmtRatio(p99, b99) << " | " << fmt(percentile(lat, 100), 0) << " | "
                   << fmt(cpuRt, 1) << " | " << check(s->name, c) << " |\n";
            }
        }
    }

    void rssTable(std::ostream &os) const
    {
        bool any = false;
        for (const Scenario *s : cfg.scenarios)
            any |= s->group == "rss" && !clientsFor(*s).empty();
        if (!any)
            return;
        os << "\n### RSS while streaming QoS 0 (16 B, window 1000; RSS after each tenth)\n\n"
           << "| scenario | client | N | RSS MiB after 10% / 50% / 100% | growth 50→100% MiB | "
              "msg/s | verdict |\n"
           << "|---|---|--:|--:|--:|--:|---|\n";
        for (const Scenario *s : cfg.scenarios) {
            if (s->group != "rss")
                continue;
            for (const auto &c : clientsFor(*s)) {
                const RunResult &r = runs(s->name, c)->front();
                std::string samples = "–", growth = "–",
                            verdict = r.ok ? "" : "**FAIL**: " + r.error;
                if (r.rssMiB.size() >= 2) {
                    const auto &v = r.rssMiB;
                    const double mid = v[(v.size() - 1) / 2], last = v.back();
                    samples = fmt(v.front(), 1) + " / " + fmt(mid, 1) + " / " + fmt(last, 1);
                    growth = fmt(last - mid, 2);
                    if (verdict.empty())
                        verdict = (last - mid) < std::max(2.0, 0.05 * mid) ? "flat" : "**GROWS**";
                }
                os << "| " << s->name << " | " << c << " | " << r.n << " | " << samples << " | "
                   << growth << " | " << fmtRate(r.rate()) << " | " << verdict << " |\n";
            }
        }
    }

    // Where each client's time went between threads: per message (round trip for latency),
    // medians over the repetitions. paho's threads, the main thread (publisher; QPaho's owner
    // thread) and QPaho's waker get a row each, every other thread is summed in "others".
    void threadTable(std::ostream &os) const
    {
        static const std::vector<std::string> known { "main", "MQTTAsync_send", "MQTTAsync_rcv",
            "qpaho-waker" };
        bool any = false;
        for (const Scenario *s : cfg.scenarios)
            for (const auto &c : clientsFor(*s))
                for (const auto &r : *runs(s->name, c))
                    any |= !r.threads.empty();
        if (!any)
            return;
        os << "\n### Per thread (measured part; per message, per round trip for lat-*; medians "
              "over the repetitions)\n\n"
           << "user/sys from `/proc/self/task/<tid>/stat` (10 ms ticks per thread), run = time on "
              "the CPU from `schedstat`, context switches (cs) from `status`. `main` is the "
              "publishing thread (QPaho: also the owner thread that runs the event loop). Each "
              "column is the median of its own, so the rows need not add up to the total.\n\n"
           << "| scenario | client | thread | threads | user µs | sys µs | run µs | vol. cs | "
              "invol. cs | cs | cs ×"
           << cfg.baseline << " |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
        struct Row
        {
            std::vector<double> threads, user, sys, run, vcs, nvcs, cs;
            std::set<std::string> names; // others: the names of threads that ran
        };
        const auto rowsOf = [&](const std::string &sc, const std::string &cl) {
            std::map<std::string, Row> rows;
            const auto *rs = runs(sc, cl);
            if (!rs)
                return rows;
            for (const auto &r : *rs) {
                const double n = r.units();
                if (n <= 0 || r.threads.empty())
                    continue;
                std::map<std::string, ThreadGroup> sum;
                for (const auto &g : r.threads) {
                    const bool isKnown
                        = std::find(known.begin(), known.end(), g.name) != known.end();
                    const std::string key = isKnown ? g.name : "others";
                    sum[key] += g;
                    if (!isKnown && g.run > 0)
                        rows[key].names.insert(g.name);
                    sum["all threads"] += g;
                }
                for (const auto &[key, t] : sum) {
                    Row &row = rows[key];
                    row.threads.push_back(t.threads);
                    row.user.push_back(t.user / n * 1e6);
                    row.sys.push_back(t.sys / n * 1e6);
                    row.run.push_back(t.run / n * 1e6);
                    row.vcs.push_back(static_cast<double>(t.voluntary) / n);
                    row.nvcs.push_back(static_cast<double>(t.involuntary) / n);
                    row.cs.push_back(static_cast<double>(t.voluntary + t.involuntary) / n);
                }
            }
            return rows;
        };
        for (const Scenario *s : cfg.scenarios) {
            for (const auto &c : clientsFor(*s)) {
                const auto baseRows = rowsOf(s->name, baselineFor(*s, c));
                const auto baseTotal = baseRows.find("all threads");
                const auto rows = rowsOf(s->name, c);
                std::vector<std::string> order = known;
                order.push_back("others");
                order.push_back("all threads");
                for (const auto &key : order) {
                    const auto it = rows.find(key);
                    if (it == rows.end())
                        continue;
                    const Row &row = it->second;
                    std::string label = key;
                    if (key == "others" && !row.names.empty()) {
                        label += " (";
                        for (const auto &n : row.names)
                            label += (label.back() == '(' ? "" : ", ") + n;
                        label += ")";
                    }
                    const bool total = key == "all threads";
                    const std::string b = total ? "**" : "";
                    const auto baseCs = total && baseTotal != baseRows.end()
                        ? median(baseTotal->second.cs)
                        : std::nan("");
                    os << "| " << s->name << " | " << c << " | " << b << label << b << " | "
                       << fmt(median(row.threads), 0) << " | " << fmt(median(row.user), 2) << " | "
                       << fmt(median(row.sys), 2) << " | " << fmt(median(row.run), 2) << " | "
                       << fmt(median(row.vcs), 3) << " | " << fmt(median(row.nvcs), 3) << " | " << b
                       << fmt(median(row.cs), 3) << b << " | "
                       << (total ? fmtRatio(median(row.cs), baseCs) : "") << " |\n";
                }
            }
        }
    }

    void print(std::ostream &os, const std::string &header) const
    {
        os << header;
        throughputTable(os, "throughput",
            "Throughput (N messages, at most `window` publishes outstanding; "
            "first publish → last receipt; medians)");
        throughputTable(os, "loop",
            "Publish in a loop without waiting (everything issued at once; every "
            "message must arrive)");
        throughputTable(
            os, "window", "Queue collapse: raw paho, all issued at once vs at most K outstanding");
        latencyTable(os);
        rssTable(os);
        threadTable(os);
        os << "\nRatios are client ÷ " << cfg.baseline << " (clients with -nd: ÷ " << cfg.baseline
           << "-nd where it ran; msg/s: higher is better; latency and CPU: lower is better). CPU = "
              "user+system "
              "of the benchmark process during the measured part (both connections and all "
              "client threads), broker excluded. Peak RSS = VmHWM of the child process "
              "(Δ = above the RSS after connecting).\n";
    }
};

// How often a scenario runs: --reps (or the mode's default), raised to the scenario's floor in
// a full run without --reps, capped by its maximum.
int repetitionsOf(const Config &cfg, const Scenario &s)
{
    int reps = cfg.reps;
    if (cfg.repsFloors)
        reps = std::max(reps, s.minReps);
    if (s.maxReps)
        reps = std::min(reps, s.maxReps);
    return reps;
}

std::string environmentHeader(const Config &cfg, const Broker *broker)
{
    std::ostringstream os;
    os << "## qpaho_bench " << QDateTime::currentDateTime().toString(Qt::ISODate).toStdString()
       << "\n\n";
    os << "- mode: " << (cfg.run.quick ? "quick" : "full") << ", repetitions: " << cfg.reps;
    for (const Scenario *s : cfg.scenarios) {
        if (repetitionsOf(cfg, *s) > cfg.reps)
            os << ", " << repetitionsOf(cfg, *s) << " for " << s->name;
    }
    os << " (alternating clients), " << (cfg.inProcess ? "in-process" : "one child process per run")
       << "\n";
    std::string paho;
    for (MQTTAsync_nameValue *nv = MQTTAsync_getVersionInfo(); nv && nv->name; ++nv)
        if (std::string(nv->name) == "Version")
            paho = nv->value;
    os << "- paho.mqtt.c " << paho;
#ifdef QPAHO_BENCH_HAVE_PAHOCPP
    os << ", paho.mqtt.cpp 1.2 (Debian)";
#endif
#ifdef QPAHO_BENCH_HAVE_MOSQUITTO
    int ma = 0, mi = 0, re = 0;
    mosquitto_lib_version(&ma, &mi, &re);
    os << ", libmosquitto " << ma << "." << mi << "." << re;
#endif
    os << ", Qt " << qVersion() << "\n";
    os << "- broker: mosquitto on 127.0.0.1:" << (broker ? broker->port() : cfg.run.port)
       << " (set_tcp_nodelay true, max_inflight_messages 0, max_queued_messages 10000000; "
       << (qgetenv("QPAHO_BENCH_BROKER_MALLOC") == "default"
                  ? std::string("glibc malloc defaults")
                  : std::string("GLIBC_TUNABLES=") + kBrokerMallocTunables)
       << ")\n";
    os << "- paho trace level: "
       << (pahoDefaultTrace()
                  ? "paho's default, TRACE_MINIMUM (QPAHO_BENCH_PAHO_TRACE=default)"
                  : "ERROR for every client (QPaho: setPahoFunctionTraceEnabled(false))")
       << "\n";
    os << "- QPaho allocator tuning: "
       << (qgetenv("QPAHO_MALLOC_TUNING") == "0" ? "off (QPAHO_MALLOC_TUNING=0)"
                                                 : "on (QPAHO_MALLOC_TUNING=1)")
       << "\n";
    double load[3] = { 0, 0, 0 };
    if (getloadavg(load, 3) == 3)
        os << "- host: " << QSysInfo::prettyProductName().toStdString() << ", "
           << std::thread::hardware_concurrency() << " CPUs, load average at start " << fmt(load[0])
           << " (other work on the machine skews results)\n";
    os << "- clients: ";
    for (const auto &c : cfg.clients)
        os << c << (clientWantsNoDelay(c) ? " (TCP_NODELAY)" : "") << " ";
    os << "\n";
    return os.str();
}

// ---- callgrind mode --------------------------------------------------------------------------

int runCallgrind(const Config &cfg, Broker &broker)
{
    const QString valgrind = QStandardPaths::findExecutable(QStringLiteral("valgrind"));
    if (valgrind.isEmpty()) {
        std::cerr << "valgrind not found (apt-get install valgrind)\n";
        return 2;
    }
#ifndef QPAHO_BENCH_HAVE_CALLGRIND_H
    std::cerr << "warning: built without <valgrind/callgrind.h>: the count includes connect and "
                 "teardown\n";
#endif
    QTemporaryDir tmp;
    std::ostringstream os;
    os << "\n### Instructions per message under callgrind (measured part only: publish loop "
          "until the last receipt, all threads of the benchmark process, broker excluded)\n\n"
       << "| scenario | client | N | instructions | per message | ×" << cfg.baseline << " (-nd: ×"
       << cfg.baseline << "-nd) | check |\n|---|---|--:|--:|--:|--:|---|\n";
    for (const Scenario *s : cfg.scenarios) {
        std::map<std::string, double> perMsg;
        for (const auto &c : cfg.clients) {
            if (!s->onlyClients.empty()
                && std::find(s->onlyClients.begin(), s->onlyClients.end(), c)
                    == s->onlyClients.end())
                continue;
            if (s->kind == Kind::RssGrowth)
                continue;
            Config child = cfg;
            // Latency N is small: with Nagle on, every QoS 1/2 round trip waits ~88 ms.
            if (!child.run.n)
                child.run.n
                    = std::min<std::uint64_t>(s->nQuick, s->kind == Kind::Latency ? 200 : 2000);
            child.run.timeoutSec = 600;
            const QString out = tmp.filePath(QString::fromStdString(s->name + "-" + c + ".cg"));
            QStringList args { QStringLiteral("--tool=callgrind"),
                QStringLiteral("--callgrind-out-file=") + out };
#ifdef QPAHO_BENCH_HAVE_CALLGRIND_H
            args << QStringLiteral("--instr-atstart=no");
#endif
            args << QCoreApplication::applicationFilePath()
                 << childArgs(child, *s, c, 0, broker.port()) << QStringLiteral("--callgrind");
            std::cerr << "callgrind: " << s->name << " " << c << " N=" << *child.run.n << " ..."
                      << std::endl;
            RunResult r = runChildProcess(valgrind, args, *s, c, 0, 900'000);
            double total = std::nan("");
            QFile f(out);
            if (f.open(QIODevice::ReadOnly)) {
                // "totals:" is the sum of all cost lines; "summary:" may be 0 when the
                // instrumentation was switched off before the dump.
                for (const QByteArray &line : f.readAll().split('\n')) {
                    const bool totals = line.startsWith("totals:");
                    if (totals || (line.startsWith("summary:") && std::isnan(total))) {
                        total = line.mid(line.indexOf(':') + 1)
                                    .trimmed()
                                    .split(' ')
                                    .first()
                                    .toDouble();
                        if (totals)
                            break;
                    }
                }
            }
            const double n
                = static_cast<double>(s->kind == Kind::Latency ? r.latUs.size() : r.received);
            const double pm = n > 0 ? total / n : std::nan("");
            perMsg[c] = pm;
            // Like for like, as in the throughput tables: -nd clients against the -nd baseline
            // when it ran (list it first).
            const std::string nd = cfg.baseline + "-nd";
            const std::string baseName
                = clientWantsNoDelay(c) && perMsg.count(nd) ? nd : cfg.baseline;
            const double base = perMsg.count(baseName) ? perMsg[baseName] : std::nan("");
            os << "| " << s->name << " | " << c << " | " << r.n << " | " << fmt(total, 0) << " | "
               << fmt(pm, 0) << " | " << fmtRatio(pm, base) << " | "
               << (r.ok ? std::string("ok") : "**FAIL**: " + r.error) << " |\n";
        }
    }
    std::cout << environmentHeader(cfg, &broker) << os.str();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    // QPaho's allocator tuning is opt-in (process-wide); the published figures have it on.
    // QPAHO_MALLOC_TUNING=0 gives the figures without it.
    if (!qEnvironmentVariableIsSet("QPAHO_MALLOC_TUNING"))
        qputenv("QPAHO_MALLOC_TUNING", "1");
    // paho formats a trace line for every function call and packet at its default trace level
    // (TRACE_MINIMUM), callback or not, under a lock all its threads share: up to 40% of a
    // small-message stream. The fastest program sets ERROR, so every client runs at ERROR
    // (QPaho's driver through Client::setPahoFunctionTraceEnabled(false), the way an
    // application opts out); QPAHO_BENCH_PAHO_TRACE=default leaves paho's default.
    if (!pahoDefaultTrace())
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qpaho_bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Benchmarks QPaho against raw paho.mqtt.c (MQTTAsync), paho.mqtt.cpp and libmosquitto "
        "on a private mosquitto started on 127.0.0.1. Prints a markdown table of medians with "
        "ratios to the baseline client."));
    parser.addHelpOption();
    const QCommandLineOption quickOpt(
        QStringLiteral("quick"), QStringLiteral("Small N (about 1/10) and 2 repetitions."));
    const QCommandLineOption scenarioOpt(QStringLiteral("scenario"),
        QStringLiteral("Comma-separated scenario names, prefixes (tp-q1, lat) or wildcards "
                       "(tp-*-64k). Default: all. See --list."),
        QStringLiteral("LIST"));
    const QCommandLineOption clientsOpt(QStringLiteral("clients"),
        QStringLiteral("Comma-separated clients: rawpaho, rawpaho-1by1 (the one-at-a-time refill), "
                       "rawpaho-qt (callbacks handed to the Qt event loop), pahocpp, mosquitto, "
                       "qpaho, each optionally with -nd (TCP_NODELAY). Default: "
                       "rawpaho,rawpaho-nd,rawpaho-qt-nd,pahocpp,mosquitto,qpaho,qpaho-nd (those "
                       "built)."),
        QStringLiteral("LIST"));
    const QCommandLineOption baselineOpt(QStringLiteral("baseline"),
        QStringLiteral("Client the ratios refer to (rawpaho)."), QStringLiteral("CLIENT"),
        QStringLiteral("rawpaho"));
    const QCommandLineOption repsOpt(QStringLiteral("reps"),
        QStringLiteral("Repetitions per scenario and client (3; "
                       "--quick: 2). Some scenarios cap it."),
        QStringLiteral("N"));
    const QCommandLineOption nOpt(QStringLiteral("n"),
        QStringLiteral("Override the message / round-trip count."), QStringLiteral("N"));
    const QCommandLineOption windowOpt(QStringLiteral("window"),
        QStringLiteral("Max outstanding publishes in the tp-* scenarios (100; 0 = all at once)."),
        QStringLiteral("K"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"),
        QStringLiteral("Per-run timeout in seconds (default per "
                       "scenario: 60, quick 30; loop-* 20/10)."),
        QStringLiteral("S"));
    const QCommandLineOption callgrindOpt(QStringLiteral("callgrind"),
        QStringLiteral(
            "Run each selected scenario once per client under valgrind "
            "--tool=callgrind (N defaults to min(quick N, 2000), 200 for lat-*) and report "
            "instructions per message. Select one scenario and a few clients."));
    const QCommandLineOption inProcessOpt(QStringLiteral("in-process"),
        QStringLiteral("Run everything in this process (no child per run; for debugging)."));
    const QCommandLineOption listOpt(
        QStringLiteral("list"), QStringLiteral("List scenarios and clients, then exit."));
    const QCommandLineOption outOpt(QStringLiteral("out"),
        QStringLiteral("Also write the markdown report to FILE."), QStringLiteral("FILE"));
    const QCommandLineOption verboseOpt(
        QStringLiteral("verbose"), QStringLiteral("Print every run's result."));
    // Internal: one run in this process, result as a JSON line (used by the parent).
    QCommandLineOption childOpt(QStringLiteral("child"));
    childOpt.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption portOpt(QStringLiteral("port"), QString(), QStringLiteral("PORT"));
    portOpt.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption repOpt(QStringLiteral("rep"), QString(), QStringLiteral("REP"));
    repOpt.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions(
        { quickOpt, scenarioOpt, clientsOpt, baselineOpt, repsOpt, nOpt, windowOpt, timeoutOpt,
            callgrindOpt, inProcessOpt, listOpt, outOpt, verboseOpt, childOpt, portOpt, repOpt });
    parser.process(app);

    Config cfg;
    cfg.run.quick = parser.isSet(quickOpt);
    cfg.reps = parser.isSet(repsOpt) ? parser.value(repsOpt).toInt() : (cfg.run.quick ? 2 : 3);
    cfg.repsFloors = !parser.isSet(repsOpt) && !cfg.run.quick;
    if (parser.isSet(nOpt))
        cfg.run.n = parser.value(nOpt).toULongLong();
    if (parser.isSet(windowOpt))
        cfg.run.window = parser.value(windowOpt).toULongLong();
    cfg.run.timeoutSec = parser.value(timeoutOpt).toInt();
    cfg.baseline = parser.value(baselineOpt).toStdString();
    cfg.inProcess = parser.isSet(inProcessOpt);
    cfg.callgrind = parser.isSet(callgrindOpt);
    cfg.verbose = parser.isSet(verboseOpt);
    cfg.outFile = parser.value(outOpt);

    if (parser.isSet(childOpt)) {
        const Scenario *s = findScenario(parser.value(scenarioOpt).toStdString());
        if (!s) {
            std::cerr << "unknown scenario\n";
            return 2;
        }
        cfg.run.port = parser.value(portOpt).toInt();
        cfg.run.rep = parser.value(repOpt).toInt();
#ifdef QPAHO_BENCH_HAVE_CALLGRIND_H
        cfg.run.callgrind = cfg.callgrind && RUNNING_ON_VALGRIND;
#endif
        const RunResult r = runOne(*s, parser.value(clientsOpt).toStdString(), cfg.run);
        std::cout << "RESULT "
                  << QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact).toStdString()
                  << std::endl;
        return 0;
    }

    if (parser.isSet(listOpt)) {
        std::cout << "scenarios (N full / quick):\n";
        for (const auto &s : allScenarios()) {
            std::cout << "  " << s.name << "  QoS " << s.qos << ", " << sizeName(s.payload)
                      << ", N " << s.n << " / " << s.nQuick;
            if (s.kind == Kind::Throughput)
                std::cout << ", window " << (s.window ? std::to_string(s.window) : "all");
            if (!s.onlyClients.empty()) {
                std::cout << ", only";
                for (const auto &c : s.onlyClients)
                    std::cout << " " << c;
            }
            std::cout << "\n";
        }
        std::cout << "clients:";
        for (const auto &c : baseClientNames())
            std::cout << " " << c << (makeDriver(c) ? "" : " (not built)");
        std::cout << "  (append -nd for TCP_NODELAY)\n";
        return 0;
    }

    // Scenario and client selection.
    const auto tokens = parser.isSet(scenarioOpt) ? splitList(parser.value(scenarioOpt))
                                                  : std::vector<std::string> {};
    for (const auto &s : allScenarios()) {
        bool take = tokens.empty();
        for (const auto &t : tokens)
            take |= scenarioMatches(s.name, t);
        if (take)
            cfg.scenarios.push_back(&s);
    }
    if (cfg.scenarios.empty()) {
        std::cerr << "no scenario matches (see --list)\n";
        return 2;
    }
    const auto wanted = parser.isSet(clientsOpt)
        ? splitList(parser.value(clientsOpt))
        : std::vector<std::string> { "rawpaho", "rawpaho-nd", "rawpaho-qt-nd", "pahocpp",
              "mosquitto", "qpaho", "qpaho-nd" };
    for (const auto &c : wanted) {
        if (makeDriver(c))
            cfg.clients.push_back(c);
        else
            std::cerr << "note: client " << c
                      << (c.rfind("qpaho", 0) == 0
                                 ? " is not available (QPaho not built, or bench/driver_qpaho.cpp "
                                   "not implemented yet); skipped\n"
                                 : " is not built or unknown; skipped\n");
    }
    if (cfg.clients.empty()) {
        std::cerr << "no client to run\n";
        return 2;
    }

    Broker broker;
    QString error;
    if (!broker.start(&error)) {
        std::cerr << "cannot start mosquitto: " << error.toStdString() << "\n";
        return 2;
    }
    cfg.run.port = broker.port();

    if (cfg.callgrind)
        return runCallgrind(cfg, broker);

    // The plan: for each scenario, repetitions outermost and clients innermost (A/B/A/B).
    struct Item
    {
        const Scenario *s;
        int rep;
        std::string client;
    };
    std::vector<Item> plan;
    // By default QPaho with Nagle's algorithm does not run the ping-pong scenarios: every
    // QoS 1/2 round trip waits for the delayed ACK (~88 ms), as raw paho's row shows already.
    const bool defaultClients = !parser.isSet(clientsOpt);
    for (const Scenario *s : cfg.scenarios) {
        const int reps = repetitionsOf(cfg, *s);
        for (int rep = 0; rep < reps; ++rep)
            for (const auto &c : cfg.clients) {
                if (!s->onlyClients.empty()
                    && std::find(s->onlyClients.begin(), s->onlyClients.end(), c)
                        == s->onlyClients.end())
                    continue;
                if (defaultClients && c == "qpaho" && s->kind == Kind::Latency)
                    continue;
                plan.push_back({ s, rep, c });
            }
    }

    const std::string header = environmentHeader(cfg, &broker);
    Report report { cfg, {} };
    int i = 0;
    for (const Item &it : plan) {
        ++i;
        if (!broker.isRunning()) {
            std::cerr << "mosquitto died; restarting. Log tail:\n"
                      << broker.logTail().toStdString() << "\n";
            broker.stop();
            if (!broker.start(&error)) {
                std::cerr << "cannot restart mosquitto: " << error.toStdString() << "\n";
                return 2;
            }
            cfg.run.port = broker.port();
        }
        const double brokerCpu0 = broker.cpuSeconds();
        RunResult r;
        if (cfg.inProcess) {
            RunOptions o = cfg.run;
            o.rep = it.rep;
            r = runOne(*it.s, it.client, o);
        } else {
            r = runChildProcess(QCoreApplication::applicationFilePath(),
                childArgs(cfg, *it.s, it.client, it.rep, broker.port()), *it.s, it.client, it.rep,
                (effectiveTimeout(*it.s, cfg.run) + 30) * 1000);
        }
        r.brokerCpu = broker.cpuSeconds() - brokerCpu0;
        std::cerr << "[" << i << "/" << plan.size() << "] " << it.s->name << " rep " << it.rep
                  << " " << it.client << ": ";
        if (it.s->kind == Kind::Latency)
            std::cerr << "p50 " << fmt(percentile(r.latUs, 50), 0) << " µs, p99 "
                      << fmt(percentile(r.latUs, 99), 0) << " µs";
        else
            std::cerr << fmtRate(r.rate()) << " msg/s, " << r.received << "/" << r.n << " in "
                      << fmt(r.seconds, 3) << " s";
        std::cerr << (r.ok ? "" : "  FAIL: " + r.error) << std::endl;
        if (cfg.verbose)
            std::cerr << QJsonDocument(r.toJson()).toJson(QJsonDocument::Compact).toStdString()
                      << std::endl;
        report.results[{ it.s->name, it.client }].push_back(std::move(r));
    }

    std::ostringstream os;
    report.print(os, header);
    std::cout << os.str() << std::flush;
    if (!cfg.outFile.isEmpty()) {
        QFile f(cfg.outFile);
        if (f.open(QIODevice::WriteOnly))
            f.write(QByteArray::fromStdString(os.str()));
    }
    return 0;
}
