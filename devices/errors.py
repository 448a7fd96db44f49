"""Errors raised by device drivers.

Every fault a driver can meet becomes one of these, so an app can show a device state
("读卡器未连接", "缺纸") instead of crashing.  Messages never contain card data.
"""


class DeviceError(Exception):
    """Root of every device failure."""


class DeviceUnavailable(DeviceError):
    """The device is absent, unplugged, or cannot be opened; retrying later may succeed."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the caller's timeout."""


class FrameError(DeviceError):
    """Bytes from the device could not be understood (bad checksum, truncated, garbage)."""


class CardReadError(DeviceError):
    """A card is present but its data could not be read (read failure, invalid data)."""


class PayloadRejected(DeviceError):
    """A scanned code was read but refused: too large, binary, or full of control characters."""


class EndOfStream(DeviceError):
    """A file source (video, image list) has no more frames."""


class PrinterNotReady(DeviceError):
    """The printer reports a state that prevents printing (paper out, cover open, offline)."""

    def __init__(self, message: str, status: object) -> None:
        super().__init__(message)
        self.status = status
