"""Spoken calls: "请 A012 号到 3 号窗口办理", chime first, twice, queued so nothing overlaps.

Two ways to speak, both offline:
- a Qt TextToSpeech engine when one works on the machine (tests: the "mock" engine), the chime
  played through QtMultimedia before the speech;
- otherwise the pre-rendered clips of assets/sounds (render_sounds.sh): the chime, the phrases,
  the letters and digits are joined sample by sample into one WAV per announcement and played
  with QMediaPlayer, so there are no gaps between clips and one announcement is one sound.

Announcements play strictly one after another. A watchdog moves on when a backend never reports
the end (a TTS engine stuck in "speaking" with no audio device), so the queue cannot stall.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import wave
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QLocale,
    QObject,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtTextToSpeech import QTextToSpeech

from .assets import asset_path
from .formatting import DIGITS_ZH, spoken_ticket, window_number

log = logging.getLogger("hallq.voice")

GAP_BETWEEN_REPEATS_S = 0.8
MAX_PENDING = 100  # ~15 minutes of calls; older ones are dropped (and logged) past that
WATCHDOG_MARGIN_MS = 5000


class VoiceError(Exception):
    """The voice cannot work at all (no TTS engine and the clips are missing)."""


@dataclass(frozen=True)
class QuietHours:
    """A daily span with no voice (e.g. 12:00–13:30 lunch), possibly across midnight."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "HH:MM-HH:MM"."""
        try:
            a, b = text.split("-")
            return cls(dt.time.fromisoformat(a.strip()), dt.time.fromisoformat(b.strip()))
        except ValueError:
            raise ValueError(f"quiet hours must look like 12:00-13:30, not {text!r}") from None

    def contains(self, t: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


@dataclass(frozen=True)
class VoiceConfig:
    """How the hall sounds: engine ("auto", "clips" or a Qt TTS engine name), volume 0..1, rate
    -1..1 (0 normal), times each call is said, quiet hours."""

    engine: str = "auto"
    volume: float = 1.0
    rate: float = 0.0
    repeat: int = 2
    quiet_hours: tuple[QuietHours, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError("volume must be between 0 and 1")
        if not -1.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between -1 and 1")
        if self.repeat < 1:
            raise ValueError("repeat must be at least 1")


# ----- what is said ----------------------------------------------------------------------------
def _number_words(n: int) -> list[str]:
    """Clip names reading 1..999 as a Chinese number: 10 十, 11 十一, 21 二十一, 105 一百零五."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds:
        words += [f"digit_{hundreds}", "hundred"]
        if rest and tens == 0:
            words.append("digit_0")
    if tens:
        if tens > 1 or hundreds:
            words.append(f"digit_{tens}")
        words.append("ten")
    if units or not words:
        words.append(f"digit_{units}")
    return words


def _char_clip(ch: str) -> str | None:
    if ch.isdigit():
        return f"digit_{ch}"
    if ch.isascii() and ch.isalpha():
        return f"letter_{ch.upper()}"
    return None


def call_clips(number: str, window_name: str) -> list[str | float]:
    """The clip names of one "请 A012 号到 3 号窗口办理" (ticket read character by character)."""
    ticket = [c for c in (_char_clip(ch) for ch in number) if c]
    win = window_number(window_name)
    if win.isdigit() and 0 < int(win) < 1000:
        place = _number_words(int(win))
    else:
        place = [c for c in (_char_clip(ch) for ch in win) if c]
    return ["qing", *ticket, "hao_dao", *place, "hao_chuangkou_banli"]


def ticket_clips(number: str, ahead: int) -> list[str | float]:
    """The clip names of the kiosk's "您的号码是 A012，前面还有 3 人，请留意叫号"."""
    ticket = [c for c in (_char_clip(ch) for ch in number) if c]
    count = _number_words(ahead) if 0 <= ahead < 1000 else [f"digit_{d}" for d in str(ahead)]
    return ["nin_de_haoma_shi", *ticket, 0.3, "qianmian_haiyou", *count,
            "ren_qing_liuyi_jiaohao"]  # fmt: skip


def _zh_number(n: int) -> str:
    names = {"ten": "十", "hundred": "百"}
    return "".join(
        names.get(w) or DIGITS_ZH[int(w.removeprefix("digit_"))] for w in _number_words(n)
    )


def call_text(number: str, window_name: str) -> str:
    """The sentence a TTS engine says: digits as 零一二 so no engine reads "012" as twelve."""
    ticket = spoken_ticket(number)
    win = window_number(window_name)
    place = _zh_number(int(win)) if win.isdigit() and 0 < int(win) < 1000 else win
    return f"请 {ticket} 号到 {place} 号窗口办理"


# Calls are for the whole hall: a chime for attention, then said `repeat` times.
HALL_WIDE = ("call", "recall")


@dataclass
class Announcement:
    """One thing to say: the text (for TTS), its clips (offline), what it is about."""

    kind: str  # "call", "recall", "ticket" or "say"
    text: str
    clips: list[str | float]
    key: tuple[str, ...]


# ----- the clip library ------------------------------------------------------------------------
class ClipLibrary:
    """The pre-rendered WAV clips, loaded once, joined into one announcement WAV."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._frames: dict[str, bytes] = {}
        self.params: tuple[int, int, int] | None = None  # channels, sample width, rate
        for path in sorted(folder.glob("*.wav")):
            with wave.open(str(path), "rb") as w:
                params = (w.getnchannels(), w.getsampwidth(), w.getframerate())
                if self.params is None:
                    self.params = params
                elif params != self.params:
                    raise VoiceError(f"{path.name}: {params} differs from the other clips")
                self._frames[path.stem] = w.readframes(w.getnframes())
        if "chime" not in self._frames:
            raise VoiceError(f"no voice clips in {folder} (run assets/sounds/render_sounds.sh)")

    def has(self, name: str) -> bool:
        return name in self._frames

    def silence(self, seconds: float) -> bytes:
        assert self.params is not None
        channels, width, rate = self.params
        return b"\0" * (int(rate * seconds) * channels * width)

    def compose(self, parts: Iterable[str | float]) -> bytes:
        """A WAV file of the named clips in order; a float is a pause in seconds."""
        assert self.params is not None
        channels, width, rate = self.params
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(width)
            w.setframerate(rate)
            for part in parts:
                if isinstance(part, float):
                    w.writeframes(self.silence(part))
                elif part in self._frames:
                    w.writeframes(self._frames[part])
                else:
                    log.warning("no clip for %r: skipped", part)
        return out.getvalue()

    def announcement(self, clips: list[str | float], repeat: int) -> bytes:
        """Chime, then the clips `repeat` times with a pause between: one WAV."""
        parts: list[str | float] = ["chime"]
        for i in range(repeat):
            if i:
                parts.append(GAP_BETWEEN_REPEATS_S)
            parts.extend(clips)
        return self.compose(parts)

    def duration_s(self, wav_bytes: bytes) -> float:
        with wave.open(io.BytesIO(wav_bytes), "rb") as w:
            return w.getnframes() / w.getframerate()


# ----- the announcer ---------------------------------------------------------------------------
class Announcer(QObject):
    """Queued announcements that never overlap: `announce_call(number, window_name)`, `say(text)`.

    `voice_started` fires when sound actually begins (the chime), `finished` when an
    announcement is over, whether it ended normally or by the watchdog.
    """

    voice_started = Signal(object)  # Announcement
    finished = Signal(object)  # Announcement

    def __init__(
        self,
        config: VoiceConfig | None = None,
        *,
        sounds_dir: Path | None = None,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config or VoiceConfig()
        self._clock = clock
        self._queue: deque[Announcement] = deque()
        self.current: Announcement | None = None
        self.dropped = 0
        self.clips = ClipLibrary(sounds_dir or asset_path("sounds"))
        self._player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self._output.setVolume(self.config.volume)
        self._player.setAudioOutput(self._output)
        self._player.setPlaybackRate(1.0 + 0.5 * self.config.rate)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._player.errorOccurred.connect(self._on_media_error)
        self._player.playingChanged.connect(self._on_playing)
        self._buffer: QBuffer | None = None
        self._steps: deque[tuple[str, str | bytes]] = deque()
        self._sounding = False
        # The step now playing: completions of an earlier step (late signals) are ignored.
        self._step_id = 0
        self._step_kind = ""
        self._saw_speaking = False
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self.tts = self._open_engine(self.config.engine)
        app = QCoreApplication.instance()
        if app is not None:
            # The media backend's threads must not outlive a player torn down mid-sound.
            app.aboutToQuit.connect(self.clear)

    @property
    def backend(self) -> str:
        """ "tts:<engine>" or "clips"."""
        return f"tts:{self.tts.engine()}" if self.tts is not None else "clips"

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def busy(self) -> bool:
        return self.current is not None

    def _open_engine(self, engine: str) -> QTextToSpeech | None:
        if engine == "clips":
            return None
        if engine == "auto":
            # "mock" is Qt's test engine: never chosen unless asked for by name.
            names = [e for e in QTextToSpeech.availableEngines() if e != "mock"]
        else:
            names = [engine]
        for name in names:
            tts = QTextToSpeech(name, self)
            if tts.state() == QTextToSpeech.State.Error:
                log.info("TTS engine %s unusable (%s)", name, tts.errorString())
                tts.deleteLater()
                continue
            zh = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
            if zh in tts.availableLocales():
                tts.setLocale(zh)
            tts.setVolume(self.config.volume)
            tts.setRate(self.config.rate)
            tts.stateChanged.connect(self._on_tts_state)
            return tts
        if engine not in ("auto", "clips"):
            log.warning("TTS engine %s unusable: using the recorded clips", engine)
        return None

    # ----- queueing ----------------------------------------------------------------------------
    def in_quiet_hours(self) -> bool:
        now = self._clock().time()
        return any(q.contains(now) for q in self.config.quiet_hours)

    def announce_call(self, number: str, window_name: str, *, recall: bool = False) -> bool:
        """Queue "请 <number> 号到 <window> 号窗口办理" (said `repeat` times after the chime).

        False when nothing was queued: quiet hours, or the same call is already waiting.
        """
        kind = "recall" if recall else "call"
        return self._enqueue(
            Announcement(
                kind,
                call_text(number, window_name),
                call_clips(number, window_name),
                (kind, number, window_number(window_name)),
            )
        )

    def announce_ticket(self, number: str, ahead: int, text: str) -> bool:
        """Queue the kiosk's "your number is …, … people ahead": `text` for a TTS engine (in
        the kiosk's language), the Chinese clips otherwise; said once."""
        return self._enqueue(
            Announcement("ticket", text, ticket_clips(number, ahead), ("ticket", number))
        )

    def say(self, text: str) -> bool:
        """Queue free text (TTS engines only: the clips cannot say arbitrary text)."""
        if self.tts is None:
            log.warning("no TTS engine: cannot say free text")
            return False
        return self._enqueue(Announcement("say", text, [], ("say", text)))

    def clear(self) -> None:
        """Drop what is queued and stop what is playing."""
        self._queue.clear()
        self._steps.clear()
        if self.current is not None:
            self._player.stop()
            if self.tts is not None:
                self.tts.stop()
            self._end_current()

    def _enqueue(self, item: Announcement) -> bool:
        if self.in_quiet_hours():
            return False
        if any(q.key == item.key for q in self._queue):
            return False
        if len(self._queue) >= MAX_PENDING:
            old = self._queue.popleft()
            self.dropped += 1
            log.warning("voice queue full: dropped %s", old.key)
        self._queue.append(item)
        if self.current is None:
            self._next()
        return True

    # ----- playing -----------------------------------------------------------------------------
    def compose_call(self, item: Announcement) -> bytes:
        """The whole announcement as one WAV: for a call the chime, then the call `repeat`
        times; words for the person at a kiosk plainly, once."""
        if item.kind in HALL_WIDE:
            return self.clips.announcement(item.clips, self.config.repeat)
        return self.clips.compose(item.clips)

    def _next(self) -> None:
        if not self._queue:
            return
        item = self._queue.popleft()
        self.current = item
        self._sounding = False
        if self.tts is None:
            self._steps = deque([("wav", self.compose_call(item))])
        else:
            if item.kind in HALL_WIDE:
                chime = [("wav", self.clips.compose(["chime"]))]
                self._steps = deque([*chime, *([("speech", item.text)] * self.config.repeat)])
            else:
                self._steps = deque([("speech", item.text)])
        self._step()

    def _step(self) -> None:
        self._step_id += 1
        if not self._steps:
            self._step_kind = ""
            self._end_current()
            return
        what, payload = self._steps.popleft()
        self._step_kind = what
        if what == "wav":
            assert isinstance(payload, bytes)
            self._play_wav(payload)
            budget_s = self.clips.duration_s(payload) / max(0.5, self._player.playbackRate())
        else:
            assert isinstance(payload, str) and self.tts is not None
            self._saw_speaking = False
            self.tts.say(payload)
            budget_s = 0.4 * len(payload) / max(0.5, 1.0 + self.config.rate)
        self._watchdog.start(int(budget_s * 1000) + WATCHDOG_MARGIN_MS)

    def _step_done(self, kind: str) -> None:
        """The current step (if it is of `kind`) ended: go on after this signal returns."""
        if self.current is None or self._step_kind != kind:
            return
        self._watchdog.stop()
        self._step_kind = ""
        step = self._step_id
        QTimer.singleShot(0, self, lambda: self._step() if step == self._step_id else None)

    def _play_wav(self, data: bytes) -> None:
        old = self._buffer
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self._player.setSourceDevice(buffer, QUrl("announcement.wav"))
        self._player.play()
        if old is not None:
            old.close()
            old.deleteLater()

    def _mark_sounding(self) -> None:
        if self.current is not None and not self._sounding:
            self._sounding = True
            self.voice_started.emit(self.current)

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self._mark_sounding()

    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            self._step_done("wav")

    def _on_media_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        log.warning("sound playback failed: %s", message)
        self._step_done("wav")

    def _on_tts_state(self, state: QTextToSpeech.State) -> None:
        if self._step_kind != "speech":
            return
        if state == QTextToSpeech.State.Speaking:
            self._saw_speaking = True
            self._mark_sounding()
        elif state == QTextToSpeech.State.Error:
            log.warning("TTS failed: %s", self.tts.errorString() if self.tts else "")
            self._step_done("speech")
        elif state == QTextToSpeech.State.Ready and self._saw_speaking:
            self._step_done("speech")

    def _on_watchdog(self) -> None:
        log.warning("announcement %s did not finish in time: moving on", self.current)
        self._step_kind = ""  # whatever stop() emits now belongs to no step
        self._player.stop()
        if self.tts is not None:
            self.tts.stop()
        self._step()

    def _end_current(self) -> None:
        self._watchdog.stop()
        item, self.current = self.current, None
        if item is not None:
            self.finished.emit(item)
        self._next()
