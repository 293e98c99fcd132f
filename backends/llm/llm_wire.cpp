// Request bodies and stream parsers for Ollama and OpenAI-compatible
// servers. Both parsers share one line splitter: bytes are scanned for
// '\n' in place and only an unfinished tail is copied into pending_, so a
// token never starts before its whole line (and so its whole UTF-8) has
// arrived. RapidJSON does not throw; every parse failure is a value.
#include "backends/llm/llm_wire.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace sb {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// A line longer than this is not a stream we understand; without a bound a
// server that never sends '\n' would grow pending_ until the timeout.
constexpr size_t max_line_bytes = size_t{1} << 20;

// How much of an offending line an error message quotes.
constexpr size_t quoted_line_bytes = 100;

void write_string(json_writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Which server's dialect a body is written in: they differ only in how a
// tool call and its result are carried.
enum class dialect { ollama, openai };

// `json` (a JSON object's text) as that object; `fallback` (written by
// the caller) when it is not one. Model and server text never reaches the
// body unchecked: it is parsed and written again.
template <class Fallback>
void write_object_text(json_writer& w, const std::string& json,
                       Fallback fallback) {
  rapidjson::Document doc;
  if (parse_whole_json(doc, json) && doc.IsObject())
    doc.Accept(w);
  else
    fallback();
}

void write_empty_object(json_writer& w) {
  w.StartObject();
  w.EndObject();
}

// One call of an assistant message's "tool_calls": Ollama takes the
// arguments as an object, OpenAI as the object's text, with the call's id.
void write_tool_call(json_writer& w, const chat_tool_call& call, dialect d) {
  w.StartObject();
  if (d == dialect::openai) {
    w.Key("id");
    write_string(w, call.id);
    w.Key("type");
    w.String("function");
  }
  w.Key("function");
  w.StartObject();
  w.Key("name");
  write_string(w, call.name);
  w.Key("arguments");
  if (d == dialect::openai)
    write_string(w, call.arguments.empty() ? "{}" : call.arguments);
  else
    write_object_text(w, call.arguments, [&] { write_empty_object(w); });
  w.EndObject();
  w.EndObject();
}

void write_message(json_writer& w, const chat_message& m, dialect d) {
  w.StartObject();
  w.Key("role");
  write_string(w, m.role);
  w.Key("content");
  write_string(w, m.content);
  if (!m.tool_calls.empty()) {
    w.Key("tool_calls");
    w.StartArray();
    for (const auto& call : m.tool_calls)
      write_tool_call(w, call, d);
    w.EndArray();
  }
  if (m.role == "tool") {
    w.Key(d == dialect::openai ? "tool_call_id" : "tool_name");
    write_string(w, d == dialect::openai ? m.tool_call_id : m.tool_name);
  }
  w.EndObject();
}

void write_messages(json_writer& w, const std::string& system_prompt,
                    const std::vector<chat_message>& history, dialect d) {
  w.Key("messages");
  w.StartArray();
  if (!system_prompt.empty())
    write_message(w, {"system", system_prompt, {}, {}, {}}, d);
  for (const auto& m : history)
    write_message(w, m, d);
  w.EndArray();
}

// One function, the same in both formats. `parameters` writes its
// "parameters" value.
template <class Parameters>
void write_function(json_writer& w, const std::string& name,
                    const std::string& description, Parameters parameters) {
  w.StartObject();
  w.Key("type");
  w.String("function");
  w.Key("function");
  w.StartObject();
  w.Key("name");
  write_string(w, name);
  w.Key("description");
  write_string(w, description);
  w.Key("parameters");
  parameters();
  w.EndObject();
  w.EndObject();
}

// The parameters of a function that takes no arguments.
void write_no_parameters(json_writer& w) {
  w.StartObject();
  w.Key("type");
  w.String("object");
  w.Key("properties");
  write_empty_object(w);
  w.EndObject();
}

void write_tool(json_writer& w, const char* name, const char* description) {
  write_function(w, name, description, [&] { write_no_parameters(w); });
}

// "tools": [the functions offered]; nothing at all when none is, so a
// request without tools is what a server without tool support accepts.
void write_tools(json_writer& w, const chat_tools& tools) {
  if (!tools.any())
    return;
  w.Key("tools");
  w.StartArray();
  if (tools.transfer)
    write_tool(w, transfer_tool_name,
               "Connect the caller to a human colleague when they ask for a "
               "person or you cannot help.");
  // The model's reply may be only this call; the pool then says
  // voice.goodbye_message, so asking for words first is a wish, not a need.
  if (tools.end_call)
    write_tool(w, end_call_tool_name,
               "End the phone call. Use it when the caller says goodbye or "
               "has nothing more to ask; say a short goodbye in the same "
               "reply.");
  for (const auto& f : tools.functions)
    write_function(w, f.name, f.description, [&] {
      write_object_text(w, f.parameters, [&] { write_no_parameters(w); });
    });
  w.EndArray();
}

// `line` cut to about quoted_line_bytes, backing off to a UTF-8 lead byte
// so the message stays valid UTF-8.
std::string quote_line(std::string_view line) {
  if (line.size() <= quoted_line_bytes)
    return std::string(line);
  size_t cut = quoted_line_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(line.substr(0, cut)) + "...";
}

caf::error malformed(const char* backend, std::string_view line) {
  return make_error(errc::backend_failed,
                    std::string(backend)
                      + ": malformed stream line: " + quote_line(line));
}

caf::error ended_early(const char* backend) {
  return make_error(errc::backend_failed,
                    std::string(backend) + ": stream ended before done");
}

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Parses `line` as one JSON object; false if it is anything else.
bool parse_object(rapidjson::Document& doc, std::string_view line) {
  return parse_whole_json(doc, line) && doc.IsObject();
}

// RapidJSON 1.1.0 decodes an unpaired low surrogate escape ("\udc80",
// which Python servers write for bytes they could not decode) into that
// surrogate's three bytes, which are not UTF-8. Each becomes U+FFFD, so
// tokens and error texts are UTF-8 whenever the stream is.
std::string without_surrogates(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto byte = [s](size_t i) { return static_cast<unsigned char>(s[i]); };
  for (size_t i = 0; i < s.size(); ++i) {
    if (byte(i) == 0xED && i + 2 < s.size() && byte(i + 1) >= 0xA0
        && byte(i + 1) <= 0xBF && (byte(i + 2) & 0xC0) == 0x80) {
      out += "\xEF\xBF\xBD";
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The text of an error value: a string, or an object's "message" string.
std::string error_text(const rapidjson::Value& v) {
  if (v.IsString())
    return without_surrogates({v.GetString(), v.GetStringLength()});
  if (v.IsObject()) {
    auto m = v.FindMember("message");
    if (m != v.MemberEnd() && m->value.IsString())
      return without_surrogates(
        {m->value.GetString(), m->value.GetStringLength()});
  }
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  v.Accept(w);
  return without_surrogates({buf.GetString(), buf.GetSize()});
}

// Calls `on_token` with `v` if it is a non-empty string.
void emit(const rapidjson::Value& v, const token_handler& on_token) {
  if (!on_token || !v.IsString() || v.GetStringLength() == 0)
    return;
  std::string_view token(v.GetString(), v.GetStringLength());
  if (token.find('\xED') == std::string_view::npos)
    on_token(token);
  else
    on_token(without_surrogates(token));
}

const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject())
    return nullptr;
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// The string at tool_call.function.<key>, where both formats put a tool
// call's name and (OpenAI) its arguments' pieces; empty if there is none.
std::string_view function_string(const rapidjson::Value& tool_call,
                                 const char* key) {
  auto* function = member(tool_call, "function");
  auto* value = function ? member(*function, key) : nullptr;
  if (!value || !value->IsString())
    return {};
  return {value->GetString(), value->GetStringLength()};
}

std::string_view call_name(const rapidjson::Value& tool_call) {
  return function_string(tool_call, "name");
}

// The entries of `holder`'s (an Ollama message's or an OpenAI delta's)
// "tool_calls" array, or null.
const rapidjson::Value* tool_calls_of(const rapidjson::Value& holder) {
  auto* calls = member(holder, "tool_calls");
  return calls && calls->IsArray() ? calls : nullptr;
}

// Bounds on the calls kept: a model calls one or two tools a turn, and a
// hostile index or endless name pieces must not grow memory. Past any
// tool's name length (MCP allows 128) a joined name cannot match.
constexpr size_t max_calls = 64;
constexpr size_t max_joined_name = 128;

// Which call an OpenAI tool-call delta belongs to: its "index", else its
// position in the array; npos when out of bounds.
size_t call_index(const rapidjson::Value& call, size_t position) {
  auto* index = member(call, "index");
  size_t at = index && index->IsUint() ? index->GetUint() : position;
  return at < max_calls ? at : std::string::npos;
}

// `v` as JSON text.
std::string json_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

// An Ollama call's arguments: an object (as Ollama sends them) as its
// text, a string (as some models' templates give them) as it is.
std::string ollama_arguments(const rapidjson::Value& tool_call) {
  auto* function = member(tool_call, "function");
  auto* args = function ? member(*function, "arguments") : nullptr;
  if (!args)
    return {};
  if (args->IsString())
    return {args->GetString(), args->GetStringLength()};
  return args->IsObject() ? json_text(*args) : std::string{};
}

// Adds one OpenAI tool-call delta's pieces to `call`: the first id, the
// arguments joined, the name joined unless the piece repeats it whole.
void merge_delta(chat_tool_call& call, const rapidjson::Value& delta,
                 std::string_view name_piece) {
  auto* id = member(delta, "id");
  if (call.id.empty() && id && id->IsString())
    call.id.assign(id->GetString(), id->GetStringLength());
  if (!name_piece.empty() && call.name != name_piece
      && call.name.size() < max_joined_name)
    call.name.append(name_piece);
  call.arguments.append(function_string(delta, "arguments"));
}

bool is_builtin(std::string_view name) {
  return name == transfer_tool_name || name == end_call_tool_name;
}

// Appends `bytes` to the unfinished line in `pending` and calls `on_line`
// for each line completed, without its "\n" or "\r\n". Stops at the first
// error `on_line` returns; the rest of `bytes` is then dropped.
template <class OnLine>
caf::error split_lines(std::string& pending, std::string_view bytes,
                       const char* backend, OnLine&& on_line) {
  size_t start = 0;
  for (auto nl = bytes.find('\n'); nl != std::string_view::npos;
       nl = bytes.find('\n', start)) {
    auto line = bytes.substr(start, nl - start);
    start = nl + 1;
    if (!pending.empty()) {
      pending.append(line);
      line = pending;
    }
    line = without_cr(line);
    if (line.size() > max_line_bytes)
      return make_error(errc::backend_failed,
                        std::string(backend) + ": stream line over 1 MiB");
    auto err = on_line(line);
    pending.clear();
    if (err)
      return err;
  }
  pending.append(bytes.substr(start));
  if (pending.size() > max_line_bytes)
    return make_error(errc::backend_failed,
                      std::string(backend) + ": stream line over 1 MiB");
  return caf::none;
}

} // namespace

// -- request bodies -----------------------------------------------------------

std::string ollama_chat_body(const chat_settings& settings,
                             const std::string& system_prompt,
                             const std::vector<chat_message>& history,
                             const chat_tools& tools) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("model");
  write_string(w, settings.model);
  write_messages(w, system_prompt, history, dialect::ollama);
  w.Key("stream");
  w.Bool(true);
  w.Key("options");
  w.StartObject();
  w.Key("temperature");
  w.Double(settings.temperature);
  w.Key("num_predict");
  w.Int(settings.max_tokens);
  w.EndObject();
  if (!settings.keep_alive.empty()) {
    w.Key("keep_alive");
    write_string(w, settings.keep_alive);
  }
  write_tools(w, tools);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string openai_chat_body(const chat_settings& settings,
                             const std::string& system_prompt,
                             const std::vector<chat_message>& history,
                             const chat_tools& tools) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("model");
  write_string(w, settings.model);
  write_messages(w, system_prompt, history, dialect::openai);
  w.Key("stream");
  w.Bool(true);
  w.Key("temperature");
  w.Double(settings.temperature);
  w.Key("max_tokens");
  w.Int(settings.max_tokens);
  write_tools(w, tools);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

// -- line splitting, shared ------------------------------------------------

template <class Derived>
caf::error line_stream_parser<Derived>::feed(std::string_view bytes,
                                             const token_handler& on_token) {
  if (failed_ || done_)
    return failed_;
  auto* self = static_cast<Derived*>(this);
  failed_ = split_lines(pending_, bytes, Derived::name,
                        [&](std::string_view l) {
                          return self->on_line(l, on_token);
                        });
  return failed_;
}

template <class Derived>
caf::error line_stream_parser<Derived>::finish(const token_handler& on_token) {
  if (!failed_ && !done_ && !pending_.empty()) {
    std::string last;
    last.swap(pending_);
    failed_ = static_cast<Derived*>(this)->on_line(without_cr(last), on_token);
  }
  if (failed_)
    return failed_;
  return done_ ? caf::none : ended_early(Derived::name);
}

template <class Derived>
void line_stream_parser<Derived>::note_tool_call(std::string_view name) {
  transfer_ = transfer_ || name == transfer_tool_name;
  end_call_ = end_call_ || name == end_call_tool_name;
}

template <class Derived>
chat_tool_call* line_stream_parser<Derived>::call_at(size_t index) {
  if (index >= max_calls)
    return nullptr;
  if (calls_.size() <= index)
    calls_.resize(index + 1);
  return &calls_[index];
}

template <class Derived>
std::vector<chat_tool_call> line_stream_parser<Derived>::tool_calls() const {
  std::vector<chat_tool_call> out;
  for (const auto& call : calls_) {
    if (call.name.empty() || is_builtin(call.name))
      continue;
    out.push_back(call);
    if (out.back().arguments.empty())
      out.back().arguments = "{}";
  }
  return out;
}

template class line_stream_parser<ollama_stream_parser>;
template class line_stream_parser<openai_stream_parser>;

// -- ollama -------------------------------------------------------------------

// One NDJSON object: {"message": {"content": "…"}, "done": bool} or
// {"error": "…"}.
caf::error ollama_stream_parser::on_line(std::string_view line,
                                         const token_handler& on_token) {
  if (done_ || is_blank(line))
    return caf::none;
  rapidjson::Document doc;
  if (!parse_object(doc, line))
    return malformed("ollama", line);
  if (auto* err = member(doc, "error"))
    return make_error(errc::backend_failed, "ollama: " + error_text(*err));
  if (auto* msg = member(doc, "message")) {
    if (auto* content = member(*msg, "content"))
      emit(*content, on_token);
    // Ollama sends each call whole, in one line.
    if (auto* calls = tool_calls_of(*msg))
      for (const auto& call : calls->GetArray()) {
        note_tool_call(call_name(call));
        if (auto* kept = call_at(calls_.size())) {
          kept->name = std::string(call_name(call));
          kept->arguments = ollama_arguments(call);
          auto* id = member(call, "id");
          if (id && id->IsString())
            kept->id.assign(id->GetString(), id->GetStringLength());
        }
      }
  }
  if (auto* done = member(doc, "done"))
    done_ = done->IsBool() && done->GetBool();
  return caf::none;
}

// -- openai -------------------------------------------------------------------

// A call's name counts as a built-in's when one piece on its own spells it
// (servers that repeat the whole name in every chunk) or the pieces so far
// joined do (servers that split it, as the format allows).
void openai_stream_parser::on_call_delta(const rapidjson::Value& delta,
                                         size_t position) {
  auto piece = call_name(delta);
  note_tool_call(piece);
  auto* call = call_at(call_index(delta, position));
  if (!call)
    return;
  merge_delta(*call, delta, piece);
  note_tool_call(call->name);
}

// One SSE line. Only "data:" lines matter; their value is a JSON chunk
// {"choices": [{"delta": {"content": "…"}}]}, an error object, or [DONE].
caf::error openai_stream_parser::on_line(std::string_view line,
                                         const token_handler& on_token) {
  constexpr std::string_view data_field = "data:";
  if (done_ || line.substr(0, data_field.size()) != data_field)
    return caf::none;
  auto value = line.substr(data_field.size());
  if (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  if (value == "[DONE]") {
    done_ = true;
    return caf::none;
  }
  rapidjson::Document doc;
  if (!parse_object(doc, value))
    return malformed("openai", line);
  if (auto* err = member(doc, "error"))
    return make_error(errc::backend_failed, "openai: " + error_text(*err));
  // vLLM's shape: {"object": "error", "message": "…"}.
  if (auto* object = member(doc, "object"); object && *object == "error")
    return make_error(errc::backend_failed, "openai: " + error_text(doc));
  auto* choices = member(doc, "choices");
  if (!choices || !choices->IsArray() || choices->Empty())
    return caf::none;
  if (auto* delta = member((*choices)[0], "delta")) {
    if (auto* content = member(*delta, "content"))
      emit(*content, on_token);
    if (auto* calls = tool_calls_of(*delta))
      for (rapidjson::SizeType i = 0; i < calls->Size(); ++i)
        on_call_delta((*calls)[i], i);
  }
  return caf::none;
}

} // namespace sb
