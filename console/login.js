// The login page: trades the admin token for a session cookie, then goes
// to the call list.
const form = document.querySelector("[data-login]");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch("/api/login", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Requested-By": "switchboard-console",
    },
    body: JSON.stringify({ token: form.elements.token.value }),
  });
  if (response.ok) {
    location.assign("/calls");
    return;
  }
  const error = document.querySelector("[data-error]");
  error.textContent = (await response.json()).error;
  error.hidden = false;
});
