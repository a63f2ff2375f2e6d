#include "routing/stick_table.h"

#include <algorithm>
#include <limits>

#include "routing/hash.h"

namespace tether::routing {
namespace {

constexpr std::string_view kMagic = "tether-stick-table ";
constexpr std::string_view kHeader = "tether-stick-table v1\n";
constexpr std::string_view kSaved = "saved ";
constexpr std::string_view kChecksum = "checksum ";
constexpr size_t kMaxDigits = 18;  // fits int64_t without an overflow check
constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

// Keys are already XXH3 outputs: hashing them again would only cost time.
struct IdentityHash {
  size_t operator()(uint64_t key) const noexcept { return static_cast<size_t>(key); }
};

int64_t saturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

void appendHex64(std::string& out, uint64_t v) {
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(v >> shift) & 0xf];
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<uint64_t> parseHex64(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(hexValue(c));
  }
  return v;
}

std::optional<int64_t> parseDecimal(std::string_view s) {
  if (s.empty() || s.size() > kMaxDigits) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Names are config strings, but nothing stops one from holding a space or a newline: escape
// everything outside visible ASCII, and '%' itself, so one entry is always one line of 3 fields.
void appendEscaped(std::string& out, std::string_view name) {
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '%') {
      out += '%';
      out += kHexUpper[u >> 4];
      out += kHexUpper[u & 0xf];
    } else {
      out += c;
    }
  }
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hexValue(s[i + 1]);
    const int lo = hexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

StickTable::LoadOutcome failure(StickTable::LoadOutcome::Status status, std::string error) {
  StickTable::LoadOutcome outcome;
  outcome.status = status;
  outcome.error = std::move(error);
  return outcome;
}

struct Node {
  StickTable::Entry entry;
  Node* newer = nullptr;  // toward the most recently used end
  Node* older = nullptr;  // toward the least recently used end
};

} // namespace

struct StickTable::CountSlot {
  std::atomic<uint64_t> id{0};  // 0 = free
  std::atomic<int64_t> count{0};
};

// alignas: neighbouring shards' mutexes must not share a cache line, or the shards would still
// contend.
struct alignas(64) StickTable::Shard {
  std::mutex mutex;
  std::unordered_map<uint64_t, Node, IdentityHash> map;  // node-based: Node addresses are stable
  Node* newest = nullptr;
  Node* oldest = nullptr;
  size_t capacity = 0;

  void unlink(Node* n) {
    (n->newer != nullptr ? n->newer->older : newest) = n->older;
    (n->older != nullptr ? n->older->newer : oldest) = n->newer;
    n->newer = n->older = nullptr;
  }

  void pushNewest(Node* n) {
    n->older = newest;
    n->newer = nullptr;
    if (newest != nullptr) newest->newer = n;
    newest = n;
    if (oldest == nullptr) oldest = n;
  }
};

StickTable::StickTable(size_t capacity, int64_t idle_ttl_ms, size_t shards)
    : capacity_(capacity), idle_ttl_ms_(idle_ttl_ms),
      shard_count_(std::max<size_t>(1, std::min(shards, std::max<size_t>(capacity, 1)))),
      shards_(std::make_unique<Shard[]>(shard_count_)),
      counts_(std::make_unique<CountSlot[]>(kCountSlots)) {
  // Spread the remainder so the shard capacities sum to exactly `capacity`.
  for (size_t i = 0; i < shard_count_; ++i) {
    shards_[i].capacity = capacity_ / shard_count_ + (i < capacity_ % shard_count_ ? 1 : 0);
  }
}

StickTable::~StickTable() = default;

StickTable::Shard& StickTable::shardFor(uint64_t key) const {
  // Mixed first: keys are normally XXH3 outputs, but a caller passing small or patterned
  // integers must not pile every entry into one shard.
  return shards_[mix64(key, 0) % shard_count_];
}

bool StickTable::expired(const Entry& entry, int64_t now_ms) const {
  return idle_ttl_ms_ > 0 && now_ms - entry.last_used_ms >= idle_ttl_ms_;
}

std::atomic<int64_t>* StickTable::counterFor(uint64_t backend, bool create) const {
  if (backend != 0) {
    constexpr size_t kMask = kCountSlots - 1;
    static_assert((kCountSlots & kMask) == 0, "kCountSlots must be a power of two");
    const size_t start = static_cast<size_t>(mix64(backend, 0)) & kMask;
    for (size_t i = 0; i < kCountSlots; ++i) {
      CountSlot& slot = counts_[(start + i) & kMask];
      uint64_t id = slot.id.load(std::memory_order_acquire);
      if (id == backend) return &slot.count;
      if (id != 0) continue;
      if (!create) break;  // a free slot ends the probe: `backend` was never counted here
      if (slot.id.compare_exchange_strong(id, backend, std::memory_order_acq_rel) ||
          id == backend) {
        return &slot.count;
      }
    }
  }
  if (!create && !overflow_used_.load(std::memory_order_acquire)) return nullptr;
  std::lock_guard<std::mutex> lock(overflow_mutex_);
  auto it = overflow_.find(backend);
  if (it != overflow_.end()) return it->second.get();
  if (!create) return nullptr;
  auto& counter = overflow_[backend];
  counter = std::make_unique<std::atomic<int64_t>>(0);
  overflow_used_.store(true, std::memory_order_release);
  return counter.get();
}

void StickTable::adjustCount(uint64_t backend, int64_t delta) {
  counterFor(backend, true)->fetch_add(delta, std::memory_order_relaxed);
}

std::optional<uint64_t> StickTable::lookup(uint64_t key, int64_t now_ms) {
  Shard& shard = shardFor(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return std::nullopt;
  Node& node = it->second;
  if (expired(node.entry, now_ms)) {
    shard.unlink(&node);
    adjustCount(node.entry.backend, -1);
    shard.map.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  // max: another worker's clock may lag ours by a few ms; last use never moves backwards.
  node.entry.last_used_ms = std::max(node.entry.last_used_ms, now_ms);
  shard.unlink(&node);
  shard.pushNewest(&node);
  return node.entry.backend;
}

void StickTable::bind(uint64_t key, uint64_t backend, int64_t now_ms) {
  Shard& shard = shardFor(key);
  if (shard.capacity == 0) return;
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it != shard.map.end()) {
    Node& node = it->second;
    if (node.entry.backend != backend) {
      adjustCount(node.entry.backend, -1);
      adjustCount(backend, +1);
      node.entry.backend = backend;
    }
    node.entry.last_used_ms = now_ms;
    shard.unlink(&node);
    shard.pushNewest(&node);
    return;
  }
  if (shard.map.size() >= shard.capacity) {
    Node* victim = shard.oldest;
    const bool was_expired = expired(victim->entry, now_ms);
    shard.unlink(victim);
    adjustCount(victim->entry.backend, -1);
    shard.map.erase(victim->entry.key);
    size_.fetch_sub(1, std::memory_order_relaxed);
    // Dropping an already-expired entry is not an eviction: nothing live was lost.
    if (!was_expired) evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  Node& node = shard.map[key];
  node.entry = Entry{key, backend, now_ms};
  shard.pushNewest(&node);
  adjustCount(backend, +1);
  size_.fetch_add(1, std::memory_order_relaxed);
}

bool StickTable::restore(uint64_t key, uint64_t backend, int64_t idle_ms, int64_t now_ms) {
  idle_ms = std::max<int64_t>(0, idle_ms);
  if (idle_ttl_ms_ > 0 && idle_ms >= idle_ttl_ms_) return false;
  bind(key, backend, now_ms - idle_ms);
  return true;
}

bool StickTable::erase(uint64_t key) {
  Shard& shard = shardFor(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return false;
  shard.unlink(&it->second);
  adjustCount(it->second.entry.backend, -1);
  shard.map.erase(it);
  size_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

size_t StickTable::expire(int64_t now_ms) {
  if (idle_ttl_ms_ <= 0) return 0;
  size_t removed = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mutex);
    while (shard.oldest != nullptr && expired(shard.oldest->entry, now_ms)) {
      Node* victim = shard.oldest;
      shard.unlink(victim);
      adjustCount(victim->entry.backend, -1);
      shard.map.erase(victim->entry.key);
      size_.fetch_sub(1, std::memory_order_relaxed);
      ++removed;
    }
  }
  return removed;
}

size_t StickTable::size() const {
  return static_cast<size_t>(std::max<int64_t>(0, size_.load(std::memory_order_relaxed)));
}

int64_t StickTable::boundTo(uint64_t backend) const {
  const std::atomic<int64_t>* counter = counterFor(backend, false);
  return counter == nullptr ? 0 : counter->load(std::memory_order_relaxed);
}

uint64_t StickTable::evictions() const { return evictions_.load(std::memory_order_relaxed); }

void StickTable::forEach(const std::function<void(const Entry&)>& callback) const {
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (const Node* n = shard.oldest; n != nullptr; n = n->newer) callback(n->entry);
  }
}

std::string StickTable::serialize(int64_t now_ms, int64_t now_wall_s,
                                  const NameOf& name_of) const {
  // Copy first: name_of runs outside the shard locks.
  std::vector<Entry> entries;
  entries.reserve(size());
  forEach([&](const Entry& e) {
    if (!expired(e, now_ms)) entries.push_back(e);
  });
  // Oldest first, so restoring in file order rebuilds each shard's LRU order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.last_used_ms < b.last_used_ms;
  });

  std::string out;
  out.reserve(64 + entries.size() * 48);
  out += kHeader;
  out += kSaved;
  out += std::to_string(std::max<int64_t>(0, now_wall_s));
  out += '\n';
  for (const Entry& e : entries) {
    const std::optional<std::string_view> name = name_of ? name_of(e.backend) : std::nullopt;
    if (!name || name->empty()) continue;
    appendHex64(out, e.key);
    out += ' ';
    appendEscaped(out, *name);
    out += ' ';
    out += std::to_string(std::max<int64_t>(0, now_ms - e.last_used_ms));
    out += '\n';
  }
  const uint64_t checksum = hashBytes(out, 0);
  out += kChecksum;
  appendHex64(out, checksum);
  out += '\n';
  return out;
}

StickTable::LoadOutcome StickTable::parse(std::string_view bytes, int64_t now_wall_s) {
  using Status = LoadOutcome::Status;
  if (bytes.empty()) return failure(Status::BadMagic, "empty file");
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return failure(Status::BadMagic, "not a tether stick table file");
  }
  if (bytes.substr(0, kHeader.size()) != kHeader) {
    return failure(Status::UnsupportedVersion, "unsupported stick table file version");
  }

  // The trailer is the last line; without it the file was cut short.
  if (bytes.back() != '\n') return failure(Status::Truncated, "missing checksum line");
  const size_t trailer_start = bytes.rfind('\n', bytes.size() - 2) + 1;  // npos + 1 == 0
  const std::string_view trailer = bytes.substr(trailer_start, bytes.size() - trailer_start - 1);
  if (trailer_start < kHeader.size() || trailer.substr(0, kChecksum.size()) != kChecksum) {
    return failure(Status::Truncated, "missing checksum line");
  }
  const std::optional<uint64_t> expected = parseHex64(trailer.substr(kChecksum.size()));
  const std::string_view body = bytes.substr(0, trailer_start);
  if (!expected || *expected != hashBytes(body, 0)) {
    return failure(Status::BadChecksum, "checksum mismatch (corrupt file)");
  }

  LoadOutcome outcome;
  size_t pos = kHeader.size();
  size_t line_no = 1;
  bool saw_saved = false;
  while (pos < body.size()) {
    ++line_no;
    const size_t end = body.find('\n', pos);  // body ends with '\n', so always found
    const std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    auto bad = [&](std::string_view what) {
      return failure(Status::BadEntry,
                     "line " + std::to_string(line_no) + ": " + std::string(what));
    };
    if (!saw_saved) {
      std::optional<int64_t> saved;
      if (line.substr(0, kSaved.size()) == kSaved) saved = parseDecimal(line.substr(kSaved.size()));
      if (!saved) return bad("expected 'saved <unix seconds>'");
      outcome.saved_wall_s = *saved;
      saw_saved = true;
      continue;
    }
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
      return bad("expected '<key> <backend> <idle ms>'");
    }
    const std::optional<uint64_t> key = parseHex64(line.substr(0, sp1));
    std::optional<std::string> name = unescape(line.substr(sp1 + 1, sp2 - sp1 - 1));
    const std::optional<int64_t> idle = parseDecimal(line.substr(sp2 + 1));
    if (!key) return bad("bad key");
    if (!name) return bad("bad backend name");
    if (!idle) return bad("bad idle time");
    outcome.entries.push_back(LoadedEntry{*key, std::move(*name), *idle});
  }
  if (!saw_saved) return failure(Status::BadEntry, "missing 'saved' line");

  // Time passed while tether was down counts as idle time. A clock that went backwards adds
  // nothing rather than reviving entries.
  const int64_t down_s = std::max<int64_t>(0, now_wall_s - outcome.saved_wall_s);
  const int64_t down_ms = down_s > std::numeric_limits<int64_t>::max() / 1000
                              ? std::numeric_limits<int64_t>::max()
                              : down_s * 1000;
  for (LoadedEntry& e : outcome.entries) e.idle_ms = saturatingAdd(e.idle_ms, down_ms);
  return outcome;
}

} // namespace tether::routing
