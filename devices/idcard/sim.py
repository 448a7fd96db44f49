"""A simulated SAM module that speaks the real protocol, in process or on a pty.

:class:`SamModuleSim` is the protocol engine (request bytes in, answer bytes out) with
switches for the faults halls meet.  :class:`SimIdCardReader` is the real driver wired to
that engine through an in-process link — what the kiosk uses with ``--sim``.
:class:`PtySamServer` serves the engine on a pseudo-terminal, paced at the baud rate, so
``hallq-devices probe idcard --port /dev/pts/N`` and the benchmark see a real port.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from datetime import date

import serial

from ..errors import DeviceUnavailable
from ..serial_link import SerialLink
from .card import CardType, IdCard
from .codec import (
    BadFrame,
    FrameAssembler,
    Request,
    Status,
    encode_base_info,
    encode_response,
)
from .reader import BAUDRATE, SerialIdCardReader

# Not a real WLT image (that needs the vendor's encoder): a fixed pattern of the right size.
SIM_PHOTO = (b"WLT-SIM\x00" + bytes(range(256)) * 4)[:1024]

SAMPLE_CARDS: dict[str, IdCard] = {
    "elderly": IdCard(
        name="张三", sex="男", nation="汉", birth=date(1949, 12, 31),
        address="北京市朝阳区建国路88号院3号楼2单元101", id_number="11010519491231002X",
        authority="北京市公安局朝阳分局", valid_from=date(2015, 1, 1), valid_to=None,
        photo_wlt=SIM_PHOTO,
    ),
    "adult": IdCard(
        name="李四娟", sex="女", nation="回", birth=date(1990, 3, 7),
        address="北京市朝阳区光华路5号", id_number="110105199003070041",
        authority="北京市公安局朝阳分局", valid_from=date(2018, 6, 1),
        valid_to=date(2038, 6, 1), photo_wlt=SIM_PHOTO,
    ),
    "foreigner": IdCard(
        name="约翰", sex="男", nation="USA", birth=date(1986, 1, 1), address="",
        id_number="USA110086010101", authority="1500", valid_from=date(2023, 12, 1),
        valid_to=date(2033, 12, 1), card_type=CardType.FOREIGN_PERMANENT,
        english_name="SMITH, JOHN", photo_wlt=SIM_PHOTO,
    ),
    "hk": IdCard(
        name="陈大文", sex="男", nation="", birth=date(1994, 8, 23),
        address="广东省深圳市福田区福华路1号", id_number="810000199408230021",
        authority="深圳市公安局", valid_from=date(2020, 1, 1), valid_to=date(2025, 1, 1),
        card_type=CardType.HK_MO_TW, pass_number="H12345678", issue_count=1,
        photo_wlt=SIM_PHOTO,
    ),
}  # fmt: skip


class SamModuleSim:
    """The SAM module's behaviour: answers requests about the card that lies on it.

    Fault switches (set them as attributes): ``corrupt_answers`` spoils the checksum of the
    next N answers, ``read_failures`` makes the next N base-info reads answer 0x41,
    ``garbage`` is sent before every answer, ``response_delay`` makes the module slow and
    ``mute`` makes it stop answering.  Thread-safe.
    """

    def __init__(self, card: IdCard | None = None) -> None:
        self._lock = threading.Lock()
        self._card = card
        self._assembler = FrameAssembler()
        self.corrupt_answers = 0
        self.read_failures = 0
        self.garbage = b""
        self.response_delay = 0.0
        self.mute = False
        self.requests_seen = 0

    @property
    def card(self) -> IdCard | None:
        """The card on the reader, if any."""
        return self._card

    def insert_card(self, card: IdCard) -> None:
        """Lay a card on the reader."""
        with self._lock:
            self._card = card

    def remove_card(self) -> None:
        """Take the card away."""
        with self._lock:
            self._card = None

    def handle(self, data: bytes) -> bytes:
        """Feed request bytes (any chunking); return the answers they complete."""
        with self._lock:
            answers = b""
            for item in self._assembler.feed(data):
                self.requests_seen += 1
                if isinstance(item, BadFrame):
                    answer = encode_response(Status.BAD_CHECKSUM)
                else:
                    answer = self._answer(item.request)
                if self.mute:
                    continue
                if self.corrupt_answers > 0:
                    self.corrupt_answers -= 1
                    answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
                answers += self.garbage + answer
            return answers

    def _answer(self, request: int) -> bytes:
        card = self._card
        if request == Request.FIND_CARD:
            return (
                encode_response(Status.CARD_FOUND, bytes(4))
                if card
                else encode_response(Status.NO_CARD)
            )
        if request == Request.SELECT_CARD:
            if card is None:
                return encode_response(Status.SELECT_FAILED)
            return encode_response(Status.SUCCESS, bytes(8))
        if request == Request.READ_BASE_INFO:
            if card is None:
                return encode_response(Status.READ_FAILED)
            if self.read_failures > 0:
                self.read_failures -= 1
                return encode_response(Status.READ_FAILED)
            return encode_response(Status.SUCCESS, encode_base_info(card))
        if request in (Request.RESET, Request.SAM_STATUS):
            return encode_response(Status.SUCCESS)
        return encode_response(Status.BAD_COMMAND)


class SimSerialLink:
    """An in-process serial link to a :class:`SamModuleSim` (no pty, no threads).

    Answers become readable after the module's ``response_delay`` plus, when ``baudrate``
    is given, the time their bytes would take on the wire.
    """

    def __init__(self, sam: SamModuleSim, baudrate: int | None = None) -> None:
        self.sam = sam
        self.timeout: float | None = 0.05
        self._baudrate = baudrate
        self._pending: list[tuple[float, bytes]] = []
        self._buffer = bytearray()
        self._cond = threading.Condition()
        self.unplugged = False

    def _check(self) -> None:
        if self.unplugged:
            raise serial.SerialException("device disconnected")

    @property
    def in_waiting(self) -> int:
        self._check()
        with self._cond:
            self._release(time.monotonic())
            return len(self._buffer)

    def _release(self, now: float) -> None:
        while self._pending and self._pending[0][0] <= now:
            self._buffer += self._pending.pop(0)[1]

    def write(self, data: bytes, /) -> int:
        self._check()
        answer = self.sam.handle(bytes(data))
        if answer:
            ready = time.monotonic() + self.sam.response_delay
            if self._baudrate:
                ready += len(answer) * 10 / self._baudrate
            with self._cond:
                self._pending.append((ready, answer))
                self._cond.notify_all()
        return len(data)

    def read(self, size: int = 1) -> bytes:
        self._check()
        deadline = time.monotonic() + (self.timeout or 0.0)
        with self._cond:
            while True:
                now = time.monotonic()
                self._release(now)
                if len(self._buffer) >= size or now >= deadline:
                    break
                wake = deadline
                if self._pending:
                    wake = min(wake, self._pending[0][0])
                self._cond.wait(max(0.0, wake - now))
                self._check()
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    def reset_input_buffer(self) -> None:
        with self._cond:
            self._buffer.clear()
            self._pending.clear()

    def close(self) -> None:
        """Nothing to release."""


class SimIdCardReader(SerialIdCardReader):
    """The real protocol driver talking to a simulated module in process.

    The kiosk's ``--sim`` mode and tests use it: ``insert_card``/``remove_card`` put cards
    down, ``unplug``/``plug_in`` take the reader away, and ``sam`` exposes the fault
    switches of :class:`SamModuleSim`.
    """

    def __init__(
        self,
        card: IdCard | None = None,
        *,
        baudrate: int | None = None,
        **options: float,
    ) -> None:
        self.sam = SamModuleSim(card)
        self._sim_baudrate = baudrate
        self._current: SimSerialLink | None = None
        self._plugged = True
        super().__init__(link_factory=self._open_sim_link, **options)  # type: ignore[arg-type]

    def _open_sim_link(self) -> SerialLink:
        if not self._plugged:
            raise DeviceUnavailable("simulated ID card reader is unplugged")
        self._current = SimSerialLink(self.sam, self._sim_baudrate)
        return self._current

    def insert_card(self, card: IdCard) -> None:
        """Lay a card on the simulated reader."""
        self.sam.insert_card(card)

    def remove_card(self) -> None:
        """Take the card away."""
        self.sam.remove_card()

    def unplug(self) -> None:
        """Pull the reader's cable: reads in flight fail, opening fails until ``plug_in``."""
        self._plugged = False
        if self._current is not None:
            self._current.unplugged = True

    def plug_in(self) -> None:
        """Put the cable back."""
        self._plugged = True


class PtySamServer:
    """Serves a :class:`SamModuleSim` on a pseudo-terminal, paced at ``baudrate``.

    ``start()`` returns the port path for any serial client.  ``unplug()`` closes the pty
    as a pulled USB-serial adapter would.
    """

    def __init__(
        self, sam: SamModuleSim | None = None, *, baudrate: int = BAUDRATE, pace: bool = True
    ) -> None:
        self.sam = sam if sam is not None else SamModuleSim()
        self._byte_time = 10 / baudrate if pace else 0.0
        self._master = -1
        self._slave = -1
        self._stop_r, self._stop_w = -1, -1
        self._thread: threading.Thread | None = None
        self.port = ""

    def start(self) -> str:
        """Open the pty and serve it in a daemon thread; return the port path."""
        self._master, self._slave = os.openpty()
        # Raw mode before any client opens it: no echo, no CR/LF translation of binary frames.
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="sam-pty", daemon=True)
        self._thread.start()
        return self.port

    def _serve(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master, self._stop_r], [], [])
            except (OSError, ValueError):
                return
            if self._stop_r in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except OSError:
                return
            answer = self.sam.handle(data)
            if answer:
                if self.sam.response_delay:
                    time.sleep(self.sam.response_delay)
                if not self._write_paced(answer):
                    return

    def _write_paced(self, answer: bytes) -> bool:
        start = time.monotonic()
        sent = 0
        while sent < len(answer):
            chunk = answer[sent : sent + 64]
            try:
                os.write(self._master, chunk)
            except OSError:
                return False
            sent += len(chunk)
            # Pace against the start time so sleep overshoot does not accumulate.
            delay = start + sent * self._byte_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return True

    def unplug(self) -> None:
        """Close the pty under a connected client."""
        self.stop()

    def stop(self) -> None:
        """Stop serving and close every descriptor."""
        if self._stop_w >= 0:
            os.write(self._stop_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = self._stop_r = self._stop_w = -1

    def __enter__(self) -> PtySamServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
