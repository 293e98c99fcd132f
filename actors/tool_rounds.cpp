// The rounds of one model turn with MCP tools. A turn_rounds object lives
// on the worker's stack for one request: it keeps the conversation the
// model sees grow by one assistant message (the calls) and one tool
// message per call each round, and the reply the caller gets grow by
// every round's tokens.
#include "actors/tool_rounds.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "backends/mcp/mcp_toolbox.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Less than this left of the turn is not worth another round: no model
// answers that fast, and the caller is better off with the apology now.
constexpr milliseconds min_round_time{50};

milliseconds since(steady::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady::now() - start);
}

std::vector<chat_function> functions_of(const std::vector<mcp_tool>& tools) {
  std::vector<chat_function> out;
  out.reserve(tools.size());
  for (const auto& t : tools)
    out.push_back({t.name, t.description, t.input_schema});
  return out;
}

const mcp_tool* find_tool(const std::vector<mcp_tool>& tools,
                          const std::string& name) {
  for (const auto& t : tools)
    if (t.name == name)
      return &t;
  return nullptr;
}

bool is_json_object(const std::string& text) {
  rapidjson::Document doc;
  return parse_whole_json(doc, text) && doc.IsObject();
}

bool starts_with_space(std::string_view s) {
  return !s.empty() && std::isspace(static_cast<unsigned char>(s.front()));
}

bool ends_with_space(std::string_view s) {
  return !s.empty() && std::isspace(static_cast<unsigned char>(s.back()));
}

// What the model reads as a tool's answer: its result, or why it failed,
// so that it can tell the caller instead of going quiet.
std::string tool_message_content(const mcp_tool_outcome& outcome) {
  return outcome.error.empty() ? outcome.result : "error: " + outcome.error;
}

class turn_rounds {
public:
  turn_rounds(const turn_context& ctx, const llm_request& req,
              const llm_stream& stream)
    : ctx_(ctx), req_(req), stream_(stream), history_(req.history) {
    base_tools_ = {req.offer_transfer, req.offer_end_call, {}};
    if (ctx.toolbox)
      offered_ = ctx.toolbox->tools();
    with_functions_ = base_tools_;
    if (offered_)
      with_functions_.functions = functions_of(*offered_);
  }

  caf::expected<llm_reply> run();

private:
  void on_token(std::string_view token);
  bool run_calls(llm_completion& asked, int round);
  mcp_tool_outcome run_call(const chat_tool_call& call);
  void log_call(const tool_call_row& row) const;

  bool cancelled() const {
    return stream_.cancel && stream_.cancel->load();
  }

  milliseconds left() const {
    return ctx_.timeout - since(start_);
  }

  const turn_context& ctx_;
  const llm_request& req_;
  const llm_stream& stream_;
  steady::time_point start_ = steady::now();
  std::shared_ptr<const std::vector<mcp_tool>> offered_;
  chat_tools base_tools_;     // transfer_call and end_call as offered
  chat_tools with_functions_; // and the MCP tools
  std::vector<chat_message> history_;
  llm_reply reply_;
  bool round_begins_ = false; // the next token is a later round's first
  bool waited_ = false;       // on_tool_wait was called
};

caf::expected<llm_reply> turn_rounds::run() {
  std::function<void(std::string_view)> tokens = [this](std::string_view t) {
    on_token(t);
  };
  for (int round = 1;; ++round) {
    // Past the rounds allowed, the model is asked without the MCP tools:
    // it can only answer in words now.
    const bool offer = round <= ctx_.max_tool_rounds
                       && !with_functions_.functions.empty();
    const auto limit = left();
    if (limit < min_round_time)
      return make_error(errc::timed_out,
                        "the model and its tools took longer than "
                          + std::to_string(ctx_.timeout.count()) + " ms");
    auto done = ctx_.client->complete(ctx_.settings, ctx_.system_prompt,
                                      history_, tokens, stream_.cancel.get(),
                                      offer ? with_functions_ : base_tools_,
                                      limit);
    if (!done)
      return done.error();
    reply_.llm_ms += done->total.count();
    reply_.transfer = reply_.transfer || done->transfer;
    reply_.end_call = reply_.end_call || done->end_call;
    if (!offer || done->tool_calls.empty()) {
      if (reply_.text.empty()) // only a built-in's call: no token at all
        reply_.first_token_ms = since(start_).count();
      return std::move(reply_);
    }
    if (!run_calls(*done, round))
      return make_error(errc::backend_failed, "cancelled");
    round_begins_ = true;
  }
}

// Tokens go on as they come. Two rounds' words meet with a space between
// them, so "Let me check." and "It has shipped." do not run together in
// the caller's ear or in the stored text.
void turn_rounds::on_token(std::string_view token) {
  if (reply_.text.empty())
    reply_.first_token_ms = since(start_).count();
  std::string joined;
  if (round_begins_ && !reply_.text.empty() && !ends_with_space(reply_.text)
      && !starts_with_space(token)) {
    joined = " " + std::string(token);
    token = joined;
  }
  round_begins_ = false;
  reply_.text.append(token);
  if (stream_.on_token)
    stream_.on_token(std::string(token));
}

// The calls of one round, in order, each answered by a tool message.
// False when the caller cancelled meanwhile.
bool turn_rounds::run_calls(llm_completion& asked, int round) {
  if (!waited_ && stream_.on_tool_wait)
    stream_.on_tool_wait();
  waited_ = true;
  // OpenAI pairs each result with its call's id; a server that sent none
  // gets ours, unique within the turn.
  for (size_t i = 0; i < asked.tool_calls.size(); ++i)
    if (asked.tool_calls[i].id.empty())
      asked.tool_calls[i].id = "call_" + std::to_string(round) + "_"
                               + std::to_string(i + 1);
  history_.push_back({"assistant", asked.text, asked.tool_calls, {}, {}});
  for (const auto& call : asked.tool_calls) {
    auto outcome = run_call(call);
    history_.push_back(
      {"tool", tool_message_content(outcome), {}, call.id, call.name});
    tool_call_row row{static_cast<int64_t>(reply_.tool_calls.size() + 1),
                      round,
                      outcome.server,
                      call.name,
                      call.arguments,
                      outcome.result,
                      outcome.error,
                      outcome.ms};
    log_call(row);
    reply_.tool_calls.push_back(std::move(row));
    if (cancelled())
      return false;
  }
  return true;
}

mcp_tool_outcome turn_rounds::run_call(const chat_tool_call& call) {
  const auto* tool = offered_ ? find_tool(*offered_, call.name) : nullptr;
  if (!tool)
    return {{}, {}, "unknown tool", 0};
  if (!is_json_object(call.arguments))
    return {tool->server, {}, "arguments are not a JSON object", 0};
  auto budget = std::max(left(), milliseconds{0});
  auto outcome = ctx_.toolbox->call(call.name, call.arguments, budget);
  if (outcome.server.empty())
    outcome.server = tool->server;
  return outcome;
}

void turn_rounds::log_call(const tool_call_row& row) const {
  if (row.error.empty())
    SB_LOG_INFO("call " << req_.call_sid << ": tool " << row.name << " ("
                        << row.server << ") answered in " << row.ms << " ms");
  else
    SB_LOG_NOTICE("call " << req_.call_sid << ": tool " << row.name << " ("
                          << (row.server.empty() ? "-" : row.server)
                          << ") failed after " << row.ms
                          << " ms: " << row.error);
}

} // namespace

caf::expected<llm_reply> answer_turn(const turn_context& ctx,
                                     const llm_request& req,
                                     const llm_stream& stream) {
  return turn_rounds(ctx, req, stream).run();
}

} // namespace sb
