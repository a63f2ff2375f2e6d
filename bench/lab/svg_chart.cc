#include "bench/lab/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tether::lab {

namespace {

constexpr int kLeft = 64;
constexpr int kRight = 170;  // legend
constexpr int kTop = 34;
constexpr int kBottom = 44;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "Nice" tick step for a range: 1, 2 or 5 times a power of ten, about `count` ticks.
double niceStep(double range, int count) {
  if (range <= 0) return 1;
  const double raw = range / count;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

std::string tickLabel(double v) {
  char buf[32];
  if (std::fabs(v) >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (std::fabs(v) >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%g", std::round(v * 1000) / 1000);
  return buf;
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start",
                 const char* extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">" + xmlEscape(s) + "</text>";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& style) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" " + style + "/>";
}

std::string header(int w, int h, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(w) + " " +
         std::to_string(h) + "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) +
         "\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\"><title>" + xmlEscape(title) +
         "</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>" +
         text(kLeft, 18, title, "start", " font-size=\"13\" font-weight=\"bold\"");
}

std::string legend(int w, const std::vector<std::string>& names, const std::vector<std::string>& colors) {
  std::string out;
  const double x = w - kRight + 14;
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = kTop + 8 + 15.0 * static_cast<double>(i);
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 8) + "\" width=\"10\" height=\"10\" fill=\"" +
           colors[i] + "\"/>" + text(x + 15, y + 1, names[i]);
  }
  return out;
}

} // namespace

const std::string& chartColor(size_t index) {
  static const std::vector<std::string> kColors = {
      "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#8c564b", "#000000",
      "#bcbd22", "#7f7f7f", "#17becf", "#9467bd"};
  return kColors[index % kColors.size()];
}

std::string xmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string LineChart::render() const {
  const double pw = width - kLeft - kRight, ph = height - kTop - kBottom;
  const double x0 = x.empty() ? 0 : x.front(), x1 = x.empty() ? 1 : std::max(x.back(), x0 + 1e-9);
  double top = y_max;
  if (top <= 0) {
    for (const auto& s : series) {
      for (double v : s.y) if (!std::isnan(v)) top = std::max(top, v);
    }
    for (double r : reference_lines) top = std::max(top, r);
    top = top <= y_min ? y_min + 1 : y_min + (top - y_min) * 1.08;
  }
  auto sx = [&](double v) { return kLeft + (v - x0) / (x1 - x0) * pw; };
  auto sy = [&](double v) { return kTop + ph - (std::clamp(v, y_min, top) - y_min) / (top - y_min) * ph; };
  std::string o = header(width, height, title);
  // Grid and axes.
  const double ystep = niceStep(top - y_min, 5);
  for (double v = std::ceil(y_min / ystep) * ystep; v <= top + 1e-9; v += ystep) {
    o += line(kLeft, sy(v), kLeft + pw, sy(v), "stroke=\"#e5e5e5\"");
    o += text(kLeft - 6, sy(v) + 4, tickLabel(v), "end");
  }
  const double xstep = niceStep(x1 - x0, 10);
  for (double v = std::ceil(x0 / xstep) * xstep; v <= x1 + 1e-9; v += xstep) {
    o += line(sx(v), kTop + ph, sx(v), kTop + ph + 4, "stroke=\"#333\"");
    o += text(sx(v), kTop + ph + 16, tickLabel(v), "middle");
  }
  o += line(kLeft, kTop + ph, kLeft + pw, kTop + ph, "stroke=\"#333\"");
  o += line(kLeft, kTop, kLeft, kTop + ph, "stroke=\"#333\"");
  o += text(kLeft + pw / 2, height - 6, x_label, "middle");
  o += text(14, kTop + ph / 2, y_label, "middle",
            (" transform=\"rotate(-90 14 " + num(kTop + ph / 2) + ")\"").c_str());
  for (double r : reference_lines) {
    o += line(kLeft, sy(r), kLeft + pw, sy(r), "stroke=\"#c00\" stroke-dasharray=\"5,4\"");
    o += text(kLeft + pw - 2, sy(r) - 3, tickLabel(r), "end", " fill=\"#c00\"");
  }
  // Event markers.
  for (size_t i = 0; i < markers.size(); ++i) {
    const double mx = sx(markers[i].x);
    o += line(mx, kTop, mx, kTop + ph, "stroke=\"#888\" stroke-dasharray=\"3,3\"");
    o += text(mx + 3, kTop + 10 + 11.0 * static_cast<double>(i % 3), markers[i].label, "start",
              " fill=\"#555\"");
  }
  // Lines: a NaN ends a polyline.
  std::vector<std::string> names, colors;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string color = s.color.empty() ? chartColor(k) : s.color;
    names.push_back(s.name);
    colors.push_back(color);
    std::string points;
    auto flush = [&] {
      if (!points.empty()) {
        o += "<polyline fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\"" +
             (s.dashed ? " stroke-dasharray=\"6,3\"" : "") + " points=\"" + points + "\"/>";
      }
      points.clear();
    };
    for (size_t i = 0; i < s.y.size() && i < x.size(); ++i) {
      if (std::isnan(s.y[i])) {
        flush();
        continue;
      }
      points += num(sx(x[i])) + "," + num(sy(s.y[i])) + " ";
    }
    flush();
  }
  o += legend(width, names, colors);
  return o + "</svg>";
}

std::string BarChart::render() const {
  const double pw = width - kLeft - kRight, ph = height - kTop - kBottom - 16;
  auto scale = [&](double v) { return log_scale ? std::log10(1 + std::max(0.0, v)) : v; };
  double top = 0;
  for (const auto& g : values) {
    for (double v : g) top = std::max(top, scale(v));
  }
  top = top <= 0 ? 1 : (log_scale ? std::ceil(top) : top * 1.08);
  auto sy = [&](double v) { return kTop + ph - scale(v) / top * ph; };
  std::string o = header(width, height, title);
  if (log_scale) {
    for (int p = 0; p <= static_cast<int>(top); ++p) {
      const double v = std::pow(10.0, p) - (p == 0 ? 1 : 0);
      o += line(kLeft, sy(v), kLeft + pw, sy(v), "stroke=\"#e5e5e5\"");
      o += text(kLeft - 6, sy(v) + 4, tickLabel(v), "end");
    }
  } else {
    const double step = niceStep(top, 5);
    for (double v = 0; v <= top + 1e-9; v += step) {
      o += line(kLeft, sy(v), kLeft + pw, sy(v), "stroke=\"#e5e5e5\"");
      o += text(kLeft - 6, sy(v) + 4, tickLabel(v), "end");
    }
  }
  o += line(kLeft, kTop + ph, kLeft + pw, kTop + ph, "stroke=\"#333\"");
  o += text(14, kTop + ph / 2, y_label, "middle",
            (" transform=\"rotate(-90 14 " + num(kTop + ph / 2) + ")\"").c_str());
  const double gw = groups.empty() ? pw : pw / static_cast<double>(groups.size());
  const double bw = series.empty() ? 0 : gw * 0.8 / static_cast<double>(series.size());
  std::vector<std::string> colors;
  for (size_t k = 0; k < series.size(); ++k) colors.push_back(chartColor(k));
  for (size_t g = 0; g < groups.size(); ++g) {
    const double gx = kLeft + gw * static_cast<double>(g) + gw * 0.1;
    for (size_t k = 0; k < series.size() && g < values.size() && k < values[g].size(); ++k) {
      const double v = values[g][k];
      const double y = sy(v);
      o += "<rect x=\"" + num(gx + bw * static_cast<double>(k)) + "\" y=\"" + num(y) + "\" width=\"" +
           num(std::max(1.0, bw - 1)) + "\" height=\"" + num(kTop + ph - y) + "\" fill=\"" + colors[k] +
           "\"><title>" + xmlEscape(groups[g] + " / " + series[k] + ": " + tickLabel(v)) +
           "</title></rect>";
    }
    o += text(kLeft + gw * (static_cast<double>(g) + 0.5), kTop + ph + 16, groups[g], "middle");
  }
  o += legend(width, series, colors);
  return o + "</svg>";
}

} // namespace tether::lab
