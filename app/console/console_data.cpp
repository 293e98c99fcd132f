// The console's reads: each request is parsed on the I/O thread (a bad
// parameter is answered 400 at once), then runs as one job on the
// console_reader's thread, which queries, renders (console_json) and
// answers. A full queue is 503, so a flood of console requests never
// queues without bound; a reader shutting down answers 503 too.
#include <utility>

#include "app/console/console_audio.hpp"
#include "app/console/console_context.hpp"
#include "app/console/console_json.hpp"
#include "app/http_errors.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "storage/console_queries.hpp"
#include "storage/console_reader.hpp"

namespace sb {

namespace {

constexpr int max_limit = 500;

http_response error_answer(const caf::error& err) {
  return console_error(http_status_of(err), what(err));
}

// Runs `query(db) -> http_response` on the reader's thread and answers
// with what it returns.
template <class Query>
void run_query(const console_context& cx, const http_responder& respond,
               Query query) {
  auto job = [respond, query = std::move(query)](sqlite3* db) {
    if (db == nullptr) {
      respond(console_error(503, "the console is shutting down"));
      return;
    }
    respond(query(db));
  };
  if (!cx.deps.reader->submit(std::move(job)))
    respond(console_error(503, "the console is busy: too many queries "
                               "waiting; try again"));
}

// Renders `result` with `render`, or answers its error.
template <class T, class Render>
http_response answer(caf::expected<T>&& result, Render render) {
  if (!result)
    return error_answer(result.error());
  return console_json(render(*result));
}

void list_calls_route(const console_context& cx, const console_call& c,
                      const call_filter& filter, const http_responder& r) {
  auto after_text = query_param(c.req.query, "after");
  call_cursor after;
  if (!after_text.empty()) {
    auto parsed = parse_cursor(after_text);
    if (!parsed)
      return r(error_answer(parsed.error()));
    after = std::move(*parsed);
  }
  auto limit = parse_limit(query_param(c.req.query, "limit"),
                           cx.settings.page_size, max_limit);
  if (!limit)
    return r(error_answer(limit.error()));
  run_query(cx, r, [filter, after, n = *limit](sqlite3* db) {
    return answer(list_calls(db, filter, after, n), render_call_page);
  });
}

void search_route(const console_context& cx, const console_call& c,
                  const call_filter& filter, const http_responder& r) {
  auto q = query_param(c.req.query, "q");
  auto limit = parse_limit(query_param(c.req.query, "limit"),
                           cx.settings.page_size, max_limit);
  if (!limit)
    return r(error_answer(limit.error()));
  run_query(cx, r, [filter, q, n = *limit](sqlite3* db) {
    return answer(search_turns(db, q, filter, n), render_search);
  });
}

void call_route(const console_context& cx, const console_call& c,
                const http_responder& r) {
  run_query(cx, r, [sid = c.route.sid](sqlite3* db) {
    auto detail = load_call_detail(db, sid);
    if (!detail)
      return error_answer(detail.error());
    if (!*detail)
      return console_error(404, "no call " + sid);
    return console_json(render_call_detail(**detail));
  });
}

// The turn's stored audio column names the file; turn_audio_file decides
// whether it may be served. The file is read on the reader's thread too.
void audio_route(const console_context& cx, const console_call& c,
                 const http_responder& r) {
  run_query(
    cx, r,
    [sid = c.route.sid, seq = c.route.seq, tts_dir = cx.deps.tts_cache_dir,
     caller_dir = cx.deps.caller_audio_dir](sqlite3* db) {
      auto detail = load_call_detail(db, sid);
      if (!detail)
        return error_answer(detail.error());
      const turn_row* turn = nullptr;
      if (*detail)
        for (const auto& t : (*detail)->stored.turns)
          if (t.seq == seq)
            turn = &t;
      auto bytes = turn ? turn_audio_wav(turn->audio, tts_dir, caller_dir)
                        : std::nullopt;
      if (!bytes)
        return console_error(404, "no audio for turn " + std::to_string(seq)
                                    + " of " + sid);
      return console_response(200, "audio/wav", std::move(*bytes));
    });
}

void export_route(const console_context& cx, const console_call& c,
                  const call_filter& filter, const http_responder& r) {
  auto format = query_param(c.req.query, "format");
  if (format != "csv" && format != "json")
    return r(console_error(400, "format: must be csv or json"));
  run_query(
    cx, r, [filter, format, rows = cx.settings.max_export_rows](sqlite3* db) {
      auto page = list_calls(db, filter, {}, rows);
      if (!page)
        return error_answer(page.error());
      const bool csv = format == "csv";
      auto res = console_response(
        200, csv ? "text/csv; charset=utf-8" : "application/json",
        csv ? render_export_csv(page->calls) : render_export_json(page->calls));
      res.headers.emplace_back("Content-Disposition",
                               std::string{"attachment; filename="}
                                 + (csv ? "\"calls.csv\"" : "\"calls.json\""));
      return res;
    });
}

// Without since/until: the last 24 hours up to now.
void stats_route(const console_context& cx, call_filter filter,
                 const http_responder& r) {
  auto now = std::chrono::system_clock::now();
  if (filter.since.empty())
    filter.since = iso8601_utc(now - std::chrono::hours(24));
  if (filter.until.empty())
    filter.until = iso8601_utc(now);
  run_query(cx, r, [filter](sqlite3* db) {
    auto hours = hourly_stats(db, filter);
    if (!hours)
      return error_answer(hours.error());
    return console_json(render_stats(filter.since, filter.until, *hours));
  });
}

} // namespace

void serve_console_data(const console_context_ptr& cx, console_call&& c,
                        http_responder respond) {
  auto filter = parse_call_filter(c.req.query);
  if (!filter) {
    respond(error_answer(filter.error()));
    return;
  }
  switch (c.route.id) {
    case console_route_id::calls:
      return list_calls_route(*cx, c, *filter, respond);
    case console_route_id::kpis:
      return run_query(*cx, respond, [f = *filter](sqlite3* db) {
        return answer(count_calls(db, f), render_kpis);
      });
    case console_route_id::search:
      return search_route(*cx, c, *filter, respond);
    case console_route_id::call: return call_route(*cx, c, respond);
    case console_route_id::turn_audio: return audio_route(*cx, c, respond);
    case console_route_id::export_calls:
      return export_route(*cx, c, *filter, respond);
    default: return stats_route(*cx, std::move(*filter), respond);
  }
}

} // namespace sb
