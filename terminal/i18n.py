"""Chinese first, English second: one way for every terminal to say a text in both languages.

Texts are written in Chinese where they are used, `Text("取号")`; their English lives in the
gettext catalogue `assets/translations/en/LC_MESSAGES/hallq.po`, compiled to the `hallq.mo`
shipped beside it (tests/terminal/test_i18n.py keeps source, catalogue and compiled file in
step: a new text without its English fails the suite). Names the hall config gives in both
languages (services, the hall) are `Text(name, name_en)`. Qt's own dialogs and widgets are
translated through Qt's shipped qtbase catalogue.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from .assets import asset_path

LANGUAGES = ("zh", "en")
DOMAIN = "hallq"
CATALOGUES = asset_path("translations")
_english = gettext.translation(DOMAIN, CATALOGUES, languages=["en"])
_language = "zh"
_qt_translator: QTranslator | None = None


def english(zh: str) -> str:
    """The English of a Chinese text, from the catalogue."""
    return _english.gettext(zh)


@dataclass(frozen=True)
class Text:
    """One text in both languages: written in Chinese, English from the catalogue (or given)."""

    zh: str
    given_en: str | None = None  # a name the hall config gives in English, not in the catalogue
    context: str | None = None  # where one Chinese word says different English: `in_context`

    @property
    def en(self) -> str:
        if self.given_en is not None:
            return self.given_en
        return (
            english(self.zh) if self.context is None else _english.pgettext(self.context, self.zh)
        )

    def format(self, **values: object) -> Text:
        """The same text with ``{name}`` placeholders filled in both languages; a Text value
        fills each language with its own."""
        zh = {k: v.zh if isinstance(v, Text) else v for k, v in values.items()}
        en = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
        return Text(self.zh.format(**zh), self.en.format(**en))

    def primary(self, lang: str | None = None) -> str:
        """The text in the chosen language (the terminal's language by default)."""
        return self.en if (lang or _language) == "en" else self.zh

    def secondary(self, lang: str | None = None) -> str:
        """The other language, shown smaller (Chinese stays visible in English mode)."""
        return self.zh if (lang or _language) == "en" else self.en

    def both(self, lang: str | None = None) -> tuple[str, str]:
        """(primary, secondary)."""
        return self.primary(lang), self.secondary(lang)


def in_context(context: str, zh: str) -> Text:
    """A text whose Chinese reads the same as another's but whose English differs, e.g. 暂停
    the key ("Pause") and 暂停 the window's state ("Paused"): gettext's message context."""
    return Text(zh, context=context)


def set_language(language: str) -> None:
    """Switch the primary language ("zh" or "en"); also Qt's locale and its own strings."""
    global _language, _qt_translator
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    _language = language
    locale = (
        QLocale(QLocale.Language.Chinese, QLocale.Country.China)
        if language == "zh"
        else (QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    )
    QLocale.setDefault(locale)
    app = QApplication.instance()
    if app is None:
        return
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if language == "zh":
        translator = QTranslator(app)
        path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(locale, "qtbase", "_", path):
            app.installTranslator(translator)
            _qt_translator = translator
