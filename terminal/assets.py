"""Where the bundled assets (fonts, sounds, translations) live: `assets/` at the project root."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"


def asset_path(*parts: str) -> Path:
    """A path under the project's assets folder."""
    return ASSETS.joinpath(*parts)
