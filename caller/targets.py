"""Where a ticket can be transferred to, and the clerk's search over those places.

A clerk types a few characters — a window number ("7"), a service letter ("C"), Chinese
("公安") or pinyin initials ("gafw" for 公安服务) — and gets the matching services and windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from terminal.hall import HallInfo
from terminal.i18n import Text

# Why a window pauses; the first is what a clerk picks most.
PAUSE_REASONS: tuple[Text, ...] = (
    Text("临时离开"),
    Text("午间休息"),
    Text("业务培训"),
    Text("开会"),
    Text("系统故障"),
    Text("其他"),
)
PAUSE_MINUTES = (5, 10, 20, 30, 60)  # how long a clerk may say a pause lasts; or not say


@dataclass(frozen=True)
class TransferTarget:
    """A service queue or a window a ticket can wait at next."""

    kind: str  # "service" | "window"
    id: str  # service code or window id
    zh: str
    en: str
    detail: str = ""  # services of a window, shown under its name

    @property
    def body(self) -> dict[str, str]:
        """The POST /windows/{w}/transfer body."""
        return {self.kind: self.id}

    @property
    def search_text(self) -> str:
        return _search_text(self.id, self.zh, self.en)


@lru_cache(maxsize=512)
def _search_text(ident: str, zh: str, en: str) -> str:
    initials = "".join(lazy_pinyin(zh, style=Style.FIRST_LETTER))
    full = "".join(lazy_pinyin(zh))
    return " ".join((ident, zh, en, initials, full)).lower()


def build_targets(hall: HallInfo, own_window: str) -> list[TransferTarget]:
    """Services first (the usual 转业务), then every other window (转窗口)."""
    out = [TransferTarget("service", s.code, s.name, s.name_en) for s in hall.services.values()]
    for w in hall.windows.values():
        if w.id == own_window:
            continue
        detail = "、".join(hall.service_name(code)[0] for code in w.services)
        name = hall.window_name(w.id)
        out.append(TransferTarget("window", w.id, name, f"Window {w.id}", detail))
    return out


def search(targets: list[TransferTarget], query: str) -> list[TransferTarget]:
    """Targets matching every word of `query`; exact ids (a window number, a letter) first."""
    words = query.lower().split()
    if not words:
        return list(targets)
    hits = [t for t in targets if all(w in t.search_text for w in words)]
    exact = [t for t in hits if t.id.lower() == words[0]]
    return exact + [t for t in hits if t not in exact]
