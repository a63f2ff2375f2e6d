#pragma once
// MemoryTransport: a Transport whose peer is a MemoryPeer in the same process, for tests and
// fuzzers: a whole client connection, or a whole exchange with a backend, runs through tether's
// real connection code with no socket.
//
// The peer decides everything a network would:
// - send() queues bytes for the transport's handler, which gets them in chunks of the sizes the
//   peer chose (setChunks: 1 byte at a time, a head split in the middle, ...), one chunk per loop
//   iteration and only while the handler reads, as it would get reads from a socket;
// - pauseReading() stops taking what the transport writes, so the bytes stay queued in the
//   transport (its backpressure and water marks work as with a full socket buffer);
//   resumeReading() takes them and lets the transport report the write done;
// - sendEof() and reset() end the stream cleanly or not; refuse() makes a connect fail.
// Every event reaches the transport from a uv_idle_t on the loop, never from inside a call of
// the peer's, so the handler sees the same order of events a socket would give it.
//
// MemoryConnector makes MemoryTransports for the upstream pool: a test registers, per backend
// address, a function that answers each new connection (accepts it with a MemoryPeer, or
// refuses it).
//
// Loop thread only. The transport frees itself like any transport; a MemoryPeer is shared by the
// test and its transport and outlives both.

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "proxy/transport/connector.h"
#include "proxy/transport/transport.h"

namespace tether::proxy::transport {

class MemoryTransport;

class MemoryPeer {
public:
  MemoryPeer() = default;
  MemoryPeer(const MemoryPeer&) = delete;
  MemoryPeer& operator=(const MemoryPeer&) = delete;

  // ---- bytes towards the transport ----
  // Chunk sizes for what send() queues, used in turn and cycled; empty (the default) hands
  // over each send() whole. A size of 0 counts as 1.
  void setChunks(std::vector<size_t> sizes) { chunks_ = std::move(sizes); }
  void send(std::string_view bytes);
  // The peer finished sending: onTransportEnd(Eof) once every queued byte was delivered.
  void sendEof();
  // The connection breaks: onTransportEnd(Reset) on the next loop iteration.
  void reset();

  // ---- bytes from the transport ----
  // Everything the transport wrote and this peer took, in order.
  const std::string& received() const { return received_; }
  // Returns received() and forgets it.
  std::string take();
  // Stop / start taking bytes: while paused they stay queued in the transport.
  void pauseReading() { paused_ = true; }
  void resumeReading();
  // Called from the loop after the transport wrote bytes this peer took; an in-memory backend
  // answers requests from here.
  std::function<void(MemoryPeer&)> on_receive;

  // ---- the transport's side of the connection ----
  // The transport half-closed (the start of its lingering close).
  bool writeShutdown() const { return write_shutdown_; }
  // The transport closed.
  bool closed() const { return closed_; }
  // Bytes the transport wrote that this peer has not taken (paused).
  size_t unread() const { return unread_.size(); }
  // Bytes sent and not yet delivered to the transport's handler.
  size_t undelivered() const { return inbound_.size(); }

private:
  friend class MemoryTransport;
  void wake();

  MemoryTransport* transport_ = nullptr;  // null before attachment and after the close
  std::vector<size_t> chunks_;
  size_t next_chunk_ = 0;
  std::string inbound_;             // towards the transport's handler
  std::vector<size_t> boundaries_;  // inbound_ offsets where a send() ended (whole sends)
  std::string received_;
  std::string unread_;              // written by the transport while paused
  bool paused_ = false;
  bool eof_ = false;
  bool reset_ = false;
  bool notify_ = false;             // on_receive is due
  bool write_shutdown_ = false;
  bool closed_ = false;
};

using MemoryPeerSharedPtr = std::shared_ptr<MemoryPeer>;

class MemoryTransport final : public Transport {
public:
  // A transport connected to `peer` at once (an accepted client). `peer_address` is what
  // peerAddress() reports.
  static MemoryTransport* accepted(IoLoop& io, MemoryPeerSharedPtr peer, std::string peer_address);
  // A transport that connects on the next loop iteration: to `peer`, or, when it is null, fails
  // with ConnectFailed (a refused connect).
  static MemoryTransport* connecting(IoLoop& io, MemoryPeerSharedPtr peer, std::string address);

private:
  friend class MemoryPeer;
  MemoryTransport(IoLoop& io, Phase phase, MemoryPeerSharedPtr peer, std::string address);
  ~MemoryTransport() override = default;

  bool sendNow(std::initializer_list<std::string_view> parts) override;
  size_t pendingBytes() const override { return peer_ ? peer_->unread_.size() : 0; }
  void readOn() override;
  void readOff() override { reading_ = false; }
  bool shutdownWrite() override;
  int closeHandles() override;

  void schedule();
  // One step of what the peer asked for; returns true while more is due.
  bool step();
  static void onIdle(uv_idle_t* h);
  static void onClosed(uv_handle_t* h);

  MemoryPeerSharedPtr peer_;
  uv_idle_t idle_;
  bool scheduled_ = false;
  bool reading_ = false;
  bool connect_pending_ = false;
};

// Connections to backends, in memory. Unknown addresses are refused.
class MemoryConnector final : public Connector {
public:
  // Answers one new connection to the backend: a peer to connect it to, or null to refuse it.
  using Accept = std::function<MemoryPeerSharedPtr()>;

  // `address` is "host:port", as the backend is configured.
  void listen(const std::string& address, Accept accept) { listeners_[address] = std::move(accept); }
  void unlisten(const std::string& address) { listeners_.erase(address); }
  // Connections attempted so far, per address.
  size_t attempts(const std::string& address) const;

  Transport* connect(IoLoop& io, const std::string& host, uint16_t port,
                     uint32_t receive_buffer) override;

private:
  std::map<std::string, Accept> listeners_;
  std::map<std::string, size_t> attempts_;
};

} // namespace tether::proxy::transport
