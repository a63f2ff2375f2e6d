#pragma once
// Progress: the progress bar on stderr while the lab runs.
//
// On a terminal it redraws one line in place ("[#######.......] 31/73  ring/cookie/1.25  0:42
// left"), at most ten times a second. When stderr is not a terminal (CI logs, redirects) it
// prints one plain line per 10% instead, so a log gets at most a dozen lines. `quiet` prints
// nothing. Single-threaded.

#include <chrono>
#include <cstdio>
#include <string>

namespace tether::lab {

class Progress {
public:
  enum class Mode { Auto = 0, Quiet };
  explicit Progress(Mode mode = Mode::Auto, std::FILE* out = stderr);

  void update(size_t done, size_t total, const std::string& label);

private:
  std::FILE* out_;
  bool tty_ = false;
  bool quiet_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

} // namespace tether::lab
