"""Face detection for framing guidance, with the Haar cascade that ships inside opencv."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import cv2

from ..errors import DeviceError
from .interface import Frame

FRONTAL_FACE = "haarcascade_frontalface_default.xml"
_DETECT_WIDTH = 320  # detecting on a downscaled frame keeps the preview live


@dataclass(frozen=True)
class FaceBox:
    """A face rectangle in frame pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the box."""
        return self.x + self.w / 2, self.y + self.h / 2


class FaceDetector:
    """Finds frontal faces; largest first."""

    def __init__(self, cascade: str = FRONTAL_FACE, min_face_ratio: float = 0.12) -> None:
        path = Path(cv2.data.haarcascades) / cascade  # type: ignore[attr-defined]
        self._classifier = cv2.CascadeClassifier(str(path))
        if self._classifier.empty():
            raise DeviceError(f"cannot load face cascade {path}")
        self._min_face_ratio = min_face_ratio

    def detect(self, frame: Frame) -> list[FaceBox]:
        """Faces in ``frame`` (BGR), largest first."""
        width = frame.shape[1]
        factor = min(1.0, _DETECT_WIDTH / width)
        small = cv2.resize(frame, None, fx=factor, fy=factor) if factor < 1 else frame
        grey = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY))
        minimum = max(20, int(small.shape[1] * self._min_face_ratio))
        found = self._classifier.detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=4, minSize=(minimum, minimum)
        )
        boxes = [
            FaceBox(int(x / factor), int(y / factor), int(w / factor), int(h / factor))
            for x, y, w, h in found
        ]
        return sorted(boxes, key=lambda b: b.w * b.h, reverse=True)


class Framing(Enum):
    """What the citizen should do; directions are in camera-image terms (not mirrored)."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    COME_CLOSER = "come_closer"
    MOVE_BACK = "move_back"
    FACE_TOO_LEFT = "face_too_left"
    FACE_TOO_RIGHT = "face_too_right"
    FACE_TOO_HIGH = "face_too_high"
    FACE_TOO_LOW = "face_too_low"
    GOOD = "good"


def framing_hint(frame_size: tuple[int, int], faces: list[FaceBox]) -> Framing:
    """Guidance for an ID photo: one face, about a third of the width, centred, eyes high."""
    width, height = frame_size
    if not faces:
        return Framing.NO_FACE
    if len(faces) > 1 and faces[1].w > faces[0].w * 0.6:
        return Framing.SEVERAL_FACES
    face = faces[0]
    ratio = face.w / width
    if ratio < 0.2:
        return Framing.COME_CLOSER
    if ratio > 0.55:
        return Framing.MOVE_BACK
    cx, cy = face.centre
    if cx < width * 0.4:
        return Framing.FACE_TOO_LEFT
    if cx > width * 0.6:
        return Framing.FACE_TOO_RIGHT
    if cy < height * 0.3:
        return Framing.FACE_TOO_HIGH
    if cy > height * 0.6:
        return Framing.FACE_TOO_LOW
    return Framing.GOOD
