// The officers' live connection: one WebSocket per page, reconnecting with back-off.
// Pages listen with: document.addEventListener("safecity:live", e => e.detail.event …)
(function () {
  "use strict";
  var badge = document.getElementById("live-status");
  var script = document.getElementById("live-script");
  var delay = 1000;
  function label(state) {
    if (!badge) return;
    badge.dataset.state = state;
    if (state === "connected") badge.textContent = script.dataset.connected;
    if (state === "offline") badge.textContent = script.dataset.offline;
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/ops/");
    socket.onopen = function () { delay = 1000; label("connected"); };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (err) { return; }
      document.dispatchEvent(new CustomEvent("safecity:live", { detail: data }));
    };
    socket.onclose = function () {
      label("offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  if ("WebSocket" in window) connect();
})();
