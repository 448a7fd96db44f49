"""What every device interface shares: it holds a port or a handle until it is closed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class Device(ABC):
    """A device that can be used in a ``with`` block; ``close`` releases what it holds."""

    @abstractmethod
    def close(self) -> None:
        """Release the port or handle; a later use opens it again."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
