"""Identity numbers and the masked views of a card."""

from dataclasses import replace
from datetime import date

import pytest

from devices.errors import CardReadError, DeviceError
from devices.idcard import SAMPLE_CARDS, id_number_is_valid, mask_id_number
from devices.idcard.idnumber import check_char
from devices.idcard.photo import decode_photo, load_photo_decoder


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "11010519491231002x", "110105199003070041"]
)
def test_valid_numbers(number: str) -> None:
    assert id_number_is_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13
        "1101051949123100",  # too short
        "11010519491231002XX",
        "1101051949123100２X",  # full-width digit
        "",
    ],
)
def test_invalid_numbers(number: str) -> None:
    assert not id_number_is_valid(number)


def test_check_char_needs_17_digits() -> None:
    assert check_char("11010519491231002") == "X"
    with pytest.raises(ValueError):
        check_char("1101")


def test_masks_never_show_the_middle() -> None:
    card = SAMPLE_CARDS["elderly"]
    assert card.masked_id() == "110105********002X"
    assert mask_id_number("123") == "***"
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
