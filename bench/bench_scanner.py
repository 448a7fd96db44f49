"""Decoded frames per second at 640×480 on one core (pyzbar, QR only).

Frames: a ticket-sized QR code held in front of a noisy background (sensor noise and a
gradient), plus frames with no code (what the scanner sees most of the time).
Run: .venv/bin/python bench/bench_scanner.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import time

import cv2
import numpy as np

from devices.camera import SimCamera
from devices.camera.sim import draw_qr
from devices.scanner import CameraScanner, FrameDecoder, RepeatFilter


def noisy_frame(payload: str | None, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    gradient = np.linspace(90, 200, 640, dtype=np.float32)[None, :].repeat(480, 0)
    frame = gradient[..., None].repeat(3, 2)
    if payload is not None:
        code = draw_qr(payload, module_px=5).astype(np.float32)
        h, w = code.shape[:2]
        y, x = 110 + seed % 40, 180 + seed % 60
        frame[y : y + h, x : x + w] = code * 0.8 + 25  # a phone screen: less than full contrast
    frame += rng.normal(0, 8, frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


def rate(
    decoder: FrameDecoder, frames: list[np.ndarray], seconds: float = 3.0
) -> tuple[float, int, int]:
    """Frames per second, frames decoded, frames tried."""
    count = decoded = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        frame = frames[count % len(frames)]
        decoded += bool(decoder.decode(frame))
        count += 1
    return count / (time.perf_counter() - start), decoded, count


def pipeline_rate(seconds: float = 3.0) -> float:
    """The whole path the kiosk runs: sim camera → decoder → repeat filter → payload check."""
    camera = SimCamera()
    camera.show_qr("https://hall.example/t/A012?d=20261122")
    scanner = CameraScanner(camera, repeats=RepeatFilter(hold_s=0.0))
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        assert scanner.read_scan(timeout=1.0) is not None
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    decoder = FrameDecoder()
    payload = "https://hall.example/t/A012?d=20261122"
    with_code = [noisy_frame(payload, seed) for seed in range(8)]
    without_code = [noisy_frame(None, seed) for seed in range(8)]
    fps, decoded, tried = rate(decoder, with_code)
    print(f"640x480 noisy frame with QR : {fps:6.1f} frames/s ({decoded}/{tried} decoded)")
    fps, _, _ = rate(decoder, without_code)
    print(f"640x480 noisy frame, no code : {fps:6.1f} frames/s")
    print(f"sim camera → scan pipeline   : {pipeline_rate():6.1f} scans/s")
    print(f"backend: {decoder.backend}, one core (affinity), cv2 threads 1")


if __name__ == "__main__":
    main()
