// What a speech-recognition server answered, read into a transcript: the
// part of the HTTP engines (stt_http.hpp) that takes bytes from outside,
// kept pure so it is tested and fuzzed on its own. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "backends/stt/stt_recognizer.hpp"

namespace sb {

/// Reads an answer of whisper.cpp's /inference or an OpenAI-style
/// /v1/audio/transcriptions: `verbose_json` (text, language, segments),
/// `json` ({"text": ...}) or text (whisper.cpp types it text/html, OpenAI
/// text/plain), told apart by `content_type` and, for an untyped body,
/// by a leading '{'. The text is trimmed. Segments whose no_speech_prob is
/// above `no_speech_threshold` are dropped from the text (whisper invents
/// words on silence); confidence is exp(mean avg_logprob of the kept
/// segments) clamped to 0..1, or -1 without segments; the language is the
/// server's, or empty. `where` ("POST <url>") starts every error.
/// Errors: errc::backend_failed for a status outside 2xx (with the start
/// of the body, quoted), a body that is not JSON, a JSON value without a
/// "text" string, or an unknown Content-Type.
caf::expected<stt_transcript>
read_stt_answer(long status, std::string_view content_type,
                std::string_view body, const std::string& where,
                double no_speech_threshold);

} // namespace sb
