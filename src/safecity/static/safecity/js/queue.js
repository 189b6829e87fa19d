// The live incident queue. The server draws the rows; this keeps them current from the
// officers' WebSocket (live.js dispatches "safecity:live" with {event, payload}): rows are
// added, updated, re-sorted (priority, then oldest first) and removed once an incident leaves
// the open states. A new P1 shows a banner and beeps (Web Audio, no sound file).
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table) return;
  var body = document.getElementById("queue-rows");
  var labels = JSON.parse(document.getElementById("queue-labels").textContent);
  var count = document.getElementById("queue-count");
  var empty = document.getElementById("queue-empty");
  var banner = document.getElementById("p1-banner");
  var bannerLink = document.getElementById("p1-link");
  var soundToggle = document.getElementById("sound-toggle");
  // Elapsed times count from the server's clock, not the workstation's.
  var skew = parseInt(table.dataset.serverNow, 10) - Date.now();
  var LATE_SECONDS = 60;  // an unacknowledged incident older than this is flagged
  var helloSeen = false;

  function detailUrl(id) { return labels.detail_url.replace(/0\/$/, id + "/"); }
  function rowOf(id) { return body.querySelector('tr[data-incident-id="' + id + '"]'); }
  function isOpen(status) { return labels.open.indexOf(status) >= 0; }

  // --- Sound ---------------------------------------------------------------------------------
  // Three short 880 Hz tones: heard over a busy room, not mistaken for a phone ringing.
  var beep = SafeCitySound.alarm({
    toggle: soundToggle, labels: labels, storageKey: "safecity.queue.sound",
  }).beep;

  // --- Rows ----------------------------------------------------------------------------------
  function field(row, name) { return row.querySelector('[data-field="' + name + '"]'); }

  function build(id) {
    var row = document.createElement("tr");
    row.dataset.incidentId = id;
    row.innerHTML =
      '<td class="q-prio"><span class="prio" data-field="priority"></span></td>' +
      '<td class="q-what"><a data-field="link"><span class="q-id"></span> ' +
      '<span data-field="category"></span></a> <small class="q-summary" data-field="summary">' +
      '</small></td><td class="q-ward" data-field="ward"></td>' +
      '<td class="q-reports"><span class="q-unit"></span> <span data-field="reports"></span></td>' +
      '<td class="q-elapsed"><time data-field="elapsed"></time></td>' +
      '<td class="q-status"><span class="status" data-field="status"></span></td>';
    row.querySelector(".q-id").textContent = "#" + id;
    row.querySelector(".q-unit").textContent = labels.reports + ":";
    field(row, "link").href = detailUrl(id);
    return row;
  }

  function fill(row, p) {
    var prio = field(row, "priority");
    prio.textContent = "P" + p.priority;
    prio.className = "prio prio-" + p.priority;
    prio.title = labels.priorities[String(p.priority)] || "";
    field(row, "category").textContent = labels.categories[p.category] || p.category;
    var summary = p.summary || "";
    field(row, "summary").textContent = summary.length > 90 ? summary.slice(0, 89) + "…" : summary;
    field(row, "ward").textContent = p.ward_name || "—";
    field(row, "reports").textContent = p.report_count;
    var status = field(row, "status");
    status.textContent = labels.statuses[p.status] || p.status;
    status.className = "status status-" + p.status;
    var opened = Date.parse(p.opened_at);
    row.dataset.priority = p.priority;
    row.dataset.opened = opened;
    row.dataset.status = p.status;
    field(row, "elapsed").dateTime = p.opened_at;
    tick(row, Date.now() + skew);
  }

  function before(a, b) {
    var pa = parseInt(a.dataset.priority, 10), pb = parseInt(b.dataset.priority, 10);
    if (pa !== pb) return pa < pb;
    return parseInt(a.dataset.opened, 10) < parseInt(b.dataset.opened, 10);
  }

  function place(row) {
    var rows = body.children;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i] !== row && before(row, rows[i])) {
        if (rows[i] !== row.nextSibling) body.insertBefore(row, rows[i]);
        return;
      }
    }
    if (body.lastElementChild !== row) body.appendChild(row);
  }

  function flash(row) {
    row.classList.remove("flash");
    void row.offsetWidth;  // restart the animation
    row.classList.add("flash");
  }

  function counted() {
    var n = body.children.length;
    count.textContent = n;
    empty.hidden = n > 0;
  }

  function alertP1(row) {
    bannerLink.href = field(row, "link").href;
    bannerLink.textContent = row.querySelector(".q-id").textContent + " " +
      field(row, "category").textContent + " — " + field(row, "ward").textContent;
    banner.hidden = false;
    beep();
  }

  function apply(p) {
    var row = rowOf(p.id);
    if (!isOpen(p.status)) {
      if (row) { row.remove(); counted(); }
      return;
    }
    var wasP1 = row ? row.dataset.priority === "1" : false;
    if (!row) row = build(p.id);
    fill(row, p);
    place(row);
    flash(row);
    counted();
    if (p.priority === 1 && !wasP1) alertP1(row);
  }

  // After a reconnection, events may have been missed: read the rows again from the server.
  function resync() {
    var p1Before = {};
    Array.prototype.forEach.call(body.children, function (row) {
      if (row.dataset.priority === "1") p1Before[row.dataset.incidentId] = true;
    });
    fetch(labels.rows_url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        body.innerHTML = html;
        counted();
        tickAll();
        Array.prototype.forEach.call(body.children, function (row) {
          if (row.dataset.priority === "1" && !p1Before[row.dataset.incidentId]) alertP1(row);
        });
      })
      .catch(function () { /* the next reconnection tries again */ });
  }

  document.addEventListener("safecity:live", function (event) {
    var data = event.detail || {};
    if (data.event === "hello") {
      if (helloSeen) resync();
      helloSeen = true;
      return;
    }
    if ((data.event === "incident.created" || data.event === "incident.updated") && data.payload) {
      apply(data.payload);
    }
  });

  // --- Elapsed time ----------------------------------------------------------------------------
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }
  function tick(row, now) {
    var seconds = (now - parseInt(row.dataset.opened, 10)) / 1000;
    var cell = field(row, "elapsed");
    cell.textContent = format(seconds);
    cell.classList.toggle("late", row.dataset.status === "new" && seconds > LATE_SECONDS);
  }
  function tickAll() {
    var now = Date.now() + skew;
    Array.prototype.forEach.call(body.children, function (row) { tick(row, now); });
  }
  tickAll();
  setInterval(tickAll, 1000);

  document.getElementById("p1-dismiss").addEventListener("click", function () {
    banner.hidden = true;
  });
})();
