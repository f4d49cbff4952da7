// Keyboard use: the organization switcher posts on change; "g i" opens the inbox; j/k move between inbox rows.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[data-switch]");
  if (select) select.addEventListener("change", () => { select.form.action = select.value; select.form.submit(); });
  let lastKey = "";
  document.addEventListener("keydown", (ev) => {
    if (ev.target.matches("input, textarea, select") || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const rows = [...document.querySelectorAll("a[data-row]")];
    const at = rows.indexOf(document.activeElement);
    if (ev.key === "j" && rows.length) rows[Math.min(at + 1, rows.length - 1)].focus();
    if (ev.key === "k" && rows.length) rows[Math.max(at - 1, 0)].focus();
    if (lastKey === "g" && ev.key === "i") window.location = "/inbox";
    lastKey = ev.key;
  });
});
