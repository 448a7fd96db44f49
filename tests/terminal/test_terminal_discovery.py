"""Zeroconf discovery on loopback only: a real server advertising on 127.0.0.1."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from pytestqt.qtbot import QtBot

from hallserver.tls import certificate_paths, fingerprint_of
from terminal.app import connect_to_hall, terminal_arguments
from terminal.discovery import discover_hall
from terminal.link import ServerLink
from terminal.pinning import state_file_for
from tests.support.server import ROOT, SAMPLE


class Advertised(NamedTuple):
    url: str
    fingerprint: str  # of the certificate the server made beside its database


@pytest.fixture
def advertised_hall(tmp_path: Path) -> Iterator[Advertised]:
    """A hall server (HTTPS, as by default) advertising `_hallq._tcp.local.` on 127.0.0.1."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hallserver.cli",
            "--config",
            str(SAMPLE),
            "--db",
            str(tmp_path / "zc.db"),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--zeroconf-interface",
            "127.0.0.1",
            "--ignore-hours",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        cert = certificate_paths(tmp_path / "zc.db")[0]
        yield Advertised(line.split()[-1], fingerprint_of(cert.read_bytes()))
    finally:
        proc.kill()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def test_discovers_the_hall_by_id_on_loopback(advertised_hall: Advertised) -> None:
    found = discover_hall("sample-hall", timeout_s=15, interfaces=["127.0.0.1"])
    assert found is not None
    assert found.url == advertised_hall.url
    assert found.url.startswith("https://")
    assert found.tls_fingerprint == advertised_hall.fingerprint
    assert (found.hall_id, found.name) == ("sample-hall", "示例市政务服务中心")


def test_another_halls_advert_is_not_taken(advertised_hall: Advertised) -> None:
    assert discover_hall("other-hall", timeout_s=3, interfaces=["127.0.0.1"]) is None


def test_connect_to_hall_discovers_off_the_gui_thread(
    qtbot: QtBot, advertised_hall: Advertised
) -> None:
    args = terminal_arguments("hallq-test", "display").parse_args(
        ["--token", "t", "--hall-id", "sample-hall", "--mdns-interface", "127.0.0.1"]
    )
    links: list[ServerLink] = []
    connect_to_hall(args, links.append)
    assert links == []  # discovery runs in a thread; the GUI thread goes on
    qtbot.waitUntil(lambda: bool(links), timeout=20000)
    assert links[0].base_url == advertised_hall.url
    # Pairing: the advert's certificate is pinned and kept for the next start.
    assert links[0].pin.fingerprint == advertised_hall.fingerprint
    assert state_file_for("display").read_text().strip() == advertised_hall.fingerprint


def test_connect_to_hall_with_a_fixed_server_skips_discovery() -> None:
    args = argparse.Namespace(
        token="t", server="http://127.0.0.1:1", hall_id=None, mdns_interfaces=None
    )
    links: list[ServerLink] = []
    connect_to_hall(args, links.append)
    assert [link.base_url for link in links] == ["http://127.0.0.1:1"]
