#pragma once
// The machine-readable outputs of a lab run (formats in bench/lab/README.md):
//
//   results.csv   one row per configuration: totals, per-window broken sessions and moved-key
//                 factors, peak-to-average statistics
//   results.json  the same plus the scenario, the workload, the events, the target checks for
//                 tether's default and the per-backend load series of the charted configurations
//   timing.csv    measured routing cost per configuration (ns per route() call)
//
// results.csv and results.json are a pure function of scenario + seed (+ --quick): byte-identical
// across runs and machines with the same libm. The measured timing is kept out of them, in
// timing.csv, because no two runs measure the same nanoseconds. Pure functions; any thread.

#include <string>

#include "bench/lab/runner.h"

namespace tether::lab {

std::string resultsCsv(const LabRun& run);
std::string resultsJson(const LabRun& run);
std::string timingCsv(const LabRun& run);

// Writes `content` to `path` (replacing it). On failure returns false and sets `error`.
bool writeTextFile(const std::string& path, const std::string& content, std::string& error);

// Helpers shared with the HTML report.
std::string formatNumber(double v, int decimals);  // NaN -> ""
std::string jsonEscape(const std::string& s);
std::string windowColumn(const std::string& prefix, const std::string& label);

} // namespace tether::lab
