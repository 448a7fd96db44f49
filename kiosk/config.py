"""The kiosk's own settings from the terminal config file: ``[kiosk]`` and ``[devices]``.

```toml
[kiosk]
idle_timeout_s = 60
elder_idle_timeout_s = 150
photo_matters = ["居民身份证换领", "社会保障卡申领"]   # [] turns 自助拍照 off

[devices]              # each optional; "sim" for a simulator; absent = this kiosk has none
id_reader = "/dev/ttyUSB0"
scanner = "serial:/dev/ttyACM0?baudrate=9600"   # or a camera: "0", "/dev/video2"
printer = "usb:0416:5011"
camera = "0"
```
With ``--sim`` every device not named is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from terminal.app import TerminalConfigError

from .flow import KioskSettings

# Matters whose documents carry a photo (证件): the kiosk offers 自助拍照 for them.
DEFAULT_PHOTO_MATTERS = frozenset(
    {
        "居民身份证换领",
        "临时居民身份证办理",
        "居住证办理",
        "出入境证件办理",
        "社会保障卡申领",
        "残疾人证办理",
        "老年优待证办理",
        "网约车驾驶员证",
    }
)
DEVICE_KINDS = ("id_reader", "scanner", "printer", "camera")
_KIOSK_KEYS = {"idle_timeout_s", "elder_idle_timeout_s", "photo_matters"}


@dataclass(frozen=True)
class KioskConfig:
    """Settings for the flow and the device specs to open."""

    settings: KioskSettings
    devices: dict[str, str]


def kiosk_config(sections: dict[str, Any], *, sim: bool) -> KioskConfig:
    """Read ``[kiosk]`` and ``[devices]``; unknown keys are errors naming the key."""
    kiosk = dict(sections.get("kiosk", {}))
    unknown = set(kiosk) - _KIOSK_KEYS
    if unknown:
        raise TerminalConfigError(f"[kiosk]: unknown key {sorted(unknown)[0]!r}")
    options: dict[str, Any] = {"photo_matters": DEFAULT_PHOTO_MATTERS}
    for key in ("idle_timeout_s", "elder_idle_timeout_s"):
        if key in kiosk:
            value = kiosk[key]
            if not isinstance(value, int | float) or value <= 0:
                raise TerminalConfigError(f"[kiosk]: {key} must be a positive number")
            options[key] = float(value)
    if "photo_matters" in kiosk:
        matters = kiosk["photo_matters"]
        if not isinstance(matters, list) or not all(isinstance(m, str) for m in matters):
            raise TerminalConfigError("[kiosk]: photo_matters must be a list of matter names")
        options["photo_matters"] = frozenset(matters)
    devices = dict(sections.get("devices", {}))
    for key, value in devices.items():
        if key not in DEVICE_KINDS:
            raise TerminalConfigError(f"[devices]: unknown key {key!r}")
        if not isinstance(value, str):
            raise TerminalConfigError(f"[devices]: {key} must be a string")
    if sim:
        for kind in DEVICE_KINDS:
            devices.setdefault(kind, "sim")
    return KioskConfig(KioskSettings(**options), devices)
