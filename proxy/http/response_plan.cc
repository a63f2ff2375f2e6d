#include "proxy/http/response_plan.h"

#include <charconv>

namespace tether::proxy::http {

ResponsePlan planResponse(const HttpHead& response, const RequestFacts& request, bool request_done,
                          bool keep_alive) {
  ResponsePlan plan;
  ClientResponseOptions& o = plan.options;
  const int status = response.status;
  if (status == 101 && request.upgrade) {
    o.upgrade = true;
    plan.tunnel = true;
    o.framing = BodyFraming::None;
  } else if (request.head || status == 204 || status == 304) {
    o.framing = BodyFraming::None;
    o.keep_content_length = status != 204;
  } else if (auto cl = response.get("content-length"); cl && !response.get("transfer-encoding")) {
    // llhttp already rejected malformed or conflicting lengths, so this parse cannot fail.
    uint64_t n = 0;
    std::from_chars(cl->data(), cl->data() + cl->size(), n);
    o.framing = BodyFraming::Length;
    o.content_length = n;
  } else if (!request.http10) {
    o.framing = BodyFraming::Chunked;  // chunked or close-delimited upstream: re-chunk
  } else {
    o.framing = BodyFraming::UntilClose;  // HTTP/1.0 has no chunking: end by closing
    keep_alive = false;
  }
  if (request.upgrade && !plan.tunnel) keep_alive = false;
  if (!request_done) keep_alive = false;
  o.keep_alive = keep_alive;
  o.client_http10 = request.http10;
  return plan;
}

} // namespace tether::proxy::http
