// The high-pass is a Blackman-windowed sinc low-pass subtracted from a
// delayed impulse, made once; the share is the filtered energy over the
// input's energy, over the samples the filter fully covers.
#include "backends/stt/phone_band.hpp"

#include <array>
#include <cmath>

namespace sb {

namespace {

constexpr int taps = 127;
constexpr double cutoff = 4700.0 / 16000.0; // cycles per sample

std::array<double, taps> make_high_pass() {
  constexpr double pi = 3.14159265358979323846;
  constexpr int mid = taps / 2;
  std::array<double, taps> h{};
  for (int n = 0; n < taps; ++n) {
    const int k = n - mid;
    const double sinc = k == 0 ? 2 * cutoff
                               : std::sin(2 * pi * cutoff * k) / (pi * k);
    const double window = 0.42 - 0.5 * std::cos(2 * pi * n / (taps - 1))
                          + 0.08 * std::cos(4 * pi * n / (taps - 1));
    h[static_cast<size_t>(n)] = -sinc * window;
  }
  h[mid] += 1.0;
  return h;
}

} // namespace

double high_band_share(const int16_t* samples, size_t count) {
  static const auto h = make_high_pass();
  if (count < taps)
    return -1;
  double total = 0, high = 0;
  for (size_t i = taps - 1; i < count; ++i) {
    double y = 0;
    for (size_t k = 0; k < taps; ++k)
      y += h[k] * samples[i - k];
    const double x = samples[i - taps / 2];
    high += y * y;
    total += x * x;
  }
  return total > 0 ? high / total : -1;
}

bool is_phone_band(const int16_t* samples, size_t count) {
  const double share = high_band_share(samples, count);
  return share >= 0 && share < phone_band_share;
}

} // namespace sb
