// Twilio's webhook conventions for the simulator: parameters, targets,
// route names, signatures, SIDs and dates, as pure functions.
#include "cli/sim/sim_webhook.hpp"

#include <cstdio>
#include <ctime>
#include <random>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {

form_params twilio_standard_params(const sim_party& party,
                                   const std::string& call_status) {
  return {{"AccountSid", party.account_sid},
          {"ApiVersion", "2010-04-01"},
          {"CallSid", party.call_sid},
          {"CallStatus", call_status},
          {"Direction", party.outbound ? "outbound-api" : "inbound"},
          {"From", party.from},
          {"To", party.to}};
}

form_params stream_status_params(const sim_party& party,
                                 const std::string& stream_sid,
                                 const std::string& event) {
  return {{"AccountSid", party.account_sid},
          {"CallSid", party.call_sid},
          {"StreamSid", stream_sid},
          {"StreamName", stream_sid},
          {"StreamEvent", event},
          {"Timestamp", iso8601_utc_now()}};
}

std::string url_target(std::string_view url) {
  if (auto hash = url.find('#'); hash != std::string_view::npos)
    url = url.substr(0, hash);
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    auto path = url.find('/', scheme + 3);
    if (path == std::string_view::npos) {
      // "http://host?x=1" has an empty path: the target is "/?x=1".
      auto query = url.find('?', scheme + 3);
      return "/"
             + std::string{query == std::string_view::npos ? std::string_view{}
                                                           : url.substr(query)};
    }
    return std::string{url.substr(path)};
  }
  if (url.empty() || url[0] != '/')
    return "/" + std::string{url};
  return std::string{url};
}

std::string route_of_target(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (path == "/voice/inbound")
    return "inbound";
  if (path == "/voice/outbound")
    return "outbound";
  if (path == "/voice/process-speech")
    return "process-speech";
  if (path == "/voice/await")
    return "await";
  if (path == "/call-status")
    return "call-status";
  if (path == "/recording-status")
    return "recording-status";
  if (path == "/amd-status")
    return "amd-status";
  if (path.substr(0, 7) == "/audio/")
    return "audio";
  return std::string{path};
}

std::string sign_webhook(std::string_view auth_token,
                         std::string_view public_base, std::string_view target,
                         const form_params& params) {
  std::string url{public_base};
  url += target;
  return twilio_signature(auth_token, url, params);
}

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

caf::expected<host_port> parse_base_url(const std::string& url,
                                        std::string_view who) {
  constexpr std::string_view scheme = "http://";
  auto bad = [&url](const std::string& why) {
    return make_error(errc::bad_request, "--url " + url + ": " + why);
  };
  if (url.compare(0, scheme.size(), scheme) != 0)
    return bad(std::string{who}
               + " needs http://HOST:PORT (the daemon's own listener)");
  auto rest = without_trailing_slash(url.substr(scheme.size()));
  if (rest.empty() || rest.find_first_of("/?#@") != std::string::npos)
    return bad("expected http://HOST:PORT with no path");
  host_port out{rest, "80"};
  auto colon = rest.rfind(':');
  if (colon != std::string::npos
      && rest.find(']', colon) == std::string::npos) {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
    if (out.port.empty()
        || out.port.find_first_not_of("0123456789") != std::string::npos)
      return bad("bad port");
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  return out;
}

std::string random_sid(std::string_view prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string sid{prefix};
  for (int i = 0; i < 32; ++i)
    sid += hex[rng() % 16];
  return sid;
}

std::string rfc2822_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  // Twilio's names are English whatever the locale; strftime's %a and %b
  // would follow LC_TIME.
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

} // namespace sb
