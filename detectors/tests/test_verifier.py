"""detectors.verifier: the committed ONNX model, its agreement with the training framework, and
rendered controls found per style and size.

The rendered screens and controls here are drawn by this file's own code with its own seed
(``TEST_SEED``), not by the training generator (``detectors.train.synth``, seed stream
``[20261207, chunk]``), so they are screens the model has not seen.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from detectors.verifier import (CLASSES, CROP_PX, MODEL_PATH, Detection, Verifier, VerifierParams, crop_batch,
                                crop_regions, detect_controls, select, to_controls)
from detectors.proposals import Proposal, propose

TEST_SEED = 5150
REFERENCE = MODEL_PATH.with_name("close_verifier_reference.npz")
CARD = MODEL_PATH.with_name("MODEL_CARD.md")
FONT_ZH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_EN = "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier()


# --- the model file ---------------------------------------------------------------------------


def test_model_is_small_and_its_card_names_its_hash():
    assert MODEL_PATH.is_file(), "run python -m detectors.train"
    assert MODEL_PATH.stat().st_size <= 5 * 1024 * 1024
    sha = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()
    assert sha in CARD.read_text(encoding="utf-8")


def test_model_loads_quickly_and_takes_batches():
    v = Verifier()
    t0 = time.perf_counter()
    v._load()
    load_s = time.perf_counter() - t0
    assert load_s < 3.0  # ≈ 0.05 s idle; the target is ≤ 1 s, with slack for a loaded CI machine
    for n in (1, 7):
        p = v.score(np.zeros((n, 1, CROP_PX, CROP_PX), np.float32), np.zeros((n, 2), np.float32))
        assert p.shape == (n, len(CLASSES))
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_onnx_agrees_with_the_torch_outputs_stored_at_training(verifier):
    ref = np.load(REFERENCE)
    probs = verifier.score(ref["crops"], ref["extras"])
    z = ref["logits"] - ref["logits"].max(axis=1, keepdims=True)
    torch_probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, torch_probs, atol=1e-4)
    assert (probs.argmax(1) == torch_probs.argmax(1)).all()


def test_the_scorer_is_injectable():
    class Fake:
        def __init__(self):
            self.n = 0

        def score(self, crops, extras):
            self.n += len(crops)
            out = np.zeros((len(crops), len(CLASSES)), np.float32)
            out[:, 0] = 1.0  # everything is background
            return out

    img = _app_screen(np.random.default_rng(TEST_SEED), 720, 1560)
    fake = Fake()
    assert detect_controls(img, density=2.0, scorer=fake) == []
    assert fake.n > 0


def test_crops_are_standardised_and_sized():
    img = np.zeros((200, 200, 3), np.uint8)
    img[50:100, 50:100] = 255
    crops, extras = crop_batch(img, [(50, 50, 100, 100), (-10, -10, 20, 20)], density=2.0)
    assert crops.shape == (2, 1, CROP_PX, CROP_PX) and crops.dtype == np.float32
    assert abs(float(crops[0].mean())) < 1e-3
    np.testing.assert_allclose(extras[0], [np.log2(25 / 16)] * 2, atol=1e-5)


def _crops_one_by_one(frame, boxes, density):
    """The per-crop reference of crop_batch's crops (its loop before the batched standardisation)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    H, W = gray.shape
    out = np.zeros((len(boxes), 1, CROP_PX, CROP_PX), np.float32)
    for i, (x1, y1, x2, y2) in enumerate(crop_regions(np.asarray(boxes, np.float32), density)):
        ix1, iy1 = int(np.floor(x1)), int(np.floor(y1))
        ix2, iy2 = max(ix1 + 2, int(np.ceil(x2))), max(iy1 + 2, int(np.ceil(y2)))
        cx1, cy1, cx2, cy2 = max(0, ix1), max(0, iy1), min(W, ix2), min(H, iy2)
        if cx2 - cx1 < 1 or cy2 - cy1 < 1:
            continue
        sub = cv2.copyMakeBorder(gray[cy1:cy2, cx1:cx2], cy1 - iy1, iy2 - cy2, cx1 - ix1, ix2 - cx2,
                                 cv2.BORDER_REPLICATE)
        interp = cv2.INTER_AREA if sub.shape[0] > CROP_PX or sub.shape[1] > CROP_PX else cv2.INTER_LINEAR
        g = cv2.resize(sub, (CROP_PX, CROP_PX), interpolation=interp).astype(np.float32)
        out[i, 0] = (g - g.mean()) / (g.std() + 8.0)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_crops_equal_the_one_by_one_crops_bit_for_bit(seed):
    # the batch standardisation must not change a single value the model sees
    rng = np.random.default_rng(seed)
    img = _photo_screen(rng, 1080, 2400) if seed == 1 else _popup(rng, 1080, 2400)[0]
    boxes = [p.box for p in propose(img, density=2.625)] + [(-40, -40, 12, 12), (1070, 2390, 1120, 2440)]
    crops, _ = crop_batch(img, boxes, density=2.625)
    ref = _crops_one_by_one(img, boxes, 2.625)
    assert len(boxes) > 20
    assert np.array_equal(crops.view(np.uint32), ref.view(np.uint32))


def test_select_keeps_one_control_per_place_preferring_the_badge_over_its_glyph():
    props = [Proposal((100, 100, 120, 120), "blob", 1.0), Proposal((90, 90, 130, 130), "outline", 1.0),
             Proposal((400, 400, 440, 440), "blob", 1.0)]
    probs = np.array([[0.05, 0.95, 0, 0], [0.1, 0.9, 0, 0], [0.9, 0.1, 0, 0]], np.float32)
    dets = select(props, probs, VerifierParams(min_prob=0.6))
    assert len(dets) == 1 and dets[0].box == (90, 90, 130, 130) and dets[0].kind == "x_icon"
    assert dets[0].prob == pytest.approx(0.95)
    ctrl = to_controls([Detection((1, 2, 3, 4), "countdown", 0.8)])[0]
    assert ctrl.kind == "text" and ctrl.box == (1, 2, 3, 4)


# --- rendered controls on screens the model has not seen ----------------------------------------


def _app_screen(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A light list screen: app bar, rows with avatar discs and grey text bars, a tab bar."""
    img = np.full((h, w, 3), 250, np.uint8)
    s = w / 360
    img[: int(80 * s)] = rng.integers(30, 220, 3)
    y = int(100 * s)
    while y < h - 80 * s:
        cv2.circle(img, (int(34 * s), y + int(22 * s)), int(18 * s), tuple(int(v) for v in rng.integers(40, 220, 3)), -1)
        cv2.rectangle(img, (int(64 * s), y + int(10 * s)), (int(rng.uniform(160, 320) * s), y + int(20 * s)),
                      (70, 70, 70), -1)
        cv2.rectangle(img, (int(64 * s), y + int(28 * s)), (int(rng.uniform(120, 300) * s), y + int(35 * s)),
                      (160, 160, 160), -1)
        y += int(60 * s)
    img[h - int(56 * s):] = 245
    for i in range(4):
        cv2.rectangle(img, (int((45 + 90 * i) * s - 10 * s), h - int(40 * s)),
                      (int((45 + 90 * i) * s + 10 * s), h - int(20 * s)), (120, 120, 120), 2)
    return img


def _photo_screen(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A photo-like splash: smooth colour field with blobs and fine noise."""
    small = rng.integers(0, 256, (12, 6, 3)).astype(np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(10):
        cv2.circle(img, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(20, 160)),
                   tuple(int(v) for v in rng.integers(0, 256, 3)), -1)
    img = cv2.GaussianBlur(img, (0, 0), 6)
    return np.clip(img.astype(np.int16) + rng.integers(-6, 7, img.shape), 0, 255).astype(np.uint8)


def _popup(rng: np.random.Generator, w: int, h: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    img = (_app_screen(rng, w, h).astype(np.float32) * 0.35).astype(np.uint8)
    card = (int(0.12 * w), int(0.3 * h), int(0.88 * w), int(0.62 * h))
    img[card[1]:card[3], card[0]:card[2]] = _photo_screen(rng, card[2] - card[0], card[3] - card[1])
    return img, card


def _draw_pil(img: np.ndarray, fn) -> np.ndarray:
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).convert("RGBA")
    layer = Image.new("RGBA", pil.size, (0, 0, 0, 0))
    fn(ImageDraw.Draw(layer))
    return cv2.cvtColor(np.asarray(Image.alpha_composite(pil, layer).convert("RGB")), cv2.COLOR_RGB2BGR)


def _x_badge(img, cx, cy, d_px, style):
    """A × of ``d_px`` (badge or glyph); returns its box."""
    r = d_px / 2
    if style == "badge":
        cv2.circle(img, (cx, cy), int(r), (40, 40, 40), -1, cv2.LINE_AA)
        g, ink, t = 0.45 * r, (255, 255, 255), max(2, int(d_px / 12))
    elif style == "ring":
        cv2.circle(img, (cx, cy), int(r), (255, 255, 255), max(2, int(d_px / 14)), cv2.LINE_AA)
        g, ink, t = 0.42 * r, (255, 255, 255), max(2, int(d_px / 14))
    else:  # bare thin glyph
        g, ink, t = r * 0.9, (255, 255, 255), max(2, int(d_px / 10))
    a = int(g)
    cv2.line(img, (cx - a, cy - a), (cx + a, cy + a), ink, t, cv2.LINE_AA)
    cv2.line(img, (cx - a, cy + a), (cx + a, cy - a), ink, t, cv2.LINE_AA)
    return (int(cx - r), int(cy - r), int(cx + r) + 1, int(cy + r) + 1)


def _pill(img, x2, y1, text, h_px, *, ring=False, light=False):
    """A translucent pill (or countdown ring) ending at x2; returns (image, box)."""
    font = ImageFont.truetype(FONT_ZH if re.search(r"[\u4e00-\u9fff]", text) else FONT_EN, int(h_px * 0.45))
    l, t, r, b = font.getbbox(text)
    if ring:
        d = int(max(r - l, b - t) * 1.5) + 6
        box = (x2 - d, y1, x2, y1 + d)

        def fn(dr):
            dr.ellipse(box, fill=(0, 0, 0, 150))
            dr.arc(box, -90, 180, fill=(255, 200, 0, 255), width=max(2, d // 14))
            dr.text(((box[0] + box[2] - (r - l)) / 2 - l, (box[1] + box[3] - (b - t)) / 2 - t), text,
                    font=font, fill=(255, 255, 255, 255))
    else:
        wpx = int((r - l) + h_px * 0.9)
        box = (x2 - wpx, y1, x2, y1 + int(h_px))

        def fn(dr):
            dr.rounded_rectangle(box, int(h_px / 2), fill=(255, 255, 255, 230) if light else (0, 0, 0, 130))
            dr.text(((box[0] + box[2] - (r - l)) / 2 - l, (box[1] + box[3] - (b - t)) / 2 - t), text,
                    font=font, fill=(50, 50, 50, 255) if light else (255, 255, 255, 255))
    return _draw_pil(img, fn), box


def _found(dets, box, kinds):
    g = max(8.0, 0.25 * min(box[2] - box[0], box[3] - box[1]))
    for d in dets:
        cx, cy = (d.box[0] + d.box[2]) / 2, (d.box[1] + d.box[3]) / 2
        if box[0] - g <= cx < box[2] + g and box[1] - g <= cy < box[3] + g:
            return d if d.kind in kinds else None
    return None


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    i = ix * iy
    return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i) if i else 0.0


# Known misses of the committed model (MODEL_CARD: held-out rendered recall 0.75): kept as
# non-strict xfail so that a better model shows up as XPASS, not hidden.
_KNOWN_MISS = {("badge", 14, 3.0, "popup"): "14 dp badge under a card: not proposed / scored",
               ("ring", 24, 2.0, "splash"): "thin ring on a photo: box is the glyph's grown guess"}
X_CASES = [pytest.param(style, dp, dens, where, marks=[pytest.mark.xfail(reason=_KNOWN_MISS[(style, dp, dens, where)],
                                                                        strict=False)]
                        if (style, dp, dens, where) in _KNOWN_MISS else [])
           for style in ("badge", "ring", "bare") for dp in (14, 24, 40)
           for dens, where in ((2.0, "splash"), (3.0, "popup"))]


@pytest.mark.parametrize("style,size_dp,density,where", X_CASES)
def test_x_controls_are_found(verifier, style, size_dp, density, where):
    rng = np.random.default_rng([TEST_SEED, size_dp, int(density * 10)])
    w, h = int(360 * density), int(780 * density)
    if where == "splash":
        img = _photo_screen(rng, w, h)
        cx, cy = w - int(36 * density), int(60 * density)
    else:
        img, card = _popup(rng, w, h)
        cx, cy = (card[0] + card[2]) // 2, card[3] + int(40 * density)  # × under the card
        if style == "ring":
            cx, cy = card[2] - int(size_dp * density), card[1] + int(size_dp * density)  # in its corner
    box = _x_badge(img, cx, cy, size_dp * density, style)
    dets = detect_controls(img, density=density, scorer=verifier)
    hit = _found(dets, box, {"x_icon"})
    assert hit is not None, f"{style} {size_dp} dp × at {box} not found as x_icon; got {dets[:5]}"
    if style != "bare":
        assert _iou(hit.box, box) >= 0.4, (hit.box, box)


TEXT_CASES = [
    ("跳过", "text", 28, False, False), ("Skip", "text", 28, False, False), ("关闭", "text", 24, True, False),
    ("跳过 3", "countdown", 30, False, False), ("3s | 跳过", "countdown", 28, False, False),
    ("Skip Ad 5", "countdown", 30, True, False), ("跳过", "countdown", 0, False, True),
    pytest.param("5", "countdown", 0, False, True, marks=pytest.mark.xfail(
        reason="a lone digit in a countdown ring: not found by the committed model", strict=False)),
    ("以后再说", "text", 36, True, False),
]


@pytest.mark.parametrize("text,kind,h_dp,light,ring", TEXT_CASES)
@pytest.mark.parametrize("density", [2.0, 3.0])
def test_text_and_countdown_controls_are_found(verifier, text, kind, h_dp, light, ring, density):
    rng = np.random.default_rng([TEST_SEED, len(text), h_dp, int(density * 10)])
    w, h = int(360 * density), int(780 * density)
    img = _photo_screen(rng, w, h)
    img, box = _pill(img, w - int(16 * density), int(40 * density), text, (h_dp or 40) * density * (0.6 if ring else 1),
                     ring=ring, light=light)
    dets = detect_controls(img, density=density, scorer=verifier)
    # the stack reports both as text controls; the verifier tells countdowns apart
    hit = _found(dets, box, {kind} if ring else {"text", "countdown"})
    assert hit is not None, f"{text!r} ({kind}) at {box} not found; got {dets[:5]}"
    assert _iou(hit.box, box) >= 0.3, (hit.box, box)


def test_a_plain_app_screen_has_few_confident_detections(verifier):
    """Hard negatives of an ordinary screen (avatars, text bars, tab glyphs): no control."""
    rng = np.random.default_rng([TEST_SEED, 1])
    img = _app_screen(rng, 1080, 2340)
    dets = detect_controls(img, density=3.0, scorer=verifier, params=VerifierParams(min_prob=0.8))
    assert len(dets) <= 1, dets
