"""Coverage-guided fuzzing (atheris) of the hall config loader: any input must either load or
fail with one ConfigError naming the file — never another exception, never a hang.

Seeds: every hall config in assets/halls/ and tests/hallserver/config_cases/. A crash is
written as crash-<sha1> in the working folder: keep it in tests/hallserver/config_cases/.
Usage: .venv/bin/python bench/fuzz_config.py [-runs=1000000] [-max_total_time=S] [corpus/]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    from hallserver.config import ConfigError, parse_config

NAME = Path("/etc/hallq/hall.toml")
runs = 0


def one_input(data: bytes) -> None:
    global runs
    runs += 1
    try:
        parse_config(data.decode("utf-8", errors="replace"), NAME)
    except ConfigError as e:
        if not str(e).startswith(f"{NAME}: ") or "\n" in str(e):
            raise AssertionError(f"a message that does not name the file in one line: {e}") from e


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="hallq-fuzz-config-"))
    for seed in [*ROOT.glob("assets/halls/*.toml"), *ROOT.glob("tests/hallserver/config_cases/*")]:
        shutil.copy(seed, corpus / seed.name)
    args = [sys.argv[0], *sys.argv[1:], str(corpus)]
    started = time.monotonic()
    atheris.Setup(args, one_input)
    try:
        atheris.Fuzz()
    finally:
        took = time.monotonic() - started
        print(f"config fuzz: {runs} inputs in {took:.0f} s = {runs / took:.0f} exec/s", flush=True)


if __name__ == "__main__":
    main()
