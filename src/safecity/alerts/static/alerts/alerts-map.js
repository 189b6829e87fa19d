// Warnings on a map: the areas of each warning (wards from the ward boundaries, circles,
// polygons), coloured by severity, each linking to its page. Progressive: the map element
// stays hidden unless Leaflet loaded, so the page without JavaScript is just the list.
//   <div id="alerts-map" class="map" data-alerts-map="ID-OF-JSON-SCRIPT" hidden></div>
(function () {
  "use strict";
  var COLORS = {
    Extreme: "#7f1d1d", Severe: "#b91c1c", Moderate: "#c2410c", Minor: "#a16207", Unknown: "#4b5563"
  };
  function colour(item) { return COLORS[item.severity] || COLORS.Unknown; }

  function popup(items) {
    var box = document.createElement("div");
    items.forEach(function (item) {
      var line = document.createElement(item.url ? "a" : "span");
      if (item.url) line.href = item.url;
      line.textContent = item.headline;
      line.style.display = "block";
      box.appendChild(line);
    });
    return box;
  }

  function draw(element) {
    var data = document.getElementById(element.dataset.alertsMap);
    if (!data || !window.L || !window.SafeCityMap) return;
    var items = JSON.parse(data.textContent);
    element.hidden = false;
    if (!element.id) element.id = "alerts-map-" + Math.random().toString(36).slice(2);
    var map = SafeCityMap.create(element.id, {});
    var bounds = L.latLngBounds([]);
    var byWard = {};
    items.forEach(function (item) {
      var style = { color: colour(item), weight: 2, fillColor: colour(item), fillOpacity: 0.25 };
      (item.circles || []).forEach(function (c) {
        var layer = L.circle([c.lat, c.lon], L.extend({ radius: c.radius_km * 1000 }, style));
        layer.bindPopup(popup([item])).addTo(map);
        bounds.extend(layer.getBounds());
      });
      (item.polygons || []).forEach(function (points) {
        var layer = L.polygon(points, style).bindPopup(popup([item])).addTo(map);
        bounds.extend(layer.getBounds());
      });
      (item.ward_codes || []).forEach(function (code) {
        (byWard[code] = byWard[code] || []).push(item);
      });
    });
    if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 15, padding: [12, 12] });
    map.whenWardsReady(function (wards) {
      wards.eachLayer(function (layer) {
        var hits = byWard[layer.feature && layer.feature.properties.code];
        if (!hits) return;
        layer.setStyle({ color: colour(hits[0]), weight: 2, fillColor: colour(hits[0]), fillOpacity: 0.35 });
        layer.bindPopup(popup(hits));
        bounds.extend(layer.getBounds());
      });
      if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 15, padding: [12, 12] });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-alerts-map]"), draw);
})();
