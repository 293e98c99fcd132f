// Cuts a model's streamed reply into pieces worth speaking on their own:
// ConversationRelay speaks each `text` frame as it arrives, so a frame per
// raw token would make the voice stumble, and waiting for the whole reply
// would lose the point of streaming. Tokens go in as the model produces
// them; a piece comes out as soon as it ends a sentence or a long enough
// clause. Pure, no I/O; not thread-safe (one per reply).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

class clause_chunker {
public:
  /// A clause (ending in , ; : or a dash) is cut only once the piece has
  /// `min_clause_bytes`; a piece with no boundary at all is cut at its last
  /// space once it passes `max_piece_bytes`.
  /// REQUIRES: 0 < min_clause_bytes <= max_piece_bytes.
  explicit clause_chunker(size_t min_clause_bytes = 24,
                          size_t max_piece_bytes = 160);

  /// Adds `token` (any piece of UTF-8, even a part of a sequence) and
  /// returns the pieces it completes, in order, each with its white space
  /// as received (so pieces concatenate back to the input). A sentence end
  /// (. ! ? । ॥) completes a piece at once, except a '.' after a digit,
  /// which waits for the next byte (3.5 is one number); a clause end
  /// completes it when white space follows.
  std::vector<std::string> push(std::string_view token);

  /// Whatever is left, possibly empty; the chunker is empty afterwards.
  std::string finish();

  /// Bytes received but not yet returned.
  size_t pending_bytes() const {
    return buffer_.size();
  }

private:
  // The end of the first complete piece in buffer_, or 0.
  size_t piece_end() const;

  size_t min_clause_bytes_;
  size_t max_piece_bytes_;
  std::string buffer_;
};

} // namespace sb
