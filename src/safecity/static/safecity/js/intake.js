// Call intake, made for the keyboard: Alt+1…6 picks the category from anywhere (1…6 alone
// while the category group has focus), the priority list names the category's default, the
// ward list filters as you type (accents optional), Ctrl+Enter saves from any field. A map
// point is optional and drawn only when asked for.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var text = JSON.parse(document.getElementById("intake-text").textContent);
  var radios = Array.prototype.slice.call(form.querySelectorAll('input[name="category"]'));
  var priority = form.querySelector('select[name="priority"]');
  var wardSelect = form.querySelector('select[name="ward_code"]');
  var wardSearch = document.getElementById("ward-search");
  var wardHint = document.getElementById("ward-search-hint");
  var save = document.getElementById("intake-save");

  // --- Category and priority -------------------------------------------------------------------
  function showDefault() {
    var picked = radios.filter(function (r) { return r.checked; })[0];
    var option = priority.options[0];
    if (!picked) { option.textContent = text.default_for; return; }
    var p = text.defaults[picked.value];
    option.textContent = text.default_for + " — " + text.priorities[String(p)];
  }
  function pick(index) {
    var radio = radios[index];
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }
  radios.forEach(function (radio) { radio.addEventListener("change", showDefault); });
  showDefault();

  function digit(event) {
    var match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code || "");
    return match ? parseInt(match[1], 10) : 0;
  }
  document.addEventListener("keydown", function (event) {
    var n = digit(event);
    var inGroup = event.target && event.target.name === "category";
    if (n && n <= radios.length && (event.altKey || (inGroup && !event.ctrlKey && !event.metaKey))) {
      event.preventDefault();
      pick(n - 1);
      if (inGroup) radios[n - 1].focus();
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });

  // --- Ward search over the list (no round trip: the city's wards are already in it) -----------
  function fold(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase().trim();
  }
  var wardOptions = Array.prototype.slice.call(wardSelect.options).map(function (option) {
    return { option: option, key: fold(option.textContent) };
  });
  var hintText = wardHint.textContent;
  function filterWards() {
    var query = fold(wardSearch.value);
    var first = null, shown = 0;
    wardOptions.forEach(function (item) {
      if (!item.option.value) return;  // the "choose" line stays
      var hit = !query || item.key.indexOf(query) >= 0;
      item.option.hidden = !hit;
      item.option.disabled = !hit;
      if (hit) { shown++; if (!first) first = item.option; }
    });
    if (query && first) first.selected = true;
    wardHint.textContent = query ? shown + " " + text.matches : hintText;
  }
  document.getElementById("ward-search-block").hidden = false;
  wardSearch.addEventListener("input", filterWards);
  wardSearch.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();  // pick the first match and move on, rather than save half a call
      filterWards();
      var next = form.querySelector('[name="description"]');
      if (next) next.focus();
    }
  });
  // Before sending, every ward must be selectable again (a disabled option is not sent).
  form.addEventListener("submit", function () {
    wardOptions.forEach(function (item) { item.option.disabled = false; });
    save.disabled = true;
    save.textContent = save.dataset.saving;
  });
  window.addEventListener("pageshow", function () { save.disabled = false; });

  // --- Optional map point ----------------------------------------------------------------------
  var mapBlock = document.getElementById("intake-map-block");
  var lat = form.querySelector("[data-lat]");
  var lon = form.querySelector("[data-lon]");
  var source = form.querySelector("[data-source]");
  var pinText = document.getElementById("intake-pin");
  var clearPin = document.getElementById("intake-clear-pin");
  var map = null, marker = null;
  function setPoint(latlng) {
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    source.value = "pin";
    if (map) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
    }
    var here = text.point + " " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
    pinText.textContent = here;
    clearPin.hidden = false;
    fetch("/api/v1/geography/wards/locate?lat=" + latlng.lat + "&lon=" + latlng.lng,
          { credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 404) { pinText.textContent = here + " — " + text.outside; return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (ward) {
        if (!ward) return;
        pinText.textContent = here + " — " + ward.name;
        if (!wardSelect.value) wardSelect.value = String(ward.code);
      })
      .catch(function () {});
  }
  if (window.L && window.SafeCityMap) {
    mapBlock.hidden = false;
    mapBlock.addEventListener("toggle", function () {
      if (!mapBlock.open) return;
      if (!map) {
        map = SafeCityMap.create("intake-map", { zoom: 11 });
        map.on("click", function (event) { setPoint(event.latlng); });
        if (lat.value && lon.value) setPoint(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
      } else {
        map.invalidateSize();
      }
    });
    if (lat.value && lon.value) mapBlock.open = true;
    clearPin.addEventListener("click", function () {
      lat.value = ""; lon.value = ""; source.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      pinText.textContent = "";
      clearPin.hidden = true;
    });
  }

  var summary = document.getElementById("form-errors");
  if (summary) summary.focus();
})();
