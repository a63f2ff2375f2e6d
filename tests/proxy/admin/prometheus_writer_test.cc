#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "proxy/admin/prometheus_writer.h"
#include "tests/support/prometheus_parser.h"

using namespace tether::proxy::admin;
using tether::test::parsePrometheusText;

namespace {

std::string num(double d) {
  std::string out;
  PrometheusWriter::appendValue(out, d);
  return out;
}

} // namespace

TEST_CASE("prometheus: families, samples and labels in exposition format 0.0.4", "[proxy]") {
  // Given a counter with two labelled samples and an unlabelled gauge, expect exactly this text.
  PrometheusWriter w;
  w.family("tether_requests_total", PrometheusWriter::Type::Counter, "Requests proxied.");
  w.sample("tether_requests_total", {{"backend", "a"}, {"code", "200"}}, uint64_t{12});
  w.sample("tether_requests_total", {{"backend", "b"}, {"code", "503"}}, 0);
  w.family("tether_backends_ready", PrometheusWriter::Type::Gauge, "Backends ready.");
  w.sample("tether_backends_ready", {}, 2.0);
  const std::string text = w.take();
  CHECK(text ==
        "# HELP tether_requests_total Requests proxied.\n"
        "# TYPE tether_requests_total counter\n"
        "tether_requests_total{backend=\"a\",code=\"200\"} 12\n"
        "tether_requests_total{backend=\"b\",code=\"503\"} 0\n"
        "# HELP tether_backends_ready Backends ready.\n"
        "# TYPE tether_backends_ready gauge\n"
        "tether_backends_ready 2\n");
  const auto parsed = parsePrometheusText(text);
  REQUIRE(parsed.ok());
  CHECK(parsed.value("tether_requests_total", {{"backend", "a"}, {"code", "200"}}) == 12);
  CHECK(parsed.families.at("tether_backends_ready").type == "gauge");
  // Given take(), expect the writer reusable with the same family names.
  CHECK(w.str().empty());
  w.family("tether_requests_total", PrometheusWriter::Type::Counter, "Again.");
  CHECK_FALSE(w.take().empty());
}

TEST_CASE("prometheus: label values escape backslash, quote and newline; HELP escapes "
          "backslash and newline",
          "[proxy]") {
  PrometheusWriter w;
  w.family("m", PrometheusWriter::Type::Gauge, "Line one\nC:\\path \"quoted\"");
  w.sample("m", {{"name", "a\\b\"c\nd"}, {"utf8", "caf\xc3\xa9"}}, 1);
  const std::string text = w.take();
  CHECK(text == "# HELP m Line one\\nC:\\\\path \"quoted\"\n"
                "# TYPE m gauge\n"
                "m{name=\"a\\\\b\\\"c\\nd\",utf8=\"caf\xc3\xa9\"} 1\n");
  // Given the independent parser, expect the original strings back.
  const auto parsed = parsePrometheusText(text);
  REQUIRE(parsed.ok());
  CHECK(parsed.families.at("m").help == "Line one\nC:\\path \"quoted\"");
  CHECK(parsed.value("m", {{"name", "a\\b\"c\nd"}, {"utf8", "caf\xc3\xa9"}}) == 1);
}

TEST_CASE("prometheus: numbers print integers plainly and doubles round-trip", "[proxy]") {
  CHECK(num(0.0) == "0");
  CHECK(num(1e6) == "1000000");
  CHECK(num(123456789012.0) == "123456789012");
  CHECK(num(1e20) == "100000000000000000000");
  CHECK(num(0.25) == "0.25");
  CHECK(num(0.1) == "0.1");
  CHECK(num(1.0 / 3.0) == "0.3333333333333333");
  CHECK(num(1e-9) == "1e-09");
  CHECK(num(1e300) == "1e+300");
  CHECK(num(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(num(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(num(-std::numeric_limits<double>::infinity()) == "-Inf");
  for (double d : {0.1 + 0.2, 5e-324, 1.7976931348623157e308, 2.0 / 3.0, 9007199254740993.0}) {
    const std::string s = num(d);
    INFO(s);
    CHECK(std::strtod(s.c_str(), nullptr) == d);
  }
  // Integer overloads are exact at their limits (no trip through double).
  PrometheusWriter w;
  w.family("g", PrometheusWriter::Type::Gauge, "h");
  w.sample("g", {{"k", "u"}}, std::numeric_limits<uint64_t>::max());
  w.sample("g", {{"k", "i"}}, std::numeric_limits<int64_t>::min());
  w.sample("g", {{"k", "n"}}, -3);
  w.sample("g", {{"k", "z"}}, size_t{7});
  CHECK(w.take() == "# HELP g h\n# TYPE g gauge\n"
                    "g{k=\"u\"} 18446744073709551615\n"
                    "g{k=\"i\"} -9223372036854775808\n"
                    "g{k=\"n\"} -3\n"
                    "g{k=\"z\"} 7\n");
}

TEST_CASE("prometheus: histogram emits cumulative _bucket with +Inf, _sum and _count",
          "[proxy]") {
  // Given bounds 0.005, 0.1, 1 with cumulative counts 1, 3, 4 and 5 observations in total,
  // expect four buckets (the last le="+Inf" = count), then _sum and _count, labels before le.
  PrometheusWriter w;
  w.family("tether_request_seconds", PrometheusWriter::Type::Histogram, "Request latency.");
  const std::vector<double> bounds = {0.005, 0.1, 1};
  const std::vector<uint64_t> counts = {1, 3, 4};
  w.histogram("tether_request_seconds", {{"backend", "a"}}, bounds, counts, 2.75, 5);
  w.histogram("tether_request_seconds", {}, bounds, std::vector<uint64_t>{0, 0, 0}, 0, 0);
  const std::string text = w.take();
  CHECK(text ==
        "# HELP tether_request_seconds Request latency.\n"
        "# TYPE tether_request_seconds histogram\n"
        "tether_request_seconds_bucket{backend=\"a\",le=\"0.005\"} 1\n"
        "tether_request_seconds_bucket{backend=\"a\",le=\"0.1\"} 3\n"
        "tether_request_seconds_bucket{backend=\"a\",le=\"1\"} 4\n"
        "tether_request_seconds_bucket{backend=\"a\",le=\"+Inf\"} 5\n"
        "tether_request_seconds_sum{backend=\"a\"} 2.75\n"
        "tether_request_seconds_count{backend=\"a\"} 5\n"
        "tether_request_seconds_bucket{le=\"0.005\"} 0\n"
        "tether_request_seconds_bucket{le=\"0.1\"} 0\n"
        "tether_request_seconds_bucket{le=\"1\"} 0\n"
        "tether_request_seconds_bucket{le=\"+Inf\"} 0\n"
        "tether_request_seconds_sum 0\n"
        "tether_request_seconds_count 0\n");
  const auto parsed = parsePrometheusText(text);
  INFO(parsed.error);
  REQUIRE(parsed.ok());
  CHECK(parsed.value("tether_request_seconds_bucket", {{"backend", "a"}, {"le", "+Inf"}}) == 5);
  CHECK(parsed.value("tether_request_seconds_count") == 0);
}

TEST_CASE("prometheus: name validators follow the format's grammar", "[proxy]") {
  CHECK(PrometheusWriter::validMetricName("tether_requests_total"));
  CHECK(PrometheusWriter::validMetricName("ns:rule_name"));
  CHECK(PrometheusWriter::validMetricName("_x"));
  CHECK_FALSE(PrometheusWriter::validMetricName(""));
  CHECK_FALSE(PrometheusWriter::validMetricName("1abc"));
  CHECK_FALSE(PrometheusWriter::validMetricName("a-b"));
  CHECK_FALSE(PrometheusWriter::validMetricName("a b"));
  CHECK(PrometheusWriter::validLabelName("backend"));
  CHECK(PrometheusWriter::validLabelName("_b2"));
  CHECK_FALSE(PrometheusWriter::validLabelName("__name__"));
  CHECK_FALSE(PrometheusWriter::validLabelName("a:b"));
  CHECK_FALSE(PrometheusWriter::validLabelName("2a"));
  CHECK_FALSE(PrometheusWriter::validLabelName(""));
}
