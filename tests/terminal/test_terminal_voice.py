"""The announcer: what is said, one at a time, with the mock TTS engine and with the clips."""

from __future__ import annotations

import array
import datetime as dt
import io
import math
import subprocess
import wave
from pathlib import Path

import pytest
from PySide6.QtTextToSpeech import QTextToSpeech
from pytestqt.qtbot import QtBot

from terminal.assets import asset_path
from terminal.voice import (
    Announcer,
    ClipLibrary,
    QuietHours,
    VoiceConfig,
    call_clips,
    call_text,
    ticket_clips,
)

CLIP_NAMES = [
    "chime",
    "qing",
    "hao_dao",
    "hao_chuangkou_banli",
    "nin_de_haoma_shi",
    "qianmian_haiyou",
    "ren_qing_liuyi_jiaohao",
    "ten",
    "hundred",
    *(f"digit_{d}" for d in range(10)),
    *(f"letter_{c}" for c in "ABCDEFGHJKLM"),
]


@pytest.fixture
def short_clips(tmp_path: Path) -> Path:
    """A clip set of 30 ms tones, so queue tests play in real time without taking long."""
    for i, name in enumerate(CLIP_NAMES):
        with wave.open(str(tmp_path / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(bytes([i % 200 + 20, 8]) * 480)
    return tmp_path


class Log:
    """Records started/finished in order, to check announcements never overlap."""

    def __init__(self, announcer: Announcer) -> None:
        self.entries: list[tuple[str, tuple[str, ...]]] = []
        announcer.voice_started.connect(lambda a: self.entries.append(("start", a.key)))
        announcer.finished.connect(lambda a: self.entries.append(("end", a.key)))

    def ended(self) -> int:
        return sum(1 for kind, _ in self.entries if kind == "end")


def test_the_call_is_read_character_by_character() -> None:
    assert call_clips("A012", "3号窗口") == [
        "qing",
        "letter_A",
        "digit_0",
        "digit_1",
        "digit_2",
        "hao_dao",
        "digit_3",
        "hao_chuangkou_banli",
    ]
    assert call_text("A012", "3号窗口") == "请 A 零 一 二 号到 三 号窗口办理"
    # Window numbers are numbers: 十, 十一, 二十一, 一百零五 — not 一零.
    assert call_clips("B001", "10号窗口 办不成事")[5:-1] == ["hao_dao", "ten"]
    assert call_clips("B001", "11")[5:-1] == ["hao_dao", "ten", "digit_1"]
    assert call_clips("B001", "21")[5:-1] == ["hao_dao", "digit_2", "ten", "digit_1"]
    assert call_text("B001", "105") == "请 B 零 零 一 号到 一百零五 号窗口办理"
    assert call_text("C1000", "7号窗口 司法公证") == "请 C 一 零 零 零 号到 七 号窗口办理"


def test_mock_engine_says_each_call_twice_after_the_chime_one_at_a_time(
    qtbot: QtBot, short_clips: Path
) -> None:
    announcer = Announcer(VoiceConfig(engine="mock"), sounds_dir=short_clips)
    assert announcer.backend == "tts:mock"
    assert announcer.tts is not None
    spoken: list[QTextToSpeech.State] = []
    announcer.tts.stateChanged.connect(spoken.append)
    log = Log(announcer)

    assert announcer.announce_call("A012", "3号窗口")
    assert announcer.announce_call("B007", "5号窗口")
    assert announcer.announce_call("A012", "3号窗口", recall=True)
    assert not announcer.announce_call("B007", "5号窗口")  # already queued: said once
    qtbot.waitUntil(lambda: log.ended() == 3, timeout=20000)

    assert log.entries == [
        ("start", ("call", "A012", "3")),
        ("end", ("call", "A012", "3")),
        ("start", ("call", "B007", "5")),
        ("end", ("call", "B007", "5")),
        ("start", ("recall", "A012", "3")),
        ("end", ("recall", "A012", "3")),
    ]
    assert spoken.count(QTextToSpeech.State.Speaking) == 6  # twice per announcement
    assert not announcer.busy and announcer.pending == 0


def test_clips_play_in_order_and_nothing_is_lost(qtbot: QtBot, short_clips: Path) -> None:
    announcer = Announcer(VoiceConfig(engine="clips"), sounds_dir=short_clips)
    assert announcer.backend == "clips"
    log = Log(announcer)
    numbers = [f"A{n:03d}" for n in range(1, 6)]
    for i, number in enumerate(numbers):
        announcer.announce_call(number, str(i + 1))
    assert announcer.busy and announcer.pending == 4
    qtbot.waitUntil(lambda: log.ended() == 5, timeout=30000)
    starts = [key[1] for kind, key in log.entries if kind == "start"]
    assert starts == numbers
    kinds = [kind for kind, _ in log.entries]
    assert kinds == ["start", "end"] * 5  # never two at once


def test_the_kiosk_ticket_is_spoken_from_the_clips_once(qtbot: QtBot, short_clips: Path) -> None:
    assert ticket_clips("F001", 12) == [
        "nin_de_haoma_shi", "letter_F", "digit_0", "digit_0", "digit_1", 0.3,
        "qianmian_haiyou", "ten", "digit_2", "ren_qing_liuyi_jiaohao",
    ]  # fmt: skip
    announcer = Announcer(VoiceConfig(engine="clips", repeat=2), sounds_dir=short_clips)
    item = ticket_clips("F001", 0)
    with qtbot.waitSignal(announcer.finished, timeout=10000) as done:
        assert announcer.announce_ticket("F001", 0, "您的号码是 F 0 0 1")
    assert done.args[0].key == ("ticket", "F001")
    # Words for the person at the kiosk: no chime, not repeated.
    assert announcer.compose_call(done.args[0]) == announcer.clips.compose(item)


def test_free_text_needs_a_tts_engine(short_clips: Path) -> None:
    assert not Announcer(VoiceConfig(engine="clips"), sounds_dir=short_clips).say("请注意")


def test_quiet_hours_silence_calls(qtbot: QtBot, short_clips: Path) -> None:
    now = dt.datetime(2026, 11, 23, 12, 30)
    config = VoiceConfig(engine="clips", quiet_hours=(QuietHours.parse("12:00-13:30"),))
    announcer = Announcer(config, sounds_dir=short_clips, clock=lambda: now)
    assert not announcer.announce_call("A001", "1") and not announcer.busy
    now = dt.datetime(2026, 11, 23, 13, 30)
    assert announcer.announce_call("A001", "1")
    night = QuietHours.parse("22:00-07:00")
    assert night.contains(dt.time(23, 0)) and night.contains(dt.time(6, 59))
    assert not night.contains(dt.time(12, 0))
    with pytest.raises(ValueError):
        QuietHours.parse("noon")


def test_clear_stops_and_empties_the_queue(qtbot: QtBot, short_clips: Path) -> None:
    announcer = Announcer(VoiceConfig(engine="clips"), sounds_dir=short_clips)
    for n in range(3):
        announcer.announce_call(f"D00{n}", "4")
    with qtbot.waitSignal(announcer.finished, timeout=5000):
        announcer.clear()
    assert not announcer.busy and announcer.pending == 0


def test_the_recorded_announcement_is_a_real_sound(tmp_path: Path) -> None:
    """The bundled clips make one WAV of ~8–14 s that is loud enough, checked by sox too."""
    clips = ClipLibrary(asset_path("sounds"))
    wav_bytes = clips.announcement(call_clips("A012", "3"), repeat=2)
    path = tmp_path / "announcement.wav"
    path.write_bytes(wav_bytes)
    with wave.open(io.BytesIO(wav_bytes), "rb") as w:
        frames = w.readframes(w.getnframes())
        duration = w.getnframes() / w.getframerate()
        samples = array.array("h", frames)
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    assert 6.0 < duration < 15.0
    assert rms > 1000  # of 32767: clearly audible, not silence
    stat = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True)
    fields = dict(line.split(":", 1) for line in stat.stderr.splitlines() if ":" in line)
    assert abs(float(fields["Length (seconds)"]) - duration) < 0.01
    assert float(fields["Maximum amplitude"]) > 0.5
