// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The running paho.mqtt.c version and the table of workarounds it needs (see pahoversion_p.h).
#include "paho/pahoversion_p.h"

#include "common/logging_p.h"

extern "C" {
#include <MQTTAsync.h>
}

#include <array>
#include <atomic>
#include <cstring>

namespace QPaho::Internal {

namespace {

struct Entry
{
    Workaround workaround;
    const char *name;
    // The newest release checked for the defect: 1.3.11 is what the test machines run (Debian
    // 12's 1.3.12) and where each workaround's test shows the defect; 1.3.13 is upstream's source
    // (tag v1.3.13 and master of February 2024) read for the same code path; the failed-write
    // defect was followed through 1.3.16 (docs/paho-resend-loop.md), the misattributed socket
    // error through 1.3.15 and master of January 2026.
    PahoVersion newestChecked;
    // The first release that fixes it; invalid while no fix is known. Record a fix here only
    // when the workaround's test fails against that release without the workaround.
    PahoVersion fixedIn;
};

// In the order of the enum.
constexpr PahoVersion kNoFix {};
constexpr std::array<Entry, kWorkaroundCount> kTable { {
    { Workaround::ReceiveThreadPoll, "receive-thread-poll", { 1, 3, 13 }, kNoFix },
    { Workaround::SendThreadLostSignal, "send-thread-lost-signal", { 1, 3, 13 }, kNoFix },
    { Workaround::NoTcpNoDelay, "no-tcp-nodelay", { 1, 3, 13 }, kNoFix },
    { Workaround::BlockingDestroy, "blocking-destroy", { 1, 3, 13 }, kNoFix },
    { Workaround::FailedWriteCorruptsSession, "failed-write-corrupts-session", { 1, 3, 16 },
        kNoFix },
    { Workaround::MisattributedSocketError, "misattributed-socket-error", { 1, 3, 15 }, kNoFix },
} };

constexpr bool tableInEnumOrder()
{
    for (std::size_t i = 0; i < kTable.size(); ++i) {
        if (std::size_t(kTable[i].workaround) != i)
            return false;
    }
    return true;
}
static_assert(tableInEnumOrder(), "kTable: one entry per Workaround, in the enum's order");

const Entry &entry(Workaround workaround)
{
    return kTable[std::size_t(workaround)];
}

// Versions in one int for the atomics: 0 is "none".
int encode(PahoVersion v)
{
    return v.isValid() ? 1 + v.major * 1'000'000 + v.minor * 1000 + v.patch : 0;
}

PahoVersion decode(int code)
{
    if (code <= 0)
        return {};
    --code;
    return { code / 1'000'000, code / 1000 % 1000, code % 1000 };
}

std::atomic<int> g_pretendVersion { 0 };
std::array<std::atomic<int>, kWorkaroundCount> g_pretendFixedIn {};

PahoVersion readFromPaho()
{
    // MQTTAsync_getVersionInfo() fills a static array and returns it; it takes no paho lock.
    // paho calls it itself once, inside its first MQTTAsync_create (Log_initialize): the first
    // pahoNeeds() of the process runs before QPaho's first create (PahoWaker::acquire()), and
    // writing the same constants twice is harmless anyway.
    const MQTTAsync_nameValue *info = MQTTAsync_getVersionInfo();
    for (; info && info->name; ++info) {
        if (std::strcmp(info->name, "Version") == 0)
            return PahoVersion::fromString(info->value);
    }
    return {};
}

void logDecisionOnce()
{
    static std::atomic<bool> logged { false };
    if (logged.exchange(true))
        return;
    const PahoVersion running = runningPahoVersion();
    QByteArray on;
    QByteArray off;
    bool newerThanChecked = false;
    for (const Entry &e : kTable) {
        QByteArray &list = pahoNeeds(e.workaround) ? on : off;
        list += (list.isEmpty() ? "" : ", ") + QByteArray(e.name);
        newerThanChecked = newerThanChecked || (running.isValid() && e.newestChecked < running);
    }
    qCDebug(lcClient).noquote().nospace()
        << "paho.mqtt.c " << running.toString() << " (MQTTAsync_getVersionInfo); workarounds on: "
        << (on.isEmpty() ? QByteArray("none") : on)
        << "; off: " << (off.isEmpty() ? QByteArray("none") : off)
        << (newerThanChecked ? "; this paho is newer than the newest one checked, and no fix is "
                               "recorded: the workarounds stay on (docs/paho-workarounds.md)"
                             : "");
}

} // namespace

PahoVersion PahoVersion::fromString(const char *text)
{
    if (!text)
        return {};
    int parts[3] = { 0, 0, 0 };
    const char *p = text;
    for (int i = 0; i < 3; ++i) {
        if (i > 0 && *p++ != '.')
            return {};
        if (*p < '0' || *p > '9')
            return {};
        int value = 0;
        for (; *p >= '0' && *p <= '9'; ++p) {
            value = value * 10 + (*p - '0');
            if (value > 999)
                return {};
        }
        parts[i] = value;
    }
    if (*p >= '0' && *p <= '9')
        return {};
    return { parts[0], parts[1], parts[2] };
}

QByteArray PahoVersion::toString() const
{
    if (!isValid())
        return QByteArrayLiteral("unknown");
    return QByteArray::number(major) + '.' + QByteArray::number(minor) + '.'
        + QByteArray::number(patch);
}

PahoVersion reportedPahoVersion()
{
    static const PahoVersion version = readFromPaho();
    return version;
}

PahoVersion runningPahoVersion()
{
    const int pretend = g_pretendVersion.load(std::memory_order_acquire);
    return pretend != 0 ? decode(pretend) : reportedPahoVersion();
}

const char *workaroundName(Workaround workaround)
{
    return entry(workaround).name;
}

PahoVersion newestCheckedPahoVersion(Workaround workaround)
{
    return entry(workaround).newestChecked;
}

PahoVersion pahoFixedIn(Workaround workaround)
{
    const int pretend = g_pretendFixedIn[std::size_t(workaround)].load(std::memory_order_acquire);
    return pretend != 0 ? decode(pretend) : entry(workaround).fixedIn;
}

bool pahoNeeds(Workaround workaround)
{
    logDecisionOnce();
    const PahoVersion fixedIn = pahoFixedIn(workaround);
    const PahoVersion running = runningPahoVersion();
    // An unknown version counts as an old one: every workaround stays on.
    return !fixedIn.isValid() || !running.isValid() || running < fixedIn;
}

void setPahoVersionForTesting(PahoVersion version)
{
    g_pretendVersion.store(encode(version), std::memory_order_release);
}

void setPahoFixedInForTesting(Workaround workaround, PahoVersion fixedIn)
{
    g_pretendFixedIn[std::size_t(workaround)].store(encode(fixedIn), std::memory_order_release);
}

} // namespace QPaho::Internal
