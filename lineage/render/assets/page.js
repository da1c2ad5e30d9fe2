(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("lineage-data").textContent);
  var canvas = document.getElementById("canvas");
  var svg = canvas.querySelector("svg");
  var panel = document.getElementById("details");
  var hint = panel.innerHTML;
  if (!svg) { return; }
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  var base = svg.viewBox.baseVal;
  var full = { x: base.x, y: base.y, w: base.width, h: base.height };
  var view = { x: full.x, y: full.y, w: full.w, h: full.h };
  var nodes = {}, edges = [], pinned = null, found = [], foundAt = -1;

  function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
  function fit() { view = { x: full.x, y: full.y, w: full.w, h: full.h }; apply(); }
  function toSvg(clientX, clientY) {
    var p = svg.createSVGPoint();
    p.x = clientX; p.y = clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoom(factor, cx, cy) {
    var w = view.w * factor;
    if (w < full.w / 200 || w > full.w * 20) { return; }
    view.x = cx - (cx - view.x) * factor; view.y = cy - (cy - view.y) * factor;
    view.w = w; view.h *= factor; apply();
  }
  function zoomCenter(factor) { zoom(factor, view.x + view.w / 2, view.y + view.h / 2); }
  function centerOn(el) {
    var r = el.getBoundingClientRect();
    var a = toSvg(r.left, r.top), b = toSvg(r.right, r.bottom);
    var w = Math.min(full.w, Math.max(view.w < full.w ? view.w : 0, (b.x - a.x) * 8));
    if (w > 0 && w !== view.w) { view.h *= w / view.w; view.w = w; }
    view.x = (a.x + b.x) / 2 - view.w / 2; view.y = (a.y + b.y) / 2 - view.h / 2; apply();
  }

  svg.querySelectorAll("g.node").forEach(function (el) { nodes[el.id] = el; });
  svg.querySelectorAll("g.edge").forEach(function (el) {
    var ends = el.id.split("->");
    edges.push({ el: el, src: ends[0], dst: ends[1] });
  });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function value(v) {
    if (v !== null && typeof v === "object") { return el("pre", JSON.stringify(v, null, 1)); }
    return document.createTextNode(String(v));
  }
  function table(rows) {
    var t = el("table");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") { return; }
      var tr = el("tr"); tr.appendChild(el("td", r[0]));
      var td = el("td"); td.appendChild(value(r[1])); tr.appendChild(td); t.appendChild(tr);
    });
    return t;
  }
  function link(key) {
    var info = data.nodes[key];
    var a = el("a", info ? info.title + " (" + key + ")" : key);
    a.addEventListener("click", function () { if (nodes[key]) { pin(key); centerOn(nodes[key]); } });
    return a;
  }
  function list(title, keys, limit) {
    if (!keys || !keys.length) { return; }
    panel.appendChild(el("h3", title + " (" + keys.length + ")"));
    var ul = el("ul");
    keys.slice(0, limit || 200).forEach(function (k) {
      var li = el("li"); li.appendChild(data.nodes[k] ? link(k) : document.createTextNode(k));
      ul.appendChild(li);
    });
    if (keys.length > (limit || 200)) { ul.appendChild(el("li", "…")); }
    panel.appendChild(ul);
  }
  function original(key) {
    var info = data.nodes[key];
    return info && info.kind === "ref" && data.nodes[info.details.ref] ? info.details.ref : key;
  }
  function show(key) {
    key = original(key);
    var info = data.nodes[key];
    if (!info) { return; }
    var d = info.details || {};
    panel.innerHTML = "";
    if (pinned === key) { panel.appendChild(el("span", "pinned · Esc to release", "pinned")); }
    panel.appendChild(el("h2", info.title));
    var kind = el("div", (info.type ? info.type + " · " : "") + key + " ", "kind");
    if (d.state) { kind.appendChild(el("span", d.state, "state " + d.state)); }
    panel.appendChild(kind);
    panel.appendChild(table([
      ["name", d.name], ["uri", d.uri], ["external id", d.external_id],
      ["created", d.created], ["updated", d.updated], ["started", d.started],
      ["ended", d.ended], ["duration", d.duration], ["count", d.count]
    ]));
    [["properties", d.properties], ["custom properties", d.custom_properties]].forEach(function (p) {
      if (!p[1]) { return; }
      panel.appendChild(el("h3", p[0]));
      panel.appendChild(table(Object.keys(p[1]).sort().map(function (k) { return [k, p[1][k]]; })));
    });
    if (d.contexts) {
      panel.appendChild(el("h3", "contexts"));
      var ul = el("ul");
      d.contexts.forEach(function (c) { ul.appendChild(el("li", c)); });
      panel.appendChild(ul);
    }
    list("inputs", data.edges.filter(function (e) { return e[1] === key; }).map(function (e) { return e[0]; }));
    list("outputs", data.edges.filter(function (e) { return e[0] === key; }).map(function (e) { return e[1]; }));
    list("stands for", d.members);
  }
  function clearMarks() {
    svg.classList.remove("dimmed");
    svg.querySelectorAll(".lit").forEach(function (e) { e.classList.remove("lit"); });
  }
  function pin(key) {
    key = original(key);
    clearMarks();
    pinned = key;
    svg.classList.add("dimmed");
    if (nodes[key]) { nodes[key].classList.add("lit"); }
    edges.forEach(function (e) {
      if (e.src === key || e.dst === key) {
        e.el.classList.add("lit");
        [e.src, e.dst].forEach(function (k) { if (nodes[k]) { nodes[k].classList.add("lit"); } });
      }
    });
    show(key);
  }
  function unpin() { pinned = null; clearMarks(); panel.innerHTML = hint; }

  Object.keys(nodes).forEach(function (key) {
    var node = nodes[key];
    node.addEventListener("mouseenter", function () { if (!pinned) { show(key); } });
    node.addEventListener("mouseleave", function () { if (!pinned) { panel.innerHTML = hint; } });
  });

  var drag = null;
  svg.addEventListener("pointerdown", function (e) {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; canvas.classList.add("dragging"); }
    if (drag.moved) {
      var scale = 1 / svg.getScreenCTM().a;
      view.x = drag.vx - dx * scale; view.y = drag.vy - dy * scale; apply();
    }
  });
  svg.addEventListener("pointerup", function (e) {
    var wasDrag = drag && drag.moved;
    drag = null; canvas.classList.remove("dragging");
    if (wasDrag) { return; }
    var hit = e.target.closest ? e.target.closest("g.node") : null;
    if (!hit) {
      var under = document.elementFromPoint(e.clientX, e.clientY);
      hit = under && under.closest ? under.closest("g.node") : null;
    }
    if (hit && data.nodes[hit.id]) { pin(hit.id); } else { unpin(); }
  });
  svg.addEventListener("dblclick", function (e) { e.preventDefault(); fit(); });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = toSvg(e.clientX, e.clientY);
    zoom(Math.pow(1.0016, e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY), p.x, p.y);
  }, { passive: false });

  document.getElementById("zoom-in").addEventListener("click", function () { zoomCenter(1 / 1.3); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomCenter(1.3); });
  document.getElementById("fit").addEventListener("click", fit);

  var search = document.getElementById("search");
  function find(text) {
    var needle = text.trim().toLowerCase();
    svg.querySelectorAll(".found").forEach(function (e) { e.classList.remove("found"); });
    if (!needle) { found = []; return; }
    found = Object.keys(data.nodes).filter(function (k) {
      var n = data.nodes[k], d = n.details || {};
      return nodes[k] && [k, n.title, n.type, d.name, d.uri].some(function (s) {
        return s && String(s).toLowerCase().indexOf(needle) >= 0;
      });
    });
    found.forEach(function (k) { nodes[k].classList.add("found"); });
    foundAt = -1;
  }
  search.addEventListener("input", function () { find(search.value); });
  search.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !found.length) { return; }
    foundAt = (foundAt + 1) % found.length;
    pin(found[foundAt]); centerOn(nodes[found[foundAt]]);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === search) { if (e.key === "Escape") { search.blur(); } return; }
    if (e.key === "+" || e.key === "=") { zoomCenter(1 / 1.3); }
    else if (e.key === "-") { zoomCenter(1.3); }
    else if (e.key === "0") { fit(); }
    else if (e.key === "/") { e.preventDefault(); search.focus(); }
    else if (e.key === "Escape") { unpin(); }
  });
  apply();
})();
