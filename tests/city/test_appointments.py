"""Bookings entered at the city reach their hall once, also a hall that was offline."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest

from city.cli import main as city_cli

from .citykit import city, feeding_hall, query, wait_until

CSV = """hall,code,service,slot_start,slot_end,name,id_number
hall-a,A-0001,A,2030-06-03T09:00,2030-06-03T09:30,欧阳娜娜,11010519491231002X
hall-a,A-0002,C,2030-06-03T10:00:00+08:00,2030-06-03T10:30:00+08:00,,
hall-a,A-0003,Z,2030-06-03T10:00,2030-06-03T10:30,,
hall-b,B-0001,B,{start},{end},张三,
"""


def _appointment(hall, code: str):  # type: ignore[no-untyped-def]
    status, body = hall.request("GET", f"/appointments/{code}", device="manager-1")
    return body["appointment"] if status == 200 else None


def test_bookings_reach_the_right_hall_once_even_after_an_outage(
    city_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = city(city_db)
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    start, end = now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=25)
    csv = CSV.format(start=start.isoformat(), end=end.isoformat())
    (tmp_path / "bookings.csv").write_text(csv, encoding="utf-8")
    assert city_cli(["appointments", "import", "--db", url, str(tmp_path / "bookings.csv")]) == 0
    assert "4 new booking(s) queued" in capsys.readouterr().out
    assert city_cli(["appointments", "import", "--db", url, str(tmp_path / "bookings.csv")]) == 0
    assert "0 new booking(s) queued, 4 already entered" in capsys.readouterr().out

    hall_a = feeding_hall(tmp_path / "a", url, "hall-a")
    hall_b = feeding_hall(tmp_path / "b", url, "hall-b")  # offline for now
    hall_a.start()
    try:
        first = wait_until(lambda: _appointment(hall_a, "A-0001"))
        assert first["holder"] == "欧阳**" and first["service"] == "A"
        assert first["slot_start"] == "2030-06-03T09:00:00+08:00"
        wait_until(lambda: _appointment(hall_a, "A-0002"))
        refused = wait_until(
            lambda: query(url, "SELECT refused FROM hallq_appointments WHERE code = 'A-0003'")[0][0]
        )
        assert "Z" in refused
        assert _appointment(hall_a, "B-0001") is None  # never to the wrong hall
        hall_a.restart(hard=True)
        assert _appointment(hall_a, "A-0001") is not None  # durable in the hall
    finally:
        hall_a.kill()
    assert query(
        url, "SELECT code FROM hallq_appointments WHERE delivered_at IS NULL AND refused IS NULL"
    ) == [("B-0001",)]

    hall_b.start()
    try:
        booked = wait_until(lambda: _appointment(hall_b, "B-0001"))
        assert booked["holder"] == "张*"
        delivered = "SELECT delivered_at FROM hallq_appointments WHERE code = 'B-0001'"
        wait_until(lambda: query(url, delivered)[0][0])
        status, answer = hall_b.request(
            "POST", "/tickets", {"appointment": "B-0001"}, device="kiosk-1"
        )
        assert status == 201, answer  # the citizen comes with the code booked at the city
        assert answer["ticket"]["channel"] == "appointment"
        seen = "SELECT channel FROM hallq_tickets WHERE hall_id = 'hall-b' AND number = %s"
        assert wait_until(lambda: query(url, seen, answer["ticket"]["number"])) == [
            ("appointment",)
        ]
    finally:
        hall_b.kill()
    left = query(url, "SELECT count(*) FROM hallq_appointments WHERE id_number IS NOT NULL")
    assert left == [(0,)]  # ID numbers erased once their hall holds its own keyed hash


def test_a_bad_file_is_refused_whole_with_every_mistake_named(
    city_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = city(city_db)
    path = tmp_path / "bad.csv"
    path.write_text(
        "hall,code,service,slot_start,slot_end,name,id_number\n"
        "hall-a,X1,A,2030-06-03T09:00,2030-06-03T09:30,,\n"
        "hall-a,X2,A,tomorrow,2030-06-03T09:30,,\n"
        "hall-a,X3,A,2030-06-03T09:00,2030-06-03T08:30,,\n"
        "hall-a,X4,A,2030-06-03T09:00,2030-06-03T09:30,,110105194912310021\n",
        encoding="utf-8",
    )
    assert city_cli(["appointments", "import", "--db", url, str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:3: slot_start/slot_end" in err
    assert "bad.csv:4: slot_end: must be after slot_start" in err
    assert "bad.csv:5: id_number: fails the GB 11643 check" in err
    assert query(url, "SELECT count(*) FROM hallq_appointments") == [(0,)]
