"""Cameras: live preview frames, face framing guidance and ID photos.

Build a source with :func:`devices.config.open_camera` (``"sim"``, ``"0"``,
``"/dev/video0"``, an image or a video file).
"""

from .face import FaceBox, FaceDetector, Framing, framing_hint
from .photo import PhotoRejected, PhotoSize, encode_jpeg, make_id_photo, save_id_photo
from .sim import SimCamera
from .source import Camera, ImageFileCamera, LiveCamera, VideoFileCamera, open_camera_source

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
    "open_camera_source",
    "save_id_photo",
]
