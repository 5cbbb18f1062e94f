// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_ALLOCATORTUNING_P_H
#define QPAHO_ALLOCATORTUNING_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QPaho API. It exists purely as an
// implementation detail. This header file may change from version to
// version without notice, or even be removed.
//
// We mean it.
//

#include <QtCore/qglobal.h>

#include <atomic>

// Streaming large payloads makes glibc's allocator hand memory back to the kernel and take it
// back for nearly every message: paho allocates each outgoing copy on the publishing thread and
// frees it on its send thread, allocates each incoming packet on its receive thread, and QPaho
// copies the payload into a QByteArray that the owner thread frees. With glibc's defaults
// (M_TRIM_THRESHOLD and M_MMAP_THRESHOLD 128 KiB, raised only when an mmapped chunk is freed)
// the top of a heap keeps crossing the trim threshold, is trimmed, and the next allocation
// page-faults zero-filled pages back in. Measured (pub + sub in one process, a broker that is
// not itself the bottleneck): 64 KiB 14.3k -> 19.6k msg/s, 256 KiB 4.7k -> 6.5k, CPU per
// message -30%.
//
// AllocatorTuning sets M_MMAP_THRESHOLD to 32 MiB (glibc's own dynamic maximum: chunks below it
// come from a heap, as they would once glibc saw such a chunk freed) and M_TRIM_THRESHOLD to
// 8 MiB (a heap keeps up to 8 MiB free at its top instead of trimming it), once per process,
// when the first payload of kLargePayload bytes or more passes through a Client (published or
// received) after the application opted in.
//
// mallopt() is process-wide and cannot be undone, so it is opt-in: nothing happens unless the
// application calls Client::setAllocatorTuningEnabled(true) or runs with QPAHO_MALLOC_TUNING=1
// (QPAHO_MALLOC_TUNING=0 wins over the call), and it is still skipped when the environment
// configures glibc's malloc itself (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_,
// MALLOC_TOP_PAD_, "glibc.malloc." in GLIBC_TUNABLES). Other C libraries: nothing happens.

namespace QPaho::Internal {

class AllocatorTuning
{
public:
    AllocatorTuning() = delete;

    // Payloads from this size on trigger the tuning.
    static constexpr qint64 kLargePayload = 32 * 1024;

    // Cheap enough for every message: one relaxed load once the decision is made.
    static void notePayload(qint64 bytes)
    {
        if (bytes >= kLargePayload && !s_decided.load(std::memory_order_relaxed))
            decide();
    }

    // Whether the tuning may happen at the next large payload (default: no). Thread-safe.
    static void setEnabled(bool enabled);
    // setEnabled(), unless QPAHO_MALLOC_TUNING decides.
    static bool isEnabled();

    // Whether QPaho changed the allocator's settings in this process.
    static bool isApplied();

private:
    static void decide(); // once per process (later calls return at once)
    static std::atomic<bool> s_decided;
};

} // namespace QPaho::Internal

#endif // QPAHO_ALLOCATORTUNING_P_H
