"""Ticket printers (80 mm thermal, ESC/POS) and the ticket's PNG preview.

Use :class:`TicketPrinter` (``print_ticket(layout)``, ``status()``); build one with
:func:`devices.config.open_printer` from a URL such as ``file:/dev/usb/lp0``,
``serial:/dev/ttyUSB0?baudrate=9600``, ``network:10.0.0.5``, ``usb:0416:5011``, ``dummy``
or ``sim``.
"""

from . import escpos_env  # noqa: F401  (must run before escpos is imported)
from .driver import EscposTicketPrinter, TicketPrinter
from .escpos_codec import PrinterStatus, PrintMode, encode_ticket
from .layout import TicketLayout, sample_layout
from .sim import SimTicketPrinter

__all__ = [
    "EscposTicketPrinter",
    "PrintMode",
    "PrinterStatus",
    "SimTicketPrinter",
    "TicketLayout",
    "TicketPrinter",
    "encode_ticket",
    "sample_layout",
]
