"""The city stopped, killed -9, restarted or its disk full, the hall killed -9: no gap, no
duplicate, and the hall never stops issuing and calling."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from city.ingest import Ingest
from tests.support.postgres import PostgresCluster, SmallDisk

from .citykit import (
    assert_exactly_once,
    caught_up,
    city,
    city_seq,
    hall_seq,
    log_lines,
    open_hall,
    query,
    run_tickets,
    wait_until,
)


def _feed_connections(url: str) -> int:
    rows = query(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()",
    )
    return int(rows[0][0])


def test_a_stopped_then_restarted_city_misses_nothing(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = city(postgres_cluster.create_database())
    with open_hall(tmp_path, url) as hall:
        run_tickets(hall, 6)
        wait_until(lambda: caught_up(url, hall))
        postgres_cluster.stop()
        run_tickets(hall, 20)  # the hall goes on while its city is down
        postgres_cluster.start()
        wait_until(lambda: caught_up(url, hall))
        run_tickets(hall, 4)
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)


def test_a_city_killed_mid_stream_resumes_exactly_once(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = city(postgres_cluster.create_database())
    with open_hall(tmp_path, url) as hall:
        for _ in range(3):
            run_tickets(hall, 10)
            postgres_cluster.kill()
            run_tickets(hall, 4)
            postgres_cluster.start()
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)


def test_a_city_killed_inside_a_big_batch_keeps_none_of_it(
    postgres_cluster: PostgresCluster,
) -> None:
    url = city(postgres_cluster.create_database())
    body = '{"seq":%d,"type":"device.status","data":{"device":"kiosk-1","state":"ok"}}'
    rows = [
        (seq, "device.status", f"2026-12-01T09:{seq // 60000:02d}:00+08:00", body % seq)
        for seq in range(1, 150_001)
    ]
    failed: list[BaseException] = []

    def store() -> None:
        try:
            with psycopg.connect(url, application_name="big-batch") as conn:
                ingest = Ingest(conn, "h1")
                ingest.register("", "Asia/Shanghai")
                ingest.store(rows)
        except psycopg.Error as e:
            failed.append(e)

    writer = threading.Thread(target=store)
    writer.start()
    wait_until(
        lambda: (
            query(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'big-batch' "
                "AND state <> 'idle' AND query LIKE 'COPY hallq_events%%'",
            )[0][0]
            > 0
        ),
        timeout=30,
    )
    postgres_cluster.kill()
    writer.join(30)
    postgres_cluster.start()
    # A backend may still finish and commit after its postmaster died (recovery keeps what was
    # committed): the city holds the whole batch or none of it, never a part.
    held = query(url, "SELECT count(*) FROM hallq_events")[0][0]
    assert (city_seq(url, "h1"), held) in ((0, 0), (150_000, 150_000)), failed
    with psycopg.connect(url) as conn:
        assert Ingest(conn, "h1").store(rows) == 150_000
    assert query(url, "SELECT count(*), count(DISTINCT seq) FROM hallq_events") == [
        (150_000, 150_000)
    ]


def test_a_hall_killed_mid_catch_up_resumes_where_the_city_has_it(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = city(postgres_cluster.create_database())
    with open_hall(tmp_path, url) as hall:
        postgres_cluster.stop()
        run_tickets(hall, 60)
        postgres_cluster.start()
        wait_until(lambda: city_seq(url) > 0)  # the feed is catching up
        hall.restart(hard=True)  # kill -9: the feed sees its pipe close and ends
        wait_until(lambda: _feed_connections(url) == 0 or caught_up(url, hall), timeout=30)
        assert city_seq(url) <= hall_seq(hall)
        run_tickets(hall, 2, windows=("1",))
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)
    wait_until(lambda: _feed_connections(url) == 0, timeout=30)


def test_a_full_city_disk_stops_no_hall_keeps_nothing_partial_and_is_caught_up(
    small_disk_cluster: tuple[PostgresCluster, SmallDisk], tmp_path: Path
) -> None:
    cluster, disk = small_disk_cluster
    url = city(cluster.create_database())
    with open_hall(tmp_path, url) as hall:
        lines = log_lines(hall)
        run_tickets(hall, 6)
        wait_until(lambda: caught_up(url, hall))
        # The WAL is on the full disk too.  PostgreSQL needs new space for it only every 16 MiB
        # (a new segment), far more than the feed's refused batches write, so the retries below
        # meet the tables' disk_full; a WAL that cannot grow stops PostgreSQL (the next test).
        # A fresh segment first, so the fill never lands in a switch.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_switch_wal()")
            conn.execute("CHECKPOINT")
        disk.fill()
        refused_before = _refusals(cluster)
        run_tickets(hall, 40)  # the hall goes on: every ticket issued, called, served, rated
        assert hall.request("GET", "/health")[0] == 200
        # The feed meets the full disk, says so once, and tries again later, and again.
        wait_until(lambda: _refusals(cluster) >= refused_before + 4)
        full = [line for line in lines if "city database full" in line]
        assert len(full) == 1, full
        assert "No space left on device" in full[0] and "SQLSTATE 53100" in full[0]
        assert not [line for line in lines if "takes events again" in line]
        # A refused batch left nothing: the city holds its events up to its position and no
        # further, and its day figures are the sums of the ticket rows it holds.
        held = city_seq(url)
        assert held < hall_seq(hall)
        assert _consistent(url, held)

        disk.free()
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)
        assert _consistent(url, hall_seq(hall))
        assert query(url, "SELECT count(*) FROM hallq_ticket_rows") == [(46,)]
        wait_until(lambda: [line for line in lines if "takes events again" in line])


def test_a_city_whose_wal_cannot_grow_stops_and_is_caught_up_after_its_restart(
    small_disk_cluster: tuple[PostgresCluster, SmallDisk], tmp_path: Path
) -> None:
    cluster, disk = small_disk_cluster
    url = city(cluster.create_database())
    with open_hall(tmp_path, url) as hall:
        run_tickets(hall, 6)
        wait_until(lambda: caught_up(url, hall))
        disk.fill()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_switch_wal()")  # the next write needs a new WAL segment
        run_tickets(hall, 20)  # the feed's next batch is that write
        # PostgreSQL PANICs; its recovery cannot write the WAL either, so it shuts down.
        wait_until(lambda: cluster.proc is not None and cluster.proc.poll() is not None)
        assert "shutting down due to startup process failure" in cluster.log.read_text()
        run_tickets(hall, 10)  # the hall goes on
        disk.free()
        cluster.kill()  # (reaped) and started again, as its service manager would
        cluster.start()
        wait_until(lambda: caught_up(url, hall))
        assert_exactly_once(url, hall)
        assert _consistent(url, hall_seq(hall))
        assert query(url, "SELECT count(*) FROM hallq_ticket_rows") == [(36,)]


def _refusals(cluster: PostgresCluster) -> int:
    """How often PostgreSQL refused to grow a file (its log)."""
    return cluster.log.read_text().count("No space left on device")


def _consistent(url: str, position: int, hall: str = "sample-hall") -> bool:
    """The city holds the hall's events 1…position, tickets only from them, days that add up."""
    events = query(
        url, "SELECT count(*), coalesce(max(seq), 0) FROM hallq_events WHERE hall_id = %s", hall
    )
    tickets = query(
        url,
        "SELECT count(*), coalesce(max(seq), 0), coalesce(sum(wait_s), 0) "
        "FROM hallq_ticket_rows WHERE hall_id = %s",
        hall,
    )
    days = query(
        url,
        "SELECT coalesce(sum(issued), 0), coalesce(sum(wait_sum), 0) FROM hallq_days "
        "WHERE hall_id = %s",
        hall,
    )
    count, last_ticket_seq, waits = tickets[0]
    return (
        events == [(position, position)]
        and last_ticket_seq <= position
        and days == [(count, waits)]
    )
