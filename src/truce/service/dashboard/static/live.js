// truce dashboard: the countdown, times in the viewer's zone, and live refresh from the
// service's event stream. Optional: every page works without it.
(function () {
  "use strict";
  var loaded = Date.now();
  var lang = document.documentElement.lang || "en";
  var announce = document.getElementById("announce");

  function say(text) {
    if (announce) { announce.textContent = text; }
  }

  function viewerTimes() {
    var el = document.getElementById("ends-viewer");
    if (!el) { return; }
    var t = new Date(el.getAttribute("data-time"));
    var fmt = new Intl.DateTimeFormat(lang + "-u-nu-latn", {
      year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
      hourCycle: "h23", timeZoneName: "short"
    });
    el.textContent = fmt.format(t);
  }

  var level = null;
  function tick() {
    var el = document.getElementById("countdown");
    if (!el) { return; }
    var ends = Date.parse(el.getAttribute("data-ends"));
    var now = Date.parse(el.getAttribute("data-now")) + (Date.now() - loaded);
    var left = ends - now;
    var name = left <= 0 ? "over" : left <= 3600e3 ? "urgent" : left <= 3 * 3600e3 ? "soon" : "calm";
    var mins = Math.max(Math.ceil(left / 60000), 0);  // a started minute still counts
    var d = Math.floor(mins / 1440), h = Math.floor(mins % 1440 / 60), m = mins % 60;
    var text = left <= 0 ? el.getAttribute("data-over")
      : (d ? el.getAttribute("data-fmt-d") : el.getAttribute("data-fmt-h"))
        .replace("{d}", d).replace("{h}", h).replace("{m}", (m < 10 ? "0" : "") + m);
    el.textContent = text;
    el.className = "countdown " + name;
    if (level !== null && name !== level && name !== "calm") {
      say(el.getAttribute("data-" + name));  // once per change of level, not every tick
    }
    level = name;
  }

  var pending = null;
  function refresh() {
    var main = document.getElementById("main");
    if (!main || !main.hasAttribute("data-refresh")) { return; }
    fetch(location.href, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { return null; }
      return r.text();
    }).then(function (html) {
      if (!html) { return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("main");
      if (!fresh) { return; }
      var focused = document.activeElement && document.activeElement.id;
      main.innerHTML = fresh.innerHTML;
      loaded = Date.now();
      viewerTimes();
      tick();
      if (focused) {
        var again = document.getElementById(focused);
        if (again) { again.focus(); }
      }
      document.body.setAttribute("data-refreshed", String(Date.now()));
    });
  }

  function follow() {
    var url = document.body.getAttribute("data-live");
    if (!url || !window.EventSource) { return; }
    var src = new EventSource(url);
    var first = true;
    function changed() {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(refresh, 250);
    }
    src.addEventListener("append", function () { if (!first) { changed(); } });
    src.addEventListener("status", function () {
      if (first) { first = false; return; }  // the first status is the page's own
      changed();
    });
    src.addEventListener("open", function () { first = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    viewerTimes();
    tick();
    setInterval(tick, 15000);
    follow();
  });
})();
