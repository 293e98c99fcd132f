// switchboard-sim's command line: one call (utterances as arguments or a
// --script file) or `load` (many calls at once). Parsing is pure, so the
// tests check it without running anything; --help texts live here too.
#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_load.hpp"
#include "cli/sim/sim_media.hpp"
#include "cli/sim/sim_relay.hpp"

namespace sb {

enum class sim_mode { call, load };

struct sim_args {
  sim_mode mode = sim_mode::call;
  bool help = false;
  // One call.
  sim_call_options call;
  std::vector<std::string> utterances;
  std::string script_path; // empty: the utterances (load: the default)
  relay_sim_options relay; // call.transport relay: interrupt_after_tokens
  media_sim_options media; // transport media: reply_quiet, heard_path
  // Load.
  load_options load;   // load.transport media: media.reply_quiet and
                       // script_path apply too
  std::string db_path; // empty: no database check
  bool json = false;
  // Options given that only one kind of call takes, for the check that
  // the transport fits them: --reply-quiet, --heard (media); --turns,
  // --db, --fetch-audio (load over <Gather>).
  std::vector<std::string> media_options_given;
  std::vector<std::string> gather_options_given;
};

extern const char* const sim_usage;
extern const char* const load_usage;

/// Parses the arguments after the program name. Errors: errc::bad_request
/// naming the option and why (unknown option, missing or bad value, a
/// combination that cannot work).
caf::expected<sim_args> parse_sim_args(const std::vector<std::string>& args);

} // namespace sb
