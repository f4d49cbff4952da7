// The rota grid: the solver's progress panel polled while it runs, and (below) live checking of edited cells.
"use strict";

function pollRun() {
  const panel = document.querySelector("#run[data-poll]");
  if (!panel) return;
  const url = panel.dataset.poll;
  let inFlight = false;
  let finished = false;
  const timer = setInterval(async () => {
    if (inFlight || finished) return;  // a slow answer is not overtaken by the next poll
    inFlight = true;
    let response, text;
    try {
      response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      text = await response.text();
    } catch (err) {
      return;  // a missed poll is tried again in a second
    } finally {
      inFlight = false;
    }
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = text;
    const fresh = holder.querySelector("#run");
    if (!fresh) return;
    if (!fresh.dataset.poll) {
      finished = true;
      clearInterval(timer);
      // A finished plan changes the grid: show the page anew, unless the lead has unsaved edits in the grid.
      if (fresh.dataset.runStatus === "done" && !document.querySelector(".rota-grid .edited")) {
        window.location.reload();
        return;
      }
    }
    document.querySelector("#run").replaceWith(fresh);
  }, 1000);
}

document.addEventListener("DOMContentLoaded", pollRun);

// --- the grid: change a cell by keyboard or click; violations and coverage are checked at once, unsaved ---

function gridCells(form) {
  return [...form.querySelectorAll("td.cell select")];
}

function paintCell(select) {
  const td = select.closest("td");
  const codes = [...select.options].map((o) => o.value).filter(Boolean);
  td.className = td.className.replace(/\bs-\d+\b|\bfree\b/g, "").trim();
  td.classList.add(select.value ? `s-${codes.indexOf(select.value)}` : "free");
  td.classList.toggle("edited", select.value !== select.dataset.saved);
}

function showFigures(form, data) {
  const holder = document.createElement("div");
  holder.innerHTML = data.html;
  document.querySelector("#checks").replaceWith(holder.querySelector("#checks"));
  const marked = new Set(data.marked);
  gridCells(form).forEach((s) => s.closest("td").classList.toggle("marked", marked.has(s.name)));
  Object.entries(data.days).forEach(([day, d]) => {
    const cell = form.querySelector(`tfoot td[data-day="${day}"]`);
    if (!cell) return;
    cell.textContent = d.present;
    const need = document.createElement("span");
    need.className = "need";
    need.textContent = `/${d.needed}`;
    cell.append(need);
    cell.classList.toggle("short", Boolean(d.short));
    cell.title = d.short || "ausreichend besetzt";
  });
  Object.entries(data.editors).forEach(([user, e]) => {
    const put = (stat, text) => {
      const cell = form.querySelector(`td[data-user="${user}"][data-stat="${stat}"]`);
      if (cell) cell.textContent = text;
      return cell;
    };
    const hours = put("hours", `${e.hours}/${e.target_hours}`);
    if (hours) {
      hours.classList.toggle("over", e.minutes > e.target + 60);
      hours.classList.toggle("under", e.minutes + 60 < e.target);
    }
    put("weekend", e.weekend); put("late", e.late); put("holiday", e.holiday);
  });
}

function setupGrid() {
  const form = document.querySelector("#grid-form[data-check]");
  if (!form) return;
  const token = form.querySelector("input[name=csrf_token]").value;
  const unsaved = document.querySelector("#unsaved");
  let pending = null;
  let sent = 0;

  async function check() {
    const edited = gridCells(form).filter((s) => s.value !== s.dataset.saved);
    unsaved.textContent = edited.length ? `${edited.length} ungespeicherte Änderungen (geprüft, nicht gespeichert)` : "";
    const cells = Object.fromEntries(edited.map((s) => [s.name, s.value]));
    const mine = ++sent;
    const response = await fetch(form.dataset.check, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify({ cells }),
    });
    if (mine !== sent) return;  // a newer edit is being checked already
    const data = await response.json();
    if (!response.ok) { unsaved.textContent = data.error || "Prüfung fehlgeschlagen."; return; }
    showFigures(form, data);
  }

  function changed(select) {
    paintCell(select);
    clearTimeout(pending);
    pending = setTimeout(check, 120);
  }

  form.addEventListener("change", (ev) => { if (ev.target.matches("td.cell select")) changed(ev.target); });
  form.addEventListener("keydown", (ev) => {
    const select = ev.target;
    if (!select.matches("td.cell select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const td = select.closest("td");
    const row = td.parentElement;
    const col = [...row.children].indexOf(td);
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[ev.key]) {
      ev.preventDefault();
      const [dr, dc] = moves[ev.key];
      const rows = [...row.parentElement.children];
      const target = rows[rows.indexOf(row) + dr]?.children[col + dc]?.querySelector("select");
      if (target) target.focus();
      return;
    }
    const code = [...select.options].map((o) => o.value).find((v) => v && v.toLowerCase() === ev.key.toLowerCase());
    const free = ["Delete", "Backspace", "-", "."].includes(ev.key);
    if (code === undefined && !free) return;
    ev.preventDefault();
    select.value = free ? "" : code;
    changed(select);
  });
  const print = document.querySelector("#print-grid");
  if (print) { print.hidden = false; print.addEventListener("click", () => window.print()); }
}

document.addEventListener("DOMContentLoaded", setupGrid);
