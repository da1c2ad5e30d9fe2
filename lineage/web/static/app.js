// lineage ui: theme, shareable links, keyboard, the runs table and the write forms.
// Every view lives in the URL; scripts only keep it in step with what the user changes.
"use strict";

(function () {
  const params = new URLSearchParams(location.search);
  const chosen = params.get("theme") || localStorage.getItem("lineage-theme") ||
    (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  document.documentElement.dataset.theme = chosen === "dark" ? "dark" : "light";
})();

window.lineageUI = {
  // Replace the current URL's query (keeps the view shareable without a reload).
  setQuery(changes) {
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === "") url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    try { history.replaceState(null, "", url); } catch (e) { /* a file:// export */ }
    document.dispatchEvent(new CustomEvent("lineage:url"));
    return url;
  },
  escape(text) {
    const d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  },
  async getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const data = await response.json();
    if (!response.ok) {
      const where = data.field ? ` (${data.field})` : "";
      throw new Error(`${data.error || response.statusText}${where}`);
    }
    return data;
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const ui = window.lineageUI;
  const root = document.documentElement;
  const toggle = document.getElementById("theme-toggle");
  const label = () => { if (toggle) toggle.textContent = root.dataset.theme === "dark" ? "Light" : "Dark"; };
  label();
  if (toggle) toggle.addEventListener("click", () => {
    root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("lineage-theme", root.dataset.theme);
    label();
    document.dispatchEvent(new CustomEvent("lineage:theme"));
  });

  const copy = document.getElementById("copy-link");
  if (copy) copy.addEventListener("click", async () => {
    const url = new URL(location.href);
    url.searchParams.delete("theme");
    let box = document.getElementById("copied-link");
    if (!box) {
      box = document.createElement("input");
      box.id = "copied-link";
      box.readOnly = true;
      box.setAttribute("aria-label", "Link to this view");
      copy.after(box);
    }
    box.value = url.toString();
    box.select();
    try { await navigator.clipboard.writeText(box.value); copy.textContent = "Copied"; }
    catch (e) { copy.textContent = "Select and copy"; }
    setTimeout(() => { copy.textContent = "Copy link"; }, 2000);
  });

  document.addEventListener("keydown", (event) => {
    const typing = /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      document.getElementById("global-search").focus();
    }
  });

  // Runs table: selection for Compare, chosen columns.
  const boxes = Array.from(document.querySelectorAll(".run-select"));
  const button = document.getElementById("compare-button");
  const count = document.getElementById("selected-count");
  const update = () => {
    const n = boxes.filter((b) => b.checked).length;
    if (count) count.textContent = `${n} selected`;
    if (button) button.disabled = n < 2 || n > 20;
  };
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
  const form = document.getElementById("compare-form");
  if (form) form.addEventListener("submit", (event) => {
    event.preventDefault();
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    location.href = "/compare?runs=" + ids.join(",");
  });
  const cols = document.getElementById("cols-value");
  document.querySelectorAll(".col-choice").forEach((c) => c.addEventListener("change", () => {
    cols.value = Array.from(document.querySelectorAll(".col-choice"))
      .filter((x) => x.checked).map((x) => x.value).join(",");
  }));

  // Writes (only rendered with --write).
  const post = async (node, what, body) => {
    const response = await fetch(`/api/v1/nodes/${node}/${what}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!response.ok) {
      const data = await response.json();
      alert(data.error);
      return;
    }
    location.reload();
  };
  const tagForm = document.getElementById("tag-form");
  if (tagForm) tagForm.addEventListener("submit", (e) => {
    e.preventDefault();
    post(tagForm.dataset.node, "tags", { add: [tagForm.elements.tag.value] });
  });
  const noteForm = document.getElementById("note-form");
  if (noteForm) noteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    post(noteForm.dataset.node, "notes", { text: noteForm.elements.text.value });
  });
});
