// The URL side of console_json.hpp: the list's filters, its cursor and
// the page size, read from a query string. Times are checked and
// rewritten in the form the database stores ("2026-12-01T10:00:00.000Z"),
// because the queries compare them with started_at as text, where a
// shorter form sorts wrong ("...T10:00Z" > "...T10:00:00.000Z").
#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <utility>

#include "app/console/console_json.hpp"
#include "app/console/utc_time.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "net/text/form.hpp"

namespace sb {

namespace {

// -- the URL query ------------------------------------------------------------

struct query_field {
  std::string key;
  std::string value;
  bool decoded = true; // false: the value is not valid percent-encoding
};

// Each "key=value" decoded on its own (net/text/form.hpp's strict
// decoding), so a bad value is blamed on its own key.
std::vector<query_field> split_query(std::string_view query) {
  if (!query.empty() && query.front() == '?')
    query.remove_prefix(1);
  std::vector<query_field> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto segment = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (auto pair = parse_form(segment, 1); pair && !pair->empty()) {
      out.push_back({(*pair)[0].first, (*pair)[0].second, true});
    } else if (auto key = parse_form(segment.substr(0, segment.find('=')), 1);
               key && !key->empty()) {
      out.push_back({(*key)[0].first, {}, false});
    }
  }
  return out;
}

const query_field* find_field(const std::vector<query_field>& fields,
                              std::string_view key) {
  for (const auto& f : fields)
    if (f.key == key)
      return &f;
  return nullptr;
}

caf::error bad_param(std::string_view name, std::string_view why) {
  return make_error(errc::bad_request,
                    std::string{name} + ": " + std::string{why});
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

int number_at(std::string_view s, size_t pos, size_t len) {
  int n = 0;
  for (size_t i = pos; i < pos + len; ++i)
    n = n * 10 + (s[i] - '0');
  return n;
}

bool one_of(std::string_view value,
            std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Checks one filter parameter and stores it, rewritten where needed.
caf::error set_filter_field(call_filter& f, std::string_view name,
                            std::string value) {
  if (name == "since" || name == "until") {
    auto ms = parse_utc_ms(value);
    if (!ms)
      return bad_param(name, "not a date (YYYY-MM-DD or "
                             "YYYY-MM-DDTHH:MM[:SS]Z, UTC)");
    (name == "since" ? f.since : f.until) = iso8601_utc(
      wall_time{std::chrono::milliseconds(*ms)});
  } else if (name == "direction") {
    if (!one_of(value, {"inbound", "outbound"}))
      return bad_param(name, "must be inbound or outbound");
    f.direction = std::move(value);
  } else if (name == "status") {
    if (!one_of(value,
                {"queued", "initiated", "ringing", "in-progress", "completed",
                 "busy", "failed", "no-answer", "canceled", "live"}))
      return bad_param(name, "not a call status (queued, initiated, ringing, "
                             "in-progress, completed, busy, failed, "
                             "no-answer, canceled) or live");
    f.status = std::move(value);
  } else if (name == "number") {
    // A '+' typed into a query means a space; a number never holds one.
    std::replace(value.begin(), value.end(), ' ', '+');
    if (value.size() > 32
        || value.find_first_not_of("+0123456789") != std::string::npos)
      return bad_param(name, "at most 32 digits and +");
    f.number = std::move(value);
  } else if (name == "transport") {
    if (!one_of(value, {"gather", "relay", "media"}))
      return bad_param(name, "must be gather, relay or media");
    f.transport = std::move(value);
  }
  return caf::none;
}

} // namespace

caf::expected<call_filter> parse_call_filter(std::string_view query) {
  auto fields = split_query(query);
  call_filter filter;
  for (auto name :
       {"since", "until", "direction", "status", "number", "transport"}) {
    auto* field = find_field(fields, name);
    // An empty value is "any": the filter form sends every field.
    if (field == nullptr || (field->decoded && field->value.empty()))
      continue;
    if (!field->decoded)
      return bad_param(name, "not valid percent-encoded UTF-8");
    if (auto err = set_filter_field(filter, name, field->value))
      return err;
  }
  return filter;
}

std::string query_param(std::string_view query, std::string_view name) {
  auto fields = split_query(query);
  auto* field = find_field(fields, name);
  return field != nullptr ? field->value : std::string{};
}

caf::expected<call_cursor> parse_cursor(std::string_view text) {
  if (text.empty())
    return call_cursor{};
  auto bar = text.find('|');
  auto bad = bad_param("after", "not a cursor of this list");
  if (bar == std::string_view::npos)
    return bad;
  call_cursor cursor{std::string{text.substr(0, bar)},
                     std::string{text.substr(bar + 1)}};
  auto alnum = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z');
  };
  if (cursor.call_sid.empty() || cursor.call_sid.size() > 64
      || !std::all_of(cursor.call_sid.begin(), cursor.call_sid.end(), alnum))
    return bad;
  // A call whose start is unknown sorts with an empty started_at.
  if (!cursor.started_at.empty() && !parse_utc_ms(cursor.started_at))
    return bad;
  return cursor;
}

std::string format_cursor(const call_cursor& cursor) {
  if (cursor.empty())
    return {};
  return cursor.started_at + "|" + cursor.call_sid;
}

caf::expected<int> parse_limit(std::string_view text, int fallback, int max) {
  if (text.empty())
    return fallback;
  // Nine digits at most, so the number always fits before the range check.
  if (!all_digits(text) || text.size() > 9)
    return bad_param("limit",
                     "must be a whole number from 1 to " + std::to_string(max));
  int n = number_at(text, 0, text.size());
  if (n < 1 || n > max)
    return bad_param("limit",
                     "must be a whole number from 1 to " + std::to_string(max));
  return n;
}

} // namespace sb
