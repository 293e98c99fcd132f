// The tool table: what each tool is called, what it says it does (to the
// operator's assistant, which picks tools by these words), and its JSON
// Schemas. The schemas are the contract both ways: the dispatcher checks
// arguments against inputSchema with mcp_schema's validator (which
// refuses any keyword it does not check), and clients such as the
// official SDK check structuredContent against outputSchema, so every
// field a handler writes is listed, with null where a value may be
// unknown. docs/mcp.md quotes them (`switchboardctl mcp --schemas`).
#include "mcp/mcp_tools.hpp"

#include <utility>

#include "mcp/mcp_server.hpp"
#include "mcp/mcp_tool_handlers.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

// -- schema fragments ---------------------------------------------------------

const std::string text_or_null = R"({"type":["string","null"]})";
const std::string int_or_null = R"({"type":["integer","null"]})";

const std::string call_sid_arg =
  R"({"type":"string","pattern":"^CA[0-9a-f]{32}$",)"
  R"("description":"The call's Twilio CallSid: CA and 32 hex digits."})";

const std::string e164_pattern = R"(^\\+[1-9][0-9]{6,14}$)";

std::string time_arg(const char* what) {
  return R"({"type":"string",)"
         R"("pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?Z?)?)?$",)"
         R"("description":")"
         + std::string(what)
         + R"( (UTC): 2026-11-25 or 2026-11-25T14:30[:00[.000]][Z]."})";
}

const std::string direction_arg =
  R"({"type":"string","enum":["inbound","outbound"],)"
  R"("description":"inbound: callers who rang us; outbound: calls we placed."})";

const std::string limit_arg =
  R"({"type":"integer","minimum":1,"maximum":200,"default":20,)"
  R"("description":"At most this many, newest first."})";

const std::string no_args =
  R"({"type":"object","properties":{},"additionalProperties":false})";

// A stored call's facts, as get_call and list_calls write them
// (mcp_call_views.cpp).
const std::string call_fact_properties =
  R"("call_sid":{"type":"string"},"direction":)" + text_or_null + R"(,"from":)"
  + text_or_null + R"(,"to":)" + text_or_null + R"(,"status":)" + text_or_null
  + R"(,"started_at":)" + text_or_null + R"(,"answered_at":)" + text_or_null
  + R"(,"ended_at":)" + text_or_null + R"(,"duration_s":)" + int_or_null
  + R"(,"end_reason":)" + text_or_null + R"(,"transport":)" + text_or_null
  + R"(,"language":)" + text_or_null;

const std::string call_fact_names =
  R"("call_sid","direction","from","to","status","started_at",)"
  R"("answered_at","ended_at","duration_s","end_reason","transport",)"
  R"("language")";

// As storage/tool_call_json.hpp writes them, in the shape every reader
// shows: arguments as the object the model sent, or its text when it was
// not one.
const std::string tool_call_schema =
  R"({"type":"object","properties":{"idx":{"type":"integer"},)"
  R"("round":{"type":"integer"},"server":)"
  + text_or_null
  + R"(,"name":{"type":"string"},)"
    R"("arguments":{"type":["object","string"]},"result":)"
  + text_or_null + R"(,"error":)" + text_or_null
  + R"(,"ms":{"type":"integer"}},"required":["idx","round","server",)"
    R"("name","arguments","result","error","ms"]})";

const std::string turn_schema =
  R"({"type":"object","properties":{"seq":{"type":"integer"},)"
  R"("role":{"type":"string","enum":["user","assistant"]},)"
  R"("content":{"type":"string"},"created_at":)"
  + text_or_null + R"(,"latency_ms":)" + int_or_null + R"(,"queue_ms":)"
  + int_or_null + R"(,"llm_ms":)" + int_or_null + R"(,"first_token_ms":)"
  + int_or_null + R"(,"tts_first_audio_ms":)" + int_or_null
  + R"(,"turn_gap_ms":)" + int_or_null
  + R"(,"interrupted":{"type":"boolean"},"tool_calls":{"type":"array",)"
    R"("items":)"
  + tool_call_schema
  + R"(}},"required":["seq","role","content","created_at","latency_ms",)"
    R"("queue_ms","llm_ms","first_token_ms","tts_first_audio_ms",)"
    R"("turn_gap_ms","interrupted","tool_calls"]})";

// -- each tool's schemas ------------------------------------------------------

std::string list_live_calls_output() {
  return R"({"type":"object","properties":{"calls":{"type":"array","items":)"
         R"({"type":"object","properties":{"call_sid":{"type":"string"},)"
         R"("direction":)"
         + text_or_null + R"(,"from":)" + text_or_null + R"(,"to":)"
         + text_or_null + R"(,"status":)" + text_or_null + R"(,"started_at":)"
         + text_or_null + R"(,"transport":)" + text_or_null
         + R"(,"turns":{"type":"integer"}},"required":["call_sid",)"
           R"("direction","from","to","status","started_at","transport",)"
           R"("turns"]}}},"required":["calls"]})";
}

std::string get_call_input() {
  return R"({"type":"object","properties":{"call_sid":)" + call_sid_arg
         + R"(},"required":["call_sid"],"additionalProperties":false})";
}

std::string get_call_output() {
  return R"({"type":"object","properties":{)" + call_fact_properties
         + R"(,"turns":{"type":"array","items":)" + turn_schema
         + R"(}},"required":[)" + call_fact_names + R"(,"turns"]})";
}

std::string list_calls_input() {
  return R"({"type":"object","properties":{"since":)"
         + time_arg("Calls started at or after this time") + R"(,"until":)"
         + time_arg("Calls started before this time") + R"(,"direction":)"
         + direction_arg
         + R"(,"status":{"type":"string","enum":["live","queued",)"
           R"("ringing","in-progress","completed","busy","failed",)"
           R"("no-answer","canceled"],"description":"Twilio's call status, )"
           R"(or live: not ended yet."},)"
           R"("number":{"type":"string","minLength":1,"maxLength":32,)"
           R"("description":"Part of the caller's or the called number."},)"
           R"("transport":{"type":"string","enum":["gather","relay",)"
           R"("media"],"description":"How the call was served."},)"
           R"("limit":)"
         + limit_arg
         + R"(,"cursor":{"type":"string","minLength":1,"maxLength":1000,)"
           R"("description":"next_cursor of the previous page."}},)"
           R"("additionalProperties":false})";
}

std::string list_calls_output() {
  return R"({"type":"object","properties":{"calls":{"type":"array","items":)"
         R"({"type":"object","properties":{)"
         + call_fact_properties
         + R"(,"turns":{"type":"integer"},"latency_mean_ms":)" + int_or_null
         + R"(,"latency_max_ms":)" + int_or_null
         + R"(,"interruptions":{"type":"integer"}},"required":[)"
         + call_fact_names
         + R"(,"turns","latency_mean_ms","latency_max_ms",)"
           R"("interruptions"]}},"next_cursor":)"
         + text_or_null + R"(},"required":["calls","next_cursor"]})";
}

std::string search_input() {
  return R"({"type":"object","properties":{"query":{"type":"string",)"
         R"("minLength":1,"maxLength":200,"description":"Words to find; )"
         R"(each matches as a word prefix in the full-text index, or as )"
         R"(typed without one."},"limit":)"
         + limit_arg + R"(,"since":)"
         + time_arg("Calls started at or after this time") + R"(,"until":)"
         + time_arg("Calls started before this time") + R"(,"direction":)"
         + direction_arg
         + R"(},"required":["query"],"additionalProperties":false})";
}

std::string search_output() {
  return R"({"type":"object","properties":{"hits":{"type":"array","items":)"
         R"({"type":"object","properties":{"call_sid":{"type":"string"},)"
         R"("seq":{"type":"integer"},"role":{"type":"string"},)"
         R"("created_at":)"
         + text_or_null
         + R"(,"text":{"type":"string"}},"required":["call_sid","seq",)"
           R"("role","created_at","text"]}},"method":{"type":"string",)"
           R"("enum":["fts","match"]}},"required":["hits","method"]})";
}

std::string stats_output() {
  const std::string number_or_null = R"({"type":["number","null"]})";
  return R"({"type":"object","properties":{"live_calls":)" + int_or_null
         + R"(,"calls_total":)" + int_or_null + R"(,"calls_rejected":)"
         + int_or_null + R"(,"draining":{"type":["boolean","null"]},)"
         + R"("daemon_error":)" + text_or_null
         + R"(,"last_24h":{"type":["object","null"],"properties":{"since":)"
           R"({"type":"string"},"calls":{"type":"integer"},"answered":)"
           R"({"type":"integer"},"mean_duration_s":)"
         + number_or_null + R"(,"latency_p50_ms":)" + int_or_null
         + R"(,"latency_p95_ms":)" + int_or_null
         + R"(},"required":["since","calls","answered","mean_duration_s",)"
           R"("latency_p50_ms","latency_p95_ms"]},"database_error":)"
         + text_or_null
         + R"(,"metrics":{"type":["object","null"],"properties":{)"
           R"("turns_total":)"
         + number_or_null + R"(,"errors_total":)" + number_or_null
         + R"(,"http_rejected_total":)" + number_or_null
         + R"(,"llm_queue_depth":)" + number_or_null + R"(,"storage_healthy":)"
         + number_or_null + R"(,"storage_dropped_writes_total":)"
         + number_or_null
         + R"(}}},"required":["live_calls","calls_total","calls_rejected",)"
           R"("draining","daemon_error","last_24h","database_error",)"
           R"("metrics"]})";
}

std::string place_call_input() {
  return R"({"type":"object","properties":{"to":{"type":"string",)"
         R"("pattern":")"
         + e164_pattern
         + R"(","description":"The number to ring, E.164: +919876543210."},)"
           R"("from":{"type":"string","pattern":")"
         + e164_pattern
         + R"(","description":"Our number to call from; default )"
           R"(twilio.phone_number."}},"required":["to"],)"
           R"("additionalProperties":false})";
}

std::string place_call_output() {
  return R"({"type":"object","properties":{"call_sid":{"type":"string"},)"
         R"("status":)"
         + text_or_null + R"(},"required":["call_sid","status"]})";
}

std::string hang_up_input() {
  return get_call_input();
}

std::string say_input() {
  return R"({"type":"object","properties":{"call_sid":)" + call_sid_arg
         + R"(,"text":{"type":"string","minLength":1,"maxLength":1000,)"
           R"("description":"What to say to the caller now."}},)"
           R"("required":["call_sid","text"],"additionalProperties":false})";
}

std::string call_done_output() {
  return R"({"type":"object","properties":{"call_sid":{"type":"string"},)"
         R"("done":{"type":"boolean"}},"required":["call_sid","done"]})";
}

std::string drain_output() {
  return R"({"type":"object","properties":{"draining":{"type":"boolean"}},)"
         R"("required":["draining"]})";
}

std::vector<mcp_server_tool> make_table() {
  return {
    {"list_live_calls", "Live calls",
     "The calls in progress now: CallSid, direction, numbers, status, "
     "start, transport and how many turns so far. Asks the running daemon.",
     no_args, list_live_calls_output(), false, list_live_calls_tool},
    {"get_call", "One call",
     "A stored call's facts and its whole conversation: every turn's text, "
     "when it was said, its timings (latency, queue, model, first token, "
     "speech, the silence the caller heard), whether the caller talked "
     "over it, and the tools the model called.",
     get_call_input(), get_call_output(), false, get_call_tool},
    {"list_calls", "Call history",
     "Past and live calls from the database, newest first, filtered by "
     "time, direction, status, number and transport, with turns, mean and "
     "worst reply latency and interruptions per call. Pages with cursor.",
     list_calls_input(), list_calls_output(), false, list_calls_tool},
    {"search_transcripts", "Search what was said",
     "Turns whose text holds the query's words, newest first, with the "
     "call each belongs to. method says whether the full-text index "
     "(fts) or a plain match answered.",
     search_input(), search_output(), false, search_transcripts_tool},
    {"get_stats", "Service summary",
     "The daemon's counters (live calls, calls taken and rejected, "
     "draining), the last 24 hours' calls, answers, mean duration and "
     "reply latency p50/p95, and a few /metrics values.",
     no_args, stats_output(), false, get_stats_tool},
    {"place_call", "Place a call",
     "Ring a number now through Twilio; the daemon answers it like any "
     "call. Returns the new CallSid.",
     place_call_input(), place_call_output(), true, place_call_tool},
    {"hang_up", "Hang up", "End a live call now.", hang_up_input(),
     call_done_output(), true, hang_up_tool},
    {"say", "Say into a call",
     "Speak text to the caller of a live call now, in the call's voice.",
     say_input(), call_done_output(), true, say_tool},
    {"drain", "Drain",
     "Stop taking new calls (callers hear the busy message); live calls "
     "go on until they end. Undone only by restarting the daemon.",
     no_args, drain_output(), true, drain_tool},
  };
}

} // namespace

mcp_call_outcome mcp_call_outcome::result(std::string json) {
  mcp_call_outcome o;
  o.structured = std::move(json);
  return o;
}

mcp_call_outcome mcp_call_outcome::failed(std::string text) {
  mcp_call_outcome o;
  o.tool_error = std::move(text);
  return o;
}

mcp_call_outcome mcp_call_outcome::invalid(std::string message) {
  mcp_call_outcome o;
  o.rpc_code = mcp_error::invalid_params;
  o.rpc_message = std::move(message);
  return o;
}

const std::vector<mcp_server_tool>& mcp_tool_table() {
  static const std::vector<mcp_server_tool> table = make_table();
  return table;
}

std::string mcp_tools_json(bool with_actions) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartArray();
  for (const auto& t : mcp_tool_table()) {
    if (t.action && !with_actions)
      continue;
    w.StartObject();
    write_field(w, "name", t.name);
    write_field(w, "title", t.title);
    write_field(w, "description", t.description);
    w.Key("inputSchema");
    w.RawValue(t.input_schema.data(), t.input_schema.size(),
               rapidjson::kObjectType);
    w.Key("outputSchema");
    w.RawValue(t.output_schema.data(), t.output_schema.size(),
               rapidjson::kObjectType);
    w.Key("annotations");
    w.StartObject();
    w.Key("readOnlyHint");
    w.Bool(!t.action);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return json_text(buf);
}

} // namespace sb
