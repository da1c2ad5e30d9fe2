// Compare page: metric curves (uPlot), parallel coordinates (canvas) and the provenance diff.
"use strict";

(function () {
  // Okabe-Ito: safe for the common colour-vision deficiencies (the render module's palette).
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  const colour = (i) => PALETTE[i % PALETTE.length];
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function smooth(values, alpha) {
    if (!alpha) return values;
    const out = [];
    let last = null;
    for (const v of values) {
      if (v == null || !isFinite(v)) { out.push(v); continue; }
      last = last == null ? v : alpha * last + (1 - alpha) * v;
      out.push(last);
    }
    return out;
  }

  // One chart per metric; every run is a series on a shared step axis.
  function drawCurves(data) {
    const host = document.getElementById("curves");
    if (!host || typeof uPlot === "undefined") return;
    host.innerHTML = "";
    const alpha = Number(document.getElementById("smoothing").value || 0);
    const log = document.getElementById("log-scale").checked;
    const out = document.getElementById("smoothing-value");
    if (out) out.textContent = alpha.toFixed(2);
    const names = data.runs.map((r) => r.name || `#${r.id}`);
    for (const [metric, byRun] of Object.entries(data.series).sort()) {
      const steps = new Set();
      for (const s of Object.values(byRun)) s.steps.forEach((x) => steps.add(x));
      const xs = Array.from(steps).sort((a, b) => a - b);
      const columns = [xs];
      const series = [{ label: "step" }];
      data.runs.forEach((run, i) => {
        const s = byRun[String(run.id)];
        if (!s) return;
        const at = new Map(s.steps.map((x, j) => [x, s.values[j]]));
        let ys = xs.map((x) => (at.has(x) ? at.get(x) : null));
        if (log) ys = ys.map((y) => (y != null && y > 0 ? y : null));
        columns.push(smooth(ys, alpha));
        series.push({ label: names[i], stroke: colour(i), width: 2, spanGaps: true });
      });
      const box = document.createElement("figure");
      box.className = "curve";
      box.dataset.metric = metric;
      const caption = document.createElement("figcaption");
      caption.textContent = metric;
      box.appendChild(caption);
      host.appendChild(box);
      const axis = { stroke: css("--text"), grid: { stroke: css("--grid") }, ticks: { stroke: css("--grid") } };
      new uPlot({
        width: Math.max(280, (box.clientWidth || 440) - 14),
        height: 240,
        series,
        scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
        axes: [Object.assign({ label: "step" }, axis), axis],
        legend: { live: true },
      }, columns, box);
    }
  }

  // Parallel coordinates: one axis per numeric parameter, the chosen metric last.
  function drawParallel(data) {
    const canvas = document.getElementById("parallel");
    const select = document.getElementById("parallel-metric");
    if (!canvas || !select) return;
    const metric = select.value;
    const runs = data.runs.map((r) => r.id);
    const rows = Object.fromEntries(data.rows.map((r) => [`${r.section}:${r.key}`, r.values]));
    const numeric = (vals) => vals.every((v) => v == null || typeof v === "number");
    const axes = data.params
      .filter((p) => rows[`params:${p}`] && numeric(rows[`params:${p}`]))
      .map((p) => ({ name: p, values: rows[`params:${p}`] }));
    if (rows[`metrics:${metric}`]) axes.push({ name: metric, values: rows[`metrics:${metric}`], metric: true });
    const ctx = canvas.getContext("2d");
    const W = canvas.width, H = canvas.height, top = 40, bottom = H - 30;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "12px sans-serif";
    ctx.fillStyle = css("--text");
    if (axes.length < 2) { ctx.fillText("Needs numeric parameters and a metric.", 10, 20); return; }
    const xs = axes.map((_, i) => 60 + (i * (W - 120)) / (axes.length - 1));
    const scale = axes.map((a) => {
      const v = a.values.filter((x) => x != null);
      const lo = Math.min(...v), hi = Math.max(...v);
      return (x) => (x == null ? null : bottom - ((x - lo) / (hi - lo || 1)) * (bottom - top));
    });
    const m = axes[axes.length - 1].values;
    const mv = m.filter((x) => x != null);
    const mlo = Math.min(...mv), mhi = Math.max(...mv);
    runs.forEach((_, r) => {
      const t = m[r] == null ? 0 : (m[r] - mlo) / (mhi - mlo || 1);
      ctx.strokeStyle = colour(r);
      ctx.lineWidth = 1 + 3 * t;
      ctx.beginPath();
      let started = false;
      axes.forEach((a, i) => {
        const y = scale[i](a.values[r]);
        if (y == null) { started = false; return; }
        if (!started) { ctx.moveTo(xs[i], y); started = true; } else ctx.lineTo(xs[i], y);
      });
      ctx.stroke();
    });
    ctx.strokeStyle = css("--text");
    ctx.lineWidth = 1;
    axes.forEach((a, i) => {
      ctx.beginPath(); ctx.moveTo(xs[i], top); ctx.lineTo(xs[i], bottom); ctx.stroke();
      ctx.textAlign = "center";
      ctx.fillText(a.name + (a.metric ? " (metric)" : ""), xs[i], top - 14);
      const v = a.values.filter((x) => x != null);
      ctx.fillText(String(Number(Math.max(...v).toPrecision(3))), xs[i], top - 2);
      ctx.fillText(String(Number(Math.min(...v).toPrecision(3))), xs[i], bottom + 16);
    });
  }

  async function drawDiff(form) {
    const box = document.getElementById("diff-result");
    const ui = window.lineageUI;
    const q = new URLSearchParams(new FormData(form));
    box.textContent = "Comparing…";
    try {
      const d = await ui.getJSON("/api/v1/diff?" + q);
      ui.setQuery({ a: q.get("a"), b: q.get("b") });
      if (d.identical) { box.innerHTML = "<p>The two ancestries are identical.</p>"; return; }
      let html = `<p class="divergence" id="divergence"><strong>First divergence:</strong> ${ui.escape(d.divergence_text)}</p><table class="compare"><tr><th>step</th><th>status</th><th>changes</th></tr>`;
      for (const s of d.steps) {
        const first = d.divergence && s.a === d.divergence.a && s.b === d.divergence.b;
        const changes = s.changes.map((c) => `${ui.escape(c.name)}: ${ui.escape(JSON.stringify(c.a))} → ${ui.escape(JSON.stringify(c.b))}`).join("<br>");
        html += `<tr class="${s.status === "shared" || s.status === "same" ? "same" : "differs"}${first ? " first-divergence" : ""}"><td>${ui.escape(s.type)}${first ? ' <span class="diff-mark">first divergence</span>' : ""}</td><td>${ui.escape(s.status)}</td><td>${changes}</td></tr>`;
      }
      box.innerHTML = html + "</table>";
    } catch (e) {
      box.innerHTML = `<p class="error" role="alert">${ui.escape(e.message)}</p>`;
    }
  }

  function start() {
    const holder = document.getElementById("compare-data");
    if (!holder) return;
    const data = JSON.parse(holder.textContent);
    const redraw = () => { drawCurves(data); drawParallel(data); };
    const smoothing = document.getElementById("smoothing");
    const log = document.getElementById("log-scale");
    const ui = window.lineageUI;
    if (smoothing) smoothing.addEventListener("input", () => { ui.setQuery({ smooth: smoothing.value === "0" ? null : smoothing.value }); drawCurves(data); });
    if (log) log.addEventListener("change", () => { ui.setQuery({ log: log.checked ? "1" : null }); drawCurves(data); });
    const select = document.getElementById("parallel-metric");
    if (select) select.addEventListener("change", () => { ui.setQuery({ metric: select.value }); drawParallel(data); });
    const only = document.getElementById("only-diffs");
    if (only) {
      only.checked = new URLSearchParams(location.search).get("diffs") === "1";
      const apply = () => document.getElementById("compare-table").classList.toggle("only-diffs", only.checked);
      only.addEventListener("change", () => { ui.setQuery({ diffs: only.checked ? "1" : null }); apply(); });
      apply();
    }
    const form = document.getElementById("diff-form");
    if (form) {
      const p = new URLSearchParams(location.search);
      if (p.get("a")) form.elements.a.value = p.get("a");
      if (p.get("b")) form.elements.b.value = p.get("b");
      form.addEventListener("submit", (e) => { e.preventDefault(); drawDiff(form); });
      if (p.get("a") && p.get("b")) drawDiff(form);
    }
    document.addEventListener("lineage:theme", redraw);
    redraw();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
