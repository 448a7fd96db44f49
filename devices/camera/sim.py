"""A simulated camera: synthetic frames with a drawn head and shoulders, and QR codes."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import segno

from ..errors import DeviceTimeout, DeviceUnavailable
from .interface import Camera, Frame


def draw_person(width: int, height: int, cx: int, cy: int, scale: float) -> Frame:
    """A flat-shaded head and shoulders the Haar frontal-face cascade detects."""
    s = scale
    img = np.full((height, width, 3), (200, 200, 195), np.uint8)
    clothes, skin, shade = (90, 60, 40), (150, 180, 220), (110, 140, 180)

    def p(dx: float, dy: float) -> tuple[int, int]:
        return cx + int(dx * s), cy + int(dy * s)

    def r(dx: float, dy: float) -> tuple[int, int]:
        return int(dx * s), int(dy * s)

    cv2.ellipse(img, p(0, 230), r(170, 110), 0, 180, 360, clothes, -1)
    cv2.rectangle(img, p(-170, 230), (cx + int(170 * s), height), clothes, -1)
    cv2.rectangle(img, p(-30, 70), p(30, 140), (140, 165, 205), -1)
    cv2.ellipse(img, p(0, -20), r(92, 112), 0, 0, 360, (30, 30, 35), -1)  # hair
    cv2.ellipse(img, p(0, 5), r(78, 100), 0, 0, 360, skin, -1)
    for side in (-1, 1):
        cv2.ellipse(img, p(side * 30, -28), r(20, 6), 0, 180, 360, (40, 40, 50), -1)
        cv2.ellipse(img, p(side * 30, -10), r(15, 8), 0, 0, 360, (250, 250, 250), -1)
        cv2.circle(img, p(side * 30, -10), int(7 * s), (40, 30, 30), -1)
    cv2.line(img, p(0, -5), p(-6, 30), shade, max(1, int(3 * s)))
    cv2.ellipse(img, p(0, 32), r(14, 6), 0, 0, 180, shade, -1)
    cv2.ellipse(img, p(0, 58), r(26, 8), 0, 0, 360, (80, 80, 170), -1)
    # Soft edges, as a lens gives; hard polygon edges fool the cascade.
    return cv2.GaussianBlur(img, (0, 0), 2.0 * s)


def draw_qr(payload: str | bytes, module_px: int = 6) -> Frame:
    """A QR code as a BGR image with a white quiet zone."""
    code = segno.make(payload, error="m", micro=False)
    modules = np.pad(np.array([list(row) for row in code.matrix], dtype=bool), 4)
    grey = np.where(modules, 0, 255).astype(np.uint8).repeat(module_px, 0).repeat(module_px, 1)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


class SimCamera(Camera):
    """Synthetic 640×480 frames: a person (for the photo booth) or a QR code held up.

    ``show_qr(payload)`` puts a code in front of the lens, ``show_person(...)`` moves the
    person, ``show_empty()`` clears the scene, ``go_dark()`` makes the camera return
    nothing and ``unplug()`` takes it away.
    """

    def __init__(self, width: int = 640, height: int = 480) -> None:
        self.width, self.height = width, height
        self._lock = threading.Lock()
        self._scene: Frame = draw_person(width, height, width // 2, height // 2 - 20, 1.25)
        self._dark = False
        self._unplugged = False
        self.frames_served = 0

    def show_person(
        self, cx: int | None = None, cy: int | None = None, scale: float = 1.25
    ) -> None:
        """Draw a person with the face centred at (cx, cy)."""
        frame = draw_person(
            self.width,
            self.height,
            self.width // 2 if cx is None else cx,
            self.height // 2 - 20 if cy is None else cy,
            scale,
        )
        with self._lock:
            self._scene = frame

    def show_qr(self, payload: str | bytes, module_px: int = 6) -> None:
        """Hold a QR code up to the lens, centred on a grey background."""
        code = draw_qr(payload, module_px)
        frame = np.full((self.height, self.width, 3), 180, np.uint8)
        h, w = min(code.shape[0], self.height), min(code.shape[1], self.width)
        y, x = (self.height - h) // 2, (self.width - w) // 2
        frame[y : y + h, x : x + w] = code[:h, :w]
        with self._lock:
            self._scene = frame

    def show_empty(self) -> None:
        """Nothing in front of the lens."""
        with self._lock:
            self._scene = np.full((self.height, self.width, 3), 180, np.uint8)

    def show_frame(self, frame: Frame) -> None:
        """Show a given image."""
        with self._lock:
            self._scene = frame.copy()

    def go_dark(self, dark: bool = True) -> None:
        """Make the camera return nothing (reads time out)."""
        self._dark = dark

    def unplug(self, unplugged: bool = True) -> None:
        """Take the camera away (reads fail as unavailable)."""
        self._unplugged = unplugged

    def read_frame(self, timeout: float) -> Frame:
        if self._unplugged:
            raise DeviceUnavailable("simulated camera is unplugged")
        if self._dark:
            threading.Event().wait(timeout)
            raise DeviceTimeout(f"simulated camera gave no frame in {timeout:.1f} s")
        with self._lock:
            self.frames_served += 1
            return self._scene.copy()
