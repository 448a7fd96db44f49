"""Optional decoding of the WLT-compressed card photo.

The WLT format needs the reader vendor's licensed library; the project does not ship
one.  A hall that has it installs a plug-in: any callable taking the 1024 WLT bytes and
returning an image file (BMP, PNG or JPEG bytes), named in config as ``module:function``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..errors import CardReadError, DeviceError
from .card import IdCard

PhotoDecoder = Callable[[bytes], bytes]


def load_photo_decoder(spec: str) -> PhotoDecoder:
    """Import ``module:function`` and return it as the photo decoder."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise DeviceError(f"photo decoder must be given as module:function, not {spec!r}")
    try:
        decoder = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise DeviceError(f"cannot load photo decoder {spec}: {exc}") from exc
    if not callable(decoder):
        raise DeviceError(f"photo decoder {spec} is not callable")
    return decoder


def decode_photo(card: IdCard, decoder: PhotoDecoder | None) -> bytes | None:
    """The card photo as an image file, or None when no decoder is installed."""
    if decoder is None or not card.photo_wlt:
        return None
    try:
        image = decoder(card.photo_wlt)
    except Exception as exc:  # a vendor library can fail in any way; the read still counts
        raise CardReadError(f"photo decoder failed: {type(exc).__name__}") from exc
    if not isinstance(image, bytes | bytearray) or not image:
        raise CardReadError("photo decoder returned no image bytes")
    return bytes(image)
