"""Bounded evidence files: formats by suffix, their sizes on a phone-sized frame, the animation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from harness.media import write_animation, write_image


def _screen(seed: int = 0) -> np.ndarray:
    """A 1082×2402 phone frame: gradient background, a card, text-like noise (not trivially compressible)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((2402, 1082, 3), np.uint8)
    img[:] = np.linspace(40, 200, 2402, dtype=np.uint8)[:, None, None]
    photo = cv2.GaussianBlur(rng.integers(0, 255, (900, 1082, 3), dtype=np.uint8), (0, 0), 3)  # an ad picture
    img[1500:2400] = photo
    img[600:1500, 100:980] = (245, 245, 245)
    for y in range(700, 1400, 60):
        img[y:y + 30, 150:150 + int(rng.integers(200, 700))] = rng.integers(0, 120, 3)
    return img


@pytest.mark.parametrize("suffix, magic", [(".jpg", b"\xff\xd8"), (".webp", b"RIFF"), (".png", b"\x89PNG")])
def test_write_image_picks_the_format_from_the_suffix_and_reads_back(tmp_path, suffix, magic):
    img = _screen()
    path = write_image(tmp_path / "sub" / f"frame{suffix}", img)
    data = open(path, "rb").read()
    assert data.startswith(magic)
    back = cv2.imread(path)
    assert back.shape == img.shape
    err = np.abs(back.astype(int) - img.astype(int)).mean()
    assert err == 0 if suffix == ".png" else err < 3


def test_lossy_formats_are_several_times_smaller_than_png(tmp_path):
    img = _screen()
    size = {s: (tmp_path / f"f{s}").stat().st_size for s in (".png", ".jpg", ".webp")
            if write_image(tmp_path / f"f{s}", img)}
    assert size[".webp"] * 3 < size[".png"] and size[".jpg"] * 2 < size[".png"]


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match="gif"):
        write_image(tmp_path / "x.gif", _screen())


def test_animation_plays_in_real_time_at_the_given_width(tmp_path):
    frames = [_screen(k) for k in range(3)]
    path = write_animation(tmp_path / "t.webp", frames, [0.0, 0.5, 2.0], width=200, last_frame_s=1.0)
    with Image.open(path) as im:
        assert im.is_animated and im.n_frames == 3 and im.size == (200, round(2402 * 200 / 1082))
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            im.load()
            durations.append(im.info["duration"])
    assert durations == [500, 1500, 1000]
    assert write_animation(tmp_path / "none.webp", [], []) is None


def test_max_side_scales_down_keeping_the_aspect_ratio(tmp_path):
    path = write_image(tmp_path / "probe.jpg", _screen(), max_side=1280)
    assert cv2.imread(path).shape[:2] == (1280, round(1082 * 1280 / 2402))


def test_timeline_frames_are_written_again_smaller_when_over_budget(tmp_path, monkeypatch):
    from harness import check, media
    from harness.device import Frame, Timeline

    timeline = Timeline(frames=[Frame(t=0.2 * k, image=_screen(k)) for k in range(4)], density=2.625)
    check._save_timeline_bounded(timeline, tmp_path / "a", check.CheckOptions())
    full = media.folder_bytes(tmp_path / "a" / "frames")
    monkeypatch.setattr(media, "TIMELINE_FRAMES_BUDGET_B", full // 2)
    check._save_timeline_bounded(timeline, tmp_path / "b", check.CheckOptions())
    small = media.folder_bytes(tmp_path / "b" / "frames")
    assert small < full * 0.8
    assert sorted(p.name for p in (tmp_path / "b" / "frames").iterdir()) == [f"000{k}.webp" for k in range(4)]
    check._save_timeline_bounded(timeline, tmp_path / "c", check.CheckOptions(keep_frames=True))
    assert (tmp_path / "c" / "frames" / "0000.png").is_file()
