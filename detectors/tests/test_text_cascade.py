"""The text cascade (detectors/text_cascade.py): when it runs, what it costs, what it finds.

Unit tests with fake readers check the triggers (never on a frame that already has a dismiss
control; never with a reader that cannot detect text, i.e. ``scan --no-ocr``) and the scale
rule. The rendered tests draw phone screens in headless Chromium
(:data:`detectors.tests.synthetic_screens.HARD_POPUPS` / ``HARD_NORMALS``) and run the whole
stack with the real OCR twice, cascade off and on: the dismiss labels the cheap line selection
does not read (a bare 跳过 / 关闭 / Skip on a full-screen ad among coupon chips, 以后再说 under a
promo's call to action, a text link under a dialog full of topic chips, also cropped) are found
with it, and ordinary screens (a video player's 跳过片头, a reader page, a game result, an order
page's 取消订单 | 立即付款, a compose page's 取消 … 立即发布, settings whose values read 关闭) stay
non-pop-ups.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import detectors.analyze as analyze_mod
from detectors.analyze import analyze_frame
from detectors.model import Window
from detectors.tests.test_popup_decision import D, H, W, _x_badge, game_menu
from detectors.text_cascade import (CASCADE, CascadeParams, button_row_bands, cta_row_bands, det_scale,
                                   find_text_dismiss)


# --- the scale rule and the declared parameters ------------------------------------------------------
def test_scale_makes_the_smallest_label_det_text_px_tall():
    for density in (1.5, 2.0, 2.625, 3.0, 3.5):
        s = det_scale(400, 300, density)  # small region: no area cap
        assert s * CASCADE.min_label_sp * density == pytest.approx(CASCADE.det_text_px, rel=1e-3)


def test_scale_is_capped_by_area_and_never_upscales():
    s = det_scale(1440, 3200, 2.0)  # a large screen at a low density: the area cap wins
    assert s * s * 1440 * 3200 <= CASCADE.max_det_area_px * 1.001
    assert det_scale(200, 100, 0.5) == 1.0


@pytest.mark.parametrize("kw", [{"max_lines": 0}, {"det_text_px": -1.0}, {"min_label_sp": float("nan")},
                                {"cta_rows": 1.5}])
def test_bad_parameters_are_refused_by_name(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        CascadeParams(**kw)


def test_cta_bands_span_the_content_nearest_the_centre_first_and_merge():
    content = (0, 63, 1080, 2300)
    bands = cta_row_bands([(100, 2100, 300, 2160), (600, 1200, 900, 1260), (100, 1205, 400, 1255),
                           (500, 300, 700, 340)], content)
    assert len(bands) == CASCADE.cta_rows
    assert bands[0][0] == 0 and bands[0][2] == 1080 and bands[0][1] < 1200 and bands[0][3] > 1260  # merged row
    # centre 1181.5: the top CTA (centre 320, 861 away) comes before the bottom one (2130, 948 away)
    assert bands[1][1] < 320 < bands[1][3] and not any(b[1] < 2130 < b[3] for b in bands)


CONTENT = (0, 63, 1080, 2300)
CANCEL, OK = (620, 1306, 697, 1345), (787, 1306, 865, 1345)  # an alert's 取消 | 确定, 40 px text


def test_an_unread_two_button_row_gets_a_band():
    far = (42, 1311, 147, 1350)  # the page beside a dialog without a scrim: far from the pair
    bands = button_row_bands([CANCEL, OK, far, (100, 400, 600, 440)], [], CONTENT)
    assert len(bands) == 1 and bands[0][1] < 1306 and bands[0][3] > 1345 and bands[0][2] == 1080


@pytest.mark.parametrize("case", ["tab_bar", "read", "paragraph", "far_apart", "one_line"])
def test_rows_that_are_not_an_unread_button_pair_get_no_band(case):
    lines, read = [CANCEL, OK], []
    if case == "tab_bar":
        lines.append((935, 1306, 1012, 1345))  # a third label one gap away
    elif case == "read":
        read = [OK]
    elif case == "paragraph":
        lines.append((300, 1258, 900, 1297))  # wrapped text right above
    elif case == "far_apart":
        lines = [(40, 1306, 117, 1345), (960, 1306, 1037, 1345)]  # a toolbar's 取消 … 发布: > 0.45 of the width
    else:
        lines = [CANCEL]
    assert button_row_bands(lines, read, CONTENT) == []


# --- triggers and cost (fake readers) ----------------------------------------------------------------
class _CountingReader:
    """Detects no text and reads nothing, but counts the detector calls."""

    def __init__(self) -> None:
        self.det_calls = 0

    def detect_lines(self, img, **kw):
        self.det_calls += 1
        return []

    def recognise(self, crops):
        return [("", 0.0)] * len(crops)


class _ReadOnly:
    """Like ``splashcheck.cli.NO_OCR``: recognises (nothing), cannot detect text lines."""

    def recognise(self, crops):
        return [("", 0.0)] * len(crops)


@pytest.fixture
def spy(monkeypatch):
    calls = []
    real = analyze_mod.find_text_dismiss

    def wrapped(*a, **kw):
        calls.append(kw.get("region"))
        return real(*a, **kw)

    monkeypatch.setattr(analyze_mod, "find_text_dismiss", wrapped)
    return calls


def _dialog_with_x() -> np.ndarray:
    """A white card on a scrim with a clear × badge at its top-right corner."""
    img = np.full((H, W, 3), 60, np.uint8)
    cv2.rectangle(img, (140, 620), (940, 1300), (255, 255, 255), -1)
    _x_badge(img, 900, 560, 40)
    return img


def test_cascade_does_not_run_when_a_dismiss_control_was_found(spy):
    reader = _CountingReader()
    a = analyze_frame(_dialog_with_x(), density=D, reader=reader, verifier=False)
    assert a.popup and any(c.kind == "x_icon" for c in a.controls)
    assert spy == [] and "text_cascade_runs" not in a.timings_ms


def test_cascade_runs_on_a_weak_candidate_with_no_control(spy):
    reader = _CountingReader()
    a = analyze_frame(game_menu(), density=D, reader=reader, verifier=False)
    assert len(spy) == 1 and a.timings_ms["text_cascade_runs"] == 1.0
    assert reader.det_calls >= 1
    assert not a.popup  # nothing found: still only a weak candidate (needs review)


def test_cascade_off_and_no_ocr_reader_never_detect(spy):
    reader = _CountingReader()
    analyze_frame(game_menu(), density=D, reader=reader, verifier=False, text_cascade=False)
    assert spy == [] and reader.det_calls == 0
    # a reader that cannot detect text lines (scan --no-ocr): the cascade is a no-op, loads nothing
    win = Window(box=(0, 0, W, H), kind="fullscreen", confidence=0.8)
    res = find_text_dismiss(game_menu(), window=win, density=D, reader=_ReadOnly())
    assert res.controls == () and res.text == ()


def test_the_cli_no_ocr_reader_cannot_trigger_a_model_load():
    from splashcheck.cli import NO_OCR

    assert not hasattr(NO_OCR, "detect_lines")
    a = analyze_frame(game_menu(), density=D, reader=NO_OCR, verifier=False)
    assert a.timings_ms.get("text_cascade_ms", 0.0) == 0.0


def test_a_crashing_cascade_keeps_the_cheap_answer(monkeypatch):
    def boom(*a, **kw):
        raise RuntimeError("det model exploded")

    monkeypatch.setattr(analyze_mod, "find_text_dismiss", boom)
    img = np.full((H, W, 3), 60, np.uint8)
    cv2.rectangle(img, (140, 620), (940, 1300), (255, 255, 255), -1)  # a card on a scrim, nothing in it
    a = analyze_frame(img, density=D, reader=_CountingReader(), verifier=False)
    assert a.window is not None and a.timings_ms.get("text_cascade_error") == 1.0
    assert all(f.outcome.value != "not_run" for f in a.findings)


# --- rendered screens, real OCR -------------------------------------------------------------------------
# Pages whose dismiss label the cheap line selection does not read (measured: cascade off, they
# are missed) — the cascade must find them. Each with why the cheap path misses it.
CASCADE_FINDS = {
    "chips-ad-skip-14": "a bare 跳过 in a top corner; twelve coupon chips outrank it for the 8 reads",
    "chips-ad-close-12": "a bare 12 sp 关闭, top left, among the chips",
    "splash-logo-chips-skip-13": "a 开屏 splash (logo band: a full-screen window) whose bare 跳过 the chips outrank",
    "no-scrim-dialog": "a dialog without a scrim (no window): its 取消 | 确定 row unread, found as a button row",
    "chips-promo-later-sb-13": "以后再说 under a call to action on a status-bar promo: no window, button row searched",
    "interest-dialog-skip-13": "跳过 text link under a dialog's main button, below twelve topic chips",
    "interest-dialog-later-12": "12 sp 以后再说 link, same dialog",
    "interest-dialog-skip-13-crop": "the same dialog cropped (partial capture)",
    "interest-dialog-later-12-crop": "the same, cropped",
}
# Known misses of the whole stack on this set (not the cascade's to fix; see the README).
KNOWN_MISSES = {
    "dark-alert-cancel": "the dark scrim is not detected; 取消 is read but 清除 is no call to action, so no partner",
    "promo-card-link-13": "the link overlaps a feed line behind the scrim: read as 以后时再说",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from detectors.tests.synthetic_screens import HARD_NORMALS, HARD_POPUPS, chromium_available, render_set

    if not chromium_available():
        pytest.skip("chromium / chromedriver not installed (scripts/setup.sh installs them)")
    pytest.importorskip("rapidocr")
    import json

    from detectors.imageio import read_image
    from detectors.ocr import TextReader

    root = render_set(tmp_path_factory.mktemp("hard"), HARD_POPUPS + HARD_NORMALS)
    reader = TextReader()
    out = {}
    for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        lab = json.loads(line)
        img = read_image(root / lab["image"])
        name = lab["image"].split("/")[-1][:-4]
        out[name] = (lab, analyze_frame(img, density=lab["density"], reader=reader, text_cascade=False),
                     analyze_frame(img, density=lab["density"], reader=reader))
    return out


def _found(analysis, label) -> bool:
    if not analysis.popup:
        return False
    for want in label["close"]:
        x1, y1, x2, y2 = want["box"]
        if not any(x1 - 8 <= (c.box[0] + c.box[2]) / 2 <= x2 + 8 and y1 - 8 <= (c.box[1] + c.box[3]) / 2 <= y2 + 8
                   for c in analysis.controls):
            return False
    return True


def test_the_cascade_finds_what_the_cheap_path_misses(rendered):
    assert set(CASCADE_FINDS) <= set(rendered)
    for name in CASCADE_FINDS:
        lab, cheap, full = rendered[name]
        assert not _found(cheap, lab), f"{name}: the cheap path now finds it; move it out of CASCADE_FINDS"
        assert _found(full, lab), (name, [(c.text, c.box) for c in full.controls], full.timings_ms)
        assert full.timings_ms.get("text_cascade_runs", 0) >= 1


def test_every_rendered_popup_but_the_known_misses_is_found_with_its_control(rendered):
    missed = sorted(n for n, (lab, _, full) in rendered.items() if lab["has_popup"] and not _found(full, lab))
    assert missed == sorted(KNOWN_MISSES)


def test_ordinary_screens_stay_non_popups_with_the_cascade(rendered):
    normals = {n: v for n, v in rendered.items() if not v[0]["has_popup"]}
    assert len(normals) == 6
    assert [n for n, (_, _, full) in normals.items() if full.popup] == []


def test_no_false_controls_with_the_cascade(rendered):
    for name, (lab, _, full) in rendered.items():
        if not full.popup:
            continue
        for c in full.controls:
            assert any(w["box"][0] - 8 <= (c.box[0] + c.box[2]) / 2 <= w["box"][2] + 8
                       and w["box"][1] - 8 <= (c.box[1] + c.box[3]) / 2 <= w["box"][3] + 8
                       for w in lab["close"]), (name, c)


# --- the declared det_text_px holds for the det model (real model, no browser) --------------------------
def _label_strip(text: str, sp: float, density: float, bg: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 1080 × 400 strip with a grey label of ``sp`` at ``density`` on a background, and a distractor."""
    from PIL import Image, ImageDraw, ImageFont

    from detectors.tests.test_popup_decision import FONT

    px = int(round(sp * density))
    if bg == "gradient":
        yy, xx = np.mgrid[0:400, 0:1080]
        arr = np.stack([120 + 60 * np.sin(xx / 90.0), 80 + 40 * np.cos(yy / 70.0), 150 + 50 * np.sin((xx + yy) / 130.0)], 2)
        im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        fg = (255, 255, 255)
    else:
        back, fg = {"white": ((255, 255, 255), (150, 150, 150)), "black": ((30, 30, 30), (170, 170, 170)),
                    "grey": ((245, 245, 245), (80, 80, 80))}[bg]
        im = Image.new("RGB", (1080, 400), back)
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((60, 120, 400, 300), 20, fill=(200, 90, 60))
    d.text((700, 180), text, font=ImageFont.truetype(str(FONT), px), fill=fg)
    return cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR), (700, 180, 700 + px * len(text), 180 + px)


def test_the_det_model_finds_min_label_sp_labels_at_the_declared_scale():
    pytest.importorskip("rapidocr")
    from detectors.ocr import TextReader
    from detectors.tests.test_popup_decision import FONT

    if not FONT.exists():
        pytest.skip("fonts-wqy-zenhei is not installed (scripts/setup.sh)")
    reader = TextReader()
    found = total = 0
    for text in ("取消", "跳过", "以后再说", "暂不", "Skip", "关闭"):
        for bg in ("white", "black", "gradient", "grey"):
            img, (x1, y1, x2, y2) = _label_strip(text, CASCADE.min_label_sp, D, bg)
            s = det_scale(1080, 400, D)
            assert s * CASCADE.min_label_sp * D == pytest.approx(CASCADE.det_text_px, rel=1e-3)
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            boxes = reader.detect_lines(img, scale=s)
            found += any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)
            total += 1
    assert found == total, f"{found}/{total} labels found at {CASCADE.det_text_px} px"
