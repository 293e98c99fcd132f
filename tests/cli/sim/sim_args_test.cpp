// Tests for cli/sim/sim_args and cli/sim/sim_webhook: switchboard-sim's command
// line (single call and load), the errors a bad option gets, and how URLs
// from TwiML become request-targets and route names.
#include "cli/sim/sim_args.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli/sim/sim_webhook.hpp"
#include "core/error.hpp"
#include "twilio/twilio_signature.hpp"

namespace {

std::string error_of(const std::vector<std::string>& args) {
  auto parsed = sb::parse_sim_args(args);
  REQUIRE_FALSE(parsed);
  return sb::what(parsed.error());
}

} // namespace

TEST_CASE("a single call's options and utterances", "[sim_args]") {
  auto a = sb::parse_sim_args(
    {"--url", "http://127.0.0.1:9/", "--auth-token", "tok", "--outbound",
     "--amd-result", "machine_start", "--status-callbacks", "--recording",
     "--confidence", "0.5", "hello", "-5 degrees"});
  REQUIRE(a);
  CHECK(a->mode == sb::sim_mode::call);
  CHECK(a->call.base_url == "http://127.0.0.1:9");
  CHECK(a->call.auth_token == "tok");
  CHECK(a->call.outbound);
  CHECK(a->call.amd_result == "machine_start");
  CHECK(a->call.status_callbacks);
  CHECK(a->call.recording);
  CHECK(a->call.confidence == Approx(0.5));
  CHECK(a->utterances == std::vector<std::string>{"hello", "-5 degrees"});
}

TEST_CASE("load options", "[sim_args]") {
  auto a = sb::parse_sim_args({"load", "--calls", "60", "--concurrency", "30",
                               "--turns", "0", "--no-complete", "--db", "x.db",
                               "--json", "--threads", "2", "--timeout-ms",
                               "500", "--fetch-audio", "--outbound"});
  REQUIRE(a);
  CHECK(a->mode == sb::sim_mode::load);
  CHECK(a->load.calls == 60);
  CHECK(a->load.concurrency == 30);
  CHECK(a->load.turns == 0);
  CHECK_FALSE(a->load.complete);
  CHECK(a->db_path == "x.db");
  CHECK(a->json);
  CHECK(a->load.threads == 2);
  CHECK(a->load.timeout.count() == 500);
  CHECK(a->load.fetch_audio);
  CHECK(a->load.outbound);
}

TEST_CASE("the --help option in either mode", "[sim_args]") {
  auto a = sb::parse_sim_args({"load", "--calls", "5", "--help"});
  REQUIRE(a);
  CHECK(a->help);
  CHECK(a->mode == sb::sim_mode::load);
  auto b = sb::parse_sim_args({"-h"});
  REQUIRE(b);
  CHECK(b->help);
  CHECK(std::string{sb::load_usage}.find("--concurrency C")
        != std::string::npos);
  CHECK(std::string{sb::sim_usage}.find("digits 1234#") != std::string::npos);
}

TEST_CASE("bad options name themselves", "[sim_args]") {
  CHECK(error_of({"--bogus"}) == "unknown option --bogus");
  CHECK(error_of({"--url"}) == "--url: needs a value");
  CHECK(error_of({"--confidence", "1.5"}).find("--confidence: ") == 0);
  CHECK(error_of({"--amd-result", "human"}).find("--amd-result: ") == 0);
  CHECK(error_of({"--outbound", "--amd-result", "robot"})
          .find("--amd-result: 'robot'")
        == 0);
  CHECK(error_of({"--script", "a.txt", "hello"}).find("--script: ") == 0);
  CHECK(error_of({"load", "--calls", "0"})
          .find("--calls: expected a whole number from 1")
        == 0);
  CHECK(error_of({"load", "--turns", "-1"}).find("--turns: ") == 0);
  CHECK(error_of({"load", "--script", "x"})
        == "load: --script: needs --transport media (gather calls say --turns "
           "phrases)");
  CHECK(error_of({"load", "hello"}) == "load: unexpected argument 'hello'");
}

TEST_CASE("url_target keeps path and query, drops origin and fragment",
          "[sim_webhook]") {
  CHECK(sb::url_target("https://voice.example.com/voice/await?turn=2")
        == "/voice/await?turn=2");
  CHECK(sb::url_target("http://127.0.0.1:8000/voice/process-speech#rc=2")
        == "/voice/process-speech");
  CHECK(sb::url_target("http://host") == "/");
  CHECK(sb::url_target("http://host?x=1") == "/?x=1");
  CHECK(sb::url_target("/call-status") == "/call-status");
  CHECK(sb::url_target("voice/await?turn=1") == "/voice/await?turn=1");
}

TEST_CASE("route_of_target names the daemon's routes", "[sim_webhook]") {
  CHECK(sb::route_of_target("/voice/await?turn=3") == "await");
  CHECK(sb::route_of_target("/voice/process-speech") == "process-speech");
  CHECK(sb::route_of_target("/audio/abc.wav") == "audio");
  CHECK(sb::route_of_target("/call-status") == "call-status");
  CHECK(sb::route_of_target("/elsewhere?x") == "/elsewhere");
}

TEST_CASE("webhooks are signed over the public URL", "[sim_webhook]") {
  sb::sim_party party;
  party.call_sid = "CA00000000000000000000000000000001";
  auto params = sb::twilio_standard_params(party, "ringing");
  CHECK(sb::param_or(params, "Direction") == "inbound");
  CHECK(sb::param_or(params, "ApiVersion") == "2010-04-01");
  auto sig = sb::sign_webhook("tok", "https://pub.example", "/voice/inbound",
                              params);
  CHECK(sig.size() == 28);
  CHECK(sb::validate_twilio_signature(
    "tok", "https://pub.example/voice/inbound", params, sig));
  CHECK_FALSE(sb::validate_twilio_signature(
    "tok", "http://127.0.0.1:8000/voice/inbound", params, sig));
}

TEST_CASE("random SIDs and Twilio dates have Twilio's shape", "[sim_webhook]") {
  auto sid = sb::random_sid("RE");
  CHECK(sid.size() == 34);
  CHECK(sid.compare(0, 2, "RE") == 0);
  auto date = sb::rfc2822_now(); // "Wed, 25 Nov 2026 02:30:12 +0000"
  CHECK(date.size() == 31);
  CHECK(date.substr(date.size() - 6) == " +0000");
  CHECK(date[3] == ',');
}

TEST_CASE("the --transport and --interrupt-after options", "[sim_args]") {
  auto plain = sb::parse_sim_args({"hello"});
  REQUIRE(plain);
  CHECK(plain->call.transport == sb::sim_transport::gather);
  CHECK(plain->relay.interrupt_after_tokens == 0);
  auto relay = sb::parse_sim_args(
    {"--transport", "relay", "--interrupt-after", "3", "hello", "bye"});
  REQUIRE(relay);
  CHECK(relay->call.transport == sb::sim_transport::relay);
  CHECK(relay->relay.interrupt_after_tokens == 3);
  CHECK(relay->utterances == std::vector<std::string>{"hello", "bye"});
  // The order of the options does not matter.
  auto later = sb::parse_sim_args(
    {"--interrupt-after", "1", "--transport", "relay"});
  REQUIRE(later);
  CHECK(later->relay.interrupt_after_tokens == 1);
  auto gather = sb::parse_sim_args({"--transport", "gather"});
  REQUIRE(gather);
  CHECK(gather->call.transport == sb::sim_transport::gather);
  auto load = sb::parse_sim_args({"load", "--transport", "gather"});
  REQUIRE(load);
  CHECK(load->mode == sb::sim_mode::load);
  std::string usage = sb::sim_usage;
  CHECK(usage.find("--transport T") != std::string::npos);
  CHECK(usage.find("--interrupt-after N") != std::string::npos);
}

TEST_CASE("bad --transport and --interrupt-after name themselves",
          "[sim_args]") {
  CHECK(error_of({"--transport", "stream"})
        == "--transport: expected gather, relay or media, not 'stream'");
  CHECK(error_of({"--transport"}) == "--transport: needs a value");
  CHECK(error_of({"--interrupt-after", "2", "hello"})
        == "--interrupt-after: needs --transport relay");
  CHECK(error_of({"--transport", "gather", "--interrupt-after", "2"})
        == "--interrupt-after: needs --transport relay");
  CHECK(error_of({"--transport", "relay", "--interrupt-after", "0"})
          .find("--interrupt-after: expected a whole number from 1 to 100000")
        == 0);
  CHECK(error_of({"--transport", "relay", "--interrupt-after", "x"})
          .find("--interrupt-after: ")
        == 0);
  CHECK(error_of({"load", "--transport", "relay"})
        == "load: --transport relay is not supported: load mode plays the "
           "<Gather> webhooks or Media Streams");
  CHECK(error_of({"load", "--interrupt-after", "2"})
        == "load: unknown option --interrupt-after");
}

TEST_CASE("a media call's options", "[sim_args]") {
  auto a = sb::parse_sim_args({"--transport", "media", "--heard", "h.wav",
                               "--reply-quiet", "800", "--script", "c.txt"});
  REQUIRE(a);
  CHECK(a->call.transport == sb::sim_transport::media);
  CHECK(a->media.heard_path == "h.wav");
  CHECK(a->media.reply_quiet.count() == 800);
  CHECK(a->script_path == "c.txt");
  auto plain = sb::parse_sim_args({"--transport", "media", "hello"});
  REQUIRE(plain);
  CHECK(plain->media.heard_path.empty());
  CHECK(plain->media.reply_quiet.count() == 1200);
  std::string usage = sb::sim_usage;
  for (auto word : {"--heard FILE.wav", "--reply-quiet MS", "interrupt 1.5",
                    "wav FILE", "silence 3", "turn gap", "no clear"})
    CHECK(usage.find(word) != std::string::npos);
}

TEST_CASE("media options need --transport media", "[sim_args]") {
  CHECK(error_of({"--heard", "h.wav", "hello"})
        == "--heard: needs --transport media");
  CHECK(error_of({"--transport", "relay", "--reply-quiet", "500"})
        == "--reply-quiet: needs --transport media");
  CHECK(error_of({"--transport", "media", "--reply-quiet", "50"})
          .find("--reply-quiet: expected a whole number from 100 to 60000")
        == 0);
  CHECK(error_of({"--transport", "media", "--heard"})
        == "--heard: needs a value");
}

TEST_CASE("load over Media Streams", "[sim_args]") {
  auto a = sb::parse_sim_args({"load", "--transport", "media", "--calls", "300",
                               "--concurrency", "150", "--script", "c.txt",
                               "--reply-quiet", "900", "--json", "--ramp-ms",
                               "5000"});
  REQUIRE(a);
  CHECK(a->mode == sb::sim_mode::load);
  CHECK(a->load.transport == sb::sim_transport::media);
  CHECK(a->load.calls == 300);
  CHECK(a->load.concurrency == 150);
  CHECK(a->script_path == "c.txt");
  CHECK(a->media.reply_quiet.count() == 900);
  CHECK(a->json);
  CHECK(a->load.ramp.count() == 5000);
  auto plain = sb::parse_sim_args({"load", "--transport", "media"});
  REQUIRE(plain);
  CHECK(plain->script_path.empty());
  CHECK(plain->load.ramp.count() == 0);
  std::string usage = sb::load_usage;
  CHECK(usage.find("--transport T") != std::string::npos);
  CHECK(usage.find("late frames") != std::string::npos);
  CHECK(usage.find("--ramp-ms MS") != std::string::npos);
  CHECK(error_of({"load", "--ramp-ms", "600001"})
          .find("--ramp-ms: expected a whole number from 0 to 600000")
        == 0);
}

TEST_CASE("load options of one transport are refused with the other",
          "[sim_args]") {
  CHECK(error_of({"load", "--transport", "media", "--turns", "2"})
        == "load: --turns: not with --transport media (media calls say the "
           "--script)");
  CHECK(error_of({"load", "--db", "x.db", "--transport", "media"})
          .find("load: --db: not with --transport media")
        == 0);
  CHECK(error_of({"load", "--transport", "media", "--fetch-audio"})
          .find("load: --fetch-audio: not with")
        == 0);
  CHECK(error_of({"load", "--reply-quiet", "900"})
        == "load: --reply-quiet: needs --transport media");
  CHECK(error_of({"load", "--transport", "media", "--heard", "h.wav"})
        == "load: unknown option --heard");
}
