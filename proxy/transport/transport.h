#pragma once
// Transport: a byte stream to one peer. Every connection tether has (clients, admin clients,
// backends) speaks HTTP over one, and none touches a socket itself. A TLS or PROXY-protocol layer
// plugs in here without the connections above changing.
//
// What lives here, once, for every kind of connection:
// - reading on and off, with the bytes of each read handed to the Handler straight from the
//   loop's read buffer (IoLoop);
// - writing: write() sends now (behind anything already gathered), writeDeferred() gathers and
//   sends with every other write of this loop iteration (WriteBatch);
// - the water marks: backlogged() is true while more than kHighWater bytes wait for the peer,
//   and onTransportDrained() follows once they fall below kLowWater, so the owner can stop
//   reading the other side in between and memory per connection stays bounded;
// - the lingering close: closeAfterFlush() sends what is queued, half-closes, and keeps reading
//   and discarding for `linger` so the peer's kernel does not answer its unread bytes with a
//   reset that destroys our last response in flight; a peer that does not take what is queued
//   within `flush_timeout` is dropped;
// - the peer's address, which a layer above may override (PROXY protocol), and the facts a TLS
//   transport learns in its handshake.
//
// Implementations: TcpTransport (libuv TCP) and MemoryTransport (in memory, for tests and
// fuzzing). An implementation supplies the primitives at the bottom of this class.
//
// Lifetime: a transport frees itself. close() (or the end of a lingering close, or an error the
// handler did not answer by closing) closes its handles; once the last one is closed the handler
// gets onTransportClosed(), its last event, and the object is deleted. Loop thread only.

#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/transport/io_loop.h"
#include "proxy/transport/write_batch.h"

namespace tether::proxy::transport {

// How a stream ended.
enum class TransportEnd : uint8_t {
  Eof = 0,        // the peer finished sending (it may still read)
  ConnectFailed,  // refused, unreachable, or the connect could not start
  Reset,          // the peer reset the connection, or reading failed
  WriteFailed,    // the peer went away while we wrote
};
std::string_view endName(TransportEnd end);

// What a TLS transport learns in its handshake. Plain transports have none.
struct TlsFacts {
  std::string_view version;  // "TLSv1.3"
  std::string_view sni;      // the server name the client asked for; "" = none
  std::string_view alpn;     // the negotiated application protocol; "" = none
};

class Transport : public WriteBatch::Member {
public:
  // Events, on the loop thread. A handler may close the transport from any of them; after that
  // only onTransportClosed() follows.
  class Handler {
  public:
    // Connected, and any handshake finished; bytes written before this go out now. A transport
    // handed over already connected (an accepted client) does not report it.
    virtual void onTransportReady() {}
    // Bytes from the peer, valid only during the call (they live in the loop's read buffer).
    virtual void onTransportData(const char* data, size_t len) = 0;
    // The stream ended: the peer finished sending, or the connection failed. If the handler does
    // not close the transport, it is closed after this returns.
    virtual void onTransportEnd(TransportEnd end) = 0;
    // Bytes queued towards the peer fell below kLowWater after backlogged() had said true.
    virtual void onTransportDrained() {}
    // The transport is gone: its last event.
    virtual void onTransportClosed() = 0;

  protected:
    // Handlers are connections, owned where they are: never copied.
    Handler() = default;
    Handler(const Handler&) = delete;
    Handler& operator=(const Handler&) = delete;
    ~Handler() = default;
  };

  static constexpr size_t kHighWater = 64 * 1024;
  static constexpr size_t kLowWater = 16 * 1024;
  static constexpr std::chrono::milliseconds kLinger{2000};

  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void setHandler(Handler* handler) { handler_ = handler; }

  void startReading();
  void stopReading();

  // Sends now, or behind bytes already gathered (order is kept).
  void write(std::string_view a, std::string_view b = {}, std::string_view c = {});
  // Gathers; sent after the poll phase with every other write of this loop iteration, or at
  // once when kHighWater bytes are gathered. While connecting, held until connected.
  void writeDeferred(std::string_view a, std::string_view b = {}, std::string_view c = {});
  // Sends whatever is gathered now.
  void flush();
  // Bytes handed to write*() and not yet taken by the peer's side (gathered + in the kernel's
  // way: libuv's queue for TCP).
  size_t queuedBytes() const { return out_.size() + pendingBytes(); }
  // True while more than kHighWater bytes are queued; onTransportDrained() then follows once
  // fewer than kLowWater are.
  bool backlogged();

  // Sends what is queued, stops reading for the handler, half-closes once everything is out,
  // then reads and discards until the peer closes or `linger` passes, and closes. A peer that
  // has not taken everything within `flush_timeout` is closed on. The handler gets no data
  // event after this call; onTransportClosed() ends it.
  void closeAfterFlush(std::chrono::milliseconds flush_timeout,
                       std::chrono::milliseconds linger = kLinger);
  // Closes now; queued bytes are dropped. onTransportClosed() follows from the loop, never from
  // inside this call. Idempotent.
  void close();

  bool connecting() const { return phase_ == Phase::Connecting; }
  // Still carrying the handler's traffic: not closing or closed.
  bool open() const { return phase_ == Phase::Open || phase_ == Phase::Connecting; }

  // Numeric address of the peer ("127.0.0.1", "::1"); "" when unknown.
  const std::string& peerAddress() const { return peer_address_; }
  // A layer above that knows better (PROXY protocol) replaces it.
  void overridePeerAddress(std::string address) { peer_address_ = std::move(address); }
  virtual std::optional<TlsFacts> tls() const { return std::nullopt; }

protected:
  enum class Phase : uint8_t {
    Connecting = 0,  // bytes written are held until connected
    Open,            // carrying the handler's traffic
    Flushing,        // closeAfterFlush(): waiting for queued bytes to go out
    Lingering,       // write side shut down; reading and discarding until EOF or the timer
    Closed,
  };

  Transport(IoLoop& io, Phase initial) : io_(io), phase_(initial) {}
  virtual ~Transport();

  IoLoop& io() { return io_; }
  Phase phase() const { return phase_; }
  void setPeerAddress(std::string address) { peer_address_ = std::move(address); }

  // ---- primitives an implementation supplies ----
  // Sends `parts` in order without blocking; what the peer cannot take yet is kept and counted
  // by pendingBytes(), and writeDone() reports when it went. Returns false when the connection
  // is broken (nothing kept, no writeDone()).
  virtual bool sendNow(std::initializer_list<std::string_view> parts) = 0;
  virtual size_t pendingBytes() const = 0;
  virtual void readOn() = 0;
  virtual void readOff() = 0;
  // Half-closes the write side once pending bytes are out; false when that failed at once.
  virtual bool shutdownWrite() = 0;
  // Closes every handle of the implementation; each close callback calls handleClosed().
  // Returns how many handles were closed.
  virtual int closeHandles() = 0;

  // ---- events an implementation reports ----
  void deliverData(const char* data, size_t len);
  void deliverEnd(TransportEnd end);
  // Pending bytes were written (status 0) or could not be (< 0, libuv error).
  void writeDone(int status);
  // The connect finished (Connecting only).
  void connected(bool ok);
  // One handle of the implementation (or the linger timer) is closed.
  void handleClosed();

private:
  struct CloseTimer;

  // WriteBatch::Member
  void flushBatched() override { sendGathered(true); }

  // `notify`: report a drained queue to the handler (not from inside the handler's own write).
  void sendGathered(bool notify);
  void checkDrained();
  void startLinger();
  // Closes the transport after `after` unless something else closes it first.
  void closeIn(std::chrono::milliseconds after);
  void end(TransportEnd how);

  IoLoop& io_;
  Handler* handler_ = nullptr;
  std::string peer_address_;
  std::string out_;  // gathered, not yet handed to sendNow()
  CloseTimer* close_timer_ = nullptr;  // only while closing: idle connections pay nothing for it
  std::chrono::milliseconds linger_for_{0};
  int pending_closes_ = 0;
  Phase phase_;
  bool want_reading_ = false;
  bool backlogged_ = false;
};

} // namespace tether::proxy::transport
