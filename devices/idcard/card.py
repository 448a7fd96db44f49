"""The data read from an identity card, with the masked views the hall shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from identity import age_on, mask_id_number, mask_name


class CardType(Enum):
    """Which card the SAM module read; the marker sits at byte 248 of the text block."""

    RESIDENT = "resident"  # 居民身份证 (blank marker)
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证 ('I')
    HK_MO_TW = "hk_mo_tw"  # 港澳台居民居住证 ('J')


@dataclass(frozen=True, repr=False)
class IdCard:
    """One card's base information.

    ``repr`` is masked so a card that reaches a log line leaks neither name nor number.
    ``valid_to`` is None for 长期 (no expiry).  ``photo_wlt`` holds the vendor-compressed
    photo as read; turn it into an image with :func:`devices.idcard.photo.decode_photo`.
    For a foreigner's card ``nation`` holds the ISO 3166 nationality code and ``address``
    is empty; for HK/MO/TW permits ``nation`` is empty.
    """

    name: str
    sex: str
    nation: str
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None
    card_type: CardType = CardType.RESIDENT
    photo_wlt: bytes = field(default=b"", compare=False)
    english_name: str = ""
    pass_number: str = ""
    issue_count: int | None = None

    def __repr__(self) -> str:
        return (
            f"IdCard({self.card_type.value}, name={self.masked_name()!r}, id={self.masked_id()!r})"
        )

    def masked_name(self) -> str:
        """The surname kept, the rest starred: 张三丰 → 张**, 欧阳娜娜 → 欧阳**."""
        return mask_name(self.name or self.english_name)

    def masked_id(self) -> str:
        """110105********002X."""
        return mask_id_number(self.id_number)

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day`` (the kiosk's green channel checks 70+)."""
        return age_on(self.birth, day)

    def is_expired_on(self, day: date) -> bool:
        """True when the card's validity ended before ``day``; 长期 never expires."""
        return self.valid_to is not None and day > self.valid_to

    def probe_fields(self) -> dict[str, str]:
        """Every field in full, for the installer's probe tool only (never for logs)."""
        return {
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth": self.birth.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": "长期" if self.valid_to is None else self.valid_to.isoformat(),
        }
