"""Synthetic ticket history, shaped as the store keeps it, with exactly the arrivals asked for."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

from hallserver.domain.tickets import Status, Ticket
from hallserver.store import TICKET_COLUMNS, Store, ticket_row
from planner.forecast import SLOT_S


def history(
    days: Sequence[dt.date],
    opens: dt.datetime,
    per_slot: Mapping[str, Sequence[int]],
    mean_call_s: Mapping[str, float],
    *,
    seed: int = 1,
) -> list[dict[str, Any]]:
    """Each day: exactly `per_slot[s][k]` tickets of service s in half hour k after `opens`
    (evenly spread), each call lasting an exponential time of mean `mean_call_s[s]` (drawn at
    even quantiles, so the sample mean is the mean). Waits are not modelled: called on arrival."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for day in days:
        start = opens.replace(year=day.year, month=day.month, day=day.day)
        for service, counts in per_slot.items():
            n = sum(counts)
            quantiles = [-mean_call_s[service] * math.log(1 - (k + 0.5) / n) for k in range(n)]
            rng.shuffle(quantiles)
            i = 0
            for slot, count in enumerate(counts):
                for j in range(count):
                    issued = start + dt.timedelta(
                        seconds=slot * SLOT_S + (j + 0.5) * SLOT_S / count
                    )
                    rows.append(
                        {
                            "day": day.isoformat(),
                            "service": service,
                            "channel": "normal",
                            "status": "done",
                            "issued_at": issued.isoformat(),
                            "first_called_at": issued.isoformat(),
                            "finished_at": (
                                issued + dt.timedelta(seconds=quantiles[i])
                            ).isoformat(),
                            "transferred_from": None,
                        }
                    )
                    i += 1
    return rows


def keep(store: Store, rows: Sequence[Mapping[str, Any]]) -> None:
    """The history's rows written into a hall's database, as its tickets table holds them."""
    with store.transaction() as c:
        for i, r in enumerate(rows):
            t = Ticket(
                id=f"t{i}",
                day=dt.date.fromisoformat(r["day"]),
                number=f"{r['service']}{i:03d}",
                service=r["service"],
                issued_at=dt.datetime.fromisoformat(r["issued_at"]),
                order=i,
                status=Status.DONE,
                first_called_at=dt.datetime.fromisoformat(r["first_called_at"]),
                finished_at=dt.datetime.fromisoformat(r["finished_at"]),
            )
            c.execute(
                f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(TICKET_COLUMNS))})",
                ticket_row(t),
            )
