"""Tests of detectors.window: synthetic screens with known geometry, plus the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.window import detect_window

D = 2.625  # px per dp of the synthetic 1080×1920 phone
W, H = 1080, 1920
SB = round(24 * D)  # status bar height, px
NAV = round(48 * D)  # navigation bar height, px
CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"


# --- synthetic screens ------------------------------------------------------------------
def _status_bar(img: np.ndarray, colour=(0, 0, 0), ink=(255, 255, 255)) -> None:
    img[:SB] = colour
    cy, gh = SB // 2, round(11 * D)
    for i in range(4):  # clock digits at the left
        x = round(8 * D) + i * round(9 * D)
        img[cy - gh // 2:cy + gh // 2, x:x + round(6 * D)] = ink
    for i in range(4):  # wifi, signal, battery... at the right
        x = W - round(8 * D) - (i + 1) * round(18 * D)
        img[cy - gh // 2:cy + gh // 2 + 1, x:x + round(12 * D)] = ink


def _nav_bar(img: np.ndarray) -> None:
    img[H - NAV:] = (0, 0, 0)
    cy = H - NAV // 2
    for cx in (W // 4, W // 2, 3 * W // 4):
        cv2.circle(img, (cx, cy), round(9 * D), (200, 200, 200), 3)


def normal_list(seed: int = 0) -> np.ndarray:
    """A light list screen: status bar, coloured app bar, rows of avatars and text, nav bar."""
    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 250, np.uint8)
    _status_bar(img)
    img[SB:SB + round(56 * D)] = (140, 60, 30)
    cv2.rectangle(img, (round(72 * D), SB + 60), (round(72 * D) + 300, SB + 90), (255, 255, 255), -1)
    y = SB + round(56 * D) + 20
    while y + 180 < H - NAV:
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, (90, y + 80), 60, colour, -1)
        cv2.rectangle(img, (190, y + 40), (190 + int(rng.integers(300, 700)), y + 75), (40, 40, 40), -1)
        cv2.rectangle(img, (190, y + 95), (190 + int(rng.integers(200, 500)), y + 120), (130, 130, 130), -1)
        cv2.line(img, (0, y + 175), (W, y + 175), (220, 220, 220), 2)
        y += 180
    _nav_bar(img)
    return img


def normal_feed(seed: int = 1) -> np.ndarray:
    """A feed: status bar, white page, photo cards (noisy colourful pictures) with captions."""
    rng = np.random.default_rng(seed)
    img = np.full((H, W, 3), 255, np.uint8)
    _status_bar(img, colour=(255, 255, 255), ink=(60, 60, 60))
    y = SB + 150
    while y + 600 < H - NAV:
        pic = rng.integers(0, 255, (12, 20, 3), dtype=np.uint8)
        pic = cv2.resize(pic, (W - 80, 420), interpolation=cv2.INTER_CUBIC)
        img[y:y + 420, 40:W - 40] = pic
        cv2.rectangle(img, (40, y + 450), (700, y + 490), (30, 30, 30), -1)
        y += 600
    _nav_bar(img)
    return img


def with_scrim(img: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """Dim everything below the status bar, as Android's dialog / sheet scrim does."""
    out = img.copy()
    out[SB:H - NAV] = (out[SB:H - NAV].astype(np.float32) * (1 - alpha)).astype(np.uint8)
    return out


def card_over_scrim(box=(100, 620, 980, 1240)) -> np.ndarray:
    img = with_scrim(normal_list())
    x1, y1, x2, y2 = box
    cv2.rectangle(img, (x1, y1), (x2 - 1, y2 - 1), (255, 255, 255), -1)
    cv2.rectangle(img, (x1 + 60, y1 + 60), (x1 + 500, y1 + 110), (30, 30, 30), -1)  # title
    for i in range(3):  # body text lines
        cv2.rectangle(img, (x1 + 60, y1 + 170 + 60 * i), (x2 - 80, y1 + 200 + 60 * i), (90, 90, 90), -1)
    cv2.rectangle(img, (x2 - 420, y2 - 130), (x2 - 60, y2 - 50), (200, 120, 0), -1)  # button
    return img


def sheet_over_scrim(top: int = 1150) -> np.ndarray:
    img = with_scrim(normal_feed())
    img[top:H - NAV] = (255, 255, 255)
    for i in range(4):  # share targets
        cv2.circle(img, (150 + 250 * i, top + 200), 70, (0, 160, 250), -1)
    cv2.rectangle(img, (60, H - NAV - 200), (W - 60, H - NAV - 60), (240, 240, 240), -1)  # Cancel pill
    return img


def kaiping_splash(*, status_bar: bool = False, pill: bool = True, seed: int = 3) -> np.ndarray:
    """开屏 splash ad: full-bleed picture, 跳过 pill top right, white logo band at the bottom."""
    rng = np.random.default_rng(seed)
    band = 330
    pic = rng.integers(0, 255, (16, 9, 3), dtype=np.uint8)
    img = np.empty((H, W, 3), np.uint8)
    img[:H - band] = cv2.resize(pic, (W, H - band), interpolation=cv2.INTER_CUBIC)
    img[:H - band] = np.clip(img[:H - band].astype(np.int16) + rng.integers(-25, 25, (H - band, W, 3)),
                             0, 255).astype(np.uint8)
    img[H - band:] = (255, 255, 255)
    cv2.circle(img, (W // 2 - 170, H - band // 2), 60, (40, 40, 230), -1)  # app logo
    cv2.rectangle(img, (W // 2 - 80, H - band // 2 - 30), (W // 2 + 230, H - band // 2 + 30), (30, 30, 30), -1)
    top = SB if status_bar else 0
    if status_bar:
        _status_bar(img)
    if pill:  # dark translucent rounded pill with white "跳过 5" glyphs, 16 dp from the corner
        x2, y1 = W - round(16 * D), top + round(16 * D)
        x1, y2 = x2 - round(64 * D), y1 + round(30 * D)
        r = (y2 - y1) // 2
        mask = np.zeros((H, W), np.uint8)
        cv2.rectangle(mask, (x1 + r, y1), (x2 - r, y2), 1, -1)
        cv2.circle(mask, (x1 + r, y1 + r), r, 1, -1)
        cv2.circle(mask, (x2 - r, y1 + r), r, 1, -1)
        sel = mask.astype(bool)
        img[sel] = (img[sel].astype(np.float32) * 0.35).astype(np.uint8)
        cv2.putText(img, "Skip 5", (x1 + 30, y2 - 22), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3)
    return img


def _close(a, b, tol: int) -> bool:
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b))


# --- pop-ups are found where they are ------------------------------------------------------
def test_card_over_scrim_box_within_a_few_px():
    box = (100, 620, 980, 1240)
    win = detect_window(card_over_scrim(box), density=D)
    assert win is not None
    assert win.kind in ("card", "dialog")
    assert win.scrim is True
    assert _close(win.box, box, 6), win.box
    assert win.cues["scrim_ratio"] < 0.6  # 60 % black scrim: exterior ≤ 0.4 of white
    assert 0.5 <= win.confidence <= 1.0


def test_small_plain_card_is_a_dialog():
    box = (160, 760, 920, 1160)
    win = detect_window(card_over_scrim(box), density=D)
    assert win is not None and win.kind == "dialog"
    assert _close(win.box, box, 6), win.box


def test_bottom_sheet_over_scrim():
    win = detect_window(sheet_over_scrim(top=1150), density=D)
    assert win is not None and win.kind == "sheet" and win.scrim
    x1, y1, x2, y2 = win.box
    assert abs(y1 - 1150) <= 6 and x1 <= 6 and x2 >= W - 6
    assert abs(y2 - (H - NAV)) <= 8  # ends at the navigation bar


def test_light_scrim_still_found():
    img = with_scrim(normal_list(), alpha=0.35)  # Material 3 uses a 32 % scrim
    cv2.rectangle(img, (120, 700), (960, 1200), (255, 255, 255), -1)
    win = detect_window(img, density=D)
    assert win is not None and win.scrim
    assert _close(win.box, (120, 700, 961, 1201), 6)


def test_black_padding_is_not_content():
    """DroidBot captures: device content on top, black rows under it (fdroid_utg: 420 px)."""
    img = np.zeros((H + 420, W, 3), np.uint8)
    img[:H] = sheet_over_scrim(top=1150)
    win = detect_window(img, density=D)
    assert win is not None and win.kind == "sheet"
    assert abs(win.box[1] - 1150) <= 6 and win.box[3] <= H - NAV + 8


def test_kaiping_splash_without_status_bar():
    win = detect_window(kaiping_splash(), density=D)
    assert win is not None and win.kind == "fullscreen"
    assert win.box[0] == 0 and win.box[2] == W and win.box[1] <= 2
    assert win.cues["corner_control"]["corner"] == "top-right"
    assert win.cues["logo_band_px"] == pytest.approx(330, abs=12)
    assert win.confidence >= 0.8


def test_kaiping_splash_with_status_bar_and_web_mode():
    # status bar shown over the ad: pill + picture + logo band must agree
    win = detect_window(kaiping_splash(status_bar=True), density=D)
    assert win is not None and win.kind == "fullscreen"
    assert win.box[1] == pytest.approx(SB, abs=3)
    # web captures (no status bar expected): the same 开屏 cues carry it
    win = detect_window(kaiping_splash(), density=D, status_bar_expected=False)
    assert win is not None and win.kind == "fullscreen"
    # without the skip pill a status-bar screen of picture + band is not enough
    assert detect_window(kaiping_splash(status_bar=True, pill=False), density=D) is None
    assert detect_window(kaiping_splash(pill=False), density=D, status_bar_expected=False) is None


# --- normal screens are not pop-ups ------------------------------------------------------
@pytest.mark.parametrize("make", [normal_list, normal_feed])
def test_normal_screens_are_not_popups(make):
    assert detect_window(make(), density=D) is None


def test_dark_page_with_white_text_is_not_a_scrim():
    img = np.full((H, W, 3), 25, np.uint8)
    _status_bar(img)
    cv2.rectangle(img, (100, 700), (980, 1200), (235, 235, 235), -1)  # light card ...
    cv2.rectangle(img, (100, 300), (700, 360), (255, 255, 255), -1)  # ... but white text outside
    _nav_bar(img)
    assert detect_window(img, density=D) is None


def test_navigation_drawer_is_not_a_popup():
    img = with_scrim(normal_list())
    img[SB:H - NAV, :800] = (255, 255, 255)  # drawer: touches the top, bottom and left side
    assert detect_window(img, density=D) is None


def test_web_capture_without_status_bar_is_not_a_popup():
    page = normal_list()[SB:]
    assert detect_window(np.ascontiguousarray(page), density=D, status_bar_expected=False) is None


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (40, 120, 200)])
def test_solid_colour_is_not_a_window(colour):
    img = np.full((H, W, 3), colour, np.uint8)
    assert detect_window(img, density=D) is None


@pytest.mark.parametrize("shape", [(1, 1, 3), (10, 10, 3), (15, 400, 3), (400, 12, 3)])
def test_tiny_images_return_none(shape):
    assert detect_window(np.full(shape, 128, np.uint8), density=1.0) is None


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="frame"):
        detect_window(np.zeros((100, 100), np.uint8), density=2.0)
    with pytest.raises(ValueError, match="frame"):
        detect_window(np.zeros((100, 100, 3), np.float32), density=2.0)
    for bad in (0, -1.0, float("nan"), True):
        with pytest.raises(ValueError, match="density"):
            detect_window(np.zeros((100, 100, 3), np.uint8), density=bad)


def test_half_size_screenshot_same_answer():
    small = cv2.resize(card_over_scrim(), (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    win = detect_window(small, density=D / 2)
    assert win is not None and win.kind in ("card", "dialog")
    assert _close(win.box, (50, 310, 490, 620), 5), win.box


# --- the real corpus ----------------------------------------------------------------------
@pytest.mark.corpus
def test_corpus_popup_presence():
    """Regression floors a little under what was measured (F1 0.905, false-pop 0 / 73)."""
    labels = CORPUS / "labels.jsonl"
    if not labels.is_file():
        pytest.skip(f"corpus not found at {CORPUS} (labels.jsonl missing)")
    tp = fp = fn = tn = 0
    web_fp = 0
    for line in labels.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        img = cv2.imread(str(CORPUS / d["image"]))
        assert img is not None, d["image"]
        density = d["density"] or 2.625 * img.shape[1] / 1080
        pred = detect_window(img, density=density) is not None
        if d["has_popup"]:
            tp += pred
            fn += not pred
        else:
            fp += pred
            tn += not pred
            # the same normal screen captured without its status bar, in web mode
            cut = np.ascontiguousarray(img[int(round(24 * density)):])
            web_fp += detect_window(cut, density=density, status_bar_expected=False) is not None
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.85, f"F1 {f1:.3f} (tp {tp}, fp {fp}, fn {fn})"
    assert fp / (fp + tn) <= 0.05, f"false-pop rate {fp}/{fp + tn}"
    assert web_fp / (fp + tn) <= 0.05, f"web-mode false-pop {web_fp}/{fp + tn}"
