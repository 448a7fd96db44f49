"""A hall feeding a real PostgreSQL: its whole log once, hallq_tickets equal to its /stats."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg
import pytest

from city import reports
from city.cli import main as city_cli
from city.schema import rebuild_days
from hallserver.domain.stats import day_stats

from .citykit import (
    assert_exactly_once,
    caught_up,
    city,
    feeding_hall,
    open_hall,
    query,
    run_tickets,
    wait_until,
)


def test_init_prepares_the_schema_once_and_a_bare_database_is_refused(
    city_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "b.csv").write_text("hall,code,service,slot_start,slot_end\n", encoding="utf-8")
    assert city_cli(["appointments", "import", "--db", city_db, str(tmp_path / "b.csv")]) == 1
    assert "hallq-city init" in capsys.readouterr().err
    assert city_cli(["init", "--db", city_db]) == 0
    assert city_cli(["init", "--db", city_db]) == 0
    tables = {r[0] for r in query(city_db, "SELECT tablename FROM pg_tables")}
    assert {"hallq_ticket_rows", "hallq_feed", "hallq_appointments", "hallq_halls"} <= tables
    partitioned = query(
        city_db, "SELECT relname FROM pg_class WHERE relkind = 'p' AND relname = 'hallq_events'"
    )
    assert partitioned == [("hallq_events",)]


def test_an_unreachable_city_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert city_cli(["init", "--db", "postgresql://nobody@127.0.0.1:1/none"]) == 1
    assert "hallq-city:" in capsys.readouterr().err


def _shared_figures(stats: dict) -> dict:  # type: ignore[type-arg]
    """The hall's /stats without how honest its told waits were: the wait told at issue stays
    in the hall (the city has no such column), so the city's rows cannot say it."""
    hall_only = ("estimate_error_s", "estimate_bias_s")

    def strip(figures: dict) -> dict:  # type: ignore[type-arg]
        return {k: v for k, v in figures.items() if k not in hall_only}

    out = strip(stats)
    for part in ("by_service", "by_window"):
        out[part] = {key: strip(f) for key, f in stats[part].items()}
    return out


def test_a_day_reaches_the_city_once_and_its_tickets_equal_the_halls_stats(
    city_db: str, tmp_path: Path
) -> None:
    url = city(city_db)
    with open_hall(tmp_path, url) as hall:
        run_tickets(hall, 24)
        status, _ = hall.request("POST", "/tickets", {"service": "B"}, device="kiosk-2")
        assert status == 201  # one left waiting
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)
        status, stats = hall.request("GET", "/stats", device="manager-1")
        assert status == 200
        rows = query(
            url,
            "SELECT service, window_id, status, wait_s, handling_s, score FROM hallq_tickets "
            "JOIN hallq_halls USING (hall_id) WHERE hall_id = 'sample-hall' "
            "AND (issued_at AT TIME ZONE timezone)::date = %s",
            dt.date.fromisoformat(stats["date"]),
        )
        tickets = [
            {"service": r[0], "window": r[1], "status": r[2], "wait_s": r[3], "service_s": r[4]}
            | {"score": r[5]}
            for r in rows
        ]
        city_day = _shared_figures({**day_stats(tickets), "date": stats["date"]})
        assert city_day == _shared_figures(stats)
        assert stats["issued"] == 25 and stats["no_show"] > 0 and stats["evaluations"] > 0
        numbers = query(url, "SELECT number, status FROM hallq_tickets WHERE number = 'B001'")
        assert numbers == [("B001", "waiting")]
        day = dt.date.fromisoformat(stats["date"])
        with psycopg.connect(url) as conn:
            report = reports.halls(conn, day, day)["sample-hall"]
            rebuild_days(conn)
            assert reports.halls(conn, day, day)["sample-hall"] == report
        expected = _shared_figures(stats)
        del expected["date"], expected["by_window"]
        assert report == expected


def test_names_leave_the_hall_masked_only(city_db: str, tmp_path: Path) -> None:
    url = city(city_db)
    with open_hall(tmp_path, url) as hall:
        body = {"service": "A", "name": "欧阳娜娜", "id_number": "11010519491231002X"}
        status, answer = hall.request("POST", "/tickets", body, device="kiosk-1")
        assert status == 201, answer
        wait_until(lambda: caught_up(url, hall))
        held = query(
            url,
            "SELECT e.type || e.data::text || row(t.*)::text FROM hallq_events e "
            "JOIN hallq_ticket_rows t USING (hall_id, ticket_id)",
        )
        assert held and held[0][0].startswith("ticket.issued")
        text = " ".join(r[0] for r in held)
        assert "娜娜" not in text and "11010519491231002X" not in text


def test_the_feed_waits_for_a_city_not_yet_prepared(city_db: str, tmp_path: Path) -> None:
    hall = feeding_hall(tmp_path, city_db)
    hall.start()
    try:
        hall.request("POST", "/tickets", {"service": "A"}, device="kiosk-1")
        assert hall.request("GET", "/health")[0] == 200
        city(city_db)
        wait_until(lambda: caught_up(city_db, hall))
        assert_exactly_once(city_db, hall)
    finally:
        hall.kill()


def test_a_bad_city_url_in_the_hall_config_names_the_key(tmp_path: Path) -> None:
    from hallserver.config import ConfigError, load_config
    from tests.support.server import SAMPLE

    path = tmp_path / "hall.toml"
    path.write_text(SAMPLE.read_text(encoding="utf-8") + '\n[city]\nurl = "mysql://x"\n')
    with pytest.raises(ConfigError, match=r"city\.url: must be a postgresql"):
        load_config(path)
    path.write_text(SAMPLE.read_text(encoding="utf-8") + '\n[city]\nurl = "postgresql://c/d"\n')
    assert load_config(path).city_url == "postgresql://c/d"


def test_events_are_stored_in_monthly_partitions(city_db: str) -> None:
    from city.ingest import Ingest

    url = city(city_db)  # UTC months: 2026-02-01 07:59 in Beijing is still January
    with psycopg.connect(url) as conn:
        ingest = Ingest(conn, "h1")
        ingest.register("一号厅", "Asia/Shanghai")
        rows = [
            (1, "window.opened", "2026-01-31T23:59:00+08:00", '{"seq":1,"data":{}}'),
            (2, "window.closed", "2026-02-01T07:59:00+08:00", '{"seq":2,"data":{}}'),
            (3, "window.opened", "2026-03-02T09:00:00+08:00", '{"seq":3,"data":{}}'),
        ]
        assert ingest.store(rows) == 3
        assert ingest.store(rows) == 3  # the same batch again: nothing twice
    parts = query(
        url,
        "SELECT tableoid::regclass::text, count(*) FROM hallq_events GROUP BY 1 ORDER BY 1",
    )
    assert parts == [("hallq_events_2026_01", 2), ("hallq_events_2026_03", 1)]
