"""``hallq demo --city 3``: a city of halls on one machine — a PostgreSQL of its own in var/,
the halls' servers feeding it, and the city console.

The cluster is made once (initdb in `<data>/city/postgres`) and kept between runs, like a city's
database; each run starts it on a free port of 127.0.0.1 and stops it with the demo.  The halls
are the sample hall under other ids and names (one city, several halls), each a `LocalHall`
with its own folder, database and terminals.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import psycopg

from city.schema import init

from .citydb import PostgresCluster
from .hall import DEMO_MANAGER, DEMO_PASSWORD, START_TIMEOUT_S, HallStartError, _read_line
from .processes import Child, start_child

HALL_NAMES = (
    "东城区政务服务中心",
    "西城区政务服务中心",
    "朝阳区政务服务中心",
    "海淀区政务服务中心",
)
DATABASE = "hallq_city"


def city_hall_config(config: Path, folder: Path, n: int) -> Path:
    """The hall config as hall n (from 1) of the city: its id with -n, a district's name."""
    hall = tomllib.loads(config.read_text(encoding="utf-8"))["hall"]
    lines = config.read_text(encoding="utf-8").split("\n")
    section = ""
    for i, line in enumerate(lines):
        if line.startswith("["):
            section = line.strip()
        key = line.split("=", 1)[0].strip()
        if section == "[hall]" and key == "id":
            lines[i] = f"id = {json.dumps(hall['id'] + f'-{n}')}"
        elif section == "[hall]" and key == "name":
            lines[i] = f"name = {json.dumps(HALL_NAMES[(n - 1) % len(HALL_NAMES)])}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hall.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class LocalCity:
    """The city's PostgreSQL (schema ready) and, once the halls feed it, the city console."""

    def __init__(self, data: Path) -> None:
        self.folder = data.resolve() / "city"
        self.cluster = PostgresCluster(self.folder / "postgres")
        self.url = ""
        self.console_url = ""
        self.console: Child | None = None

    def start(self) -> None:
        """The cluster up and a new city database in it (the halls are new each run too)."""
        self.cluster.start()
        with psycopg.connect(self.cluster.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        self.url = self.cluster.create_database(DATABASE)
        with psycopg.connect(self.url) as conn:
            init(conn)

    def start_console(self) -> None:
        args = [sys.executable, "-m", "city.cli", "serve", "--db", self.url, "--port", "0"]
        console = start_child(
            "city console", args, self.folder / "console.log", stdout=subprocess.PIPE
        )
        self.console = console
        assert console.proc.stdout is not None
        line = _read_line(console.proc.stdout, START_TIMEOUT_S)
        if not line.startswith("listening on "):
            raise HallStartError(f"the city console did not start:\n{console.log_tail()}")
        self.console_url = line.split()[-1]
        # The demo's city account, as an installer makes the first one: `hallq-city user add`.
        added = subprocess.run(
            [sys.executable, "-m", "city.cli", "user", "add", "--db", self.url,
             "--user", DEMO_MANAGER, "--role", "admin"],
            input=DEMO_PASSWORD + "\n", text=True, capture_output=True, timeout=START_TIMEOUT_S,
        )  # fmt: skip
        if added.returncode != 0:
            raise HallStartError(f"the demo's city account was refused: {added.stderr.strip()}")

    @property
    def children(self) -> list[Child]:
        return [self.console] if self.console is not None else []

    def pids(self) -> list[int]:
        postmaster = [self.cluster.proc.pid] if self.cluster.proc is not None else []
        return [c.pid for c in self.children] + postmaster

    def stop(self) -> None:
        if self.console is not None:
            self.console.stop()
            self.console = None
        self.cluster.stop()
