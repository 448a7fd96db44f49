"""Cameras: live preview frames, face framing guidance and ID photos.

Build one with :func:`devices.urls.open_camera` (``"sim"``, ``"0"``, ``"/dev/video0"``,
an image or a video file).  Cameras speak no byte protocol, so this kind has no codec.
"""

from .driver import ImageFileCamera, LiveCamera, VideoFileCamera
from .face import FaceBox, FaceDetector, Framing, framing_hint
from .interface import Camera
from .photo import PhotoRejected, PhotoSize, encode_jpeg, make_id_photo, save_id_photo
from .sim import SimCamera

__all__ = [
    "Camera",
    "FaceBox",
    "FaceDetector",
    "Framing",
    "ImageFileCamera",
    "LiveCamera",
    "PhotoRejected",
    "PhotoSize",
    "SimCamera",
    "VideoFileCamera",
    "encode_jpeg",
    "framing_hint",
    "make_id_photo",
    "save_id_photo",
]
