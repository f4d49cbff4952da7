// Live updates without reload: Server-Sent Events from /live/stream (inbox/live), then the server-rendered
// parts that changed are fetched and swapped in by their ids (works with plain pages and htmx views alike).
// No inline script anywhere (CSP script-src 'self'); all citizen content arrives as server-escaped HTML.
(() => {
  const script = document.currentScript || document.querySelector("script[data-stream]");
  if (!script || !window.EventSource || !window.fetch) return;
  const STREAM = script.dataset.stream;
  const SINCE = script.dataset.since || "";
  const CSRF = script.dataset.csrf || "";
  // Events that move a conversation to the top of "Neueste Aktivität".
  const BUMPS = new Set(["conversation.opened", "message.received", "conversation.reopened", "message.replied"]);
  const running = new Map();
  const GATHER_MS = 30;
  let fresh = 0;

  function stylesheet() {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = script.src.replace(/live\.js(\?.*)?$/, "live.css");
    document.head.append(link);
  }

  // One task per key at a time; events arriving meanwhile run it once more afterwards (no stale result wins).
  // A short wait first gathers the events one commit brings (a new conversation and its message) into one fetch.
  function coalesce(key, task) {
    const state = running.get(key);
    if (state) { state.again = true; return; }
    const mine = { again: false };
    running.set(key, mine);
    const run = () => task().catch((err) => console.warn("live update failed", err)).finally(() => {
      if (mine.again) { mine.again = false; run(); } else running.delete(key);
    });
    setTimeout(() => { mine.again = false; run(); }, GATHER_MS);
  }

  async function fetchPage(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "mitreden-live" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  function adopt(node) { return document.importNode(node, true); }

  // ---- inbox rows -------------------------------------------------------------------------------------------
  function listOnTop() {
    const params = new URLSearchParams(location.search);
    return (params.get("page") || "1") === "1" && (params.get("sort") || "recent") === "recent";
  }

  async function refreshRow(id, kind) {
    const list = document.querySelector("[data-live-list]");
    const empty = document.querySelector("[data-live-empty]");
    if (!list && !empty) return;
    const doc = await fetchPage(`/inbox/rows/${id}?${new URLSearchParams(location.search)}`);
    const row = doc.getElementById(`conv-${id}`);
    const old = document.getElementById(`conv-${id}`);
    if (!row) { if (old) old.remove(); return; }
    const node = adopt(row);
    node.classList.add("live-fresh");
    setTimeout(() => node.classList.remove("live-fresh"), 3000);
    if (old) {
      if (list && BUMPS.has(kind) && listOnTop()) { old.remove(); list.prepend(node); } else old.replaceWith(node);
    } else if (!listOnTop()) {
      announceNew();
    } else if (list) {
      list.prepend(node);
    } else {
      const freshList = doc.querySelector("[data-live-list]");
      const table = freshList && (freshList.closest("table") || freshList);
      if (table) empty.replaceWith(adopt(table));
    }
  }

  // Sorted by urgency or on a later page, a new row's place is the server's to decide: offer a reload.
  function announceNew() {
    fresh += 1;
    let note = document.getElementById("live-new");
    if (!note) {
      note = document.createElement("p");
      note.id = "live-new";
      note.className = "live-new";
      note.setAttribute("role", "status");
      const anchor = document.querySelector("[data-live-list]") || document.querySelector("[data-live-empty]");
      (anchor.closest("table") || anchor).before(note);
    }
    const link = document.createElement("a");
    link.href = location.href;
    link.textContent = `${fresh} ${fresh === 1 ? "neue Unterhaltung" : "neue Unterhaltungen"} – anzeigen`;
    note.replaceChildren(link);
  }

  // ---- the open conversation --------------------------------------------------------------------------------
  function openConversation() {
    const history = document.getElementById("history");
    return history && Number(history.dataset.conversation);
  }

  // A part the user is typing in is swapped once they leave it, not under their fingers.
  function busy(part) {
    const active = document.activeElement;
    if (active && part.contains(active) && active.matches("input, textarea, select")) return true;
    return [...part.querySelectorAll("textarea")].some((area) => area.value !== area.defaultValue);
  }

  async function refreshConversation(id) {
    const doc = await fetchPage(`/conversations/${id}`);
    for (const part of document.querySelectorAll("[data-live-part][id]")) {
      const next = doc.getElementById(part.id);
      if (!next) continue;
      if (busy(part)) {
        part.addEventListener("focusout", () => coalesce("conversation", () => refreshConversation(id)), { once: true });
        continue;
      }
      part.replaceWith(adopt(next));
    }
  }

  // ---- notifications ----------------------------------------------------------------------------------------
  function toasts() {
    let box = document.getElementById("live-toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-toasts";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.append(box);
    }
    return box;
  }

  function toast(text, link) {
    const item = document.createElement("div");
    item.className = "live-toast";
    const body = document.createElement(link ? "a" : "span");
    body.textContent = text;
    if (link && link.startsWith("/") && !link.startsWith("//")) body.href = link;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "link";
    close.textContent = "Schließen";
    close.addEventListener("click", () => item.remove());
    item.append(body, close);
    toasts().append(item);
    setTimeout(() => item.remove(), 15000);
  }

  function countUnread() {
    const nav = document.getElementById("nav-notifications");
    if (!nav) return;
    let badge = nav.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      nav.append(" ", badge);
    }
    const count = (parseInt(badge.textContent, 10) || 0) + 1;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", `${count} ungelesen`);
  }

  // ---- colleagues' presence on the open conversation --------------------------------------------------------
  const present = new Map(); // user id -> { name, viewingUntil, typingUntil } (ms)
  let presenceTimer = null;
  let lastTyping = 0;

  function presenceBox() {
    let box = document.getElementById("live-presence");
    const history = document.getElementById("history");
    if (!box && history) {
      box = document.createElement("div");
      box.id = "live-presence";
      box.className = "live-presence";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      history.before(box);
    }
    return box;
  }

  function notePresence(p) {
    const now = Date.now();
    if (!p.viewing) present.delete(p.user);
    else present.set(p.user, { name: p.name, viewingUntil: now + p.viewing * 1000, typingUntil: now + p.typing * 1000 });
    renderPresence();
  }

  function renderPresence() {
    const box = presenceBox();
    if (!box) return;
    const now = Date.now();
    const lines = [];
    for (const [user, p] of present) {
      if (p.viewingUntil <= now) { present.delete(user); continue; }
      const line = document.createElement("p");
      line.textContent = p.typingUntil > now ? `${p.name} schreibt gerade` : `${p.name} hat diese Unterhaltung geöffnet`;
      lines.push(line);
    }
    box.replaceChildren(...lines);
    clearTimeout(presenceTimer);
    if (present.size) presenceTimer = setTimeout(renderPresence, 1000);
  }

  async function reportPresence(state) {
    const id = openConversation();
    if (!id) return;
    const body = new FormData();
    body.append("csrf_token", CSRF);
    body.append("state", state);
    const url = `/conversations/${id}/presence`;
    if (state === "left") { navigator.sendBeacon(url, body); return; }
    const response = await fetch(url, { method: "POST", body, credentials: "same-origin" });
    if (!response.ok) return;
    for (const other of (await response.json()).others) notePresence(other);
  }

  function startPresence() {
    if (!openConversation()) return;
    const report = (state) => reportPresence(state).catch((err) => console.warn("presence not reported", err));
    report("viewing");
    // Well within the server's viewing_seconds ([live] in config/default.toml, 45 s): a page open stays "geöffnet".
    setInterval(() => { if (document.visibilityState === "visible") report("viewing"); }, 15000);
    document.addEventListener("input", (ev) => {
      if (!ev.target.matches("#reply-text, #note-text, [data-live-composer]")) return;
      const now = Date.now();
      if (now - lastTyping > 3000) { lastTyping = now; report("typing"); }
    });
    window.addEventListener("pagehide", () => report("left"));
    document.addEventListener("live:presence", (ev) => {
      if (ev.detail.conversation === openConversation()) notePresence(ev.detail);
    });
  }

  // ---- connection -------------------------------------------------------------------------------------------
  function status(text) {
    let line = document.getElementById("live-status");
    if (!line) {
      line = document.createElement("p");
      line.id = "live-status";
      line.setAttribute("role", "status");
      document.body.append(line);
    }
    line.textContent = text;
    line.hidden = !text;
  }

  function handle(data) {
    if (data.kind === "notification") { toast(data.text, data.link); countUnread(); return; }
    if (data.kind === "presence") { document.dispatchEvent(new CustomEvent("live:presence", { detail: data })); return; }
    const id = data.conversation;
    if (!id) return;
    coalesce(`row-${id}`, () => refreshRow(id, data.kind));
    if (openConversation() === id) coalesce("conversation", () => refreshConversation(id));
  }

  function connect() {
    // On a reconnect the browser sends Last-Event-ID itself; the stream then catches up from there.
    const source = new EventSource(SINCE ? `${STREAM}?since=${encodeURIComponent(SINCE)}` : STREAM);
    let warning = null;
    source.addEventListener("open", () => {
      clearTimeout(warning);
      warning = null;
      status("");
      document.documentElement.dataset.live = "verbunden";
    });
    source.addEventListener("error", () => {
      document.documentElement.dataset.live = "getrennt";
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(warning);
        status("Live-Aktualisierung beendet. Bitte laden Sie die Seite neu.");
        return;
      }
      // A stream that ends on schedule is back within a second: only a longer gap is worth a word.
      warning = warning || setTimeout(
        () => status("Verbindung unterbrochen – Änderungen erscheinen, sobald sie wieder steht."), 2000);
    });
    source.addEventListener("message", (ev) => {
      try { handle(JSON.parse(ev.data)); } catch (err) { console.warn("live event not understood", err); }
    });
    return source;
  }

  window.mitredenLive = { csrf: CSRF, openConversation };
  stylesheet();
  connect();
  startPresence();
})();
