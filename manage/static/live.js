// 实时 Live: the hall's event stream (server-sent events) tells the page something changed;
// the page then fetches its panels (server-rendered, the same template as the first load) and
// swaps them in. Bursts are folded into one fetch; a lost stream reconnects by itself.
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
        if (r.status === 401) { window.location.href = "/manage/login"; return null; }
        return r.ok ? r.text() : null;
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

  function state(text, cls) { link.textContent = text; link.className = "pill " + cls; }

  var stream = new EventSource(panels.dataset.stream);
  stream.addEventListener("hello", function () { state("实时 Live", "open"); refresh(); });
  stream.addEventListener("hall", function (e) { panels.dataset.seq = e.lastEventId; refresh(); });
  stream.onerror = function () { state("重新连接中 Reconnecting…", "paused"); };
  // Waiting and handling minutes grow without events: a quiet refresh every 30 s.
  setInterval(refresh, 30000);
})();
