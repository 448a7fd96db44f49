"""Reading identity cards from a SAM module over a serial link."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from identity import id_number_is_valid

from ..errors import CardReadError, DeviceTimeout, FrameError
from ..serial_link import LinkFactory, SerialLink, SerialPort, read_waiting
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
from .interface import IdCardReader

log = logging.getLogger(__name__)

BAUDRATE = 115200


class SerialIdCardReader(IdCardReader):
    """The SAM protocol driver: find → select → read base info, with retries.

    ``open_link`` opens the port (:func:`devices.urls.open_id_reader` makes one from a
    URL); it is called again after an unplug so the reader recovers by itself.
    ``response_timeout`` bounds one answer; ``retries`` is how often a request is repeated
    after a bad frame, a lost answer or a failed read.
    """

    def __init__(
        self,
        open_link: LinkFactory,
        *,
        retries: int = 3,
        response_timeout: float = 1.0,
        poll_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._port = SerialPort(open_link, "ID card reader")
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
        self._port.close()

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
            with self._port.link() as link:
                link.reset_input_buffer()
                self._assembler.clear()
                link.write(frame_bytes)
                answer = self._receive(link)
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
            chunk = read_waiting(link)
            if not chunk:
                continue
            for item in self._assembler.feed(chunk):
                if isinstance(item, BadFrame):
                    self.frames_rejected += 1
                    return item.reason
                return item
        return "no answer"
