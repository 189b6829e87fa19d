// The officer's phone view of their patrol unit: the current assignment (from GET /my-unit,
// read again whenever a live event says it changed), big status buttons, acknowledging, and
// sharing the phone's location every few seconds while the unit is on duty.
// A new assignment beeps (Web Audio, no sound file), vibrates where the phone can, and shows
// a banner.
(function () {
  "use strict";
  var root = document.getElementById("my-unit");
  if (!root) return;
  var labels = JSON.parse(document.getElementById("my-unit-labels").textContent);
  var api = labels.api;
  var unitId = parseInt(root.dataset.unitId, 10);
  var csrfToken = root.dataset.csrf;
  var state = null;

  function $(id) { return document.getElementById(id); }
  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }
  var lang = document.documentElement.lang || undefined;
  var CLOCK = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
  function clock(date) { return date.toLocaleTimeString(lang, CLOCK); }
  function time(iso) { return iso ? clock(new Date(iso)) : ""; }

  function request(method, path, body) {
    var options = {
      method: method, credentials: "same-origin", cache: "no-store",
      // The API answers in the page's language, not the browser's.
      headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "vi" }
    };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken;
      options.body = JSON.stringify(body || {});
    }
    return fetch(api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, status: response.status, body: json };
      });
    });
  }
  function errorText(answer) {
    var error = (answer.body && answer.body.error) || {};
    if (error.code === "csrf_failed") return labels.csrf_failed;
    var text = error.message || format(labels.error, { status: answer.status });
    var allowed = error.fields && error.fields.allowed;
    if (allowed && allowed.length) {
      text += " " + allowed.map(function (s) { return labels.unit_statuses[s] || s; }).join(", ");
    }
    return text;
  }

  // --- Sound -----------------------------------------------------------------------------------
  var soundToggle = $("sound-toggle");
  // Rising and falling tones, not the console's P1 beeps, heard over traffic; and a buzz.
  var beep = SafeCitySound.alarm({
    toggle: soundToggle, labels: labels, storageKey: "safecity.my_unit.sound",
    pattern: [[0, 660], [0.3, 990], [0.6, 660], [0.9, 990]], length: 0.27, volume: 0.25,
    vibrate: [300, 150, 300],
  }).beep;

  var banner = $("assignment-banner");
  function alertBanner(text, sound) {
    $("assignment-banner-text").textContent = text;
    banner.hidden = false;
    if (sound) beep();
  }
  $("assignment-banner-dismiss").addEventListener("click", function () { banner.hidden = true; });

  // --- Drawing ---------------------------------------------------------------------------------
  var statusButtons = $("status-buttons");
  var statusError = $("status-error");
  var busy = false;

  function draw() {
    root.removeAttribute("aria-busy");
    var unit = state.unit;
    var chip = $("unit-status");
    chip.dataset.status = unit.status;
    chip.textContent = labels.unit_statuses[unit.status] || unit.status;
    $("unit-since").textContent = unit.status_since ? "· " + time(unit.status_since) : "";
    drawAssignment();
    drawButtons();
    drawSharing();
  }

  function drawAssignment() {
    var a = state.assignment;
    $("assignment-empty").hidden = !!a;
    $("assignment").hidden = !a;
    if (!a) { $("assignment-empty").textContent = labels.no_assignment; return; }
    var incident = a.incident;
    var prio = $("assignment-prio");
    prio.textContent = "P" + incident.priority;
    prio.className = "prio prio-" + incident.priority;
    $("assignment-heading").textContent = "#" + incident.id + " " + (labels.categories[incident.category] || incident.category_label);
    var status = $("assignment-status");
    status.textContent = labels.statuses[incident.status] || incident.status;
    status.className = "status status-" + incident.status;
    $("assignment-address").textContent = incident.address || labels.no_address;
    $("assignment-summary").textContent = incident.summary || "";
    $("assignment-nav").href = incident.geo_uri;
    var contacts = $("assignment-contacts");
    contacts.textContent = "";
    if (state.contact_hidden) {
      contacts.appendChild(item(labels.contact_hidden, "hint"));
    } else if (!state.contacts || !state.contacts.length) {
      contacts.appendChild(item(labels.no_contact, "hint"));
    } else {
      state.contacts.forEach(function (contact) {
        var li = document.createElement("li");
        if (contact.name) li.appendChild(document.createTextNode(contact.name + " · "));
        var call = document.createElement("a");
        call.href = "tel:" + contact.phone;
        call.className = "button";
        call.textContent = contact.phone;
        li.appendChild(call);
        contacts.appendChild(li);
      });
    }
    $("assignment-ack-time").textContent = a.acknowledged_at ? format(labels.acknowledged, { time: time(a.acknowledged_at) }) : "";
    $("acknowledge").hidden = !!a.acknowledged_at;
    $("acknowledge").disabled = busy;
  }

  function item(text, className) {
    var li = document.createElement("li");
    li.className = className || "";
    li.textContent = text;
    return li;
  }

  function drawButtons() {
    statusButtons.textContent = "";
    var unit = state.unit;
    // "Dispatched" comes only from a dispatcher's assignment.
    var next = state.allowed_next.filter(function (s) { return s !== "dispatched"; });
    next.forEach(function (status) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "big status-button";
      button.dataset.status = status;
      button.textContent = labels.buttons[status] || labels.unit_statuses[status] || status;
      button.disabled = busy;
      button.addEventListener("click", function () { setStatus(status); });
      statusButtons.appendChild(button);
    });
    $("outcome-field").hidden = unit.status !== "on_scene";
  }

  // --- Actions ---------------------------------------------------------------------------------
  function setBusy(on) {
    busy = on;
    Array.prototype.forEach.call(root.querySelectorAll(".status-button, #acknowledge"), function (b) { b.disabled = on; });
  }

  function setStatus(status) {
    if (busy) return;
    setBusy(true);
    statusError.hidden = true;
    var body = { status: status };
    var outcome = $("outcome");
    if (state.unit.status === "on_scene" && outcome.value.trim()) body.outcome = outcome.value.trim();
    request("POST", "/units/" + unitId + "/status", body).then(function (answer) {
      if (!answer.ok) {
        statusError.textContent = errorText(answer);
        statusError.hidden = false;
        return;
      }
      outcome.value = "";
      $("status-message").textContent = format(labels.status_changed, { status: labels.unit_statuses[answer.body.status] || answer.body.status });
      return load();
    }).catch(function () {
      statusError.textContent = labels.offline;
      statusError.hidden = false;
    }).then(function () { setBusy(false); if (state) drawButtons(); });
  }

  $("acknowledge").addEventListener("click", function () {
    var a = state && state.assignment;
    if (!a || busy) return;
    setBusy(true);
    statusError.hidden = true;
    request("POST", "/assignments/" + a.id + "/acknowledge").then(function (answer) {
      if (!answer.ok) {
        statusError.textContent = errorText(answer);
        statusError.hidden = false;
        return;
      }
      banner.hidden = true;
      return load();
    }).catch(function () {
      statusError.textContent = labels.offline;
      statusError.hidden = false;
    }).then(function () { setBusy(false); });
  });

  // --- Loading ---------------------------------------------------------------------------------
  var loading = null, again = false;
  function load() {
    if (loading) { again = true; return loading; }
    loading = request("GET", "/my-unit").then(function (answer) {
      if (!answer.ok) {
        $("assignment-empty").textContent = errorText(answer);
        return;
      }
      var before = state && state.assignment ? state.assignment.id : null;
      state = answer.body;
      draw();
      var a = state.assignment;
      if (a && a.id !== before && !a.acknowledged_at) {
        var incident = a.incident;
        alertBanner(format(labels.new_assignment, {
          id: incident.id,
          category: labels.categories[incident.category] || incident.category_label,
          address: incident.address || ""
        }), true);
      }
    }).catch(function () {
      $("assignment-empty").textContent = labels.offline;
    }).then(function () {
      loading = null;
      if (again) { again = false; return load(); }
    });
    return loading;
  }

  var helloSeen = false;
  document.addEventListener("safecity:live", function (event) {
    var data = event.detail || {};
    var p = data.payload || {};
    if (data.event === "hello") {
      if (helloSeen) load();
      helloSeen = true;
    } else if (/^assignment\./.test(data.event) && p.unit_id === unitId) {
      if (data.event === "assignment.released") {
        alertBanner(format(labels.released, { id: p.incident_id }), false);
      }
      load();
    } else if (data.event === "unit.updated" && p.id === unitId) {
      load();
    } else if (data.event === "incident.updated" && state && state.assignment && p.id === state.assignment.incident_id) {
      load();
    }
  });

  // --- Location sharing --------------------------------------------------------------------
  var shareToggle = $("share-toggle");
  var shareStatus = $("share-status");
  var SHARE_KEY = "safecity.my_unit.sharing";
  var sharing = false;
  var watchId = null, sendTimer = 0;
  var pending = [];
  var MAX_PENDING = 60;

  function onDuty() { return state && state.unit.on_duty && state.unit.status !== "off_duty"; }

  function drawSharing() {
    var allowed = onDuty() && !!navigator.geolocation;
    if (sharing && !onDuty()) stopSharing();
    shareToggle.disabled = !allowed && !sharing;
    shareToggle.setAttribute("aria-pressed", sharing ? "true" : "false");
    shareToggle.textContent = sharing ? labels.sharing_on : labels.sharing_off;
    if (!navigator.geolocation) shareStatus.textContent = labels.sharing_unsupported;
    else if (!onDuty()) shareStatus.textContent = labels.sharing_off_duty;
    else if (!sharing && shareStatus.dataset.kind !== "sent") shareStatus.textContent = "";
    // Resume after a reload when the officer had it on in this tab.
    if (!sharing && allowed && sessionStorage.getItem(SHARE_KEY) === "on") startSharing();
  }

  function fixOf(position) {
    var c = position.coords;
    function number(value) { return typeof value === "number" && isFinite(value) ? value : null; }
    return {
      lat: c.latitude, lon: c.longitude, accuracy_m: number(c.accuracy),
      speed_mps: number(c.speed), heading: number(c.heading),
      ts: new Date(position.timestamp || Date.now()).toISOString()
    };
  }

  function startSharing() {
    if (sharing || !navigator.geolocation || !onDuty()) return;
    sharing = true;
    sessionStorage.setItem(SHARE_KEY, "on");
    shareStatus.dataset.kind = "";
    shareStatus.textContent = labels.sharing_waiting;
    watchId = navigator.geolocation.watchPosition(function (position) {
      pending.push(fixOf(position));
      if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
    }, function (error) {
      shareStatus.dataset.kind = "error";
      shareStatus.textContent = format(labels.sharing_denied, { why: error.message || error.code });
      if (error.code === 1) stopSharing();  // PERMISSION_DENIED
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    sendTimer = setInterval(send, labels.share_every_s * 1000);
    drawSharingButton();
  }

  function stopSharing() {
    if (!sharing) return;
    sharing = false;
    sessionStorage.removeItem(SHARE_KEY);
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    watchId = null;
    clearInterval(sendTimer);
    pending = [];
    drawSharingButton();
  }

  function drawSharingButton() {
    shareToggle.setAttribute("aria-pressed", sharing ? "true" : "false");
    shareToggle.textContent = sharing ? labels.sharing_on : labels.sharing_off;
  }

  var sending = false;
  function send() {
    if (sending || !pending.length) return;
    sending = true;
    var fixes = pending.splice(0, pending.length);
    request("POST", "/units/" + unitId + "/positions", { fixes: fixes }).then(function (answer) {
      shareStatus.dataset.kind = "sent";
      if (!answer.ok) {
        shareStatus.textContent = errorText(answer);
        return;
      }
      var rejected = answer.body.rejected || [];
      var text = format(labels.sharing_sent, {
        time: clock(new Date()), accepted: answer.body.accepted, rejected: rejected.length
      });
      if (rejected.length) text += " · " + format(labels.sharing_rejected, { why: rejected[rejected.length - 1].message });
      shareStatus.textContent = text;
      shareStatus.dataset.accepted = answer.body.accepted;
    }).catch(function () {
      // Keep the fixes for the next try (the newest ones win when there are too many).
      pending = fixes.concat(pending).slice(-MAX_PENDING);
      shareStatus.textContent = labels.offline;
    }).then(function () { sending = false; });
  }

  shareToggle.addEventListener("click", function () {
    if (sharing) { stopSharing(); shareStatus.textContent = ""; shareStatus.dataset.kind = ""; }
    else startSharing();
  });

  load();
  window.SafeCityMyUnit = { reload: load, state: function () { return state; } };
})();
