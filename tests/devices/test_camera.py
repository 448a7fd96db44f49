"""Camera sources, framing guidance and ID photos against the simulated camera."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from devices.camera import (
    FaceBox,
    FaceDetector,
    Framing,
    PhotoRejected,
    PhotoSize,
    SimCamera,
    framing_hint,
    make_id_photo,
    save_id_photo,
)
from devices.errors import DeviceTimeout, DeviceUnavailable, EndOfStream
from devices.urls import open_camera


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def test_sim_camera_face_is_detected_and_well_framed(detector: FaceDetector) -> None:
    frame = SimCamera().read_frame(timeout=1)
    assert frame.shape == (480, 640, 3)
    faces = detector.detect(frame)
    assert len(faces) == 1
    assert framing_hint((640, 480), faces) is Framing.GOOD


def test_moved_person_gets_directions(detector: FaceDetector) -> None:
    camera = SimCamera()
    camera.show_person(cx=200)
    assert framing_hint((640, 480), detector.detect(camera.read_frame(1))) is (
        Framing.FACE_TOO_LEFT
    )
    camera.show_empty()
    assert framing_hint((640, 480), detector.detect(camera.read_frame(1))) is Framing.NO_FACE


@pytest.mark.parametrize(
    ("faces", "hint"),
    [
        ([FaceBox(300, 200, 60, 60)], Framing.COME_CLOSER),
        ([FaceBox(100, 50, 400, 400)], Framing.MOVE_BACK),
        ([FaceBox(400, 150, 180, 180)], Framing.FACE_TOO_RIGHT),
        ([FaceBox(230, 0, 180, 180)], Framing.FACE_TOO_HIGH),
        ([FaceBox(230, 260, 180, 180)], Framing.FACE_TOO_LOW),
        ([FaceBox(230, 150, 180, 180), FaceBox(10, 10, 150, 150)], Framing.SEVERAL_FACES),
        ([FaceBox(230, 150, 180, 180), FaceBox(10, 10, 40, 40)], Framing.GOOD),
    ],
)
def test_framing_rules(faces: list[FaceBox], hint: Framing) -> None:
    assert framing_hint((640, 480), faces) is hint


@pytest.mark.parametrize("size", list(PhotoSize))
def test_id_photo_sizes_and_light_background(
    size: PhotoSize, detector: FaceDetector, tmp_path: Path
) -> None:
    photo = make_id_photo(SimCamera().read_frame(1), size, detector=detector)
    width, height = size.pixels
    assert photo.shape == (height, width, 3)
    # The sim's grey wall (200,200,195) is replaced by white in the top corners.
    assert photo[:20, :20].min() >= 240 and photo[:20, -20:].min() >= 240
    # The face is still there (skin tone in the middle).
    assert tuple(photo[height * 2 // 5, width // 2]) != (255, 255, 255)
    path = save_id_photo(photo, tmp_path / "photo.jpg")
    with Image.open(path) as image:
        assert image.size == (width, height)
        assert round(image.info["dpi"][0]) == 300


def test_no_face_no_photo(detector: FaceDetector) -> None:
    camera = SimCamera()
    camera.show_empty()
    with pytest.raises(PhotoRejected, match="no face"):
        make_id_photo(camera.read_frame(1), detector=detector)


def test_dark_and_unplugged_camera() -> None:
    camera = SimCamera()
    camera.go_dark()
    with pytest.raises(DeviceTimeout):
        camera.read_frame(timeout=0.01)
    camera.go_dark(False)
    camera.unplug()
    with pytest.raises(DeviceUnavailable):
        camera.read_frame(timeout=0.01)
    camera.unplug(False)
    assert camera.read_frame(0.01).shape == (480, 640, 3)


def test_image_and_video_file_sources(tmp_path: Path) -> None:
    frame = SimCamera().read_frame(1)
    image_path = tmp_path / "still.png"
    cv2.imwrite(str(image_path), frame)
    with open_camera(str(image_path)) as still:
        assert np.array_equal(still.read_frame(1), frame)
        with pytest.raises(EndOfStream):
            still.read_frame(1)

    video_path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    for _ in range(3):
        writer.write(frame)
    writer.release()
    with open_camera(str(video_path)) as video:
        assert [video.read_frame(1).shape for _ in range(3)] == [(480, 640, 3)] * 3
        with pytest.raises(EndOfStream):
            video.read_frame(1)


def test_missing_sources_are_unavailable(tmp_path: Path) -> None:
    with pytest.raises(DeviceUnavailable):
        open_camera(str(tmp_path / "nothing.mp4"))
    with pytest.raises(DeviceUnavailable):
        open_camera("/dev/video-hallq-missing")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(DeviceUnavailable):
        open_camera(str(broken))


def test_live_camera_that_cannot_open_reports_unavailable_within_timeout() -> None:
    camera = open_camera("97")  # no such camera index
    try:
        with pytest.raises((DeviceUnavailable, DeviceTimeout)):
            camera.read_frame(timeout=0.5)
    finally:
        camera.close()
