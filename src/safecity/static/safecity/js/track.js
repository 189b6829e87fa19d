// The tracking page keeps itself current: it asks GET /api/v1/reports/<code> every 12 seconds
// (while the tab is visible) and redraws the status and the timeline. The page itself is
// complete without this script.
(function () {
  "use strict";
  var box = document.getElementById("track");
  if (!box || !window.fetch) return;
  var EVERY_MS = 12000;
  var TIME_ZONE = "Asia/Ho_Chi_Minh";
  var statusLabel = document.getElementById("track-status");
  var statusDot = document.getElementById("track-status-dot");
  var timeline = document.getElementById("track-timeline");
  var joined = document.getElementById("track-joined");
  var updated = document.getElementById("track-updated");
  var failure = document.getElementById("track-error");
  var timer = null;
  var done = box.dataset.final === "1";

  function parts(date, withDate) {
    var options = { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDate) { options.day = "2-digit"; options.month = "2-digit"; options.year = "numeric"; }
    else { options.second = "2-digit"; }
    var out = {};
    new Intl.DateTimeFormat("en-GB", options).formatToParts(date).forEach(function (p) {
      out[p.type] = p.value;
    });
    return out;
  }
  // The server's formats: "H:i d/m/Y" in the timeline, "H:i:s" for the refresh time.
  function stamp(iso) {
    var p = parts(new Date(iso), true);
    return p.hour + ":" + p.minute + " " + p.day + "/" + p.month + "/" + p.year;
  }
  function clock(date) {
    var p = parts(date, false);
    return p.hour + ":" + p.minute + ":" + p.second;
  }

  function draw(data) {
    statusLabel.textContent = data.status_label;
    statusDot.dataset.status = data.status;
    joined.hidden = !data.joined_existing;
    var items = document.createDocumentFragment();
    data.timeline.forEach(function (item) {
      var li = document.createElement("li");
      li.dataset.event = item.event;
      var time = document.createElement("time");
      time.dateTime = item.at;
      time.textContent = stamp(item.at);
      var label = document.createElement("span");
      label.textContent = item.label;
      li.appendChild(time);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(label);
      items.appendChild(li);
    });
    timeline.replaceChildren(items);
    var now = new Date();
    updated.dateTime = now.toISOString();
    updated.textContent = clock(now);
    done = data.status === "closed";
  }

  function poll() {
    timer = null;
    fetch(box.dataset.apiUrl, { credentials: "same-origin", cache: "no-store",
                                headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { failure.hidden = true; draw(data); })
      .catch(function () { failure.hidden = false; })
      .then(schedule);
  }

  function schedule() {
    if (timer || done || document.hidden) return;
    timer = setTimeout(poll, EVERY_MS);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (timer) { clearTimeout(timer); timer = null; }
    } else if (!done) {
      poll();  // coming back to the tab: show the news at once
    }
  });
  schedule();
})();
