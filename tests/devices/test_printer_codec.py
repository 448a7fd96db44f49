"""Byte-exact ESC/POS output and the DLE EOT status codec."""

from datetime import datetime

import pytest

from devices.printer import (
    Block,
    PrinterStatus,
    PrintMode,
    QrBlock,
    RuleBlock,
    Size,
    TextBlock,
    encode_ticket,
    sample_page,
)
from devices.printer.codec import decode_status, encode_status
from devices.printer.layout import display_width, wrap_columns

ISSUED = datetime(2026, 11, 22, 8, 5)


def minimal(*extra: Block, service: str = "社保") -> list[Block]:
    """A short ticket as the kiosk lays one out (its wording is the kiosk's)."""
    return [
        TextBlock("大厅", Size.DOUBLE, bold=True),
        TextBlock(service, Size.DOUBLE_HEIGHT),
        RuleBlock(),
        TextBlock("B007", Size.HUGE, bold=True),
        TextBlock("前面还有 0 人"),
        TextBlock("无需等候"),
        TextBlock("取号时间 2026-11-22 08:05"),
        *extra,
    ]


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def test_gb18030_bytes_are_the_expected_ones() -> None:
    assert "大厅".encode("gb18030") == h("b4f3 ccfc")
    assert "前面还有".encode("gb18030") == h("c7b0 c3e6 bbb9 d3d0")


def test_text_mode_ticket_is_byte_exact() -> None:
    centred_normal = h("1d2100 1b4500 1b6101")
    expected = (
        h("1b40")  # ESC @ initialise
        + h("1c26")  # FS & Chinese mode
        + h("1d2111 1b4501 1b6101") + "大厅".encode("gb18030") + b"\n"  # 2x2 bold centre
        + h("1d2101 1b4500 1b6101") + "社保".encode("gb18030") + b"\n"  # double height
        + h("1d2100 1b4500 1b6100") + b"-" * 48 + b"\n"  # rule
        + h("1d2133 1b4501 1b6101") + b"B007\n"  # 4x4 number
        + centred_normal + "前面还有 0 人".encode("gb18030") + b"\n"
        + centred_normal + "无需等候".encode("gb18030") + b"\n"
        + centred_normal + "取号时间 2026-11-22 08:05".encode("gb18030") + b"\n"
        + h("1d2100 1b4500 1b6100")
        + h("1c2e")  # FS . leave Chinese mode
        + h("1b6406 1d5600")  # feed 6 lines, full cut
    )  # fmt: skip
    assert encode_ticket(minimal()) == expected


def test_native_qr_code_is_gs_paren_k() -> None:
    data = encode_ticket(minimal(QrBlock("T1")))
    qr = (
        h("1b6101")  # centre
        + h("1d286b 0400 31 41 3200")  # model 2
        + h("1d286b 0300 31 43 06")  # module size 6
        + h("1d286b 0300 31 45 31")  # error correction M
        + h("1d286b 0500 31 50 30") + b"T1"  # store
        + h("1d286b 0300 31 51 30")  # print
        + b"\n"
    )  # fmt: skip
    assert qr in data


def test_left_aligned_text_wraps_at_48_columns() -> None:
    data = encode_ticket(minimal(TextBlock("请" * 30, center=False)))
    assert (
        h("1d2100 1b4500 1b6100")
        + ("请" * 24).encode("gb18030")
        + b"\n"
        + ("请" * 6).encode("gb18030")
        + b"\n"
        in data
    )


def test_large_text_wraps_at_its_own_width() -> None:
    data = encode_ticket([TextBlock("号" * 13, Size.DOUBLE)])
    assert ("号" * 12).encode("gb18030") + b"\n" + "号".encode("gb18030") + b"\n" in data


def test_control_characters_cannot_inject_commands() -> None:
    data = encode_ticket(minimal(service="社保\x1b@\x1dV\x00"))
    assert "社保 @ V ".encode("gb18030") + b"\n" in data
    assert data.count(b"\x1b@") == 1


def test_raster_mode_is_one_gs_v_0_image_per_fragment_then_cut() -> None:
    data = encode_ticket(sample_page(ISSUED), PrintMode.RASTER)
    assert data.startswith(h("1b40 1d7630 00 4800"))  # 72 bytes = 576 dots per row
    assert data.endswith(h("1b6406 1d5600"))
    assert b"\x1c\x26" not in data[:2]
    assert "测试".encode("gb18030") not in data


def test_raster_row_count_matches_the_preview() -> None:
    from devices.printer.preview import render_ticket

    layout = minimal()
    image = render_ticket(layout, width=576)
    data = encode_ticket(layout, PrintMode.RASTER)
    height = int.from_bytes(data[8:10], "little")
    assert height == image.height < 960
    assert len(data) == 2 + 8 + 72 * height + 6  # init, GS v 0 header, rows, feed + cut


@pytest.mark.parametrize(
    "status",
    [
        PrinterStatus.OK,
        PrinterStatus.PAPER_LOW,
        PrinterStatus.PAPER_OUT,
        PrinterStatus.COVER_OPEN,
        PrinterStatus.OFFLINE,
    ],
)
def test_status_round_trip(status: PrinterStatus) -> None:
    assert decode_status(*encode_status(status)) is status


def test_status_from_recorded_answers() -> None:
    # Epson TM-T20 answers: online 0x16, cover open 0x1e/0x36, paper end 0x1e/0x32/0x72.
    assert decode_status(0x16, 0x12, 0x12) is PrinterStatus.OK
    assert decode_status(0x1E, 0x16, 0x12) is PrinterStatus.COVER_OPEN
    assert decode_status(0x1E, 0x32, 0x72) is PrinterStatus.PAPER_OUT
    assert decode_status(0x16, 0x12, 0x1E) is PrinterStatus.PAPER_LOW
    assert decode_status(None, None, None) is PrinterStatus.OFFLINE
    assert decode_status(0xFF, 0x12, 0x12) is PrinterStatus.UNKNOWN


def test_widths_are_cjk_aware() -> None:
    assert display_width("A号") == 3
    assert wrap_columns("", 10) == [""]
    assert wrap_columns("ab号号", 4) == ["ab号", "号"]
