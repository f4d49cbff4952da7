// The workspace by keyboard, and focus after htmx swaps. No inline scripts (CSP); every page also works without
// this file: links and forms are plain, htmx only swaps the pane they belong to.
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const typing = (el) => el && (el.isContentEditable || el.matches("input, textarea, select"));
  const rows = () => $$("#conv-list a[data-row]");
  const visible = (el) => el && el.offsetParent !== null;

  function currentRow() {
    const active = rows().indexOf(document.activeElement);
    if (active >= 0) return active;
    const marked = $("#conv-list .conv-row[aria-current='true'] a[data-row]");
    return marked ? rows().indexOf(marked) : -1;
  }

  function move(step) {
    const list = rows();
    if (!list.length || !visible(list[0])) return;
    const at = currentRow();
    const next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), list.length - 1);
    list[next].focus();
  }

  function markOpen(link) {
    $$("#conv-list .conv-row[aria-current]").forEach((row) => row.removeAttribute("aria-current"));
    const row = link && link.closest(".conv-row");
    if (row) row.setAttribute("aria-current", "true");
  }

  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function backToList() {
    const wide = visible($("#list-pane"));
    if (wide) {
      const list = rows();
      const at = currentRow();
      if (list.length) (list[at >= 0 ? at : 0]).focus();
      else $("#list-title")?.focus();
      return;
    }
    const back = $("[data-back]");
    if (back) window.location = back.href;
  }

  function openHelp() {
    const dialog = $("#shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  const keys = {
    j: () => move(1),
    k: () => move(-1),
    r: () => $("#reply-text")?.focus(),
    n: () => $("#note-text")?.focus(),
    a: () => submit($("#assign-me")),
    e: () => submit($("#confirm-resolve form") || $("#resolve-form")),
    "/": () => $("#channel")?.focus(),
    "?": openHelp,
  };

  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented) return;
    const target = ev.target;
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && target.closest && target.closest("form[data-composer]")) {
      ev.preventDefault();
      submit(target.closest("form"));
      return;
    }
    if (ev.key === "Escape") {
      if ($("#shortcuts")?.open) return; // the dialog closes itself
      if (typing(target)) target.blur();
      if ($("#conversation")) { ev.preventDefault(); backToList(); }
      return;
    }
    if (typing(target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const action = keys[ev.key];
    if (action) { ev.preventDefault(); action(); }
  });

  document.addEventListener("click", (ev) => {
    const link = ev.target.closest && ev.target.closest("a[data-row]");
    if (link) markOpen(link);
    if (ev.target.closest && ev.target.closest("[data-shortcuts]")) openHelp();
  });

  // After htmx swapped the conversation pane: focus where the editor goes on. Opening and replying land in the
  // composer; a note in the note field; resolve/assign on the action area's first button.
  let lastForm = "";
  document.addEventListener("htmx:beforeRequest", (ev) => {
    const elt = ev.detail.elt;
    lastForm = elt && elt.id ? elt.id : (elt && elt.matches && elt.matches("a[data-row]") ? "open" : "");
  });
  document.addEventListener("htmx:afterSettle", (ev) => {
    if (!ev.detail.target || ev.detail.target.id !== "conv-pane") return;
    // In order of preference: the first that exists gets the focus.
    const focusables = {
      "note-form": ["#note-text"],
      "assign-me": ["#resolve-form button", ".conv-actions button"],
      "resolve-form": ["#confirm-resolve button", ".flash-undo button", "#conv-list .conv-row[aria-current='true'] a[data-row]"],
    };
    const wanted = focusables[lastForm] || ["#confirm-resolve button", "#reply-text"];
    const target = wanted.map((sel) => $(sel)).find(Boolean) || $("#conv-title");
    if (target) target.focus({ preventScroll: false });
    const open = $("#conversation");
    if (open) {
      const link = $(`#conv-${open.dataset.conversation} a[data-row]`);
      if (link) markOpen(link);
    }
    armUndo();
  });

  // The "Rückgängig" button of a flash disappears when its time is up (the server reopens at any time anyway).
  function armUndo() {
    $$("[data-undo]").forEach((box) => {
      if (box.dataset.armed) return;
      box.dataset.armed = "1";
      setTimeout(() => box.querySelector(".flash-undo")?.remove(), Number(box.dataset.undo) * 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const select = $("select[data-switch]");
    if (select) {
      select.form.querySelector("[data-switch-button]")?.setAttribute("hidden", "");
      select.addEventListener("change", () => select.form.submit());
    }
    $$("[data-shortcuts]").forEach((b) => b.removeAttribute("hidden"));
    armUndo();
    // Opened conversation: straight into the composer (unless a confirmation waits for an answer).
    if ($("#conversation") && !location.hash) ($("#confirm-resolve button") || $("#reply-text"))?.focus();
  });
})();
