"""hallq-display: the hall's wall screen (calls, queues, voice) or the 电子监察 view.

hallq-display --server URL --token T [--supervision] [--windowed] [--config display.toml]
"""

from __future__ import annotations

import sys

import hallqlog
from terminal.app import TerminalConfigError, start_application

from .app import display_arguments, run


def main(argv: list[str] | None = None) -> int:
    hallqlog.configure()
    args = display_arguments().parse_args(argv)
    try:
        app = start_application(args)
        return run(args, app)
    except TerminalConfigError as exc:
        print(f"hallq-display: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
