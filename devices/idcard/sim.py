"""A simulated SAM module that speaks the real protocol, in process or on a pty.

:class:`SamModuleSim` is the protocol engine (request bytes in, answer bytes out) with
switches for the faults halls meet.  :class:`SimIdCardReader` is the real driver wired to
that engine through an in-process link — what the kiosk uses with ``--sim``.
:class:`PtySamServer` serves the engine on a pseudo-terminal, paced at the baud rate, so
``hallq-devices probe idcard --port /dev/pts/N`` and the benchmark see a real port.
"""

from __future__ import annotations

import threading
from datetime import date

from ..errors import DeviceUnavailable
from ..pty_port import PtyPort
from ..serial_link import InProcessLink, SerialLink
from .card import CardType, IdCard
from .codec import (
    BadFrame,
    FrameAssembler,
    Request,
    Status,
    encode_base_info,
    encode_response,
)
from .driver import BAUDRATE, SerialIdCardReader

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
        self._current: InProcessLink | None = None
        self._plugged = True
        super().__init__(self._open_sim_link, **options)  # type: ignore[arg-type]

    def _open_sim_link(self) -> SerialLink:
        if not self._plugged:
            raise DeviceUnavailable("simulated ID card reader is unplugged")
        self._current = InProcessLink(
            self.sam.handle, baudrate=self._sim_baudrate, delay=lambda: self.sam.response_delay
        )
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


class PtySamServer(PtyPort):
    """Serves a :class:`SamModuleSim` on a pseudo-terminal, paced at ``baudrate``.

    ``start()`` returns the port path for any serial client.  ``unplug()`` closes the pty
    as a pulled USB-serial adapter would.
    """

    def __init__(
        self, sam: SamModuleSim | None = None, *, baudrate: int = BAUDRATE, pace: bool = True
    ) -> None:
        self.sam = sam if sam is not None else SamModuleSim()
        super().__init__(
            self.sam.handle, baudrate=baudrate, pace=pace, delay=lambda: self.sam.response_delay
        )

    def __enter__(self) -> PtySamServer:
        self.start()
        return self
