// Composing a warning's area: click wards on the map to toggle them in the ward list, and
// draw circles or polygons with Leaflet.draw; the drawn shapes go into the hidden "shapes"
// field as {"circles": [{lat, lon, radius_km}], "polygons": [[[lat, lon], …]]}.
// Without JavaScript the map stays hidden and the ward list alone is the area.
(function () {
  "use strict";
  var element = document.getElementById("compose-map");
  var field = document.getElementById("id_shapes");
  var select = document.getElementById("id_wards");
  if (!element || !field || !window.L || !L.Control || !L.Control.Draw || !window.SafeCityMap) return;

  var labels = {};
  try { labels = JSON.parse(document.getElementById("draw-labels").textContent); } catch (e) { /* English */ }
  var local = L.drawLocal;
  function label(key, fallback) { return labels[key] || fallback; }
  local.draw.toolbar.buttons.polygon = label("polygon", local.draw.toolbar.buttons.polygon);
  local.draw.toolbar.buttons.circle = label("circle", local.draw.toolbar.buttons.circle);
  local.draw.toolbar.actions.text = label("cancel", local.draw.toolbar.actions.text);
  local.draw.toolbar.actions.title = label("cancel", local.draw.toolbar.actions.title);
  local.draw.toolbar.finish.text = label("finish", local.draw.toolbar.finish.text);
  local.draw.toolbar.finish.title = label("finish", local.draw.toolbar.finish.title);
  local.draw.toolbar.undo.text = label("undo", local.draw.toolbar.undo.text);
  local.draw.toolbar.undo.title = label("undo", local.draw.toolbar.undo.title);
  local.draw.handlers.polygon.tooltip.start = label("polygonStart", local.draw.handlers.polygon.tooltip.start);
  local.draw.handlers.polygon.tooltip.cont = label("polygonCont", local.draw.handlers.polygon.tooltip.cont);
  local.draw.handlers.polygon.tooltip.end = label("polygonEnd", local.draw.handlers.polygon.tooltip.end);
  local.draw.handlers.circle.tooltip.start = label("circleStart", local.draw.handlers.circle.tooltip.start);
  local.draw.handlers.circle.radius = label("radius", local.draw.handlers.circle.radius);
  local.edit.toolbar.buttons.edit = label("edit", local.edit.toolbar.buttons.edit);
  local.edit.toolbar.buttons.remove = label("remove", local.edit.toolbar.buttons.remove);
  local.edit.toolbar.actions.save.text = label("save", local.edit.toolbar.actions.save.text);
  local.edit.toolbar.actions.cancel.text = label("cancel", local.edit.toolbar.actions.cancel.text);
  local.edit.toolbar.actions.clearAll.text = label("clearAll", local.edit.toolbar.actions.clearAll.text);

  element.hidden = false;
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (node) { node.hidden = false; });
  var map = SafeCityMap.create("compose-map", {});
  var drawn = new L.FeatureGroup().addTo(map);
  var style = { color: "#b91c1c", weight: 2, fillOpacity: 0.2 };
  function round(value, digits) { var f = Math.pow(10, digits); return Math.round(value * f) / f; }

  function load() {
    var data;
    try { data = JSON.parse(field.value || "{}"); } catch (e) { data = {}; }
    (data.circles || []).forEach(function (c) {
      drawn.addLayer(L.circle([c.lat, c.lon], L.extend({ radius: c.radius_km * 1000 }, style)));
    });
    (data.polygons || []).forEach(function (points) { drawn.addLayer(L.polygon(points, style)); });
    if (drawn.getLayers().length) map.fitBounds(drawn.getBounds(), { maxZoom: 15 });
  }

  function save() {
    var data = { circles: [], polygons: [] };
    drawn.eachLayer(function (layer) {
      if (layer instanceof L.Circle) {
        var centre = layer.getLatLng();
        data.circles.push({
          lat: round(centre.lat, 6), lon: round(centre.lng, 6),
          radius_km: Math.max(round(layer.getRadius() / 1000, 3), 0.001)
        });
      } else if (layer instanceof L.Polygon) {
        var ring = layer.getLatLngs()[0];
        data.polygons.push(ring.map(function (p) { return [round(p.lat, 6), round(p.lng, 6)]; }));
      }
    });
    field.value = JSON.stringify(data);
  }

  load();
  map.addControl(new L.Control.Draw({
    position: "topright",
    edit: { featureGroup: drawn },
    draw: {
      polyline: false, rectangle: false, marker: false, circlemarker: false,
      polygon: { allowIntersection: false, showArea: false, shapeOptions: style },
      circle: { shapeOptions: style, showRadius: true, metric: true }
    }
  }));
  map.on(L.Draw.Event.CREATED, function (event) { drawn.addLayer(event.layer); save(); });
  map.on(L.Draw.Event.EDITED, save);
  map.on(L.Draw.Event.DELETED, save);

  // While a drawing or editing tool is on, clicks belong to it, not to the wards underneath.
  // Leaflet.draw stops on the mouseup that ends a circle, before the browser's click for that
  // same press: stay deaf until that click has passed, or it toggles the ward under the pointer.
  var busy = false;
  map.on("draw:drawstart draw:editstart draw:deletestart", function () { busy = true; });
  map.on("draw:drawstop draw:editstop draw:deletestop", function () {
    setTimeout(function () { busy = false; }, 0);
  });

  if (!select) return;
  function option(code) { return select.querySelector('option[value="' + code + '"]'); }
  map.whenWardsReady(function (wards) {
    function paint() {
      wards.eachLayer(function (layer) {
        var chosen = option(layer.feature.properties.code);
        layer.setStyle(chosen && chosen.selected
          ? { color: "#1d4ed8", weight: 2, fillColor: "#3b82f6", fillOpacity: 0.45 }
          : { color: "#6b7280", weight: 1, fillColor: "#e5e7eb", fillOpacity: element.classList.contains("map-no-tiles") ? 0.6 : 0 });
      });
    }
    wards.eachLayer(function (layer) {
      layer.on("click", function () {
        if (busy) return;
        var chosen = option(layer.feature.properties.code);
        if (!chosen) return;
        chosen.selected = !chosen.selected;
        paint();
      });
    });
    select.addEventListener("change", paint);
    paint();
    var chosen = [];
    wards.eachLayer(function (layer) {
      var o = option(layer.feature.properties.code);
      if (o && o.selected) chosen.push(layer);
    });
    if (chosen.length && !drawn.getLayers().length) map.fitBounds(L.featureGroup(chosen).getBounds(), { maxZoom: 14 });
  });
})();
