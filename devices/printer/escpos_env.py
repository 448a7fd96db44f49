"""Where python-escpos keeps its capability cache; imported before escpos itself.

escpos writes a capability pickle into a fresh temp dir on every import unless told where
to keep it; one fixed directory stops the litter (SETUP.md).  escpos fails on import when
the named directory does not exist, so make sure it does.
"""

import os
import tempfile
from pathlib import Path

CACHE_DIR = Path(
    os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    or Path(tempfile.gettempdir()) / f"hallq-escpos-{os.getuid()}"
)
CACHE_DIR.mkdir(parents=True, exist_ok=True)
os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(CACHE_DIR)
