// POST /mcp behind app/console/console_mcp.hpp. In the order the
// specification puts them: the Origin (a foreign one is refused 403
// before anything else is looked at), the bearer credential (the admin
// token, compared in constant time under the console's per-address limit
// on failures), the body's type and size, the JSON-RPC message, the
// request metadata headers against it; then the MCP server answers,
// maybe on the reader's or an actor's thread, and its answer is posted
// back by the responder. Refusals are JSON-RPC errors without an id, and
// each is logged with the client's address.
#include "app/console/console_mcp.hpp"

#include <cctype>
#include <utility>

#include "app/admin_front.hpp"
#include "app/console/console_context.hpp"
#include "app/console/console_mcp_checks.hpp"
#include "app/console/console_sessions.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "storage/console_reader.hpp"

namespace sb {

namespace {

// An answer of the MCP server as HTTP: a notification's (no body) is 202.
http_response http_answer(mcp_answer a) {
  if (a.body.empty())
    return console_response(202, "", "");
  return console_response(static_cast<unsigned>(a.http_status),
                          "application/json", std::move(a.body));
}

http_response refusal(unsigned status, std::string_view why) {
  return http_answer(mcp_error_answer("", mcp_error::invalid_request, why,
                                      static_cast<int>(status)));
}

http_response unauthorized(std::string_view why) {
  auto res = refusal(401, why);
  res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

// The media type of a Content-Type header, lower-cased, parameters
// (charset) dropped.
std::string media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ')
    type.remove_suffix(1);
  std::string out;
  for (char ch : type)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// True when the request carries the admin token; otherwise the refusal
// is sent. Only a token that was sent and is wrong counts as a failure of
// the address (a missing one guesses nothing).
bool authorized(const console_context& cx, const http_request& req,
                const http_responder& respond) {
  auto token = bearer_credential(req.authorization);
  if (!token) {
    SB_LOG_WARNING("console: /mcp refused from " << req.remote_address
                                                 << ": no bearer token");
    respond(unauthorized("Authorization: Bearer <admin.token> is required"));
    return false;
  }
  auto out = cx.deps.sessions->check_token(
    *token, address_without_port(req.remote_address));
  switch (out.status) {
    case login_status::ok: return true;
    case login_status::limited: {
      SB_LOG_WARNING("console: /mcp refused from "
                     << req.remote_address
                     << ": too many wrong tokens in a minute");
      auto res = refusal(429, "too many wrong tokens from this address; try "
                              "again later");
      res.headers.emplace_back("Retry-After",
                               std::to_string(out.retry_after_s));
      respond(std::move(res));
      return false;
    }
    default:
      SB_LOG_WARNING("console: /mcp refused from " << req.remote_address
                                                   << ": wrong bearer token");
      respond(unauthorized("Authorization: the bearer token is not the "
                           "admin token"));
      return false;
  }
}

} // namespace

std::function<void(std::function<void(sqlite3* db)> job)>
console_mcp_read(std::shared_ptr<console_reader> reader) {
  return [reader = std::move(reader)](std::function<void(sqlite3*)> job) {
    // submit() drops what it refuses: the job is kept here to be told.
    auto kept = std::make_shared<std::function<void(sqlite3*)>>(std::move(job));
    if (!reader->submit([kept](sqlite3* db) { (*kept)(db); }))
      (*kept)(nullptr);
  };
}

mcp_services console_mcp_services(admin_actor admin,
                                  std::shared_ptr<console_reader> reader) {
  mcp_services s;
  s.read = console_mcp_read(std::move(reader));
  s.admin = [admin](std::string request,
                    std::function<void(std::string)> done) {
    admin_exchange(admin, request, "mcp over http", std::move(done));
  };
  s.metrics = [] { return metrics::render(); };
  return s;
}

void serve_console_mcp(const console_context_ptr& cx, console_call&& c,
                       http_responder respond) {
  const auto& req = c.req;
  if (!mcp_origin_allowed(req.origin, cx->mcp_own_origin,
                          cx->mcp_settings.allowed_origins)) {
    SB_LOG_WARNING("console: /mcp refused from "
                   << req.remote_address << ": Origin " << req.origin
                   << " is neither " << cx->mcp_own_origin
                   << " nor in mcp.allowed_origins");
    respond(refusal(403, "Origin: " + req.origin
                           + " may not use this server (mcp.allowed_origins)"));
    return;
  }
  if (!authorized(*cx, req, respond))
    return;
  if (media_type(req.content_type) != "application/json") {
    respond(refusal(415, "Content-Type: must be application/json"));
    return;
  }
  if (req.body.size() > mcp_max_body_bytes) {
    respond(refusal(413, "the body is over 1 MiB"));
    return;
  }
  auto parsed = parse_mcp_message(req.body);
  if (parsed.answer) {
    respond(http_answer(std::move(*parsed.answer)));
    return;
  }
  const auto& m = parsed.message;
  // Modern requests carry their version; a legacy one gets a session for
  // this request alone, from its header.
  std::shared_ptr<mcp_legacy_session> legacy;
  if (!m.protocol_version.empty()) {
    auto why = mcp_header_mismatch(m, req);
    if (!why.empty()) {
      SB_LOG_INFO("console: /mcp " << m.method << " from " << req.remote_address
                                   << ": " << why);
      respond(http_answer(
        mcp_error_answer(m.id, mcp_error::header_mismatch, why, 400)));
      return;
    }
  } else {
    auto choice = mcp_legacy_session_for(m, req.mcp_protocol_version);
    if (choice.refusal) {
      respond(http_answer(std::move(*choice.refusal)));
      return;
    }
    legacy = std::make_shared<mcp_legacy_session>(std::move(choice.session));
  }
  SB_LOG_DEBUG("console: /mcp " << m.method << " from " << req.remote_address);
  cx->mcp->handle(m, legacy.get(), "http " + req.remote_address,
                  [legacy, respond](mcp_answer a) {
                    respond(http_answer(std::move(a)));
                  });
}

} // namespace sb
