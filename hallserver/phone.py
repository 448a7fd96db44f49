"""The citizen's phone page: the ticket's QR opens it over the hall's Wi-Fi or LAN.

Public and read-only: the ticket's id is long and random, so the link is the key, and the page
shows nothing personal (number, people ahead, the live estimate, the window to go to). It asks
the server every few seconds with plain XMLHttpRequest (old phone browsers, no internet, no
build step) and vibrates — and notifies, where the citizen allowed it — when three are ahead
and when the ticket is called.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from string import Template

from .domain.hall import Hall
from .domain.tickets import Status, Ticket
from .domain.views import ticket_view

TICKET_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def phone_view(hall: Hall, t: Ticket, now: dt.datetime) -> dict[str, object]:
    """What the phone page may show of a ticket: nothing that names the citizen."""
    full = ticket_view(hall, t, now)
    service = hall.settings.service(t.service)
    window = hall.settings.window(t.window) if t.window else None
    return {
        "number": t.number,
        "service": t.service,
        "service_name": service.name if service else t.service,
        "status": str(t.status),
        "ahead": full["ahead"],
        "estimated_wait_s": full["estimated_wait_s"],
        "window": t.window if t.status in (Status.CALLED, Status.SERVING) else None,
        "window_name": window.name if window and t.status is not Status.WAITING else None,
    }


def page(hall_name: str, ticket_id: str) -> str:
    """The page for one ticket (its id checked by the caller against TICKET_ID)."""
    return PAGE.substitute(hall=html.escape(hall_name), ticket=ticket_id, every_ms=POLL_MS)


POLL_MS = 3000
PAGE = Template("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>排队进度 · $hall</title>
<style>
body { font-family: sans-serif; margin: 0; padding: 1em; background: #f4f6f8; color: #1d2733; }
.card { background: #fff; border-radius: 12px; padding: 1.2em; max-width: 26em; margin: 0 auto; }
h1 { font-size: 1em; font-weight: normal; color: #5a6b7d; margin: 0 0 .5em; }
#number { font-size: 3.5em; font-weight: bold; letter-spacing: .05em; }
#service { color: #5a6b7d; }
#state { font-size: 1.4em; margin: .8em 0; }
#state.called { color: #c62828; font-weight: bold; font-size: 1.8em; }
.en { color: #7a8a9a; font-size: .8em; }
button { font-size: 1em; padding: .5em 1em; }
</style></head>
<body><div class="card">
<h1>$hall</h1>
<div id="number">…</div>
<div id="service"></div>
<div id="state">正在查询… <span class="en">Loading…</span></div>
<div id="wait"></div>
<p><button id="notify" type="button">开启提醒 Notify me</button></p>
<p class="en">本页自动刷新，无需联网。This page updates itself over the hall's network.</p>
</div>
<script>
(function () {
  var id = "$ticket", every = $every_ms, near = false, called = false;
  function el(name) { return document.getElementById(name); }
  function alertCitizen(text) {
    if (navigator.vibrate) { navigator.vibrate([400, 150, 400]); }
    if (window.Notification && Notification.permission === "granted") {
      try { new Notification(text); } catch (e) {}
    }
  }
  function show(t) {
    el("number").textContent = t.number;
    el("service").textContent = t.service_name;
    var state = el("state"), wait = el("wait");
    state.className = "";
    wait.textContent = "";
    if (t.status === "waiting") {
      state.textContent = "前面还有 " + t.ahead + " 人 (" + t.ahead + " ahead)";
      if (t.estimated_wait_s !== null) {
        var minutes = Math.ceil(t.estimated_wait_s / 60);
        wait.textContent = "预计等待约 " + minutes + " 分钟 (about " + minutes + " min)";
      }
      if (t.ahead <= 3 && !near) {
        near = true;
        alertCitizen(t.number + " 前面还有 " + t.ahead + " 人，请到大厅等候");
      }
    } else if (t.status === "called" || t.status === "serving") {
      state.className = "called";
      state.textContent = "请到 " + t.window_name + " 办理 (please go to window " + t.window + ")";
      if (!called) {
        called = true;
        alertCitizen("请 " + t.number + " 号到 " + t.window_name + " 办理");
      }
    } else if (t.status === "done") {
      state.textContent = "已办结，感谢您的耐心 (done, thank you)";
    } else if (t.status === "no_show") {
      state.textContent = "已过号，请到自助机重新签到 (missed: check in again at a kiosk)";
    } else {
      state.textContent = "此号已失效 (no longer valid)";
    }
  }
  function poll() {
    var x = new XMLHttpRequest();
    x.open("GET", "/api/v1/tickets/" + id + "/public");
    x.onload = function () {
      if (x.status === 200) { show(JSON.parse(x.responseText).ticket); }
      else { el("state").textContent = "找不到这张票 (no such ticket)"; }
      if (x.status === 200) { setTimeout(poll, every); }
    };
    x.onerror = function () {
      el("state").textContent = "正在重连… (reconnecting)";
      setTimeout(poll, every);
    };
    x.send();
  }
  el("notify").onclick = function () {
    if (window.Notification && Notification.requestPermission) { Notification.requestPermission(); }
    if (navigator.vibrate) { navigator.vibrate(100); }
  };
  poll();
})();
</script></body></html>
""")
