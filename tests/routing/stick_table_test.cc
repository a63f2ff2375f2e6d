// StickTable: key -> backend bindings with LRU capacity, idle expiry (injected ms clock),
// per-backend counts for bounded loads, concurrency, and the persisted file format.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "routing/hash.h"
#include "routing/stick_table.h"

namespace tether::routing {
namespace {

using Status = StickTable::LoadOutcome::Status;

constexpr uint64_t kA = 0xaaaa;
constexpr uint64_t kB = 0xbbbb;
constexpr uint64_t kC = 0xcccc;

TEST_CASE("StickTable: least recently used goes first at capacity", "[routing]") {
  // Given one shard of 3 and keys 1,2,3 bound in order, then 1 looked up, expect binding 4 to
  // evict 2 (the least recently used), then binding 5 to evict 3.
  StickTable t(3, 0, 1);
  t.bind(1, kA, 0);
  t.bind(2, kA, 1);
  t.bind(3, kB, 2);
  CHECK(t.lookup(1, 3) == kA);
  t.bind(4, kB, 4);
  CHECK(t.size() == 3);
  CHECK(t.evictions() == 1);
  CHECK_FALSE(t.lookup(2, 5).has_value());
  t.bind(5, kC, 6);
  CHECK_FALSE(t.lookup(3, 7).has_value());
  CHECK(t.lookup(1, 8) == kA);
  CHECK(t.lookup(4, 8) == kB);
  CHECK(t.lookup(5, 8) == kC);
  CHECK(t.evictions() == 2);
  // boundTo follows evictions: A lost key 2, B lost key 3.
  CHECK(t.boundTo(kA) == 1);
  CHECK(t.boundTo(kB) == 1);
  CHECK(t.boundTo(kC) == 1);
}

TEST_CASE("StickTable: shard capacities sum to the configured size", "[routing]") {
  // Given capacity 10 over 4 shards and many keys, expect never more than 10 entries; given
  // capacity 0, expect bind to store nothing.
  StickTable t(10, 0, 4);
  for (uint64_t i = 0; i < 1000; ++i) t.bind(hashBytes(std::to_string(i), 0), kA, 0);
  CHECK(t.size() <= 10);
  CHECK(t.boundTo(kA) == static_cast<int64_t>(t.size()));
  StickTable none(0, 0);
  none.bind(1, kA, 0);
  CHECK(none.size() == 0);
  CHECK_FALSE(none.lookup(1, 0).has_value());
}

TEST_CASE("StickTable: idle expiry with an injected clock", "[routing]") {
  // Given idle_ttl 1000 ms and a bind at t=0, expect the entry alive at 999, refreshed by that
  // lookup so still alive at 1998, and gone at 2000 (1001 ms after the last use).
  StickTable t(100, 1000, 1);
  t.bind(7, kA, 0);
  CHECK(t.lookup(7, 999) == kA);
  CHECK(t.lookup(7, 1998) == kA);
  CHECK_FALSE(t.lookup(7, 2999).has_value());
  CHECK(t.size() == 0);  // removed by the lookup that found it expired
  CHECK(t.boundTo(kA) == 0);

  // expire() sweeps what nobody looked up.
  t.bind(1, kA, 10'000);
  t.bind(2, kB, 10'500);
  t.bind(3, kB, 10'900);
  CHECK(t.expire(10'999) == 0);  // the first entry expires at 11'000
  CHECK(t.expire(11'501) == 2);
  CHECK(t.size() == 1);
  CHECK(t.boundTo(kA) == 0);
  CHECK(t.boundTo(kB) == 1);
  CHECK(t.lookup(3, 11'501) == kB);

  // idle_ttl 0 never expires.
  StickTable forever(10, 0, 1);
  forever.bind(1, kA, 0);
  CHECK(forever.expire(INT64_MAX / 2) == 0);
  CHECK(forever.lookup(1, INT64_MAX / 2) == kA);
}

TEST_CASE("StickTable: full shard evicts an expired entry without counting an eviction",
          "[routing]") {
  // Given a full shard whose oldest entry is idle-expired, expect the new bind to drop it
  // without bumping evictions (nothing live was lost).
  StickTable t(2, 100, 1);
  t.bind(1, kA, 0);
  t.bind(2, kA, 90);
  t.bind(3, kA, 150);
  CHECK(t.evictions() == 0);
  CHECK(t.size() == 2);
}

TEST_CASE("StickTable: overwrite moves boundTo counts; erase removes", "[routing]") {
  // Given key 1 bound to A then rebound to B, expect A 0, B 1; erase drops B to 0.
  StickTable t(100, 0);
  t.bind(1, kA, 0);
  t.bind(2, kA, 0);
  CHECK(t.boundTo(kA) == 2);
  t.bind(1, kB, 1);
  CHECK(t.boundTo(kA) == 1);
  CHECK(t.boundTo(kB) == 1);
  CHECK(t.lookup(1, 2) == kB);
  t.bind(1, kB, 3);  // same backend: no change
  CHECK(t.boundTo(kB) == 1);
  CHECK(t.size() == 2);
  CHECK(t.erase(1));
  CHECK_FALSE(t.erase(1));
  CHECK(t.boundTo(kB) == 0);
  CHECK(t.size() == 1);
  CHECK(t.boundTo(0x1234) == 0);  // never seen
}

TEST_CASE("StickTable: boundTo handles backend id 0 and many distinct backends", "[routing]") {
  // Given id 0 (the counter table's empty marker) and more distinct ids than counter slots,
  // expect exact counts from the overflow path.
  StickTable t(20000, 0);
  t.bind(1, 0, 0);
  t.bind(2, 0, 0);
  CHECK(t.boundTo(0) == 2);
  for (uint64_t i = 0; i < 5000; ++i) t.bind(100 + i, 1000 + i, 0);
  for (uint64_t i = 0; i < 5000; i += 499) CHECK(t.boundTo(1000 + i) == 1);
  CHECK(t.boundTo(0) == 2);
  CHECK(t.erase(1));
  CHECK(t.boundTo(0) == 1);
}

TEST_CASE("StickTable: concurrent bind/lookup/erase keeps counts consistent", "[routing]") {
  // Given 4 threads mixing bind, lookup, erase and expire over a small key space (forcing
  // evictions and shard contention), expect afterwards size == sum of boundTo == entries seen.
  StickTable t(500, 50, 8);
  const std::vector<uint64_t> backends = {kA, kB, kC, 0xdddd};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&t, &backends, w] {
      std::mt19937_64 rng(static_cast<uint64_t>(w) + 1);
      for (int i = 0; i < 40000; ++i) {
        const uint64_t key = hashBytes(std::to_string(rng() % 2000), 0);
        const int64_t now = i / 10;
        switch (rng() % 8) {
          case 0: t.erase(key); break;
          case 1: case 2: case 3: t.bind(key, backends[rng() % backends.size()], now); break;
          case 7: if (i % 1000 == 0) t.expire(now); break;
          default: (void)t.lookup(key, now); break;
        }
        (void)t.boundTo(backends[rng() % backends.size()]);
      }
    });
  }
  for (auto& th : threads) th.join();
  int64_t sum = 0;
  for (uint64_t b : backends) sum += t.boundTo(b);
  CHECK(sum == static_cast<int64_t>(t.size()));
  size_t seen = 0;
  std::map<uint64_t, int64_t> per_backend;
  t.forEach([&](const StickTable::Entry& e) {
    ++seen;
    ++per_backend[e.backend];
  });
  CHECK(seen == t.size());
  CHECK(t.size() <= 500);
  for (uint64_t b : backends) CHECK(per_backend[b] == t.boundTo(b));
}

std::optional<std::string_view> nameOf(uint64_t id) {
  if (id == kA) return std::string_view("app-a");
  if (id == kB) return std::string_view("app b%\n");  // needs escaping
  return std::nullopt;
}

TEST_CASE("StickTable: serialize/parse round trip", "[routing]") {
  // Given entries on A and B (one with an unnameable backend C, one expired), expect parse to
  // return the nameable live ones, oldest first, with idle time including the downtime, and
  // restore() to rebuild the bindings.
  StickTable t(100, 60'000, 4);
  t.bind(1, kA, 1'000);
  t.bind(2, kB, 5'000);
  t.bind(3, kC, 6'000);  // backend removed from config: skipped
  t.bind(4, kA, 7'000);
  t.bind(5, kA, 0);      // refreshed below, so newest
  t.bind(6, kA, -70'000);  // already idle-expired at save time
  REQUIRE(t.lookup(5, 9'000) == kA);
  const std::string bytes = t.serialize(10'000, 1'700'000'000, nameOf);
  INFO(bytes);
  CHECK(bytes.rfind("tether-stick-table v1\nsaved 1700000000\n", 0) == 0);

  // Loaded 5 s of wall time later.
  const auto loaded = StickTable::parse(bytes, 1'700'000'005);
  REQUIRE(loaded.ok());
  CHECK(loaded.saved_wall_s == 1'700'000'000);
  REQUIRE(loaded.entries.size() == 4);
  CHECK(loaded.entries[0].key == 1);
  CHECK(loaded.entries[0].backend == "app-a");
  CHECK(loaded.entries[0].idle_ms == 9'000 + 5'000);
  CHECK(loaded.entries[1].key == 2);
  CHECK(loaded.entries[1].backend == "app b%\n");
  CHECK(loaded.entries[1].idle_ms == 5'000 + 5'000);
  CHECK(loaded.entries[2].key == 4);
  CHECK(loaded.entries[3].key == 5);
  CHECK(loaded.entries[3].idle_ms == 1'000 + 5'000);

  StickTable fresh(100, 12'000, 1);
  std::map<std::string, uint64_t> ids = {{"app-a", kA}, {"app b%\n", kB}};
  size_t restored = 0;
  for (const auto& e : loaded.entries) {
    if (fresh.restore(e.key, ids.at(e.backend), e.idle_ms, 100)) ++restored;
  }
  CHECK(restored == 3);  // key 1 (14 s idle) is past the new 12 s idle ttl
  CHECK_FALSE(fresh.lookup(1, 100).has_value());
  CHECK(fresh.lookup(2, 100) == kB);
  CHECK(fresh.boundTo(kA) == 2);
  // Key 4 was 8 s idle (3 s at save + 5 s down): alive until 4 s after the restore at 100.
  // Key 5 was 6 s idle: gone 6 s after it.
  CHECK(fresh.lookup(4, 4'099) == kA);
  CHECK_FALSE(fresh.lookup(5, 6'100).has_value());

  // An empty table round-trips too.
  const auto empty = StickTable::parse(StickTable(1, 0).serialize(0, 5, nameOf), 5);
  REQUIRE(empty.ok());
  CHECK(empty.entries.empty());
}

TEST_CASE("StickTable: corrupt or foreign files are error values", "[routing]") {
  // Given a valid file, expect every single-byte change, every truncation, an empty file,
  // random bytes and foreign magic to be reported as a non-Ok status (never a throw or crash).
  StickTable t(100, 0);
  for (uint64_t i = 0; i < 5; ++i) t.bind(i * 0x0101010101010101ULL, i % 2 ? kA : kB, 0);
  const std::string bytes = t.serialize(0, 1'700'000'000, nameOf);
  REQUIRE(StickTable::parse(bytes, 0).ok());

  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string c = bytes;
    c[i] = static_cast<char>(c[i] ^ 0x20);
    INFO("flip at " << i);
    CHECK_FALSE(StickTable::parse(c, 0).ok());
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    CHECK_FALSE(StickTable::parse(std::string_view(bytes).substr(0, n), 0).ok());
  }
  CHECK(StickTable::parse("", 0).status == Status::BadMagic);
  CHECK(StickTable::parse("{\"json\": true}\n", 0).status == Status::BadMagic);
  CHECK(StickTable::parse("tether-stick-table v2\nsaved 1\nchecksum 0000000000000000\n", 0)
            .status == Status::UnsupportedVersion);
  CHECK(StickTable::parse(bytes.substr(0, bytes.size() - 1), 0).status == Status::Truncated);
  CHECK(StickTable::parse(bytes + "extra\n", 0).status == Status::Truncated);

  // A well-checksummed file with a bad entry (someone edited it and fixed the checksum).
  std::string body = "tether-stick-table v1\nsaved 1\nnothex app 5\n";
  std::string edited = body + "checksum ";
  const uint64_t sum = hashBytes(body, 0);
  for (int shift = 60; shift >= 0; shift -= 4) edited += "0123456789abcdef"[(sum >> shift) & 0xf];
  edited += '\n';
  const auto bad = StickTable::parse(edited, 0);
  CHECK(bad.status == Status::BadEntry);
  CHECK(bad.error.find("line 3") != std::string::npos);

  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    if (i % 2 == 0) junk = "tether-stick-table v1\n" + junk;
    CHECK_FALSE(StickTable::parse(junk, 0).ok());
  }
}

} // namespace
} // namespace tether::routing
