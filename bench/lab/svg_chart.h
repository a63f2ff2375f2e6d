#pragma once
// Minimal inline-SVG charts for the lab's HTML report: no scripts, no external files, readable
// in any browser and diffable as text.
//
//   LineChart  lines over a numeric x axis (time), with vertical event markers; a NaN y is a gap
//   BarChart   grouped bars (one group per category, one bar per series), linear or log10(1 + y)
//
// Pure functions of their inputs; any thread.

#include <string>
#include <vector>

namespace tether::lab {

// Distinct, colour-blind-friendlier palette (Okabe-Ito first, then Tableau); cycles.
const std::string& chartColor(size_t index);
std::string xmlEscape(const std::string& s);

struct Marker {
  double x = 0;
  std::string label;
};

struct LineSeries {
  std::string name;
  std::vector<double> y;  // same length as LineChart::x; NaN = no point
  std::string color;      // empty = palette by index
  bool dashed = false;
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<double> x;
  std::vector<LineSeries> series;
  std::vector<Marker> markers;
  double y_min = 0;         // the axis starts here
  double y_max = 0;         // 0 = from the data
  std::vector<double> reference_lines;  // horizontal dashed lines (e.g. 1.25)
  int width = 900;
  int height = 300;

  std::string render() const;
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> groups;
  std::vector<std::string> series;
  std::vector<std::vector<double>> values;  // [group][series]
  bool log_scale = false;
  int width = 900;
  int height = 280;

  std::string render() const;
};

} // namespace tether::lab
