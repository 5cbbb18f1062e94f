// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// PahoQuarantine: parks a paho handle whose session memory paho corrupted after a failed write, so
// that it is never destroyed nor connected again (docs/paho-resend-loop.md).
#include "paho/pahoquarantine_p.h"

#include "paho/handlereaper_p.h"
#include "paho/pahoversion_p.h"
#include "paho/pahowaker_p.h"

#include <mutex>
#include <utility>
#include <vector>

namespace QPaho::Internal::PahoQuarantine {

namespace {

struct Parked
{
    MQTTAsync handle = nullptr;
    std::unique_ptr<Bridge> bridge;
    std::shared_ptr<const void> keepAlive;
};

std::mutex &parkingMutex()
{
    static std::mutex mutex;
    return mutex;
}

// Never destroyed, on purpose: destroying a parked Bridge at exit could race with a paho
// thread still holding one of its contexts. Reachable from here, so no leak checker reports it.
std::vector<Parked> &parkingLot()
{
    static auto *lot = new std::vector<Parked>;
    return *lot;
}

} // namespace

void park(MQTTAsync handle, std::unique_ptr<Bridge> bridge, std::shared_ptr<const void> keepAlive,
    const QByteArray &persistenceDirectory)
{
    if (bridge)
        bridge->detach();
    if (!pahoNeeds(Workaround::FailedWriteCorruptsSession)) {
        // The gate (paho/pahoversion_p.h): this paho's session memory is intact, so the handle
        // is destroyed like any other. The reaper's job gives one waker reference back, and the
        // caller gives the handle's own back after park(): the job gets a reference of its own.
        PahoWaker::acquire();
        HandleReaper::destroyLater(
            handle, std::move(bridge), persistenceDirectory, std::move(keepAlive));
        return;
    }
    std::lock_guard lock(parkingMutex());
    parkingLot().push_back({ handle, std::move(bridge), std::move(keepAlive) });
}

void parkForTesting(MQTTAsync handle, std::shared_ptr<const void> keepAlive)
{
    park(handle, nullptr, std::move(keepAlive));
}

int parkedCount()
{
    std::lock_guard lock(parkingMutex());
    return int(parkingLot().size());
}

} // namespace QPaho::Internal::PahoQuarantine
