"""The identity rules, once: GB 11643 numbers, age, masking of numbers and names."""

from datetime import date

import pytest

from identity import (
    age_on,
    birth_date_of,
    check_char,
    id_number_is_valid,
    mask_id_number,
    mask_name,
)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "11010519491231002x", "110105199003070041"]
)
def test_valid_numbers(number: str) -> None:
    assert id_number_is_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13 (the check character fits the digits)
        "1101051949123100",  # too short
        "11010519491231002XX",
        "1101051949123100２X",  # full-width digit
        "",
    ],
)
def test_invalid_numbers(number: str) -> None:
    assert not id_number_is_valid(number)


def test_a_right_check_character_on_an_impossible_date_is_invalid() -> None:
    first17 = "11010519491331002"
    assert not id_number_is_valid(first17 + check_char(first17))


def test_check_char_needs_17_digits() -> None:
    assert check_char("11010519491231002") == "X"
    with pytest.raises(ValueError):
        check_char("1101")


def test_birth_date_and_age_on_the_birthday() -> None:
    born = birth_date_of("11010519491231002X")
    assert born == date(1949, 12, 31)
    assert age_on(born, date(2019, 12, 30)) == 69
    assert age_on(born, date(2019, 12, 31)) == 70
    assert birth_date_of("110105194913310021") is None


@pytest.mark.parametrize(
    ("number", "masked"),
    [("11010519491231002X", "110105********002X"), ("123", "***"), ("", "")],
)
def test_id_number_masking_keeps_region_and_last_four(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳娜", "欧阳*"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # a surname-only string never shows a given name
        (" 王五 ", "王*"),
        ("ZHANG SAN", "Z********"),
        ("", ""),
    ],
)
def test_name_masking_keeps_only_the_surname(name: str, masked: str) -> None:
    assert mask_name(name) == masked
