// A message of a conversation as a language model sees it: the one type the
// LLM backends (backends/) and the actors both speak.
#pragma once

#include <string>

namespace sb {

struct chat_message {
  std::string role; // system | user | assistant
  std::string content;
};

} // namespace sb
