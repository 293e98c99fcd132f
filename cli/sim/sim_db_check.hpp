// After a load run: were all the turns the daemon acknowledged written to
// its SQLite file? Every /voice/process-speech answered 200 must have left
// the caller's words (a `user` turn with exactly that content) and an
// `assistant` turn for that call. The file is opened read-only, so this can
// run beside the daemon (WAL mode) and never changes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sb {

/// What one call sent: the utterances the daemon answered with 200.
struct sent_call {
  std::string call_sid;
  std::vector<std::string> said;
};

struct db_check_result {
  int64_t expected = 0; // turn rows that must be there (2 per utterance)
  int64_t lost = 0;     // of those, missing
  std::string error;    // the file could not be read: every row counts lost
  std::vector<std::string> examples; // a few missing ones, for the report
};

/// Checks `calls` against the turns table of the database at `path`.
/// Extra rows (a greeting, turns of other calls) are not counted.
db_check_result check_turns(const std::string& path,
                            const std::vector<sent_call>& calls);

} // namespace sb
