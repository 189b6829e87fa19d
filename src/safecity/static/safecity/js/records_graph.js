// The link graph of a record page: the records linked to this one, two steps out, drawn as an
// SVG with a small force layout written here (no library, nothing from the internet). It
// starts from the graph the page was served with (the same answer as GET
// /api/v1/records/<path>/<id>/graph?hops=2, read and audited with the session's purpose);
// clicking a circle asks that record's own graph from the API and merges the new records and
// links in; clicking a name opens that record's page. The page lists the same links as text,
// so it is complete without this script.
(function () {
  "use strict";
  var dataEl = document.getElementById("records-graph-data");
  var box = document.getElementById("records-graph");
  if (!dataEl || !box || !window.fetch || !document.createElementNS) return;
  var cfg = JSON.parse(dataEl.textContent);
  var status = document.getElementById("records-graph-status");
  var list = document.getElementById("records-graph-list");
  var SVG = "http://www.w3.org/2000/svg";
  var IDEAL = 110; // the length a link settles at, in layout units
  var LABEL_MAX = 26;
  var COLOURS = {
    person: "#2563eb", vehicle: "#d97706", phone: "#059669",
    "case": "#dc2626", organisation: "#7c3aed", incident: "#ea580c"
  };
  var nodes = {};
  var edges = {};
  var root = cfg.root;

  // A number in [0, 1) from a string, so a graph is laid out the same way every time.
  function seeded(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    return ((h >>> 0) % 100000) / 100000;
  }

  function say(text) { if (status) status.textContent = text || ""; }

  function summary() {
    var n = Object.keys(nodes).length;
    var e = Object.keys(edges).length;
    return cfg.text.summary.replace("%(nodes)s", n).replace("%(edges)s", e);
  }

  // Add the nodes and edges of one graph answer; new nodes start in a ring around ``from``.
  function merge(graph, from) {
    var added = [];
    graph.nodes.forEach(function (n) {
      if (!nodes[n.id]) added.push(n);
    });
    var centre = nodes[from] || { x: 0, y: 0 };
    added.forEach(function (n, i) {
      var angle = 2 * Math.PI * (i / Math.max(added.length, 1) + seeded(n.id) * 0.15);
      var radius = n.id === from ? 0 : IDEAL * (0.8 + 0.4 * seeded(n.id + "r"));
      nodes[n.id] = {
        id: n.id, kind: n.kind, entity_id: n.entity_id, label: n.label,
        x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle),
        expanded: false
      };
    });
    var newEdges = 0;
    graph.edges.forEach(function (e) {
      var key = String(e.id);
      if (!edges[key] && nodes[e.source] && nodes[e.target]) {
        edges[key] = { id: key, source: e.source, target: e.target, label: e.label };
        newEdges++;
      }
    });
    return added.length + newEdges;
  }

  // Fruchterman–Reingold: every pair pushes apart, every link pulls together, the root stays
  // in the middle. ``heat`` caps how far a node moves in one step and cools to nothing.
  function layout(steps, heat) {
    var ids = Object.keys(nodes);
    var links = Object.keys(edges).map(function (k) { return edges[k]; });
    for (var step = 0; step < steps; step++) {
      var t = heat * (1 - step / steps) + 0.5;
      var dx = {}, dy = {};
      ids.forEach(function (id) { dx[id] = 0; dy[id] = 0; });
      for (var i = 0; i < ids.length; i++) {
        var a = nodes[ids[i]];
        for (var j = i + 1; j < ids.length; j++) {
          var b = nodes[ids[j]];
          var x = a.x - b.x, y = a.y - b.y;
          var d2 = x * x + y * y;
          if (d2 < 0.01) { x = seeded(a.id + b.id) - 0.5; y = 0.5 - seeded(b.id + a.id); d2 = x * x + y * y + 0.01; }
          var push = (IDEAL * IDEAL) / d2;
          dx[a.id] += x * push; dy[a.id] += y * push;
          dx[b.id] -= x * push; dy[b.id] -= y * push;
        }
      }
      links.forEach(function (e) {
        var s = nodes[e.source], g = nodes[e.target];
        var x = s.x - g.x, y = s.y - g.y;
        var d = Math.sqrt(x * x + y * y) || 0.1;
        var pull = d / IDEAL;
        dx[s.id] -= x * pull; dy[s.id] -= y * pull;
        dx[g.id] += x * pull; dy[g.id] += y * pull;
      });
      ids.forEach(function (id) {
        var n = nodes[id];
        if (id === root) { n.x = 0; n.y = 0; return; }
        dx[id] -= n.x * 0.01; dy[id] -= n.y * 0.01; // a little gravity keeps islands near
        var len = Math.sqrt(dx[id] * dx[id] + dy[id] * dy[id]) || 1;
        var move = Math.min(len, t);
        n.x += (dx[id] / len) * move;
        n.y += (dy[id] / len) * move;
      });
    }
  }

  // Turn the first drawing so its long side lies along the box's: across on a desk, down on a
  // phone; a chain of links would otherwise be drawn small. Later expansions keep their place.
  function lieAlong(upright) {
    var ids = Object.keys(nodes);
    if (ids.length < 3) return;
    var sxx = 0, syy = 0, sxy = 0;
    ids.forEach(function (id) {
      var n = nodes[id];
      sxx += n.x * n.x; syy += n.y * n.y; sxy += n.x * n.y;
    });
    var angle = 0.5 * Math.atan2(2 * sxy, sxx - syy) - (upright ? Math.PI / 2 : 0);
    var cos = Math.cos(-angle), sin = Math.sin(-angle);
    ids.forEach(function (id) {
      var n = nodes[id];
      var x = n.x * cos - n.y * sin;
      n.y = n.x * sin + n.y * cos;
      n.x = x;
    });
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function pageOf(n) {
    var template = cfg.pages[n.kind];
    return template ? template.replace(/\/0\/$/, "/" + n.entity_id + "/") : "";
  }

  function expandable(n) { return !!cfg.paths[n.kind] && !n.expanded; }

  function short(text) {
    return text.length > LABEL_MAX ? text.slice(0, LABEL_MAX - 1) + "…" : text;
  }

  function draw() {
    var ids = Object.keys(nodes);
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    ids.forEach(function (id) {
      var n = nodes[id];
      minX = Math.min(minX, n.x); maxX = Math.max(maxX, n.x);
      minY = Math.min(minY, n.y); maxY = Math.max(maxY, n.y);
    });
    var padX = 90, padY = 40; // room for the names under and over the circles
    var width = maxX - minX + 2 * padX, height = maxY - minY + 2 * padY;
    var svg = el("svg", {
      xmlns: SVG, role: "group",
      viewBox: [minX - padX, minY - padY, width, height].join(" "),
      "aria-label": summary()
    });
    // The box takes the drawing's shape (within bounds), so a long chain is not drawn small
    // in the middle of an empty square.
    var across = box.clientWidth || box.parentNode.clientWidth || 600;
    box.style.height = Math.round(Math.max(220, Math.min(520, across * height / width))) + "px";
    var lines = el("g", { "class": "edges" }, svg);
    var showLabels = ids.length <= 40;
    Object.keys(edges).forEach(function (k) {
      var e = edges[k], s = nodes[e.source], g = nodes[e.target];
      el("line", { "class": "edge", x1: s.x, y1: s.y, x2: g.x, y2: g.y, "data-edge": e.id }, lines);
      if (showLabels) {
        var text = el("text", { "class": "edge-label", x: (s.x + g.x) / 2, y: (s.y + g.y) / 2 - 3, "text-anchor": "middle" }, lines);
        text.textContent = e.label;
      }
    });
    var group = el("g", { "class": "nodes" }, svg);
    // Labels alternate below and above along the width, so neighbours' names do not run into
    // each other when links line up.
    var above = {};
    ids.slice().sort(function (p, q) { return nodes[p].x - nodes[q].x; })
      .forEach(function (id, i) { above[id] = i % 2 === 1; });
    ids.forEach(function (id) {
      var n = nodes[id];
      var classes = ["node", "kind-" + n.kind];
      if (id === root) classes.push("root");
      if (n.expanded) classes.push("expanded");
      var g = el("g", {
        "class": classes.join(" "), "data-id": id, "data-kind": n.kind,
        transform: "translate(" + n.x.toFixed(1) + "," + n.y.toFixed(1) + ")"
      }, group);
      var title = el("title", {}, g);
      title.textContent = (cfg.kinds[n.kind] || n.kind) + ": " + n.label;
      var circle = el("circle", { r: id === root ? 13 : 9, fill: COLOURS[n.kind] || "#6b7280" }, g);
      if (expandable(n)) {
        circle.setAttribute("tabindex", "0");
        circle.setAttribute("role", "button");
        circle.setAttribute("aria-label", cfg.text.expand + ": " + n.label);
        circle.addEventListener("click", function () { expand(id); });
        circle.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") { event.preventDefault(); expand(id); }
        });
      }
      var url = pageOf(n);
      var holder = url && id !== root ? el("a", { href: url, "aria-label": cfg.text.open + ": " + n.label }, g) : g;
      var radius = id === root ? 13 : 9;
      var label = el("text", {
        x: 0, y: above[id] ? -radius - 5 : radius + 13, "text-anchor": "middle", "class": "node-label"
      }, holder);
      label.textContent = short(n.label);
    });
    box.replaceChildren(svg);
  }

  function expand(id) {
    var n = nodes[id];
    if (!n || n.loading || !expandable(n)) return;
    n.loading = true;
    var g = box.querySelector('[data-id="' + id + '"]');
    if (g) g.classList.add("loading");
    say(cfg.text.loading);
    var url = cfg.api + cfg.paths[n.kind] + "/" + n.entity_id + "/graph?hops=1&purpose=" +
      encodeURIComponent(cfg.purpose);
    var headers = { Accept: "application/json" };
    if (document.documentElement.lang) headers["Accept-Language"] = document.documentElement.lang;
    fetch(url, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (graph) {
        n.loading = false;
        n.expanded = true;
        var added = merge(graph, id);
        if (added) layout(160, 25);
        draw();
        say(added ? summary() : cfg.text.nothing_new);
      })
      .catch(function () {
        n.loading = false;
        draw();
        say(cfg.text.failed);
      });
  }

  merge(cfg.graph, root);
  if (nodes[root]) nodes[root].expanded = true; // its two steps are already drawn
  layout(300, 60);
  box.hidden = false;
  lieAlong(box.clientWidth > 0 && box.clientWidth < 500);
  if (list) list.open = false;
  draw();
  say(summary());
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(draw, 150);
  });
})();
