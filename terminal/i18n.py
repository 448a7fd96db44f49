"""Chinese first, English second: the current language and bilingual text.

Every screen string is written at its call site in both languages, `tr("取号", "Take a ticket")`,
so each app owns its own wording and nothing has to be kept in step with a shared table. Qt's own
dialogs and widgets are translated through Qt's shipped qtbase catalogue.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

LANGUAGES = ("zh", "en")
_language = "zh"
_qt_translator: QTranslator | None = None


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


def language() -> str:
    """The primary language: "zh" (default) or "en"."""
    return _language


def tr(zh: str, en: str) -> str:
    """The text in the primary language."""
    return zh if _language == "zh" else en


def bilingual(zh: str, en: str) -> tuple[str, str]:
    """(primary, secondary): both languages, the primary one first."""
    return (zh, en) if _language == "zh" else (en, zh)
