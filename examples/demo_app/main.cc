// tether-demo-app: one backend of the tether demo. See demo_server.h for what it serves.
//
//   tether-demo-app --name app1 --listen 127.0.0.1:9001
//
// Prints "NAME listening on HOST:PORT" (the real port when given port 0) and serves until SIGTERM
// or SIGINT, then closes every handle and exits 0.

#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "demo_server.h"

namespace {

constexpr const char* kUsage =
    "usage: tether-demo-app [--name NAME] [--listen HOST:PORT]\n"
    "\n"
    "A demo HTTP/1.1 backend that keeps login sessions in this process's memory only.\n"
    "  --name NAME         name shown in X-Backend and bodies (default: app)\n"
    "  --listen HOST:PORT  numeric IPv4 or [IPv6] address; port 0 picks a free port\n"
    "                      (default: 127.0.0.1:9001)\n"
    "Endpoints: /login?user=NAME  /whoami  /logout  /health  (anything else: hello)\n";

// "127.0.0.1:9001" or "[::1]:9001" -> host, port. False on malformed input.
bool splitHostPort(std::string_view text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string digits(text.substr(colon + 1));
  char* end = nullptr;
  const unsigned long p = std::strtoul(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || p > 65535) return false;
  host.assign(h);
  port = static_cast<uint16_t>(p);
  return true;
}

} // namespace

int main(int argc, char** argv) {
  std::string name = "app";
  std::string host = "127.0.0.1";
  uint16_t port = 9001;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((arg == "--name" || arg == "--listen") && i + 1 < argc) {
      const std::string_view value = argv[++i];
      if (arg == "--name") {
        name.assign(value);
      } else if (!splitHostPort(value, host, port)) {
        std::fprintf(stderr, "tether-demo-app: bad --listen '%s' (want HOST:PORT)\n", argv[i]);
        return 2;
      }
      continue;
    }
    std::fprintf(stderr, "tether-demo-app: unknown or incomplete argument '%s'\n\n%s", argv[i],
                 kUsage);
    return 2;
  }

  // A client that disconnects mid-write must cost an EPIPE, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  uv_loop_t loop;
  uv_loop_init(&loop);
  auto server = std::make_unique<tether::demo::DemoServer>(&loop, name);
  const int rc = server->listen(host, port);
  if (rc != 0) {
    std::fprintf(stderr, "%s: cannot listen on %s:%u: %s\n", name.c_str(), host.c_str(), port,
                 uv_strerror(rc));
  } else {
    const bool v6 = host.find(':') != std::string::npos;
    std::printf("%s listening on %s%s%s:%u\n", name.c_str(), v6 ? "[" : "", host.c_str(),
                v6 ? "]" : "", server->boundPort());
    std::fflush(stdout);  // scripts wait for this line
  }
  uv_run(&loop, UV_RUN_DEFAULT);  // returns once close() has closed every handle
  const bool clean = server->allClosed();
  server.reset();
  const int loop_rc = uv_loop_close(&loop);
  if (loop_rc != 0) std::fprintf(stderr, "%s: handles leaked at exit\n", name.c_str());
  return rc != 0 ? 1 : (clean && loop_rc == 0 ? 0 : 3);
}
