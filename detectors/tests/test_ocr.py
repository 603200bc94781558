"""Self-tests of detectors.ocr: text classifiers, the lazy reader, real recognition of
rendered text."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from detectors.ocr import TextHit, TextReader, is_close_text, is_cta_text

CLOSE = [
    "跳过", "跳过 5", "跳过5", "5s 跳过", "5 跳过", "5 | 跳过", "跳过 | 3s", "5秒后跳过", "跳過", "跳过广告 3",
    "Skip", "SKIP", "Skip 5", "Skip Ad", "Skip Ad ›", "Skip in 5", "5s Skip", "Sk1p",
    "关闭", "关闭广告", "Close", "CLOSE", "×", "✕", "x", "X",
    "No thanks", "NO THANKS", "N0 THANKS", "NOTHANKS", "No, thanks", "Not now", "Not now, thanks",
    "Later", "LATER", "Maybe later", "Remind me later", "Cancel", "CANCEL", "Dismiss",
    "No", "Deny", "DENY", "Decline", "Disagree", "Disagree and Quit", "Don't allow",
    "以后再说", "暂不", "暂不需要", "取消", "不了", "不了，谢谢", "残忍拒绝", "不同意", "我再想想",
    "ＳＫＩＰ",  # full-width
]
CTA = [
    "Download", "DOWNLOAD NOW", "Install", "INSTALL NOW", "Open", "Learn more", "Get it", "Agree",
    "Agree and Continue", "Allow", "OK", "Yes, I like it.", "RATE NOW!", "Shop now", "Play now",
    "立即下载", "立即领取", "查看详情", "点击跳转", "了解更多", "同意", "允许", "确定", "马上抢购", "去看看 >",
]
NEITHER = [
    "", "   ", "5", "05", "Nothing", "Noting", "Closed", "Closet", "Skipping rope", "Cancel subscription",
    "No internet connection", "Notifications", "xbox", "Box", "Welcome to Weibo!", "Terms And Privacy Policy",
    "4.5★", "100 million", "欢迎使用", "今日推荐", "Kiss",
]


@pytest.mark.parametrize("text", CLOSE)
def test_close_texts(text):
    assert is_close_text(text)
    assert not is_cta_text(text)


@pytest.mark.parametrize("text", CTA)
def test_cta_texts_are_not_close(text):
    assert is_cta_text(text)
    assert not is_close_text(text)


@pytest.mark.parametrize("text", NEITHER)
def test_other_texts(text):
    assert not is_close_text(text)
    assert not is_cta_text(text)


def test_import_does_not_load_models():
    code = "import sys, detectors.ocr as o; r = o.TextReader(); print('rapidocr' in sys.modules, 'onnxruntime' in sys.modules, r.loaded)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


class FakeEngine:
    """RapidOCR-like engine: answers recognition calls, counts them."""

    def __init__(self):
        self.calls = 0

    def __call__(self, img, use_det=None, use_cls=None, use_rec=None):
        self.calls += 1

        class R:
            txts = ("Skip",)
            scores = (0.9,)
            boxes = np.array([[[2, 3], [30, 3], [30, 12], [2, 12]]], float) if use_det else None

        return R()


def test_reader_caches_and_maps_boxes_to_frame_pixels():
    eng = FakeEngine()
    reader = TextReader(engine=eng)
    frame = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    hits = reader.read_lines(frame, [(10, 20, 110, 50)])
    assert hits == [TextHit(box=(10, 20, 110, 50), text="Skip", score=0.9)]
    reader.read_lines(frame, [(10, 20, 110, 50)])
    assert eng.calls == 1  # second read is served from the cache
    got = reader.read(frame, (100, 50, 200, 150))
    assert got == [TextHit(box=(102, 53, 130, 62), text="Skip", score=0.9)]
    with pytest.raises(ValueError, match="frame"):
        reader.read(frame[..., 0])
    with pytest.raises(ValueError, match="threads"):
        TextReader(threads=0)


@pytest.fixture(scope="module")
def reader() -> TextReader:
    pytest.importorskip("rapidocr")
    return TextReader()


def _line(text: str, scale: float = 1.2, fg=(30, 30, 30), bg=(250, 250, 250)) -> np.ndarray:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    img = np.full((th + base + 20, tw + 20, 3), bg, np.uint8)
    cv2.putText(img, text, (10, th + 10), cv2.FONT_HERSHEY_SIMPLEX, scale, fg, 2, cv2.LINE_AA)
    return img


def test_real_recognition_of_rendered_lines(reader):
    texts = ["No thanks", "Skip 5", "INSTALL"]
    got = reader.recognise([_line(t) for t in texts])
    assert [t.replace(" ", "").lower() for t, _ in got] == [t.replace(" ", "").lower() for t in texts]
    assert all(s > 0.8 for _, s in got)
    assert is_close_text(got[0][0]) and is_close_text(got[1][0]) and is_cta_text(got[2][0])


def test_real_detection_and_recognition_in_a_region(reader):
    frame = np.full((400, 600, 3), 255, np.uint8)
    line = _line("Close", scale=1.4)
    frame[300 : 300 + line.shape[0], 350 : 350 + line.shape[1]] = line
    hits = reader.read(frame, (300, 250, 600, 400))
    assert len(hits) == 1 and is_close_text(hits[0].text)
    x1, y1, x2, y2 = hits[0].box
    assert 350 <= x1 <= 370 and 300 <= y1 <= 320 and 350 + line.shape[1] - 20 <= x2 <= 360 + line.shape[1]
