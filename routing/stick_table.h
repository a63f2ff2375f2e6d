#pragma once
// StickTable: session-key hash -> backend binding, with idle expiry and a capacity bound.
//
// Placement decides where a NEW session goes; this table then keeps it there (the server-side
// alternative to the affinity cookie, for clients that do not keep cookies).
//
// Backend identity: the table stores an opaque uint64_t per entry. The CALLER passes
// hashBytes(backend_name, kBackendIdSeed) and keeps the map back to names; the table never
// stores a BackendId (an index valid for one snapshot only), so bindings survive reloads.
//
// Threading: shared by all worker threads; every method may be called from any thread. The table
// is split into shards by key hash, each with its own mutex, hash map and LRU list, so the
// request path never takes a global lock. Per-backend counts (boundTo) are relaxed atomics in a
// small lock-free open-addressing table: read on every new-session placement, O(1), no lock.
//
// Capacity: `capacity` entries split evenly across the shards; inserting into a full shard
// evicts THAT shard's least recently used entry. This approximates a global LRU the way HAProxy
// and memcached-style caches do: with uniformly hashed keys each shard holds ~capacity/shards
// entries and the victim is among the oldest of its shard, not necessarily the oldest overall.
// Total size never exceeds `capacity`.
//
// Clock: every call takes `now_ms` from the caller (injected clock; any monotonic ms clock such
// as uv_now()). An entry unused for idle_ttl_ms or more is absent for lookup() (and removed
// then); expire() sweeps all shards. Clocks of different workers may disagree by a few ms, so an
// LRU list is only nearly sorted by last use: expire() stops at the first live entry from the
// old end and may leave a straggler for the next sweep; lookup() still never returns it.
//
// Errors: none; parse() reports a bad file as a value. Nothing here throws except on OOM.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tether::routing {

class StickTable {
public:
  // Enough shards that 8-16 workers rarely meet on one mutex; a power of two is not required.
  static constexpr size_t kDefaultShards = 64;

  struct Entry {
    uint64_t key = 0;
    uint64_t backend = 0;
    int64_t last_used_ms = 0;
  };

  // One entry read back from a persisted file; the caller maps `backend` (a name) to its id.
  struct LoadedEntry {
    uint64_t key = 0;
    std::string backend;
    int64_t idle_ms = 0;  // time since last use: at save, plus the wall-clock downtime since
  };

  struct LoadOutcome {
    enum class Status { Ok = 0, BadMagic, UnsupportedVersion, Truncated, BadChecksum, BadEntry };
    Status status = Status::Ok;
    std::string error;  // human-readable, empty when Ok
    int64_t saved_wall_s = 0;
    std::vector<LoadedEntry> entries;  // least recently used first

    bool ok() const { return status == Status::Ok; }
  };

  using NameOf = std::function<std::optional<std::string_view>(uint64_t backend)>;

  // idle_ttl_ms <= 0 disables idle expiry. `shards` is clamped to [1, capacity]; tests use 1
  // for an exact global LRU. capacity 0 makes bind() a no-op.
  StickTable(size_t capacity, int64_t idle_ttl_ms, size_t shards = kDefaultShards);
  ~StickTable();
  StickTable(const StickTable&) = delete;
  StickTable& operator=(const StickTable&) = delete;

  // The bound backend, refreshing last use and LRU position; nullopt if absent or idle-expired.
  std::optional<uint64_t> lookup(uint64_t key, int64_t now_ms);
  // Inserts or overwrites (moving boundTo counts), and marks the entry most recently used.
  void bind(uint64_t key, uint64_t backend, int64_t now_ms);
  // Re-inserts an entry read from a persisted file, idle for `idle_ms` already. Returns false
  // (and inserts nothing) if it has already expired. Restore oldest first, as parse() returns.
  bool restore(uint64_t key, uint64_t backend, int64_t idle_ms, int64_t now_ms);
  bool erase(uint64_t key);
  // Removes every idle-expired entry; returns how many. Called periodically by the proxy.
  size_t expire(int64_t now_ms);

  size_t size() const;
  // Entries bound to `backend`, including idle ones not yet swept. Lock-free, O(1).
  int64_t boundTo(uint64_t backend) const;
  uint64_t evictions() const;
  size_t capacity() const { return capacity_; }
  int64_t idleTtlMs() const { return idle_ttl_ms_; }

  // Visits every entry, one shard at a time under that shard's lock: the callback must not call
  // back into the table. Entries added or removed meanwhile in other shards may or may not show.
  void forEach(const std::function<void(const Entry&)>& callback) const;

  // Persistence, pure (the file I/O is proxy/bindings_file). Format, text, one record per
  // line:
  //   tether-stick-table v1
  //   saved <wall-clock unix seconds>
  //   <key: 16 lowercase hex> <backend name, %XX-escaped> <ms idle since last use>   (per entry)
  //   checksum <XXH3-64 of every byte above, 16 lowercase hex>
  // Entries are written least recently used first. Entries whose backend `name_of` cannot name
  // (removed from config) and idle-expired ones are skipped. Text so an operator can inspect it;
  // the checksum catches truncation and corruption; the magic line rejects foreign files.
  std::string serialize(int64_t now_ms, int64_t now_wall_s, const NameOf& name_of) const;
  // Never throws. Adds the downtime (now_wall_s - saved, if positive) to every entry's idle_ms so
  // restore() expires what expired while tether was down.
  static LoadOutcome parse(std::string_view bytes, int64_t now_wall_s);

private:
  struct Shard;
  struct CountSlot;

  Shard& shardFor(uint64_t key) const;
  bool expired(const Entry& entry, int64_t now_ms) const;
  void adjustCount(uint64_t backend, int64_t delta);
  std::atomic<int64_t>* counterFor(uint64_t backend, bool create) const;

  const size_t capacity_;
  const int64_t idle_ttl_ms_;
  size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<int64_t> size_{0};
  std::atomic<uint64_t> evictions_{0};

  // boundTo counters: linear-probing table keyed by backend id, slots claimed by CAS and never
  // freed (a backend id seen once keeps its slot; ids only change when backends are renamed, so
  // distinct ids stay few). Id 0 (the empty marker) and ids arriving after the table is full go
  // to the mutex-guarded overflow map; `overflow_used_` keeps its lock off the common path.
  static constexpr size_t kCountSlots = 4096;
  std::unique_ptr<CountSlot[]> counts_;
  mutable std::mutex overflow_mutex_;
  mutable std::unordered_map<uint64_t, std::unique_ptr<std::atomic<int64_t>>> overflow_;
  mutable std::atomic<bool> overflow_used_{false};
};

using StickTablePtr = std::unique_ptr<StickTable>;
using StickTableSharedPtr = std::shared_ptr<StickTable>;

} // namespace tether::routing
