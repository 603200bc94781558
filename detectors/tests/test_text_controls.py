"""Text dismiss controls: the keyword grammar, the OCR's text detection, and dialogs drawn with a CJK font."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.close_controls import find_close_controls
from detectors.model import Window
from detectors.ocr import KEYWORDS_FILE, TextReader, _load_keywords, is_ad_text, is_close_text, is_cta_text

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


# --- grammar ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "跳过 3", "3 跳过", "5s | 跳过", "跳过广告 5", "3 秒后跳过", "跳 过", "跳過", "Skip 5", "SKIP AD ›",
    "取消", "取 消", "以后再说", "下次再说", "暂不更新", "暂不开启", "暂不领取", "不了", "不了，谢谢", "残忍拒绝",
    "Cancel", "NO THANKS", "No, thanks", "Not now", "Don't Show", "DON'T SHOW AGAIN", "Do not show again",
    "关闭", "关闭广告", "不再提示",
])
def test_negative_answers_and_skips_are_close_text(text):
    assert is_close_text(text), text
    assert not is_cta_text(text), text


@pytest.mark.parametrize("text", [
    # acknowledgements and primary actions: calls to action, not dismiss controls (corpus labelling call)
    "我知道了", "知道了", "OK", "确定", "立即更新", "去开启", "Install", "RATE NOW",
])
def test_acknowledgements_and_primary_actions_are_not_close_text(text):
    assert not is_close_text(text), text
    assert is_cta_text(text), text


@pytest.mark.parametrize("text", [
    # a video player's own skip, clock times, onboarding steps, a prefix with a sentence after it
    "跳过片头", "跳过片尾", "跳过视频", "12:30", "08：45", "下一步", "完成", "选好了", "暂不支持该功能请升级到最新版本",
    "取消订单成功", "",
])
def test_look_alikes_are_rejected(text):
    assert not is_close_text(text), text


@pytest.mark.parametrize("text,expected", [
    ("广告", True), ("AD", True), ("Sponsored", True), ("INSTALL ›", True), ("立即下载", True),
    ("了解更多", True), ("开始游戏", False), ("Play", False), ("add", False), ("广告位招租中", False),
])
def test_ad_cues(text, expected):
    assert is_ad_text(text) is expected


def test_keyword_file_is_the_grammar_and_is_checked(tmp_path):
    kw = _load_keywords(KEYWORDS_FILE)
    assert "以后再说" in kw["close_cjk"] and "暂不" in kw["close_cjk_prefixes"] and "我知道了" in kw["cta_cjk"]
    bad = tmp_path / "k.yaml"
    bad.write_text("close_latin: [skip]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="close_cjk"):
        _load_keywords(bad)


# --- text detection ----------------------------------------------------------------------------
class _DetEngine:
    """Returns fixed quads in the det input's pixels and records the input size."""

    def __init__(self, quads):
        self.quads, self.shapes = quads, []

    def __call__(self, img, use_det=True, use_cls=False, use_rec=True):
        self.shapes.append(img.shape)

        class R:
            boxes = np.asarray(self.quads, dtype=float)
        return R()


def test_detect_lines_scales_down_and_maps_back_to_image_pixels():
    img = np.full((600, 1024, 3), 255, np.uint8)
    eng = _DetEngine([[[64, 32], [128, 32], [128, 48], [64, 48]]])
    r = TextReader(engine=eng)
    boxes = r.detect_lines(img, max_side=512)
    assert eng.shapes == [(288, 512, 3)]  # 600×1024 at 0.5, sides rounded to multiples of 32
    fx, fy = 1024 / 512, 600 / 288
    assert boxes == [(int(64 * fx), int(np.floor(32 * fy)), int(128 * fx), int(np.ceil(48 * fy)))]
    assert r.detect_lines(img, max_side=512) == boxes and r.calls == 1  # cached


def test_detect_lines_never_scales_below_the_floor():
    eng = _DetEngine([])
    TextReader(engine=eng).detect_lines(np.zeros((2400, 1080, 3), np.uint8), max_side=256, min_scale=0.25)
    assert eng.shapes == [(608, 256, 3)]  # 0.25 × (2400, 1080) = (600, 270) → (608, 256)


def test_detect_lines_with_a_recognise_only_engine_finds_nothing():
    assert TextReader(engine=object()).detect_lines(np.zeros((100, 100, 3), np.uint8)) == []


# --- dialogs drawn with a CJK font, read by the real OCR ------------------------------------------
@pytest.fixture(scope="module")
def reader() -> TextReader:
    pytest.importorskip("rapidocr")
    return TextReader()


def _text(img: np.ndarray, xy: tuple[int, int], text: str, size: int, colour: tuple[int, int, int]) -> tuple[int, ...]:
    """Draw ``text`` (RGB colour) at ``xy`` with WenQuanYi Zen Hei; returns its ink box."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), size)
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    d = ImageDraw.Draw(pil)
    d.text(xy, text, font=font, fill=colour)
    img[:] = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    return tuple(int(v) for v in d.textbbox(xy, text, font=font))


def _dialog(neg: str, pos: str, *, w: int = 840, h: int = 520, seed: int = 0) -> tuple[np.ndarray, tuple[int, ...]]:
    """A white alert card (crop of a dialog, 3 px per dp): title, two body lines, iOS-style buttons."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 255, np.uint8)
    _text(img, (60, 50), "发现新版本", 54, (20, 20, 20))
    for i, line in enumerate(("修复了若干已知问题，提升稳定性", "优化了启动速度和页面加载")):
        _text(img, (60, 140 + 56 * i), line, 40, (90, 90, 90))
    cv2.line(img, (0, h - 132), (w, h - 132), (221, 221, 221), 2)
    cv2.line(img, (w // 2, h - 132), (w // 2, h), (221, 221, 221), 2)
    nb = _text(img, (w // 4 - 24 * len(neg), h - 92), neg, 48, (102, 102, 102))
    _text(img, (3 * w // 4 - 24 * len(pos), h - 92), pos, 48, (255, 80, 0))
    noise = rng.normal(0, 2.0, img.shape)  # a little sensor / JPEG noise
    return np.clip(img + noise, 0, 255).astype(np.uint8), nb


@pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei is not installed (scripts/setup.sh installs it)")
@pytest.mark.parametrize("neg,pos", [("以后再说", "立即更新"), ("取消", "确定"), ("暂不开启", "去开启"),
                                     ("下次再说", "去设置")])
def test_dialog_text_button_is_found_on_a_card(reader, neg, pos):
    img, nb = _dialog(neg, pos)
    win = Window(box=(0, 0, img.shape[1], img.shape[0]), kind="dialog", confidence=0.9)
    found = find_close_controls(img, window=win, density=3.0, reader=reader)
    texts = [c for c in found if c.kind == "text"]
    assert texts, f"{neg} not found"
    c = texts[0]
    assert is_close_text(c.text or "") and (c.text or "").replace(" ", "") == neg
    cx, cy = (c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2
    assert nb[0] - 12 <= cx <= nb[2] + 12 and nb[1] - 12 <= cy <= nb[3] + 12
    assert all(not is_close_text(t.text or "") or t.text.replace(" ", "") == neg for t in found if t.kind == "text")


@pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei is not installed (scripts/setup.sh installs it)")
def test_text_detection_finds_the_button_line_the_cheap_lines_join_to_a_divider(reader):
    """The label touching the button row's divider: the det model still separates it."""
    img, nb = _dialog("以后再说", "立即更新", seed=1)
    lines = reader.detect_lines(img)
    cx, cy = (nb[0] + nb[2]) / 2, (nb[1] + nb[3]) / 2
    assert any(b[0] <= cx < b[2] and b[1] <= cy < b[3] for b in lines)
