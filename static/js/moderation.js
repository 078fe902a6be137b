// The moderation queue with the keyboard: J and K move between entries, Space selects one
// (two keystrokes an entry), A, R and S move to the Approve, Reject and Spam controls, where
// Enter decides. A "select all on this page" box. Without JavaScript the page works with Tab.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("moderation-form");
  if (!form) return;
  const entries = [...form.querySelectorAll("input[data-entry]")];
  const selectAll = form.querySelector("input[data-select-all]");
  const targets = {
    a: form.querySelector('button[value="approve"][data-key="a"]'),
    r: form.querySelector("select[name=code]"),
    s: form.querySelector('button[value="spam"][data-key="s"]'),
  };

  document.querySelectorAll(".keyboard-help, .select-all").forEach((el) => (el.hidden = false));

  selectAll.addEventListener("change", () => {
    entries.forEach((box) => (box.checked = selectAll.checked));
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("input[data-entry]")) {
      selectAll.checked = entries.every((box) => box.checked);
    }
  });

  const typing = (el) => el.matches("textarea, select, input:not([type=checkbox])");

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    // The letter typed; on an Arabic, Russian or Chinese layout, the letter of the key's place.
    const key = /^[a-z]$/i.test(event.key)
      ? event.key.toLowerCase()
      : event.code.replace(/^Key/, "").toLowerCase();
    const here = entries.indexOf(event.target.closest(".queue-entry")?.querySelector("input[data-entry]"));
    let next = null;
    if (key === "j") next = entries[here < 0 ? 0 : Math.min(here + 1, entries.length - 1)];
    else if (key === "k") next = entries[here < 0 ? 0 : Math.max(here - 1, 0)];
    else if (key in targets) next = targets[key];
    if (!next) return;
    event.preventDefault();
    const closed = next.closest("details:not([open])");
    if (closed) closed.open = true;
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  });
});
