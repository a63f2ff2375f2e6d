#include "bench/lab/metrics.h"

#include <algorithm>

namespace tether::lab {

void PeakToAverage::add(double ratio, bool steady_sample) {
  if (ratio <= 0) return;
  ++samples;
  sum_ += ratio;
  max = std::max(max, ratio);
  if (steady_sample) {
    ++steady_samples;
    steady_max = std::max(steady_max, ratio);
    steady_sum_ += ratio;
  }
}

void PeakToAverage::finish() {
  mean = samples ? sum_ / samples : 0;
  steady = steady_samples ? steady_sum_ / steady_samples : 0;
}

double RunResult::movedFactorTotal() const {
  double moved = 0, ideal = 0;
  for (const auto& w : windows) {
    moved += w.moved;
    ideal += w.ideal;
  }
  return sticky && ideal > 1e-12 ? moved / ideal : std::nan("");
}

double peakToAverage(const std::vector<double>& values, const std::vector<double>& weights) {
  double sum_v = 0, sum_w = 0, peak = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (weights[i] <= 0) continue;
    sum_v += values[i];
    sum_w += weights[i];
    peak = std::max(peak, values[i] / weights[i]);
  }
  if (sum_v <= 0) return 0;
  return peak / (sum_v / sum_w);
}

} // namespace tether::lab
