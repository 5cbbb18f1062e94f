// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "driver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace bench {

// ---- WaitableCounter -------------------------------------------------------------------------

void WaitableCounter::reset(std::uint64_t v) noexcept
{
    value_.store(v);
    target_.store(UINT64_MAX);
    aborted_.store(false);
}

std::uint64_t WaitableCounter::add(std::uint64_t n) noexcept
{
    const std::uint64_t v = value_.fetch_add(n) + n;
    // Only the increment that reaches the target notifies: later ones would take the mutex
    // the woken waiter needs. seq_cst on both sides (see waitFor) means an increment that ran
    // before the target was stored is seen by the waiter's predicate instead.
    const std::uint64_t t = target_.load();
    if (v >= t && v - n < t) {
        std::lock_guard lock(mutex_);
        cv_.notify_all();
    }
    return v;
}

bool WaitableCounter::waitFor(std::uint64_t target, Clock::time_point deadline)
{
    if (value_.load() >= target)
        return true;
    // seq_cst store/load pairs with add(): either add() sees the target and notifies under
    // the mutex, or the predicate below sees add()'s increment.
    target_.store(target);
    std::unique_lock lock(mutex_);
    const bool ok = cv_.wait_until(
        lock, deadline, [&] { return value_.load() >= target || aborted_.load(); });
    target_.store(UINT64_MAX);
    return ok && value_.load() >= target;
}

void WaitableCounter::abort() noexcept
{
    aborted_.store(true);
    std::lock_guard lock(mutex_);
    cv_.notify_all();
}

// ---- Sink ------------------------------------------------------------------------------------

void Sink::expect(std::uint64_t count, std::size_t payloadSize)
{
    seen_ = std::make_unique<std::atomic<std::uint8_t>[]>(count);
    for (std::uint64_t i = 0; i < count; ++i)
        seen_[i].store(0, std::memory_order_relaxed);
    count_ = count;
    payloadSize_ = payloadSize;
    unique_.reset();
    duplicates_.store(0);
    stray_.store(0);
    lastUniqueNs_.store(0);
}

void Sink::onMessage(const void *data, std::size_t len) noexcept
{
    std::uint64_t seq = UINT64_MAX;
    if (len == payloadSize_ && len >= 8)
        std::memcpy(&seq, data, 8);
    if (seq >= count_) {
        stray_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (seen_[seq].fetch_add(1, std::memory_order_relaxed) != 0) {
        duplicates_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    lastUniqueNs_.store(nowNs(), std::memory_order_relaxed);
    unique_.add();
}

// ---- Throttle --------------------------------------------------------------------------------

bool Throttle::acquire(Clock::time_point deadline)
{
    if (limit_ == 0) {
        if ((issued_ & 1023) == 0 && Clock::now() >= deadline)
            return false;
    } else if (completed_.aborted()) {
        return false;
    } else if (issued_ - completed_.value() >= limit_
        && !completed_.waitFor(issued_ - limit_ + refillStep(), deadline)) {
        return false;
    }
    ++issued_;
    return true;
}

// ---- Client registry -------------------------------------------------------------------------

std::vector<std::string> baseClientNames()
{
    return { "rawpaho", "rawpaho-1by1", "rawpaho-qt", "pahocpp", "mosquitto", "qpaho" };
}

bool clientWantsNoDelay(std::string_view name)
{
    return name.size() > 3 && name.substr(name.size() - 3) == "-nd";
}

bool pahoDefaultTrace()
{
    const char *level = std::getenv("QPAHO_BENCH_PAHO_TRACE");
    return level && std::string_view(level) == "default";
}

std::unique_ptr<Driver> makeDriver(std::string_view name)
{
    if (clientWantsNoDelay(name))
        name.remove_suffix(3);
    if (name == "rawpaho")
        return makeRawPahoDriver(RawPahoMode::Bursts);
    if (name == "rawpaho-1by1")
        return makeRawPahoDriver(RawPahoMode::OneByOne);
    if (name == "rawpaho-qt")
        return makeRawPahoDriver(RawPahoMode::BurstsViaEventLoop);
    if (name == "pahocpp")
        return makePahoCppDriver();
    if (name == "mosquitto")
        return makeMosquittoDriver();
    if (name == "qpaho")
        return makeQPahoDriver();
    return nullptr;
}

// ---- TCP_NODELAY for clients that have no option for it -------------------------------------

std::vector<unsigned long> socketInodes()
{
    std::vector<unsigned long> inodes;
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return inodes;
    while (dirent *e = readdir(dir)) {
        char path[300], target[64];
        std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        const ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = 0;
        unsigned long inode = 0;
        if (std::sscanf(target, "socket:[%lu]", &inode) == 1)
            inodes.push_back(inode);
    }
    closedir(dir);
    std::sort(inodes.begin(), inodes.end());
    return inodes;
}

int setNoDelayOnNewSockets(const std::vector<unsigned long> &before, int port)
{
    int changed = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return 0;
    const int dirFd = dirfd(dir);
    while (dirent *e = readdir(dir)) {
        char path[300], target[64];
        std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        const ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = 0;
        unsigned long inode = 0;
        if (std::sscanf(target, "socket:[%lu]", &inode) != 1
            || std::binary_search(before.begin(), before.end(), inode))
            continue;
        const int fd = std::atoi(e->d_name);
        if (fd == dirFd)
            continue;
        int type = 0;
        socklen_t len = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
            continue;
        sockaddr_storage peer {};
        len = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &len) != 0)
            continue;
        int peerPort = -1;
        if (peer.ss_family == AF_INET)
            peerPort = ntohs(reinterpret_cast<sockaddr_in *>(&peer)->sin_port);
        else if (peer.ss_family == AF_INET6)
            peerPort = ntohs(reinterpret_cast<sockaddr_in6 *>(&peer)->sin6_port);
        if (peerPort != port)
            continue;
        const int one = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
            ++changed;
    }
    closedir(dir);
    return changed;
}

} // namespace bench
