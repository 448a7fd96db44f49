"""The photo booth screen: mirrored live preview with a face guide, countdown and review."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from terminal.theme import Theme

from . import texts as T
from .photo import BoothState, PhotoBooth
from .texts import Text
from .widgets import BigButton, bilingual_label

PREVIEW_HEIGHT = 600


class PhotoView(QWidget):
    """Shows a :class:`PhotoBooth`; rebuilt text on state changes, pixmap on every frame."""

    def __init__(self, booth: PhotoBooth, theme: Theme, lang: str) -> None:
        super().__init__()
        self.booth = booth
        self.theme = theme
        self.lang = lang
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(theme.px(PREVIEW_HEIGHT) // 2)
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(theme.px(40), theme.px(16), theme.px(40), theme.px(16))
        self._dynamic: list[QWidget] = []
        self._actions = QHBoxLayout()
        self._box.addWidget(bilingual_label(T.PHOTO_TITLE, lang, theme, 44, bold=True))
        self._hint_slot = QVBoxLayout()
        self._box.addLayout(self._hint_slot)
        self._box.addWidget(self.preview, 1)
        self._box.addLayout(self._actions)
        booth.changed.connect(self.refresh)
        booth.preview.connect(self.show_frame)
        self.refresh()

    def _hint(self) -> tuple[Text, str]:
        p = self.theme.palette
        state = self.booth.state
        if state is BoothState.COUNTDOWN:
            return Text(str(self.booth.remaining), str(self.booth.remaining)), p.accent
        if state is BoothState.PROCESSING:
            return T.PHOTO_PROCESSING, p.muted
        if state is BoothState.SAVING:
            return T.PHOTO_SAVING, p.muted
        if state is BoothState.REJECTED:
            return T.PHOTO_FAILED, p.alarm
        if state is BoothState.CAMERA_DOWN:
            return T.PHOTO_CAMERA_DOWN, p.alarm
        if state is BoothState.UPLOAD_FAILED:
            return T.SERVER_ERROR, p.alarm
        if state is BoothState.REVIEW:
            return T.PHOTO_USE, p.text
        hint = T.FRAMING[self.booth.framing.value]
        return hint, p.ok if self.booth.framing.value == "good" else p.highlight

    def refresh(self) -> None:
        """Rebuild the hint and the buttons for the booth's state."""
        for widget in self._dynamic:
            widget.hide()
            widget.deleteLater()
        self._dynamic = []
        theme, lang, booth = self.theme, self.lang, self.booth
        text, colour = self._hint()
        size = 120 if booth.state is BoothState.COUNTDOWN else 44
        hint = bilingual_label(text, lang, theme, size, bold=True, colour=colour)
        hint.setObjectName("hint")
        self._hint_slot.addWidget(hint)
        hint.show()
        self._dynamic.append(hint)
        buttons: list[QWidget] = []
        if booth.state in (BoothState.PREVIEW, BoothState.REJECTED):
            buttons.append(
                BigButton(
                    T.PHOTO_SHOOT, lang, theme, booth.shoot, size=44, primary=True, name="shoot"
                )
            )
        if booth.state in (BoothState.REVIEW, BoothState.UPLOAD_FAILED):
            buttons.append(
                BigButton(T.PHOTO_RETAKE, lang, theme, booth.retake, size=44, name="retake")
            )
            buttons.append(
                BigButton(T.PHOTO_USE, lang, theme, booth.use, size=44, primary=True, name="use")
            )
        for button in buttons:
            self._actions.addWidget(button)
            button.show()
            self._dynamic.append(button)
        if booth.state is BoothState.REVIEW and booth.photo is not None:
            self.preview.setPixmap(
                QPixmap.fromImage(booth.photo).scaledToHeight(
                    self.theme.px(PREVIEW_HEIGHT), Qt.TransformationMode.SmoothTransformation
                )
            )

    def show_frame(self, image: QImage) -> None:
        """A live frame with the oval face guide drawn over it."""
        pixmap = QPixmap.fromImage(image).scaledToHeight(
            self.theme.px(PREVIEW_HEIGHT), Qt.TransformationMode.FastTransformation
        )
        painter = QPainter(pixmap)
        good = self.booth.framing.value == "good"
        pen = QPen(QColor(self.theme.palette.ok if good else "#ffffff"))
        pen.setWidth(6)
        pen.setStyle(Qt.PenStyle.SolidLine if good else Qt.PenStyle.DashLine)
        painter.setPen(pen)
        w, h = pixmap.width(), pixmap.height()
        painter.drawEllipse(QRectF(w * 0.33, h * 0.12, w * 0.34, h * 0.56))
        painter.end()
        self.preview.setPixmap(pixmap)
