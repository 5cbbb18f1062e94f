// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// A paho that fixed some defects, pretended for one scope: the workarounds' gates
// (src/paho/pahoversion_p.h). For suites that may include the library's private headers
// (INTERNAL in suites.cmake).
#pragma once

#include "paho/pahoversion_p.h"

#include <initializer_list>
#include <vector>

namespace QPahoTest {

// Pretends, for one scope, a paho 99.0.0 that fixed `fixed` (and only those).
class PretendFixedPaho
{
public:
    PretendFixedPaho(std::initializer_list<QPaho::Internal::Workaround> fixed) : m_fixed(fixed)
    {
        QPaho::Internal::setPahoVersionForTesting({ 99, 0, 0 });
        for (const QPaho::Internal::Workaround w : m_fixed)
            QPaho::Internal::setPahoFixedInForTesting(w, { 99, 0, 0 });
    }
    ~PretendFixedPaho()
    {
        for (const QPaho::Internal::Workaround w : m_fixed)
            QPaho::Internal::setPahoFixedInForTesting(w, {});
        QPaho::Internal::setPahoVersionForTesting({});
    }
    PretendFixedPaho(const PretendFixedPaho &) = delete;
    PretendFixedPaho &operator=(const PretendFixedPaho &) = delete;

private:
    std::vector<QPaho::Internal::Workaround> m_fixed;
};

} // namespace QPahoTest
