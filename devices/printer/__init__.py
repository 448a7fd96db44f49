"""Ticket printers (80 mm thermal, ESC/POS) and the ticket's PNG preview.

Use :class:`TicketPrinter` (``print_ticket(page)``, ``status()``) with a page of generic
blocks (:mod:`devices.printer.layout`); build one with :func:`devices.urls.open_printer`
from a URL such as ``file:/dev/usb/lp0``, ``serial:/dev/ttyUSB0?baudrate=9600``,
``network:10.0.0.5``, ``usb:0416:5011``, ``dummy`` or ``sim``.
"""

from . import escpos_env  # noqa: F401  (must run before escpos is imported)
from .codec import PrinterStatus, PrintMode, encode_ticket
from .driver import EscposTicketPrinter
from .interface import TicketPrinter
from .layout import Block, Page, QrBlock, RuleBlock, Size, TextBlock, sample_page
from .sim import SimTicketPrinter

__all__ = [
    "Block",
    "EscposTicketPrinter",
    "Page",
    "PrintMode",
    "PrinterStatus",
    "QrBlock",
    "RuleBlock",
    "SimTicketPrinter",
    "Size",
    "TextBlock",
    "TicketPrinter",
    "encode_ticket",
    "sample_page",
]
