"""Cameras and other frame sources: live devices, video and image files."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import cv2

from ..errors import DeviceTimeout, DeviceUnavailable, EndOfStream
from .interface import Camera, Frame

log = logging.getLogger(__name__)


class LiveCamera(Camera):
    """A camera device (index or /dev/videoN) grabbed continuously in a worker thread.

    ``VideoCapture.read`` can block indefinitely on a wedged USB camera; the thread takes
    that risk so ``read_frame`` stays bounded.  After ``failures_before_reopen`` empty
    reads the device is released and reopened every ``reopen_interval`` seconds, so the
    camera recovers when it is plugged back in.
    """

    def __init__(
        self,
        device: int | str,
        *,
        width: int = 640,
        height: int = 480,
        failures_before_reopen: int = 30,
        reopen_interval: float = 1.0,
    ) -> None:
        self.device = device
        self._size = (width, height)
        self._failures_before_reopen = failures_before_reopen
        self._reopen_interval = reopen_interval
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._sequence = 0
        self._delivered = 0
        self._problem: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._grab, name="camera", daemon=True)
            self._thread.start()

    def _open(self) -> cv2.VideoCapture | None:
        capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            capture.release()
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
        return capture

    def _grab(self) -> None:
        capture: cv2.VideoCapture | None = None
        failures = 0
        while not self._stop.is_set():
            if capture is None:
                capture = self._open()
                if capture is None:
                    self._report(f"cannot open camera {self.device}")
                    self._stop.wait(self._reopen_interval)
                    continue
                failures = 0
            ok, frame = capture.read()
            if not ok or frame is None:
                failures += 1
                if failures >= self._failures_before_reopen:
                    capture.release()
                    capture = None
                    self._report(f"camera {self.device} returns no frames")
                continue
            failures = 0
            with self._cond:
                self._frame = frame
                self._sequence += 1
                self._problem = None
                self._cond.notify_all()
        if capture is not None:
            capture.release()

    def _report(self, problem: str) -> None:
        with self._cond:
            if self._problem != problem:
                log.warning("%s", problem)
            self._problem = problem
            self._cond.notify_all()

    def read_frame(self, timeout: float) -> Frame:
        """The newest frame not yet returned (older frames are dropped, as a preview wants)."""
        self._start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._sequence == self._delivered:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if self._problem:
                        raise DeviceUnavailable(self._problem)
                    raise DeviceTimeout(f"camera {self.device} gave no frame in {timeout:.1f} s")
                self._cond.wait(remaining)
            self._delivered = self._sequence
            assert self._frame is not None
            return self._frame

    def close(self) -> None:
        """Stop grabbing and release the device."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None


class VideoFileCamera(Camera):
    """Every frame of a video file, in order, as fast as they are asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            raise DeviceUnavailable(f"cannot open video {path}")

    def read_frame(self, timeout: float) -> Frame:
        ok, frame = self._capture.read()
        if not ok or frame is None:
            raise EndOfStream(f"end of video {self.path}")
        return frame

    def close(self) -> None:
        self._capture.release()


class ImageFileCamera(Camera):
    """A still image, returned ``repeat`` times (None: for ever)."""

    def __init__(self, path: Path, repeat: int | None = 1) -> None:
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            raise DeviceUnavailable(f"cannot read image {path}")
        self.frame: Frame = frame
        self._left = repeat

    def read_frame(self, timeout: float) -> Frame:
        if self._left is not None:
            if self._left <= 0:
                raise EndOfStream("image already read")
            self._left -= 1
        return self.frame
