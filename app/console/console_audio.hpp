// Which file a turn's audio column may be served from. turns.audio holds
// an audio-cache id (assistant turns: the produced reply) or a path (user
// turns of a media call: the caller's utterance, with
// media.keep_caller_audio); the console serves it only when it resolves
// to a regular file inside the TTS cache or the caller-audio folder, so a
// row that names any other file serves nothing.
#pragma once

#include <optional>
#include <string>

namespace sb {

/// The real path to read, or nullopt. Touches the filesystem (realpath,
/// stat): call it off the I/O threads.
std::optional<std::string> turn_audio_file(const std::string& audio,
                                           const std::string& tts_cache_dir,
                                           const std::string& caller_audio_dir);

} // namespace sb
