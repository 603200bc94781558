"""detectors.evidence: annotated frames, contact sheets, PNG files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.evidence import CONTROL_BGR, OUTCOME_BGR, WINDOW_BGR, annotate, contact_sheet, write_png
from detectors.model import CloseControl, ControlMeasurement, FrameAnalysis, Outcome, Window
from detectors.rules import judge_static

D = 2.625


def analysis_for(frame: np.ndarray, *, window: Window | None, controls=(), measurements=(), ctas=(),
                 findings=None) -> FrameAnalysis:
    h, w = frame.shape[:2]
    if findings is None:
        findings = judge_static(window, list(controls), list(measurements), frame_shape=frame.shape, density=D,
                                ctas=list(ctas))
    return FrameAnalysis(w, h, D, False, window, tuple(controls), tuple(measurements), tuple(ctas), tuple(findings))


def splash(w: int = 1080, h: int = 2400) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(60, 120, (h, w, 3), dtype=np.uint8)


def count_colour(img: np.ndarray, bgr) -> int:
    return int(np.all(img == np.array(bgr, np.uint8), axis=2).sum())


def test_annotate_draws_boxes_and_a_legend() -> None:
    frame = splash()
    win = Window((0, 0, 1080, 2400), "fullscreen", 0.9)
    c = CloseControl((990, 150, 1030, 190), "x_icon", 0.8)  # 15 dp: a size violation
    m = ControlMeasurement(40 / D, 40 / D, 5.0)
    a = analysis_for(frame, window=win, controls=[c], measurements=[m])
    assert any(f.outcome == Outcome.VIOLATION for f in a.findings)
    out = annotate(frame, a)
    assert out.dtype == np.uint8 and out.ndim == 3
    assert out.shape[1] == 1080 and out.shape[0] > 2400          # legend band below
    assert np.array_equal(frame, splash())                        # input untouched
    assert count_colour(out[:2400], CONTROL_BGR) > 100            # the judged control's box
    assert count_colour(out[:2400], WINDOW_BGR) > 1000            # the window's box
    legend = out[2400:]
    assert count_colour(legend, OUTCOME_BGR[Outcome.VIOLATION]) > 500   # the red swatch of the violation


def test_legend_colours_follow_outcomes() -> None:
    frame = splash(540, 1200)
    a = analysis_for(frame, window=None)  # every static rule not applicable
    out = annotate(frame, a)
    legend = out[1200:]
    assert count_colour(legend, OUTCOME_BGR[Outcome.VIOLATION]) == 0
    assert count_colour(legend, OUTCOME_BGR[Outcome.NOT_APPLICABLE]) > 100


def test_legend_grows_with_findings_and_fonts_scale_with_the_image() -> None:
    frame = splash()
    win = Window((0, 0, 1080, 2400), "fullscreen", 0.9)
    c = CloseControl((990, 150, 1030, 190), "x_icon", 0.8)
    m = ControlMeasurement(40 / D, 40 / D, 5.0)
    full = analysis_for(frame, window=win, controls=[c], measurements=[m])
    few = analysis_for(frame, window=win, controls=[c], measurements=[m], findings=full.findings[:2])
    assert annotate(frame, full).shape[0] > annotate(frame, few).shape[0]
    small = splash(540, 1200)
    small_a = analysis_for(small, window=Window((0, 0, 540, 1200), "fullscreen", 0.9), findings=full.findings)
    big_legend = annotate(frame, full).shape[0] - 2400
    small_legend = annotate(small, small_a).shape[0] - 1200
    assert small_legend < big_legend


def test_annotate_draws_cjk_text_controls_and_ctas() -> None:
    frame = splash()
    win = Window((0, 0, 1080, 2400), "fullscreen", 0.9)
    c = CloseControl((880, 120, 1040, 190), "text", 0.88, "跳过 5")
    m = ControlMeasurement(160 / D, 70 / D, 8.0, touch_box=(860, 100, 1060, 210))
    out = annotate(frame, analysis_for(frame, window=win, controls=[c], measurements=[m], ctas=[(140, 1900, 940, 2030)]))
    assert count_colour(out[:2400], (220, 60, 220)) > 500  # CTA box in magenta


def test_contact_sheet_geometry_and_errors() -> None:
    imgs = [np.full((200 + 10 * i, 100, 3), 30 * i, np.uint8) for i in range(7)]
    sheet = contact_sheet(imgs, [f"#{i} 弹窗" for i in range(7)], columns=3, thumb_width=100)
    pad = max(4, 100 // 30)
    assert sheet.shape[1] == 3 * 100 + 4 * pad
    assert sheet.shape[0] > 3 * 200                    # three rows of thumbnails
    # The first thumbnail is pasted unscaled (100 px wide already) at (pad, pad).
    assert np.array_equal(sheet[pad:pad + 200, pad:pad + 100], imgs[0])
    with pytest.raises(ValueError, match="labels"):
        contact_sheet(imgs, ["a"])
    with pytest.raises(ValueError, match="columns"):
        contact_sheet(imgs[:1], ["a"], columns=0)
    assert contact_sheet([], []).ndim == 3


def test_write_png_round_trip(tmp_path: Path) -> None:
    img = np.random.default_rng(3).integers(0, 256, (50, 70, 3), dtype=np.uint8)
    path = write_png(tmp_path / "深" / "evidence.png", img)
    assert path.is_file()
    back = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(back, img)
    with pytest.raises(ValueError, match="image"):
        write_png(tmp_path / "x.png", np.zeros((0, 0, 3), np.uint8))
