"""The probe tool against the simulators (in process, and as processes over a pty / TCP)."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import pytest

from devices.camera import SimCamera
from devices.cli import EXIT_NO_CARD, EXIT_NO_DEVICE, EXIT_NOT_READY, main

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def simulator(*args: str) -> Iterator[str]:
    """Run ``hallq-devices sim ...`` and yield the first line it prints (port or URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devices.cli", "sim", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=5)


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devices.cli", "probe", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_probe_idcard_over_a_simulated_pty_reader() -> None:
    with simulator("idcard", "--card", "adult") as port:
        result = probe("idcard", "--port", port, "--timeout", "2")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    assert set(fields) == {
        "name", "sex", "nation", "birth", "address", "id_number", "authority",
        "valid_from", "valid_to",
    }  # fmt: skip
    assert fields["id_number"] == "110105199003070041"
    assert fields["nation"] == "回"


def test_probe_idcard_failures_have_one_line_reasons() -> None:
    with simulator("idcard", "--card", "none") as port:
        result = probe("idcard", "--port", port, "--timeout", "0.3")
    assert result.returncode == EXIT_NO_CARD
    assert result.stderr.strip().count("\n") == 0 and "no card" in result.stderr
    result = probe("idcard", "--port", "/dev/hallq-no-reader", "--timeout", "0.3")
    assert result.returncode == EXIT_NO_DEVICE and "no reader" in result.stderr


def test_probe_printer_against_the_network_simulator(tmp_path: Path) -> None:
    capture = tmp_path / "capture.bin"
    with simulator("printer", "--capture", str(capture)) as url:
        result = probe("printer", "--printer", url, "--sample")
        assert result.returncode == 0, result.stderr
        assert "status: ok" in result.stdout
    assert capture.read_bytes().endswith(b"\x1b\x64\x06\x1d\x56\x00")
    with simulator("printer", "--status", "cover_open") as url:
        result = probe("printer", "--printer", url, "--sample")
    assert result.returncode == EXIT_NOT_READY
    assert "cover is open" in result.stderr


def test_probe_scanner_reads_a_serial_scanner_module() -> None:
    with simulator("scanner", "A012", "预约:0930", "--every", "0.2") as port:
        result = probe("scanner", "--source", f"serial:{port}", "--count", "2", "--timeout", "3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["A012", "预约:0930"]


def test_probe_in_process_file_printer_and_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "lp0"
    preview = tmp_path / "ticket.png"
    assert main(["probe", "printer", "--printer", f"file:{target}", "--sample",
                 "--preview", str(preview)]) == 0  # fmt: skip
    assert target.read_bytes().startswith(b"\x1b@\x1c&")
    assert target.read_bytes().endswith(b"\x1dV\x00")
    assert preview.stat().st_size > 0
    assert "status: unknown" in capsys.readouterr().out


def test_probe_scanner_and_camera_from_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    camera = SimCamera()
    camera.show_qr("https://hall.example/t/A012")
    image = tmp_path / "qr.png"
    cv2.imwrite(str(image), camera.read_frame(1))
    assert main(["probe", "scanner", "--source", str(image)]) == 0
    assert capsys.readouterr().out == "https://hall.example/t/A012\n"

    photo = tmp_path / "photo.jpg"
    assert main(["probe", "camera", "--source", "sim", "--photo", str(photo)]) == 0
    out = capsys.readouterr().out
    assert "framing: good" in out and "295x413" in out
    assert photo.stat().st_size > 0


def test_probe_idcard_sim_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", "idcard", "--port", "sim:elderly", "--timeout", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["valid_to"] == "长期"


def test_list_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "serial ports:" in out and "cameras:" in out
