"""Finding codes in camera frames: pyzbar (ZBar), with OpenCV's QR detector as fallback."""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

Symbol = tuple[bytes, str]  # raw payload, symbology


class FrameDecoder:
    """Decodes QR codes (and optionally barcodes) in BGR or greyscale frames.

    Restricting ZBar to QR codes is 3× faster on a noisy frame (SETUP.md); pass
    ``barcodes=True`` to also read CODE128 / EAN-13 (paper forms, e-licences).
    ``backend`` is "pyzbar", "opencv" or "auto" (pyzbar when libzbar loads).
    ``smooth`` runs a 3×3 box blur first: sensor noise makes ZBar chase thousands of false
    edges, and smoothing more than doubles the rate on code-less frames (bench_scanner.py)
    while codes with modules of 3 px or more still decode.
    """

    def __init__(self, *, barcodes: bool = False, backend: str = "auto", smooth: bool = True):
        self.backend = backend
        self.smooth = smooth
        self._zbar_decode = None
        self._symbols: list[object] = []
        if backend in ("auto", "pyzbar"):
            try:
                from pyzbar.pyzbar import ZBarSymbol
                from pyzbar.pyzbar import decode as zbar_decode
            except (ImportError, OSError) as exc:  # OSError: libzbar0 is not installed
                if backend == "pyzbar":
                    raise
                log.warning("pyzbar unavailable (%s); using OpenCV's QR detector", exc)
            else:
                self._zbar_decode = zbar_decode
                self._symbols = [ZBarSymbol.QRCODE]
                if barcodes:
                    self._symbols += [ZBarSymbol.CODE128, ZBarSymbol.EAN13]
                self.backend = "pyzbar"
        if self._zbar_decode is None:
            self.backend = "opencv"
            self._detector = cv2.QRCodeDetector()

    def decode(self, frame: np.ndarray) -> list[Symbol]:
        """Every code in the frame."""
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        if self.smooth:
            grey = cv2.blur(grey, (3, 3))
        if self._zbar_decode is not None:
            return [
                (symbol.data, str(symbol.type))
                for symbol in self._zbar_decode(grey, symbols=self._symbols)
            ]
        text, points, _ = self._detector.detectAndDecode(grey)
        if points is None or not text:
            return []
        # OpenCV hands back str; ZBar-compatible callers want the bytes.
        return [(text.encode("utf-8", "surrogateescape"), "QRCODE")]
