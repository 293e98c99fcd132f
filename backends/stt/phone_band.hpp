// Whether 16 kHz audio came through the phone network: telephone audio is
// band-limited below 4 kHz (8 kHz sampling), so once resampled to 16 kHz
// the band above it is all but empty, while wideband speech always has
// some energy there (fricatives, breath, room noise). pocketsphinx's
// en-us model was trained on wideband speech, and its features of
// phone audio start far from the model's cepstral mean: the recogniser
// picks its starting point with this. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sb {

/// The share of the energy of `samples` (16 kHz) above about 4.7 kHz,
/// 0..1, through a 127-tap Blackman-windowed-sinc high-pass; -1 when the
/// audio is too short (under 127 samples) or digital silence.
double high_band_share(const int16_t* samples, size_t count);

/// The share below which audio counts as phone-band: -47 dB. Measured on
/// the first 0.3 s of pocketsphinx-testdata's recordings: wideband -43 dB
/// and up (its LibriVox sentences, from 64 kbit/s MP3, -43 to -31 dB; the
/// others -25 to -17 dB); the same through the phone path (8 kHz, mu-law,
/// back up with soxr) -51 dB and below.
constexpr double phone_band_share = 2e-5;

/// high_band_share within [0, phone_band_share).
bool is_phone_band(const int16_t* samples, size_t count);

} // namespace sb
