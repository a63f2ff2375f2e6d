#include "health/tcp_probe.h"

namespace tether::health {

void TcpProbe::onConnected() { finish(ProbeResult::Code::Ok, "ok (connected)"); }

} // namespace tether::health
