/* The officers' pages' alarm sound: one toggle button, remembered per page in localStorage,
   unlocked by the first gesture (browsers start audio only after one), and a tone pattern. */
(function () {
  "use strict";

  // A pattern is a list of [offset s, frequency Hz]; each tone lasts `length` seconds.
  function alarm(options) {
    var toggle = options.toggle;
    var labels = options.labels;
    var key = options.storageKey;
    var pattern = options.pattern || [[0, 880], [0.25, 880], [0.5, 880]];
    var length = options.length || 0.2;
    var volume = options.volume || 0.2;
    var audio = null;
    var wanted = localStorage.getItem(key) !== "off";

    function context() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      if (!audio) audio = new Context();
      if (audio.state === "suspended") audio.resume();
      return audio;
    }
    function running() { return wanted && audio && audio.state === "running"; }
    function show() {
      toggle.hidden = false;
      toggle.setAttribute("aria-pressed", running() ? "true" : "false");
      toggle.textContent = running() ? labels.sound_on : labels.sound_off;
    }
    function beep() {
      if (options.vibrate && navigator.vibrate) navigator.vibrate(options.vibrate);
      if (!wanted) return;
      var ctx = context();
      if (!ctx) return;
      pattern.forEach(function (step) {
        var start = ctx.currentTime + step[0];
        var tone = ctx.createOscillator();
        var gain = ctx.createGain();
        tone.type = "square";
        tone.frequency.value = step[1];
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(volume, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + length - 0.02);
        tone.connect(gain).connect(ctx.destination);
        tone.start(start);
        tone.stop(start + length);
      });
    }
    function unlock() {
      if (wanted) context();
      setTimeout(show, 50);
    }
    document.addEventListener("pointerdown", unlock, { once: true });
    document.addEventListener("keydown", unlock, { once: true });
    toggle.addEventListener("click", function (event) {
      event.stopPropagation();
      wanted = !running();
      localStorage.setItem(key, wanted ? "on" : "off");
      if (wanted) context();
      setTimeout(show, 50);
    });
    show();
    return { beep: beep };
  }

  window.SafeCitySound = { alarm: alarm };
})();
