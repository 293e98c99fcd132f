// Sample-rate conversion of mono PCM through libsoxr (its one-shot API at
// the high-quality recipe): engines produce 16–48 kHz audio, the phone
// network carries 8 kHz. Pure function on memory, thread-safe.
#pragma once

#include <caf/expected.hpp>

#include "backends/audio/audio_format.hpp"

namespace sb {

/// Converts `in` to `out_rate` Hz with soxr's SOXR_HQ recipe (band-limited,
/// so content above the new Nyquist frequency is filtered out rather than
/// aliased), without dither so the result is deterministic. The output has
/// about in.samples.size() * out_rate / in.sample_rate samples; values are
/// clipped to the int16 range. Matching rates return a copy; an empty input
/// returns empty samples at `out_rate`.
/// Errors: errc::bad_request when a rate is <= 0 or above max_sample_rate;
/// errc::backend_failed with soxr's message when soxr fails.
caf::expected<pcm_audio> resample(const pcm_audio& in, int out_rate);

} // namespace sb
