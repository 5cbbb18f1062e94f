// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_BACKOFFSCHEDULE_P_H
#define QPAHO_BACKOFFSCHEDULE_P_H

// The delays between reconnect rounds: doubling from the minimum, capped at the maximum, with
// jitter so that many clients that lost the same broker do not return in step. Pure arithmetic:
// no timers, no paho; the connection state machine (connection.cpp) decides when to ask.

#include "common/autotest_p.h"

#include <functional>

namespace QPaho::Internal {

class QPAHO_AUTOTEST_EXPORT BackoffSchedule
{
public:
    /*! Returns a value in [0, bound). The default draws from QRandomGenerator::global(). */
    using Random = std::function<double(double bound)>;

    BackoffSchedule();

    /*! The range in ms; values below 1 count as 1, and a maximum below the minimum wins. */
    void setRange(int minimumMs, int maximumMs);
    /*!
        The delay before the next round, in ms: the step's nominal delay (minimum x 2^step,
        at most the maximum) less a random part of up to half of it. Advances the step.
    */
    int nextDelay();
    /*! Back to the first step (after a successful connect). */
    void reset() { m_step = 0; }
    /*! How many delays were handed out since the last reset(). */
    int step() const { return m_step; }

    /*! Tests: a deterministic random source. */
    void setRandomForTesting(Random random);

private:
    Random m_random;
    int m_minimumMs = 1000;
    int m_maximumMs = 60000;
    int m_step = 0;
};

} // namespace QPaho::Internal

#endif // QPAHO_BACKOFFSCHEDULE_P_H
