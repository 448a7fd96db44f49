"""QR and barcode scanners: camera + decoder, serial scanner modules, simulator.

Use :class:`Scanner` (``read_scan(timeout) -> Scan | None``); build one with
:func:`devices.config.open_scanner`.
"""

from .decode import FrameDecoder
from .payload import MAX_PAYLOAD_BYTES, Scan, accept_payload
from .scanner import CameraScanner, LineAssembler, RepeatFilter, Scanner, SerialScanner
from .sim import SimScanner

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "CameraScanner",
    "FrameDecoder",
    "LineAssembler",
    "RepeatFilter",
    "Scan",
    "Scanner",
    "SerialScanner",
    "SimScanner",
    "accept_payload",
]
