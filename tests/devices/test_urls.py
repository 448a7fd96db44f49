"""One factory from a device URL to a device, and the serial link every serial device shares."""

import pytest
import serial

from devices.camera import SimCamera
from devices.errors import DeviceError, DeviceUnavailable
from devices.idcard import SAMPLE_CARDS, SerialIdCardReader, SimIdCardReader
from devices.printer import SimTicketPrinter
from devices.scanner import CameraScanner, SerialScanner, SimScanner
from devices.serial_link import SerialLink, SerialPort
from devices.urls import (
    DeviceUrl,
    open_camera,
    open_id_reader,
    open_printer,
    open_scanner,
    open_window_bus,
    parse_device_url,
)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("sim", DeviceUrl("sim", "")),
        ("sim:elderly", DeviceUrl("sim", "elderly")),
        ("dummy?mode=raster", DeviceUrl("dummy", "", {"mode": "raster"})),
        ("serial:/dev/ttyACM0?baudrate=9600", DeviceUrl("serial", "/dev/ttyACM0", {"baudrate": "9600"})),  # noqa: E501
        ("usb:0416:5011", DeviceUrl("usb", "0416:5011")),
        ("camera:0", DeviceUrl("camera", "0")),
        # Not one of ours: kept whole, pyserial's own query included.
        ("/dev/ttyUSB0", DeviceUrl("", "/dev/ttyUSB0")),
        ("rfc2217://10.0.0.9:4001?timeout=2", DeviceUrl("", "rfc2217://10.0.0.9:4001?timeout=2")),
        ("simulator", DeviceUrl("", "simulator")),
    ],
)  # fmt: skip
def test_parse_device_url(text: str, url: DeviceUrl) -> None:
    assert parse_device_url(text) == url


def test_each_kind_opens_its_simulator_or_driver() -> None:
    reader = open_id_reader("sim:adult")
    assert isinstance(reader, SimIdCardReader)
    assert reader.read_card(timeout=1) == SAMPLE_CARDS["adult"]
    assert isinstance(open_id_reader("serial:loop://?baudrate=115200"), SerialIdCardReader)
    assert isinstance(open_scanner("sim"), SimScanner)
    assert isinstance(open_scanner("serial:loop://?baudrate=9600"), SerialScanner)
    scanner = open_scanner("camera:sim")
    assert isinstance(scanner, CameraScanner) and isinstance(scanner.camera, SimCamera)
    assert isinstance(open_camera("sim"), SimCamera)
    assert isinstance(open_printer("sim?mode=raster"), SimTicketPrinter)


@pytest.mark.parametrize(
    ("opener", "url", "reason"),
    [
        (open_id_reader, "sim:nobody", "no sample card"),
        (open_id_reader, "usb:0416:5011", "must be a serial port"),
        (open_id_reader, "serial:/dev/ttyUSB0?baudrate=fast", "baudrate"),
        (open_window_bus, "network:10.0.0.5", "RS-485 bus URL must be a serial port"),
        (open_scanner, "serial:/dev/ttyACM0?baudrate=-1", "baudrate"),
    ],
)
def test_bad_urls_say_what_is_wrong(opener: object, url: str, reason: str) -> None:
    with pytest.raises(DeviceError, match=reason):
        opener(url)  # type: ignore[operator]


class CountingLink:
    """A link whose reads fail while ``broken`` is set, like a pulled adapter."""

    def __init__(self) -> None:
        self.broken = False
        self.closed = False
        self.timeout: float | None = 0.05

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        if self.broken:
            raise serial.SerialException("device reports readiness to read but returned no data")
        return b"x"

    def write(self, data: bytes, /) -> int:
        return len(data)

    def reset_input_buffer(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_serial_port_closes_on_a_fault_and_reopens_on_the_next_use() -> None:
    opened: list[CountingLink] = []

    def open_link() -> SerialLink:
        opened.append(CountingLink())
        return opened[-1]

    port = SerialPort(open_link, "scanner")
    with port.link() as link:
        assert link.read() == b"x"
    with port.link() as link:
        assert link is opened[0]  # kept open between uses
    opened[0].broken = True
    with (
        pytest.raises(DeviceUnavailable, match=r"^scanner disconnected: device reports"),
        port.link() as link,
    ):
        link.read()
    assert opened[0].closed
    with port.link() as link:
        assert link.read() == b"x" and link is opened[1]
