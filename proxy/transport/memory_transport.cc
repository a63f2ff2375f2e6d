#include "proxy/transport/memory_transport.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tether::proxy::transport {

// ---- MemoryPeer ----------------------------------------------------------------------------

void MemoryPeer::send(std::string_view bytes) {
  if (bytes.empty()) return;
  inbound_.append(bytes);
  boundaries_.push_back(inbound_.size());
  wake();
}

void MemoryPeer::sendEof() {
  eof_ = true;
  wake();
}

void MemoryPeer::reset() {
  reset_ = true;
  wake();
}

std::string MemoryPeer::take() { return std::exchange(received_, {}); }

void MemoryPeer::resumeReading() {
  paused_ = false;
  wake();
}

void MemoryPeer::wake() {
  if (transport_) transport_->schedule();
}

// ---- MemoryTransport -----------------------------------------------------------------------

MemoryTransport::MemoryTransport(IoLoop& io, Phase phase, MemoryPeerSharedPtr peer,
                                 std::string address)
    : Transport(io, phase), peer_(std::move(peer)) {
  uv_idle_init(io.loop(), &idle_);
  idle_.data = this;
  setPeerAddress(std::move(address));
  if (peer_) peer_->transport_ = this;
}

MemoryTransport* MemoryTransport::accepted(IoLoop& io, MemoryPeerSharedPtr peer,
                                           std::string peer_address) {
  return new MemoryTransport(io, Phase::Open, std::move(peer), std::move(peer_address));
}

MemoryTransport* MemoryTransport::connecting(IoLoop& io, MemoryPeerSharedPtr peer,
                                             std::string address) {
  auto* t = new MemoryTransport(io, Phase::Connecting, std::move(peer), std::move(address));
  t->connect_pending_ = true;
  t->schedule();
  return t;
}

bool MemoryTransport::sendNow(std::initializer_list<std::string_view> parts) {
  if (!peer_) return false;
  // Behind bytes the peer has not taken yet, or while it does not read: they stay queued here.
  const bool queue = peer_->paused_ || !peer_->unread_.empty();
  std::string& into = queue ? peer_->unread_ : peer_->received_;
  for (auto p : parts) into.append(p);
  if (!queue) {
    peer_->notify_ = true;
    schedule();
  }
  return true;
}

void MemoryTransport::readOn() {
  reading_ = true;
  schedule();
}

bool MemoryTransport::shutdownWrite() {
  if (!peer_) return false;
  peer_->write_shutdown_ = true;
  peer_->notify_ = true;
  schedule();
  return true;
}

int MemoryTransport::closeHandles() {
  if (scheduled_) uv_idle_stop(&idle_);
  scheduled_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), onClosed);
  if (peer_) {
    peer_->closed_ = true;
    peer_->transport_ = nullptr;
  }
  return 1;
}

void MemoryTransport::schedule() {
  if (scheduled_ || phase() == Phase::Closed) return;
  scheduled_ = true;
  uv_idle_start(&idle_, onIdle);
}

void MemoryTransport::onIdle(uv_idle_t* h) {
  auto* self = static_cast<MemoryTransport*>(h->data);
  if (self->step()) return;
  if (self->scheduled_) uv_idle_stop(h);
  self->scheduled_ = false;
}

bool MemoryTransport::step() {
  if (connect_pending_) {
    connect_pending_ = false;
    connected(peer_ != nullptr);
  }
  if (phase() == Phase::Closed || !peer_) return false;
  MemoryPeer& p = *peer_;

  // The peer took what it had left unread: the "kernel" reports the write done.
  if (!p.paused_ && !p.unread_.empty()) {
    p.received_ += p.unread_;
    p.unread_.clear();
    p.notify_ = true;
    writeDone(0);
    if (phase() == Phase::Closed) return false;
  }
  if (p.reset_) {
    p.reset_ = false;
    deliverEnd(TransportEnd::Reset);
    return false;
  }
  if (reading_ && !p.inbound_.empty()) {
    // One read: the next chunk size, or up to the end of the next send(); never more than the
    // loop's read buffer holds, as with a socket.
    size_t n = p.inbound_.size();
    if (!p.chunks_.empty()) {
      n = std::max<size_t>(1, p.chunks_[p.next_chunk_++ % p.chunks_.size()]);
    } else if (!p.boundaries_.empty()) {
      n = p.boundaries_.front();
    }
    uv_buf_t buf = io().readBuffer();
    n = std::min({n, p.inbound_.size(), static_cast<size_t>(buf.len)});
    std::memcpy(buf.base, p.inbound_.data(), n);
    p.inbound_.erase(0, n);
    while (!p.boundaries_.empty() && p.boundaries_.front() <= n) p.boundaries_.erase(p.boundaries_.begin());
    for (auto& b : p.boundaries_) b -= n;
    deliverData(buf.base, n);
    if (phase() == Phase::Closed) return false;
  } else if (reading_ && p.eof_) {
    p.eof_ = false;
    reading_ = false;
    deliverEnd(TransportEnd::Eof);
    if (phase() == Phase::Closed) return false;
  }
  if (p.notify_) {
    p.notify_ = false;
    if (p.on_receive) p.on_receive(p);
    if (phase() == Phase::Closed) return false;
  }
  return (!p.paused_ && !p.unread_.empty()) || p.reset_ ||
         (reading_ && (!p.inbound_.empty() || p.eof_)) || p.notify_;
}

void MemoryTransport::onClosed(uv_handle_t* h) {
  static_cast<MemoryTransport*>(h->data)->handleClosed();
}

// ---- MemoryConnector -----------------------------------------------------------------------

size_t MemoryConnector::attempts(const std::string& address) const {
  const auto it = attempts_.find(address);
  return it == attempts_.end() ? 0 : it->second;
}

Transport* MemoryConnector::connect(IoLoop& io, const std::string& host, uint16_t port,
                                    uint32_t) {
  const std::string address =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  ++attempts_[address];
  MemoryPeerSharedPtr peer;
  if (const auto it = listeners_.find(address); it != listeners_.end()) peer = it->second();
  return MemoryTransport::connecting(io, std::move(peer), host);
}

} // namespace tether::proxy::transport
