"""One way to say a text in Chinese and English: the source, the catalogue and the shipped .mo
stay in step, and the English really comes from the catalogue."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from terminal.i18n import CATALOGUES, DOMAIN, Text, english, in_context

ROOT = Path(__file__).resolve().parents[2]
PO = CATALOGUES / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")


def catalogue() -> dict[tuple[str | None, str], str]:
    """(context, Chinese) → English."""
    with PO.open("rb") as f:
        return {(m.context, m.id): m.string for m in read_po(f) if m.id}


def test_every_text_of_the_terminals_has_its_english_and_none_is_left_over() -> None:
    written: set[tuple[str | None, str]] = set()
    keywords = {"Text": (1,), "in_context": ((1, "c"), 2)}
    for package in ("kiosk", "caller", "display", "terminal"):
        found = extract_from_dir(ROOT / package, keywords=keywords, comment_tags=())
        written.update((ctx, str(message)) for _file, _line, message, _comments, ctx in found)
    english_of = catalogue()
    assert sorted(written - english_of.keys()) == [], "texts without English: add them to the .po"
    assert sorted(english_of.keys() - written) == [], "English for texts no longer written"
    assert all(english_of.values()), "an empty translation"


def test_the_shipped_mo_is_the_compiled_po() -> None:
    with PO.open("rb") as f:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(f))
    assert MO.read_bytes() == compiled.getvalue(), (
        "run: .venv/bin/pybabel compile -D hallq -d assets/translations -l en"
    )


def test_texts_are_chinese_with_english_from_the_catalogue() -> None:
    take = Text("取号")
    assert (take.zh, take.en) == ("取号", english("取号")) == ("取号", "Take a ticket")
    assert take.both("zh") == ("取号", "Take a ticket")
    assert take.both("en") == ("Take a ticket", "取号")
    ahead = Text("前面还有 {n} 人").format(n=3)
    assert (ahead.zh, ahead.en) == ("前面还有 3 人", "3 people ahead of you")
    action = Text("现在不能{action}").format(action=Text("叫号"))
    assert (action.zh, action.en) == ("现在不能叫号", "Call next is not possible now")
    key, state = Text("暂停"), in_context("state", "暂停")  # one Chinese word, two Englishes
    assert (key.en, state.zh, state.en) == ("Pause", "暂停", "Paused")
    named = Text("公安服务", "Public security")  # a hall's own name, given in both languages
    assert named.en == "Public security"
