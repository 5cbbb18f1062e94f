// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace bench {

// Linear-interpolated percentile, p in [0, 100]. NaN for an empty sample.
inline double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return std::nan("");
    std::sort(v.begin(), v.end());
    const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

inline double median(const std::vector<double> &v)
{
    return percentile(v, 50);
}

inline double mean(const std::vector<double> &v)
{
    if (v.empty())
        return std::nan("");
    double s = 0;
    for (double d : v)
        s += d;
    return s / static_cast<double>(v.size());
}

} // namespace bench
