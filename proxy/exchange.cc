#include "proxy/exchange.h"

#include <ctime>

#include "health/clock.h"
#include "proxy/access_log.h"
#include "proxy/worker.h"
#include "routing/set_cookie.h"

namespace tether::proxy {

namespace {

// routing::RequestView over the parsed head; lives for one route() call.
class HeadView : public routing::RequestView {
public:
  HeadView(const http::HttpHead& head, std::string_view peer) : head_(head), peer_(peer) {}
  std::string_view method() const override { return head_.method(); }
  std::string_view target() const override { return head_.target(); }
  std::optional<std::string_view> headerAt(std::string_view name, size_t index) const override {
    return head_.getAt(name, index);
  }
  std::string_view peerAddress() const override { return peer_; }

private:
  const http::HttpHead& head_;
  std::string_view peer_;
};

// The health filter minus the backends this request already failed to connect to.
class ExcludingFilter : public routing::BackendFilter {
public:
  ExcludingFilter(const routing::BackendFilter& inner, const routing::BackendId* tried, size_t n)
      : inner_(inner), tried_(tried), n_(n) {}
  bool usable(routing::BackendId id) const override { return !tried(id) && inner_.usable(id); }
  // A backend this request could not reach counts as down; otherwise the health filter knows why.
  routing::RebindCause unbindableCause(routing::BackendId id) const override {
    return tried(id) ? routing::RebindCause::BackendDown : inner_.unbindableCause(id);
  }

private:
  bool tried(routing::BackendId id) const {
    for (size_t i = 0; i < n_; ++i) {
      if (tried_[i] == id) return true;
    }
    return false;
  }

  const routing::BackendFilter& inner_;
  const routing::BackendId* tried_;
  size_t n_;
};

} // namespace

Exchange::Exchange(Worker& worker) : worker_(worker), generation_(worker.generation()) {}

void Exchange::begin() { generation_ = worker_.generation(); }

health::TrafficShard& Exchange::traffic() {
  return generation_->backends->record(backend_).traffic(worker_.index());
}

std::optional<http::ProxyError> Exchange::route(const http::HttpHead& head, std::string_view peer) {
  const HeadView view(head, peer);
  const ExcludingFilter usable(*generation_->backends, tried_, tried_count_);
  const ExcludingFilter bindable(generation_->backends->bindable(), tried_, tried_count_);
  routing::RouteContext ctx;
  ctx.usable = &usable;
  ctx.bindable = &bindable;
  ctx.state = generation_->routing_state;
  ctx.ramp = generation_->backends.get();
  ctx.now_ms = static_cast<int64_t>(uv_now(worker_.loop()));
  ctx.now_unix_s = static_cast<int64_t>(std::time(nullptr));
  ctx.random = worker_.nextRandom();
  route_ = router().route(view, ctx);
  if (route_.reject) return http::ProxyError::MissingSessionKey;
  reason_ = routing::reasonName(route_.decision.reason);
  if (!route_.decision.found()) {
    // After failed attempts, the last failure says more than "nothing usable".
    return tried_count_ ? http::ProxyError::UpstreamConnectFailed : http::ProxyError::NoBackend;
  }
  backend_ = route_.decision.backend;
  if (tried_count_ < kMaxTried) tried_[tried_count_++] = backend_;
  if (route_.rebind != routing::RebindCause::None) {
    worker_.metrics().rebinds[static_cast<size_t>(route_.rebind)].fetch_add(1, std::memory_order_relaxed);
  }
  if (generation_->routing_state && router().options().load_metric == routing::LoadMetric::Requests) {
    inflight_id_ = router().stableId(backend_);
    generation_->routing_state->inflight().add(inflight_id_, 1);
  }
  traffic().in_flight.fetch_add(1, std::memory_order_relaxed);
  inflight_counted_ = true;
  return std::nullopt;
}

bool Exchange::mayRetry() const {
  return tried_count_ <= config().upstream.retries && tried_count_ < kMaxTried;
}

void Exchange::releaseLoad() {
  if (inflight_id_ != 0 && generation_->routing_state) {
    generation_->routing_state->inflight().add(inflight_id_, -1);
  }
  inflight_id_ = 0;
  if (inflight_counted_) {
    traffic().in_flight.fetch_sub(1, std::memory_order_relaxed);
    inflight_counted_ = false;
  }
}

void Exchange::learnFromResponse(const http::HttpHead& head) {
  const auto& learn = config().routing.learn_cookie;
  auto* state = generation_->routing_state;
  const auto& keys = router().options().keys;
  if (learn.empty() || !state || !keys) return;
  const int64_t now_s = static_cast<int64_t>(std::time(nullptr));
  const int64_t now_ms = static_cast<int64_t>(uv_now(worker_.loop()));
  for (size_t i = 0; i < head.fieldCount(); ++i) {
    if (!http::equalsIgnoreCase(head.name(i), "set-cookie")) continue;
    auto c = routing::parseSetCookie(head.value(i), now_s);
    if (!c || c->name != learn) continue;
    if (c->deletes) {
      // Logout: the session this request carried is over, and so is any binding to the value.
      if (route_.key) state->table().erase(*route_.key);
      if (!c->value.empty()) state->table().erase(keys->hashValue(c->value));
    } else if (!c->value.empty()) {
      router().learn(keys->hashValue(c->value), backend_, *state, now_ms);
    }
  }
}

void Exchange::appendAffinityCookie(std::string& fields) const {
  if (route_.cookie.empty()) return;
  fields.append("Set-Cookie: ")
      .append(router().setCookie(route_.cookie, static_cast<int64_t>(std::time(nullptr))))
      .append("\r\n");
}

void Exchange::reportHealth(bool ok) {
  if (backend_ == routing::kNoBackend) return;
  auto& record = generation_->backends->record(backend_);
  if (ok) {
    record.passiveSuccess();
    return;
  }
  const auto& passive = config().health.passive;
  if (!passive.enabled) return;
  record.passiveFailure(passive, static_cast<int64_t>(uv_now(worker_.loop())), health::wallMs());
}

void Exchange::finish(const http::HttpHead& request, std::string_view client,
                      std::string_view error) {
  // One clock read for the metrics and the access log.
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started_);
  auto& m = worker_.metrics();
  m.observeLatency(static_cast<uint64_t>(took.count()));
  const size_t cls = admin::statusClass(status_);
  if (backend_ == routing::kNoBackend) {
    m.unrouted[cls].fetch_add(1, std::memory_order_relaxed);
  } else {
    auto& t = traffic();
    const auto reason = static_cast<size_t>(route_.decision.reason);
    if (reason < health::TrafficShard::kReasons) {
      t.requests[cls][reason].fetch_add(1, std::memory_order_relaxed);
    }
    if (!error.empty()) t.errors.fetch_add(1, std::memory_order_relaxed);
  }
  auto& log = worker_.accessLog();
  if (!log.enabled()) return;
  AccessRecord r;
  r.client = client;
  r.method = request.method();
  r.target = request.target();
  r.status = status_;
  r.bytes_in = bytes_in_;
  r.bytes_out = bytes_out_;
  r.duration = took;
  r.backend = backend_ == routing::kNoBackend ? std::string_view("-")
                                               : std::string_view(router().backends()[backend_].key);
  r.reason = error.empty() ? reason_ : error;
  log.log(r);
}

void Exchange::reset() {
  releaseLoad();
  route_ = {};
  backend_ = routing::kNoBackend;
  tried_count_ = 0;
  status_ = 0;
  reason_ = {};
  bytes_in_ = bytes_out_ = 0;
}

} // namespace tether::proxy
