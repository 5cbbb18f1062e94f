// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// Per-thread CPU time and context switches of this process, from /proc/self/task/<tid>/
// (stat, status, schedstat), so a run can say where its time went between threads: the
// publishing / owner thread, paho's MQTTAsync_send and MQTTAsync_rcv, QPaho's helpers.
#pragma once

#include <QtCore/QJsonArray>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bench {

struct ThreadSample
{
    std::string name; // "main" for the process's first thread, else its comm
    double user = 0, sys = 0; // seconds (clock ticks: 10 ms resolution per thread)
    double run = 0; // seconds on the CPU from schedstat (ns resolution); 0 if unavailable
    std::uint64_t voluntary = 0, involuntary = 0; // context switches
};

using ThreadSnapshot = std::map<long, ThreadSample>; // by tid

ThreadSnapshot sampleThreads();

// What the threads did between two snapshots, summed by name (threads that exited in between
// are missing; threads that started count from zero).
struct ThreadGroup
{
    std::string name;
    int threads = 0;
    double user = 0, sys = 0, run = 0;
    std::uint64_t voluntary = 0, involuntary = 0;

    /*! Adds \a other's counts and times (the name stays). */
    ThreadGroup &operator+=(const ThreadGroup &other)
    {
        threads += other.threads;
        user += other.user;
        sys += other.sys;
        run += other.run;
        voluntary += other.voluntary;
        involuntary += other.involuntary;
        return *this;
    }
};

std::vector<ThreadGroup> threadDelta(const ThreadSnapshot &before, const ThreadSnapshot &after);

QJsonArray threadGroupsToJson(const std::vector<ThreadGroup> &groups);
std::vector<ThreadGroup> threadGroupsFromJson(const QJsonArray &a);

} // namespace bench
