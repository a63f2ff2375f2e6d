#pragma once
// Problems: what went wrong in one pass of a scenario step over many users, reported together
// (the count and the first few verbatim) in one INFO instead of one failed CHECK per user.
// Test-only; a plain value; single-threaded.

#include <cstddef>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace tether::test {

class Problems {
public:
  static constexpr size_t kExamples = 12;
  static constexpr size_t kHopeless = 50;

  explicit Problems(std::string step) : step_(std::move(step)) {}
  void add(std::string what) {
    ++count_;
    if (examples_.size() < kExamples) examples_.push_back(std::move(what));
  }
  size_t count() const { return count_; }
  // Too many transport failures mean tether or the apps are gone: stop instead of timing out
  // on every remaining user.
  bool hopeless() const { return count_ >= kHopeless; }
  std::string report() const {
    std::ostringstream s;
    s << step_ << ": " << count_ << " problem(s)";
    for (const auto& e : examples_) s << "\n  " << e;
    return s.str();
  }

private:
  std::string step_;
  size_t count_ = 0;
  std::vector<std::string> examples_;
};

} // namespace tether::test
