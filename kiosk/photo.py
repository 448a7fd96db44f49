"""自助拍照: live preview with face framing, countdown, retake, and upload for the ticket.

The camera is read, faces are found and preview images are made in a worker thread; the
ID photo (crop + background, which takes a few hundred ms) is made with run_in_thread; the
upload goes through the ServerLink.  The GUI thread only draws.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum

import cv2
import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from devices.camera import (
    Camera,
    FaceDetector,
    PhotoRejected,
    encode_jpeg,
    framing_hint,
    make_id_photo,
)
from devices.camera.face import Framing
from devices.errors import DeviceError
from terminal.workers import run_in_thread

from .flow import HallLink, Reply

log = logging.getLogger("hallq.kiosk.photo")

FRAME_TIMEOUT_S = 0.5
PREVIEW_INTERVAL_S = 1 / 15  # a smooth preview without eating the kiosk's two cores


class BoothState(Enum):
    """Where the photo booth is."""

    PREVIEW = "preview"
    COUNTDOWN = "countdown"
    PROCESSING = "processing"
    REVIEW = "review"
    SAVING = "saving"
    REJECTED = "rejected"  # no usable face: retake
    CAMERA_DOWN = "camera_down"
    UPLOAD_FAILED = "upload_failed"


def to_qimage(frame: np.ndarray) -> QImage:
    """A BGR frame as a QImage that owns its pixels (safe to pass between threads)."""
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class PhotoBooth(QObject):
    """The photo booth's state; a view shows ``preview`` and calls shoot/retake/use/cancel.

    ``finished(saved)`` fires when the citizen leaves the booth.
    """

    changed = Signal()
    preview = Signal(QImage)
    finished = Signal(bool)
    _frame_seen = Signal(QImage, str, bool)  # worker → GUI thread: image, framing, camera ok

    def __init__(
        self,
        camera: Camera,
        link: HallLink,
        *,
        countdown_s: int = 3,
        tick_ms: int = 1000,
        make_photo: Callable[[np.ndarray], np.ndarray] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._camera = camera
        self._link = link
        self._countdown_s = countdown_s
        self._make_photo = make_photo or make_id_photo
        self.state = BoothState.PREVIEW
        self.framing = Framing.NO_FACE
        self.remaining = 0
        self.photo: QImage | None = None
        self._photo_frame: np.ndarray | None = None
        self.ticket_id = ""
        self._latest: np.ndarray | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(tick_ms)
        self._tick.timeout.connect(self._count)
        self._frame_seen.connect(self._on_frame)

    # ----- lifecycle ---------------------------------------------------------------------------
    def open(self, ticket_id: str) -> None:
        """Start the preview for ``ticket_id``."""
        self.ticket_id = ticket_id
        self.photo = None
        self._set(BoothState.PREVIEW)
        self._start_camera()

    def cancel(self) -> None:
        """Leave without saving."""
        self._close()
        self.finished.emit(False)

    def _close(self) -> None:
        self._tick.stop()
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=FRAME_TIMEOUT_S * 4)

    def _start_camera(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._grab, name="photo-booth", daemon=True)
        self._thread.start()

    def _grab(self) -> None:
        detector = FaceDetector()
        while not self._stop.is_set():
            try:
                frame = self._camera.read_frame(FRAME_TIMEOUT_S)
            except DeviceError as exc:
                log.info("camera: %s", exc)
                self._frame_seen.emit(QImage(), "", False)
                self._stop.wait(1.0)
                continue
            faces = detector.detect(frame)
            hint = framing_hint((frame.shape[1], frame.shape[0]), faces)
            with self._lock:
                self._latest = frame
            # Mirror the preview: people expect a mirror, and "move left" then means their left.
            self._frame_seen.emit(to_qimage(cv2.flip(frame, 1)), hint.value, True)
            self._stop.wait(PREVIEW_INTERVAL_S)

    def _on_frame(self, image: QImage, hint: str, camera_ok: bool) -> None:
        if not camera_ok:
            if self.state in (BoothState.PREVIEW, BoothState.COUNTDOWN):
                self._tick.stop()
                self._set(BoothState.CAMERA_DOWN)
            return
        if self.state is BoothState.CAMERA_DOWN:
            self._set(BoothState.PREVIEW)
        framing = Framing(hint)
        if framing is not self.framing:
            self.framing = framing
            self.changed.emit()
        if self.state in (BoothState.PREVIEW, BoothState.COUNTDOWN):
            self.preview.emit(image)

    # ----- actions -----------------------------------------------------------------------------
    def shoot(self) -> None:
        """开始拍照: count down, then take the newest frame."""
        if self.state not in (BoothState.PREVIEW, BoothState.REJECTED):
            return
        self.remaining = self._countdown_s
        self._set(BoothState.COUNTDOWN)
        self._tick.start()

    def _count(self) -> None:
        self.remaining -= 1
        if self.remaining > 0:
            self.changed.emit()
            return
        self._tick.stop()
        with self._lock:
            frame = None if self._latest is None else self._latest.copy()
        if frame is None:
            self._set(BoothState.REJECTED)
            return
        self._set(BoothState.PROCESSING)
        run_in_thread(self._make_photo, frame, on_done=self._made, on_error=self._not_made)

    def _made(self, photo: np.ndarray) -> None:
        if self.state is not BoothState.PROCESSING:
            return
        self._photo_frame = photo
        self.photo = to_qimage(photo)
        self._set(BoothState.REVIEW)

    def _not_made(self, exc: BaseException) -> None:
        if self.state is not BoothState.PROCESSING:
            return
        if not isinstance(exc, PhotoRejected | DeviceError):
            log.error("ID photo failed: %s", exc)
        self._set(BoothState.REJECTED)

    def retake(self) -> None:
        """重拍."""
        if self.state in (BoothState.REVIEW, BoothState.REJECTED, BoothState.UPLOAD_FAILED):
            self.photo = None
            self._photo_frame = None
            self._set(BoothState.PREVIEW)

    def use(self) -> None:
        """使用这张照片: upload it for the ticket's matter."""
        if self.state not in (BoothState.REVIEW, BoothState.UPLOAD_FAILED):
            return
        assert self._photo_frame is not None
        self._set(BoothState.SAVING)
        run_in_thread(encode_jpeg, self._photo_frame, on_done=self._upload, on_error=self._failed)

    def _upload(self, jpeg: bytes) -> None:
        self._link.request(
            "PUT",
            f"/tickets/{self.ticket_id}/photo",
            jpeg,
            content_type="image/jpeg",
            timeout_ms=10_000,
            retries=2,
            callback=self._uploaded,
        )

    def _uploaded(self, result: Reply) -> None:
        if self.state is not BoothState.SAVING:
            return
        if result.ok:
            self._close()
            self._photo_frame = None
            self.finished.emit(True)
        else:
            self._set(BoothState.UPLOAD_FAILED)

    def _failed(self, exc: BaseException) -> None:
        log.error("encoding the photo failed: %s", exc)
        self._set(BoothState.UPLOAD_FAILED)

    def _set(self, state: BoothState) -> None:
        self.state = state
        self.changed.emit()
