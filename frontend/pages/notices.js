// The unread-notification badge in the header, kept current while a page stays open: the count is read
// from the server (any app node: notifications live in the database) every 30 s while the tab is visible.
const link = document.querySelector("a.notices[data-count-url]");
if (link) start(link);

function start(link) {
  const every = 30000;
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(refresh, every);
  };
  async function refresh() {
    try {
      const response = await fetch(link.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok && (response.headers.get("Content-Type") || "").includes("json")) show(link, (await response.json()).unread);
    } catch (error) {
      // offline or the server restarting: keep the last count and try again later
    }
    schedule();
  }
  document.addEventListener("visibilitychange", () => (document.hidden ? clearTimeout(timer) : refresh()));
  schedule();
}

function show(link, unread) {
  let badge = link.querySelector(".badge-unread");
  if (!unread) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "badge badge-unread";
    link.append(" ", badge);
  }
  const shown = unread > 99 ? "99+" : String(unread);     // as the server renders it
  badge.textContent = shown;
  badge.setAttribute("aria-label", link.dataset.unreadLabel.replace("0", shown));
}
