// Watchlist hit alerts on the dispatcher's console and the incident queue (drawn by the
// {% camera_hit_alerts %} tag, for officers who see hits). From the officers' WebSocket (live.js
// dispatches "safecity:live" with {event, payload}):
//   camera.hit          a new hit: a card joins the stack (most urgent, then newest, first),
//                       with a sound and a spoken announcement;
//   camera.hit_image    its snapshot arrived: shown on the card;
//   camera.hit_decided  confirmed or dismissed, here or on another console: the card leaves.
// At start and on every (re)connection the hits still new from the last RECENT minutes are read
// from the API (events may have been missed), without a sound, into the folded stack (its title
// bar counts them; a live hit unfolds it).
//
// Each card shows the plate, camera, time, watchlist and reason, priority, match type, the
// snapshot when there is one and the nearest available units (GET /api/v1/cameras/hits/{id},
// which ranks them at the camera with dispatch's recommendations). Confirm opens a new incident
// or adds the hit to an incident the operator names; Dismiss needs a reason. Both go through
// the API with the page's session and CSRF token. Every control is a native button or input:
// Tab reaches them, Esc closes an open form.
(function () {
  "use strict";
  var box = document.getElementById("camera-hits");
  var source = document.getElementById("camera-hits-labels");
  if (!box || !source) return;
  var labels = JSON.parse(source.textContent);
  var csrfToken = box.dataset.csrf;
  var api = labels.api;
  var language = document.documentElement.lang || "vi";
  var list = document.getElementById("camera-hits-list");
  var countBadge = document.getElementById("camera-hits-count");
  var statusLine = document.getElementById("camera-hits-status");
  var announcer = document.getElementById("camera-hits-announce");
  var foldButton = document.getElementById("camera-hits-fold");
  var soundToggle = document.getElementById("camera-hits-sound");
  var title = document.getElementById("camera-hits-title");
  var RANK = { critical: 0, high: 1, normal: 2, low: 3 };
  var UNITS_SHOWN = 3;
  var RESYNC_LIMIT = 50;

  var hits = {};      // id → {data, card}
  var deciding = {};  // id → true while this console's decision is on its way
  var gone = {};      // id → true once decided: a slower answer must not bring it back
  var folded = false;
  var counter = 0;

  // Two alternating tones: not the queue's three equal beeps of a new P1.
  var beep = function () {};
  if (window.SafeCitySound && soundToggle) {
    beep = SafeCitySound.alarm({
      toggle: soundToggle,
      labels: { sound_on: labels.sound_on, sound_off: labels.sound_off },
      storageKey: "safecity.camera_hits.sound",
      pattern: [[0, 660], [0.18, 990], [0.36, 660], [0.54, 990]],
      length: 0.16,
      vibrate: [200, 100, 200]
    }).beep;
  }

  // --- Helpers ---------------------------------------------------------------------------------
  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }
  function el(tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") node.className = attrs[key];
      else if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (content || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function announce(message) {
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = message; }, 30);
  }
  var sayTimer = null;
  function say(message, link) {
    clearTimeout(sayTimer);
    // The outcome stays a while (with its incident's link), then the empty stack folds away.
    sayTimer = setTimeout(function () { statusLine.textContent = ""; counted(); }, 30000);
    statusLine.textContent = message;
    if (link) {
      statusLine.appendChild(document.createTextNode(" "));
      statusLine.appendChild(el("a", { href: link.href, text: link.text }));
    }
    announce(message);
  }
  // 18:14:51 28/11, in the city's time (the workstation's zone may differ).
  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", second: "2-digit", day: "2-digit", month: "2-digit",
      hourCycle: "h23", timeZone: labels.time_zone
    });
  } catch (err) { timeFormat = null; }
  function timeText(iso) {
    var at = new Date(iso);
    if (isNaN(at.getTime())) return iso || "";
    if (!timeFormat || !timeFormat.formatToParts) return at.toLocaleString();
    var parts = {};
    timeFormat.formatToParts(at).forEach(function (part) { parts[part.type] = part.value; });
    return parts.hour + ":" + parts.minute + ":" + parts.second + " " + parts.day + "/" + parts.month;
  }
  function etaText(seconds) {
    return seconds < 60 ? format(labels.seconds, { n: Math.round(seconds) })
      : format(labels.minutes, { n: Math.round(seconds / 60) });
  }
  function distanceText(metres) {
    return metres < 1000 ? format(labels.metres, { n: Math.round(metres) })
      : format(labels.km, { n: (metres / 1000).toFixed(1) });
  }
  function urlFor(template, id) { return template.replace(/0\/$/, id + "/"); }

  function request(method, path, body) {
    var headers = { Accept: "application/json", "Accept-Language": language };
    if (method !== "GET") { headers["Content-Type"] = "application/json"; headers["X-CSRFToken"] = csrfToken; }
    return fetch(api + path, {
      method: method, credentials: "same-origin", headers: headers, cache: "no-store",
      body: method === "GET" ? undefined : JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, status: response.status, body: json };
      });
    });
  }
  function errorText(answer) {
    var error = (answer.body && answer.body.error) || {};
    if (error.code === "csrf_failed") return labels.csrf_failed;
    var parts = [error.message || format(labels.error, { status: answer.status })];
    Object.keys(error.fields || {}).forEach(function (key) {
      (error.fields[key] || []).forEach(function (text) { if (parts.indexOf(text) < 0) parts.push(text); });
    });
    return parts.join(" ");
  }

  // --- The stack -------------------------------------------------------------------------------
  function counted() {
    var n = list.children.length;
    countBadge.textContent = n;
    box.hidden = n === 0 && !statusLine.textContent;
    foldButton.textContent = folded ? format(labels.restore, { n: n }) : labels.minimise;
  }
  function fold(on) {
    folded = on;
    list.hidden = on;
    foldButton.setAttribute("aria-expanded", on ? "false" : "true");
    counted();
  }
  foldButton.addEventListener("click", function () { fold(!folded); });

  function before(a, b) {
    var ra = RANK[a.data.entry.priority], rb = RANK[b.data.entry.priority];
    if (ra !== rb) return ra < rb;
    return Date.parse(a.data.ts) > Date.parse(b.data.ts);
  }
  function place(item) {
    var cards = list.children;
    for (var i = 0; i < cards.length; i++) {
      var other = hits[cards[i].dataset.hitId];
      if (other && other !== item && before(item, other)) { list.insertBefore(item.card, cards[i]); return; }
    }
    list.appendChild(item.card);
  }

  function facts(data) {
    var entry = data.entry || {};
    var camera = data.camera || {};
    var rows = [
      [labels.camera, el("span", {}, [
        el("a", { href: urlFor(labels.camera_url, camera.id), text: camera.name || camera.code }),
        " (" + (camera.code || "") + ")"
      ])],
      [labels.seen_at, el("time", { datetime: data.ts, text: timeText(data.ts) })],
      [labels.watchlist, (entry.watchlist || "") + " (" + (labels.kinds[entry.watchlist_kind] || entry.watchlist_kind || "") + ")"]
    ];
    if (entry.plate && entry.plate !== data.plate) rows.push([labels.listed_as, el("span", { className: "plate", text: entry.plate })]);
    rows.push([labels.reason, entry.reason || ""]);
    var vehicle = [data.vehicle_type, data.color, data.direction].filter(Boolean).join(" · ");
    if (vehicle) rows.push([labels.vehicle, vehicle]);
    var dl = el("dl", { className: "hit-facts" });
    rows.forEach(function (row) {
      dl.appendChild(el("dt", { text: row[0] }));
      dl.appendChild(typeof row[1] === "string" ? el("dd", { text: row[1] }) : el("dd", {}, [row[1]]));
    });
    return dl;
  }

  function showImage(item, url) {
    if (!url || item.imageShown) return;
    item.imageShown = true;
    var figure = item.card.querySelector(".hit-snapshot");
    var img = el("img", { src: url, alt: labels.snapshot, loading: "lazy" });
    figure.appendChild(el("a", { href: url, target: "_blank", rel: "noopener" }, [img]));
    figure.hidden = false;
  }

  function showUnits(item, units) {
    var box = item.card.querySelector(".hit-units");
    var ol = box.querySelector("ol");
    var note = box.querySelector(".hint");
    ol.textContent = "";
    units.slice(0, UNITS_SHOWN).forEach(function (u) {
      ol.appendChild(el("li", {}, [
        el("strong", { text: u.call_sign }), " ",
        format(labels.eta, { eta: etaText(u.eta_s), distance: distanceText(u.distance_m) })
      ]));
    });
    note.textContent = units.length ? "" : labels.units_none;
    note.hidden = !!units.length;
  }

  function loadDetail(item) {
    request("GET", "/cameras/hits/" + item.data.id).then(function (answer) {
      if (!hits[item.data.id]) return;
      if (!answer.ok) {
        if (answer.status === 404) { remove(item.data.id); return; }
        item.card.querySelector(".hit-units .hint").textContent = labels.units_failed;
        return;
      }
      if (answer.body.status && answer.body.status !== "new") { remove(item.data.id); return; }
      showImage(item, answer.body.image_url);
      showUnits(item, answer.body.units || []);
    }).catch(function () {
      if (hits[item.data.id]) item.card.querySelector(".hit-units .hint").textContent = labels.units_failed;
    });
  }

  function confirmForm(item, id) {
    var name = "hit-mode-" + id;
    var numberId = "hit-incident-" + id;
    var number = el("input", { type: "number", min: "1", inputmode: "numeric", id: numberId, disabled: "disabled" });
    var form = el("form", { className: "hit-form hit-confirm", hidden: "hidden", novalidate: "novalidate" }, [
      el("fieldset", {}, [
        el("legend", { text: labels.confirm_title }),
        el("label", {}, [el("input", { type: "radio", name: name, value: "new", checked: "checked" }), " " + labels.confirm_new]),
        el("label", {}, [el("input", { type: "radio", name: name, value: "attach" }), " " + labels.confirm_attach]),
        el("label", { className: "hit-incident", "for": numberId }, [labels.incident_number]),
        number
      ]),
      el("div", { className: "hit-form-buttons" }, [
        el("button", { type: "submit", className: "primary hit-send", text: labels.confirm_send }),
        el("button", { type: "button", className: "hit-cancel", text: labels.cancel })
      ])
    ]);
    form.addEventListener("change", function () {
      var attach = form.querySelector('input[value="attach"]').checked;
      number.disabled = !attach;
      if (attach) number.focus();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      if (form.querySelector('input[value="attach"]').checked) {
        var value = parseInt(number.value, 10);
        if (!(value > 0)) { showError(item, labels.give_incident); number.focus(); return; }
        body.incident_id = value;
      }
      decide(item, "confirm", body);
    });
    return form;
  }

  function dismissForm(item, id) {
    var name = "hit-reason-" + id;
    var reasons = Object.keys(labels.dismissals).map(function (value) {
      return el("label", {}, [el("input", { type: "radio", name: name, value: value }), " " + labels.dismissals[value]]);
    });
    var note = el("input", { type: "text", maxlength: "300", id: "hit-note-" + id });
    var form = el("form", { className: "hit-form hit-dismiss", hidden: "hidden", novalidate: "novalidate" }, [
      el("fieldset", {}, [el("legend", { text: labels.dismiss_title })].concat(reasons)),
      el("label", { "for": "hit-note-" + id, text: labels.note }),
      note,
      el("div", { className: "hit-form-buttons" }, [
        el("button", { type: "submit", className: "hit-send", text: labels.dismiss_send }),
        el("button", { type: "button", className: "hit-cancel", text: labels.cancel })
      ])
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector('input[name="' + name + '"]:checked');
      if (!chosen) { showError(item, labels.choose_reason); form.querySelector("input").focus(); return; }
      decide(item, "dismiss", { reason: chosen.value, note: note.value });
    });
    return form;
  }

  function build(data) {
    var id = data.id;
    var entry = data.entry || {};
    var titleId = "hit-alert-" + id + "-" + (++counter);
    var card = el("li", {
      className: "hit-alert hit-prio-" + entry.priority, "data-hit-id": String(id),
      tabindex: "-1", "aria-labelledby": titleId
    });
    var item = { data: data, card: card, imageShown: false };
    var openConfirm = el("button", { type: "button", className: "primary hit-open-confirm", text: labels.confirm });
    var openDismiss = el("button", { type: "button", className: "hit-open-dismiss", text: labels.dismiss });
    card.appendChild(el("div", { className: "hit-alert-head" }, [
      el("span", { className: "hit-prio", text: labels.priorities[entry.priority] || entry.priority }),
      el("strong", { className: "plate", id: titleId, text: data.plate }),
      el("span", { className: "hit-match hit-match-" + data.match, text: labels.matches[data.match] || data.match })
    ]));
    card.appendChild(el("div", { className: "hit-alert-body" }, [
      facts(data),
      el("figure", { className: "hit-snapshot", hidden: "hidden" })
    ]));
    card.appendChild(el("div", { className: "hit-units" }, [
      el("h3", { text: labels.units }), el("ol"), el("p", { className: "hint", text: labels.units_loading })
    ]));
    card.appendChild(el("div", { className: "hit-actions" }, [openConfirm, openDismiss]));
    var confirm = confirmForm(item, id);
    var dismiss = dismissForm(item, id);
    card.appendChild(confirm);
    card.appendChild(dismiss);
    card.appendChild(el("p", { className: "hit-error", role: "alert", hidden: "hidden" }));

    function open(form, opener) {
      [confirm, dismiss].forEach(function (f) { f.hidden = f !== form; });
      hideError(item);
      item.opener = opener;
      var first = form.querySelector("input:checked") || form.querySelector("input");
      if (first) first.focus();
    }
    function close(form) {
      form.hidden = true;
      hideError(item);
      if (item.opener) item.opener.focus();
    }
    openConfirm.addEventListener("click", function () { open(confirm, openConfirm); });
    openDismiss.addEventListener("click", function () { open(dismiss, openDismiss); });
    [confirm, dismiss].forEach(function (form) {
      form.querySelector(".hit-cancel").addEventListener("click", function () { close(form); });
      form.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          // Esc closes this form only (not the console's panel behind it).
          event.preventDefault();
          event.stopPropagation();
          close(form);
        }
      });
    });
    return item;
  }

  function showError(item, message) {
    var line = item.card.querySelector(".hit-error");
    line.textContent = message;
    line.hidden = false;
  }
  function hideError(item) {
    var line = item.card.querySelector(".hit-error");
    line.textContent = "";
    line.hidden = true;
  }
  function setBusy(item, on) {
    Array.prototype.forEach.call(item.card.querySelectorAll("button"), function (b) { b.disabled = on; });
    if (on) item.card.querySelector(".hit-units .hint").hidden = true;
  }

  function add(data, options) {
    if (!data || data.id === undefined || hits[data.id] || gone[data.id]) return null;
    var item = build(data);
    hits[data.id] = item;
    place(item);
    showImage(item, data.image_url);
    loadDetail(item);
    if (options.alert) {
      if (folded) fold(false);
      beep();
      announce(format(labels.new_hit, {
        plate: data.plate, camera: (data.camera || {}).name, watchlist: (data.entry || {}).watchlist
      }));
    }
    counted();
    return item;
  }

  function remove(id) {
    var item = hits[id];
    gone[id] = true;
    if (!item) return;
    delete hits[id];
    var hadFocus = item.card.contains(document.activeElement);
    var next = item.card.nextElementSibling || item.card.previousElementSibling;
    item.card.remove();
    counted();
    if (hadFocus) {
      // Keep the keyboard in the stack: the next hit's Confirm button, else the heading.
      var target = next ? next.querySelector(".hit-open-confirm") : null;
      if (target) target.focus(); else { title.setAttribute("tabindex", "-1"); title.focus(); }
    }
  }

  function decide(item, action, body) {
    var id = item.data.id;
    deciding[id] = true;
    setBusy(item, true);
    hideError(item);
    statusLine.textContent = labels.sending;
    request("POST", "/cameras/hits/" + id + "/" + action, body).then(function (answer) {
      statusLine.textContent = "";
      if (answer.ok) {
        remove(id);
        if (action === "confirm") {
          var incident = answer.body.incident_id;
          say(format(labels.confirmed, { plate: item.data.plate, id: incident }), {
            href: urlFor(labels.incident_url, incident), text: format(labels.open_incident, { id: incident })
          });
        } else {
          say(format(labels.dismissed, { plate: item.data.plate }));
        }
      } else if (answer.status === 409 && ((answer.body.error || {}).code === "hit_decided")) {
        remove(id);
        say(labels.already_decided);
      } else if (answer.status === 404) {
        remove(id);
      } else {
        setBusy(item, false);
        showError(item, errorText(answer));
      }
    }).catch(function () {
      statusLine.textContent = "";
      setBusy(item, false);
      showError(item, labels.offline);
    }).then(function () {
      delete deciding[id];
      counted();
    });
  }

  // --- Live ------------------------------------------------------------------------------------
  function resync() {
    // Only the hits already here when asking may be found decided: a live one may arrive
    // between the question and the answer.
    var asked = Object.keys(hits);
    request("GET", "/cameras/hits?status=new&limit=" + RESYNC_LIMIT).then(function (answer) {
      if (!answer.ok || !Array.isArray(answer.body)) return;
      var since = Date.now() - labels.recent_minutes * 60000;
      var present = {};
      answer.body.forEach(function (row) {
        present[row.id] = true;
        if (Date.parse(row.ts) >= since) add(row, { alert: false });
      });
      // A hit of the stack the answer no longer lists was decided while we were away (when the
      // answer is complete; otherwise older new hits fell past its end).
      if (answer.body.length < RESYNC_LIMIT) {
        asked.forEach(function (id) { if (hits[id] && !present[id] && !deciding[id]) remove(id); });
      }
    }).catch(function () { /* the next reconnection tries again */ });
  }

  document.addEventListener("safecity:live", function (event) {
    var data = event.detail || {};
    var p = data.payload;
    if (data.event === "hello") { resync(); return; }
    if (!p) return;
    if (data.event === "camera.hit") {
      add(p, { alert: true });
    } else if (data.event === "camera.hit_image") {
      if (hits[p.id]) showImage(hits[p.id], p.image_url);
    } else if (data.event === "camera.hit_decided") {
      var item = hits[p.id];
      if (!item) gone[p.id] = true;
      if (item && !deciding[p.id]) {
        remove(p.id);
        say(format(labels.decided_elsewhere, { plate: item.data.plate }));
      }
    }
  });

  // Folded to its title bar until a hit arrives live: the hits still new from before the page
  // opened are counted there, not spread over the console the dispatcher is working in.
  fold(true);
  // This script is deferred: the socket's first "hello" may have come before it listened.
  resync();
  window.SafeCityCameraHits = { hits: hits, resync: resync };
})();
