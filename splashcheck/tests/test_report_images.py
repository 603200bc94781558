"""Evidence images go into the Allure report as small JPEGs; the evidence folder keeps the PNG."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from splashcheck.report import ATTACH_MAX_HEIGHT, _report_jpeg


def test_large_png_becomes_a_bounded_jpeg(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    img = rng.integers(0, 255, (2906, 1082, 3), np.uint8)
    img[100:300, 100:900] = (0, 0, 255)
    path = tmp_path / "key_frame.png"
    cv2.imwrite(str(path), img)
    jpeg = _report_jpeg(path)
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    back = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert back.shape[0] == ATTACH_MAX_HEIGHT
    assert abs(back.shape[1] - round(1082 * ATTACH_MAX_HEIGHT / 2906)) <= 1
    # the red block is still where it was, scaled
    s = ATTACH_MAX_HEIGHT / 2906
    assert back[int(200 * s), int(500 * s)][2] > 200


def test_unreadable_png_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert _report_jpeg(path) is None


def test_clean_passes_get_thumbnails(tmp_path: Path) -> None:
    from splashcheck.report import ATTACH_THUMB_SIDE

    img = np.random.default_rng(5).integers(0, 255, (2402, 1082, 3), np.uint8)
    path = tmp_path / "key_frame.jpg"
    cv2.imwrite(str(path), img)
    thumb = _report_jpeg(path, 0, ATTACH_THUMB_SIDE)
    back = cv2.imdecode(np.frombuffer(thumb, np.uint8), cv2.IMREAD_COLOR)
    assert max(back.shape[:2]) == ATTACH_THUMB_SIDE
    assert len(thumb) < len(_report_jpeg(path)) / 3
