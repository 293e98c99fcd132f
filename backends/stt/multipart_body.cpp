// multipart_body: parts kept apart until build(), which picks a boundary
// none of them contains (a WAV file is arbitrary bytes) and joins them.
#include "backends/stt/multipart_body.hpp"

#include <random>

namespace sb {

namespace {

std::string safe_token(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c == '"' || c == '\r' || c == '\n')
      c = '_';
  return out;
}

std::string random_boundary(std::mt19937& rng) {
  static constexpr char alphabet[] = "0123456789"
                                     "abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<size_t> pick(0, sizeof alphabet - 2);
  std::string out = "----switchboard-";
  for (int i = 0; i < 24; ++i)
    out += alphabet[pick(rng)];
  return out;
}

} // namespace

void multipart_body::add_field(std::string_view name, std::string_view value) {
  parts_.push_back(
    {"Content-Disposition: form-data; name=\"" + safe_token(name) + "\"\r\n",
     std::string(value)});
}

void multipart_body::add_file(std::string_view name, std::string_view filename,
                              std::string_view content_type,
                              std::string_view bytes) {
  parts_.push_back({"Content-Disposition: form-data; name=\"" + safe_token(name)
                      + "\"; filename=\"" + safe_token(filename)
                      + "\"\r\nContent-Type: " + safe_token(content_type)
                      + "\r\n",
                    std::string(bytes)});
}

std::string multipart_body::build() {
  std::mt19937 rng{std::random_device{}()};
  std::string boundary;
  bool clash = true;
  while (clash) {
    boundary = random_boundary(rng);
    clash = false;
    for (const auto& p : parts_)
      clash = clash || p.body.find(boundary) != std::string::npos;
  }
  content_type_ = "multipart/form-data; boundary=" + boundary;
  size_t size = 0;
  for (const auto& p : parts_)
    size += boundary.size() + p.head.size() + p.body.size() + 8;
  std::string out;
  out.reserve(size + boundary.size() + 6);
  for (const auto& p : parts_) {
    out += "--" + boundary + "\r\n";
    out += p.head;
    out += "\r\n";
    out += p.body;
    out += "\r\n";
  }
  out += "--" + boundary + "--\r\n";
  return out;
}

} // namespace sb
