"""A hall restored from a backup behind the city's position: its new events all reach the city
(none taken for duplicates of the events it lost), and the city keeps what it held."""

from __future__ import annotations

from pathlib import Path

from city.logs import city_seq, fork
from hallq.backup import backup, restore

from .citykit import (
    caught_up,
    city,
    hall_seq,
    log_lines,
    open_hall,
    query,
    run_tickets,
    wait_until,
)
from .citykit import city_seq as city_position


def test_a_hall_restored_behind_the_city_loses_no_new_event(city_db: str, tmp_path: Path) -> None:
    url = city(city_db)
    with open_hall(tmp_path / "hall", url) as hall:
        run_tickets(hall, 6)
        wait_until(lambda: caught_up(url, hall))
        backup(hall.db, tmp_path / "backup")
        at_backup = hall_seq(hall)
        run_tickets(hall, 8)  # events the restored hall will not have
        wait_until(lambda: caught_up(url, hall))
        before = query(url, "SELECT seq, type, ticket_id FROM hallq_events ORDER BY seq")
        held = city_position(url)
        assert held > at_backup
        hall.stop()
        restore(tmp_path / "backup", hall.db)
        hall.start()
        lines = log_lines(hall)
        assert hall_seq(hall) <= held  # the hall numbers again from the backup's end
        issued = []
        for service, kiosk in (("A", "kiosk-1"), ("C", "kiosk-2"), ("B", "kiosk-1")):
            status, ticket = hall.request("POST", "/tickets", {"service": service}, device=kiosk)
            assert status == 201, ticket
            issued.append(ticket["ticket"])
        status, called = hall.request("POST", "/windows/1/call-next", device="caller-1")
        assert status == 200 and called["ticket"]["id"] == issued[0]["id"]
        last = hall_seq(hall)
        new_events = last - at_backup
        # Every event after the backup reaches the city, numbered on past what it held.
        wait_until(lambda: city_position(url) == held + new_events)
        assert query(url, "SELECT seq, type, ticket_id FROM hallq_events WHERE seq <= %s "
                     "ORDER BY seq", held) == before  # fmt: skip
        rows = query(
            url,
            "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM hallq_events "
            "WHERE seq > %s",
            held,
        )
        assert rows == [(new_events, new_events, held + 1, held + new_events)]
        tickets = {
            r[0]: r[1:]
            for r in query(
                url,
                "SELECT ticket_id, number, service, status, window_id, called_at IS NOT NULL "
                "FROM hallq_tickets WHERE ticket_id = ANY(%s)",
                [t["id"] for t in issued],
            )
        }
        assert tickets == {
            issued[0]["id"]: (issued[0]["number"], "A", "called", "1", True),
            issued[1]["id"]: (issued[1]["number"], "C", "waiting", None, False),
            issued[2]["id"]: (issued[2]["number"], "B", "waiting", None, False),
        }
        wait_until(lambda: any("hall log behind the city" in line for line in lines))
        warning = next(line for line in lines if "hall log behind the city" in line)
        assert (
            f"up to event {held}," in warning
            and f"agrees with the city's up to {at_backup}" in warning
        )
        assert query(url, "SELECT city_from, shift, hall_seq FROM hallq_feed_logs ORDER BY 1") == [
            (1, 0, 0),
            (held + 1, held - at_backup, at_backup),
        ]
        # A restart with nothing restored: the same log, no new incarnation, no gap.
        hall.restart()
        run_tickets(hall, 2, windows=("4",))
        wait_until(lambda: city_position(url) == held + hall_seq(hall) - at_backup)
        assert len(query(url, "SELECT 1 FROM hallq_feed_logs")) == 2


def test_the_newest_incarnation_holding_a_seq_answers() -> None:
    logs = [(1, 0), (1501, 500), (1701, 900)]  # restored at 1000 (city at 1500), then at 800
    assert city_seq(logs, 1800, 700) == 700
    assert city_seq(logs, 1800, 900) == 1800  # the latest restore's own event 900
    assert city_seq(logs, 1800, 1100) == 1600
    assert city_seq(logs, 1800, 1250) == 1250  # only the first log holds it
    assert city_seq(logs, 1800, 1600) is None  # no log holds it


def test_the_fork_is_the_last_seq_both_logs_agree_on() -> None:
    asked: list[int] = []

    def agree(seq: int) -> bool:
        asked.append(seq)
        return seq <= 1000

    assert fork(agree, 1500) == 1000
    assert len(asked) <= 12
    assert fork(lambda seq: False, 1500) == 0
    assert fork(lambda seq: True, 1500) == 1500
