// Fuzzes the webhook form-body decoder (net/text/form). Every input is used
// twice: as a body Twilio might post, and as NUL-separated keys and values
// to encode. Properties: a body that decodes re-encodes to a body that
// decodes to the same pairs; a rejection names a byte offset inside the
// body (a bad escape's offset points at its '%'); encoding any pairs
// decodes back to exactly them, and fails only for what the decoder must
// refuse (an empty key, invalid UTF-8).
#include "net/text/form.hpp"

#include <string>
#include <vector>

#include "core/error.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

// Small enough that the fuzzer reaches the limit.
constexpr size_t max_params = 32;

// N of "... at byte N", or npos.
size_t error_offset(const std::string& message) {
  const std::string mark = " at byte ";
  auto at = message.rfind(mark);
  if (at == std::string::npos)
    return std::string::npos;
  return std::stoul(message.substr(at + mark.size()));
}

void check_body(std::string_view body) {
  auto parsed = sb::parse_form(body, max_params);
  if (!parsed) {
    SB_FUZZ_CHECK(parsed.error() == sb::errc::bad_request);
    auto message = sb::what(parsed.error());
    auto offset = error_offset(message);
    SB_FUZZ_CHECK(offset <= body.size());
    if (message.find("bad percent escape") != std::string::npos)
      SB_FUZZ_CHECK(offset < body.size() && body[offset] == '%');
    return;
  }
  SB_FUZZ_CHECK(parsed->size() <= max_params);
  for (const auto& [key, value] : *parsed) {
    SB_FUZZ_CHECK(!key.empty());
    SB_FUZZ_CHECK(sb::is_valid_utf8(key) && sb::is_valid_utf8(value));
    SB_FUZZ_CHECK(key.find('\0') == std::string::npos);
    SB_FUZZ_CHECK(value.find('\0') == std::string::npos);
  }
  if (!parsed->empty()) {
    const auto& [key, value] = parsed->front();
    const std::string* found = sb::find_param(*parsed, key);
    SB_FUZZ_CHECK(found != nullptr && *found == value);
  }
  auto again = sb::parse_form(sb::form_encode(*parsed), max_params);
  SB_FUZZ_CHECK(again && *again == *parsed);
}

void check_pairs(std::string_view in) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    auto nul = in.find('\0', start);
    parts.emplace_back(in.substr(start, nul - start));
    if (nul == std::string_view::npos)
      break;
    start = nul + 1;
  }
  if (parts.size() % 2 != 0)
    parts.emplace_back();
  sb::form_params params;
  bool decodable = true;
  for (size_t i = 0; i < parts.size(); i += 2) {
    const auto& key = parts[i];
    const auto& value = parts[i + 1];
    decodable = decodable && !key.empty() && sb::is_valid_utf8(key)
                && sb::is_valid_utf8(value);
    params.emplace_back(key, value);
  }
  auto parsed = sb::parse_form(sb::form_encode(params), params.size());
  SB_FUZZ_CHECK(bool(parsed) == decodable);
  if (parsed)
    SB_FUZZ_CHECK(*parsed == params);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = sb::fuzz::as_text(data, size);
  check_body(in);
  check_pairs(in);
  return 0;
}
