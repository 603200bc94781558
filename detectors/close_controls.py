"""Close-control localisation: X glyphs and text controls (跳过 5, Skip, 关闭, No thanks, ...).

Two detectors share one pass over the window region:

* **X glyphs** (no OCR). The region is scaled to ``WORK_PX_PER_DP`` px per dp and thresholded
  against its local mean at two neighbourhood sizes and in both polarities (light-on-dark and
  dark-on-light; small and large glyphs). Every connected component of glyph size is compared
  with rendered X templates of several stroke widths (intersection over union), so thin, bold,
  round-capped and square-capped X marks all match while letters, icons and photo texture do
  not. An X that is a letter inside a word (close neighbours of letter height) is dropped.
  A drawn mark also needs a clear grey-level step between its strokes and the ground between
  its arms (photo texture that happens to look like an X does not have one). Around each X a
  ray scan along the four axes, at full resolution, finds an enclosing badge (filled circle
  or rounded square, or a ring in the glyph's colour): the reported box is the badge when
  there is one, else the glyph.
* **Text controls** (OCR on a few lines only). Text lines are found with a morphological
  gradient and a horizontal closing; each line gets a cheap score (inside a pill/button,
  isolated rather than part of a paragraph, in the button row at the bottom of the window or
  in a top corner, short). Only the best ``OCR_MAX_LINES`` lines are read, with RapidOCR's
  recognition model alone in one batch (≈ 10 ms a line; its detection model would cost
  0.5–1 s). Text that :func:`detectors.ocr.is_close_text` accepts becomes a close control,
  text that :func:`detectors.ocr.is_cta_text` accepts a call to action. The box is the
  enclosing button or pill when the text sits in one (flood fill from beside the text; for a
  translucent pill over a photo, on a copy with the text erased), else the text.

:func:`scan_controls` returns both and caches its last results, so
:func:`find_close_controls` and :func:`find_ctas` on the same frame cost one scan.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np

from detectors.model import Box, CloseControl, Window
from detectors.ocr import TextHit, TextReader, is_close_text, is_cta_text

__all__ = ["ControlScan", "scan_controls", "find_close_controls", "find_ctas", "default_reader", "pin_frame"]

# --- working resolution --------------------------------------------------------------------
# The region is processed at this many px per dp (never upscaled): enough for a 1 dp stroke
# of a faint thin X to survive, and ≈ 3× fewer pixels than a 1080p frame at density 2.625.
WORK_PX_PER_DP = 1.5
# Margin (dp) around the window searched too: X badges often sit just outside a card corner.
EDGE_MARGIN_DP = 40.0

# --- X glyphs -------------------------------------------------------------------------------
# Glyph (strokes only, without badge) side in dp: the smallest real ones are ≈ 5 dp (a 12 dp
# badge), the largest ≈ 30 dp.
GLYPH_MIN_DP = 4.0
GLYPH_MAX_DP = 36.0
# Local-mean neighbourhoods (dp) for the adaptive thresholds: the small one separates a glyph
# from a badge only slightly different from the page, the large one keeps bold glyphs whole.
LOCAL_MEAN_DP = (12.0, 40.0)
# Minimum grey-level difference from the local mean for a pixel to belong to a glyph; low
# enough for faint grey-on-white marks (≈ 30 levels apart).
GLYPH_CONTRAST = 12
# Minimum grey-level step between a glyph's strokes and the ground between its arms: drawn
# marks, even faint ones, measure ≥ 44 on the corpus; X-like blobs of photo texture ≤ 25.
GLYPH_MIN_STEP = 32
# Minimum IoU between a component and the best-fitting rendered X.
X_IOU_MIN = 0.68
# Shape gates on the normalised mask: the ground between the arms at the middle of each side
# is (nearly) empty, and each corner holds an arm.
X_GAP_MAX = 0.2
X_TIP_MIN = 0.15
# Template size the components are normalised to.
X_TEMPLATE_PX = 32
# Badge ray scan: colour change (max abs BGR difference) that ends the badge fill, and how far
# (in glyph half-sizes) a badge edge may lie.
BADGE_COLOUR_TOL = 26
BADGE_MAX_RADII = 3.4

# --- text ------------------------------------------------------------------------------------
# Morphological-gradient levels that mark text edges: the low one catches faint text (dark
# grey on black reaches ≈ 25), the high one separates bright text from the photo texture
# seen through a translucent pill.
TEXT_GRADIENT_LEVELS = (18, 48)
# Gap (dp) closed between letters/words of one line.
TEXT_WORD_GAP_DP = 4.5
# Word gap (in line heights) still joined after the closing: spaces are ≈ 0.3 em.
TEXT_WORD_GAP_EM = 1.0
# Text line height (dp) range: 9 sp captions up to ≈ 30 sp headings.
TEXT_MIN_H_DP = 5.0
TEXT_MAX_H_DP = 34.0
# Width/height below which a "line" is an icon or a lone glyph, not worth reading.
TEXT_MIN_ASPECT = 1.4
# Lines read by OCR per window: the budget (≈ 8–10 ms a line on one core).
OCR_MAX_LINES = 8
# ... and at most this much line length (sum of width/height ratios): the recogniser's cost
# grows with the width of the lines it reads.
OCR_MAX_ASPECT_SUM = 30.0
# Lines whose cheap score is below this are never read.
OCR_MIN_LINE_SCORE = 1.4
# Score taken off lines longer than 12 heights (paragraph text), unless they sit in a button.
LONG_LINE_PENALTY = 0.8
# Window kinds whose region also goes through the OCR's text-detection model (panels: a few
# hundred px at the det scale); full-screen windows only when they are a cropped capture.
DET_WINDOW_KINDS = ("card", "dialog", "sheet")
# Score added to a line the text detector found (it is text, not an icon or texture).
DET_LINE_BONUS = 0.4
# A detected "line" taller than this share of the window is a picture, not text.
DET_LINE_MAX_SHARE = 0.25
# Flood-fill tolerance (per channel) when looking for the button around a text.
BUTTON_FILL_TOL = 8
# Translucent pills over photos: structuring element (in line heights) that erases text
# strokes, and the largest grey-level step between neighbours inside a pill (the photo seen
# through it is smooth once the text is erased; the pill's edge is a sharp step).
PILL_STROKE_ERASE = 0.3
PILL_FILL_STEP = 3

# --- output ----------------------------------------------------------------------------------
# Controls below this confidence are not reported.
MIN_CONFIDENCE = 0.5
# Scans kept in the module cache (keyed by frame content + window + density).
SCAN_CACHE_SIZE = 8


@dataclass(frozen=True)
class ControlScan:
    """Result of one scan of a window for close controls and calls to action.

    Attributes
    ----------
    controls : tuple of CloseControl
        Close controls, best first; boxes in frame pixels.
    ctas : tuple of Box
        Call-to-action buttons (Download, 立即领取, ...), frame pixels.
    text : tuple of TextHit
        Every line that was read (box: the text line, frame pixels).
    timings_ms : dict
        ``x``, ``lines``, ``ocr``, ``total`` in milliseconds.
    lines : tuple of Box
        Every candidate text line, read or not (icons and lone glyphs left out), frame pixels:
        what the text cascade (:mod:`detectors.text_cascade`) looks at for unread button rows.
    """

    controls: tuple[CloseControl, ...]
    ctas: tuple[Box, ...]
    text: tuple[TextHit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    lines: tuple[Box, ...] = ()


_default_reader: TextReader | None = None
_default_lock = threading.Lock()


def default_reader() -> TextReader:
    """The process-wide lazy :class:`TextReader` used when the caller passes none."""
    global _default_reader
    with _default_lock:
        if _default_reader is None:
            _default_reader = TextReader()
        return _default_reader


_scan_cache: OrderedDict[tuple, ControlScan] = OrderedDict()
_scan_lock = threading.Lock()


def find_close_controls(
    frame: np.ndarray, *, window: Window, density: float, reader: TextReader | None = None
) -> list[CloseControl]:
    """Every close/skip control of a window.

    Parameters
    ----------
    frame : (H, W, 3) uint8 BGR
    window : Window
        The splash/pop-up window; controls are searched in its box plus ``EDGE_MARGIN_DP``.
    density : float
        px per dp of the frame.
    reader : TextReader, optional
        OCR front end; a shared lazy one when None (tests pass fakes).

    Returns
    -------
    list of CloseControl
        Best first; ``box`` tight around the visible control (badge or glyph; pill or text),
        frame pixels, ``x2``/``y2`` exclusive; ``confidence`` 0..1.
    """
    return list(scan_controls(frame, window=window, density=density, reader=reader).controls)


def find_ctas(
    frame: np.ndarray, *, window: Window, density: float, reader: TextReader | None = None
) -> list[Box]:
    """Call-to-action buttons of a window (jump triggers: Download, Install, 立即领取, ...).

    Same parameters as :func:`find_close_controls`; shares its (cached) scan.

    Returns
    -------
    list of Box
        Button box (or text box when the text has no button), frame pixels.
    """
    return list(scan_controls(frame, window=window, density=density, reader=reader).ctas)


def scan_controls(
    frame: np.ndarray, *, window: Window, density: float, reader: TextReader | None = None
) -> ControlScan:
    """Close controls and calls to action of a window in one pass (cached per frame).

    See :func:`find_close_controls` for the parameters.
    """
    frame = _check_inputs(frame, window, density)
    if reader is None:
        reader = default_reader()
    key = (_fingerprint(frame), tuple(int(v) for v in window.box), round(float(density), 4), id(reader))
    with _scan_lock:
        hit = _scan_cache.get(key)
        if hit is not None:
            _scan_cache.move_to_end(key)
            return hit
    scan = _scan(frame, window, float(density), reader)
    with _scan_lock:
        _scan_cache[key] = scan
        while len(_scan_cache) > SCAN_CACHE_SIZE:
            _scan_cache.popitem(last=False)
    return scan


# ---------------------------------------------------------------------------------------------
# Input checks and helpers
# ---------------------------------------------------------------------------------------------


def _check_inputs(frame: np.ndarray, window: Window, density: float) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(
            "frame must be an H×W×3 uint8 BGR array, got "
            f"{getattr(frame, 'shape', type(frame))} {getattr(frame, 'dtype', '')}"
        )
    if not isinstance(window, Window):
        raise ValueError(f"window must be a detectors.model.Window, got {type(window).__name__}")
    if not (isinstance(density, (int, float)) and math.isfinite(density) and density > 0):
        raise ValueError(f"density must be a positive number of px per dp, got {density!r}")
    return frame


_pinned = threading.local()


def pin_frame(frame: np.ndarray) -> None:
    """Hash ``frame`` for the scan cache at most once while this very array object lives.

    For a caller that made ``frame`` itself and hands it to no one who could change it
    (:func:`detectors.analyze.analyze_frame` pins a fresh view of its input per call): its
    two or three scans of one frame then share one fingerprint (≈ 5 ms of CPU each at
    1080 × 2400). Per thread; only the latest pinned array counts, through a weak reference,
    so an array that is gone (or any other array) is hashed as usual.
    """
    _pinned.entry = (weakref.ref(frame), None)


def _fingerprint(frame: np.ndarray) -> bytes:
    entry = getattr(_pinned, "entry", None)
    if entry is not None and entry[0]() is frame:
        if entry[1] is None:
            entry = _pinned.entry = (entry[0], _hash_frame(frame))
        return entry[1]
    return _hash_frame(frame)


def _hash_frame(frame: np.ndarray) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(frame.shape, dtype=np.int64).tobytes())
    h.update(np.ascontiguousarray(frame[::2]).tobytes())  # every other row: ≈ 1 ms at 1080p
    return h.digest()


def _clip_box(box: tuple[float, float, float, float], w: int, h: int) -> Box:
    x1, y1, x2, y2 = box
    return (
        int(max(0, min(w, math.floor(x1)))),
        int(max(0, min(h, math.floor(y1)))),
        int(max(0, min(w, math.ceil(x2)))),
        int(max(0, min(h, math.ceil(y2)))),
    )


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    if inter == 0:
        return 0.0
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua


def _contains_point(box: Box, x: float, y: float) -> bool:
    return box[0] <= x < box[2] and box[1] <= y < box[3]


# ---------------------------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------------------------


@dataclass
class _Work:
    """The window region at working scale."""

    bgr: np.ndarray  # (h, w, 3) uint8
    gray: np.ndarray  # (h, w) uint8
    scale: float  # working px per frame px
    ox: int  # region origin in the frame
    oy: int
    win: tuple[float, float, float, float]  # window box in working coordinates
    px_per_dp: float  # working px per dp

    def to_frame(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        s = self.scale
        return (box[0] / s + self.ox, box[1] / s + self.oy, box[2] / s + self.ox, box[3] / s + self.oy)


def _make_work(frame: np.ndarray, window: Window, density: float) -> _Work | None:
    """The window's search region at working scale (``WORK_PX_PER_DP``); None when too small."""
    H, W = frame.shape[:2]
    wx1, wy1, wx2, wy2 = _clip_box(window.box, W, H)
    if wx2 - wx1 < 4 or wy2 - wy1 < 4:
        return None
    # badges sit just outside the corner of a card or dialog; a full-screen window has no outside
    m = int(round(EDGE_MARGIN_DP * density)) if window.kind != "fullscreen" else 0
    rx1, ry1, rx2, ry2 = max(0, wx1 - m), max(0, wy1 - m), min(W, wx2 + m), min(H, wy2 + m)
    scale = min(1.0, WORK_PX_PER_DP / density)
    region = frame[ry1:ry2, rx1:rx2]
    bgr = region if scale == 1.0 else cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _Work(
        bgr=bgr,
        gray=cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
        scale=scale,
        ox=rx1,
        oy=ry1,
        win=((wx1 - rx1) * scale, (wy1 - ry1) * scale, (wx2 - rx1) * scale, (wy2 - ry1) * scale),
        px_per_dp=density * scale,
    )


def _scan(frame: np.ndarray, window: Window, density: float, reader: TextReader) -> ControlScan:
    t0 = time.perf_counter()
    work = _make_work(frame, window, density)
    if work is None:
        return ControlScan((), (), (), {"total": 0.0})
    xs = _find_x_marks(work, frame)
    t1 = time.perf_counter()
    lines = _text_lines(work, _det_lines(frame, work, window, reader))
    t2 = time.perf_counter()
    text_controls, ctas, hits = _read_text_controls(frame, work, lines, reader)
    t3 = time.perf_counter()

    controls: list[CloseControl] = []
    for c in sorted(xs + text_controls, key=lambda c: -c.confidence):
        if c.confidence < MIN_CONFIDENCE:
            continue
        cx, cy = (c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2
        # one control per place: an X inside an accepted pill ("跳过 ×"), or the same X twice
        if any(_contains_point(o.box, cx, cy) or _iou(o.box, c.box) > 0.3 for o in controls):
            continue
        controls.append(c)
    timings = {
        "x": (t1 - t0) * 1e3,
        "lines": (t2 - t1) * 1e3,
        "ocr": (t3 - t2) * 1e3,
        "total": (time.perf_counter() - t0) * 1e3,
    }
    H, W = frame.shape[:2]
    cand = tuple(_clip_box(work.to_frame(l.box), W, H) for l in lines if l.score > -10.0)
    return ControlScan(tuple(controls), tuple(ctas), tuple(hits), timings, cand)


# ---------------------------------------------------------------------------------------------
# X glyphs
# ---------------------------------------------------------------------------------------------


def _render_x_templates() -> list[np.ndarray]:
    """X masks (float 0..1, X_TEMPLATE_PX²) for a range of stroke widths, anti-aliased."""
    n = X_TEMPLATE_PX
    up = 8
    out = []
    for t in np.arange(1.5, 14.0, 1.0):  # stroke width in template px
        big = np.zeros((n * up, n * up), np.uint8)
        inset = t * 0.36 * up  # round/square caps: the stroke's end lies inside the box
        a, b = inset, n * up - 1 - inset
        th = max(1, int(round(t * up)))
        cv2.line(big, (int(a), int(a)), (int(b), int(b)), 255, th, cv2.LINE_AA)
        cv2.line(big, (int(a), int(b)), (int(b), int(a)), 255, th, cv2.LINE_AA)
        out.append(cv2.resize(big, (n, n), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0)
    return out


_X_TEMPLATES = np.stack(_render_x_templates())  # (k, n, n)
_X_TEMPLATE_SUMS = _X_TEMPLATES.reshape(len(_X_TEMPLATES), -1).sum(axis=1)


def _x_iou(mask: np.ndarray) -> float:
    """Best IoU between a component mask (bool, h×w) and the X templates (soft masks).

    0 when the shape lacks what makes an X: four arms reaching the corners and empty ground
    between them at the middle of each side (a blob or a diamond fits a bold X template
    fairly well otherwise).
    """
    n = X_TEMPLATE_PX
    interp = cv2.INTER_AREA if min(mask.shape) > n else cv2.INTER_LINEAR
    m2 = cv2.resize(mask.astype(np.float32), (n, n), interpolation=interp)
    q, e = n // 8, n // 16  # sample-window offset from the border, half-size
    c = n // 2
    gaps = [m2[q - e : q + e + 1, c - e : c + e + 1], m2[n - q - e - 1 : n - q + e, c - e : c + e + 1],
            m2[c - e : c + e + 1, q - e : q + e + 1], m2[c - e : c + e + 1, n - q - e - 1 : n - q + e]]
    tips = [m2[: 2 * q, : 2 * q], m2[: 2 * q, n - 2 * q :], m2[n - 2 * q :, : 2 * q], m2[n - 2 * q :, n - 2 * q :]]
    if max(float(g.mean()) for g in gaps) > X_GAP_MAX or min(float(t.mean()) for t in tips) < X_TIP_MIN:
        return 0.0
    m = m2.reshape(1, -1)
    t = _X_TEMPLATES.reshape(len(_X_TEMPLATES), -1)
    inter = np.minimum(m, t).sum(axis=1)
    union = m.sum() + _X_TEMPLATE_SUMS - inter  # sum(max) = sum(a) + sum(b) - sum(min)
    return float((inter / np.maximum(union, 1e-6)).max())


@dataclass
class _Glyph:
    box: tuple[int, int, int, int]  # working px
    iou: float
    dark: bool  # dark glyph on lighter ground


def _find_x_marks(work: _Work, frame: np.ndarray) -> list[CloseControl]:
    gray = work.gray
    ppd = work.px_per_dp
    gmin = max(6, int(GLYPH_MIN_DP * ppd))
    gmax = int(GLYPH_MAX_DP * ppd)
    glyphs: list[_Glyph] = []
    g16 = gray.astype(np.int16)
    for k_dp in LOCAL_MEAN_DP:
        k = int(k_dp * ppd) | 1
        mean = cv2.blur(gray, (k, k)).astype(np.int16)
        for dark in (False, True):
            mask = ((mean - g16) > GLYPH_CONTRAST) if dark else ((g16 - mean) > GLYPH_CONTRAST)
            mask = mask.astype(np.uint8)
            n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            if n <= 1:
                continue
            ws, hs, areas = stats[:, 2], stats[:, 3], stats[:, 4]
            cand = np.nonzero(
                (ws >= gmin) & (hs >= gmin) & (ws <= gmax) & (hs <= gmax)
                & (ws <= hs * 1.5) & (hs <= ws * 1.5)
                & (areas >= 0.08 * ws * hs) & (areas <= 0.72 * ws * hs)
            )[0]
            for i in cand:
                if i == 0:
                    continue
                x, y, w, h = (int(v) for v in stats[i, :4])
                comp = labels[y : y + h, x : x + w] == i
                iou = _x_iou(comp)
                if iou < X_IOU_MIN:
                    continue
                if _glyph_step(gray[y : y + h, x : x + w], comp) < GLYPH_MIN_STEP:
                    continue  # a soft blob of photo texture, not a drawn glyph
                if _is_letter(stats, i, n):
                    continue
                glyphs.append(_Glyph((x, y, x + w, y + h), iou, dark))
    # the same glyph is found in several masks: keep the best fit
    glyphs.sort(key=lambda g: -g.iou)
    kept: list[_Glyph] = []
    for g in glyphs:
        if all(_iou(g.box, k.box) < 0.4 for k in kept):
            kept.append(g)
    out = []
    for g in kept:
        gbox = work.to_frame(g.box)
        badge = _badge(frame, gbox)
        conf = _x_confidence(work, g, g.box, badge is not None)
        fb = _clip_box(badge if badge is not None else gbox, frame.shape[1], frame.shape[0])
        out.append(CloseControl(box=fb, kind="x_icon", confidence=round(conf, 3)))
    return out


def _glyph_step(gray: np.ndarray, comp: np.ndarray) -> float:
    """Grey-level difference between a glyph's strokes and the ground between its arms."""
    ring = cv2.dilate(comp.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    ground = ~ring
    if not ground.any():
        return 0.0
    return abs(float(gray[comp].mean()) - float(gray[ground].mean()))


def _is_letter(stats: np.ndarray, i: int, n: int) -> bool:
    """True when component ``i`` has a letter-sized neighbour close beside it (an "x" in a word)."""
    x, y, w, h = stats[i, :4]
    xs, ys, ws, hs = stats[1:, 0], stats[1:, 1], stats[1:, 2], stats[1:, 3]
    gap_l = x - (xs + ws)
    gap_r = xs - (x + w)
    gap = np.maximum(gap_l, gap_r)
    vover = np.minimum(y + h, ys + hs) - np.maximum(y, ys)
    near = (
        (gap >= -1) & (gap <= 0.45 * h)
        & (hs >= 0.55 * h) & (hs <= 2.1 * h)
        & (ws >= 0.15 * h) & (ws <= 2.5 * h)
        & (vover >= 0.5 * np.minimum(h, hs))
    )
    near[i - 1] = False
    return bool(near.any())


def _badge(frame: np.ndarray, gbox: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """Enclosing badge of an X glyph, by ray scans along the four axes at full resolution.

    Two kinds: a *filled* badge (disc, rounded square: one fill colour around the glyph up to
    an edge at a common distance) and a *ring* drawn in the glyph's own colour around it
    (the fill inside may be a photo). Returns the badge box in frame px, or None.
    """
    x1, y1, x2, y2 = gbox
    cx, cy = (x1 + x2) / 2.0 - 0.5, (y1 + y2) / 2.0 - 0.5
    r = max(x2 - x1, y2 - y1) / 2.0
    H, W = frame.shape[:2]
    dmax = int(math.ceil(BADGE_MAX_RADII * r))
    if cx - dmax < 0 or cy - dmax < 0 or cx + dmax >= W or cy + dmax >= H:
        dmax = int(min(cx, cy, W - 1 - cx, H - 1 - cy))
    if dmax <= r + 2:
        return None
    d = np.arange(0, dmax + 1)
    rays = []
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        xs_ = np.round(cx + dx * d).astype(int)
        ys_ = np.round(cy + dy * d).astype(int)
        rays.append(frame[ys_, xs_].astype(np.int16))  # (dmax+1, 3)
    # the glyph's colour: its centre (where the strokes cross)
    glyph = np.median(np.stack([ray[: max(1, int(0.12 * r)) + 1] for ray in rays]).reshape(-1, 3), axis=0)
    near = slice(int(0.75 * r), int(r) + 2)
    fills = [np.median(ray[near], axis=0) for ray in rays]
    start = int(math.ceil(r)) + 1

    def first(mask: np.ndarray) -> int | None:
        idx = np.nonzero(mask[start:])[0]
        return int(idx[0]) + start if len(idx) else None

    f = np.stack(fills)
    edges: list[float] = []
    if np.abs(f - f.mean(axis=0)).max() <= BADGE_COLOUR_TOL:  # one fill all round: filled badge?
        for ray, fill in zip(rays, fills):
            off = np.abs(ray - fill).max(axis=1) > BADGE_COLOUR_TOL
            e1 = first(off)
            if e1 is None:
                edges = []
                break
            # a thin outline, then the fill colour again behind it: include the outline
            back = np.nonzero(~off[e1 : e1 + max(3, int(0.45 * r)) + 1])[0]
            edges.append(e1 + back[0] - 0.5 if len(back) else e1 - 0.5)
    if not edges or not _symmetric(edges):
        edges = []
        for ray, fill in zip(rays, fills):
            # a ring in the glyph's colour: pixels nearer the glyph's colour than the fill's
            dg = np.abs(ray - glyph).max(axis=1)
            df = np.abs(ray - fill).max(axis=1)
            on = (dg < df) & (df > BADGE_COLOUR_TOL)
            e1 = first(on)
            if e1 is None:
                return None
            run = np.nonzero(~on[e1:])[0]
            if not len(run) or run[0] > max(4, 0.5 * r):
                return None  # a wide area of that colour, not a ring
            edges.append(e1 + run[0] - 0.5)
        if not _symmetric(edges):
            return None
    er, el, ed, eu = edges
    return (cx - el + 0.5, cy - eu + 0.5, cx + er + 0.5, cy + ed + 0.5)


def _symmetric(edges: list[float]) -> bool:
    er, el, ed, eu = edges
    if abs(er - el) > max(2.0, 0.2 * (er + el) / 2) or abs(ed - eu) > max(2.0, 0.2 * (ed + eu) / 2):
        return False
    return 0.6 <= (er + el) / (ed + eu) <= 1.6


def _x_confidence(work: _Work, g: _Glyph, box: tuple[float, float, float, float], badge: bool) -> float:
    conf = 0.6 + 0.35 * min(1.0, max(0.0, (g.iou - X_IOU_MIN) / 0.15))
    if badge:
        conf += 0.1
    wx1, wy1, wx2, wy2 = work.win
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    ww, wh = max(1.0, wx2 - wx1), max(1.0, wy2 - wy1)
    rx, ry = (cx - wx1) / ww, (cy - wy1) / wh
    outside = not (wx1 <= cx < wx2 and wy1 <= cy < wy2)
    top = ry < 0.22
    side = rx < 0.25 or rx > 0.75
    if outside or (top and side):
        conf += 0.05  # corner zone or just outside a card: where close badges live
    elif 0.3 < ry < 0.8 and 0.2 < rx < 0.8:
        conf -= 0.2  # the middle of the content: more likely an icon or artwork
    # very small glyphs without a badge are often decoration; a faint stroke is no evidence
    if not badge and (g.box[2] - g.box[0]) < 6 * work.px_per_dp:
        conf -= 0.1
    return float(min(1.0, max(0.0, conf)))


# ---------------------------------------------------------------------------------------------
# Text lines and text controls
# ---------------------------------------------------------------------------------------------


@dataclass
class _Line:
    box: tuple[int, int, int, int]  # working px
    score: float = 0.0
    button: tuple[float, float, float, float] | None = None  # working px
    det: bool = False  # found by the OCR's text detector


def _det_lines(frame: np.ndarray, work: _Work, window: Window, reader: TextReader) -> list[tuple[int, int, int, int]]:
    """Text lines of a panel window by the OCR's own text detector, in working px.

    The cheap morphological lines (below) miss labels that touch a divider, sit in a
    low-contrast button, or are split oddly (CJK glyphs have inner gaps); the PP-OCR
    detection model does not, and on a panel (card / dialog / sheet, or a capture cropped to
    a dialog) it costs ≈ 15–40 ms at :data:`~detectors.ocr.DET_LINES_MAX_SIDE_PX`. Full-screen
    windows are left to the cheap lines: the model over a whole phone screen would take most
    of the frame budget. Readers without ``detect_lines`` (test fakes) give no lines.
    """
    if window.kind not in DET_WINDOW_KINDS and not window.cues.get("partial_capture"):
        return []
    detect = getattr(reader, "detect_lines", None)
    if detect is None:
        return []
    H, W = frame.shape[:2]
    wx1, wy1, wx2, wy2 = _clip_box(window.box, W, H)
    if wx2 - wx1 < 16 or wy2 - wy1 < 16:
        return []
    out = []
    s = work.scale
    for x1, y1, x2, y2 in detect(np.ascontiguousarray(frame[wy1:wy2, wx1:wx2])):
        # frame px → working px
        out.append((int(round((x1 + wx1 - work.ox) * s)), int(round((y1 + wy1 - work.oy) * s)),
                    int(round((x2 + wx1 - work.ox) * s)), int(round((y2 + wy1 - work.oy) * s))))
    return out


def _text_lines(work: _Work, det: Sequence[tuple[int, int, int, int]] = ()) -> list[_Line]:
    """Candidate text lines (working px), scored: morphological lines plus ``det`` lines.

    A line the text detector also found is replaced by the detector's box (tighter, whole
    words) and gets :data:`DET_LINE_BONUS`; detector lines outside the height range of text
    in dp are still kept when the capture's density is only a guess (cropped captures).
    """
    gray = work.gray
    ppd = work.px_per_dp
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    lv = int(TEXT_MAX_H_DP * 1.2 * ppd)
    kw = max(3, int(round(TEXT_WORD_GAP_DP * ppd)))
    hmin, hmax = max(4.0, TEXT_MIN_H_DP * ppd), TEXT_MAX_H_DP * ppd  # ≥ 4 px: shrunk by 2 below
    wx1, wy1, wx2, wy2 = work.win
    ww = wx2 - wx1
    found: list[tuple[int, int, int, int]] = []
    for level in TEXT_GRADIENT_LEVELS:
        bw = (grad >= level).astype(np.uint8)
        # vertical edges taller than any text (panel borders, dividers, button sides) are not
        # text: drop them so that the closing below cannot weld a label to its dialog's edge.
        # (Horizontal ones stay: the cap line of an all-caps label is one long horizontal run.)
        edges = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, lv)))
        bw &= 1 - edges
        bw = cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, 1)))
        n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
        level_boxes = []
        for i in range(1, n):
            x, y, w, h, a = (int(v) for v in stats[i])
            if not (hmin <= h <= hmax) or w < 0.8 * h or w > 0.95 * ww or a < 0.3 * w * h:
                continue
            cx, cy = x + w / 2, y + h / 2
            if not (wx1 <= cx < wx2 and wy1 <= cy < wy2):
                continue
            # the gradient widens strokes by one px on each side
            level_boxes.append(_Line((x + 1, y + 1, x + w - 1, y + h - 1)))
        for l in _merge_words(level_boxes):
            if all(_iou(l.box, f) < 0.85 for f in found):
                found.append(l.box)
    lines = [_Line(b) for b in found]
    if det:
        dl = []
        for b in det:
            h = b[3] - b[1]
            w = b[2] - b[0]
            if h < 4 or w < 4 or h > DET_LINE_MAX_SHARE * max(1.0, wy2 - wy1):
                continue
            dl.append(_Line(_tighten(work.gray, b), det=True))
        # a morphological line mostly inside a detected one is the same text
        lines = [l for l in lines if all(_overlap_share(l.box, d.box) < 0.6 for d in dl)] + dl
    _score_lines(work, lines)
    return lines


def _tighten(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A detector line box shrunk to its text's ink (working px).

    The det model's boxes are grown ("unclipped") by about their height on every side; the
    text's own rows are the run of rows with edge pixels (morphological gradient ≥ the low
    text level) through the box's middle, its columns the first and last such column there.
    """
    x1, y1, x2, y2 = (max(0, int(v)) for v in box)
    sub = gray[y1:y2, x1:x2]
    if sub.shape[0] < 3 or sub.shape[1] < 3:
        return box
    grad = cv2.morphologyEx(sub, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    ink = grad >= TEXT_GRADIENT_LEVELS[0]
    rows = ink.any(axis=1)
    mid = sub.shape[0] // 2
    if not rows[mid]:
        near = np.nonzero(rows)[0]
        if not len(near):
            return box
        mid = int(near[np.argmin(np.abs(near - mid))])
    top = mid
    while top > 0 and rows[top - 1]:
        top -= 1
    bot = mid + 1
    while bot < len(rows) and rows[bot]:
        bot += 1
    cols = np.nonzero(ink[top:bot].any(axis=0))[0]
    if not len(cols) or bot - top < 3:
        return box
    # the gradient widens strokes by one px on each side
    return (x1 + int(cols[0]) + 1, y1 + top + 1, x1 + int(cols[-1]), y1 + bot - 1)


def _overlap_share(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Share of box ``a``'s area inside box ``b``."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / float(max(1, (a[2] - a[0]) * (a[3] - a[1])))


def _merge_words(lines: list[_Line]) -> list[_Line]:
    """Join words of one line that the fixed closing left apart (big text has wide gaps)."""
    boxes = sorted((l.box for l in lines), key=lambda b: b[0])
    out: list[list[int]] = []
    for b in boxes:
        h = b[3] - b[1]
        for o in out:
            oh = o[3] - o[1]
            gap = b[0] - o[2]
            vover = min(b[3], o[3]) - max(b[1], o[1])
            if -2 <= gap <= TEXT_WORD_GAP_EM * max(h, oh) and 0.6 * oh <= h <= 1.67 * oh and vover >= 0.6 * min(h, oh):
                o[:] = [min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])]
                break
        else:
            out.append(list(b))
    return [_Line(tuple(b)) for b in out]  # type: ignore[arg-type]


def _score_lines(work: _Work, lines: list[_Line]) -> None:
    wx1, wy1, wx2, wy2 = work.win
    ww, wh = max(1.0, wx2 - wx1), max(1.0, wy2 - wy1)
    boxes = np.array([l.box for l in lines], dtype=np.float32).reshape(-1, 4)
    for idx, l in enumerate(lines):
        x1, y1, x2, y2 = l.box
        w, h = x2 - x1, y2 - y1
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        rx, ry = (cx - wx1) / ww, (cy - wy1) / wh
        score = 0.0
        # paragraph lines have a line of similar height right above or below, overlapping in x
        others = np.delete(boxes, idx, axis=0)
        if len(others):
            ox = np.minimum(others[:, 2], x2) - np.maximum(others[:, 0], x1)
            oh = others[:, 3] - others[:, 1]
            gap = np.maximum(others[:, 1] - y2, y1 - others[:, 3])
            para = (ox > 0.3 * np.minimum(w, others[:, 2] - others[:, 0])) & (gap < 0.9 * h) & (gap > -0.3 * h) & (oh > 0.6 * h) & (oh < 1.6 * h)
            if not para.any():
                score += 0.8
        else:
            score += 0.8
        if ry > 0.55:
            score += 0.6  # button rows sit at the bottom of dialogs, sheets and interstitials
        if ry < 0.15 and (rx < 0.2 or rx > 0.8) and w / h <= 6:
            score += 0.7  # skip pills of splash ads sit in the top corners
        if w / h <= 9:
            score += 0.3  # labels are short: "Skip 5", "No thanks", "Disagree and Quit"
        elif w / h > 12:
            score -= LONG_LINE_PENALTY
        if l.det:
            score += DET_LINE_BONUS  # the text detector vouches that this is text
        if w < TEXT_MIN_ASPECT * h:
            score = -10.0  # icons and single glyphs: every close label has two characters or more
        l.score = score
    # the button test costs a flood fill: only for lines that could make the cut
    cand = sorted(lines, key=lambda l: -l.score)[: OCR_MAX_LINES * 3]
    for l in cand:
        l.button = _enclosing_button(work, l.box)
        if l.button is not None:
            # A button's label is worth reading even when long: it is a close control or a call
            # to action ("点击跳转详情页或第三方应用"), which placement and jump cues need.
            w, h = l.box[2] - l.box[0], l.box[3] - l.box[1]
            l.score += 1.0 + (LONG_LINE_PENALTY if w / max(1, h) > 12 else 0.0)


def _enclosing_button(work: _Work, box: tuple[int, int, int, int]) -> tuple[float, float, float, float] | None:
    """The pill/button a text line sits in (uniform fill around it, bounded), or None.

    First a colour flood fill on the image as is (flat UI buttons, outlined buttons); then,
    for translucent pills over photos (开屏 skip pills), a grey flood fill on a copy where
    the text strokes are erased and the photo texture smoothed.
    """
    bgr = work.bgr
    H, W = bgr.shape[:2]
    x1, y1, x2, y2 = box
    h = y2 - y1
    ay1, ay2 = max(0, y1 - 3 * h), min(H, y2 + 3 * h)
    ax1, ax2 = max(0, int(work.win[0]) - 2), min(W, int(work.win[2]) + 2)
    found = _flood_button(bgr[ay1:ay2, ax1:ax2], box, (ax1, ay1), BUTTON_FILL_TOL, fixed=True)
    if found is not None:
        return found
    ax1, ax2 = max(0, x1 - 5 * h), min(W, x2 + 5 * h)
    ay1, ay2 = max(0, y1 - 2 * h), min(H, y2 + 2 * h)
    g = work.gray[ay1:ay2, ax1:ax2]
    k = max(3, int(round(PILL_STROKE_ERASE * h)) | 1)
    kern = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    g = cv2.morphologyEx(cv2.morphologyEx(g, cv2.MORPH_OPEN, kern), cv2.MORPH_CLOSE, kern)
    g = cv2.medianBlur(g, 5)
    return _flood_button(g, box, (ax1, ay1), PILL_FILL_STEP, fixed=False)


def _flood_button(
    sub: np.ndarray, box: tuple[int, int, int, int], origin: tuple[int, int], tol_level: int, *, fixed: bool
) -> tuple[float, float, float, float] | None:
    """Flood fill from just left of the text; the filled region's box if it is a button.

    ``fixed``: colours within ``tol_level`` of the seed (flat fills); else of the neighbour
    (smooth photo seen through a translucent pill, stopped by the pill's sharp edge).
    """
    ax1, ay1 = origin
    x1, y1, x2, y2 = box
    h = y2 - y1
    cy = (y1 + y2) // 2
    pad = max(2, int(round(0.45 * h)))
    seed = (x1 - pad - ax1, cy - ay1)
    if not (0 <= seed[0] < sub.shape[1] and 0 <= seed[1] < sub.shape[0]):
        return None
    mask = np.zeros((sub.shape[0] + 2, sub.shape[1] + 2), np.uint8)
    tol = (tol_level,) * (3 if sub.ndim == 3 else 1)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8) | (cv2.FLOODFILL_FIXED_RANGE if fixed else 0)
    _, _, _, rect = cv2.floodFill(sub.copy(), mask, seed, 0, tol, tol, flags)
    rx, ry, rw, rh = rect
    filled = mask[1:-1, 1:-1]
    # bounded: not leaking to the search area's edge
    if rx <= 0 or ry <= 0 or rx + rw >= sub.shape[1] or ry + rh >= sub.shape[0]:
        return None
    bx1, by1, bx2, by2 = rx + ax1, ry + ay1, rx + rw + ax1, ry + rh + ay1
    if not (bx1 <= x1 and by1 <= y1 and bx2 >= x2 and by2 >= y2):
        return None
    if rh < 1.25 * h or rh > 5 * h:
        return None
    # the fill surrounds the text: the point right of it is filled too
    rxp = x2 + pad - ax1
    if not (0 <= rxp < filled.shape[1]) or not filled[cy - ay1, rxp]:
        return None
    area = float((filled[ry : ry + rh, rx : rx + rw] > 0).sum())
    text_area = float((x2 - x1) * (y2 - y1))
    if area < 0.55 * (rw * rh - text_area):
        return None
    # the flood stops inside the anti-aliased edge: give back half a pixel each side
    return (bx1 - 0.5, by1 - 0.5, bx2 + 0.5, by2 + 0.5)


def _read_text_controls(
    frame: np.ndarray, work: _Work, lines: list[_Line], reader: TextReader, *,
    max_lines: int = OCR_MAX_LINES, aspect_budget: float = OCR_MAX_ASPECT_SUM,
    min_score: float = OCR_MIN_LINE_SCORE,
) -> tuple[list[CloseControl], list[Box], list[TextHit]]:
    """Read the best-scoring lines (at most ``max_lines``, ``aspect_budget`` of width/height in
    all, none scoring below ``min_score``) and sort them into dismiss controls and calls to action."""
    H, W = frame.shape[:2]
    chosen: list[_Line] = []
    budget = aspect_budget
    for l in sorted(lines, key=lambda l: -l.score):
        if l.score < min_score or len(chosen) >= max_lines:
            break
        aspect = (l.box[2] - l.box[0]) / max(1, l.box[3] - l.box[1])
        if aspect > budget:
            continue
        budget -= aspect
        chosen.append(l)
    if not chosen:
        return [], [], []
    fboxes = [_clip_box(work.to_frame(l.box), W, H) for l in chosen]
    texts = reader.recognise([_line_crop(frame, b) for b in fboxes])
    controls: list[CloseControl] = []
    ctas: list[Box] = []
    hits: list[TextHit] = []
    for l, fb, (text, score) in zip(chosen, fboxes, texts):
        text = text.strip()
        if not text:
            continue
        hits.append(TextHit(box=fb, text=text, score=float(score)))
        if score < 0.5:
            continue
        box = _clip_box(work.to_frame(l.button), W, H) if l.button is not None else fb
        # a lone "x" read by OCR is an icon's outline: the X-glyph detector owns those
        if is_close_text(text) and len(re.sub(r"[^a-z\u4e00-\u9fff]", "", text.lower())) >= 2:
            conf = 0.5 + 0.45 * min(1.0, max(0.0, (score - 0.5) / 0.45))
            controls.append(CloseControl(box=box, kind="text", confidence=round(conf, 3), text=text))
        elif is_cta_text(text):
            ctas.append(box)
    return controls, ctas, hits


def _line_crop(frame: np.ndarray, b: Box) -> np.ndarray:
    x1, y1, x2, y2 = b
    p = max(2, int(round(0.25 * (y2 - y1))))
    return frame[max(0, y1 - p) : min(frame.shape[0], y2 + p), max(0, x1 - p) : min(frame.shape[1], x2 + p)]
