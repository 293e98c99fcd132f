// A multipart/form-data request body (RFC 7578), as the HTTP speech
// recognisers send their audio: text fields and one file, each a part with
// a Content-Disposition name (and filename for a file). The boundary is
// chosen when the body is built, so that it occurs in no part. Pure, on
// memory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sb {

class multipart_body {
public:
  /// Adds a text field. `name` is ASCII without '"', CR or LF (they are
  /// replaced by '_'); `value` is sent as it is (UTF-8 text).
  void add_field(std::string_view name, std::string_view value);

  /// Adds a file part: `name` and `filename` as for add_field, the bytes
  /// typed `content_type` ("audio/wav").
  void add_file(std::string_view name, std::string_view filename,
                std::string_view content_type, std::string_view bytes);

  /// The whole body, and the Content-Type naming its boundary
  /// ("multipart/form-data; boundary=..."). The boundary is 24 random
  /// alphanumerics after a fixed prefix, drawn again until no part holds
  /// it. Call build() first; content_type() is then valid.
  std::string build();
  const std::string& content_type() const {
    return content_type_;
  }

private:
  struct part {
    std::string head; // the part's header lines, CRLF-terminated
    std::string body;
  };
  std::vector<part> parts_;
  std::string content_type_;
};

} // namespace sb
