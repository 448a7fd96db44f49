"""The reader driver against the simulated SAM module, in process and on a pty."""

from dataclasses import replace

import pytest

from devices.errors import CardReadError, DeviceError, DeviceTimeout, DeviceUnavailable
from devices.idcard import (
    SAMPLE_CARDS,
    PtySamServer,
    SamModuleSim,
    SerialIdCardReader,
    SimIdCardReader,
)
from devices.serial_link import serial_url_factory
from devices.urls import open_id_reader

ELDERLY = SAMPLE_CARDS["elderly"]


@pytest.fixture
def reader() -> SimIdCardReader:
    return SimIdCardReader(response_timeout=0.2, poll_interval=0.01)


def test_reads_a_card_and_returns_none_without_one(reader: SimIdCardReader) -> None:
    assert reader.read_card(timeout=0.05) is None
    reader.insert_card(ELDERLY)
    card = reader.read_card(timeout=1)
    assert card == ELDERLY
    assert card is not None and card.photo_wlt == ELDERLY.photo_wlt
    reader.remove_card()
    assert reader.read_card(timeout=0) is None


def test_recovers_from_corrupt_answers_and_garbage(reader: SimIdCardReader) -> None:
    reader.insert_card(ELDERLY)
    reader.sam.corrupt_answers = 2
    reader.sam.garbage = b"\x00\xaa\xaa\x96\xff"
    assert reader.read_card(timeout=1) == ELDERLY
    assert reader.frames_rejected == 2


def test_recovers_from_a_failed_read(reader: SimIdCardReader) -> None:
    reader.insert_card(ELDERLY)
    reader.sam.read_failures = 1
    assert reader.read_card(timeout=1) == ELDERLY


def test_gives_up_after_repeated_read_failures(reader: SimIdCardReader) -> None:
    reader.insert_card(ELDERLY)
    reader.sam.read_failures = 10
    with pytest.raises(CardReadError, match="0x41"):
        reader.read_card(timeout=1)


def test_card_with_bad_check_digit_is_a_read_error(reader: SimIdCardReader) -> None:
    reader.insert_card(replace(ELDERLY, id_number="110105194912310021"))
    with pytest.raises(CardReadError, match="GB 11643"):
        reader.read_card(timeout=1)


def test_mute_reader_times_out_within_bounds(reader: SimIdCardReader) -> None:
    reader.sam.mute = True
    with pytest.raises(DeviceTimeout):
        reader.read_card(timeout=0.1)


def test_always_corrupt_answers_become_frame_error(reader: SimIdCardReader) -> None:
    reader.sam.corrupt_answers = 1000
    with pytest.raises(DeviceError):
        reader.read_card(timeout=0.2)


def test_unplug_then_recover(reader: SimIdCardReader) -> None:
    reader.insert_card(ELDERLY)
    assert reader.read_card(timeout=1) == ELDERLY
    reader.unplug()
    with pytest.raises(DeviceUnavailable):
        reader.read_card(timeout=0.1)
    with pytest.raises(DeviceUnavailable):
        reader.read_card(timeout=0.1)
    reader.plug_in()
    assert reader.read_card(timeout=1) == ELDERLY


def test_real_driver_over_a_pty() -> None:
    with (
        PtySamServer(SamModuleSim(SAMPLE_CARDS["hk"])) as server,
        SerialIdCardReader(serial_url_factory(server.port, 115200), response_timeout=0.5) as reader,
    ):
        assert reader.read_card(timeout=2) == SAMPLE_CARDS["hk"]
        server.sam.remove_card()
        assert reader.read_card(timeout=0.05) is None
        server.unplug()
        with pytest.raises(DeviceUnavailable):
            reader.read_card(timeout=0.2)


def test_missing_port_is_unavailable() -> None:
    with pytest.raises(DeviceUnavailable, match="cannot open"):
        open_id_reader("/dev/does-not-exist-hallq").read_card(timeout=0.1)
