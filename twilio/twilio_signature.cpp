// X-Twilio-Signature over OpenSSL: HMAC-SHA1 with twilio/base64 for the
// base64, SHA-256 for JSON bodies, a constant-time comparison (equal_secrets)
// for every secret-derived value. URL forms are built by slicing the string,
// never by parsing and re-serialising it, so nothing Twilio signed is
// normalised away.
#include "twilio/twilio_signature.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/secret.hpp"
#include "twilio/base64.hpp"

namespace sb {
namespace {

constexpr auto npos = std::string_view::npos;

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (!EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr))
    return {};
  std::string out;
  for (unsigned int i = 0; i < md_len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0x0F];
  }
  return out;
}

bool is_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0])))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-'
           || c == '.';
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

std::string_view default_port(std::string_view scheme) {
  if (iequals(scheme, "https") || iequals(scheme, "wss"))
    return "443";
  if (iequals(scheme, "http") || iequals(scheme, "ws"))
    return "80";
  return {};
}

// "scheme://[userinfo@]host[:port]" + rest, cut where the port would go.
struct url_cut {
  std::string_view scheme;
  std::string_view head;                // up to and including the host
  std::optional<std::string_view> port; // digits after ':', maybe empty
  std::string_view tail;                // path, query
};

std::optional<url_cut> cut_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == npos || !is_scheme(url.substr(0, sep)))
    return std::nullopt;
  const size_t auth_begin = sep + 3;
  size_t auth_end = url.find_first_of("/?", auth_begin);
  if (auth_end == npos)
    auth_end = url.size();
  const auto authority = url.substr(auth_begin, auth_end - auth_begin);
  const auto at = authority.rfind('@');
  const size_t host_begin = at == npos ? 0 : at + 1;
  // In an IPv6 literal the colons before ']' belong to the address.
  const auto bracket = authority.find(']', host_begin);
  const auto colon = authority.find(':',
                                    bracket == npos ? host_begin : bracket);
  url_cut cut{url.substr(0, sep), url.substr(0, auth_end), std::nullopt,
              url.substr(auth_end)};
  if (colon == npos)
    return cut;
  const auto port = authority.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  cut.head = url.substr(0, auth_begin + colon);
  cut.port = port;
  return cut;
}

// The URL as given, without its port, and with the default port added,
// duplicates removed; the fragment is dropped from all of them.
std::vector<std::string> url_candidates(std::string_view url) {
  url = url.substr(0, url.find('#'));
  std::vector<std::string> out{std::string(url)};
  auto add = [&out](std::string s) {
    if (std::find(out.begin(), out.end(), s) == out.end())
      out.push_back(std::move(s));
  };
  const auto cut = cut_url(url);
  if (!cut)
    return out;
  if (cut->port) {
    add(std::string(cut->head).append(cut->tail));
  } else if (auto port = default_port(cut->scheme); !port.empty()) {
    add(std::string(cut->head) + ":" + std::string(port)
        + std::string(cut->tail));
  }
  return out;
}

// The value of the first `name` parameter in `url`'s query, undecoded.
std::optional<std::string_view> query_param(std::string_view url,
                                            std::string_view name) {
  url = url.substr(0, url.find('#'));
  const auto q = url.find('?');
  if (q == npos)
    return std::nullopt;
  auto query = url.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto segment = query.substr(0, amp);
    const auto eq = segment.find('=');
    if (segment.substr(0, eq) == name)
      return eq == npos ? std::string_view{} : segment.substr(eq + 1);
    if (amp == npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

} // namespace

std::string twilio_signing_input(std::string_view url,
                                 const form_params& params) {
  // Sorting whole (key, value) pairs orders keys bytewise and, within a
  // key, its values bytewise; unique() then drops exact repeats.
  std::vector<std::pair<std::string_view, std::string_view>> sorted;
  sorted.reserve(params.size());
  for (const auto& [key, value] : params)
    sorted.emplace_back(key, value);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string out(url);
  for (const auto& [key, value] : sorted)
    out.append(key).append(value);
  return out;
}

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             const form_params& params) {
  const auto input = twilio_signing_input(url, params);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  // A non-null key pointer even for an empty token: OpenSSL versions
  // disagree on what a null HMAC key means.
  static const char empty_key = '\0';
  const void* key = auth_token.empty() ? &empty_key : auth_token.data();
  if (!HMAC(EVP_sha1(), key, static_cast<int>(auth_token.size()),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(),
            md, &md_len))
    return {};
  return base64_encode({reinterpret_cast<const char*>(md), md_len});
}

bool validate_twilio_signature(std::string_view auth_token,
                               std::string_view url, const form_params& params,
                               std::string_view signature) {
  if (auth_token.empty() || signature.empty())
    return false;
  bool valid = false;
  // Every candidate is checked, so timing does not tell which one matched.
  for (const auto& candidate : url_candidates(url)) {
    const auto expected = twilio_signature(auth_token, candidate, params);
    valid |= !expected.empty() && equal_secrets(expected, signature);
  }
  return valid;
}

bool validate_twilio_json_signature(std::string_view auth_token,
                                    std::string_view url, std::string_view body,
                                    std::string_view signature) {
  const auto claimed = query_param(url, "bodySHA256");
  if (!claimed)
    return false;
  const auto actual = sha256_hex(body);
  const bool body_ok = !actual.empty() && equal_secrets(actual, *claimed);
  const bool url_ok = validate_twilio_signature(auth_token, url, form_params{},
                                                signature);
  return body_ok && url_ok;
}

} // namespace sb
