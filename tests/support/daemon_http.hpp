// Requests from an end-to-end test to a running daemon_process over its
// public HTTP port, with the tools' http_client. Header-only.
#pragma once

#include <string>

#include <caf/expected.hpp>

#include "net/client/http_client.hpp"
#include "net/text/form.hpp"
#include "support/daemon_process.hpp"

namespace sb::test {

/// POSTs `params` form-encoded to `path` on `d`, unsigned (the daemon runs
/// with signature checks off unless the test turned them on). HTTP error
/// statuses are answers; transport errors as http_client::request.
inline caf::expected<client_response>
post_form(http_client& cl, const daemon_process& d, const std::string& path,
          const form_params& params) {
  return cl.post_form(d.base_url() + path, form_encode(params));
}

} // namespace sb::test
