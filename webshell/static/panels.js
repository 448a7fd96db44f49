// Live panels: the page's #panels are fetched again (server-rendered, the same template as the
// first load) and swapped in — when the server's event stream (data-stream, server-sent events)
// says something changed, and quietly every data-every milliseconds (30 s unless told).
// Bursts are folded into one fetch; a lost stream reconnects by itself.
(function () {
  "use strict";
  var panels = document.getElementById("panels");
  var link = document.getElementById("link");
  if (!panels) return;
  var pending = false, fetching = false;

  function refresh() {
    if (fetching) { pending = true; return; }
    fetching = true;
    fetch(panels.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        if (!r.ok) { state("暂不可用 Unavailable", "paused"); return null; }
        if (!panels.dataset.stream) state("实时 Live", "open");
        return r.text();
      })
      .then(function (html) {
        if (html !== null && html !== undefined) {
          var next = document.createElement("div");
          next.innerHTML = html;
          panels.replaceChildren.apply(panels, Array.prototype.slice.call(next.childNodes));
          panels.dataset.updated = String(Date.now());
        }
      })
      .finally(function () {
        fetching = false;
        if (pending) { pending = false; setTimeout(refresh, 50); }
      });
  }

  function state(text, cls) { if (link) { link.textContent = text; link.className = "pill " + cls; } }

  if (panels.dataset.stream) {
    var stream = new EventSource(panels.dataset.stream);
    stream.addEventListener("hello", function () { state("实时 Live", "open"); refresh(); });
    stream.addEventListener("hall", function (e) { panels.dataset.seq = e.lastEventId; refresh(); });
    stream.onerror = function () { state("重新连接中 Reconnecting…", "paused"); };
  } else {
    state("实时 Live", "open");
  }
  setInterval(refresh, Number(panels.dataset.every || 30000));
})();
