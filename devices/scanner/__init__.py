"""QR and barcode scanners: camera + decoder, serial scanner modules, simulator.

Use :class:`Scanner` (``read_scan(timeout) -> Scan | None``); build one with
:func:`devices.urls.open_scanner`.
"""

from .codec import MAX_PAYLOAD_BYTES, LineAssembler, accept_payload
from .decode import FrameDecoder
from .driver import CameraScanner, RepeatFilter, SerialScanner
from .interface import Scan, Scanner
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
