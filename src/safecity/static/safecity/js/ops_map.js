// The officers' map: incidents, patrol units, ward boundaries, hotspots and cameras, as GeoJSON
// layers from /api/v1/map/layers/{name}, kept live from the officers' WebSocket (live.js
// dispatches "safecity:live" with {event, payload}). Needs Leaflet and map.js loaded first.
//
//   var ops = SafeCityMap.mount(element, {
//     layers: {incidents: true, units: true, wards: true, hotspots: false, cameras: false},
//     hotspots: {since: "…", until: "…", category: "", resolution: 8},
//     center: [10.7769, 106.7009], zoom: 13,        // default: the officer's wards
//     onIncidentClick: function (id, properties) {}, // default: a popup with a link
//     onUnitClick: function (id, properties) {}      // default: a popup
//   });
//   ops.applyUnit({id: 7, lat: 10.77, lon: 106.70, status: "en_route", heading: 90});
//   ops.focusIncident(42); ops.setVisible("hotspots", true); ops.reload("units");
//
// Any element with data-ops-map="ID" is mounted on page load with the JSON options in the
// element ID (a json_script), so pages need no inline script.
(function (global) {
  "use strict";
  if (!global.L || !global.SafeCityMap) return;

  var PRIORITY_COLOURS = { 1: "#b91c1c", 2: "#ea580c", 3: "#ca8a04", 4: "#4b5563" };
  // Vietnamese initials, shown in the legend: An ninh, Cháy, Giao thông, cứu nạn (R), Y tế, Khác.
  var CATEGORY_LETTERS = {
    security: "A", fire: "C", traffic_accident: "G", rescue: "R", medical: "Y", other: "K"
  };
  var UNIT_COLOURS = {
    available: "#15803d", dispatched: "#ea580c", en_route: "#d97706", on_scene: "#b91c1c",
    busy: "#7c3aed", returning: "#0e7490", out_of_service: "#6b7280", off_duty: "#9ca3af"
  };
  var HEAT = ["#fef3c7", "#fde68a", "#fbbf24", "#f97316", "#dc2626", "#7f1d1d"];
  var LAYER_NAMES = ["wards", "hotspots", "incidents", "units", "cameras"];
  var DEFAULT_VISIBLE = { incidents: true, units: true, wards: true, hotspots: false, cameras: false };
  var WARD_LABEL_ZOOM = 13;
  var UNIT_SIGN_ZOOM = 14;
  var counter = 0;

  function readLabels() {
    var element = document.getElementById("safecity-map-labels");
    if (!element) return {};
    try { return JSON.parse(element.textContent); } catch (err) { return {}; }
  }

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function heatColour(intensity) {
    var index = Math.min(HEAT.length - 1, Math.max(0, Math.floor((intensity || 0) * HEAT.length)));
    return HEAT[index];
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value !== null && value !== undefined && value !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function bboxOf(bounds) {
    function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }
    return [
      clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
      clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)
    ].map(function (n) { return n.toFixed(5); }).join(",");
  }

  function mount(target, options) {
    options = options || {};
    var labels = options.labels || readLabels();
    var api = (options.api || "/api/v1/map").replace(/\/$/, "");
    var incidentUrl = options.incidentUrl || "/ops/incidents/{id}/";
    var visible = {};
    LAYER_NAMES.forEach(function (name) {
      var wanted = options.layers && name in options.layers ? options.layers[name] : DEFAULT_VISIBLE[name];
      visible[name] = !!wanted;
    });
    var hotspotFilter = options.hotspots || {};

    if (!target.id) target.id = "ops-map-" + (++counter);
    var tileUrl = options.tileUrl !== undefined ? options.tileUrl : (target.dataset.tileUrl || labels.tile_url || "");
    target.dataset.tileUrl = tileUrl;
    if (!target.dataset.attribution && labels.attribution) target.dataset.attribution = labels.attribution;
    target.classList.add("ops-map");
    var map = SafeCityMap.create(target.id, {
      wards: false, center: options.center || SafeCityMap.HCMC, zoom: options.zoom || 12
    });
    [["wardsPane", 300], ["hotspotsPane", 350], ["camerasPane", 590]].forEach(function (pane) {
      map.createPane(pane[0]).style.zIndex = pane[1];
    });
    map.getPane("wardsPane").classList.add("ops-map-wards");

    var groups = {
      wards: L.layerGroup(), hotspots: L.layerGroup(), incidents: L.layerGroup(),
      units: L.layerGroup(), cameras: L.layerGroup()
    };
    var wardLabels = L.layerGroup();
    var incidents = {};   // id → marker
    var units = {};       // id → marker
    var hotspotCells = {}; // cell → polygon
    var fetched = {};     // layer → the bounds last loaded (for bbox layers)
    var destroyed = false;

    // --- Loading -------------------------------------------------------------------------------
    function fetchLayer(name, params) {
      return fetch(api + "/layers/" + name + query(params || {}), {
        credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store"
      }).then(function (response) {
        if (!response.ok) return Promise.reject(new Error(name + ": " + response.status));
        return response.json();
      });
    }

    function viewBounds() { return map.getBounds().pad(0.5); }

    function load(name) {
      if (destroyed || !visible[name]) return Promise.resolve();
      if (name === "wards") return loadWards();
      if (name === "hotspots") {
        return fetchLayer("hotspots", hotspotFilter).then(drawHotspots).catch(function () {});
      }
      var bounds = viewBounds();
      return fetchLayer(name, { bbox: bboxOf(bounds) }).then(function (geojson) {
        fetched[name] = bounds;
        if (name === "incidents") replaceAll(incidents, geojson.features, applyIncidentFeature);
        else if (name === "units") replaceAll(units, geojson.features, applyUnitFeature);
        else drawCameras(geojson);
      }).catch(function () { /* the next move or reconnection loads again */ });
    }

    function replaceAll(markers, features, apply) {
      var seen = {};
      features.forEach(function (feature) { seen[feature.id] = true; apply(feature); });
      Object.keys(markers).forEach(function (id) {
        if (!seen[id]) { markers[id].remove(); delete markers[id]; }
      });
    }

    var moveTimer = null;
    map.on("moveend", function () {
      clearTimeout(moveTimer);
      moveTimer = setTimeout(function () {
        var view = map.getBounds();
        ["incidents", "units", "cameras"].forEach(function (name) {
          if (visible[name] && !(fetched[name] && fetched[name].contains(view))) load(name);
        });
      }, 250);
    });

    // --- Wards ---------------------------------------------------------------------------------
    var wardsLoaded = null;
    function loadWards() {
      if (wardsLoaded) return wardsLoaded;
      wardsLoaded = fetchLayer("wards").then(function (geojson) {
        var scoped = L.latLngBounds([]);
        var everyWard = true;
        var layer = L.geoJSON(geojson, {
          pane: "wardsPane",
          style: function (feature) {
            var mine = feature.properties.in_scope;
            return {
              color: mine ? "#4b5563" : "#9ca3af", weight: mine ? 1.2 : 0.8,
              fillColor: mine ? "#f9fafb" : "#e5e7eb", fillOpacity: tileUrl ? 0 : 0.85
            };
          },
          onEachFeature: function (feature, wardLayer) {
            var p = feature.properties;
            wardLayer.bindTooltip(p.name, { sticky: true });
            if (p.in_scope) scoped.extend(wardLayer.getBounds()); else everyWard = false;
            if (p.label) {
              wardLabels.addLayer(L.marker([p.label[1], p.label[0]], {
                interactive: false, keyboard: false,
                icon: L.divIcon({ className: "ward-label", html: "<span></span>", iconSize: [0, 0] })
              }).on("add", function (event) {
                var icon = event.target.getElement();
                if (icon && icon.firstChild) icon.firstChild.textContent = p.name;
              }));
            }
          }
        });
        groups.wards.addLayer(layer);
        if (!options.center && scoped.isValid() && !everyWard) map.fitBounds(scoped, { maxZoom: 15 });
        showWardLabels();
        return layer;
      }).catch(function () { wardsLoaded = null; });
      return wardsLoaded;
    }

    // Call signs only once there is room for them.
    function showUnitSigns() {
      target.classList.toggle("ops-map-far", map.getZoom() < UNIT_SIGN_ZOOM);
    }
    map.on("zoomend", showUnitSigns);
    showUnitSigns();

    function showWardLabels() {
      var wanted = visible.wards && map.getZoom() >= WARD_LABEL_ZOOM;
      if (wanted && !map.hasLayer(wardLabels)) wardLabels.addTo(map);
      if (!wanted && map.hasLayer(wardLabels)) wardLabels.remove();
    }
    map.on("zoomend", showWardLabels);

    // --- Incidents -----------------------------------------------------------------------------
    function isOpen(status) { return !labels.open || labels.open.indexOf(status) >= 0; }

    function incidentIcon(p) {
      var letter = CATEGORY_LETTERS[p.category] || "?";
      return L.divIcon({
        className: "incident-marker incident-p" + parseInt(p.priority, 10) + (p.status === "new" ? " is-new" : ""),
        html: '<span style="background:' + (PRIORITY_COLOURS[p.priority] || "#4b5563") + '">' +
          letter + "</span>",
        iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12]
      });
    }

    function incidentPopup(id, p) {
      var box = element("div", "map-popup");
      box.appendChild(element("strong", "", "P" + p.priority + " #" + id + " · " +
        ((labels.categories || {})[p.category] || p.category_label || p.category)));
      box.appendChild(element("div", "", ((labels.statuses || {})[p.status] || p.status_label || p.status) +
        (p.ward_name ? " · " + p.ward_name : "")));
      if (p.summary) box.appendChild(element("div", "hint", p.summary));
      box.appendChild(element("div", "", (labels.reports || "Reports") + ": " + text(p.report_count)));
      var link = element("a", "", labels.open_incident || "Open");
      link.href = p.url || incidentUrl.replace("{id}", id);
      box.appendChild(link);
      return box;
    }

    function applyIncidentFeature(feature) {
      var p = feature.properties || {};
      var c = feature.geometry.coordinates;
      upsertIncident(feature.id, c[1], c[0], p);
    }

    function upsertIncident(id, lat, lon, p) {
      var marker = incidents[id];
      if (!isOpen(p.status)) {
        if (marker) { marker.remove(); delete incidents[id]; }
        return;
      }
      if (lat === null || lat === undefined || lon === null || lon === undefined) return;
      var key = p.priority + "/" + p.category + "/" + p.status;
      if (!marker) {
        // Incidents stay above the units around them; the most urgent above the rest.
        marker = L.marker([lat, lon], { icon: incidentIcon(p), riseOnHover: true, zIndexOffset: 2000 + 100 * (5 - p.priority) });
        marker.on("click", function () {
          if (options.onIncidentClick) options.onIncidentClick(id, marker.properties);
        });
        if (!options.onIncidentClick) marker.bindPopup(function () { return incidentPopup(id, marker.properties); });
        incidents[id] = marker;
        groups.incidents.addLayer(marker);
      } else {
        marker.setLatLng([lat, lon]);
        if (marker.iconKey !== key) marker.setIcon(incidentIcon(p));
      }
      marker.iconKey = key;
      marker.properties = p;
      var title = "P" + p.priority + " #" + id + " " + ((labels.categories || {})[p.category] || p.category);
      var node = marker.getElement();
      if (node) node.title = title;
    }

    function applyIncident(payload) {
      if (!payload || payload.id === undefined) return;
      var old = incidents[payload.id];
      var merged = L.extend({}, old ? old.properties : {}, payload);
      upsertIncident(payload.id, payload.lat, payload.lon, merged);
    }

    // --- Units ---------------------------------------------------------------------------------
    function unitHtml() {
      return '<span class="unit-body"><svg class="unit-arrow" viewBox="0 0 20 20" aria-hidden="true">' +
        '<path d="M10 1 L16 17 L10 13 L4 17 Z"/></svg><span class="unit-dot"></span></span>' +
        '<span class="unit-sign"></span>';
    }

    function paintUnit(marker) {
      var p = marker.properties;
      var node = marker.getElement();
      if (!node) return;
      var colour = UNIT_COLOURS[p.status] || "#374151";
      node.style.setProperty("--unit-colour", colour);
      var heading = typeof p.heading === "number" && isFinite(p.heading) ? p.heading : null;
      node.classList.toggle("has-heading", heading !== null);
      var arrow = node.querySelector(".unit-arrow");
      if (arrow) arrow.style.transform = heading === null ? "" : "rotate(" + heading + "deg)";
      var sign = node.querySelector(".unit-sign");
      if (sign) sign.textContent = p.call_sign || "";
      node.title = (p.call_sign || "#" + marker.unitId) + " · " +
        ((labels.unit_statuses || {})[p.status] || p.status_label || p.status || "");
      node.dataset.status = p.status || "";
    }

    function unitPopup(id, p) {
      var box = element("div", "map-popup");
      box.appendChild(element("strong", "", (p.call_sign || "#" + id) + " · " +
        ((labels.unit_kinds || {})[p.unit_kind || p.kind] || p.unit_kind_label || p.unit_kind || p.kind || "")));
      box.appendChild(element("div", "", (labels.unit_statuses || {})[p.status] || p.status_label || p.status));
      if (p.station) box.appendChild(element("div", "hint", p.station));
      if (p.incident_id) {
        var link = element("a", "", (labels.assigned_to || "Incident") + " #" + p.incident_id);
        link.href = incidentUrl.replace("{id}", p.incident_id);
        box.appendChild(link);
      }
      if (typeof p.speed_mps === "number") {
        box.appendChild(element("div", "hint", (labels.speed || "Speed") + ": " + Math.round(p.speed_mps * 3.6) + " km/h"));
      }
      if (p.position_at) {
        box.appendChild(element("div", "hint", (labels.updated || "Position at") + ": " +
          new Date(p.position_at).toLocaleTimeString()));
      }
      return box;
    }

    function applyUnitFeature(feature) {
      var c = feature.geometry.coordinates;
      upsertUnit(feature.id, c[1], c[0], feature.properties || {});
    }

    function upsertUnit(id, lat, lon, p) {
      var marker = units[id];
      if (p.status === "off_duty" || p.on_duty === false) {
        if (marker) { marker.remove(); delete units[id]; }
        return;
      }
      var placed = typeof lat === "number" && typeof lon === "number";
      if (!marker) {
        if (!placed) return;  // a status change of a unit this map has not drawn
        marker = L.marker([lat, lon], {
          icon: L.divIcon({ className: "unit-marker", html: unitHtml(), iconSize: [24, 24], iconAnchor: [12, 12] }),
          zIndexOffset: 1000, keyboard: true
        });
        marker.unitId = id;
        marker.properties = p;
        marker.on("add", function () { paintUnit(marker); });
        marker.on("click", function () {
          if (options.onUnitClick) options.onUnitClick(id, marker.properties);
        });
        if (!options.onUnitClick) marker.bindPopup(function () { return unitPopup(id, marker.properties); });
        units[id] = marker;
        groups.units.addLayer(marker);
      } else {
        marker.properties = p;
        if (placed) marker.setLatLng([lat, lon]);
      }
      paintUnit(marker);
    }

    function applyUnit(payload) {
      if (!payload || payload.id === undefined) return;
      var old = units[payload.id];
      var merged = L.extend({}, old ? old.properties : {}, payload);
      if (payload.kind && !payload.unit_kind) merged.unit_kind = payload.kind;
      if (payload.kind_label && !payload.unit_kind_label) merged.unit_kind_label = payload.kind_label;
      upsertUnit(payload.id, payload.lat, payload.lon, merged);
    }

    // --- Hotspots ------------------------------------------------------------------------------
    function drawHotspots(geojson) {
      groups.hotspots.clearLayers();
      hotspotCells = {};
      L.geoJSON(geojson, {
        pane: "hotspotsPane",
        style: function (feature) {
          var colour = heatColour(feature.properties.intensity);
          return { color: colour, weight: 1, fillColor: colour, fillOpacity: 0.55 };
        },
        onEachFeature: function (feature, cellLayer) {
          var p = feature.properties;
          hotspotCells[p.cell] = cellLayer;
          cellLayer.bindTooltip("#" + p.rank + " · " + p.count + " " + (labels.incidents_count || "") +
            (p.ward_name ? " · " + p.ward_name : ""), { sticky: true });
          groups.hotspots.addLayer(cellLayer);
        }
      });
    }

    function drawCameras(geojson) {
      groups.cameras.clearLayers();
      L.geoJSON(geojson, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { pane: "camerasPane", radius: 5, color: "#1d4ed8", weight: 2, fillOpacity: 0.7 });
        },
        onEachFeature: function (feature, cameraLayer) {
          var p = feature.properties || {};
          if (p.name) cameraLayer.bindTooltip(text(p.name));
          groups.cameras.addLayer(cameraLayer);
        }
      });
    }

    // --- Visibility and controls ---------------------------------------------------------------
    function setVisible(name, on) {
      if (!(name in groups)) return;
      visible[name] = !!on;
      if (on && !map.hasLayer(groups[name])) groups[name].addTo(map);
      if (!on && map.hasLayer(groups[name])) groups[name].remove();
      if (name === "wards") showWardLabels();
      if (on) load(name);
    }

    LAYER_NAMES.forEach(function (name) { if (visible[name]) groups[name].addTo(map); });

    if (options.controls !== false) {
      var overlays = {};
      LAYER_NAMES.forEach(function (name) {
        overlays[(labels.layers || {})[name] || name] = groups[name];
      });
      L.control.layers(null, overlays, { collapsed: options.collapsed !== undefined ? options.collapsed : L.Browser.mobile }).addTo(map);
      map.on("overlayadd overlayremove", function (event) {
        LAYER_NAMES.forEach(function (name) {
          if (groups[name] === event.layer) setVisible(name, event.type === "overlayadd");
        });
      });
    }

    // --- Live ----------------------------------------------------------------------------------
    var helloSeen = false;
    function onLive(event) {
      var data = event.detail || {};
      if (data.event === "hello") {
        // A reconnection may have missed events: read the moving layers again.
        if (helloSeen) { load("incidents"); load("units"); }
        helloSeen = true;
      } else if (data.event === "incident.created" || data.event === "incident.updated") {
        applyIncident(data.payload);
      } else if (data.event === "unit.updated" || data.event === "unit.position" || data.event === "unit.status") {
        applyUnit(data.payload);
      }
    }
    if (options.live !== false) document.addEventListener("safecity:live", onLive);

    LAYER_NAMES.forEach(function (name) { load(name); });

    function focus(lat, lon, zoom) {
      map.setView([lat, lon], Math.max(map.getZoom(), zoom || 16));
    }

    return {
      map: map,
      layers: groups,
      reload: function (name) {
        if (name) { if (name === "wards") wardsLoaded = null; return load(name); }
        return Promise.all(["incidents", "units", "hotspots", "cameras"].map(load));
      },
      setVisible: setVisible,
      isVisible: function (name) { return !!visible[name]; },
      setHotspotFilter: function (filter) { hotspotFilter = filter || {}; return load("hotspots"); },
      applyIncident: applyIncident,
      applyUnit: applyUnit,
      incidentMarker: function (id) { return incidents[id] || null; },
      unitMarker: function (id) { return units[id] || null; },
      focus: focus,
      focusIncident: function (id) {
        var marker = incidents[id];
        if (!marker) return false;
        focus(marker.getLatLng().lat, marker.getLatLng().lng);
        marker.openPopup();
        return true;
      },
      focusUnit: function (id) {
        var marker = units[id];
        if (!marker) return false;
        focus(marker.getLatLng().lat, marker.getLatLng().lng);
        return true;
      },
      focusCell: function (cell, lat, lon) {
        focus(lat, lon, 14);
        if (!visible.hotspots) setVisible("hotspots", true);
        var layer = hotspotCells[cell];
        if (layer) layer.openTooltip([lat, lon]);
      },
      destroy: function () {
        destroyed = true;
        document.removeEventListener("safecity:live", onLive);
        map.remove();
      }
    };
  }

  // --- The legend and the hotspot list of pages that ask for them ------------------------------
  function legend(container, labels) {
    var list = element("ul", "map-legend-list");
    Object.keys(CATEGORY_LETTERS).forEach(function (category) {
      var item = element("li");
      item.appendChild(element("span", "legend-letter", CATEGORY_LETTERS[category]));
      item.appendChild(document.createTextNode(" " + ((labels.categories || {})[category] || category)));
      list.appendChild(item);
    });
    Object.keys(UNIT_COLOURS).forEach(function (status) {
      if (status === "off_duty") return;
      var item = element("li");
      var swatch = element("span", "legend-unit");
      swatch.style.background = UNIT_COLOURS[status];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + ((labels.unit_statuses || {})[status] || status)));
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function autoMount() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ops-map]"), function (target) {
      var source = document.getElementById(target.dataset.opsMap);
      var options = {};
      if (source) { try { options = JSON.parse(source.textContent); } catch (err) { options = {}; } }
      var ops = mount(target, options);
      target.safecityMap = ops;
      Array.prototype.forEach.call(document.querySelectorAll('[data-map-legend="' + target.id + '"]'), function (box) {
        legend(box, options.labels || readLabels());
      });
      Array.prototype.forEach.call(document.querySelectorAll('[data-hotspot-for="' + target.id + '"]'), function (button) {
        button.addEventListener("click", function () {
          ops.focusCell(button.dataset.cell, parseFloat(button.dataset.lat), parseFloat(button.dataset.lon));
          target.scrollIntoView({ block: "nearest" });
        });
      });
    });
  }

  global.SafeCityMap.mount = mount;
  global.SafeCityMap.legend = legend;
  global.SafeCityMap.colours = { priority: PRIORITY_COLOURS, unit: UNIT_COLOURS, heat: HEAT, letters: CATEGORY_LETTERS };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
  else autoMount();
})(window);
