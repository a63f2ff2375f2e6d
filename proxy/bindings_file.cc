#include "proxy/bindings_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tether::proxy {
namespace {

std::string errnoText(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

std::string directoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

} // namespace

std::optional<std::string> saveBindingsFile(const std::string& path, std::string_view bytes) {
  // mkstemp: a unique name, so two tether processes pointed at one file cannot write into each
  // other's temporary; same directory, so rename() stays within one filesystem and is atomic.
  std::string tmp = path + ".tmp.XXXXXX";
  std::vector<char> tmpl(tmp.begin(), tmp.end());
  tmpl.push_back('\0');
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return errnoText(tmp, errno);
  tmp.assign(tmpl.data());

  auto fail = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::optional<std::string>(errnoText(what, err));
  };
  if (!writeAll(fd, bytes)) return fail(tmp, errno);
  // Without fsync before rename, a crash can leave the new name pointing at an empty file
  // (ext4 delayed allocation), which would lose the old table too.
  if (::fsync(fd) != 0) return fail(tmp, errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return errnoText(tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return errnoText(path, err);
  }
  // The rename is done; a failed directory fsync only weakens durability, not consistency, so it
  // is still reported but nothing is undone.
  const std::string dir = directoryOf(path);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return errnoText(dir, errno);
  const int rc = ::fsync(dir_fd);
  const int err = errno;
  ::close(dir_fd);
  if (rc != 0) return errnoText(dir, err);
  return std::nullopt;
}

LoadFileResult loadBindingsFile(const std::string& path) {
  LoadFileResult result;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      result.status = LoadFileResult::Status::Missing;
    } else {
      result.status = LoadFileResult::Status::Error;
      result.error = errnoText(path, errno);
    }
    return result;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) result.bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.status = LoadFileResult::Status::Error;
      result.error = errnoText(path, errno);
      result.bytes.clear();
      break;
    }
    if (n == 0) break;
    result.bytes.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return result;
}

} // namespace tether::proxy
