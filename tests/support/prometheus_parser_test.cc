#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tests/support/prometheus_parser.h"

using tether::test::parsePrometheusText;

TEST_CASE("prometheus parser: a valid exposition with every construct", "[support]") {
  // Given HELP/TYPE for a counter, gauge, histogram and summary, an untyped sample, comments,
  // blank lines, escapes, special values, a timestamp and a trailing comma, expect every sample.
  const std::string text =
      "# A plain comment\n"
      "# HELP req_total Requests \\\\ by\\ncode.\n"
      "# TYPE req_total counter\n"
      "req_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 10\n"
      "req_total{code=\"500\",} 1e3 1700000000000\n"
      "\n"
      "# TYPE temp gauge\n"
      "temp -3.5\n"
      "temp{where=\"x\"}\t+Inf\n"
      "temp{where=\"y\"} NaN\n"
      "temp{where=\"z\"} -Inf\n"
      "# HELP lat Latency.\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.5\"} 1\n"
      "lat_bucket{le=\"1\"} 2\n"
      "lat_bucket{le=\"+Inf\"} 3\n"
      "lat_sum 2.5\n"
      "lat_count 3\n"
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.5\"} 0.1\n"
      "rpc_sum 4\n"
      "rpc_count 9\n"
      "loose_metric{ a = \"1\" , b=\"2\" } .5\n";
  const auto r = parsePrometheusText(text);
  INFO(r.error);
  REQUIRE(r.ok());
  CHECK(r.samples.size() == 15);
  CHECK(r.families.at("req_total").type == "counter");
  CHECK(r.families.at("req_total").help == "Requests \\ by\ncode.");
  CHECK(r.value("req_total", {{"code", "200"}, {"path", "/a\"b\\c\nd"}}) == 10);
  const auto* ts = r.find("req_total", {{"code", "500"}});
  REQUIRE(ts);
  CHECK(ts->value == 1000);
  CHECK(ts->timestamp_ms == 1700000000000);
  CHECK(r.value("temp") == -3.5);
  CHECK(std::isinf(*r.value("temp", {{"where", "x"}})));
  CHECK(std::isnan(*r.value("temp", {{"where", "y"}})));
  CHECK(r.value("lat_bucket", {{"le", "+Inf"}}) == 3);
  CHECK(r.all("lat_bucket").size() == 3);
  CHECK(r.families.at("lat").type == "histogram");
  CHECK(r.families.at("loose_metric").type == "untyped");
  CHECK(r.value("loose_metric", {{"a", "1"}, {"b", "2"}}) == 0.5);
  CHECK(r.samples[0].line == 4);
  // Given empty input, expect success with nothing in it.
  CHECK(parsePrometheusText("").ok());
}

TEST_CASE("prometheus parser: malformed input is rejected with its line", "[support]") {
  struct Case {
    const char* text;
    size_t line;
    const char* message;
  };
  const Case cases[] = {
      {"a 1", 1, "does not end in a line feed"},
      {"a 1\r\n", 1, "carriage return"},
      {"1a 1\n", 1, "invalid metric name"},
      {"a-b 1\n", 1, "expected a blank before the value"},
      {"a{1x=\"v\"} 1\n", 1, "invalid label name"},
      {"a{__name__=\"v\"} 1\n", 1, "invalid label name"},
      {"a{x=v} 1\n", 1, "not quoted"},
      {"a{x=\"v} 1\n", 1, "unterminated label value"},
      {"a{x=\"\\t\"} 1\n", 1, "invalid escape \\t in label value"},
      {"a{x=\"1\",x=\"2\"} 1\n", 1, "duplicate label x"},
      {"a{x=\"1\" y=\"2\"} 1\n", 1, "expected ',' or '}'"},
      {"a\n", 1, "expected a blank before the value"},
      {"a 1.2.3\n", 1, "invalid value"},
      {"a 0x10\n", 1, "invalid value"},
      {"a inf\n", 1, "invalid value"},
      {"a 1 12.5\n", 1, "invalid timestamp"},
      {"a 1 2 3\n", 1, "trailing text after the timestamp"},
      {"# HELP a x\\ty\n", 1, "invalid escape \\t in HELP"},
      {"# HELP a x\\\n", 1, "lone backslash"},
      {"# TYPE a countr\n", 1, "unknown metric type"},
      {"# TYPE a counter gauge\n", 1, "trailing text after TYPE"},
      {"# HELP a x\n# HELP a y\n", 2, "second HELP for a"},
      {"# TYPE a gauge\n# TYPE a gauge\n", 2, "second TYPE for a"},
      {"a 1\n# TYPE a gauge\n", 2, "TYPE for a after its samples"},
      {"h_bucket{le=\"1\"} 1\n# TYPE h histogram\n", 2, "TYPE for h after its samples"},
      {"a 1\nb 1\na{x=\"1\"} 2\n", 3, "not contiguous"},
      {"# TYPE a gauge\nb 1\n# HELP a late\n", 3, "not contiguous"},
      {"a 1\na 2\n", 2, "duplicate series a"},
      {"# TYPE c counter\nc -1\n", 2, "negative counter"},
      {"# TYPE h histogram\nh 1\n", 2, "without _bucket, _sum or _count"},
      {"# TYPE h histogram\nh_bucket 1\n", 2, "_bucket sample without le"},
      {"# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", 2, "invalid le"},
      {"# TYPE h histogram\nh_sum{le=\"1\"} 1\n", 2, "le label outside _bucket"},
      {"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", 2,
       "without le=\"+Inf\" bucket"},
      {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", 2, "without _sum"},
      {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n", 2, "without _count"},
      {"# TYPE h histogram\nh_sum 1\nh_count 1\n", 2, "without _bucket"},
      {"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
       2, "bucket counts decrease"},
      {"# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", 2,
       "_count differs from the +Inf bucket"},
      {"# TYPE h histogram\n", 1, "has no samples"},
      {"# TYPE s summary\ns 1\ns_sum 1\ns_count 1\n", 2, "without quantile"},
      {"# TYPE s summary\ns{quantile=\"0.5\"} 1\n", 1, "without _sum or _count"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto r = parsePrometheusText(c.text);
    CHECK_FALSE(r.ok());
    CHECK(r.error_line == c.line);
    CHECK_THAT(r.error, Catch::Contains(c.message));
    CHECK_THAT(r.error, Catch::StartsWith("line " + std::to_string(c.line) + ": "));
  }
}

TEST_CASE("prometheus parser: histogram series are checked per label set", "[support]") {
  // Given two series of one histogram, one complete and one missing +Inf, expect the error to
  // point at the incomplete series.
  const auto r = parsePrometheusText(
      "# TYPE h histogram\n"
      "h_bucket{b=\"x\",le=\"+Inf\"} 1\n"
      "h_sum{b=\"x\"} 1\n"
      "h_count{b=\"x\"} 1\n"
      "h_bucket{b=\"y\",le=\"1\"} 1\n"
      "h_sum{b=\"y\"} 1\n"
      "h_count{b=\"y\"} 1\n");
  CHECK_FALSE(r.ok());
  CHECK(r.error_line == 5);
  // Given an unrelated gauge whose name looks like a histogram part, expect it left alone.
  const auto ok = parsePrometheusText(
      "# TYPE h histogram\n"
      "h_bucket{le=\"+Inf\"} 0\n"
      "h_sum 0\n"
      "h_count 0\n"
      "# TYPE h_count_other gauge\n"
      "h_count_other 5\n");
  INFO(ok.error);
  CHECK(ok.ok());
}
