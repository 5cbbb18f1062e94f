// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Opt-in glibc allocator tuning for large payloads (Client::setAllocatorTuningEnabled): the
// measured mallopt() switch. Process-wide, so never applied unless the application asks.
#include "paho/allocatortuning_p.h"

#include "common/environmentswitch_p.h"
#include "common/logging_p.h"

#include <QtCore/QByteArray>

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace QPaho::Internal {

namespace {

constexpr int kMmapThreshold = 32 * 1024 * 1024; // glibc's DEFAULT_MMAP_THRESHOLD_MAX (64-bit)
constexpr int kTrimThreshold = 8 * 1024 * 1024;

std::atomic<bool> g_enabled { false }; // opt-in: the application's setEnabled()
std::atomic<bool> g_applied { false };

// Whether the environment already tells glibc how to manage its heaps: then it is not ours to.
bool environmentConfiguresMalloc()
{
    for (const char *name :
        { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_" }) {
        if (qEnvironmentVariableIsSet(name))
            return true;
    }
    return qgetenv("GLIBC_TUNABLES").contains("glibc.malloc.");
}

// QPAHO_MALLOC_TUNING: 1 opts in, 0 opts out (over setEnabled()), unset leaves it to the
// application. Read once.
int environmentChoice()
{
    static const int choice = environmentSwitch("QPAHO_MALLOC_TUNING");
    return choice;
}

} // namespace

std::atomic<bool> AllocatorTuning::s_decided { false };

void AllocatorTuning::decide()
{
    // Not decided while disabled: an application may still opt in before a later payload.
    if (!isEnabled())
        return;
    static std::once_flag once;
    std::call_once(once, [] {
        s_decided.store(true, std::memory_order_relaxed);
        if (environmentConfiguresMalloc()) {
            qCDebug(lcClient) << "allocator tuning skipped: the environment configures malloc";
            return;
        }
#if defined(__GLIBC__)
        // Each call also switches glibc's dynamic adjustment of both thresholds off.
        const bool mmapSet = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
        const bool trimSet = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
        g_applied.store(mmapSet && trimSet, std::memory_order_release);
        qCDebug(lcClient) << "allocator tuned for large payloads: M_MMAP_THRESHOLD"
                          << kMmapThreshold << (mmapSet ? "set," : "refused,") << "M_TRIM_THRESHOLD"
                          << kTrimThreshold << (trimSet ? "set" : "refused");
#endif
    });
}

void AllocatorTuning::setEnabled(bool enabled)
{
    g_enabled.store(enabled, std::memory_order_release);
}

bool AllocatorTuning::isEnabled()
{
    const int choice = environmentChoice();
    return choice < 0 ? g_enabled.load(std::memory_order_acquire) : choice == 1;
}

bool AllocatorTuning::isApplied()
{
    return g_applied.load(std::memory_order_acquire);
}

} // namespace QPaho::Internal
