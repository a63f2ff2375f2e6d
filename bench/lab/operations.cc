#include "bench/lab/operations.h"

#include <algorithm>

namespace tether::lab {

Operations::Operations(const Scenario& scenario, Cluster& cluster, ChangeSink& sink,
                       std::vector<WindowMetrics>& windows)
    : scenario_(scenario), cluster_(cluster), sink_(sink), windows_(windows) {}

bool Operations::busy() const {
  return std::any_of(ops_.begin(), ops_.end(), [](const Op& op) { return op.stage != Stage::Done; });
}

std::vector<uint32_t> Operations::slotsOf(const std::vector<std::string>& names) const {
  std::vector<uint32_t> out;
  for (const auto& n : names) {
    if (auto slot = cluster_.slotByName(n); slot && cluster_.backend(*slot).present) out.push_back(*slot);
  }
  return out;
}

void Operations::start(size_t event, Micros now) {
  const EventSpec& e = scenario_.events[event];
  WindowMetrics& w = windows_[event + 1];
  auto slot = [&]() { return *cluster_.slotByName(e.backend); };  // checkTimeline: it exists
  switch (e.kind) {
  case EventKind::HotKey: return;
  case EventKind::ScaleOut:
    sink_.change(event, [&] {
      const auto names = namesToAdd(scenario_, cluster_.presentNames(),
                                    e.to - static_cast<uint32_t>(cluster_.order().size()));
      for (const auto& n : names) cluster_.add(n);
    }, true);
    w.finished = now;
    return;
  case EventKind::Crash: {
    const uint32_t s = slot();
    w.at_risk = cluster_.backend(s).active;
    sink_.change(event, [&] {
      cluster_.setPhase(s, Phase::Down);
      cluster_.wipe(s);
    }, false);
    return;
  }
  case EventKind::Recover: {
    const uint32_t s = slot();
    sink_.change(event, [&] { cluster_.setPhase(s, Phase::Ready); }, false);
    return;
  }
  case EventKind::Weight: {
    const uint32_t s = slot();
    sink_.change(event, [&] { cluster_.setWeight(s, e.weight); }, true);
    return;
  }
  case EventKind::ScaleIn: {
    Op op;
    op.event = event;
    op.kind = e.kind;
    const auto& order = cluster_.order();
    for (size_t i = e.to; i < order.size(); ++i) op.targets.push_back(cluster_.backend(order[i]).name);
    ops_.push_back(std::move(op));
    break;
  }
  case EventKind::RollingRestart: {
    Op op;
    op.event = event;
    op.kind = e.kind;
    for (uint32_t s : cluster_.order()) {
      if (cluster_.backend(s).phase != Phase::Down) op.targets.push_back(cluster_.backend(s).name);
    }
    ops_.push_back(std::move(op));
    break;
  }
  }
  poll(now);
}

void Operations::poll(Micros now) {
  for (Op& op : ops_) {
    if (op.stage == Stage::Done) continue;
    if (!advance(op, now)) {
      op.stage = Stage::Done;
      window(op).finished = now;
    }
  }
}

bool Operations::advance(Op& op, Micros now) {
  return op.kind == EventKind::ScaleIn ? advanceScaleIn(op, now) : advanceRolling(op, now);
}

bool Operations::drained(Op& op, const std::vector<uint32_t>& slots, Micros now) {
  int64_t active = 0;
  for (uint32_t s : slots) active += cluster_.backend(s).active;
  if (active == 0) return true;
  if (op.deadline == 0 || now < op.deadline) return false;
  ++window(op).drain_timeouts;
  window(op).cut_sessions += active;
  return true;
}

bool Operations::advanceScaleIn(Op& op, Micros now) {
  const EventSpec& e = scenario_.events[op.event];
  const auto slots = slotsOf(op.targets);
  if (op.stage == Stage::Begin && e.drain) {
    sink_.change(op.event, [&] {
      for (uint32_t s : slots) {
        if (cluster_.backend(s).phase == Phase::Ready) cluster_.setPhase(s, Phase::Draining);
      }
    }, false);
    op.stage = Stage::Draining;
    op.deadline = e.drain_timeout > 0 ? now + e.drain_timeout : 0;
  }
  if (op.stage == Stage::Draining && !drained(op, slots, now)) return true;
  sink_.change(op.event, [&] {
    for (uint32_t s : slots) cluster_.remove(s);
  }, true);
  return false;
}

bool Operations::advanceRolling(Op& op, Micros now) {
  const EventSpec& e = scenario_.events[op.event];
  for (;;) {
    if (op.next >= op.targets.size()) return false;
    const auto slots = slotsOf({op.targets[op.next]});
    if (slots.empty()) {  // removed meanwhile
      ++op.next;
      op.stage = Stage::Begin;
      continue;
    }
    const uint32_t s = slots[0];
    switch (op.stage) {
    case Stage::Begin:
      if (e.drain) {
        sink_.change(op.event, [&] { cluster_.setPhase(s, Phase::Draining); }, false);
        op.deadline = e.drain_timeout > 0 ? now + e.drain_timeout : 0;
      }
      op.stage = Stage::Draining;
      continue;
    case Stage::Draining:
      if (e.drain && !drained(op, slots, now)) return true;
      sink_.change(op.event, [&] {
        cluster_.setPhase(s, Phase::Restarting);
        cluster_.wipe(s);
      }, false);
      op.stage = Stage::Restarting;
      op.wake = now + e.restart_time;
      continue;
    case Stage::Restarting:
      if (now < op.wake) return true;
      sink_.change(op.event, [&] { cluster_.setPhase(s, Phase::Ready); }, false);
      op.stage = Stage::Pausing;
      op.wake = now + e.pause;
      continue;
    case Stage::Pausing:
      if (now < op.wake) return true;
      ++op.next;
      op.stage = Stage::Begin;
      continue;
    case Stage::Done: return false;
    }
  }
}

} // namespace tether::lab
