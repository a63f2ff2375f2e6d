#pragma once
// TcpProbe: the `type: tcp` check. Passes when a fresh TCP connection to the backend completes
// within the timeout, and says nothing about what the backend would answer. The connection is
// closed at once without sending a byte.
//
// Loop thread only; lifetime and result delivery as for every Probe (health/probe.h).

#include "health/probe.h"

namespace tether::health {

class TcpProbe : public Probe {
public:
  explicit TcpProbe(uv_loop_t* loop) : Probe(loop) {}

private:
  ~TcpProbe() override = default;

  // Probe
  void onConnected() override;
};

} // namespace tether::health
