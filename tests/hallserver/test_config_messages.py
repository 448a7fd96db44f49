"""Config mistakes that used to pass or mislead: each fails the check naming file, key and
value; inputs the fuzzer (bench/fuzz_config.py) found are kept in config_cases/."""

from __future__ import annotations

from pathlib import Path

import pytest

from hallserver.config import ConfigError, parse_config
from tests.support.server import SAMPLE

TEXT = SAMPLE.read_text(encoding="utf-8")
CASES = Path(__file__).with_name("config_cases")


def _refused(text: str) -> str:
    with pytest.raises(ConfigError) as e:
        parse_config(text, Path("/etc/hallq/hall.toml"))
    message = str(e.value)
    assert message.startswith("/etc/hallq/hall.toml: ") and "\n" not in message
    return message


def test_a_service_no_window_serves() -> None:
    text = TEXT + '\n[[services]]\ncode = "Z"\nname = "无人办理"\n'
    assert "services[12]: service 'Z' is served by no window" in _refused(text)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("handling_s = 900", "handling_s = -5", "services[0].handling_s: -5 must be a positive"),
        ("handling_s = 900", "handling_s = 0", "services[0].handling_s: 0 must be a positive"),
        (
            'code = "B"',
            'code = "A"',
            "services[1].code: duplicate service code 'A' (also services[0])",
        ),
        ('id = "2"\n', 'id = "1"\n', "windows[1].id: duplicate window id '1' (also windows[0])"),
        ('id = "kiosk-2"', 'id = "kiosk-1"', "duplicate device id 'kiosk-1' (also devices[0])"),
    ],
)
def test_mistakes_name_the_key_and_the_duplicate(old: str, new: str, expected: str) -> None:
    assert old in TEXT
    assert expected in _refused(TEXT.replace(old, new, 1))


@pytest.mark.parametrize("case", sorted(CASES.glob("*.toml")), ids=lambda p: p.name)
def test_inputs_found_by_the_fuzzer_fail_cleanly(case: Path) -> None:
    text = case.read_bytes().decode("utf-8", errors="replace")
    try:
        parse_config(text, case)
    except ConfigError as e:
        assert str(e).startswith(f"{case}: ")


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("http://10.0.0.5:8750", "http://10.0.0.5:8750"),
        ("HTTPS://hall.example/", "https://hall.example"),
        ("http://[fd00::5]:8750", "http://[fd00::5]:8750"),
    ],
)
def test_a_phone_url_is_kept_as_scheme_host_and_port(value: str, kept: str) -> None:
    text = TEXT.replace("[hall]\n", f'[hall]\nphone_url = "{value}"\n', 1)
    assert parse_config(text, Path("hall.toml")).phone_url == kept
    assert parse_config(TEXT, Path("hall.toml")).phone_url == ""


@pytest.mark.parametrize(
    "value",
    [
        "10.0.0.5:8750",
        "ftp://10.0.0.5",
        "http://",
        "http://10.0.0.5:99999",
        "http://10.0.0.5:port",
        "http://10.0.0.5:8750/queue",
        "http://10.0.0.5:8750/?x=1",
        "http://user@10.0.0.5",
    ],
)
def test_a_phone_url_that_is_not_http_host_port_is_refused(value: str) -> None:
    text = TEXT.replace("[hall]\n", f'[hall]\nphone_url = "{value}"\n', 1)
    message = _refused(text)
    assert message.startswith(f"/etc/hallq/hall.toml: hall.phone_url: {value!r} must be http://")
