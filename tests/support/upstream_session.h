#pragma once
// UpstreamSession: one accepted connection of a FakeUpstream, served on its own thread: read a
// request (Content-Length or chunked body, pipelining kept in the buffer), record it, act out the
// Behavior chosen for it, repeat until the peer closes, a behaviour ends the connection, or the
// owner's stop() wakes it. Internal to FakeUpstream; test-only.
//
// Owns its socket. Every wait polls the socket together with the owner's wake pipe, so stop()
// interrupts anything a session is doing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/fake_upstream.h"
#include "tests/support/socket_util.h"

namespace tether::test {

class UpstreamSession {
public:
  UpstreamSession(FakeUpstream& owner, UniqueFd fd, uint64_t connection_id);
  UpstreamSession(const UpstreamSession&) = delete;
  UpstreamSession& operator=(const UpstreamSession&) = delete;

  void run();

private:
  enum class ReadResult { Data = 0, Timeout, PeerClosed, Stopped };

  // Parses the next request from the buffer, reading as needed. nullopt: stop serving (peer
  // closed, stop(), or the bytes were not HTTP; the owner's malformed count says which).
  std::optional<RecordedRequest> readRequest(uint32_t index);
  // Acts out `b` for `req`. False when the connection is finished.
  bool respond(const RecordedRequest& req, const Behavior& b);
  bool tunnel(const RecordedRequest& req);

  ReadResult readMore(Millis timeout);
  void hold();
  bool sendRaw(std::string_view data);
  bool sendBody(std::string_view data);
  bool writeFailed();
  void closeGracefully();
  void markPeerClosed();
  void markMalformed();

  FakeUpstream& owner_;
  UniqueFd fd_;
  const int wake_fd_;
  const uint64_t connection_id_;
  std::string buf_;
  bool peer_closed_ = false;
};

} // namespace tether::test
