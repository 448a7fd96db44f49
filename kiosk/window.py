"""The kiosk's full-screen window: header, the current page, a way back, the offline overlay."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.link import ServerLink
from terminal.screens import FullScreenWindow, StatusOverlay
from terminal.theme import Theme, app_theme

from . import texts as T
from .flow import KioskFlow, Screen
from .hardware import KioskDevices
from .photo import PhotoBooth
from .photo_view import PhotoView
from .texts import Text
from .views import PAGES
from .widgets import BigButton, bilingual_label

_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.TouchBegin,
}


class ActivityFilter(QObject):
    """Any touch, click or key anywhere restarts the idle countdown."""

    def __init__(self, flow: KioskFlow) -> None:
        super().__init__(flow)
        self._flow = flow

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._flow.touch()
        return False


BANNER_AMBER, BANNER_INK = "#ffc940", "#111827"  # over 10:1, whatever the palette
_NO_BANNER = (Screen.TICKET, Screen.PHOTO)


class KioskWindow(FullScreenWindow):
    """Shows the flow; until ``attach`` the overlay says it is connecting to the hall."""

    photo_countdown_s = 3
    photo_tick_ms = 1000

    def __init__(
        self,
        *,
        windowed: bool = False,
        screen_size: tuple[int, int] = (1920, 1080),
        admin_pin: str | None = None,
        theme: Theme | None = None,
    ) -> None:
        super().__init__(
            "hallq kiosk", windowed=windowed, screen_size=screen_size, admin_pin=admin_pin
        )
        self.base_theme = theme or app_theme()
        self.flow: KioskFlow | None = None
        self.devices = KioskDevices()
        self.link: ServerLink | None = None
        self.booth: PhotoBooth | None = None
        self._look: tuple[object, ...] = ()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._header = QWidget()
        self._layout.addWidget(self._header)
        self._banner = QWidget()
        self._layout.addWidget(self._banner)
        self.page: QWidget = QWidget()
        self._layout.addWidget(self.page, 1)
        self._footer = QWidget()
        self._layout.addWidget(self._footer)
        self.overlay = StatusOverlay(self, self.base_theme)

    def add_sim_panel(self, panel: QWidget) -> None:
        """With --sim: the device keys at the bottom, under the overlay."""
        self._layout.addWidget(panel)
        self.overlay.raise_()

    @property
    def theme(self) -> Theme:
        """The base theme, or its 适老化 version in elder mode."""
        if self.flow is not None and self.flow.elder:
            return self.base_theme.elder()
        return self.base_theme

    @property
    def landscape(self) -> bool:
        """Wide screens get more columns."""
        return self.width() >= self.height()

    def attach(self, flow: KioskFlow, link: ServerLink, devices: KioskDevices) -> None:
        """Show ``flow``; the overlay now follows the link's online state."""
        self.flow = flow
        self.link = link
        self.devices = devices
        flow.changed.connect(self.refresh)
        flow.photo_requested.connect(self.open_photo)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(ActivityFilter(flow))
        self.overlay.follow(link)
        if link.online:
            self.overlay.hide()
        self.refresh()

    # ----- drawing ---------------------------------------------------------------------------
    def _replace(self, old: QWidget, new: QWidget) -> QWidget:
        self._layout.replaceWidget(old, new)
        old.hide()
        old.deleteLater()
        if self.isVisible():
            new.show()
        return new

    def refresh(self) -> None:
        """Rebuild header, banner, page and footer for the flow's state."""
        flow = self.flow
        if flow is None:
            return
        theme = self.theme
        # Restyling the window and rebuilding the header re-polishes every widget: only when
        # what they show changed (most taps change the page alone).
        # The ticket page says itself what the printer did, and nothing else matters there.
        down = (flow.reader_down, flow.scanner_down, flow.printer_down, flow.camera_down)
        names = (flow.catalogue.hall_name, flow.catalogue.hall_name_en)
        look = (flow.lang, flow.elder, *names, *down, flow.screen in _NO_BANNER)
        if look != self._look:
            if look[:4] != self._look[:4]:
                self.setStyleSheet(theme.stylesheet())
                self._header = self._replace(self._header, self._build_header(flow, theme))
            self._banner = self._replace(self._banner, self._build_banner(flow, theme))
            self._look = look
        if flow.screen is Screen.PHOTO:
            # The booth opens right after the flow switches: until then keep the last page.
            if self.booth is not None and not isinstance(self.page, PhotoView):
                self.page = self._replace(self.page, PhotoView(self.booth, theme, flow.lang))
        else:
            self.page = self._replace(self.page, PAGES[flow.screen](flow, theme, self.landscape))
        self._footer = self._replace(self._footer, self._build_footer(flow, theme))
        self.overlay.raise_()

    def _build_header(self, flow: KioskFlow, theme: Theme) -> QWidget:
        p = theme.palette
        bar = QWidget()
        bar.setStyleSheet(f"background: {p.accent};")
        row = QHBoxLayout(bar)
        row.setContentsMargins(theme.px(32), theme.px(12), theme.px(32), theme.px(12))
        cat = flow.catalogue
        name = Text(cat.hall_name, cat.hall_name_en or cat.hall_name)
        title = bilingual_label(name, flow.lang, theme, 40, bold=True, colour=p.on_accent)
        title.setText(title.text().replace(p.muted, "#ffe4e4"))
        row.addWidget(title, 1)
        elder = T.ELDER_OFF if flow.elder else T.ELDER_ON
        for text, action, object_name in (
            (T.LANGUAGE, flow.toggle_language, "lang"),
            (elder, flow.toggle_elder, "elder"),
        ):
            button = BigButton(text, flow.lang, theme, action, size=30, height=88, name=object_name)
            button.setMinimumWidth(theme.px(230))
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            # The bar's red would cascade into the buttons: keep them white with dark text.
            button.setStyleSheet(
                f"QPushButton {{ background: {p.surface}; border: 2px solid {p.surface}; }}"
            )
            row.addWidget(button)
        return bar

    def _build_banner(self, flow: KioskFlow, theme: Theme) -> QWidget:
        states = (
            (flow.reader_down, T.READER_DOWN),
            (flow.scanner_down, T.SCANNER_DOWN),
            (flow.printer_down, T.PRINTER_DOWN),
            (flow.camera_down, T.CAMERA_DOWN),
        )
        shown = flow.screen not in _NO_BANNER
        notes = [note for down, note in states if down and shown]
        banner = QWidget()
        if not notes:
            banner.setFixedHeight(0)
            return banner
        # Near-black on light amber, both languages (over 10:1): white or grey on the palette's
        # dark amber could not be read from a step away.
        ink = BANNER_INK
        banner.setStyleSheet(f"background: {BANNER_AMBER};")
        box = QVBoxLayout(banner)
        for note in notes:
            label = bilingual_label(
                note, flow.lang, theme, 28, bold=True, colour=ink, secondary_colour=ink
            )
            label.setObjectName("device-banner")
            box.addWidget(label)
        return banner

    def _build_footer(self, flow: KioskFlow, theme: Theme) -> QWidget:
        bar = QWidget()
        # The ticket's own 完成 leads home: 返回 and 首页 there would say the same twice more.
        if flow.screen in (Screen.START, Screen.ISSUING, Screen.TICKET, Screen.PHOTO):
            if flow.screen is Screen.PHOTO and self.booth is not None:
                row = QHBoxLayout(bar)
                row.setContentsMargins(theme.px(40), theme.px(8), theme.px(40), theme.px(16))
                row.addWidget(
                    BigButton(T.BACK, flow.lang, theme, self.booth.cancel, size=36, name="back")
                )
                return bar
            bar.setFixedHeight(0)
            return bar
        row = QHBoxLayout(bar)
        row.setContentsMargins(theme.px(40), theme.px(8), theme.px(40), theme.px(16))
        row.setSpacing(theme.px(24))
        row.addWidget(BigButton(T.BACK, flow.lang, theme, flow.back, size=36, name="back"))
        row.addWidget(BigButton(T.HOME, flow.lang, theme, flow.home, size=36, name="home"))
        return bar

    # ----- photo booth -------------------------------------------------------------------------
    def open_photo(self, ticket_id: str) -> None:
        """Start the photo booth for the ticket (the flow is already on PHOTO)."""
        flow = self.flow
        if flow is None or self.devices.camera is None or self.link is None:
            return
        booth = PhotoBooth(
            self.devices.camera,
            self.link,
            countdown_s=self.photo_countdown_s,
            tick_ms=self.photo_tick_ms,
            parent=self,
        )
        booth.finished.connect(self._photo_closed)
        self.booth = booth
        self.refresh()
        booth.open(ticket_id)

    def _photo_closed(self, saved: bool) -> None:
        booth, self.booth = self.booth, None
        if self.flow is not None:
            self.flow.photo_finished(saved)
        if booth is not None:
            booth.deleteLater()

    def status_text(self) -> str:
        """Every label's text on screen (tests and screenshots check what a citizen reads)."""
        return "\n".join(
            label.text() for label in self.findChildren(QLabel) if label.isVisibleTo(self)
        )
