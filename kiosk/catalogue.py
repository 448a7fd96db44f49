"""What a citizen can ask for at the kiosk: the hall's areas and matters, and matter search.

Built once from ``GET /hall``; pure data, no Qt.  Search accepts Chinese text, pinyin
initials ("qykb" → 企业开办), full pinyin ("qiye") and the English names, because
citizens type whatever their phone keyboard taught them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from terminal.hall import HallInfo

# The consultation service: "I don't know what to do — help me" issues a ticket for it.
CONSULTATION_SERVICE = "M"


@dataclass(frozen=True)
class Matter:
    """One 事项 a citizen can take a ticket for, with its search keys."""

    service: str
    name: str
    initials: str
    spelled: str

    def matches(self, query: str) -> bool:
        """True when ``query`` (already normalised) finds this matter."""
        return query in self.name.lower() or query in self.initials or query in self.spelled


@dataclass(frozen=True)
class Area:
    """One service (queue) shown as a big button: code, names and its matters."""

    code: str
    name: str
    name_en: str
    matters: tuple[Matter, ...]
    initials: str = ""
    spelled: str = ""

    def matches(self, query: str) -> bool:
        """True when ``query`` (normalised) names the area itself."""
        return (
            query in self.name
            or query in self.name_en.lower()
            or query in self.initials
            or query in self.spelled
        )


def _pinyin_keys(text: str) -> tuple[str, str]:
    """Initials and full pinyin, character by character (non-Chinese kept lower-cased)."""
    initials = []
    spelled = []
    for ch in text:
        if ch.isspace() or ch in "·・-—()（）":
            continue
        full = lazy_pinyin(ch)[0].lower()
        first = lazy_pinyin(ch, style=Style.FIRST_LETTER)[0].lower()
        initials.append(first[:1] if first else "")
        spelled.append(full)
    return "".join(initials), "".join(spelled)


def normalise_query(text: str) -> str:
    """Lower case, no spaces: what :meth:`Matter.matches` compares."""
    return "".join(text.split()).lower()


class Catalogue:
    """The hall's areas (services) and every matter, searchable.

    ``areas`` excludes the consultation service, which has its own "help me" button.
    """

    def __init__(self, hall: HallInfo, areas: list[Area]) -> None:
        self.hall = hall
        self.hall_id = hall.id
        self.hall_name = hall.name
        self.hall_name_en = hall.name_en
        self._all = areas
        self.areas = [a for a in areas if a.code != CONSULTATION_SERVICE]

    @classmethod
    def from_hall(cls, hall: HallInfo) -> Catalogue:
        """Build from the hall's services and their matters."""
        areas = []
        for s in hall.services.values():
            matters = tuple(Matter(s.code, name, *_pinyin_keys(name)) for name in s.matters)
            areas.append(Area(s.code, s.name, s.name_en, matters, *_pinyin_keys(s.name)))
        return cls(hall, areas)

    def area(self, code: str) -> Area | None:
        """The area for a service code, the consultation service included."""
        return next((a for a in self._all if a.code == code), None)

    @property
    def consultation(self) -> Area | None:
        """The "I don't know — help me" service, when the hall has one."""
        return self.area(CONSULTATION_SERVICE)

    def search(self, text: str, limit: int = 12) -> list[Matter]:
        """Matters found by ``text``; an area's name or code finds all its matters."""
        query = normalise_query(text)
        if not query:
            return []
        found: list[Matter] = []
        for area in self._all:
            area_hit = area.matches(query)
            for matter in area.matters:
                if (area_hit or matter.matches(query)) and matter not in found:
                    found.append(matter)
        # Matters whose own name matches come before those found through their area.
        found.sort(key=lambda m: not m.matches(query))
        return found[:limit]
