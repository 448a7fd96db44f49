"""With ``--sim``: a strip of keys to lay cards on the reader, show codes, break devices."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

from devices.camera import SimCamera
from devices.idcard import SAMPLE_CARDS, SimIdCardReader
from devices.printer import PrinterStatus, SimTicketPrinter
from devices.scanner import SimScanner

from .qrcodes import ticket_payload


class SimPanel(QWidget):
    """Keys for the simulated devices; ``last_ticket`` gives the ticket QR to "scan" back."""

    def __init__(
        self,
        *,
        reader: SimIdCardReader | None,
        scanner: SimScanner | None,
        printer: SimTicketPrinter | None,
        camera: SimCamera | None,
        hall_id: Callable[[], str],
        last_ticket: Callable[[], str | None],
    ) -> None:
        super().__init__()
        self.setStyleSheet("background: #e5e7eb;")
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        # Two rows at most, so the strip fits a portrait (1080 px wide) screen.
        columns = 7
        placed: list[QWidget] = []

        def place(widget: QWidget) -> None:
            grid.addWidget(widget, len(placed) // columns, len(placed) % columns)
            placed.append(widget)

        def key(label: str, action: Callable[[], None], name: str) -> None:
            button = QPushButton(label)
            button.setObjectName(name)
            button.setMinimumHeight(48)
            button.setStyleSheet(
                "font-size: 18px; min-height: 48px; padding: 0 8px; background: #ffffff;"
                " color: #111827; border: 1px solid #9ca3af;"
            )
            button.clicked.connect(action)
            place(button)

        if reader is not None:
            for name, label in (
                ("elderly", "张三 1949"),
                ("adult", "李四娟 1990"),
                ("foreigner", "外国人卡"),
            ):
                card = SAMPLE_CARDS[name]
                key(f"刷卡 {label}", partial(reader.insert_card, card), f"sim-card-{name}")
            key("取走卡", reader.remove_card, "sim-card-remove")
            key("读卡器断开/接回", lambda: self._toggle_reader(reader), "sim-reader-plug")
        self._reader_plugged = True
        if scanner is not None:
            self.code = QLineEdit()
            self.code.setPlaceholderText("预约码 / appointment code")
            self.code.setStyleSheet("font-size: 18px; min-height: 40px; background: white;")
            place(self.code)
            key("扫码", lambda: scanner.show(self.code.text()), "sim-scan")

            def scan_last() -> None:
                ticket_id = last_ticket()
                if ticket_id:
                    scanner.show(ticket_payload(hall_id(), ticket_id))

            key("扫上一张号票", scan_last, "sim-scan-ticket")
        if printer is not None:
            key("打印机缺纸/恢复", lambda: self._toggle_paper(printer), "sim-paper")
        if camera is not None:
            key("拍照：人像居中", lambda: camera.show_person(), "sim-person")
            key("拍照：偏左", lambda: camera.show_person(cx=200), "sim-person-left")

    def _toggle_reader(self, reader: SimIdCardReader) -> None:
        if self._reader_plugged:
            reader.unplug()
        else:
            reader.plug_in()
        self._reader_plugged = not self._reader_plugged

    @staticmethod
    def _toggle_paper(printer: SimTicketPrinter) -> None:
        out = printer.state.status is PrinterStatus.PAPER_OUT
        printer.set_status(PrinterStatus.OK if out else PrinterStatus.PAPER_OUT)
