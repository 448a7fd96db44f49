"""Identity card readers (二代证 SAM module over serial).

Use :class:`IdCardReader` (``read_card(timeout) -> IdCard | None``); build one with
:func:`devices.urls.open_id_reader` (``"sim"`` for the simulator); the identity rules
(GB 11643, masking) live in :mod:`identity`.
"""

from .card import CardType, IdCard
from .driver import SerialIdCardReader
from .interface import IdCardReader
from .sim import SAMPLE_CARDS, PtySamServer, SamModuleSim, SimIdCardReader

__all__ = [
    "SAMPLE_CARDS",
    "CardType",
    "IdCard",
    "IdCardReader",
    "PtySamServer",
    "SamModuleSim",
    "SerialIdCardReader",
    "SimIdCardReader",
]
