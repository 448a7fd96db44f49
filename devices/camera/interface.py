"""What the kiosk asks of a camera: BGR frames, each read bounded by its timeout."""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from ..device import Device

Frame = np.ndarray  # BGR, uint8, shape (height, width, 3)


class Camera(Device):
    """A source of BGR frames; every read is bounded by its timeout.

    ``read_frame`` raises :class:`DeviceTimeout` when no frame came in time,
    :class:`DeviceUnavailable` when the camera is gone and :class:`EndOfStream` when a
    file has no more frames.
    """

    @abstractmethod
    def read_frame(self, timeout: float) -> Frame:
        """The next frame."""

    def close(self) -> None:
        """Release the device."""
