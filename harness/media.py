"""Evidence files of a run, bounded in size: still images by suffix, and the launch as an animated WebP.

A full-resolution PNG of a 1082×2402 screenshot is 0.5–1.2 MB; a nightly farm writes thousands.
The defaults here keep one device × app run's evidence near 1 MB (measured by
``python -m splashcheck.sizes``): annotated evidence as JPEG, timeline frames as WebP (both read back
by OpenCV, ``splashcheck scan`` and :func:`harness.timeline.load_timeline`), the launch as one small
animated WebP. ``--keep-frames`` (``CheckOptions.keep_frames``) writes lossless PNG instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

__all__ = ["JPEG_QUALITY", "WEBP_QUALITY", "write_image", "write_animation", "folder_bytes"]


def folder_bytes(folder: str | os.PathLike[str]) -> int:
    """Total size of the files under ``folder``, bytes."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())

JPEG_QUALITY = 80
"""Evidence stills (key frame, after-tap, hot-zone map): text labels and thin boxes stay crisp."""
PROBE_MAX_SIDE = 1280
"""Longest side, px, of probe frames (after the close tap, after the shake, the hot-zone map) unless
``keep_frames``: they show what happened, the key frame (full size) shows what was measured."""
TIMELINE_FRAMES_BUDGET_B = 700_000
"""Bytes for the WebP timeline frames of one run; over it they are written again at
``TIMELINE_FALLBACK_QUALITIES`` (an animated splash changes every frame: 16 distinct frames)."""
TIMELINE_FALLBACK_QUALITIES = (60, 40)
WEBP_QUALITY = 85
"""Lossy WebP for timeline frames: ≈ 50 KB a 1082×2402 frame (PNG ≈ 530 KB, JPEG-85 ≈ 130 KB)."""
ANIMATION_WIDTH = 270
"""Animation width, px (a quarter of a 1082 px wide phone screen: enough to follow the launch)."""
ANIMATION_QUALITY = 70


def _params(suffix: str) -> tuple[str, list[int]]:
    suffix = suffix.lower()
    if suffix in (".jpg", ".jpeg"):
        return ".jpg", [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    if suffix == ".webp":
        return ".webp", [cv2.IMWRITE_WEBP_QUALITY, WEBP_QUALITY]
    if suffix == ".png":
        return ".png", [cv2.IMWRITE_PNG_COMPRESSION, 6]
    raise ValueError(f"path must end in .png, .jpg or .webp, got {suffix!r}")


def write_image(path: str | os.PathLike[str], image: np.ndarray, *, max_side: int | None = None) -> str:
    """Write a BGR image (H×W×3 uint8) in the format of ``path``'s suffix; returns the path.

    ``max_side`` (px) scales a larger image down first. Encodes in memory, so non-ASCII paths work;
    creates the parent folder.
    """
    p = Path(path)
    if max_side is not None and max(image.shape[:2]) > max_side:
        scale = max_side / max(image.shape[:2])
        image = cv2.resize(image, (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
    ext, params = _params(p.suffix)
    ok, data = cv2.imencode(ext, np.ascontiguousarray(image), params)
    if not ok:
        raise OSError(f"cannot encode {p.name} (shape {getattr(image, 'shape', None)})")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.tobytes())
    return str(p)


def write_animation(path: str | os.PathLike[str], images: Sequence[np.ndarray], times_s: Sequence[float], *,
                    width: int = ANIMATION_WIDTH, quality: int = ANIMATION_QUALITY,
                    last_frame_s: float = 1.0) -> str | None:
    """The frames as an animated WebP that plays in real time (loops); None when there are no frames.

    Parameters
    ----------
    images : sequence of ndarray (H, W, 3) uint8 BGR
        Frames in time order (distinct ones are enough: each is shown until the next one's time).
    times_s : sequence of float
        Each frame's time since launch, s (non-decreasing).
    width : int
        Output width, px (height keeps the aspect ratio).
    last_frame_s : float
        How long the last frame is shown, s.
    """
    from PIL import Image

    if len(images) != len(times_s):
        raise ValueError(f"times_s has {len(times_s)} entries; expected one per image ({len(images)})")
    if not images:
        return None
    frames = []
    for img in images:
        h = max(1, round(img.shape[0] * width / img.shape[1]))
        small = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
        frames.append(Image.fromarray(cv2.cvtColor(small, cv2.COLOR_BGR2RGB)))
    ends = list(times_s[1:]) + [times_s[-1] + last_frame_s]
    durations = [max(20, round(1000 * (b - a))) for a, b in zip(times_s, ends)]  # ms; WebP frames ≥ 20 ms
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(p, format="WEBP", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   quality=quality, method=4, minimize_size=True)
    return str(p)
