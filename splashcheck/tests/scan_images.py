"""Synthetic screenshots for the CLI tests (imported by name: ``from scan_images import ...``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def synthetic_popup(h: int = 1920, w: int = 1080) -> np.ndarray:
    """An app screen under a 60 % black scrim with a white card and a dark X in its top-right corner."""
    rng = np.random.default_rng(7)
    s = h / 1920
    screen = np.full((h, w, 3), 245, np.uint8)
    for y in range(int(200 * s), int(1900 * s), max(1, int(160 * s))):
        screen[y:y + int(120 * s), int(40 * s):int(160 * s)] = rng.integers(0, 256, 3)
        screen[y + int(30 * s):y + int(50 * s), int(200 * s):int(900 * s)] = 60
    screen = (screen.astype(np.float32) * 0.4).astype(np.uint8)
    cv2.rectangle(screen, (int(90 * s), int(560 * s)), (int(989 * s), int(1359 * s)), (255, 255, 255), -1)
    cv2.rectangle(screen, (int(200 * s), int(1180 * s)), (int(880 * s), int(1300 * s)), (40, 120, 240), -1)
    g = [int(v * s) for v in (900, 590, 963, 653)]
    cv2.line(screen, (g[0] + 8, g[1] + 8), (g[2] - 8, g[3] - 8), (60, 60, 60), max(2, int(7 * s)), cv2.LINE_AA)
    cv2.line(screen, (g[2] - 8, g[1] + 8), (g[0] + 8, g[3] - 8), (60, 60, 60), max(2, int(7 * s)), cv2.LINE_AA)
    return screen


def plain_screen(h: int = 1920, w: int = 1080) -> np.ndarray:
    """A light list screen with no pop-up: status bar (24 dp, clock left, icons right) and list rows."""
    from detectors.density import estimate_density

    s = w / 1080
    screen = np.full((h, w, 3), 250, np.uint8)
    bar = int(round(24 * estimate_density(w, h)))  # 24 dp at the density a scan will assume
    screen[:bar] = (120, 60, 30)
    gy1, gy2 = int(bar * 0.3), int(bar * 0.7)
    for x in (40, 62, 84, 106):  # clock digits
        screen[gy1:gy2, int(x * s):int((x + 14) * s)] = 255
    for x in (900, 950, 1000):  # signal, wifi, battery
        screen[gy1:gy2, int(x * s):int((x + 30) * s)] = 255
    for y in range(bar + int(40 * s), h - int(100 * s), max(1, int(150 * s))):
        screen[y:y + int(100 * s), int(40 * s):int(140 * s)] = (200, 150, 90)
        screen[y + int(30 * s):y + int(50 * s), int(180 * s):w - int(60 * s)] = 80
    return screen


def write(path: Path, img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(path.suffix if path.suffix in (".png", ".jpg", ".jpeg", ".webp") else ".png", img)
    assert ok
    data = buf.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data
