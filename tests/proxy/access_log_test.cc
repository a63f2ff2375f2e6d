// AccessLog: each line of the JSON format is one valid JSON object with every field, whatever
// the request carried; the text format is one line per exchange.

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "proxy/access_log.h"
#include "tests/support/child_process.h"
#include "tests/support/json_value.h"

namespace tether::proxy {
namespace {

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

AccessRecord record(std::string_view target) {
  AccessRecord r;
  r.client = "192.0.2.7";
  r.method = "GET";
  r.target = target;
  r.status = 502;
  r.bytes_in = 3;
  r.bytes_out = 0;
  r.duration = std::chrono::microseconds(2131);
  r.backend = "app2";
  r.reason = "upstream_reset";
  return r;
}

} // namespace

TEST_CASE("AccessLog: every JSON line is one valid object with every field", "[proxy]") {
  test::TempDir dir;
  config::LoggingConfig cfg;
  cfg.access_log = dir.path() + "/access.jsonl";
  cfg.format = config::LoggingConfig::Format::Json;
  std::string error;
  auto log = AccessLog::create(cfg, &error);
  REQUIRE(log);
  log->log(record("/a?q=\"quoted\"\\back"));
  log->log(record("/b"));
  log->flush();  // asynchronous: the logging thread writes the lines a little later
  std::vector<std::string> got;
  for (int i = 0; i < 200 && got.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    got = lines(cfg.access_log);
  }
  REQUIRE(got.size() == 2);
  for (const auto& line : got) {
    INFO(line);
    std::string why;
    const auto json = test::Json::parse(line, &why);
    INFO(why);
    REQUIRE(json);
    CHECK((*json)["time"].isString());
    CHECK((*json)["client"].str() == "192.0.2.7");
    CHECK((*json)["status"].asNumber() == 502);
    CHECK((*json)["bytes_in"].asNumber() == 3);
    CHECK((*json)["backend"].str() == "app2");
    CHECK((*json)["reason"].str() == "upstream_reset");
    CHECK((*json)["duration_ms"].asNumber() == Approx(2.131));
  }
  CHECK((*test::Json::parse(got[0]))["target"].str() == "/a?q=\"quoted\"\\back");
}

} // namespace tether::proxy
