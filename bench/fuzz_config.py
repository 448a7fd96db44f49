"""Coverage-guided fuzzing (atheris) of the hall config loader: any input must either load or
fail with one ConfigError naming the file — never another exception, never a hang.

Seeds: every hall config in assets/halls/ and tests/hallserver/config_cases/. A crash is
written as crash-<sha1> in the working folder: keep it in tests/hallserver/config_cases/.
libFuzzer's last line gives the figures: "Done N runs in S second(s)".
Usage: .venv/bin/python bench/fuzz_config.py [-runs=1000000] [-max_total_time=S]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    from hallserver.config import ConfigError, parse_config

NAME = Path("/etc/hallq/hall.toml")


def one_input(data: bytes) -> None:
    try:
        parse_config(data.decode("utf-8", errors="replace"), NAME)
    except ConfigError as e:
        if not str(e).startswith(f"{NAME}: ") or "\n" in str(e):
            raise AssertionError(f"a message that does not name the file in one line: {e}") from e


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="hallq-fuzz-config-"))
    for seed in [*ROOT.glob("assets/halls/*.toml"), *ROOT.glob("tests/hallserver/config_cases/*")]:
        shutil.copy(seed, corpus / seed.name)
    atheris.Setup([sys.argv[0], *sys.argv[1:], str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
