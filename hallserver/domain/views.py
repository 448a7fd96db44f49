"""The API's JSON objects (API.md) — ticket, window, queue, appointment, alert, hall — built in
this one place for the HTTP answers and the events alike.

A view reads the hall through `LiveHall`, the few questions it asks of the live state (how many
are ahead, how long that takes), so this module does not depend on the `Hall` class.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Protocol

from .queue import ServiceQueue
from .settings import Device, HallSettings, period_table
from .supervision import Crossing
from .tickets import Appointment, Status, Ticket, WindowState


class LiveHall(Protocol):
    """What the views read of the live hall (`Hall` answers all of it)."""

    @property
    def settings(self) -> HallSettings: ...

    @property
    def tickets(self) -> Mapping[str, Ticket]: ...

    @property
    def queues(self) -> Mapping[str, ServiceQueue]: ...

    @property
    def handling(self) -> Mapping[str, float]: ...

    def ahead(self, t: Ticket, now: dt.datetime) -> int: ...

    def wait_s(self, t: Ticket, now: dt.datetime) -> int | None: ...

    def new_ticket_wait_s(self, service: str, now: dt.datetime) -> int | None: ...

    def waiting_for(self, service: str) -> int: ...

    def waiting_at(self, window_id: str) -> int: ...

    def appointment_valid(self, a: Appointment, now: dt.datetime) -> bool: ...


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def ticket_view(hall: LiveHall, t: Ticket, now: dt.datetime) -> dict[str, object]:
    """The ticket object, with live `ahead` and `estimated_wait_s` while it waits."""
    waiting = t.status is Status.WAITING
    ahead = hall.ahead(t, now) if waiting else None
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "matter": t.matter,
        "status": str(t.status),
        "channel": str(t.channel),
        "issued_at": t.issued_at.isoformat(),
        "called_at": _iso(t.called_at),
        "window": t.window,
        "recalls": t.recalls,
        "ahead": ahead,
        "estimated_wait_s": None if ahead is None else hall.wait_s(t, now),
        "holder": t.holder,
        "started_at": _iso(t.started_at),
        "finished_at": _iso(t.finished_at),
        "transferred_from": t.transferred_from,
        "target_window": t.target_window if waiting else None,
        "checkins": t.checkins,
        "score": t.score,
        "slot_start": t.slot_start.isoformat() if t.slot_start else None,
        "wait_s": t.wait_s,
        "service_s": t.service_s,
    }


def window_view(hall: LiveHall, w: WindowState, now: dt.datetime) -> dict[str, object]:
    spec = hall.settings.window(w.id)
    current = hall.tickets.get(w.current) if w.current else None
    return {
        "id": w.id,
        "name": spec.name if spec else w.id,
        "kind": spec.kind if spec else "",
        "services": list(spec.services) if spec else [],
        "status": w.status,
        "clerk": w.clerk,
        "clerk_name": w.clerk_name,
        "pause_reason": w.pause_reason if w.paused else None,
        "paused_at": w.paused_at.isoformat() if w.paused and w.paused_at else None,
        "back_at": w.back_at.isoformat() if w.paused and w.back_at else None,
        "current": ticket_view(hall, current, now) if current else None,
        "waiting": hall.waiting_at(w.id),
    }


def queues_view(hall: LiveHall, now: dt.datetime) -> list[dict[str, object]]:
    """Each service's queue as GET /queues shows it."""
    grace = hall.settings.policy.appointment_grace_s
    out: list[dict[str, object]] = []
    for code, q in hall.queues.items():
        waiting = hall.waiting_for(code)
        longest = q.longest_since()
        out.append(
            {
                "service": code,
                "waiting": waiting,
                "priority": q.priority_count(now, grace),
                "estimated_wait_s": hall.new_ticket_wait_s(code, now),
                "longest_wait_s": int((now - longest).total_seconds()) if longest else 0,
                "handling_s": round(hall.handling[code]),
            }
        )
    return out


def appointment_view(hall: LiveHall, a: Appointment, now: dt.datetime) -> dict[str, object]:
    return {
        "code": a.code,
        "service": a.service,
        "slot_start": a.slot_start.isoformat(),
        "slot_end": a.slot_end.isoformat(),
        "holder": a.holder,
        "ticket": a.ticket,
        "valid": hall.appointment_valid(a, now),
    }


def alert_view(hall: LiveHall, c: Crossing, now: dt.datetime) -> dict[str, object]:
    """A 电子监察 `hall.alert`: the threshold crossed, and the ticket or the window it is about."""
    alert: dict[str, object] = {
        "kind": c.kind,
        "level": c.level,
        "subject": c.subject,
        "seconds": c.seconds,
    }
    if c.window is not None:
        alert["window"] = c.window
    if c.kind == "pause":
        alert["reason"] = c.reason
    else:
        alert["ticket"] = ticket_view(hall, hall.tickets[c.subject], now)
    return alert


def hall_view(s: HallSettings, *, hours_enforced: bool = True) -> dict[str, object]:
    """GET /hall: what a terminal needs to know of the hall's configuration.

    ``hours_enforced`` is false when the server issues at any hour (``--ignore-hours``).
    """
    return {
        "id": s.id,
        "name": s.name,
        "name_en": s.name_en,
        "timezone": s.timezone,
        "notice": s.notice,
        "phone_url": s.phone_url,
        "services": [
            {"code": x.code, "name": x.name, "name_en": x.name_en, "matters": list(x.matters)}
            for x in s.services
        ],
        "windows": [
            {"id": w.id, "name": w.name, "kind": w.kind, "services": list(w.services)}
            for w in s.windows
        ],
        "policy": {
            "green_age": s.policy.green_age,
            "max_recalls": s.policy.max_recalls,
            "satisfied_min_score": s.policy.satisfied_min_score,
        },
        "thresholds": vars(s.thresholds),
        "hours": {
            **period_table(s.hours),
            # 延时服务: more periods tickets are issued in
            "extended": [period_table(p) for p in s.hours.extended],
            "enforced": hours_enforced,
        },
    }


class StoredRow(Protocol):
    """A row as the store reads it (sqlite3.Row): columns by name."""

    def __getitem__(self, column: str) -> object: ...


def device_view(
    d: Device, row: StoredRow | None, last_seen: dt.datetime | None
) -> dict[str, object]:
    """GET /devices: a configured device, whether it holds a token, when it was last seen and
    the hardware state it last reported (`row` is its stored row, None before pairing)."""
    return {
        "id": d.id,
        "role": d.role,
        "window": d.window,
        "name": d.name,
        "paired": bool(row and row["token_hash"]),
        "last_seen": last_seen.isoformat() if last_seen else None,
        "state": row["state"] if row else None,
        "detail": row["detail"] if row else None,
        "status_at": row["status_at"] if row else None,
    }
