#pragma once
// Stick-table persistence file I/O: the bytes come from / go to routing::StickTable::serialize /
// parse, which own the format and its integrity checks; this file only moves them to and from disk.
//
// Blocking POSIX I/O: call at startup and at graceful shutdown, off the event loops (or from
// uv_queue_work). Any thread; no shared state. Errors are returned as text, never thrown.

#include <optional>
#include <string>
#include <string_view>

namespace tether::proxy {

// Replaces `path` atomically: writes a temporary file in the same directory (mode 0600: the
// table maps users' session keys to backends), fsyncs it, renames it over `path`, then fsyncs
// the directory so the rename survives a crash. Readers see the old file or the new one, never
// a mix. Returns an error text, or nullopt on success; on failure the temporary file is removed
// and the old file is left as it was.
std::optional<std::string> saveBindingsFile(const std::string& path, std::string_view bytes);

struct LoadFileResult {
  enum class Status { Ok = 0, Missing, Error };
  Status status = Status::Ok;
  std::string bytes;  // when Ok
  std::string error;  // when Error: "<path>: <reason>"
};

// Reads the whole file. A file that does not exist is Missing, not an error: the normal case on
// first start.
LoadFileResult loadBindingsFile(const std::string& path);

} // namespace tether::proxy
