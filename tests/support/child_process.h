#pragma once
// ChildProcess: a spawned executable (posix_spawn) with stdout and stderr captured to files, for
// the black-box tests that run the built `tether` binary (h2o's spawn_h2o). TempDir: a scratch
// directory removed with its files on destruction.
//
// RAII: a ChildProcess that is still running when destroyed gets SIGKILL and is always reaped, so
// a failing REQUIRE never leaks a process. Single-threaded use.

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tether::test {

class TempDir {
public:
  TempDir();  // mkdtemp under $TMPDIR or /tmp
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `contents` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& contents) const;

private:
  std::string path_;
};

std::string readFile(const std::string& path);

class ChildProcess {
public:
  // Spawns argv[0] (a path) with `argv`, stdout -> stdout_path, stderr -> stderr_path.
  // running() is false when the spawn itself failed (spawnError() says why).
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  const std::string& spawnError() const { return spawn_error_; }

  bool signal(int sig);
  // The raw wait status once the process has exited, or nullopt if it is still running after
  // `timeout`.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);

  // Helpers over a wait status.
  static bool exitedWith(int status, int code);
  static std::string describe(int status);

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string spawn_error_;
};

} // namespace tether::test
