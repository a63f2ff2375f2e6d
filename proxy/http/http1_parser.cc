#include "proxy/http/http1_parser.h"

#include <llhttp.h>

namespace tether::proxy::http {

// llhttp_t lives here so no other file includes llhttp.h.
struct Http1Parser::Impl {
  llhttp_t parser;
  const char* end = nullptr;     // end of the buffer being executed
  bool value_line_ended = false; // the last value piece stopped at a line break

  static Http1Parser& of(llhttp_t* p) { return *static_cast<Http1Parser*>(p->data); }

  static int checkSize(Http1Parser& s) {
    if (s.head_.size() > s.max_head_bytes_) {
      s.head_too_large_ = true;
      return HPE_USER;
    }
    return 0;
  }
  static int onMessageBegin(llhttp_t* p) {
    auto& s = of(p);
    s.head_.clear();
    s.head_done_ = false;
    s.in_message_ = true;
    return 0;
  }
  // A piece of the start line or of a field name, appended where `append` puts it.
  template <void (HttpHead::*append)(std::string_view)>
  static int onPiece(llhttp_t* p, const char* at, size_t n) {
    (of(p).head_.*append)({at, n});
    return checkSize(of(p));
  }
  static int onHeaderValue(llhttp_t* p, const char* at, size_t n) {
    // llhttp 8 accepts obs-fold even in strict mode: the continuation line arrives as another
    // value piece after a line break. RFC 9112 §5.2 lets a server reject it, and we do, since a
    // backend that unfolds differently could be desynchronised.
    auto& s = of(p);
    Impl& impl = *s.impl_;
    if (impl.value_line_ended) return HPE_USER;
    impl.value_line_ended = at + n < impl.end && (at[n] == '\r' || at[n] == '\n');
    s.head_.appendFieldValue({at, n});
    return checkSize(s);
  }
  static int onHeaderValueComplete(llhttp_t* p) {
    of(p).impl_->value_line_ended = false;
    return 0;
  }
  static int onHeadersComplete(llhttp_t* p) {
    auto& s = of(p);
    s.head_.http_major = p->http_major;
    s.head_.http_minor = p->http_minor;
    s.head_.status = p->status_code;
    s.head_done_ = true;
    const HeadAction action = s.handler_.onHead(s.head_);
    if (action == HeadAction::Abort) {
      s.rejected_ = true;
      return -1;
    }
    return static_cast<int>(action);
  }
  static int onBody(llhttp_t* p, const char* at, size_t n) {
    auto& s = of(p);
    if (!s.handler_.onBody({at, n})) {
      s.rejected_ = true;
      return HPE_USER;
    }
    return 0;
  }
  static int onMessageComplete(llhttp_t* p) {
    auto& s = of(p);
    s.in_message_ = false;
    s.handler_.onMessageComplete();
    // Upgrade pauses by itself (HPE_PAUSED_UPGRADE); pausing again would mask it.
    return p->upgrade ? 0 : HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t s = [] {
      llhttp_settings_t st;
      llhttp_settings_init(&st);
      st.on_message_begin = onMessageBegin;
      st.on_url = onPiece<&HttpHead::appendTarget>;
      st.on_method = onPiece<&HttpHead::appendMethod>;
      st.on_status = onPiece<&HttpHead::appendReason>;
      st.on_header_field = onPiece<&HttpHead::appendFieldName>;
      st.on_header_value = onHeaderValue;
      st.on_header_value_complete = onHeaderValueComplete;
      st.on_headers_complete = onHeadersComplete;
      st.on_body = onBody;
      st.on_message_complete = onMessageComplete;
      return st;
    }();
    return s;
  }
};

Http1Parser::Http1Parser(Type type, Handler& handler, uint32_t max_head_bytes)
    : impl_(std::make_unique<Impl>()), handler_(handler), max_head_bytes_(max_head_bytes) {
  llhttp_init(&impl_->parser, type == Type::Request ? HTTP_REQUEST : HTTP_RESPONSE,
              &Impl::settings());
  impl_->parser.data = this;
}

Http1Parser::~Http1Parser() = default;

Http1Parser::Result Http1Parser::execute(const char* data, size_t len) {
  impl_->end = data + len;
  const llhttp_errno_t err = llhttp_execute(&impl_->parser, data, len);
  switch (err) {
  case HPE_OK:
    return {Status::Ok, len};
  case HPE_PAUSED:
    return {Status::Paused, static_cast<size_t>(llhttp_get_error_pos(&impl_->parser) - data)};
  case HPE_PAUSED_UPGRADE:
    return {Status::Upgraded, static_cast<size_t>(llhttp_get_error_pos(&impl_->parser) - data)};
  default:
    if (head_too_large_) return {Status::HeadTooLarge, 0};
    if (rejected_) return {Status::Rejected, 0};
    return {Status::Error, 0};
  }
}

void Http1Parser::resume() { llhttp_resume(&impl_->parser); }

Http1Parser::Status Http1Parser::finish() {
  // on_message_complete pauses after every message, so a completed close-delimited body
  // reports HPE_PAUSED here.
  const llhttp_errno_t err = llhttp_finish(&impl_->parser);
  return (err == HPE_OK || err == HPE_PAUSED) ? Status::Ok : Status::Error;
}

void Http1Parser::reset() {
  llhttp_reset(&impl_->parser);
  impl_->value_line_ended = false;
  head_done_ = in_message_ = head_too_large_ = rejected_ = false;
}

bool Http1Parser::keepAlive() const { return llhttp_should_keep_alive(&impl_->parser) != 0; }

bool Http1Parser::bodyNeedsEof() const { return llhttp_message_needs_eof(&impl_->parser) != 0; }

bool Http1Parser::chunked() const { return (impl_->parser.flags & F_CHUNKED) != 0; }

std::optional<uint64_t> Http1Parser::contentLength() const {
  if ((impl_->parser.flags & F_CONTENT_LENGTH) == 0 || chunked()) return std::nullopt;
  return impl_->parser.content_length;
}

const char* Http1Parser::errorReason() const {
  const char* r = llhttp_get_error_reason(&impl_->parser);
  return r ? r : "";
}

} // namespace tether::proxy::http
