// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "threadstats.h"

#include <QtCore/QJsonObject>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bench {

namespace {

std::string readFile(const std::string &path)
{
    std::ifstream f(path);
    std::ostringstream os;
    os << f.rdbuf();
    return os.str();
}

// The value of a "Key:\tvalue" line of /proc/.../status.
std::uint64_t statusField(const std::string &status, const char *key)
{
    const std::string k = std::string("\n") + key + ":";
    const auto pos = status.find(k);
    return pos == std::string::npos ? 0
                                    : std::strtoull(status.c_str() + pos + k.size(), nullptr, 10);
}

} // namespace

ThreadSnapshot sampleThreads()
{
    ThreadSnapshot snap;
    const long pid = static_cast<long>(getpid());
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    DIR *dir = opendir("/proc/self/task");
    if (!dir)
        return snap;
    while (dirent *e = readdir(dir)) {
        const long tid = std::strtol(e->d_name, nullptr, 10);
        if (tid <= 0)
            continue;
        const std::string base = std::string("/proc/self/task/") + e->d_name + "/";
        const std::string stat = readFile(base + "stat");
        // "tid (comm) state ...": comm may hold spaces and parentheses, so split at the last ')'.
        const auto open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos || close < open)
            continue; // the thread exited while we looked
        ThreadSample t;
        t.name = tid == pid ? "main" : stat.substr(open + 1, close - open - 1);
        std::istringstream rest(stat.substr(close + 1));
        std::string field;
        // Fields 3..15 of proc(5): state ... utime (14) stime (15).
        unsigned long long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14)
                utime = std::strtoull(field.c_str(), nullptr, 10);
            else if (i == 15)
                stime = std::strtoull(field.c_str(), nullptr, 10);
        }
        t.user = static_cast<double>(utime) / tick;
        t.sys = static_cast<double>(stime) / tick;
        // A leading newline lets statusField() match whole keys only (GCC 12 warns with
        // -Wrestrict, wrongly, about "\n" + std::string, hence insert()).
        std::string status = readFile(base + "status");
        status.insert(status.begin(), '\n');
        t.voluntary = statusField(status, "voluntary_ctxt_switches");
        t.involuntary = statusField(status, "nonvoluntary_ctxt_switches");
        std::istringstream sched(readFile(base + "schedstat"));
        unsigned long long runNs = 0;
        if (sched >> runNs)
            t.run = static_cast<double>(runNs) / 1e9;
        snap[tid] = std::move(t);
    }
    closedir(dir);
    return snap;
}

std::vector<ThreadGroup> threadDelta(const ThreadSnapshot &before, const ThreadSnapshot &after)
{
    std::vector<ThreadGroup> groups;
    for (const auto &[tid, a] : after) {
        ThreadSample b;
        if (auto it = before.find(tid); it != before.end())
            b = it->second;
        ThreadGroup *g = nullptr;
        for (auto &x : groups)
            if (x.name == a.name)
                g = &x;
        if (!g) {
            groups.push_back({});
            g = &groups.back();
            g->name = a.name;
        }
        ++g->threads;
        g->user += a.user - b.user;
        g->sys += a.sys - b.sys;
        g->run += a.run - b.run;
        g->voluntary += a.voluntary - b.voluntary;
        g->involuntary += a.involuntary - b.involuntary;
    }
    return groups;
}

QJsonArray threadGroupsToJson(const std::vector<ThreadGroup> &groups)
{
    QJsonArray a;
    for (const auto &g : groups) {
        QJsonObject o;
        o["name"] = QString::fromStdString(g.name);
        o["threads"] = g.threads;
        o["user"] = g.user;
        o["sys"] = g.sys;
        o["run"] = g.run;
        o["vcs"] = static_cast<qint64>(g.voluntary);
        o["nvcs"] = static_cast<qint64>(g.involuntary);
        a.append(o);
    }
    return a;
}

std::vector<ThreadGroup> threadGroupsFromJson(const QJsonArray &a)
{
    std::vector<ThreadGroup> groups;
    for (const auto &v : a) {
        const QJsonObject o = v.toObject();
        ThreadGroup g;
        g.name = o["name"].toString().toStdString();
        g.threads = o["threads"].toInt();
        g.user = o["user"].toDouble();
        g.sys = o["sys"].toDouble();
        g.run = o["run"].toDouble();
        g.voluntary = static_cast<std::uint64_t>(o["vcs"].toInteger());
        g.involuntary = static_cast<std::uint64_t>(o["nvcs"].toInteger());
        groups.push_back(std::move(g));
    }
    return groups;
}

} // namespace bench
