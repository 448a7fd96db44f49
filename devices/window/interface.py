"""What the caller asks of a window's devices: the clerk's keypad and the LED screen."""

from __future__ import annotations

from abc import ABC, abstractmethod

from .codec import KeypadEvent


class CallerKeypad(ABC):
    """A clerk's keypad (or a citizen's evaluator) at one window."""

    @abstractmethod
    def poll(self, timeout: float) -> KeypadEvent | None:
        """Ask for a key press; None when nothing was pressed."""

    @abstractmethod
    def show(self, text: str, timeout: float) -> None:
        """Put text on the keypad's LCD (current ticket, waiting count)."""


class WindowScreen(ABC):
    """The small LED screen over a window."""

    @abstractmethod
    def show(self, text: str, timeout: float) -> None:
        """Show ``text`` (e.g. "A012 请到3号窗口")."""
