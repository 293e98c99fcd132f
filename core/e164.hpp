// Phone numbers as Twilio dials them.
#pragma once

#include <string_view>

namespace sb {

/// True for E.164: '+', a non-zero digit, then 1..14 more digits.
bool is_e164(std::string_view number);

} // namespace sb
