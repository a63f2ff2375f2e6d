#pragma once
// The lab's HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing
// fetched) stating the scenario, the seed and the command that reproduces it, the workload and
// timeline, the target checks for tether's default, load per backend over time with the events
// marked, sessions broken per event per strategy, keys moved, and the summary table.
// Pure function; any thread.

#include <string>

#include "bench/lab/runner.h"

namespace tether::lab {

struct ReportContext {
  std::string command_line;  // as invoked
  std::string generated;     // date, e.g. "2026-11-26 06:30 UTC"
  std::string machine;       // e.g. "2 x AMD EPYC"
  std::string load;          // 1-minute load average at start and end, e.g. "0.12 / 1.05"
};

std::string reportHtml(const LabRun& run, const ReportContext& context);

} // namespace tether::lab
