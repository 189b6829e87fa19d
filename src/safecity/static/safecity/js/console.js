// The dispatcher's console: open incidents, the units board and the map, kept live from the
// officers' WebSocket (live.js dispatches "safecity:live" with {event, payload}).
//
// Built to stay smooth with hundreds of units and incidents: every row is keyed by id and
// updated in place; live events only change the state and mark rows dirty, and one
// requestAnimationFrame draws the dirty rows (and moves their map markers) at once; one
// 1-second ticker counts every timer. After a reconnection the state is read again from the
// API (events may have been missed), while new events wait and are applied after it; so it is
// once the connection is first up, which may be a moment after the page was drawn.
//
// Select an incident by clicking it (or j/k, arrows, Enter), then assign a recommended unit
// with its button (or the digit of its rank, then Enter). window.SafeCityConsole exposes the
// state and the map controller (for the browser tests and the curious).
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var labels = JSON.parse(document.getElementById("console-labels").textContent);
  var initial = JSON.parse(document.getElementById("console-data").textContent);
  var csrfToken = root.dataset.csrf;
  var api = labels.api;
  // The API answers in the language asked for: the page's, not the browser's.
  var language = document.documentElement.lang || "vi";
  // Timers count from the server's clock, not the workstation's.
  var skew = parseInt(root.dataset.serverNow, 10) - Date.now();
  function now() { return Date.now() + skew; }

  var incidentList = document.getElementById("incident-list");
  var queueEmpty = document.getElementById("queue-empty");
  var incidentCount = document.getElementById("incident-count");
  var availableCount = document.getElementById("available-count");
  var announcer = document.getElementById("console-announce");
  var groups = {};
  Array.prototype.forEach.call(document.querySelectorAll(".unit-group"), function (group) {
    groups[group.dataset.status] = {
      box: group, list: group.querySelector(".unit-list"), count: group.querySelector("[data-count]")
    };
  });

  // --- State ---------------------------------------------------------------------------------
  var incidents = {};    // id → {data, row, wait: {start, limit, amber} | null}
  var units = {};        // id → {data, row}
  var assignments = {};  // id → the assignment row (open ones), for timers and the panel
  var lastRelease = {};  // incident id → when its last unit left (ms): the wait starts again
  var thresholds = initial.timers.thresholds || {};
  var amberPercent = initial.timers.amber_percent || 75;
  var selectedId = null; // the highlighted incident (keyboard or click)
  var openId = null;     // the incident in the dispatch panel

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }
  // Writes only what changed: a position update must not lay the board out again.
  function setText(node, value) { value = String(value); if (node.textContent !== value) node.textContent = value; }
  function setClass(node, value) { if (node.className !== value) node.className = value; }
  function setData(node, key, value) { value = String(value); if (node.dataset[key] !== value) node.dataset[key] = value; }
  function isOpen(status) { return labels.open.indexOf(status) >= 0; }
  function waiting(status) { return status === "new" || status === "acknowledged"; }
  function announce(message) {
    announcer.textContent = "";
    // A change of text after a tick is what screen readers announce.
    setTimeout(function () { announcer.textContent = message; }, 30);
  }
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }
  function limitsFor(priority) {
    return thresholds[String(priority)] || thresholds[Object.keys(thresholds).pop()] ||
      { unassigned: 60, dispatched: 60, en_route: 600 };
  }
  function amberOf(limit) { return Math.max(1, Math.floor(limit * amberPercent / 100)); }
  function timerOf(start, limit) { return { start: start, limit: limit, amber: amberOf(limit) }; }
  function timerState(timer, t) {
    var elapsed = (t - timer.start) / 1000;
    if (elapsed >= timer.limit) return "red";
    return elapsed >= timer.amber ? "amber" : "green";
  }
  function wardName(p) {
    return p.ward_name || (labels.wards || {})[String(p.ward_code)] || labels.no_ward;
  }
  function categoryLabel(category) { return labels.categories[category] || category; }
  function etaText(seconds) {
    if (seconds < 60) return format(labels.seconds, { n: Math.max(0, Math.round(seconds)) });
    return format(labels.minutes, { n: Math.round(seconds / 60) });
  }
  function distanceText(metres) {
    if (metres < 1000) return format(labels.metres, { n: Math.round(metres) });
    return format(labels.km, { n: (metres / 1000).toFixed(1) });
  }

  // Rows in sight (of the page and of their scrolling pane), for the ticker.
  var inSight = null, sightObserver = null;
  if ("IntersectionObserver" in window && window.Set) {
    inSight = new Set();
    sightObserver = new IntersectionObserver(function (entries) {
      var t = now();
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { inSight.add(entry.target); entry.target.tick(t); }
        else inSight.delete(entry.target);
      });
    }, { rootMargin: "100px 0px" });
  }
  function watch(row) { if (sightObserver) sightObserver.observe(row); }
  function unwatch(row) {
    if (!sightObserver) return;
    sightObserver.unobserve(row);
    inSight.delete(row);
  }

  // --- Drawing: batched into one animation frame ------------------------------------------------
  var dirtyIncidents = {};
  var dirtyUnits = {};
  var dirtyPanel = false;
  var frame = 0, fallback = 0;
  function schedule() {
    if (frame) return;
    frame = requestAnimationFrame(flush);
    // A hidden tab gets no animation frames: draw anyway, a little later.
    fallback = setTimeout(flush, 500);
  }
  function flush() {
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
    frame = 0;
    var incidentIds = Object.keys(dirtyIncidents), unitIds = Object.keys(dirtyUnits);
    dirtyIncidents = {};
    dirtyUnits = {};
    var t = now();
    incidentIds.forEach(function (id) { drawIncident(id, t); });
    unitIds.forEach(function (id) { drawUnit(id, t); });
    if (incidentIds.length) counted();
    if (unitIds.length) countUnits();
    if (dirtyPanel) { dirtyPanel = false; drawPanel(); }
  }
  function markIncident(id) { dirtyIncidents[id] = true; schedule(); }
  function markUnit(id) { dirtyUnits[id] = true; schedule(); }

  // --- Incidents -------------------------------------------------------------------------------
  function buildIncidentRow(id) {
    var row = document.createElement("li");
    row.className = "inc";
    row.dataset.incidentId = id;
    row.innerHTML =
      '<button type="button" class="inc-open" tabindex="-1">' +
      '<span class="prio" data-f="prio"></span>' +
      '<span class="inc-main"><span class="inc-title"><span class="q-id"></span> <span data-f="category"></span></span>' +
      '<span class="inc-sub"><span data-f="ward"></span> · <span data-f="reports"></span></span>' +
      '<span class="inc-summary" data-f="summary"></span></span>' +
      '<span class="inc-side"><time class="inc-age" data-f="age"></time>' +
      '<span class="status" data-f="status"></span>' +
      '<span class="timer" data-f="timer" hidden></span></span></button>';
    row.querySelector(".q-id").textContent = "#" + id;
    row.fields = {};
    Array.prototype.forEach.call(row.querySelectorAll("[data-f]"), function (node) {
      row.fields[node.dataset.f] = node;
    });
    row.firstChild.addEventListener("click", function () { select(id, { open: true }); });
    row.tick = function (t) { var item = incidents[id]; if (item) tickIncident(item, t); };
    watch(row);
    return row;
  }

  function before(a, b) {
    if (a.data.priority !== b.data.priority) return a.data.priority < b.data.priority;
    if (a.opened !== b.opened) return a.opened < b.opened;
    return a.data.id < b.data.id;
  }

  // Put the row where its priority and age say (rows move only when these change).
  function place(item) {
    var row = item.row;
    var next = null;
    var rows = incidentList.children;
    // The usual case (the first load, a new incident): it goes last.
    var last = incidentList.lastElementChild;
    var lastItem = last && last !== row ? incidents[last.dataset.incidentId] : null;
    if (!row.parentNode && (!last || (lastItem && !before(item, lastItem)))) {
      incidentList.appendChild(row);
      return;
    }
    for (var i = 0; i < rows.length; i++) {
      var other = incidents[rows[i].dataset.incidentId];
      if (rows[i] !== row && other && before(item, other)) { next = rows[i]; break; }
    }
    if (next) { if (row.nextSibling !== next) incidentList.insertBefore(row, next); }
    else if (incidentList.lastElementChild !== row || !row.parentNode) incidentList.appendChild(row);
  }

  function drawIncident(id, t) {
    var item = incidents[id];
    if (!item) return;
    var p = item.data, row = item.row;
    if (!row) {
      row = item.row = buildIncidentRow(p.id);
      item.placedKey = null;
    }
    var f = row.fields;
    setText(f.prio, "P" + p.priority);
    setClass(f.prio, "prio prio-" + p.priority);
    f.prio.title = labels.priorities[String(p.priority)] || "";
    setText(f.category, categoryLabel(p.category));
    setText(f.ward, wardName(p));
    setText(f.reports, labels.reports + ": " + p.report_count);
    var summary = p.summary || "";
    setText(f.summary, summary.length > 90 ? summary.slice(0, 89) + "…" : summary);
    setText(f.status, labels.statuses[p.status] || p.status);
    setClass(f.status, "status status-" + p.status);
    if (f.age.dateTime !== p.opened_at) f.age.dateTime = p.opened_at;
    setData(row, "priority", p.priority);
    setData(row, "status", p.status);
    var key = p.priority + "/" + item.opened;
    if (item.placedKey !== key) { place(item); item.placedKey = key; }
    tickIncident(item, t);
    if (map) map.applyIncident(p);
  }

  function removeIncident(id) {
    var item = incidents[id];
    if (!item) return;
    if (item.row) { unwatch(item.row); item.row.remove(); }
    delete incidents[id];
    delete dirtyIncidents[id];
    if (map) map.applyIncident(item.data);  // a closed status takes the marker off
    if (selectedId === id) selectedId = null;
    counted();
  }

  // The incident's running timers: its wait for a unit, or its units' (not yet en route,
  // not yet on scene); the worst one is shown.
  // Open assignments by incident, rebuilt only after assignments changed.
  var byIncident = null;
  function assignmentsOf(incidentId) {
    if (!byIncident) {
      byIncident = {};
      Object.keys(assignments).forEach(function (key) {
        var a = assignments[key];
        (byIncident[a.incident_id] = byIncident[a.incident_id] || []).push(a);
      });
    }
    return byIncident[incidentId] || [];
  }

  function incidentTimer(item, t) {
    if (item.wait) return { timer: item.wait, name: labels.timers.unassigned, state: timerState(item.wait, t) };
    var worst = null;
    assignmentsOf(item.data.id).forEach(function (a) {
      if (!a.timer) return;
      var state = timerState(a.timer, t);
      var rank = { green: 0, amber: 1, red: 2 }[state];
      var elapsed = t - a.timer.start;
      if (!worst || rank > worst.rank || (rank === worst.rank && elapsed > worst.elapsed)) {
        worst = { timer: a.timer, name: a.call_sign + " · " + labels.timers[a.timerName], state: state, rank: rank, elapsed: elapsed };
      }
    });
    return worst;
  }

  function paintTimer(node, running, t) {
    if (!running) { if (!node.hidden) node.hidden = true; return; }
    if (node.hidden) node.hidden = false;
    setText(node, duration((t - running.timer.start) / 1000) + " / " + duration(running.timer.limit));
    if (node.title !== running.name) node.title = running.name;
    setClass(node, "timer timer-" + running.state);
  }

  function tickIncident(item, t) {
    var f = item.row.fields;
    var age = duration((t - item.opened) / 1000);
    if (f.age.textContent !== age) f.age.textContent = age;
    paintTimer(f.timer, incidentTimer(item, t), t);
  }

  function upsertIncident(p, fromEvent) {
    var id = p.id;
    var item = incidents[id];
    if (!isOpen(p.status)) {
      if (item) {
        removeIncident(id);
        if (openId === id) {
          panelSnapshot = Object.assign({}, panelSnapshot, p);  // shows how it ended
          dirtyPanel = true;
          schedule();
        }
      }
      return;
    }
    var wasP1 = item ? item.data.priority === 1 : false;
    var merged = item ? Object.assign({}, item.data, p) : Object.assign({}, p);
    if (!item) item = incidents[id] = { data: merged, row: null, wait: null };
    item.data = merged;
    item.opened = Date.parse(merged.opened_at);
    var limit = limitsFor(merged.priority).unassigned;
    if (!waiting(merged.status)) item.wait = null;
    else if (!item.wait) item.wait = timerOf(lastRelease[id] || item.opened, limit);
    else item.wait = timerOf(item.wait.start, limit);  // the priority may have changed
    markIncident(id);
    if (openId === id) dirtyPanel = true;
    if (fromEvent && merged.priority === 1 && !wasP1) alertP1(merged);
  }

  function counted() {
    var n = incidentList.children.length;
    incidentCount.textContent = n;
    queueEmpty.hidden = n > 0;
    // Keep one row reachable with Tab (the selected one, else the first).
    if (n && !incidentList.querySelector('button[tabindex="0"]')) {
      var tabStop = rowButton(selectedId) || incidentList.firstElementChild.firstChild;
      tabStop.tabIndex = 0;
    }
  }

  // --- Units -----------------------------------------------------------------------------------
  function buildUnitRow(id) {
    var row = document.createElement("li");
    row.className = "unit";
    row.dataset.unitId = id;
    row.innerHTML =
      '<button type="button" class="unit-open"><span class="unit-sign" data-f="sign"></span>' +
      '<span class="unit-kind" data-f="kind"></span><span class="unit-incident" data-f="incident"></span>' +
      '<span class="timer" data-f="timer" hidden></span></button>';
    row.fields = {};
    Array.prototype.forEach.call(row.querySelectorAll("[data-f]"), function (node) {
      row.fields[node.dataset.f] = node;
    });
    row.firstChild.addEventListener("click", function () {
      var unit = units[id];
      if (!unit) return;
      if (map) map.focusUnit(id);
      if (unit.data.incident_id && incidents[unit.data.incident_id]) select(unit.data.incident_id, { open: false, focus: false });
    });
    row.tick = function (t) { var unit = units[id]; if (unit && unit.timer) tickUnit(unit, t); };
    watch(row);
    return row;
  }

  var collator = new Intl.Collator(undefined, { numeric: true });
  function unitBefore(a, b) { return collator.compare(a, b) < 0; }

  function placeUnit(unit) {
    var group = groups[unit.data.status] || groups.off_duty;
    var list = group.list;
    var row = unit.row;
    var sign = unit.data.call_sign || "";
    var next = null;
    var rows = list.children;
    var last = list.lastElementChild;
    row.dataset.sign = sign;
    if (!last || (last !== row && !unitBefore(sign, last.dataset.sign || ""))) {
      list.appendChild(row);  // the usual case on the first load: call signs come in order
      return;
    }
    for (var i = 0; i < rows.length; i++) {
      if (rows[i] !== row && unitBefore(sign, rows[i].dataset.sign || "")) { next = rows[i]; break; }
    }
    if (next) { if (row.nextSibling !== next || row.parentNode !== list) list.insertBefore(row, next); }
    else if (row.parentNode !== list || list.lastElementChild !== row) list.appendChild(row);
  }

  function drawUnit(id, t) {
    var unit = units[id];
    if (!unit) return;
    var p = unit.data;
    if (!unit.row) { unit.row = buildUnitRow(p.id); unit.placedKey = null; }
    var f = unit.row.fields;
    setText(f.sign, p.call_sign);
    setText(f.kind, labels.unit_kinds[p.kind] || p.kind_label || p.kind || "");
    setText(f.incident, p.incident_id ? "#" + p.incident_id : "");
    setData(unit.row, "status", p.status);
    var title = labels.unit_statuses[p.status] || p.status;
    if (unit.row.title !== title) unit.row.title = title;
    var key = p.status + "/" + p.call_sign;
    if (unit.placedKey !== key) { placeUnit(unit); unit.placedKey = key; }
    tickUnit(unit, t);
    if (map) map.applyUnit(p);
  }

  function unitTimer(unit) {
    var timer = unit.data.timer;
    if (!timer) return null;
    return {
      timer: timerOf(Date.parse(timer.started_at), timer.limit_s),
      name: labels.timers[timer.name] || timer.name
    };
  }

  function tickUnit(unit, t) {
    var running = unit.timer;
    if (running) running.state = timerState(running.timer, t);
    paintTimer(unit.row.fields.timer, running, t);
  }

  function upsertUnit(p) {
    var unit = units[p.id];
    var was = unit ? unit.data.incident_id : null;
    var merged = unit ? Object.assign({}, unit.data, p) : Object.assign({}, p);
    if (!unit) unit = units[p.id] = { data: merged, row: null };
    unit.data = merged;
    if ("timer" in p) unit.timer = unitTimer(unit);
    markUnit(p.id);
    if (openId !== null && (merged.incident_id === openId || was === openId)) dirtyPanel = true;
  }

  function countUnits() {
    var available = 0;
    Object.keys(groups).forEach(function (status) {
      var n = groups[status].list.children.length;
      groups[status].count.textContent = n;
      if (status === "available") available = n;
    });
    availableCount.textContent = available;
  }

  // --- Assignments (for the incidents' timers and the panel) ---------------------------------
  function applyAssignment(a, released) {
    byIncident = null;
    if (released || a.released_at) {
      delete assignments[a.id];
      if (a.released_at) lastRelease[a.incident_id] = Date.parse(a.released_at);
    } else {
      var p = a.incident ? a.incident.priority : (incidents[a.incident_id] || { data: {} }).data.priority;
      var limits = limitsFor(p);
      var timer = null, name = null;
      if (!a.on_scene_at && a.en_route_at) { timer = timerOf(Date.parse(a.en_route_at), limits.en_route); name = "en_route"; }
      else if (!a.on_scene_at) { timer = timerOf(Date.parse(a.assigned_at), limits.dispatched); name = "dispatched"; }
      assignments[a.id] = Object.assign({}, a, { timer: timer, timerName: name });
      var item = incidents[a.incident_id];
      if (item) {
        item.wait = null;
        // The live incident events carry no address; the assignment's does.
        if (a.incident && a.incident.address && !item.data.address) item.data.address = a.incident.address;
      }
    }
    if (incidents[a.incident_id]) markIncident(a.incident_id);
    if (openId === a.incident_id) { dirtyPanel = true; schedule(); }
  }

  // --- Loading a whole state (the page's own data, or the API after a reconnection) ----------
  // ``alertNew``: a P1 the console did not know yet (it came while the connection was down)
  // alerts as a live one would.
  function loadState(state, alertNew) {
    thresholds = state.timers.thresholds || thresholds;
    amberPercent = state.timers.amber_percent || amberPercent;
    skew = Date.parse(state.timers.now) - Date.now();
    var seenIncidents = {}, seenUnits = {};
    Object.keys(assignments).forEach(function (key) { delete assignments[key]; });
    byIncident = null;
    state.timers.timers.forEach(function (timer) {
      if (timer.subject_type !== "assignment") return;
      assignments[timer.subject_id] = {
        id: timer.subject_id, incident_id: timer.incident_id, unit_id: timer.unit_id,
        call_sign: timer.call_sign, timer: timerOf(Date.parse(timer.started_at), timer.limit_s),
        timerName: timer.timer
      };
    });
    var waits = {};
    state.timers.timers.forEach(function (timer) {
      if (timer.subject_type === "incident") waits[timer.incident_id] = timer;
    });
    state.incidents.forEach(function (p) {
      seenIncidents[p.id] = true;
      var known = !!incidents[p.id];
      upsertIncident(p, false);
      if (alertNew && !known && p.priority === 1) alertP1(p);
      var item = incidents[p.id];
      var wait = waits[p.id];
      if (item && wait) item.wait = timerOf(Date.parse(wait.started_at), wait.limit_s);
    });
    Object.keys(incidents).forEach(function (id) { if (!seenIncidents[id]) removeIncident(+id); });
    state.units.forEach(function (p) { seenUnits[p.id] = true; upsertUnit(p); });
    Object.keys(units).forEach(function (id) {
      if (!seenUnits[id]) {
        if (units[id].row) { unwatch(units[id].row); units[id].row.remove(); }
        delete units[id];
      }
    });
    flush();
  }

  var resyncing = false;
  var held = [];
  function getJson(path) {
    return fetch(api + path, {
      credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": language }, cache: "no-store"
    }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(new Error(path + ": " + response.status));
    });
  }
  function resync() {
    if (resyncing) return;
    resyncing = true;
    Promise.all([getJson("/incidents?status=open&limit=1000"), getJson("/dispatch/units?limit=5000"), getJson("/dispatch/timers")])
      .then(function (answers) {
        loadState({ incidents: answers[0], units: answers[1], timers: answers[2] }, true);
        if (map) map.reload();
      })
      .catch(function () { /* the next reconnection tries again */ })
      .then(function () {
        resyncing = false;
        var events = held;
        held = [];
        events.forEach(handle);
        if (openId !== null) loadRecommendations(openId);
      });
  }

  // --- Live ------------------------------------------------------------------------------------
  function handle(data) {
    var p = data.payload;
    switch (data.event) {
      case "incident.created":
      case "incident.updated":
        if (p) upsertIncident(p, true);
        break;
      case "unit.created":
      case "unit.updated":
      case "unit.position":
      case "unit.status":
        if (p) upsertUnit(p);
        if (p && openId !== null && data.event !== "unit.position") refreshRecommendationsSoon();
        break;
      case "assignment.created":
      case "assignment.updated":
        if (p) applyAssignment(p, false);
        break;
      case "assignment.released":
        if (p) applyAssignment(p, true);
        break;
      case "dispatch.overdue":
        if (p) overdue(p);
        break;
    }
  }
  document.addEventListener("safecity:live", function (event) {
    var data = event.detail || {};
    if (data.event === "hello") {
      // Connected: read the state again, since the page was drawn or since the connection
      // dropped, events may have been missed.
      resync();
      return;
    }
    if (resyncing) { held.push(data); return; }
    handle(data);
  });

  function overdue(p) {
    var item = incidents[p.incident_id];
    if (item && item.row) {
      item.row.classList.remove("overdue");
      void item.row.offsetWidth;  // restart the animation
      item.row.classList.add("overdue");
    }
    announce(format(labels.overdue, {
      id: p.incident_id, timer: labels.timers[p.timer] || p.timer, unit: p.call_sign || "—"
    }));
  }

  // --- The ticker: one for every timer on the page ---------------------------------------------
  // Only the rows in sight are counted each second (a row is counted when it comes into sight,
  // and whenever it is drawn): hundreds of rows would otherwise be laid out again every second.
  function tickAll() {
    var t = now();
    if (inSight) inSight.forEach(function (row) { row.tick(t); });
    else Array.prototype.forEach.call(root.querySelectorAll(".inc, .unit"), function (row) { row.tick(t); });
  }
  setInterval(tickAll, 1000);

  // --- Sound and the P1 banner -----------------------------------------------------------------
  var soundToggle = document.getElementById("sound-toggle");
  var banner = document.getElementById("p1-banner");
  var bannerOpen = document.getElementById("p1-open");
  // The incident queue's three 880 Hz tones: one sound means "new P1" everywhere.
  var beep = SafeCitySound.alarm({
    toggle: soundToggle, labels: labels, storageKey: "safecity.console.sound",
  }).beep;

  var bannerFor = null;
  function alertP1(p) {
    bannerFor = p.id;
    bannerOpen.textContent = "#" + p.id + " " + categoryLabel(p.category) + " — " + wardName(p);
    banner.hidden = false;
    beep();
    announce(format(labels.new_p1, { id: p.id, category: categoryLabel(p.category), ward: wardName(p) }));
  }
  bannerOpen.addEventListener("click", function () {
    banner.hidden = true;
    if (bannerFor !== null && incidents[bannerFor]) select(bannerFor, { open: true });
  });
  document.getElementById("p1-dismiss").addEventListener("click", function () { banner.hidden = true; });

  // --- Selecting an incident and the dispatch panel ----------------------------------------------
  var panel = document.getElementById("dispatch-panel");
  var panelTitle = document.getElementById("panel-title");
  var panelStatus = document.getElementById("panel-status");
  var panelWhere = document.getElementById("panel-where");
  var panelSummary = document.getElementById("panel-summary");
  var panelEnded = document.getElementById("panel-ended");
  var panelAssignments = document.getElementById("panel-assignments");
  var panelDetail = document.getElementById("panel-detail");
  var recStatus = document.getElementById("rec-status");
  var recList = document.getElementById("rec-list");
  var assignError = document.getElementById("assign-error");
  var recommendations = [];
  var picked = -1;
  var recRequest = null;
  var busy = false;
  var panelSnapshot = null;  // the last data of the open incident (it may leave the queue)

  function rowButton(id) {
    var item = incidents[id];
    return item && item.row ? item.row.firstChild : null;
  }

  function select(id, options) {
    options = options || {};
    if (!incidents[id]) return;
    if (selectedId !== null && incidents[selectedId] && incidents[selectedId].row) {
      incidents[selectedId].row.classList.remove("selected");
      incidents[selectedId].row.firstChild.removeAttribute("aria-current");
    }
    // One tab stop in the queue (the selected row); the keys move between rows.
    Array.prototype.forEach.call(incidentList.querySelectorAll('button[tabindex="0"]'), function (b) { b.tabIndex = -1; });
    selectedId = id;
    var button = rowButton(id);
    if (button) {
      button.parentNode.classList.add("selected");
      button.tabIndex = 0;
      button.setAttribute("aria-current", "true");
      if (options.focus !== false) button.focus({ preventScroll: true });
      button.parentNode.scrollIntoView({ block: "nearest" });
    }
    if (options.open) openPanel(id);
  }

  function move(delta) {
    var rows = incidentList.children;
    if (!rows.length) return;
    var index = -1;
    for (var i = 0; i < rows.length; i++) {
      if (+rows[i].dataset.incidentId === selectedId) { index = i; break; }
    }
    index = index < 0 ? (delta > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + delta));
    select(+rows[index].dataset.incidentId, { open: false });
  }

  function detailUrl(id) { return labels.detail_url.replace(/0\/$/, id + "/"); }

  function openPanel(id) {
    if (openId !== id) {
      recommendations = [];
      picked = -1;
      drawRecommendations();
    }
    openId = id;
    panelSnapshot = incidents[id] ? incidents[id].data : panelSnapshot;
    panel.hidden = false;
    panel.dataset.incidentId = id;
    assignError.hidden = true;
    drawPanel();
    loadRecommendations(id);
    loadAssignments(id);
    var p = panelSnapshot;
    if (map && p) {
      // The panel took room from the map: size it first, then centre it on the incident.
      map.map.invalidateSize({ pan: false });
      map.focus(p.lat, p.lon, 14);
    }
    // On a narrow screen the panel is below the queue: bring it into sight.
    if (narrow.matches) panel.scrollIntoView({ block: "start" });
  }
  var narrow = window.matchMedia("(max-width: 63.99rem)");

  function closePanel() {
    if (openId === null) return;
    var id = openId;
    openId = null;
    panel.hidden = true;
    recommendations = [];
    picked = -1;
    if (recRequest) recRequest.abort();
    if (recLines) recLines.clearLayers();
    if (map) map.map.invalidateSize({ animate: false });
    var button = rowButton(id);
    if (button) button.focus({ preventScroll: true });
  }

  function drawPanel() {
    if (openId === null) return;
    var item = incidents[openId];
    var p = item ? item.data : panelSnapshot;
    if (!p) return;
    panelSnapshot = p;
    panelTitle.textContent = "P" + p.priority + " · " + format(labels.incident_title, { id: p.id }) + " · " + categoryLabel(p.category);
    panelStatus.textContent = labels.statuses[p.status] || p.status;
    panelStatus.className = "status status-" + p.status;
    panelWhere.textContent = [p.address, wardName(p)].filter(Boolean).join(" · ") + " · " + labels.reports + ": " + p.report_count;
    panelSummary.textContent = p.summary || "";
    panelDetail.href = detailUrl(p.id);
    panelEnded.hidden = !!item;
    drawAssignments();
    setBusy(busy);  // an incident that ended can no longer be assigned
  }

  // Units on the open incident: from the assignments the console knows of.
  function drawAssignments() {
    panelAssignments.textContent = "";
    var open = assignmentsOf(openId);
    if (!open.length) {
      var none = document.createElement("li");
      none.className = "hint";
      none.textContent = labels.no_units_on_incident;
      panelAssignments.appendChild(none);
      return;
    }
    open.forEach(function (a) {
      var li = document.createElement("li");
      var unit = units[a.unit_id];
      var status = unit ? unit.data.status : (a.timerName || "");
      var sign = document.createElement("strong");
      sign.textContent = a.call_sign;
      var chip = document.createElement("span");
      chip.className = "unit-status";
      chip.dataset.status = status;
      chip.textContent = labels.unit_statuses[status] || status;
      li.appendChild(sign);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(chip);
      var release = document.createElement("button");
      release.type = "button";
      release.className = "link release";
      release.textContent = labels.release;
      release.addEventListener("click", function () { releaseAssignment(a); });
      li.appendChild(release);
      panelAssignments.appendChild(li);
    });
  }

  function loadAssignments(id) {
    getJson("/incidents/" + id + "/assignments").then(function (rows) {
      rows.forEach(function (a) { applyAssignment(a, !!a.released_at); });
      if (openId === id) { dirtyPanel = true; schedule(); }
    }).catch(function () { /* the list stays as the live events made it */ });
  }

  function loadRecommendations(id) {
    if (recRequest) recRequest.abort();
    var request = recRequest = new AbortController();
    recStatus.textContent = labels.recommend_loading;
    recList.setAttribute("aria-busy", "true");
    fetch(api + "/incidents/" + id + "/recommendations?limit=9", {
      credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": language }, cache: "no-store", signal: request.signal
    }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(new Error(String(response.status)));
    }).then(function (rows) {
      if (openId !== id) return;
      recommendations = rows;
      picked = Math.min(picked, rows.length - 1);
      recStatus.textContent = rows.length ? "" : labels.recommend_none;
      drawRecommendations();
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      if (openId !== id) return;
      recommendations = [];
      recStatus.textContent = labels.recommend_failed;
      drawRecommendations();
    }).then(function () {
      if (recRequest === request) { recRequest = null; recList.removeAttribute("aria-busy"); }
    });
  }

  // A unit changed while the panel is open: the ranking may have changed (debounced).
  var refreshTimer = 0;
  function refreshRecommendationsSoon() {
    if (busy) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { if (openId !== null && !busy) loadRecommendations(openId); }, 800);
  }

  var recLines = null;
  var REC_LINES = 3;  // lines on the map from the incident to the first few recommended units
  function drawRecommendations() {
    var focused = document.activeElement && recList.contains(document.activeElement)
      ? document.activeElement.closest("li") : null;
    var focusedUnit = focused ? focused.dataset.unitId : null;
    recList.textContent = "";
    if (recLines) recLines.clearLayers();
    var p = panelSnapshot;
    recommendations.forEach(function (r, index) {
      var li = document.createElement("li");
      li.className = "rec" + (index === picked ? " picked" : "");
      li.dataset.unitId = r.unit_id;
      li.innerHTML =
        '<span class="rec-n" aria-hidden="true"></span>' +
        '<span class="rec-main"><strong class="rec-sign"></strong> <span class="rec-kind"></span>' +
        '<span class="rec-reason"></span></span>' +
        '<span class="rec-eta"><strong></strong><span></span></span>' +
        '<button type="button" class="primary rec-assign"></button>';
      li.querySelector(".rec-n").textContent = index + 1;
      li.querySelector(".rec-sign").textContent = r.call_sign;
      li.querySelector(".rec-kind").textContent = labels.unit_kinds[r.kind] || r.kind;
      li.querySelector(".rec-reason").textContent = r.reason;
      li.querySelector(".rec-eta strong").textContent = labels.eta + " " + etaText(r.eta_s);
      li.querySelector(".rec-eta span").textContent = distanceText(r.distance_m);
      var button = li.querySelector(".rec-assign");
      button.textContent = labels.assign;
      button.setAttribute("aria-label", format(labels.assign_unit, { unit: r.call_sign, eta: etaText(r.eta_s) }));
      button.disabled = busy || !incidents[openId];
      button.addEventListener("click", function (event) { event.stopPropagation(); assign(r); });
      li.addEventListener("click", function () { pick(index); });
      recList.appendChild(li);
      if (String(r.unit_id) === focusedUnit) button.focus({ preventScroll: true });
      if (recLines && p && typeof r.lat === "number" && index < REC_LINES) {
        recLines.addLayer(L.polyline([[p.lat, p.lon], [r.lat, r.lon]], {
          color: index === 0 ? "#15803d" : "#6b7280", weight: index === 0 ? 3 : 1.5,
          dashArray: index === 0 ? null : "4 4", interactive: false
        }));
      }
    });
  }

  function pick(index) {
    if (index < 0 || index >= recommendations.length) return;
    picked = index;
    Array.prototype.forEach.call(recList.children, function (li, i) { li.classList.toggle("picked", i === index); });
    var li = recList.children[index];
    var r = recommendations[index];
    li.querySelector(".rec-assign").focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
    if (map) map.focusUnit(r.unit_id);
    announce(format(labels.picked, { n: index + 1, unit: r.call_sign, eta: etaText(r.eta_s) }));
  }

  function post(path, body) {
    return fetch(api + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": language, "X-CSRFToken": csrfToken },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, status: response.status, body: json };
      });
    });
  }

  function errorText(answer, unitName) {
    var error = (answer.body && answer.body.error) || {};
    if (error.code === "unit_unavailable") {
      var why = [];
      var fields = error.fields || {};
      Object.keys(fields).forEach(function (key) {
        if (key !== "unit_ids" && fields[key] && fields[key].length) why.push(fields[key].join(", "));
      });
      if (!why.length) return format(labels.unavailable, { unit: unitName, why: error.message });
      return format(labels.unavailable, { unit: unitName, why: why.join("; ") }) + ". " + (error.message || "");
    }
    if (error.code === "csrf_failed") return labels.csrf_failed;
    return error.message || format(labels.error, { status: answer.status });
  }

  function showError(message) {
    assignError.textContent = message;
    assignError.hidden = false;
    assignError.scrollIntoView({ block: "nearest" });
  }

  function setBusy(on) {
    busy = on;
    Array.prototype.forEach.call(recList.querySelectorAll(".rec-assign"), function (button) {
      button.disabled = on || !incidents[openId];
    });
  }

  function assign(r) {
    if (busy || openId === null) return;
    var id = openId;
    setBusy(true);
    assignError.hidden = true;
    recStatus.textContent = labels.assigning;
    post("/incidents/" + id + "/assignments", { unit_ids: [r.unit_id] }).then(function (answer) {
      if (answer.ok) {
        (answer.body || []).forEach(function (a) { applyAssignment(a, false); });
        recStatus.textContent = "";
        announce(format(labels.assigned, { unit: r.call_sign, id: id }));
        picked = -1;
        var button = rowButton(id);
        if (button) button.focus({ preventScroll: true });
      } else {
        recStatus.textContent = "";
        showError(errorText(answer, r.call_sign));
      }
    }).catch(function () {
      recStatus.textContent = "";
      showError(labels.offline);
    }).then(function () {
      setBusy(false);
      if (openId === id) loadRecommendations(id);
    });
  }

  function releaseAssignment(a) {
    if (busy) return;
    setBusy(true);
    assignError.hidden = true;
    post("/assignments/" + a.id + "/release", {}).then(function (answer) {
      if (answer.ok) {
        applyAssignment(answer.body, true);
        announce(format(labels.released, { unit: a.call_sign, id: a.incident_id }));
      } else {
        showError(errorText(answer, a.call_sign));
      }
    }).catch(function () { showError(labels.offline); }).then(function () {
      setBusy(false);
      if (openId !== null) loadRecommendations(openId);
    });
  }

  document.getElementById("panel-close").addEventListener("click", closePanel);

  // --- Keyboard --------------------------------------------------------------------------------
  var keysHelp = document.getElementById("keys-help");
  var keysToggle = document.getElementById("keys-toggle");
  function toggleHelp() {
    keysHelp.hidden = !keysHelp.hidden;
    keysToggle.setAttribute("aria-expanded", keysHelp.hidden ? "false" : "true");
  }
  keysToggle.addEventListener("click", toggleHelp);

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && target.closest && target.closest("input, textarea, select, [contenteditable], .leaflet-container")) return;
    var inQueue = target && target.closest && target.closest("#incident-list");
    var key = event.key;
    if (key === "j" || (key === "ArrowDown" && inQueue)) { event.preventDefault(); move(1); }
    else if (key === "k" || (key === "ArrowUp" && inQueue)) { event.preventDefault(); move(-1); }
    else if (key === "Enter" && !inQueue && selectedId !== null && openId !== selectedId &&
             !(target && target.closest && target.closest("button, a, summary"))) {
      event.preventDefault();
      select(selectedId, { open: true });
    }
    else if (key === "Escape") {
      if (!keysHelp.hidden) toggleHelp(); else closePanel();
    }
    else if (/^[1-9]$/.test(key) && openId !== null) {
      event.preventDefault();
      pick(parseInt(key, 10) - 1);
    }
    else if (key === "?") { event.preventDefault(); toggleHelp(); }
  });

  // --- The map -------------------------------------------------------------------------------
  var map = null;
  var mapTarget = document.getElementById("console-map");
  if (window.SafeCityMap && window.SafeCityMap.mount) {
    map = SafeCityMap.mount(mapTarget, {
      layers: { incidents: true, units: true, wards: true, hotspots: false, cameras: false },
      live: false,  // this script applies the live events, batched with the rows
      collapsed: true,
      onIncidentClick: function (id) { if (incidents[id]) select(id, { open: true }); },
      onUnitClick: function (id) {
        var unit = units[id];
        if (!unit || !unit.row) return;
        var group = unit.row.closest("details");
        if (group && !group.open) group.open = true;
        unit.row.scrollIntoView({ block: "nearest" });
        unit.row.classList.remove("flash");
        void unit.row.offsetWidth;
        unit.row.classList.add("flash");
      }
    });
    recLines = L.layerGroup().addTo(map.map);
  }

  // --- Start -----------------------------------------------------------------------------------
  loadState(initial);

  window.SafeCityConsole = {
    map: map,
    incidents: incidents,
    units: units,
    assignments: assignments,
    select: select,
    resync: resync,
    tick: tickAll
  };
})();
