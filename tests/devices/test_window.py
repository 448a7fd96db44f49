"""Caller keypads and LED window screens: byte-exact codecs and drivers against sims."""

import pytest

from devices.errors import DeviceTimeout, DeviceUnavailable, FrameError
from devices.serial_link import InProcessLink
from devices.window import (
    KeypadAction,
    KeypadDialect,
    KeypadEvent,
    Rs485Bus,
    SerialCallerKeypad,
    SimKeypads,
    SimLedScreen,
    sim_keypad,
    sim_led_screen,
)
from devices.window.codec import (
    BadKeypadFrame,
    KeypadFrame,
    KeypadFrameAssembler,
    ModbusException,
    WriteRegisters,
    check_write_response,
    crc16,
    decode_key_event,
    decode_write_registers,
    encode_exception,
    encode_keypad_frame,
    encode_write_registers,
    registers_to_text,
    text_to_registers,
    with_crc,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# --- Modbus: frames from the Modbus over Serial Line specification's examples -------------


def test_modbus_crc_matches_specification_examples() -> None:
    assert crc16(h("01 03 00 00 00 01")).to_bytes(2, "little") == h("84 0a")
    request = WriteRegisters(unit=1, address=1, values=(0x000A, 0x0102))
    assert encode_write_registers(request) == h("01 10 0001 0002 04 000a 0102 9230")
    check_write_response(h("01 10 0001 0002 1008"), request)


def test_modbus_rejects_bad_answers() -> None:
    request = WriteRegisters(1, 1, (0x000A, 0x0102))
    with pytest.raises(FrameError, match="CRC"):
        check_write_response(h("01 10 0001 0002 1009"), request)
    with pytest.raises(ModbusException, match="illegal data address"):
        check_write_response(encode_exception(1, 0x10, 2), request)
    with pytest.raises(FrameError, match="unit"):
        check_write_response(with_crc(h("02 10 0001 0002")), request)


def test_modbus_request_round_trip_and_limits() -> None:
    request = WriteRegisters(7, 0x100, tuple(range(10)))
    assert decode_write_registers(encode_write_registers(request)) == request
    with pytest.raises(ValueError):
        encode_write_registers(WriteRegisters(1, 0, ()))


def test_led_text_packs_gb2312_two_bytes_per_register() -> None:
    values = text_to_registers("A012号", 4)
    assert values == (0x4130, 0x3132, 0xBAC5, 0x2020)
    assert registers_to_text(values) == "A012号"
    with pytest.raises(ValueError):
        text_to_registers("太长的文字内容", 2)


# --- keypad frames -------------------------------------------------------------------------


def test_keypad_frames_are_byte_exact() -> None:
    assert encode_keypad_frame(KeypadFrame(1, 0x01)) == h("ff 68 02 02 68 01 01 02 16")
    assert encode_keypad_frame(KeypadFrame(3, 0x81, b"\x01")) == h("ff 68 03 03 68 03 81 01 85 16")
    other = KeypadDialect(length_counts_checksum=True, checksum_from_head=True)
    assert encode_keypad_frame(KeypadFrame(1, 0x01), other) == h("ff 68 03 03 68 01 01 d8 16")


def test_keypad_assembler_skips_noise_and_flags_bad_frames() -> None:
    good = encode_keypad_frame(KeypadFrame(3, 0x81, b"\x10\x04"))
    spoiled = good[:-2] + b"\x00\x16"
    assembler = KeypadFrameAssembler()
    items = [
        item for byte in b"\x00\xff\x13" + good + spoiled for item in assembler.feed(bytes([byte]))
    ]
    assert items[0] == KeypadFrame(3, 0x81, b"\x10\x04")
    assert isinstance(items[1], BadKeypadFrame) and items[1].reason == "checksum mismatch"
    assert decode_key_event(items[0]) == KeypadEvent(3, KeypadAction.EVALUATE, 4)


def test_unknown_keys_and_bad_ratings_are_ignored() -> None:
    assert decode_key_event(KeypadFrame(1, 0x81, b"\x7f")) is None
    assert decode_key_event(KeypadFrame(1, 0x81, b"\x10\x09")) is None
    assert decode_key_event(KeypadFrame(1, 0x80)) is None


# --- drivers against the simulators --------------------------------------------------------


def test_keypad_poll_and_display() -> None:
    keypads = SimKeypads((1, 2))
    keypad = sim_keypad(keypads, 2)
    assert keypad.poll(timeout=0.2) is None
    keypads.press(2, KeypadAction.CALL_NEXT)
    keypads.press(1, KeypadAction.RECALL)  # another window: not ours
    keypads.press(2, KeypadAction.CALL_NUMBER, "A012")
    assert keypad.poll(0.2) == KeypadEvent(2, KeypadAction.CALL_NEXT)
    assert keypad.poll(0.2) == KeypadEvent(2, KeypadAction.CALL_NUMBER, "A012")
    assert keypad.poll(0.2) is None
    keypad.show("A012 等候5人", timeout=0.2)
    assert keypads.screens[2] == "A012 等候5人"


def test_absent_keypad_times_out() -> None:
    keypad = sim_keypad(SimKeypads((1,)), address=9)
    with pytest.raises(DeviceTimeout):
        keypad.poll(timeout=0.05)


def test_led_screen_shows_text_and_reports_faults() -> None:
    screen = SimLedScreen(unit=1)
    driver = sim_led_screen(screen)
    driver.show("A012 请到3号窗口", timeout=0.2)
    assert screen.text == "A012 请到3号窗口"
    screen.busy = True
    with pytest.raises(ModbusException, match="busy"):
        driver.show("A013", timeout=0.2)
    screen.busy, screen.mute = False, True
    with pytest.raises(DeviceTimeout):
        driver.show("A013", timeout=0.05)
    screen.mute = False
    driver.show("A013", timeout=0.2)
    assert screen.text == "A013"


def test_bus_unplugged_and_back() -> None:
    keypads = SimKeypads((1,))
    links: list[InProcessLink] = []

    def open_link() -> InProcessLink:
        links.append(InProcessLink(keypads.handle))
        return links[-1]

    keypad = SerialCallerKeypad(Rs485Bus(open_link), 1)
    assert keypad.poll(0.1) is None
    links[-1].unplugged = True
    with pytest.raises(DeviceUnavailable):
        keypad.poll(0.1)
    assert keypad.poll(0.1) is None  # reopened
    assert len(links) == 2
