// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// The reconnect backoff: doubling, cap, jitter (see backoffschedule_p.h).

#include "core/backoffschedule_p.h"

#include <QtCore/QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <utility>

namespace QPaho::Internal {

namespace {

// 2^20 x the minimum is beyond any sensible maximum: the exponent stops growing there.
constexpr int kMaxExponent = 20;

} // namespace

BackoffSchedule::BackoffSchedule()
    : m_random([](double bound) { return QRandomGenerator::global()->bounded(bound); })
{ }

void BackoffSchedule::setRange(int minimumMs, int maximumMs)
{
    m_minimumMs = std::max(1, minimumMs);
    m_maximumMs = std::max(1, maximumMs);
}

int BackoffSchedule::nextDelay()
{
    const double nominal = std::min(
        m_minimumMs * std::pow(2.0, std::min(m_step, kMaxExponent)), double(m_maximumMs));
    // Jitter in [nominal/2, nominal]: clients that lost the same broker spread out, and the
    // delay still grows from round to round.
    const double half = nominal / 2;
    const double delay = half + std::clamp(m_random(half), 0.0, half);
    ++m_step;
    return int(delay);
}

void BackoffSchedule::setRandomForTesting(Random random)
{
    m_random = std::move(random);
}

} // namespace QPaho::Internal
