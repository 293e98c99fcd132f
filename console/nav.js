// The top navigation every signed-in page shares: marks the current
// page's link and makes the Log out button end the session.
import { post_json } from "./api.js";

/// Wires the nav of the page whose <main> carries data-page.
export function start_nav() {
  const page = document.querySelector("main")?.dataset.page;
  for (const link of document.querySelectorAll("nav [data-nav-page]")) {
    const current = link.dataset.navPage === page || (page === "call" && link.dataset.navPage === "calls");
    if (current) link.setAttribute("aria-current", "page");
  }
  const logout = document.querySelector("[data-action=logout]");
  logout?.addEventListener("click", async () => {
    logout.disabled = true;
    try {
      await post_json("/api/logout");
    } finally {
      location.assign("/login");
    }
  });
}
