// The citizen's report form: a pin on the map (tap, drag) or the phone's position fills the
// hidden lat/lon fields. Without this script the form still works with a typed address and
// its ward, so nothing here is required to send a report.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("report-text").textContent);
  var lat = form.querySelector("[data-lat]");
  var lon = form.querySelector("[data-lon]");
  var source = form.querySelector("[data-source]");
  var status = document.getElementById("pin-status");
  var clearButton = document.getElementById("clear-pin");
  var locateButton = document.getElementById("use-location");
  var addressOr = document.getElementById("address-or");
  var marker = null;
  var map = null;
  var lookup = 0;

  function say(message, kind) {
    status.textContent = message;
    status.dataset.kind = kind || "";
  }

  function describe(latlng) {
    var here = text.pin + " " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
    say(here);
    var mine = ++lookup;
    fetch("/api/v1/geography/wards/locate?lat=" + latlng.lat + "&lon=" + latlng.lng,
          { credentials: "same-origin" })
      .then(function (response) {
        if (mine !== lookup) return null;
        if (response.status === 404) { say(here + " — " + text.outside, "warning"); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (ward) {
        if (ward && mine === lookup) say(here + " — " + ward.name, "ok");
      })
      .catch(function () { /* the coordinates alone are enough */ });
  }

  function setPin(latlng, how, pan) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    source.value = how;
    if (map) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { setPin(marker.getLatLng(), "pin", false); });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
    }
    clearButton.hidden = false;
    addressOr.textContent = text.pin_set;
    describe(latlng);
  }

  function clearPin() {
    lat.value = ""; lon.value = ""; source.value = "";
    if (marker) { map.removeLayer(marker); marker = null; }
    clearButton.hidden = true;
    addressOr.textContent = addressOr.dataset.original;
    lookup++;
    say("");
  }

  document.getElementById("map-block").hidden = false;
  addressOr.dataset.original = addressOr.textContent;
  if (window.L && window.SafeCityMap) {
    map = SafeCityMap.create("report-map", { zoom: 12 });
    map.on("click", function (event) { setPin(event.latlng, "pin", false); });
  } else {
    document.getElementById("report-map").hidden = true;
  }
  clearButton.addEventListener("click", clearPin);

  // Browsers give the position only to pages served over HTTPS (or from this machine).
  if (!("geolocation" in navigator) || window.isSecureContext === false) {
    locateButton.hidden = true;
  }
  locateButton.addEventListener("click", function () {
    say(text.finding);
    locateButton.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        locateButton.disabled = false;
        setPin(L.latLng(position.coords.latitude, position.coords.longitude), "device", true);
      },
      function () {
        locateButton.disabled = false;
        say(text.no_location, "warning");
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // A form sent back with errors keeps its pin.
  if (lat.value && lon.value) {
    setPin(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), source.value || "pin", true);
  }

  var photos = document.getElementById("id_photos");
  var photosWarning = document.getElementById("photos-warning");
  photos.addEventListener("change", function () {
    var tooMany = photos.files.length > parseInt(photos.dataset.max, 10);
    photosWarning.hidden = !tooMany;
    photosWarning.textContent = tooMany ? text.too_many : "";
  });

  // Show progress while a slow connection uploads; the form key makes a second tap harmless.
  var send = document.getElementById("send-report");
  var label = send.textContent;
  form.addEventListener("submit", function () {
    send.disabled = true;
    send.textContent = send.dataset.sending;
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function () {
    send.disabled = false;
    send.textContent = label;
    form.removeAttribute("aria-busy");
  });

  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();

  window.SafeCityReport = { map: map, setPin: setPin, clearPin: clearPin };
})();
