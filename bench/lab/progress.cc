#include "bench/lab/progress.h"

#include <unistd.h>

namespace tether::lab {

Progress::Progress(Mode mode, std::FILE* out)
    : out_(out), tty_(isatty(fileno(out)) != 0), quiet_(mode == Mode::Quiet),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t done, size_t total, const std::string& label) {
  if (quiet_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const bool finished = done >= total;
  if (!tty_) {
    const int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_ && !finished) return;
    last_decile_ = decile;
    std::fprintf(out_, "tether-lab: %zu/%zu configurations (%3.0f%%), %.0fs elapsed%s\n", done, total,
                 fraction * 100, elapsed, finished ? ", done" : "");
    std::fflush(out_);
    return;
  }
  if (!finished && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  const double left = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total - done) : 0;
  const int left_s = static_cast<int>(left + 0.5);
  std::fprintf(out_, "\r\033[K[%s] %zu/%zu  %-28.28s %d:%02d left", bar.c_str(), done, total,
               label.c_str(), left_s / 60, left_s % 60);
  if (finished) std::fprintf(out_, "\r\033[K[%s] %zu/%zu  done in %.1fs\n", bar.c_str(), done, total, elapsed);
  std::fflush(out_);
}

} // namespace tether::lab
