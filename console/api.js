// The console's one way to reach the daemon's /api/*: fetch with the
// session cookie and the X-Requested-By header every state-changing route
// needs (the CSRF check), JSON both ways, and the answer to a lost
// session: a 401 sends the page to /login?next=<this page>, so the
// operator comes back where they were after logging in.

const requested_by = "switchboard-console";

/// An answer other than 2xx: `status` and the daemon's {"error": text}.
export class api_error extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/// /login?next=... for the current page (path and query).
export function login_url() {
  const next = location.pathname + location.search;
  return `/login?next=${encodeURIComponent(next)}`;
}

// Never settles: the page is leaving for the login, and nothing after the
// await should render a half page or an error meanwhile.
function leave_for_login() {
  location.assign(login_url());
  return new Promise(() => {});
}

async function request(method, path, body) {
  const headers = { "X-Requested-By": requested_by, Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401 && path !== "/api/login") return leave_for_login();
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) data = await response.json();
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    const error = new api_error(response.status, message);
    error.retry_after = response.headers.get("Retry-After");
    throw error;
  }
  return data;
}

/// GET `path` (with its query); resolves to the JSON answer.
export function get_json(path) {
  return request("GET", path);
}

/// POST `body` as JSON to `path`; resolves to the JSON answer.
export function post_json(path, body = {}) {
  return request("POST", path, body);
}

/// `params` (an object or URLSearchParams) as a query string without the
/// empty values, "" or "?a=1&b=2".
export function query_string(params) {
  const kept = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [key, value] of entries) {
    if (value !== null && value !== undefined && value !== "") kept.append(key, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : "";
}
