// Stick-table persistence file I/O: atomic replace, missing file on first start, and errors as
// values for paths that cannot be read or written.

#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "proxy/bindings_file.h"

namespace tether::proxy {
namespace {

// A fresh directory under $TMPDIR, removed (with its files) at scope exit.
class TempDir {
public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/tether-store-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    REQUIRE(::mkdtemp(buf.data()) != nullptr);
    path_ = buf.data();
  }
  ~TempDir() {
    for (const std::string& name : entries()) ::unlink((path_ + "/" + name).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    if (DIR* dir = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(dir)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(dir);
    }
    return names;
  }

private:
  std::string path_;
};

TEST_CASE("bindings file: save then load round-trips the bytes", "[proxy]") {
  // Given bytes including NULs and newlines, expect the same bytes back and only the target
  // file in the directory (no temporary left behind).
  TempDir dir;
  const std::string path = dir.path() + "/sticky.table";
  const std::string bytes = std::string("tether-stick-table v1\n\0binary\n", 30) +
                            std::string(200000, 'x');
  CHECK_FALSE(saveBindingsFile(path, bytes).has_value());
  const LoadFileResult loaded = loadBindingsFile(path);
  REQUIRE(loaded.status == LoadFileResult::Status::Ok);
  CHECK(loaded.bytes == bytes);
  CHECK(dir.entries() == std::vector<std::string>{"sticky.table"});
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("bindings file: a save replaces the old file whole", "[proxy]") {
  // Given an existing longer file, expect a save to leave exactly the new bytes (no tail of the
  // old content) and no temporary file.
  TempDir dir;
  const std::string path = dir.path() + "/t";
  REQUIRE_FALSE(saveBindingsFile(path, std::string(5000, 'o')).has_value());
  REQUIRE_FALSE(saveBindingsFile(path, "new").has_value());
  CHECK(loadBindingsFile(path).bytes == "new");
  CHECK(dir.entries() == std::vector<std::string>{"t"});
  // An empty table is a valid (empty) file.
  REQUIRE_FALSE(saveBindingsFile(path, "").has_value());
  const LoadFileResult empty = loadBindingsFile(path);
  CHECK(empty.status == LoadFileResult::Status::Ok);
  CHECK(empty.bytes.empty());
}

TEST_CASE("bindings file: a missing file is Missing, not an error", "[proxy]") {
  // Given a path that does not exist, expect Missing with no error text (first start).
  TempDir dir;
  const LoadFileResult r = loadBindingsFile(dir.path() + "/never-written");
  CHECK(r.status == LoadFileResult::Status::Missing);
  CHECK(r.error.empty());
}

TEST_CASE("bindings file: unreadable and unwritable paths are error values", "[proxy]") {
  // Given a directory as the file, a path through a regular file, and a save into a missing
  // directory, expect Error / an error text naming the path, and the old file untouched when
  // the save cannot replace it.
  TempDir dir;
  const LoadFileResult is_dir = loadBindingsFile(dir.path());
  CHECK(is_dir.status == LoadFileResult::Status::Error);
  CHECK(is_dir.error.find(dir.path()) != std::string::npos);

  const std::string file = dir.path() + "/plain";
  REQUIRE_FALSE(saveBindingsFile(file, "old").has_value());
  const LoadFileResult through_file = loadBindingsFile(file + "/x");
  CHECK(through_file.status == LoadFileResult::Status::Error);
  CHECK_FALSE(through_file.error.empty());

  const auto no_dir = saveBindingsFile(dir.path() + "/missing/dir/t", "bytes");
  REQUIRE(no_dir.has_value());
  CHECK(no_dir->find("missing/dir") != std::string::npos);

  // rename() onto a directory fails: the temporary must be cleaned up and the directory kept.
  const std::string sub = dir.path() + "/sub";
  REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
  REQUIRE(::mkdir((sub + "/occupied").c_str(), 0700) == 0);
  std::ofstream(sub + "/occupied/f") << "keep";
  CHECK(saveBindingsFile(sub + "/occupied", "bytes").has_value());
  CHECK(loadBindingsFile(sub + "/occupied/f").bytes == "keep");
  ::unlink((sub + "/occupied/f").c_str());
  ::rmdir((sub + "/occupied").c_str());
  // Only "occupied" was ever in sub: no temporary survived the failed save.
  DIR* d = ::opendir(sub.c_str());
  REQUIRE(d != nullptr);
  int others = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") ++others;
  }
  ::closedir(d);
  CHECK(others == 0);
  ::rmdir(sub.c_str());
}

} // namespace
} // namespace tether::proxy
