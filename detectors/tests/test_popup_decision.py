"""The pop-up decision: weak evidence is never a violation, crops of dialogs are pop-ups, button rows promote."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.analyze import analyze_frame
from detectors.model import CloseControl, Outcome
from detectors.window import detect_window, is_screen_shaped, is_weak, promote_by_controls

D = 2.625
W, H = 1080, 1920
SB = round(24 * D)
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


class _NoOcr:
    def recognise(self, crops):
        return [("", 0.0)] * len(crops)


def _by_rule(a):
    return {f.rule: f for f in a.findings}


def _status_bar(img: np.ndarray) -> None:
    img[:SB] = (255, 255, 255)
    for i in range(4):
        cv2.rectangle(img, (20 + 24 * i, 18), (36 + 24 * i, 46), (30, 30, 30), -1)
        cv2.rectangle(img, (1040 - 48 * (i + 1), 18), (1072 - 48 * (i + 1), 46), (30, 30, 30), -1)


def game_menu(seed: int = 0) -> np.ndarray:
    """An immersive game lobby: art, a coin pill top left, three big buttons, a tab bar, no status bar."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    r = np.hypot(xx - W / 2, yy - H / 5) / H
    img = np.stack([200 - 150 * r, 160 - 100 * r, 60 + 40 * r], axis=2)
    img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
    for _ in range(60):  # game art: stars, gems, clouds all over the screen
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        cv2.circle(img, (int(rng.integers(0, W)), int(rng.integers(0, H))), int(rng.integers(10, 60)), c, -1)
    cv2.rectangle(img, (30, 40), (330, 115), (40, 40, 40), -1)  # coin counter pill
    cv2.rectangle(img, (60, 55), (300, 100), (60, 210, 250), -1)
    for i, col in enumerate([(70, 160, 67), (0, 140, 251), (170, 36, 142)]):
        cv2.rectangle(img, (250, 1000 + 190 * i), (830, 1140 + 190 * i), col, -1)
        cv2.rectangle(img, (380, 1050 + 190 * i), (700, 1090 + 190 * i), (255, 255, 255), -1)
    for i in range(5):  # the lobby's tab bar across the bottom: shop, heroes, battle, clan, events
        cv2.rectangle(img, (20 + 212 * i, H - 190), (200 + 212 * i, H - 30), (40, 60, 90), -1)
        cv2.circle(img, (110 + 212 * i, H - 120), 45, (60, 200, 240), -1)
    return img


def _x_badge(img, cx, cy, r):
    cv2.circle(img, (cx, cy), r, (30, 30, 30), -1, cv2.LINE_AA)
    a = int(r * 0.42)
    cv2.line(img, (cx - a, cy - a), (cx + a, cy + a), (255, 255, 255), 6, cv2.LINE_AA)
    cv2.line(img, (cx - a, cy + a), (cx + a, cy - a), (255, 255, 255), 6, cv2.LINE_AA)


# --- shapes ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("w,h,expected", [
    (1080, 1920, True), (1080, 2400, True), (1082, 2402, True), (720, 1280, True), (540, 960, True),
    (2400, 1080, True), (1920, 1080, True),  # landscape phone screenshots
    (840, 520, False), (900, 900, False), (1082, 533, False),  # crops: a dialog, a square, a sheet
    (1200, 1000, False),
])
def test_screen_shape(w, h, expected):
    assert is_screen_shaped(w, h) is expected


# --- weak immersive candidates ----------------------------------------------------------------------
def test_immersive_game_menu_is_only_a_weak_candidate():
    win = detect_window(game_menu(), density=D)
    assert win is not None and win.kind == "fullscreen" and is_weak(win)


def test_weak_candidate_without_a_control_is_needs_review_never_a_violation():
    a = analyze_frame(game_menu(), density=D, reader=_NoOcr())
    assert not a.popup and a.window is None
    assert all(f.outcome is not Outcome.VIOLATION for f in a.findings)
    present = _by_rule(a)["close-button-present"]
    assert present.outcome is Outcome.NEEDS_REVIEW
    assert present.measured["window_evidence"] == "weak"
    assert present.box_px[:3] == (0, 0, W) and present.box_px[3] >= H - 48 * D  # the content, bars trimmed
    assert "not judged" in (present.reason or "")


def test_weak_candidate_with_a_close_badge_is_a_popup():
    img = game_menu()
    _x_badge(img, W - 80, 300, 40)  # a 30 dp × badge on the art (not in the corner search band)
    a = analyze_frame(img, density=D, reader=_NoOcr())
    assert a.popup and a.window.kind == "fullscreen"
    assert a.window.cues["evidence"] == "control" and a.window.cues["confirmed_by"]["kind"] == "x_icon"
    assert _by_rule(a)["close-button-present"].outcome is Outcome.PASS


# --- button rows ------------------------------------------------------------------------------------
def _page() -> np.ndarray:
    img = np.full((H, W, 3), 250, np.uint8)
    _status_bar(img)
    return img


CONTENT = (0, SB, W, H)


def test_cancel_beside_a_call_to_action_promotes_as_dialog_buttons():
    cancel = CloseControl(box=(260, 1100, 380, 1150), kind="text", confidence=0.95, text="取消")
    ok = (700, 1098, 820, 1152)
    cue = promote_by_controls(_page(), [cancel], CONTENT, density=D, ctas=[ok])
    assert cue is not None and cue["reason"] == "dialog_buttons"


@pytest.mark.parametrize("cta", [
    (700, 1300, 820, 1352),  # another row
    (40, 600, 1040, 1000),  # a big picture, not a button
])
def test_cancel_without_a_partner_in_its_row_does_not_promote(cta):
    cancel = CloseControl(box=(260, 1100, 380, 1150), kind="text", confidence=0.95, text="取消")
    assert promote_by_controls(_page(), [cancel], CONTENT, density=D, ctas=[cta]) is None
    assert promote_by_controls(_page(), [cancel], CONTENT, density=D) is None


# --- sheets over gesture navigation ------------------------------------------------------------------
def test_sheet_reaches_the_bottom_over_rows_the_layout_took_for_a_nav_bar():
    img = _page()
    img[SB:] = (img[SB:].astype(np.float32) * 0.45).astype(np.uint8)  # scrim over the page
    for y in range(SB + 100, 1100, 160):  # dimmed list rows
        cv2.rectangle(img, (60, y), (900, y + 40), (50, 50, 50), -1)
    top = 1300
    img[top:] = (255, 255, 255)
    for i in range(4):  # share targets, the last row just above the bottom 48 dp
        cv2.circle(img, (150 + 250 * i, top + 150), 60, (0, 160, 250), -1)
        cv2.circle(img, (150 + 250 * i, H - 172), 60, (0, 160, 250), -1)
    cv2.rectangle(img, (480, H - 80), (600, H - 40), (60, 60, 60), -1)  # "Cancel" in the last 40 dp
    win = detect_window(img, density=D)
    assert win is not None and win.kind == "sheet"
    assert abs(win.box[1] - top) <= 8 and win.box[3] == H
    assert win.cues.get("extended_over_nav_px", 0) > 0


# --- partial captures (crops of the dialog) -----------------------------------------------------------
def _draw(img, xy, text, size, colour):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    d = ImageDraw.Draw(pil)
    d.text(xy, text, font=font, fill=colour)
    img[:] = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    return tuple(int(v) for v in d.textbbox(xy, text, font=font))


def crop_dialog(neg: str, pos: str, *, lines: int, style: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """A dialog cropped from a screenshot: title, body lines, a button row (``ios`` / ``filled`` / ``link``)."""
    w, h = 840, 300 + 56 * lines
    img = np.full((h, w, 3), 255, np.uint8)
    _draw(img, (60, 40), "温馨提示", 50, (20, 20, 20))
    for i in range(lines):
        _draw(img, (60, 120 + 56 * i), "我们非常重视您的个人信息和隐私保护"[:10 + 2 * (i % 3)], 36, (90, 90, 90))
    if style == "ios":
        cv2.line(img, (0, h - 132), (w, h - 132), (221, 221, 221), 2)
        cv2.line(img, (w // 2, h - 132), (w // 2, h), (221, 221, 221), 2)
        nb = _draw(img, (w // 4 - 24 * len(neg), h - 92), neg, 48, (102, 102, 102))
        _draw(img, (3 * w // 4 - 24 * len(pos), h - 92), pos, 48, (255, 80, 0))
    elif style == "filled":
        cv2.rectangle(img, (40, h - 140), (400, h - 40), (238, 238, 238), -1)
        cv2.rectangle(img, (440, h - 140), (800, h - 40), (255, 90, 40), -1)
        nb = _draw(img, (220 - 22 * len(neg), h - 115), neg, 44, (80, 80, 80))
        _draw(img, (620 - 22 * len(pos), h - 115), pos, 44, (255, 255, 255))
    else:  # a big primary button and a faint text link under it
        cv2.rectangle(img, (170, h - 200), (670, h - 110), (255, 90, 40), -1)
        _draw(img, (420 - 22 * len(pos), h - 178), pos, 44, (255, 255, 255))
        nb = _draw(img, (420 - 16 * len(neg), h - 80), neg, 32, (170, 170, 170))
    return img, nb


@pytest.fixture(scope="module")
def reader():
    pytest.importorskip("rapidocr")
    from detectors.ocr import TextReader

    return TextReader()


needs_font = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei is not installed (scripts/setup.sh)")


@needs_font
@pytest.mark.parametrize("neg,pos,lines,style,scale,quality", [
    ("以后再说", "立即更新", 2, "ios", 1.0, 95),
    ("取消", "确定", 9, "filled", 0.45, 50),
    ("暂不开启", "去开启", 9, "ios", 0.45, 95),
    ("不了，谢谢", "立即开通", 2, "link", 1.0, 50),
    ("残忍拒绝", "领取", 9, "link", 0.45, 50),
])
def test_a_crop_of_a_dialog_is_a_popup_with_its_text_button(reader, neg, pos, lines, style, scale, quality):
    img, nb = crop_dialog(neg, pos, lines=lines, style=style)
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        nb = tuple(v * scale for v in nb)
    img = cv2.imdecode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)
    a = analyze_frame(img, reader=reader)  # no density: a loose crop
    assert a.popup and a.window.kind == "card" and a.window.cues.get("partial_capture")
    assert a.window.box == (0, 0, img.shape[1], img.shape[0])
    tol = 10
    hits = [c for c in a.controls if nb[0] - tol <= (c.box[0] + c.box[2]) / 2 <= nb[2] + tol
            and nb[1] - tol <= (c.box[1] + c.box[3]) / 2 <= nb[3] + tol]
    assert hits and hits[0].kind == "text", [(c.text, c.box) for c in a.controls]
    assert not any(c.text and pos in c.text for c in a.controls)  # the primary action is never a close control


@needs_font
def test_a_crop_with_only_an_acknowledgement_is_needs_review(reader):
    img = np.full((420, 840, 3), 255, np.uint8)
    _draw(img, (60, 40), "温馨提示", 50, (20, 20, 20))
    _draw(img, (60, 130), "您的账号已在其他设备登录", 36, (90, 90, 90))
    cv2.rectangle(img, (170, 280), (670, 370), (255, 90, 40), -1)
    _draw(img, (330, 302), "我知道了", 44, (255, 255, 255))
    a = analyze_frame(img, reader=reader)
    assert not a.popup
    present = _by_rule(a)["close-button-present"]
    assert present.outcome is Outcome.NEEDS_REVIEW and present.measured["partial_capture"] is True
