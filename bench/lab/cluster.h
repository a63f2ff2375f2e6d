#pragma once
// Cluster: the simulated backends of one run and the tether Router over them, rebuilt per backend
// set exactly like config/snapshot.cc builds a snapshot (the same routing section, turned into
// options by the same config/ functions, and the same strategy factory),
// while the RoutingState (stick table, session counts) carries over by backend name as it does
// across tether's reloads.
//
// Each backend is a "slot" that keeps its name for the whole run; BackendIds belong to one Router
// and are mapped back to slots per snapshot. A backend's phase is a tether backend state
// (backendState()): Ready is ready; Draining is draining with drain.policy keep; Down (crashed)
// is down; Restarting is maintenance. The filters below ask health/backend_rules.h, the rules
// BackendView applies, but read the phase instead of a BackendRecord, so a run has no wall clock
// or logging and stays deterministic and quiet. A drain's timeout is the operator's (operations.h
// removes or restarts the backend when it passes), so a phase never means "drain expired".
//
// What the application holds: `epoch` counts the times the backend lost its memory (crash,
// restart, removal); a session is held by a backend only if it was stored there in the current
// epoch. `active` = sessions homed here whose client has more requests to make; `memory` = all
// sessions in its memory (active, plus ended ones until app.session_idle_timeout).
//
// Jump hashing: `jump.slots` is maintained the way its documentation asks an operator to, and the
// way tether's reload check suggests (routing::removeJumpSlot / addJumpSlot): a removed backend's
// slot becomes a tombstone (trailing tombstones are dropped), and an added one reuses the first
// tombstone or is appended.
//
// Single-threaded (one simulation).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/lab/lab_config.h"
#include "config/config_model.h"
#include "health/backend_record.h"
#include "routing/router.h"

namespace tether::lab {

enum class Phase : uint8_t { Ready = 0, Draining, Down, Restarting };
// The effective state tether would show for a backend in `phase`.
health::BackendState backendState(Phase phase);

struct SimBackend {
  std::string name;
  uint32_t weight = 1;
  Phase phase = Phase::Ready;
  bool present = false;
  uint32_t epoch = 0;
  int64_t active = 0;
  int64_t memory = 0;
  uint64_t interval_requests = 0;  // requests served since the last load sample
  routing::BackendId id = routing::kNoBackend;  // in the current Router
};

class Cluster {
public:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  Cluster(const LabConfig& config, const TetherKnobs& knobs);

  // Adds (or re-adds) a backend at the end of the list, Ready, with an empty memory. Call
  // rebuild() after a batch of membership or weight changes.
  uint32_t add(const std::string& name, uint32_t weight = 1);
  // Takes a backend out of the list; its memory is gone.
  void remove(uint32_t slot);
  void setWeight(uint32_t slot, uint32_t weight) { backends_[slot].weight = weight; }
  void setPhase(uint32_t slot, Phase phase) { backends_[slot].phase = phase; }
  // The process lost its memory (crash, restart): every session it held is gone.
  void wipe(uint32_t slot);
  // A new Router over the present backends (a config reload).
  void rebuild();

  const routing::Router& router() const { return *router_; }
  routing::RoutingState& routingState() { return *routing_state_; }
  const routing::BackendFilter& usable() const { return usable_; }
  const routing::BackendFilter& bindable() const { return bindable_; }

  uint32_t slotOf(routing::BackendId id) const { return slot_of_[id]; }
  std::optional<uint32_t> slotByName(const std::string& name) const;
  SimBackend& backend(uint32_t slot) { return backends_[slot]; }
  const SimBackend& backend(uint32_t slot) const { return backends_[slot]; }
  size_t slotCount() const { return backends_.size(); }
  // Present backends in list order.
  const std::vector<uint32_t>& order() const { return order_; }
  std::vector<std::string> presentNames() const;
  bool holds(uint32_t slot, uint32_t epoch) const {
    return backends_[slot].present && backends_[slot].epoch == epoch;
  }
  // Weight share per slot of the backends that take new sessions now (0 for the others).
  std::vector<double> readyShares() const;

private:
  class Usable : public routing::BackendFilter {
  public:
    explicit Usable(const Cluster& c) : c_(c) {}
    bool usable(routing::BackendId id) const override;

  private:
    const Cluster& c_;
  };
  class Bindable : public routing::BackendFilter {
  public:
    explicit Bindable(const Cluster& c) : c_(c) {}
    bool usable(routing::BackendId id) const override;
    routing::RebindCause unbindableCause(routing::BackendId id) const override;

  private:
    const Cluster& c_;
  };

  config::RoutingConfig routing_;  // its jump_slots are maintained by add() and remove()
  routing::RouterOptions options_;
  std::unique_ptr<routing::RoutingState> routing_state_;
  std::vector<SimBackend> backends_;
  std::vector<uint32_t> order_;
  std::vector<uint32_t> slot_of_;  // BackendId -> slot, current Router
  std::shared_ptr<const routing::Router> router_;
  Usable usable_{*this};
  Bindable bindable_{*this};
};

} // namespace tether::lab
