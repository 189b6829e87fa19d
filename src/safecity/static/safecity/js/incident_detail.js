// One incident: a small map of where it is (and where its reports put it), and a notice when
// the live connection says the incident changed while the page was open.
(function () {
  "use strict";
  var head = document.getElementById("incident");
  if (!head) return;
  var id = parseInt(head.dataset.incidentId, 10);
  var points = JSON.parse(document.getElementById("incident-points").textContent);
  if (window.L && window.SafeCityMap) {
    var here = [points.incident.lat, points.incident.lon];
    var map = SafeCityMap.create("incident-map", { center: here, zoom: 15 });
    L.marker(here, { title: "#" + id }).addTo(map);
    points.reports.forEach(function (report) {
      L.circleMarker([report.lat, report.lon], { radius: 6, color: "#b45309" })
        .bindTooltip(report.code).addTo(map);
    });
  }
  var notice = document.getElementById("incident-changed");
  document.addEventListener("safecity:live", function (event) {
    var data = event.detail || {};
    if (data.event === "incident.updated" && data.payload && data.payload.id === id) {
      notice.hidden = false;
    }
  });
})();
