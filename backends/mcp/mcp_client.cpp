// mcp_client: every operation has one deadline; each POST it makes gets
// what is left of it as curl's total limit, so a hanging server costs the
// operation its timeout and no more. An SSE answer is read as it arrives
// and the transfer is stopped once our response is in: a server that
// keeps the stream open after it does not hold the caller.
#include "backends/mcp/mcp_client.hpp"

#include <algorithm>
#include <utility>

#include <curl/curl.h>

#include "backends/mcp/mcp_param_headers.hpp"
#include "backends/mcp/mcp_sse.hpp"
#include "backends/mcp/mcp_wire.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "net/client/curl_session.hpp"

namespace sb {

namespace {

using clock_type = std::chrono::steady_clock;
using mcp::rpc_response;
using std::chrono::milliseconds;

// When an operation must end, and how long it was given (for the message).
struct deadline {
  clock_type::time_point at;
  milliseconds whole;

  explicit deadline(milliseconds timeout)
    : at(clock_type::now() + timeout), whole(timeout) {
  }
  milliseconds left() const {
    return std::chrono::duration_cast<milliseconds>(at - clock_type::now());
  }
  caf::error expired() const {
    return make_error(errc::timed_out, "timed out after "
                                         + std::to_string(whole.count())
                                         + " ms");
  }
};

// One POST's answer.
struct exchange {
  long status = 0;
  std::string content_type;
  std::string session_id; // Mcp-Session-Id, or ""
  std::string body;
};

caf::error http_error(long status) {
  return make_error(errc::backend_failed, "HTTP " + std::to_string(status));
}

// What the body sink does with an answer as it arrives: keeps it, and for
// an event stream reads the events to stop at the response to `id`.
class body_reader {
public:
  body_reader(int64_t id, bool stop_at_response)
    : id_(id), stop_at_response_(stop_at_response) {
  }

  bool take(std::string_view piece) {
    body_.append(piece.data(), piece.size());
    if (!stop_at_response_)
      return true;
    if (kind_ == kind::undecided)
      decide(piece);
    if (kind_ != kind::stream)
      return true;
    return events_.feed(piece, [this](std::string_view data) {
      rpc_response ignored;
      found_ = mcp::read_message(data, id_, ignored);
      return !found_;
    });
  }

  bool found() const {
    return found_;
  }
  std::string& body() {
    return body_;
  }

private:
  enum class kind { undecided, json, stream };

  // A JSON-RPC body starts with '{' (or '[' for a batch); an event stream
  // with a field name or a ':' comment.
  void decide(std::string_view piece) {
    const auto first = piece.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos)
      kind_ = piece[first] == '{' || piece[first] == '[' ? kind::json
                                                         : kind::stream;
  }

  int64_t id_;
  bool stop_at_response_;
  kind kind_ = kind::undecided;
  mcp::sse_reader events_;
  std::string body_;
  bool found_ = false;
};

} // namespace

struct mcp_client::impl {
  mcp_server_config server;
  std::shared_ptr<mcp_era_memo> memo;
  const std::atomic<bool>* stop;
  curl_session session;
  int64_t next_id = 1;
  // The 2025-era session, once open.
  bool initialized = false;
  std::string session_id;
  std::string agreed_version;

  caf::error post(const std::string& body, std::vector<std::string> headers,
                  const deadline& d, int64_t id, bool stop_at_response,
                  exchange& out);
  caf::error failure_error(const curl_failure& f, const deadline& d) const;
  caf::error rpc(const std::string& method, const mcp::params_writer& params,
                 const std::vector<std::string>& modern_headers,
                 const deadline& d, rpc_response& out);
  caf::error modern_rpc(const std::string& method,
                        const mcp::params_writer& params,
                        const std::vector<std::string>& headers,
                        const deadline& d, rpc_response& out, bool& fall_back);
  caf::error legacy_rpc(const std::string& method,
                        const mcp::params_writer& params, const deadline& d,
                        rpc_response& out);
  caf::error open_session(const deadline& d);
  caf::error handshake(const deadline& d);
  std::vector<std::string> legacy_headers() const;
};

caf::error mcp_client::impl::failure_error(const curl_failure& f,
                                           const deadline& d) const {
  if (stop != nullptr && stop->load())
    return make_error(errc::backend_failed, "shutting down");
  switch (f.kind()) {
    case curl_failure_kind::timed_out: return d.expired();
    case curl_failure_kind::cannot_connect:
      return make_error(errc::backend_failed,
                        f.code.value() == CURLE_COULDNT_CONNECT
                          ? std::string("connection refused")
                          : f.message);
    default: return make_error(errc::backend_failed, f.message);
  }
}

caf::error mcp_client::impl::post(const std::string& body,
                                  std::vector<std::string> headers,
                                  const deadline& d, int64_t id,
                                  bool stop_at_response, exchange& out) {
  const milliseconds left = d.left();
  if (left.count() <= 0)
    return d.expired();
  curl_request req;
  req.method = "POST";
  req.url = server.url;
  req.body = body;
  req.headers = std::move(headers);
  req.headers.emplace_back("Content-Type: application/json");
  req.headers.emplace_back("Accept: application/json, text/event-stream");
  if (!server.token.empty())
    req.headers.push_back("Authorization: Bearer " + server.token);
  curl_limits limits;
  limits.total = left;
  limits.connect = left;
  limits.max_body_bytes = mcp_max_body_bytes;
  body_reader reader{id, stop_at_response};
  auto result = session.perform(
    req, limits, [&](std::string_view piece) { return reader.take(piece); },
    stop);
  if (!result) {
    // The reader stopping the stream once our response was in is an
    // answer; every other stop is a failure.
    const bool ours = reader.found()
                      && result.failure().kind() == curl_failure_kind::cancelled
                      && !(stop != nullptr && stop->load());
    if (!ours)
      return failure_error(result.failure(), d);
    out.status = result.failure().status;
    out.content_type = "text/event-stream";
    out.body = std::move(reader.body());
    return caf::none;
  }
  out.status = result->status;
  out.content_type = result->content_type;
  if (const auto* sid = result->header("mcp-session-id"))
    out.session_id = *sid;
  out.body = result->status < 400 ? std::move(reader.body())
                                  : std::move(result->body);
  return caf::none;
}

caf::error mcp_client::impl::rpc(const std::string& method,
                                 const mcp::params_writer& params,
                                 const std::vector<std::string>& modern_headers,
                                 const deadline& d, rpc_response& out) {
  if (memo->load() != mcp_era::legacy) {
    bool fall_back = false;
    auto err = modern_rpc(method, params, modern_headers, d, out, fall_back);
    if (!fall_back)
      return err;
    memo->store(mcp_era::legacy);
    SB_LOG_INFO("mcp: " << server.name
                        << ": speaks a 2025 revision; opening a session");
  }
  return legacy_rpc(method, params, d, out);
}

caf::error mcp_client::impl::modern_rpc(const std::string& method,
                                        const mcp::params_writer& params,
                                        const std::vector<std::string>& headers,
                                        const deadline& d, rpc_response& out,
                                        bool& fall_back) {
  const int64_t id = next_id++;
  std::vector<std::string> lines = headers;
  lines.push_back(std::string("MCP-Protocol-Version: ") + mcp::modern_version);
  lines.push_back("Mcp-Method: " + method);
  exchange x;
  if (auto err = post(mcp::request_body(id, method, params, true),
                      std::move(lines), d, id, true, x))
    return err;
  if (x.status >= 200 && x.status < 300) {
    if (auto err = mcp::read_response(x.content_type, x.body, id, out))
      return err;
    memo->store(mcp_era::modern);
    return out.is_error ? mcp::error_of(out) : caf::none;
  }
  // A credential problem is not an era problem; neither is a server error.
  if (x.status < 400 || x.status >= 500 || x.status == 401 || x.status == 403)
    return http_error(x.status);
  const bool modern = !mcp::read_response(x.content_type, x.body, id, out)
                      && mcp::is_modern_error(out) && !mcp::offers_legacy(out);
  if (!modern) {
    fall_back = true;
    return caf::none;
  }
  memo->store(mcp_era::modern);
  return mcp::error_of(out);
}

std::vector<std::string> mcp_client::impl::legacy_headers() const {
  std::vector<std::string> lines{"MCP-Protocol-Version: " + agreed_version};
  if (!session_id.empty())
    lines.push_back("Mcp-Session-Id: " + session_id);
  return lines;
}

caf::error mcp_client::impl::open_session(const deadline& d) {
  auto err = handshake(d);
  // The era is probed again next time: the 2025 reading may have come
  // from a modern server's passing fault (a proxy's 400 page).
  if (err)
    memo->store(mcp_era::unknown);
  return err;
}

caf::error mcp_client::impl::handshake(const deadline& d) {
  const int64_t id = next_id++;
  exchange x;
  // Not stopped early: the session id is in the answer's headers.
  if (auto err = post(mcp::initialize_body(id), {}, d, id, false, x))
    return err;
  if (x.status < 200 || x.status >= 300)
    return http_error(x.status);
  rpc_response r;
  if (auto err = mcp::read_response(x.content_type, x.body, id, r))
    return err;
  if (r.is_error)
    return mcp::error_of(r);
  const auto& result = r.result();
  if (!result.IsObject() || !result.HasMember("protocolVersion")
      || !result["protocolVersion"].IsString()
      || !mcp::speaks_legacy_version(result["protocolVersion"].GetString()))
    return make_error(errc::backend_failed,
                      "initialize: no protocol version switchboard speaks");
  agreed_version = result["protocolVersion"].GetString();
  session_id = x.session_id;
  exchange ack;
  if (auto err = post(mcp::initialized_body(), legacy_headers(), d, 0, false,
                      ack))
    return err;
  if (ack.status < 200 || ack.status >= 300)
    return http_error(ack.status);
  initialized = true;
  return caf::none;
}

caf::error mcp_client::impl::legacy_rpc(const std::string& method,
                                        const mcp::params_writer& params,
                                        const deadline& d, rpc_response& out) {
  // A server that forgot our session answers 404: one new session, once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!initialized)
      if (auto err = open_session(d))
        return err;
    const int64_t id = next_id++;
    exchange x;
    if (auto err = post(mcp::request_body(id, method, params, false),
                        legacy_headers(), d, id, true, x))
      return err;
    if (x.status == 404 && !session_id.empty() && attempt == 0) {
      initialized = false;
      session_id.clear();
      continue;
    }
    const bool answered = !mcp::read_response(x.content_type, x.body, id, out);
    if (x.status >= 200 && x.status < 300 && !answered)
      return make_error(errc::backend_failed, "not a JSON-RPC response");
    if (answered && out.is_error)
      return mcp::error_of(out);
    return answered && x.status < 300 ? caf::none : http_error(x.status);
  }
  return http_error(404);
}

mcp_client::mcp_client(mcp_server_config server,
                       std::shared_ptr<mcp_era_memo> memo,
                       const std::atomic<bool>* stop)
  : impl_(std::make_unique<impl>()) {
  impl_->server = std::move(server);
  impl_->memo = memo ? std::move(memo)
                     : std::make_shared<mcp_era_memo>(mcp_era::unknown);
  impl_->stop = stop;
}

mcp_client::~mcp_client() = default;

const mcp_server_config& mcp_client::server() const {
  return impl_->server;
}

mcp_era mcp_client::era() const {
  return impl_->memo->load();
}

caf::expected<std::vector<mcp_tool>>
mcp_client::list_tools(std::chrono::milliseconds timeout) {
  const deadline d{timeout};
  const auto& name = impl_->server.name;
  std::vector<mcp_tool> tools;
  std::optional<std::string> cursor;
  for (int page = 0; page < mcp_max_list_pages; ++page) {
    rpc_response r;
    auto params = [&](json_writer& w) {
      if (cursor)
        write_field(w, "cursor", *cursor);
    };
    if (auto err = impl_->rpc("tools/list", params, {}, d, r))
      return err;
    if (auto err = mcp::check_complete(r.result()))
      return err;
    mcp::tools_page p;
    if (auto err = mcp::read_tools_page(r.result(), p))
      return err;
    for (const auto& why : p.rejected)
      SB_LOG_WARNING("mcp: " << name << ": tool " << why << "; left out");
    for (auto& tool : p.tools) {
      tool.server = name;
      tools.push_back(std::move(tool));
    }
    if (!p.next_cursor)
      return tools;
    cursor = std::move(p.next_cursor);
  }
  SB_LOG_WARNING("mcp: " << name << ": more than " << mcp_max_list_pages
                         << " pages of tools; the rest are left out");
  return tools;
}

caf::expected<std::string>
mcp_client::call_tool(const mcp_tool& tool, const std::string& arguments,
                      std::chrono::milliseconds timeout) {
  const deadline d{timeout};
  rapidjson::Document args;
  // A model calling a tool without parameters may send no arguments.
  const bool blank = arguments.find_first_not_of(" \t\r\n")
                     == std::string::npos;
  if (!parse_whole_json(args, blank ? std::string_view("{}") : arguments)
      || !args.IsObject())
    return make_error(errc::bad_request, "arguments are not a JSON object");
  std::vector<std::string> headers{"Mcp-Name: " + mcp::header_value(tool.name)};
  rapidjson::Document schema;
  std::vector<mcp::param_header> params;
  if (parse_whole_json(schema, tool.input_schema)
      && mcp::scan_param_headers(schema, params).empty())
    for (auto& line : mcp::param_header_lines(params, args))
      headers.push_back(std::move(line));
  rpc_response r;
  auto write_params = [&](json_writer& w) {
    write_field(w, "name", tool.name);
    w.Key("arguments");
    args.Accept(w);
  };
  if (auto err = impl_->rpc("tools/call", write_params, headers, d, r))
    return err;
  if (auto err = mcp::check_complete(r.result()))
    return err;
  return mcp::read_call_result(r.result());
}

} // namespace sb
