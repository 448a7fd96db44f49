"""Printers against the simulators, the file transport, URLs and the PNG preview."""

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode

from devices.errors import DeviceError, DeviceUnavailable, PrinterNotReady
from devices.printer import (
    EscposTicketPrinter,
    PrinterStatus,
    PrintMode,
    SimTicketPrinter,
    encode_ticket,
    sample_page,
)
from devices.printer.layout import SAMPLE_PAGE_QR
from devices.printer.preview import FontMissing, render_ticket, save_preview
from devices.printer.sim import SimNetworkPrinter
from devices.urls import open_printer, parse_device_url

LAYOUT = sample_page(datetime(2026, 11, 22, 9, 30))


def test_sim_printer_prints_exactly_the_codec_bytes() -> None:
    printer = SimTicketPrinter()
    assert printer.status() is PrinterStatus.OK
    printer.print_ticket(LAYOUT)
    assert printer.output == encode_ticket(LAYOUT)
    assert printer.state.tickets_cut == 1


@pytest.mark.parametrize(
    "status", [PrinterStatus.PAPER_OUT, PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE]
)
def test_faults_refuse_to_print_then_recover(status: PrinterStatus) -> None:
    printer = SimTicketPrinter()
    printer.set_status(status)
    assert printer.status() is status
    with pytest.raises(PrinterNotReady) as caught:
        printer.print_ticket(LAYOUT)
    assert caught.value.status is status
    assert printer.output == b""
    printer.set_status(PrinterStatus.OK)
    printer.print_ticket(LAYOUT)
    assert printer.state.tickets_cut == 1


def test_paper_low_still_prints() -> None:
    printer = SimTicketPrinter(mode=PrintMode.RASTER)
    printer.set_status(PrinterStatus.PAPER_LOW)
    printer.print_ticket(LAYOUT)
    assert printer.output == encode_ticket(LAYOUT, PrintMode.RASTER)


def test_network_printer_status_and_silence() -> None:
    with SimNetworkPrinter() as sim:
        printer = open_printer(sim.url, timeout=0.3)
        assert printer.status() is PrinterStatus.OK
        sim.state.status = PrinterStatus.COVER_OPEN
        assert printer.status() is PrinterStatus.COVER_OPEN
        sim.state.status = PrinterStatus.OFFLINE  # stops answering
        assert printer.status() is PrinterStatus.OFFLINE
        with pytest.raises(PrinterNotReady):
            printer.print_ticket(LAYOUT)
        sim.state.status = PrinterStatus.OK
        printer.print_ticket(LAYOUT)
        printer.close()
    assert sim.state.output.endswith(b"\x1dV\x00")


def test_unreachable_network_printer_is_offline() -> None:
    with SimNetworkPrinter() as sim:
        url = sim.url
    printer = open_printer(url, timeout=0.3)
    assert printer.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterNotReady):
        printer.print_ticket(LAYOUT)


def test_file_printer_appends_and_cannot_read_status(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = open_printer(f"file:{target}")
    assert printer.status() is PrinterStatus.UNKNOWN
    printer.print_ticket(LAYOUT)
    printer.close()
    printer.print_ticket(LAYOUT)
    printer.close()
    assert target.read_bytes() == encode_ticket(LAYOUT) * 2


def test_file_printer_in_missing_directory_is_unavailable(tmp_path: Path) -> None:
    printer = open_printer(f"file:{tmp_path}/no/such/dir/lp0")
    with pytest.raises(DeviceUnavailable):
        printer.print_ticket(LAYOUT)


def test_dummy_and_raster_mode_option() -> None:
    printer = open_printer("dummy?mode=raster")
    assert printer.mode is PrintMode.RASTER
    printer.print_ticket(LAYOUT)
    assert printer.transport.output == encode_ticket(LAYOUT, PrintMode.RASTER)


def test_printer_urls() -> None:
    assert parse_device_url("serial:/dev/ttyUSB0?baudrate=9600").option("baudrate", "") == "9600"
    assert parse_device_url("usb:0416:5011").target == "0416:5011"
    assert parse_device_url("network:10.0.0.5").target == "10.0.0.5"
    assert parse_device_url("socket://10.0.0.7:4001?logging=debug").target == (
        "socket://10.0.0.7:4001?logging=debug"
    )
    assert isinstance(open_printer("usb:0416:5011"), EscposTicketPrinter)
    for bad in ("lpt1", "file:", "http://x", "usb:416:5011", "sim:x"):
        with pytest.raises(DeviceError, match="printer URL"):
            open_printer(bad)
    with pytest.raises(DeviceError, match="baudrate"):
        open_printer("serial:/dev/ttyS0?baudrate=fast")
    with pytest.raises(DeviceError, match="mode"):
        open_printer("dummy?mode=colour")


def test_serial_printer_over_loopback() -> None:
    # loop:// echoes what is written, so each status query reads back as its own bytes,
    # which are not valid status answers: the driver must say UNKNOWN, not crash or hang.
    printer = open_printer("serial:loop://?baudrate=9600", timeout=0.2)
    assert printer.status() is PrinterStatus.UNKNOWN


def test_preview_png_has_a_readable_qr(tmp_path: Path) -> None:
    path = save_preview(LAYOUT, tmp_path / "ticket.png")
    image = Image.open(path)
    assert image.width == 576 and image.height > 500  # every block drawn, not the QR alone
    (symbol,) = decode(image, symbols=[ZBarSymbol.QRCODE])
    assert symbol.data.decode() == SAMPLE_PAGE_QR


def test_missing_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="fonts-wqy-microhei"):
        render_ticket(LAYOUT, font_path=tmp_path / "none.ttc")
    printer = SimTicketPrinter(mode=PrintMode.RASTER, font_path=tmp_path / "none.ttc")
    with pytest.raises(FontMissing):
        printer.print_ticket(LAYOUT)
