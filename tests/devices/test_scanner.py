"""Scanners: decoding, repeats, hostile payloads, serial framing."""

import pytest
import serial

from devices.camera import SimCamera
from devices.errors import DeviceUnavailable, PayloadRejected
from devices.scanner import (
    CameraScanner,
    FrameDecoder,
    LineAssembler,
    RepeatFilter,
    SerialScanner,
    SimScanner,
    accept_payload,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_camera_scanner_reads_each_code_once_while_in_view() -> None:
    camera = SimCamera()
    scanner = CameraScanner(camera)
    camera.show_qr("https://hall.example/t/A012")
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "https://hall.example/t/A012"
    assert scan.symbology == "QRCODE"
    assert scanner.read_scan(timeout=0.05) is None  # still in view: no repeat
    camera.show_qr("预约:20261122-0930")
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "预约:20261122-0930"
    assert "预约" not in repr(scan)


def test_opencv_fallback_decodes_too() -> None:
    camera = SimCamera()
    camera.show_qr("A012")
    decoder = FrameDecoder(backend="opencv")
    assert decoder.decode(camera.read_frame(1)) == [(b"A012", "QRCODE")]


def test_repeat_filter_lets_a_code_back_after_it_left_view() -> None:
    clock = FakeClock()
    repeats = RepeatFilter(hold_s=2.0, clock=clock)
    assert repeats.admit(b"x")
    clock.now = 1.5
    assert not repeats.admit(b"x")  # still in view, extends the hold
    clock.now = 3.0
    assert not repeats.admit(b"x")
    clock.now = 5.5
    assert repeats.admit(b"x")
    assert repeats.admit(b"y")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"A" * 2049, "too large"),
        (b"\xff\xfe\x00\x81\x00", "binary"),
        (b"ok\x1b[2Jclear", "control"),
        ("text\u202egnp.exe".encode(), "control"),  # right-to-left override spoofing
        (b"line\nbreak", "control"),
    ],
)
def test_hostile_payloads_are_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(PayloadRejected, match=reason):
        accept_payload(raw)


def test_gbk_payloads_from_scanner_modules_are_accepted() -> None:
    assert accept_payload("取号A012".encode("gb18030")) == "取号A012"


def test_hostile_qr_in_view_is_refused_once_then_scanning_continues() -> None:
    camera = SimCamera()
    scanner = CameraScanner(camera)
    camera.show_qr(b"\x07\x07bell")
    with pytest.raises(PayloadRejected):
        scanner.read_scan(timeout=1)
    assert scanner.read_scan(timeout=0.05) is None
    camera.show_qr("A013")
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "A013"


def test_huge_qr_is_refused() -> None:
    camera = SimCamera(width=1280, height=960)
    camera.show_qr("x" * 2200, module_px=3)
    with pytest.raises(PayloadRejected, match="too large"):
        CameraScanner(camera).read_scan(timeout=1)


def test_line_assembler_handles_crlf_chunks_and_overflow() -> None:
    lines = LineAssembler(max_bytes=8)
    assert lines.feed(b"A0") == []
    assert lines.feed(b"12\r\nB0") == [b"A012"]
    assert lines.feed(b"13\r") == [b"B013"]
    assert lines.feed(b"\n") == []  # LF of a CRLF pair
    assert lines.feed(b"0123456789abc\rC1\n") == [None, b"C1"]


def test_serial_scanner_over_loopback() -> None:
    port = serial.serial_for_url("loop://", timeout=0.02)
    scanner = SerialScanner(lambda: port)
    port.write(b"A012\r\nA012\r\n" + b"Z" * 3000 + b"\r\nB7\r\n")
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "A012"
    with pytest.raises(PayloadRejected, match="too large"):
        scanner.read_scan(timeout=1)  # the repeat of A012 was dropped
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "B7"
    assert scanner.read_scan(timeout=0.05) is None


def test_serial_scanner_unplugged() -> None:
    def fail() -> serial.SerialBase:
        raise serial.SerialException("gone")

    with pytest.raises(DeviceUnavailable):
        SerialScanner(fail).read_scan(timeout=0.1)


def test_sim_scanner() -> None:
    scanner = SimScanner()
    assert scanner.read_scan(timeout=0.01) is None
    scanner.show("A012")
    scanner.show("A012")
    scanner.show(b"\x00bad")
    scan = scanner.read_scan(timeout=1)
    assert scan is not None and scan.text == "A012"
    with pytest.raises(PayloadRejected):
        scanner.read_scan(timeout=1)
    scanner.unplug()
    with pytest.raises(DeviceUnavailable):
        scanner.read_scan(timeout=0.01)
