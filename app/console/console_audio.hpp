// Which file a turn's audio column may be served from, and the WAV the
// console plays for it. turns.audio holds an audio-cache id (assistant
// turns of <Gather> calls: the produced reply), several ids separated by
// spaces (assistant turns of media calls: the clauses the caller heard, in
// order), or a path (user turns of a media call: the caller's utterance,
// with media.keep_caller_audio); the console serves a file only when it
// resolves to a regular file inside the TTS cache or the caller-audio
// folder, so a row that names any other file serves nothing.
#pragma once

#include <optional>
#include <string>

namespace sb {

/// The real path to read, or nullopt. Touches the filesystem (realpath,
/// stat): call it off the I/O threads.
std::optional<std::string> turn_audio_file(const std::string& audio,
                                           const std::string& tts_cache_dir,
                                           const std::string& caller_audio_dir);

/// The WAV to play for `audio`: the one file's bytes, or, for several
/// clause ids, their audio joined into one 8 kHz μ-law WAV. nullopt when a
/// part is missing, unreadable or not allowed. Reads files: call it off the
/// I/O threads.
std::optional<std::string> turn_audio_wav(const std::string& audio,
                                          const std::string& tts_cache_dir,
                                          const std::string& caller_audio_dir);

} // namespace sb
