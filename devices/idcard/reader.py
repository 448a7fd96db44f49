"""Reading identity cards from a SAM module over a serial link."""

from __future__ import annotations

import contextlib
import logging
import time
from abc import abstractmethod
from collections.abc import Callable

from identity import id_number_is_valid

from ..device import Device
from ..errors import CardReadError, DeviceTimeout, DeviceUnavailable, FrameError
from ..serial_link import LINK_FAULTS, LinkFactory, SerialLink, serial_url_factory
from .card import IdCard
from .codec import (
    BadFrame,
    Frame,
    FrameAssembler,
    Request,
    Status,
    decode_base_info,
    encode_request,
)

log = logging.getLogger(__name__)

BAUDRATE = 115200


class IdCardReader(Device):
    """An identity card reader: blocking calls, each bounded by its timeout.

    Run it in a worker thread.  ``read_card`` returns None when no card was presented
    in time and raises :class:`~devices.errors.DeviceError` subclasses for faults.
    """

    @abstractmethod
    def read_card(self, timeout: float) -> IdCard | None:
        """Wait up to ``timeout`` seconds for a card and return its base information."""

    @abstractmethod
    def close(self) -> None:
        """Release the port; a later ``read_card`` opens it again."""


class SerialIdCardReader(IdCardReader):
    """The SAM protocol driver: find → select → read base info, with retries.

    ``link_factory`` opens the port (a pyserial URL by default); it is called again after
    an unplug so the reader recovers by itself when the device comes back.
    ``response_timeout`` bounds one answer; ``retries`` is how often a request is repeated
    after a bad frame, a lost answer or a failed read.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        link_factory: LinkFactory | None = None,
        baudrate: int = BAUDRATE,
        retries: int = 3,
        response_timeout: float = 1.0,
        poll_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if link_factory is None:
            if url is None:
                raise ValueError("give a port URL or a link factory")
            link_factory = serial_url_factory(url, baudrate)
        self._open_link = link_factory
        self._link: SerialLink | None = None
        self._assembler = FrameAssembler()
        self._retries = retries
        self._response_timeout = response_timeout
        self._poll_interval = poll_interval
        self._clock = clock
        self._sleep = sleep
        self._hard_deadline = 0.0
        self.frames_rejected = 0

    # --- public ---------------------------------------------------------------------------

    def read_card(self, timeout: float) -> IdCard | None:
        """Find, select and read a card; None when none is presented within ``timeout``."""
        deadline = self._clock() + max(0.0, timeout)
        # A read that has begun may finish one answer window past the caller's deadline,
        # so a card laid down at the last moment is read rather than cut off half way.
        self._hard_deadline = deadline + self._response_timeout
        failures = 0
        while True:
            outcome = self._attempt()
            if isinstance(outcome, IdCard):
                return outcome
            if outcome is not None:
                failures += 1
                if failures > self._retries or self._clock() >= deadline:
                    raise CardReadError(outcome)
                log.info("card read failed (%s), retrying", outcome)
                continue
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            self._sleep(min(self._poll_interval, remaining))

    def close(self) -> None:
        """Close the port."""
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(*LINK_FAULTS):
                link.close()

    # --- one find/select/read round --------------------------------------------------------

    def _attempt(self) -> IdCard | str | None:
        """An IdCard, None for "no card", or the reason this round failed."""
        found = self._transact(Request.FIND_CARD)
        if found.status == Status.NO_CARD:
            return None
        if found.status != Status.CARD_FOUND:
            return f"find card answered {found.status:#04x}"
        selected = self._transact(Request.SELECT_CARD)
        if selected.status != Status.SUCCESS:
            # The card moved away between find and select: treat it as not (yet) there.
            return None
        answer = self._transact(Request.READ_BASE_INFO)
        if answer.status != Status.SUCCESS:
            return f"read base info answered {answer.status:#04x}"
        try:
            card = decode_base_info(answer.data)
        except CardReadError as exc:
            return str(exc)
        if not id_number_is_valid(card.id_number) and len(card.id_number) == 18:
            # An 18-character number with a wrong check digit is a read error, not a card:
            # the XOR frame checksum lets some double-bit errors through.
            return "identity number fails the GB 11643 check"
        return card

    def _transact(self, request: Request) -> Frame:
        """Send a request and return the good answer, repeating it after bad frames."""
        frame_bytes = encode_request(request)
        problem = "no answer"
        for _ in range(self._retries + 1):
            if self._clock() >= self._hard_deadline:
                break
            link = self._ensure_link()
            try:
                link.reset_input_buffer()
                self._assembler.clear()
                link.write(frame_bytes)
                answer = self._receive(link)
            except LINK_FAULTS as exc:
                self.close()
                raise DeviceUnavailable(f"ID card reader disconnected: {exc}") from exc
            if isinstance(answer, Frame):
                if answer.status == Status.BAD_CHECKSUM:
                    problem = "reader reported a checksum error in our request"
                    continue
                return answer
            problem = answer
        if problem == "no answer":
            raise DeviceTimeout("ID card reader does not answer")
        raise FrameError(f"ID card reader: {problem}")

    def _receive(self, link: SerialLink) -> Frame | str:
        """The next good frame, or why none came (bad frame / no answer)."""
        limit = min(self._clock() + self._response_timeout, self._hard_deadline)
        while self._clock() < limit:
            # read(n) blocks until n bytes or the port timeout: ask for what is waiting.
            chunk = link.read(max(1, link.in_waiting))
            if not chunk:
                continue
            for item in self._assembler.feed(chunk):
                if isinstance(item, BadFrame):
                    self.frames_rejected += 1
                    return item.reason
                return item
        return "no answer"

    def _ensure_link(self) -> SerialLink:
        if self._link is None:
            self._link = self._open_link()
        return self._link
