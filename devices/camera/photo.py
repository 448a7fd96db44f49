"""ID photos (证件照) at standard sizes with a light background."""

from __future__ import annotations

import io
from enum import Enum
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..errors import DeviceError
from .face import FaceBox, FaceDetector
from .interface import Frame


class PhotoSize(Enum):
    """Pixel sizes at 300 dpi."""

    ONE_INCH = (295, 413)  # 一寸 25×35 mm
    TWO_INCH = (413, 579)  # 二寸 35×49 mm

    @property
    def pixels(self) -> tuple[int, int]:
        """(width, height)."""
        return self.value


class PhotoRejected(DeviceError):
    """The frame cannot make an ID photo (no face, several faces)."""


# The Haar box spans roughly brow to chin; with hair and chin the head then fills about
# two thirds of the photo height, as ID-photo rules ask, and the hair keeps clear of the top.
_FACE_HEIGHT_SHARE = 0.38
_FACE_TOP_SHARE = 0.25

WHITE = (255, 255, 255)


def crop_box(face: FaceBox, size: PhotoSize) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the region to cut around ``face`` for ``size``'s aspect ratio."""
    out_w, out_h = size.pixels
    crop_h = face.h / _FACE_HEIGHT_SHARE
    crop_w = crop_h * out_w / out_h
    cx = face.x + face.w / 2
    top = face.y - crop_h * _FACE_TOP_SHARE
    return round(cx - crop_w / 2), round(top), round(crop_w), round(crop_h)


def _cut(frame: Frame, box: tuple[int, int, int, int]) -> tuple[Frame, Frame]:
    """The crop, padded where it leaves the frame, and a mask of the padded pixels."""
    x, y, w, h = box
    fh, fw = frame.shape[:2]
    pad = max(0, -x, -y, x + w - fw, y + h - fh)
    padded = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    outside = np.zeros(padded.shape[:2], np.uint8)
    if pad:
        outside[:] = 1
        outside[pad : pad + fh, pad : pad + fw] = 0
    sl = (slice(y + pad, y + pad + h), slice(x + pad, x + pad + w))
    return padded[sl], outside[sl]


def lighten_background(
    crop: Frame, face: FaceBox, outside: Frame, colour: tuple[int, int, int] = WHITE
) -> Frame:
    """Replace what is not the person by ``colour`` (GrabCut seeded with head and body)."""
    h, w = crop.shape[:2]
    mask = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    # Probably the person: a band from above the head down through the shoulders.
    x0, x1 = max(0, face.x - face.w // 2), min(w, face.x + face.w + face.w // 2)
    mask[max(0, face.y - face.h // 2) :, x0:x1] = cv2.GC_PR_FGD
    # Surely the person: the middle of the face box (its corners are often background).
    mask[
        face.y + face.h // 5 : face.y + face.h * 4 // 5,
        face.x + face.w // 5 : face.x + face.w * 4 // 5,
    ] = cv2.GC_FGD
    # ...and the chest straight below the face down to the bottom edge.
    chest_top = min(h, face.y + face.h * 3 // 2)
    mask[chest_top:, face.x + face.w // 4 : face.x + face.w * 3 // 4] = cv2.GC_FGD
    # Surely background: the top corners and anything outside the camera's view.
    corner = max(2, w // 10)
    mask[:corner, :corner] = cv2.GC_BGD
    mask[:corner, -corner:] = cv2.GC_BGD
    mask[outside == 1] = cv2.GC_BGD
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.grabCut(
        crop, mask, (0, 0, 0, 0), background_model, foreground_model, 3, cv2.GC_INIT_WITH_MASK
    )
    person = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    # Feather the edge so hair does not look cut out with scissors.
    alpha = cv2.GaussianBlur(person, (0, 0), 1.5)[..., None]
    fill = np.empty_like(crop)
    fill[:] = colour
    return (crop * alpha + fill * (1 - alpha)).astype(np.uint8)


def make_id_photo(
    frame: Frame,
    size: PhotoSize = PhotoSize.ONE_INCH,
    *,
    detector: FaceDetector | None = None,
    background: tuple[int, int, int] | None = WHITE,
) -> Frame:
    """Crop, scale and (unless ``background`` is None) lighten the background."""
    faces = (detector or FaceDetector()).detect(frame)
    if not faces:
        raise PhotoRejected("no face in the picture")
    if len(faces) > 1 and faces[1].w > faces[0].w * 0.6:
        raise PhotoRejected("more than one face in the picture")
    face = faces[0]
    box = crop_box(face, size)
    crop, outside = _cut(frame, box)
    out_w, out_h = size.pixels
    scale = out_h / crop.shape[0]
    crop = cv2.resize(crop, (out_w, out_h), interpolation=cv2.INTER_AREA)
    outside = cv2.resize(outside, (out_w, out_h), interpolation=cv2.INTER_NEAREST)
    if background is None:
        return crop
    local = FaceBox(
        int((face.x - box[0]) * scale),
        int((face.y - box[1]) * scale),
        int(face.w * scale),
        int(face.h * scale),
    )
    return lighten_background(crop, local, outside, background)


def encode_jpeg(photo: Frame, dpi: int = 300, quality: int = 95) -> bytes:
    """JPEG bytes with the dpi recorded, so print shops print it at the right size."""
    image = Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB))
    out = io.BytesIO()
    image.save(out, format="JPEG", dpi=(dpi, dpi), quality=quality)
    return out.getvalue()


def save_id_photo(photo: Frame, path: Path, dpi: int = 300) -> Path:
    """Write the photo as a 300 dpi JPEG."""
    path.write_bytes(encode_jpeg(photo, dpi))
    return path
