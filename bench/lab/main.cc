// tether-lab: the affinity lab's command line (bench/lab/README.md).
//
//   tether-lab --scenario bench/scenarios/default.yaml --seed 42 --out /tmp/lab
//
// Loads the scenario (every problem reported as FILE:LINE:COL: message, exit 1), simulates every
// configuration with a progress bar on stderr, writes results.csv, results.json, timing.csv and
// report.html into --out, and prints the target checks for tether's default. Exit 0 when the run
// completed (whatever the targets say), 1 on a bad scenario or an unwritable output, 2 on bad
// flags; with --check-targets, 3 when a target of tether's default fails.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/lab/progress.h"
#include "bench/lab/report_html.h"
#include "bench/lab/results_writer.h"
#include "bench/lab/runner.h"
#include "bench/lab/scenario_loader.h"

namespace {

using namespace tether::lab;

constexpr const char* kUsage = R"(usage: tether-lab --scenario FILE --out DIR [options]

  --scenario FILE     scenario to replay (bench/scenarios/*.yaml; keys in bench/scenarios/README.md)
  --out DIR           where to write results.csv, results.json, timing.csv and report.html
  --seed N            random seed (default: the scenario's `seed`)
  --quick             scale the arrival rate and the moved-keys sample by the scenario's quick_scale
  --strategies LIST   comma-separated subset of the scenario's strategies
  --bindings LIST     comma-separated subset of: none, cookie, table, cookie+table
  --balance LIST      comma-separated subset of the balance factors (off, 1.25, ...)
  --check-targets     exit 3 if tether's default configuration misses a target
  --quiet             no progress bar
  --help              this text
)";

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return std::to_string(std::thread::hardware_concurrency()) + " x " + model;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

std::string utcNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  std::string scenario_path, out_dir;
  RunnerOptions options;
  bool quiet = false, check_targets = false;
  std::string command_line = "tether-lab";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tether-lab: %s needs a value\n%s", arg.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--scenario") scenario_path = value();
    else if (arg == "--out") out_dir = value();
    else if (arg == "--seed") {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long long seed = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-') {
        std::fprintf(stderr, "tether-lab: --seed needs a whole number, got '%s'\n", v.c_str());
        return 2;
      }
      options.seed = seed;
    } else if (arg == "--quick") options.quick = true;
    else if (arg == "--strategies") options.strategies = splitList(value());
    else if (arg == "--bindings") options.bindings = splitList(value());
    else if (arg == "--balance") {
      for (const auto& f : splitList(value())) {
        options.balance_factors.push_back(f == "off" ? 0.0 : std::strtod(f.c_str(), nullptr));
      }
    } else if (arg == "--check-targets") check_targets = true;
    else if (arg == "--quiet") quiet = true;
    else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "tether-lab: unknown option '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (scenario_path.empty() || out_dir.empty()) {
    std::fprintf(stderr, "tether-lab: --scenario and --out are required\n%s", kUsage);
    return 2;
  }

  auto loaded = loadScenario(scenario_path);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    return 1;
  }
  const Scenario& scenario = *loaded.scenario;
  for (const auto& st : options.strategies) {
    const auto kind = tether::routing::parseStrategy(st);
    if (!kind || std::find(scenario.strategies.begin(), scenario.strategies.end(), *kind) ==
                     scenario.strategies.end()) {
      std::fprintf(stderr, "tether-lab: strategy '%s' is not in the scenario's compare.strategies\n", st.c_str());
      return 2;
    }
  }
  for (const auto& b : options.bindings) {
    const auto parsed = parseBinding(b);
    if (!parsed || std::find(scenario.bindings.begin(), scenario.bindings.end(), *parsed) == scenario.bindings.end()) {
      std::fprintf(stderr, "tether-lab: binding '%s' is not in the scenario's compare.bindings\n", b.c_str());
      return 2;
    }
  }
  for (double f : options.balance_factors) {
    if (std::find(scenario.balance_factors.begin(), scenario.balance_factors.end(), f) ==
        scenario.balance_factors.end()) {
      std::fprintf(stderr, "tether-lab: balance factor %s is not in the scenario's compare.balance_factors\n",
                   balanceName(f).c_str());
      return 2;
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "tether-lab: cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return 1;
  }

  const std::string load_at_start = loadAverage();
  Progress progress(quiet ? Progress::Mode::Quiet : Progress::Mode::Auto);
  options.progress = [&](size_t done, size_t total, const std::string& label) {
    progress.update(done, total, label);
  };
  const LabRun run = runLab(std::move(*loaded.scenario), options);

  ReportContext context{command_line, utcNow(), machine(), load_at_start + " / " + loadAverage()};
  const std::string dir = out_dir + "/";
  std::string error;
  if (!writeTextFile(dir + "results.csv", resultsCsv(run), error) ||
      !writeTextFile(dir + "results.json", resultsJson(run), error) ||
      !writeTextFile(dir + "timing.csv", timingCsv(run), error) ||
      !writeTextFile(dir + "report.html", reportHtml(run, context), error)) {
    std::fprintf(stderr, "tether-lab: %s\n", error.c_str());
    return 1;
  }

  bool all_pass = true;
  if (const RunResult* d = run.defaultResult()) {
    std::printf("tether's default (%s):\n", d->config.label().c_str());
    for (const auto& t : checkTargets(run.scenario, *d)) {
      all_pass = all_pass && t.pass;
      std::printf("  %s  %-62s %-16s %s\n", t.pass ? "PASS" : "FAIL", t.target.c_str(), t.window.c_str(),
                  t.detail.c_str());
    }
  }
  std::printf("%zu configurations, %zu requests each, %.1f s; wrote %sreport.html, results.csv, "
              "results.json, timing.csv\n",
              run.results.size(), run.plan.requests.size(), run.wall_seconds, dir.c_str());
  return check_targets && !all_pass ? 3 : 0;
}
