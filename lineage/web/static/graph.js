// Lineage explorer: draws the neighbourhood the server laid out (positions are computed on the
// server, so this stays smooth at thousands of nodes) and keeps its state in the URL.
"use strict";

(function () {
  const HIGHLIGHT = "#CC79A7";
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  let cy = null;
  let data = null;
  let selected = null;

  function state() {
    const p = new URLSearchParams(location.search);
    return {
      up: p.get("up") || "1",
      down: p.get("down") || "1",
      expand: p.get("expand") ? p.get("expand").split(",").filter(Boolean) : [],
      path: p.get("path") || "",
      as_of: p.get("as_of") || "",
      collapse: p.get("collapse") || "",
      sel: p.get("sel") || "",
      pfrom: p.get("pfrom") || "",
    };
  }

  function graphQuery(focus) {
    const s = state();
    const q = new URLSearchParams({ focus, up: s.up, down: s.down });
    if (s.expand.length) q.set("expand", s.expand.join(","));
    if (s.path) q.set("path", s.path);
    if (s.as_of) q.set("as_of", s.as_of);
    if (s.collapse) q.set("collapse", s.collapse);
    return q;
  }

  function label(n) {
    if (n.kind === "group" || n.kind === "cut") return n.title;
    return (n.type_name ? n.type_name + "\n" : "") + n.title + (n.subtitle ? "\n" + n.subtitle : "");
  }

  function elements(layout) {
    const nodes = layout.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: n.key, label: label(n), kind: n.kind, fill: n.fill, border: n.border_color,
        bw: n.border_width, bstyle: n.border_style, shape: n.shape, w: n.width, h: n.height,
        count: n.count, members: n.members, title: n.title, type: n.type_name,
      },
      position: { x: n.x, y: n.y },
      classes: [n.focus ? "focus" : "", n.highlighted ? "highlighted" : "", n.kind].join(" "),
    }));
    const edges = layout.edges.map((e, i) => ({
      group: "edges",
      data: { id: `e${i}`, source: e.source, target: e.target, label: e.labels.join(", ") },
      classes: [e.highlighted ? "highlighted" : "", e.style].join(" "),
    }));
    return nodes.concat(edges);
  }

  function style() {
    const text = css("--graph-text") || "#202124";
    return [
      { selector: "node", style: {
        shape: "data(shape)", "background-color": "data(fill)", "border-color": "data(border)",
        "border-width": "data(bw)", "border-style": "data(bstyle)", width: "data(w)", height: "data(h)",
        label: "data(label)", "text-wrap": "wrap", "text-max-width": "data(w)", "font-size": 11,
        "text-valign": "center", "text-halign": "center", color: "#202124",
        "min-zoomed-font-size": 6,
      } },
      { selector: "node.group, node.cut", style: { color: text === "#202124" ? "#202124" : "#202124", "font-style": "italic" } },
      { selector: "node:selected", style: { "overlay-color": "#0072B2", "overlay-opacity": 0.18, "overlay-padding": 6 } },
      { selector: "node.highlighted", style: { "border-color": HIGHLIGHT, "border-width": 3.5 } },
      { selector: "node.focus", style: { "border-color": css("--focus") || "#000", "border-width": 3.5 } },
      { selector: "edge", style: {
        width: 1.4, "line-color": css("--edge") || "#5f6368", "target-arrow-color": css("--edge") || "#5f6368",
        "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.9,
      } },
      { selector: "edge.declared, edge.pending, edge.cut", style: { "line-style": "dashed" } },
      { selector: "edge.highlighted", style: { width: 3.5, "line-color": HIGHLIGHT, "target-arrow-color": HIGHLIGHT } },
    ];
  }

  function status(layout) {
    const box = document.getElementById("graph-status");
    if (!box) return;
    const n = layout.nodes.length;
    const notes = (layout.notes || []).join(" ");
    box.textContent = `${n} node${n === 1 ? "" : "s"} shown, ${layout.edges.length} edges` +
      (layout.truncated ? " (cut at the node budget)" : "") + (notes ? ". " + notes : "");
  }

  async function showSelection(key) {
    const box = document.getElementById("selection");
    if (!box) return;
    const node = cy.getElementById(key);
    const ui = window.lineageUI;
    if (node.data("kind") === "group" || node.data("kind") === "cut") {
      box.innerHTML = `<p><strong>${ui.escape(node.data("title"))}</strong></p><p>Click again to show all ${node.data("count")}.</p>`;
      return;
    }
    if (document.getElementById("graph").dataset.static) {
      box.innerHTML = `<p><strong>${ui.escape(node.data("label"))}</strong></p><p class="muted">${ui.escape(key)}</p>`;
      return;
    }
    box.innerHTML = "<p>Loading…</p>";
    try {
      const d = await ui.getJSON(`/api/v1/nodes/${key}`);
      const rows = [];
      const fields = d.node;
      for (const k of ["id", "name", "type", "uri", "state", "last_known_state"]) {
        if (fields[k] !== undefined) rows.push([k, fields[k]]);
      }
      for (const group of ["properties", "custom_properties"]) {
        for (const [k, v] of Object.entries(fields[group] || {}).sort()) {
          rows.push([k, Object.values(v)[0]]);
        }
      }
      box.innerHTML = `<h3><a href="/nodes/${ui.escape(d.key)}">${ui.escape(d.label)}</a></h3>` +
        `<table class="fields" id="selection-fields">${rows.map(([k, v]) =>
          `<tr><th>${ui.escape(k)}</th><td>${ui.escape(typeof v === "object" ? JSON.stringify(v) : v)}</td></tr>`).join("")}</table>`;
    } catch (e) {
      box.innerHTML = `<p class="error" role="alert">${ui.escape(e.message)}</p>`;
    }
  }

  function draw(layout) {
    data = layout;
    const host = document.getElementById("graph");
    const first = cy === null;
    if (first) {
      cy = cytoscape({
        container: host, elements: elements(layout), style: style(), layout: { name: "preset" },
        wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, textureOnViewport: true,
        hideEdgesOnViewport: layout.nodes.length > 1500,
      });
      cy.on("tap", "node", (event) => {
        const key = event.target.id();
        const kind = event.target.data("kind");
        if ((kind === "group" || kind === "cut") && selected === key) {
          const count = Number(event.target.data("count")) || 0;
          const current = Number(state().collapse || 12);
          window.lineageUI.setQuery({ collapse: String(Math.max(current, count) + 1) });
          reload();
          return;
        }
        selected = key;
        if (!host.dataset.static) window.lineageUI.setQuery({ sel: key });
        showSelection(key);
      });
      window.lineageGraph = cy;  // for the browser tests and the console
    } else {
      cy.elements().remove();
      cy.add(elements(layout));
    }
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.4) { cy.zoom(1.4); cy.center(); }
    if (cy.zoom() < 0.35) {  // too big to read whole: show the focus readably ("Fit" shows all)
      const focusNode = cy.nodes(".focus");
      cy.zoom(0.6);
      cy.center(focusNode.length ? focusNode : undefined);
    }
    status(layout);
    const s = state();
    if (s.sel && cy.getElementById(s.sel).length) {
      selected = s.sel;
      cy.getElementById(s.sel).select();
      showSelection(s.sel);
    }
    host.dataset.ready = String(Date.now());
  }

  async function reload() {
    const host = document.getElementById("graph");
    const focus = host.dataset.focus;
    const q = graphQuery(focus);
    const exportLink = document.getElementById("export-graph");
    if (exportLink) exportLink.href = "/export/graph?" + q;
    try {
      draw(await window.lineageUI.getJSON("/api/v1/graph?" + q));
    } catch (e) {
      document.getElementById("graph-status").innerHTML = `<span class="error" role="alert">${window.lineageUI.escape(e.message)}</span>`;
    }
  }

  function expand(direction) {
    const s = state();
    const key = selected || document.getElementById("graph").dataset.focus;
    const focus = document.getElementById("graph").dataset.focus;
    if (key === focus) {
      const name = direction === "up" ? "up" : "down";
      window.lineageUI.setQuery({ [name]: String(Number(s[name]) + 1) });
      const input = document.getElementById(direction === "up" ? "depth-up" : "depth-down");
      if (input) input.value = Number(s[name]) + 1;
    } else {
      const items = s.expand.filter((x) => !x.startsWith(`${key}:${direction}:`));
      const old = s.expand.find((x) => x.startsWith(`${key}:${direction}:`));
      const hops = old ? Number(old.split(":").pop()) + 1 : 1;
      items.push(`${key}:${direction}:${hops}`);
      window.lineageUI.setQuery({ expand: items.join(",") });
    }
    reload();
  }

  function start() {
    const host = document.getElementById("graph");
    if (!host || typeof cytoscape === "undefined") return;
    if (host.dataset.static) {
      draw(JSON.parse(document.getElementById("graph-data").textContent));
      return;
    }
    const ui = window.lineageUI;
    const bind = (id, fn) => { const el = document.getElementById(id); if (el) el.addEventListener("click", fn); };
    bind("expand-up", () => expand("up"));
    bind("expand-down", () => expand("down"));
    bind("fit", () => cy && cy.fit(undefined, 30));
    bind("path-from", () => {
      if (!selected) return;
      ui.setQuery({ pfrom: selected });
      document.getElementById("graph-status").textContent = `Path starts at ${selected}: select the other end, then "Path to here".`;
    });
    bind("path-to", () => {
      const from = state().pfrom;
      if (!from || !selected) return;
      ui.setQuery({ path: `${from},${selected}` });
      reload();
    });
    for (const [id, name] of [["depth-up", "up"], ["depth-down", "down"], ["as-of", "as_of"]]) {
      const el = document.getElementById(id);
      if (el) el.addEventListener("change", () => { ui.setQuery({ [name]: el.value }); reload(); });
    }
    host.addEventListener("keydown", (e) => {
      if (!cy) return;
      const step = 60;
      const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[e.key]) { cy.panBy({ x: moves[e.key][0], y: moves[e.key][1] }); e.preventDefault(); }
      if (e.key === "+" || e.key === "=") cy.zoom({ level: cy.zoom() * 1.2, renderedPosition: { x: host.clientWidth / 2, y: host.clientHeight / 2 } });
      if (e.key === "-") cy.zoom({ level: cy.zoom() / 1.2, renderedPosition: { x: host.clientWidth / 2, y: host.clientHeight / 2 } });
    });
    document.addEventListener("lineage:theme", () => cy && cy.style(style()));
    const extra = document.getElementById("extra");
    const load = async (url, title, render) => {
      extra.innerHTML = "<p>Loading…</p>";
      try { extra.innerHTML = `<h2>${title}</h2>` + render(await ui.getJSON(url)); }
      catch (e) { extra.innerHTML = `<p class="error" role="alert">${ui.escape(e.message)}</p>`; }
    };
    const focus = host.dataset.focus;
    bind("load-provenance", () => load(`/api/v1/nodes/${focus}/provenance`, "Provenance", (d) =>
      `<pre class="json">${ui.escape(JSON.stringify(d, null, 2))}</pre>`));
    bind("load-impact", () => load(`/api/v1/nodes/${focus}/impact?limit=200`, "Impact", (d) =>
      `<pre class="json">${ui.escape(JSON.stringify(d, null, 2))}</pre>`));
    bind("load-preview", () => load(`/api/v1/artifacts/${focus.split(":")[1]}/preview`, "Preview", (d) => {
      if (d.kind === "table") {
        return `<table class="events preview"><tr>${d.columns.map((c) => `<th>${ui.escape(c)}</th>`).join("")}</tr>` +
          d.rows.map((r) => `<tr>${r.map((c) => `<td>${ui.escape(c)}</td>`).join("")}</tr>`).join("") + "</table>" +
          (d.truncated ? '<p class="muted">First rows only.</p>' : "");
      }
      if (d.kind === "image") return `<img alt="preview" src="data:${ui.escape(d.media_type)};base64,${d.data_base64}">`;
      if (d.kind === "json") return `<pre class="json">${ui.escape(JSON.stringify(d.data, null, 2))}</pre>`;
      if (d.kind === "text") return `<pre class="json">${ui.escape(d.text)}</pre>`;
      if (d.kind === "directory") return `<ul>${d.entries.map((e) => `<li>${ui.escape(e.name)}${e.is_dir ? "/" : ""}</li>`).join("")}</ul>`;
      return `<p class="muted">${ui.escape(d.reason || d.kind)}</p>`;
    }));
    reload();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
