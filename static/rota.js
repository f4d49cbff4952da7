// The rota grid: the solver's progress panel polled while it runs, and (below) live checking of edited cells.
"use strict";

function pollRun() {
  const panel = document.querySelector("#run[data-poll]");
  if (!panel) return;
  const url = panel.dataset.poll;
  const timer = setInterval(async () => {
    let response;
    try { response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" }); }
    catch (err) { return; }  // a missed poll is tried again in a second
    if (!response.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const fresh = holder.querySelector("#run");
    if (!fresh) return;
    fresh.dataset.swapped = "1";  // this panel came from a poll; the page may reload below
    document.querySelector("#run").replaceWith(fresh);
    if (!fresh.dataset.poll) {
      clearInterval(timer);
      // A finished plan changes the grid: show it, unless the lead has unsaved edits in the grid.
      if (fresh.dataset.runStatus === "done" && !document.querySelector(".rota-grid .edited")) window.location.reload();
    }
  }, 1000);
}

document.addEventListener("DOMContentLoaded", pollRun);
