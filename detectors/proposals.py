"""Whole-frame candidate boxes for close controls (the first stage of the learned verifier).

Cheap OpenCV proposals over the *whole* frame (or a region), not only inside a detected
window, at a working scale of ``work_px_per_dp``:

* ``blob``: connected components of local-contrast masks in both polarities (light on dark,
  dark on light) at two neighbourhood sizes: X glyphs, filled discs and rounded squares
  (badges), rings (a ring is one component), pills with a fill of their own;
* ``line``: the same masks closed horizontally (letters -> words -> a line): bare text
  controls (跳过, Skip, 以后再说) and the text inside a pill;
* ``pill``: flat-filled rounded regions found as components of a grey-level quantisation
  (a translucent pill over a photo is one smooth region with a sharp rim).

A size prior keeps boxes between ``min_dp`` and the icon / pill maxima. Letters inside a
text line (a component much narrower than the line it sits in) are not proposed as icons,
which removes most of the thousands of letter components of a text-heavy screen. Near
duplicates are merged (IoU ≥ ``dedupe_iou``), and at most ``max_proposals`` boxes are kept,
ranked by a compactness/contrast prior, to bound the verifier's cost.

The module is pure: frame + keyword-only parameters in, boxes out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from detectors.model import Box

__all__ = ["ProposalParams", "Proposal", "DEFAULT_PROPOSAL_PARAMS", "propose"]


@dataclass(frozen=True)
class ProposalParams:
    """Declared parameters of :func:`propose` (value, unit, why; set on rendered screens).

    Attributes
    ----------
    work_px_per_dp : float
        Working scale, px per dp (2.0): an 8 dp badge is 16 px, a 1 dp stroke 2 px; ≈ 0.58 M
        px for a 1080×2400 frame at 2.625 px/dp (≈ 4.4× fewer than full size).
    min_dp : float
        Smallest box side, dp (6.0): the glyph of an 8 dp badge (knowledge note: 8–60 dp).
    max_icon_dp : float
        Largest side of a square-ish box (aspect ≤ ``max_icon_aspect``), dp (64.0).
    max_icon_aspect : float
        Width/height (either way) of an icon box (1.8).
    max_pill_w_dp, max_pill_h_dp : float
        Largest text / pill box, dp (170 × 64): splash skip pills reach ≈ 160 × 60 dp.
    min_line_h_dp, max_line_h_dp : float
        Text line height range, dp (5 .. 34): 9 sp captions to large buttons' labels.
    local_mean_dp : tuple of float
        Neighbourhoods (dp) of the local-mean thresholds (8, 28): the small one separates a
        glyph from its badge, the large one keeps badges and bold glyphs whole.
    contrast : int
        Grey levels above / below the local mean for a pixel to be ink (14): faint 25 %
        opacity marks on white reach ≈ 20.
    word_gap_dp : tuple of float
        Horizontal closings that join letters into a line, dp (4, 10): ≈ a space at 12 sp,
        and the gap of "5s | 跳过" / large type.
    badge_grow : float
        An icon-sized blob is also proposed grown this many times (2.0) around its centre:
        the badge of a glyph whose rim is too faint for an outline (glyph/badge 0.4–0.6).
    letter_line_ratio : float
        A component whose text line is this many times wider is a letter, not an icon (2.4).
    line_gradient : int
        Morphological-gradient level (grey levels) marking letter edges for text lines (20):
        white text at 25 % opacity on a mid-grey photo still steps ≈ 25.
    canny_low, canny_high : int
        Canny hysteresis thresholds (20, 60) for closed outlines (pills, discs, rings).
    dedupe_iou : float
        Boxes overlapping an earlier one by this IoU are dropped (0.75).
    max_proposals : int
        At most this many boxes go to the verifier (240): ≈ 20–30 ms of CNN on one core.
    nms_pool : int
        Only the ``nms_pool × max_proposals`` best-ranked boxes enter duplicate suppression (3):
        its cost grows with the square of the boxes, and a text screen has thousands.
    """

    work_px_per_dp: float = 2.0
    min_dp: float = 6.0
    max_icon_dp: float = 64.0
    max_icon_aspect: float = 1.8
    max_pill_w_dp: float = 170.0
    max_pill_h_dp: float = 64.0
    min_line_h_dp: float = 5.0
    max_line_h_dp: float = 34.0
    local_mean_dp: tuple[float, ...] = (8.0, 28.0)
    contrast: int = 14
    word_gap_dp: tuple[float, ...] = (4.0, 10.0)
    badge_grow: float = 2.0
    letter_line_ratio: float = 2.4
    line_gradient: int = 20
    canny_low: int = 20
    canny_high: int = 60
    dedupe_iou: float = 0.75
    max_proposals: int = 240
    nms_pool: int = 3


DEFAULT_PROPOSAL_PARAMS = ProposalParams()
SOURCES = ("blob", "line", "outline", "grown")
_K3 = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class Proposal:
    """A candidate box: ``box`` frame px (x2/y2 exclusive); ``source`` blob / line / outline / grown;
    ``prior`` the ranking score used for the cap (higher first)."""

    box: Box
    source: str
    prior: float


def propose(frame: np.ndarray, *, density: float, region: Box | None = None,
            params: ProposalParams = DEFAULT_PROPOSAL_PARAMS) -> list[Proposal]:
    """Candidate close-control boxes over a frame (or ``region`` of it).

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR screenshot.
    density : float
        px per dp of the frame.
    region : Box, optional
        Search only this part (frame px); default the whole frame.
    params : ProposalParams

    Returns
    -------
    list of Proposal
        At most ``params.max_proposals``, best prior first; boxes in frame px.
    """
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frame must be an H×W×3 uint8 BGR array, got {getattr(frame, 'shape', type(frame))}")
    if not (isinstance(density, (int, float)) and math.isfinite(density) and density > 0):
        raise ValueError(f"density must be a positive number of px per dp, got {density!r}")
    H, W = frame.shape[:2]
    rx1, ry1, rx2, ry2 = region if region is not None else (0, 0, W, H)
    rx1, ry1, rx2, ry2 = max(0, int(rx1)), max(0, int(ry1)), min(W, int(rx2)), min(H, int(ry2))
    if rx2 - rx1 < 4 or ry2 - ry1 < 4:
        return []
    p = params
    scale = min(1.0, p.work_px_per_dp / float(density))
    sub = frame[ry1:ry2, rx1:rx2]
    gray = cv2.cvtColor(sub, cv2.COLOR_BGR2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ppd = float(density) * scale  # working px per dp
    gi = gray.astype(np.int16)

    lo, hi_icon = p.min_dp * ppd, p.max_icon_dp * ppd
    pw_max, ph_max = p.max_pill_w_dp * ppd, p.max_pill_h_dp * ppd
    lh_lo, lh_hi = p.min_line_h_dp * ppd, p.max_line_h_dp * ppd
    # candidates: working-px boxes, ranking prior, source index into SOURCES
    boxes: list[np.ndarray] = []
    priors: list[np.ndarray] = []
    kinds: list[np.ndarray] = []

    for k_dp in p.local_mean_dp:
        k = max(3, int(round(k_dp * ppd)) | 1)
        mean = cv2.blur(gray, (k, k)).astype(np.int16)
        diff = gi - mean
        for pol in (1, -1):
            mask = ((diff * pol) > p.contrast).astype(np.uint8)
            n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            if n <= 1:
                continue
            x, y, w, h, a = (stats[1:, i].astype(np.float32) for i in range(5))
            mx = np.maximum(w, h)
            mn = np.minimum(w, h)
            icon = (mn >= lo) & (mx <= hi_icon) & (mx <= p.max_icon_aspect * mn)
            pill = (h >= lo) & (h <= ph_max) & (w <= pw_max) & (w > p.max_icon_aspect * h) & (w <= 6 * h) \
                & (a >= 0.5 * w * h)
            keep = icon | pill
            fill = a / np.maximum(w * h, 1)
            # compact, mid-fill shapes first (glyphs, rings, discs); huge blobs last
            pr = 1.0 - np.abs(fill - 0.45) - 0.002 * mx / ppd
            boxes.append(np.stack([x, y, x + w, y + h], 1)[keep])
            priors.append(pr[keep])
            kinds.append(np.where(icon[keep], 0, 2))
            # the badge a glyph may sit in, when its rim is too faint to be an outline
            g = icon & (mx * p.badge_grow <= hi_icon)
            cx_, cy_, r_ = x + w / 2, y + h / 2, mx * p.badge_grow / 2
            boxes.append(np.stack([cx_ - r_, cy_ - r_, cx_ + r_, cy_ + r_], 1)[g])
            priors.append(pr[g] - 0.5)
            kinds.append(np.full(int(g.sum()), 3))
    # text lines: strong grey-level edges (morphological gradient) closed horizontally, so
    # that letters of any size join into a line box
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, _K3)
    ink = (grad >= p.line_gradient).astype(np.uint8)
    for j, gap_dp in enumerate(p.word_gap_dp):
        kw = max(3, int(round(gap_dp * ppd)))
        lines = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, 1)))
        n, lab_j, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        x, y, w, h, a = (stats[:, i].astype(np.float32) for i in range(5))
        if j == 0:  # the narrow closing's lines tell letters from icons below
            lab, line_w, line_h = lab_j, w.copy(), h.copy()
        ok = (h >= lh_lo) & (h <= lh_hi) & (w >= 1.2 * h) & (w <= pw_max) & (a >= 0.35 * w * h)
        ok[0] = False
        boxes.append(np.stack([x, y, x + w, y + h], 1)[ok])
        priors.append((0.6 - 0.004 * w / ppd)[ok])
        kinds.append(np.full(int(ok.sum()), 1))
    # closed outlines (Canny edges -> contours): discs, rings, pills, rounded squares, countdown
    # rings, whatever fill or photo they have inside
    edges = cv2.Canny(gray, p.canny_low, p.canny_high)
    edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, _K3)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    cb = []
    for cnt in contours:
        if len(cnt) < 4:
            continue
        bx, by, bw_, bh_ = cv2.boundingRect(cnt)
        if bh_ < lo or bw_ < lo or bh_ > ph_max or bw_ > pw_max or bw_ > 6 * bh_ or bh_ > p.max_icon_aspect * bw_:
            continue
        cb.append((bx, by, bx + bw_, by + bh_, cv2.contourArea(cnt) / float(bw_ * bh_)))
    if cb:
        c_arr = np.array(cb, np.float32)
        boxes.append(c_arr[:, :4])
        # closed, filled-looking outlines (area near the box's: disc 0.79, pill ≈ 0.9) first
        priors.append(0.4 + 0.6 * np.clip(c_arr[:, 4], 0, 1))
        kinds.append(np.full(len(cb), 2))
    arr = np.concatenate(boxes).astype(np.float32) if boxes else np.zeros((0, 4), np.float32)
    if not len(arr):
        return []
    prior = np.concatenate(priors).astype(np.float32)
    kind = np.concatenate(kinds)
    # letters: a blob whose text line is much wider than itself (and about as tall)
    cx = np.clip(((arr[:, 0] + arr[:, 2]) / 2).astype(int), 0, lab.shape[1] - 1)
    cy = np.clip(((arr[:, 1] + arr[:, 3]) / 2).astype(int), 0, lab.shape[0] - 1)
    li = lab[cy, cx]
    bw, bh = arr[:, 2] - arr[:, 0], arr[:, 3] - arr[:, 1]
    grown = kind == 3
    bw = np.where(grown, bw / p.badge_grow, bw)
    bh = np.where(grown, bh / p.badge_grow, bh)
    letter = (kind != 1) & (li > 0) & (line_w[li] > p.letter_line_ratio * bw) & (line_h[li] < 1.6 * bh)
    prior = prior - letter.astype(np.float32) * 2.0
    # only the best few times the cap can make it (letters and huge blobs rank last) ...
    pre = np.argsort(-prior, kind="stable")[: p.nms_pool * p.max_proposals]
    arr, prior, kind = arr[pre], prior[pre], kind[pre]
    # ... then near duplicates go: non-maximum suppression by IoU (OpenCV's, in C++)
    xywh = np.column_stack([arr[:, :2], arr[:, 2:] - arr[:, :2]]).tolist()
    kept = [int(i) for i in np.asarray(cv2.dnn.NMSBoxes(xywh, (prior + 10.0).tolist(), 0.0, p.dedupe_iou)).reshape(-1)]
    kept = sorted(kept, key=lambda i: -prior[i])[: p.max_proposals]
    out = []
    for i in kept:
        x1, y1, x2, y2 = arr[i] / scale
        # grown boxes may reach past the region: clip (the crop repeats edge pixels anyway)
        b = (max(rx1, int(math.floor(x1)) + rx1), max(ry1, int(math.floor(y1)) + ry1),
             min(rx2, int(math.ceil(x2)) + rx1), min(ry2, int(math.ceil(y2)) + ry1))
        if b[2] - b[0] < 2 or b[3] - b[1] < 2:
            continue
        out.append(Proposal(box=b, source=SOURCES[int(kind[i])], prior=float(prior[i])))
    return out
