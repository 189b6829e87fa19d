// The cameras pages' own maps, drawn from the page's data (the element named by
// data-camera-map, a json_script) on the base map (map.js: the ward boundaries, or the force's
// tiles): the vehicle trace (the sightings joined in time order, numbered, each with its time
// and camera), "who was near" an incident (the incident, the search circle and the cameras that
// read plates), and the listed cameras for officers the map's layers do not serve.
(function () {
  "use strict";
  if (!window.L || !window.SafeCityMap) return;
  var STATUS_COLOURS = { online: "#15803d", offline: "#6b7280" };

  function numbered(n) {
    return L.divIcon({
      className: "trace-marker", html: "<span>" + n + "</span>", iconSize: [24, 24], iconAnchor: [12, 12]
    });
  }

  function drawTrace(ops, data) {
    var points = data.points || [];
    if (!points.length) return;
    var line = points.map(function (p) { return [p.lat, p.lon]; });
    var layer = L.featureGroup().addTo(ops.map);
    L.polyline(line, { color: "#b91c1c", weight: 3, opacity: 0.8 }).addTo(layer);
    // Several sightings by one camera share a place: one marker lists them all.
    var byPlace = {};
    points.forEach(function (p) {
      var key = p.lat.toFixed(6) + "," + p.lon.toFixed(6);
      (byPlace[key] = byPlace[key] || []).push(p);
    });
    Object.keys(byPlace).forEach(function (key) {
      var here = byPlace[key];
      var marker = L.marker([here[0].lat, here[0].lon], {
        icon: numbered(here.map(function (p) { return p.n; }).join(",")),
        title: here[0].camera, keyboard: true
      }).addTo(layer);
      var text = here.map(function (p) { return p.n + " · " + p.time; }).join("\n");
      var tip = document.createElement("div");
      tip.className = "trace-tip";
      var name = document.createElement("strong");
      name.textContent = here[0].camera;
      var times = document.createElement("div");
      times.textContent = text;
      tip.appendChild(name);
      tip.appendChild(times);
      marker.bindTooltip(tip);
    });
    ops.map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 16 });
  }

  function drawNear(ops, data) {
    var layer = L.featureGroup().addTo(ops.map);
    var at = data.incident;
    if (at) {
      L.circle([at.lat, at.lon], { radius: data.radius_m, color: "#1d4ed8", weight: 1, fillOpacity: 0.08 }).addTo(layer);
      L.circleMarker([at.lat, at.lon], { radius: 8, color: "#b91c1c", weight: 3, fillOpacity: 0.9 })
        .bindTooltip("#" + at.id).addTo(layer);
    }
    (data.cameras || []).forEach(function (camera) {
      L.circleMarker([camera.lat, camera.lon], { radius: 6, color: "#1d4ed8", weight: 2, fillOpacity: 0.7 })
        .bindTooltip(camera.camera + " (" + camera.reads + ")").addTo(layer);
    });
    if (layer.getLayers().length) ops.map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 17 });
  }

  function drawCameras(ops, data) {
    var layer = L.featureGroup().addTo(ops.map);
    (data.cameras || []).forEach(function (camera) {
      var marker = L.circleMarker([camera.lat, camera.lon], {
        radius: 6, color: STATUS_COLOURS[camera.status] || "#1d4ed8", weight: 2, fillOpacity: 0.7
      }).addTo(layer);
      var box = document.createElement("div");
      var link = document.createElement("a");
      link.href = camera.url;
      link.textContent = camera.code;
      box.appendChild(link);
      box.appendChild(document.createTextNode(" " + camera.name + " · " + (camera.status_label || camera.status)));
      marker.bindPopup(box);
      marker.bindTooltip(camera.code);
    });
    if (data.center) ops.map.setView(data.center, data.zoom || 16);
    else if (layer.getLayers().length) ops.map.fitBounds(layer.getBounds().pad(0.1), { maxZoom: 16 });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-camera-map]"), function (target) {
      var source = document.getElementById(target.dataset.cameraMap);
      var data = {};
      if (source) { try { data = JSON.parse(source.textContent); } catch (err) { data = {}; } }
      if (!target.id) target.id = "camera-map-" + Math.random().toString(36).slice(2);
      var map = SafeCityMap.create(target.id, { center: data.center || SafeCityMap.HCMC, zoom: data.zoom || 12 });
      var ops = { map: map };
      target.safecityMap = ops;
      if (data.points) drawTrace(ops, data);
      else if (data.cameras && !data.incident) drawCameras(ops, data);
      else drawNear(ops, data);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
