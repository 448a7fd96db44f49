"""A hall built from the sample config with a controllable clock, for pure domain tests."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from dataclasses import replace

from hallserver.config import load_config
from hallserver.domain.hall import Hall, IssueRequest
from hallserver.domain.settings import HallSettings
from tests.support.server import SAMPLE

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


def sample_settings(**policy: int) -> HallSettings:
    s = load_config(SAMPLE)
    return replace(s, policy=replace(s.policy, **policy)) if policy else s


class Clock:
    def __init__(self, start: dt.datetime = MONDAY_9) -> None:
        self.now = start

    def advance(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now


def make_hall(settings: HallSettings | None = None) -> Hall:
    ids = itertools.count(1)
    return Hall(
        settings or sample_settings(),
        tz=TZ,
        hash_id=lambda n: "h:" + n[-6:],
        new_id=lambda: f"t{next(ids)}",
    )


def issue(hall: Hall, clock: Clock, service: str = "A", **kw: object) -> str:
    clock.advance(1)
    return hall.issue(IssueRequest(service=service, **kw), clock.now).id  # type: ignore[arg-type]
