// SafeCity maps: Leaflet from the server (no internet), a tile layer only when the force has a
// tile server (SAFECITY_MAP_TILE_URL), otherwise the ward boundaries are the background.
//   <div id="map" class="map" data-tile-url="{{ MAP_TILE_URL }}" data-attribution="…"></div>
//   var map = SafeCityMap.create("map", {center: [10.7769, 106.7009], zoom: 12});
//   map.whenWardsReady(function (wardsLayer) { … });
(function (global) {
  "use strict";
  var HCMC = [10.7769, 106.7009];
  function create(elementId, options) {
    options = options || {};
    var element = document.getElementById(elementId);
    var map = L.map(element, { zoomControl: true, preferCanvas: true })
      .setView(options.center || HCMC, options.zoom || 11);
    var tileUrl = element.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
    } else {
      element.classList.add("map-no-tiles");
    }
    var waiting = [];
    var wards = null;
    map.whenWardsReady = function (callback) {
      if (wards) callback(wards); else waiting.push(callback);
    };
    if (options.wards !== false) {
      fetch("/api/v1/geography/boundaries", { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (geojson) {
          wards = L.geoJSON(geojson, {
            style: { color: "#6b7280", weight: 1, fillColor: "#e5e7eb", fillOpacity: tileUrl ? 0 : 0.6 },
            onEachFeature: function (feature, layer) {
              layer.bindTooltip(feature.properties.name, { sticky: true });
            }
          }).addTo(map);
          wards.bringToBack();
          waiting.forEach(function (callback) { callback(wards); });
          waiting = [];
        })
        .catch(function () { /* the map still works without the background */ });
    }
    return map;
  }
  global.SafeCityMap = { create: create, HCMC: HCMC };
})(window);
