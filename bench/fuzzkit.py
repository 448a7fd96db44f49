"""Shared by the codec fuzzers: a seed corpus, a dictionary and libFuzzer's arguments.

The fuzzers run under atheris (libFuzzer for Python).  Each starts from a few valid
inputs that the codec's own encoder makes (so the fuzzer mutates real frames instead of
guessing a preamble and a checksum) and keeps what it learns in ``var/fuzz/NAME/``.
libFuzzer's own options pass through: ``-runs=1000000``, ``-max_total_time=S``,
``-max_len=N``, a corpus directory of your own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]


def run(
    name: str,
    test_one_input: Callable[[bytes], None],
    *,
    seeds: list[bytes],
    words: tuple[bytes, ...] = (),
    max_len: int = 4096,
) -> None:
    """Fuzz ``test_one_input`` from ``seeds`` until libFuzzer's limits stop it."""
    corpus = ROOT / "var" / "fuzz" / name
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds):
        (corpus / f"seed-{number}").write_bytes(seed)
    args = list(sys.argv)
    if not any(arg.startswith("-max_len=") for arg in args):
        args.append(f"-max_len={max_len}")
    if words:
        dictionary = corpus.parent / f"{name}.dict"
        escaped = ("".join("\\x" + format(byte, "02x") for byte in word) for word in words)
        dictionary.write_text("".join(f'"{word}"\n' for word in escaped))
        args.append(f"-dict={dictionary}")
    if not any(not arg.startswith("-") for arg in args[1:]):
        args.append(str(corpus))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()
