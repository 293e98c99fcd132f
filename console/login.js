// The login page: trades the operator's admin token for a session cookie
// (POST /api/login), then goes where the operator was headed (?next=),
// which must be a path on this console, never another site.
import { api_error, post_json } from "./api.js";
import { $, mark_ready, show_error } from "./dom.js";

/// ?next= when it is a local path ("/calls?x", not "//evil" or "http:"),
/// else the call list.
function next_page() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/calls";
}

async function log_in(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const button = $("button[type=submit]", form);
  button.disabled = true;
  show_error("");
  try {
    await post_json("/api/login", { token: form.elements.token.value });
    location.assign(next_page());
  } catch (error) {
    if (error instanceof api_error && error.status === 401) {
      show_error("That token is not the admin token.");
    } else if (error instanceof api_error && error.status === 429) {
      const wait = error.retry_after ? ` Try again in ${error.retry_after} s.` : "";
      show_error(`Too many failed logins from this address.${wait}`);
    } else {
      show_error(`Login failed: ${error.message}`);
    }
    button.disabled = false;
  }
}

$("form[data-login]").addEventListener("submit", log_in);
$("#token").focus();
mark_ready();
