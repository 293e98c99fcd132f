// The live feed's ring and fan-out. Event ids are consecutive from 1, so
// the ring needs no search: event `id` sits at index (id - 1) % capacity_,
// and the oldest still held is last_id_ - ring_.size() + 1. The JSON is
// written with RapidJSON directly (storage does not link net/, where the
// daemon's json_writer helpers live): every caller or model text goes
// through the writer, so it is escaped however it came in.
#include "storage/live_feed.hpp"

#include <algorithm>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/tool_call_json.hpp"

namespace sb {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Empty means the row does not know it (an upsert fills in part of a
// call): left out, so a client merges what it gets over what it has.
void text_field(writer& w, const char* key, const std::string& value) {
  if (value.empty())
    return;
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void number_field(writer& w, const char* key,
                  const std::optional<int64_t>& value) {
  if (!value)
    return;
  w.Key(key);
  w.Int64(*value);
}

// The call columns a "call" event carries; a column the console shows
// live joins the event here.
void write_call_fields(writer& w, const call_row& row) {
  text_field(w, "call_sid", row.call_sid);
  text_field(w, "direction", row.direction);
  text_field(w, "from_number", row.from_number);
  text_field(w, "to_number", row.to_number);
  text_field(w, "status", row.status);
  text_field(w, "started_at", row.started_at);
  text_field(w, "answered_at", row.answered_at);
  text_field(w, "ended_at", row.ended_at);
  number_field(w, "duration_s", row.duration_s);
  text_field(w, "end_reason", row.end_reason);
  text_field(w, "transport", row.transport);
}

void write_turn_fields(writer& w, const turn_row& row) {
  text_field(w, "call_sid", row.call_sid);
  w.Key("seq");
  w.Int64(row.seq);
  text_field(w, "role", row.role);
  // Always present, even empty: the words are what the page shows.
  w.Key("content");
  w.String(row.content.data(),
           static_cast<rapidjson::SizeType>(row.content.size()));
  text_field(w, "created_at", row.created_at);
  number_field(w, "latency_ms", row.latency_ms);
  // Always present: a turn written again after a barge-in clears nothing,
  // it says "interrupted" with the words that were heard.
  w.Key("interrupted");
  w.Bool(row.interrupted);
  // The tools the reply called, named with how they ended; their texts
  // (arguments, results) stay for the call's page, so the ring holds
  // events of about a turn's size.
  if (!row.tool_calls.empty()) {
    w.Key("tool_calls");
    write_tool_calls(w, row.tool_calls, tool_call_fields::summary);
  }
}

template <class Row>
std::string object_json(const Row& row, void (*fields)(writer&, const Row&)) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  fields(w, row);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

live_feed::live_feed(size_t ring_capacity)
  : capacity_(std::max<size_t>(ring_capacity, 1)) {
  ring_.reserve(std::min<size_t>(capacity_, 4096));
}

void live_feed::publish_call(const call_row& row) {
  publish("call", object_json(row, write_call_fields));
}

void live_feed::publish_turn(const turn_row& row) {
  publish("turn", object_json(row, write_turn_fields));
}

void live_feed::publish(std::string type, std::string data) {
  std::lock_guard<std::mutex> guard{mutex_};
  live_event event{++last_id_, std::move(type), std::move(data)};
  // Before the ring is full, the next index is the end; after, it is the
  // slot of the oldest event, which the new one replaces.
  if (ring_.size() < capacity_)
    ring_.push_back(std::move(event));
  else
    ring_[(event.id - 1) % capacity_] = std::move(event);
  const live_event& stored = ring_[(last_id_ - 1) % capacity_];
  // A subscriber that answers false has closed: dropped in place, keeping
  // the others in the order they subscribed.
  auto closed = std::remove_if(subscribers_.begin(), subscribers_.end(),
                               [&stored](subscriber& fn) {
                                 return !fn(stored);
                               });
  subscribers_.erase(closed, subscribers_.end());
}

void live_feed::subscribe(std::optional<uint64_t> after, subscriber fn) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (after) {
    uint64_t oldest = last_id_ - ring_.size() + 1;
    // An id past the newest comes from an earlier run of the daemon (ids
    // start again at 1): the client's picture is as stale as when events
    // were lost.
    bool lost = *after > last_id_ || *after + 1 < oldest;
    if (lost) {
      if (!fn(live_event{last_id_, "reset", "{}"}))
        return;
    } else {
      for (uint64_t id = *after + 1; id <= last_id_; ++id)
        if (!fn(ring_[(id - 1) % capacity_]))
          return;
    }
  }
  subscribers_.push_back(std::move(fn));
}

uint64_t live_feed::last_id() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return last_id_;
}

size_t live_feed::subscribers() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return subscribers_.size();
}

} // namespace sb
