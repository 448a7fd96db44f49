"""The card's masked views, age and expiry (the identity rules themselves: tests/identity)."""

from dataclasses import replace
from datetime import date

import pytest

from devices.errors import CardReadError, DeviceError
from devices.idcard import SAMPLE_CARDS
from devices.idcard.photo import decode_photo, load_photo_decoder


def test_masks_never_show_the_middle() -> None:
    card = SAMPLE_CARDS["elderly"]
    assert card.masked_id() == "110105********002X"
    assert card.masked_name() == "张*"
    assert SAMPLE_CARDS["adult"].masked_name() == "李**"
    assert "张三" not in repr(card) and "1949" not in repr(card)


def test_age_on_birthday_boundary() -> None:
    card = SAMPLE_CARDS["elderly"]  # born 1949-12-31
    assert card.age_on(date(2019, 12, 30)) == 69
    assert card.age_on(date(2019, 12, 31)) == 70


def test_expiry() -> None:
    assert not SAMPLE_CARDS["elderly"].is_expired_on(date(2100, 1, 1))
    assert SAMPLE_CARDS["hk"].is_expired_on(date(2025, 1, 2))
    assert not SAMPLE_CARDS["hk"].is_expired_on(date(2025, 1, 1))


def test_probe_fields_are_complete() -> None:
    fields = SAMPLE_CARDS["elderly"].probe_fields()
    assert list(fields) == [
        "name", "sex", "nation", "birth", "address", "id_number", "authority",
        "valid_from", "valid_to",
    ]  # fmt: skip
    assert fields["valid_to"] == "长期"


def fake_wlt_decoder(wlt: bytes) -> bytes:
    return b"BM" + wlt[:10]


def broken_decoder(wlt: bytes) -> bytes:
    raise RuntimeError("licence missing")


def test_photo_only_through_a_plugin() -> None:
    card = SAMPLE_CARDS["elderly"]
    assert decode_photo(card, None) is None
    decoder = load_photo_decoder(f"{__name__}:fake_wlt_decoder")
    assert decode_photo(card, decoder) == b"BM" + card.photo_wlt[:10]
    with pytest.raises(CardReadError):
        decode_photo(card, broken_decoder)
    assert decode_photo(replace(card, photo_wlt=b""), decoder) is None
    with pytest.raises(DeviceError):
        load_photo_decoder("no_such_module_xyz:decode")
    with pytest.raises(DeviceError):
        load_photo_decoder("nocolon")
