#include "net/text/json.hpp"

#include <map>
#include <vector>

#include "net/text/json_writer.hpp"

namespace sb {

std::string params_to_json(const form_params& params) {
  // Group values by key, keeping the order in which keys first appeared.
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<std::string_view>> values;
  for (const auto& [key, value] : params) {
    auto& v = values[key];
    if (v.empty())
      order.push_back(key);
    v.push_back(value);
  }
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  for (auto key : order) {
    write_string(w, key);
    const auto& v = values[key];
    if (v.size() == 1) {
      write_string(w, v.front());
      continue;
    }
    w.StartArray();
    for (auto item : v)
      write_string(w, item);
    w.EndArray();
  }
  w.EndObject();
  return json_text(buf);
}

std::string error_json(std::string_view detail) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("detail");
  write_string(w, detail);
  w.EndObject();
  return json_text(buf);
}

std::string json_quote(std::string_view text) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  write_string(w, text);
  return json_text(buf);
}

} // namespace sb
