// stream_resampler over soxr_create/soxr_process. soxr writes into a
// buffer we size from the rate ratio; it never writes more than asked, and
// what does not fit stays inside it until the next call, so the loops
// below run until soxr has nothing more to give.
#include "backends/audio/stream_resampler.hpp"

#include <string>

#include <soxr.h>

#include "backends/audio/audio_format.hpp"
#include "core/error.hpp"

namespace sb {

namespace {

bool usable_rate(int rate) {
  return rate > 0 && rate <= max_sample_rate;
}

caf::error soxr_failed(const char* what, soxr_error_t err) {
  return make_error(errc::backend_failed,
                    std::string("stream_resampler: ") + what + ": " + err);
}

// Room for `in` samples' worth of output, and some for soxr's rounding.
size_t out_room(size_t in, int in_rate, int out_rate) {
  return static_cast<size_t>(static_cast<double>(in) * out_rate / in_rate) + 64;
}

} // namespace

void stream_resampler::soxr_deleter::operator()(soxr* s) const {
  soxr_delete(s);
}

stream_resampler::stream_resampler(int in_rate, int out_rate, soxr* s)
  : in_rate_(in_rate), out_rate_(out_rate), soxr_(s) {
}

stream_resampler::stream_resampler(stream_resampler&&) noexcept = default;
stream_resampler&
stream_resampler::operator=(stream_resampler&&) noexcept = default;
stream_resampler::~stream_resampler() = default;

caf::expected<stream_resampler> stream_resampler::create(int in_rate,
                                                         int out_rate) {
  if (!usable_rate(in_rate) || !usable_rate(out_rate))
    return make_error(errc::bad_request,
                      "stream_resampler: unusable sample rate "
                        + std::to_string(in_rate) + " -> "
                        + std::to_string(out_rate));
  if (in_rate == out_rate)
    return stream_resampler{in_rate, out_rate, nullptr};
  // The same recipe as resample() (audio_resampler.cpp).
  auto io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
  io.flags |= SOXR_NO_DITHER;
  const auto quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t err = nullptr;
  soxr* s = soxr_create(in_rate, out_rate, 1, &err, &io, &quality, nullptr);
  if (err || !s) {
    soxr_delete(s);
    return soxr_failed("create", err ? err : "no resampler");
  }
  return stream_resampler{in_rate, out_rate, s};
}

caf::error stream_resampler::process(const int16_t* in, size_t size,
                                     std::vector<int16_t>& out) {
  if (!soxr_) {
    out.insert(out.end(), in, in + size);
    return {};
  }
  const size_t room = out_room(size, in_rate_, out_rate_);
  size_t consumed = 0;
  while (true) {
    const size_t at = out.size();
    out.resize(at + room);
    size_t idone = 0;
    size_t odone = 0;
    soxr_error_t err = soxr_process(soxr_.get(), in + consumed, size - consumed,
                                    &idone, out.data() + at, room, &odone);
    out.resize(at + odone);
    if (err)
      return soxr_failed("process", err);
    consumed += idone;
    // Done once soxr took every input sample and did not fill the room
    // (a full buffer may mean more output is waiting).
    if (consumed >= size && odone < room)
      return {};
    if (idone == 0 && odone == 0)
      return {};
  }
}

caf::error stream_resampler::flush(std::vector<int16_t>& out) {
  if (!soxr_)
    return {};
  const size_t room = out_room(4096, in_rate_, out_rate_);
  while (true) {
    const size_t at = out.size();
    out.resize(at + room);
    size_t odone = 0;
    // No input (a null pointer) tells soxr that the stream has ended: it
    // drains its delay line, then returns 0 samples.
    soxr_error_t err = soxr_process(soxr_.get(), nullptr, 0, nullptr,
                                    out.data() + at, room, &odone);
    out.resize(at + odone);
    if (err)
      return soxr_failed("flush", err);
    if (odone == 0)
      break;
  }
  soxr_error_t err = soxr_clear(soxr_.get());
  if (err)
    return soxr_failed("clear", err);
  return {};
}

} // namespace sb
