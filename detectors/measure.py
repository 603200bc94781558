"""Measure a close control: visible size in dp, contrast, opacity and placement.

Pure numpy/OpenCV: a frame and keyword-only context in, plain data out.

Contrast follows WCAG 2.x (sRGB relative luminance, ratio ``(L1 + 0.05) / (L2 + 0.05)``,
never rounded) and estimates the colours from pixels the way Google's Accessibility Test
Framework does (``ContrastSwatch``): a histogram of the element's colours, background =
the most frequent colour, foreground = the most frequent colour on the other side of the
mean luminance. Two deliberate departures, both for JPEG / scaled frames (ATF reads lossless
device screenshots): colours are quantised before counting, so that noise does not spread one
visible colour over thousands of histogram entries; and the light/dark split is the
pixel-weighted iterative mean (isodata) rather than the plain mean over distinct colours,
which noise variants of the background drag onto the background itself.

Colour conventions: functions named ``*_bgr`` and every array argument use OpenCV's BGR
order; :func:`relative_luminance` and :func:`contrast_ratio` take sRGB colours in RGB order
(0..255) or ``"#rrggbb"`` strings, as WCAG writes them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Sequence

import cv2
import numpy as np

from detectors.imageio import as_bgr
from detectors.model import Box, CloseControl, ControlMeasurement, UiNode, Window

__all__ = [
    "relative_luminance", "contrast_ratio", "contrast_ratio_bgr", "contrast_swatch",
    "estimate_opacity", "control_shape_mask", "placement", "find_touch_box", "measure_control", "fullscreen_jump_cue",
    "box_gap_px",
]

# --- ContrastSwatch tuning (values from ATF's ContrastSwatch unless said otherwise) -------------
QUANT_STEP = 16
"""Colour quantisation per channel before counting (16 levels a channel, 4096 bins). Our own
choice: ATF counts exact ARGB values of lossless screenshots; JPEG and scaled frames spread one
flat colour over many values, each under the 1 % cut-off. Each bin is represented by the mean of
its pixels, so the colours used for the ratio stay exact; colours closer than one step (ratio
< ~1.2) become one, which only turns an invisible glyph into a "uniform crop"."""
COLOR_CUTOFF_FRACTION = 0.01
"""Enhanced mode drops colours covering less than 1 % of the pixels (ATF COLOR_CUTOFF_PERCENTAGE)."""
COLOR_DIFFERENCE_LIMIT = 2.0
"""Enhanced mode merges colours closer than ΔE (CIE76) 2 (ATF COLOR_DIFFERENCE_LIMIT)."""
COLOR_SIGNIFICANCE_FRACTION = 0.03
"""A same-side colour counts as foreground when it covers > 3 % (ATF COLOR_SIGNIFICANCE_PERCENTAGE)."""
FG_MIN_FRACTION = 0.002
FG_MIN_PIXELS = 6
"""Fallback for glyphs under the 1 % cut-off: the opposite side of the light/dark split must hold
≥ 0.2 % of the pixels and ≥ 6 px to count as a glyph (our own numbers: "No" in a 380 dp button
covers ≈ 0.5 %)."""
SPLIT_MAX_ITER = 50
"""Iterations of the light/dark split (it converges in a handful)."""

# --- surroundings, glyph height, opacity -----------------------------------------------------------
RING_FRACTION = 0.5
"""Width of the ring of 'surroundings' around a control, as a fraction of its shorter side."""
RING_MIN_PX = 3
RING_MAX_DP = 16.0
"""Ring width limits: at least 3 px, at most 16 dp (further away is no longer 'adjacent')."""
GLYPH_COLUMNS_FRACTION = 0.6
"""Glyph height is measured on the central 60 % of columns: a capsule's rounded ends lie outside it."""
GLYPH_ROW_MIN_FRACTION = 0.02
"""A row belongs to the glyph when ≥ 2 % of its (central) pixels are foreground-coloured."""
OPACITY_MIN_RING_STD = 12.0
"""Opacity is estimated only when the surroundings are textured (robust luma σ ≥ 12 grey levels):
a translucent badge lets texture through, over a flat colour it cannot be told from an opaque one."""
OPACITY_LUMA_BIN = 8
OPACITY_GLYPH_MAX_SHARE = 0.4
"""The most frequent luma (bins of 8 levels) is taken as the glyph and left out when it covers
< 40 % of the badge's inside (an opaque badge's own colour covers more)."""
OPACITY_INNER_SHRINK = 0.15
"""The badge's inside is the ellipse inscribed in the box shrunk by 15 % a side (clear of its rim)."""

# --- touch target from a UI tree -----------------------------------------------------------------
TOUCH_MAX_GROWTH = 4.0
TOUCH_MAX_DP = 96.0
"""A UI node is taken as the control's touch target only when each side is ≤ max(4 × the visible
side, 96 dp): a full-screen clickable ad container also contains the X's centre, but it is the ad's
hit area, not the close control's."""

# --- full-screen jump cue ------------------------------------------------------------------------
FULL_BLEED_FRACTION = 0.9
"""A window covering ≥ 90 % of the screen is full-bleed (a splash picture/video)."""

_EPS = 1e-9


# ------------------------------------------------------------------------------------------------
# WCAG colour maths
# ------------------------------------------------------------------------------------------------

def _parse_colour(colour: Any, name: str) -> np.ndarray:
    if isinstance(colour, str):
        s = colour.strip().lstrip("#")
        if len(s) == 3:
            s = "".join(ch * 2 for ch in s)
        if len(s) != 6:
            raise ValueError(f"{name} {colour!r} is not a '#rrggbb' colour")
        try:
            return np.array([int(s[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)
        except ValueError:
            raise ValueError(f"{name} {colour!r} is not a '#rrggbb' colour") from None
    arr = np.asarray(colour, dtype=np.float64)
    if arr.shape[-1:] != (3,):
        raise ValueError(f"{name} must have 3 channels in its last axis, got shape {arr.shape}")
    if np.any(arr < 0) or np.any(arr > 255) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} channel values must lie in 0..255")
    return arr


def _linear(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def relative_luminance(rgb: Any) -> float | np.ndarray:
    """WCAG 2.x relative luminance of sRGB colours.

    Parameters
    ----------
    rgb : str or array_like, shape (..., 3)
        ``"#rrggbb"`` or R, G, B values in 0..255 (RGB order).

    Returns
    -------
    float or ndarray, shape (...)
        0 (black) .. 1 (white).
    """
    arr = _parse_colour(rgb, "rgb")
    lin = _linear(arr)
    lum = 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]
    return float(lum) if lum.ndim == 0 else lum


def _luminance_bgr(bgr: Any) -> float | np.ndarray:
    return relative_luminance(np.asarray(bgr, dtype=np.float64)[..., ::-1])


def _ratio_from_luminance(l1: float, l2: float) -> float:
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def contrast_ratio(c1: Any, c2: Any) -> float:
    """WCAG contrast ratio of two sRGB colours (RGB order or ``"#rrggbb"``), 1..21, not rounded.

    Not rounding matters: 2.999 fails a 3.0 threshold.
    """
    return _ratio_from_luminance(float(relative_luminance(_parse_colour(c1, "c1"))),
                                 float(relative_luminance(_parse_colour(c2, "c2"))))


def contrast_ratio_bgr(c1: Sequence[float], c2: Sequence[float]) -> float:
    """:func:`contrast_ratio` for colours in OpenCV's BGR order."""
    return contrast_ratio(np.asarray(c1, dtype=np.float64)[::-1], np.asarray(c2, dtype=np.float64)[::-1])


def _lab_from_bgr(bgr: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of colours, shape (N, 3) BGR 0..255 → (N, 3)."""
    lin = _linear(np.asarray(bgr, dtype=np.float64)[:, ::-1])
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


# ------------------------------------------------------------------------------------------------
# ContrastSwatch
# ------------------------------------------------------------------------------------------------

def _histogram(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantised colour histogram of (N, 3) uint8 BGR pixels.

    Returns
    -------
    colours : ndarray, shape (K, 3), float
        Each bin's representative colour: its most frequent exact colour (flat regions keep their
        exact colour; anti-aliased edge pixels falling in the same bin do not shift it).
    counts : ndarray, shape (K,)
        Pixels in each bin.
    """
    px = pixels.astype(np.int64)
    packed = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    exact, exact_counts = np.unique(packed, return_counts=True)
    b, g, r = exact >> 16, (exact >> 8) & 255, exact & 255
    levels = 256 // QUANT_STEP
    bins = ((b // QUANT_STEP) * levels + g // QUANT_STEP) * levels + r // QUANT_STEP
    # Sort by bin, then by count descending: the first entry of each bin is its mode.
    order = np.lexsort((-exact_counts, bins))
    bins_sorted = bins[order]
    first = np.flatnonzero(np.r_[True, bins_sorted[1:] != bins_sorted[:-1]])
    counts = np.add.reduceat(exact_counts[order], first)
    mode = order[first]
    colours = np.stack([b[mode], g[mode], r[mode]], axis=1).astype(np.float64)
    return colours, counts


def _lightness(colours: np.ndarray) -> np.ndarray:
    """CIE L* (0..100) of (N, 3) BGR colours: a perceptual scale for splitting light from dark."""
    return _lab_from_bgr(colours)[:, 0]


def _split_lightness(lightness: np.ndarray, counts: np.ndarray) -> float:
    """Light/dark split: the pixel-weighted iterative mean (Ridler–Calvard / isodata).

    ATF splits at the unweighted mean luminance of the distinct colours; on JPEG or scaled frames
    the many noise variants of the background drag that mean onto the background itself, and a
    noise variant then poses as the foreground. The iterative mean settles half-way between the
    mean of the dark pixels and the mean of the light pixels instead.
    """
    w = counts.astype(np.float64)
    t = float(np.average(lightness, weights=w))
    for _ in range(SPLIT_MAX_ITER):
        lo, hi = lightness < t, lightness >= t
        if not lo.any() or not hi.any():
            break
        new = (float(np.average(lightness[lo], weights=w[lo])) + float(np.average(lightness[hi], weights=w[hi]))) / 2
        if abs(new - t) < 1e-3:
            t = new
            break
        t = new
    return t


def _reduce(colours: np.ndarray, counts: np.ndarray, total: int, *,
            cutoff: float = COLOR_CUTOFF_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """ATF ``reduceColors``: drop colours < 1 %, merge colours within ΔE 2 into the more frequent one.

    Returns colours and counts sorted by count, most frequent first.
    """
    keep = counts >= total * cutoff
    colours, counts = colours[keep], counts[keep]
    order = np.argsort(-counts, kind="stable")
    colours, counts = colours[order], counts[order]
    if len(colours) == 0:
        return colours, counts
    lab = _lab_from_bgr(colours)
    kept: list[int] = []
    merged = counts.astype(np.int64).copy()
    for i in range(len(colours)):
        for k in kept:
            if float(np.linalg.norm(lab[i] - lab[k])) < COLOR_DIFFERENCE_LIMIT:
                merged[k] += merged[i]
                break
        else:
            kept.append(i)
    colours, merged = colours[kept], merged[kept]
    order = np.argsort(-merged, kind="stable")
    return colours[order], merged[order]


def _as_tuple(colour: np.ndarray) -> tuple[int, int, int]:
    return tuple(int(round(float(v))) for v in colour)  # type: ignore[return-value]


def _swatch_pixels(pixels: np.ndarray, *, enhanced: bool
                   ) -> tuple[tuple[int, int, int] | None, tuple[int, int, int], float | None]:
    total = len(pixels)
    colours, counts = _histogram(pixels)
    if len(colours) == 1:
        return None, _as_tuple(colours[0]), None
    light = _lightness(colours)
    split = _split_lightness(light, counts)
    if enhanced:
        dom, dom_counts = _reduce(colours, counts, total)
        if len(dom) == 0:
            dom, dom_counts = colours[np.argsort(-counts)][:1], np.sort(counts)[::-1][:1]
        bg = dom[0]
        bg_dark = float(_lightness(bg[None])[0]) < split
        dom_dark = _lightness(dom) < split
        fg = next((c for c, dark in zip(dom[1:], dom_dark[1:]) if dark != bg_dark), None)
        if fg is None:
            # A small glyph in a large box (a short word in a wide button) may fall under the 1 %
            # cut-off: take the most frequent opposite-side colour among all bins if the opposite
            # side holds enough pixels to be a glyph at all.
            opposite = (light < split) != bg_dark
            if counts[opposite].sum() >= max(FG_MIN_PIXELS, FG_MIN_FRACTION * total):
                fg = colours[opposite][int(np.argmax(counts[opposite]))]
        if fg is None:
            significant = [c for c, n in zip(dom[1:], dom_counts[1:]) if n > total * COLOR_SIGNIFICANCE_FRACTION]
            if not significant:
                return None, _as_tuple(bg), None
            fg = significant[0]
    else:
        dark = light < split
        if not dark.any() or dark.all():
            return None, _as_tuple(colours[int(np.argmax(counts))]), None
        lo_i = np.flatnonzero(dark)[int(np.argmax(counts[dark]))]
        hi_i = np.flatnonzero(~dark)[int(np.argmax(counts[~dark]))]
        bg_i, fg_i = (hi_i, lo_i) if counts[hi_i] > counts[lo_i] else (lo_i, hi_i)
        bg, fg = colours[bg_i], colours[fg_i]
    ratio = _ratio_from_luminance(float(_luminance_bgr(fg)), float(_luminance_bgr(bg)))
    return _as_tuple(fg), _as_tuple(bg), ratio


def contrast_swatch(crop: np.ndarray, *, enhanced: bool = True
                    ) -> tuple[tuple[int, int, int] | None, tuple[int, int, int], float | None]:
    """Foreground and background colour of an element, and their contrast ratio (ATF ContrastSwatch).

    Parameters
    ----------
    crop : ndarray, shape (H, W, 3), uint8 BGR
        The element's pixels.
    enhanced : bool
        ATF's multiple-foreground method: drop colours under 1 %, merge colours within ΔE < 2,
        background = most frequent colour, foreground = most frequent colour on the other side of
        the light/dark split (else, for a glyph under the 1 % cut-off, the most frequent
        opposite-side colour holding ≥ 0.2 % of the pixels; else a same-side colour covering
        > 3 %). ``False``: ATF's single-foreground method (most frequent colour on each side of
        the split; the more frequent of the two is the background). The split is the
        pixel-weighted iterative mean of CIE L* (see the module docstring for why not ATF's
        unweighted mean).

    Returns
    -------
    fg_bgr : (int, int, int) or None
        None for a uniform crop.
    bg_bgr : (int, int, int)
    ratio : float or None
        WCAG contrast ratio (1..21, not rounded); None for a uniform crop.
    """
    crop = as_bgr(crop, name="crop")
    return _swatch_pixels(crop.reshape(-1, 3), enhanced=enhanced)


def _dominant_bgr(pixels: np.ndarray) -> tuple[int, int, int] | None:
    """Most frequent colour after the enhanced reduction (falls back to the plain mode)."""
    if len(pixels) == 0:
        return None
    colours, counts = _histogram(pixels)
    dom, _ = _reduce(colours, counts, len(pixels))
    return _as_tuple(dom[0] if len(dom) else colours[int(np.argmax(counts))])


# ------------------------------------------------------------------------------------------------
# geometry helpers
# ------------------------------------------------------------------------------------------------

def _check_box(box: Any, name: str) -> Box:
    try:
        x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (x1, y1, x2, y2), got {box!r}") from None
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"{name} {box!r} is empty (x2 <= x1 or y2 <= y1)")
    return x1, y1, x2, y2


def _clip(box: Box, shape: tuple[int, ...]) -> Box | None:
    h, w = shape[:2]
    x1, y1, x2, y2 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def _check_density(density: Any) -> float:
    try:
        d = float(density)
    except (TypeError, ValueError):
        raise ValueError(f"density must be a positive number (px per dp), got {density!r}") from None
    if not np.isfinite(d) or d <= 0:
        raise ValueError(f"density must be a positive number (px per dp), got {density!r}")
    return d


def box_gap_px(a: Box, b: Box) -> float:
    """Shortest distance between two boxes in px (0 when they touch or overlap)."""
    dx = max(0, b[0] - a[2], a[0] - b[2])
    dy = max(0, b[1] - a[3], a[1] - b[3])
    return float(np.hypot(dx, dy))


def _corner_of(cx: float, cy: float, region: Box) -> tuple[str, float, float]:
    """Quadrant of a point in a region, and its distance to the nearest vertical / horizontal edge
    as a fraction of the region's width / height."""
    x1, y1, x2, y2 = region
    w, h = max(1, x2 - x1), max(1, y2 - y1)
    fx_left, fy_top = (cx - x1) / w, (cy - y1) / h
    side = "left" if fx_left < 0.5 else "right"
    vert = "top" if fy_top < 0.5 else "bottom"
    return f"{vert}-{side}", min(fx_left, 1 - fx_left), min(fy_top, 1 - fy_top)


def placement(box: Box, *, window_box: Box | None, frame_shape: tuple[int, ...], density: float,
              ctas: Iterable[Box] = (), corner_zone: float, status_bar_dp: float) -> dict[str, Any]:
    """Where a control sits: corners of the window and the screen, status bar, distance to CTAs.

    The corner zone of a region is the outer ``corner_zone`` fraction of its width *and* height;
    a control is in it when its centre is. Rules call this again with their own profile's values.

    Parameters
    ----------
    box : Box
        The control's visible box, px.
    window_box : Box or None
        The splash / pop-up window, px.
    frame_shape : tuple
        ``(H, W[, C])`` of the screen image.
    density : float
        px per dp.
    ctas : iterable of Box
        Jump-trigger boxes (e.g. "立即下载", "Install"), px.
    corner_zone : float
        Fraction 0..0.5 (profile ``close-button-placement.corner_zone``).
    status_bar_dp : float
        Status bar height in dp (profile ``close-button-placement.status_bar``).

    Returns
    -------
    dict
        ``corner`` (quadrant of the first corner zone it is in — window first — or None),
        ``in_corner_zone``, ``corner_window`` / ``corner_screen`` (quadrant, always set),
        ``in_corner_zone_window`` / ``in_corner_zone_screen``, ``window_edge_frac`` /
        ``screen_edge_frac`` ([x, y] distance of the centre to the nearest edges as fractions),
        ``centre_y_dp``, ``in_status_bar``, ``cta_distance_dp`` (None without CTAs), ``nearest_cta``.
    """
    density = _check_density(density)
    h, w = frame_shape[:2]
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    out: dict[str, Any] = {}
    zones: list[tuple[str, str | None, bool]] = []
    for name, region in (("window", window_box), ("screen", (0, 0, w, h))):
        if region is None:
            out[f"corner_{name}"] = None
            out[f"{name}_edge_frac"] = None
            out[f"in_corner_zone_{name}"] = False
            continue
        quad, fx, fy = _corner_of(cx, cy, region)
        inside = fx <= corner_zone + _EPS and fy <= corner_zone + _EPS
        out[f"corner_{name}"] = quad
        out[f"{name}_edge_frac"] = [round(fx, 4), round(fy, 4)]
        out[f"in_corner_zone_{name}"] = bool(inside)
        zones.append((name, quad, inside))
    corner = next((quad for _, quad, inside in zones if inside), None)
    out["corner"] = corner
    out["in_corner_zone"] = corner is not None
    out["centre_y_dp"] = round(cy / density, 2)
    out["in_status_bar"] = bool(cy / density < status_bar_dp)
    best: tuple[float, Box] | None = None
    for cta in ctas:
        gap = box_gap_px(box, tuple(int(v) for v in cta))  # type: ignore[arg-type]
        if best is None or gap < best[0]:
            best = (gap, tuple(int(v) for v in cta))  # type: ignore[assignment]
    out["cta_distance_dp"] = None if best is None else round(best[0] / density, 2)
    out["nearest_cta"] = None if best is None else list(best[1])
    return out


def find_touch_box(box: Box, ui_tree: Iterable[UiNode] | None, *, density: float) -> Box | None:
    """Clickable bounds of a control from a UI tree: the smallest clickable node containing its centre.

    Nodes much larger than the control (see :data:`TOUCH_MAX_GROWTH`) are not its touch target.
    """
    if not ui_tree:
        return None
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    vw, vh = box[2] - box[0], box[3] - box[1]
    max_w = max(TOUCH_MAX_GROWTH * vw, TOUCH_MAX_DP * density)
    max_h = max(TOUCH_MAX_GROWTH * vh, TOUCH_MAX_DP * density)
    best: Box | None = None
    for node in ui_tree:
        x1, y1, x2, y2 = node.box
        if not node.clickable or not (x1 <= cx < x2 and y1 <= cy < y2):
            continue
        if x2 - x1 > max_w or y2 - y1 > max_h:
            continue
        if best is None or (x2 - x1) * (y2 - y1) < (best[2] - best[0]) * (best[3] - best[1]):
            best = (int(x1), int(y1), int(x2), int(y2))
    return best


# ------------------------------------------------------------------------------------------------
# opacity, glyph height
# ------------------------------------------------------------------------------------------------

def _luma(pixels: np.ndarray) -> np.ndarray:
    p = pixels.astype(np.float64)
    return 0.114 * p[..., 0] + 0.587 * p[..., 1] + 0.299 * p[..., 2]


def _ring_mask(frame_shape: tuple[int, ...], box: Box, width: int) -> tuple[Box, np.ndarray]:
    outer = _clip((box[0] - width, box[1] - width, box[2] + width, box[3] + width), frame_shape)
    assert outer is not None
    mask = np.ones((outer[3] - outer[1], outer[2] - outer[0]), dtype=bool)
    mask[box[1] - outer[1]:box[3] - outer[1], box[0] - outer[0]:box[2] - outer[0]] = False
    return outer, mask


def _robust_std(values: np.ndarray) -> float:
    """Standard deviation from the median absolute deviation: stray glyph-edge pixels do not count."""
    med = float(np.median(values))
    return 1.4826 * float(np.median(np.abs(values - med)))


def estimate_opacity(frame: np.ndarray, box: Box, *, ring_px: int) -> float | None:
    """Backing opacity of a control: how much of the surroundings' texture its inside hides.

    A badge of opacity α over a texture keeps ``1 - α`` of the texture's amplitude, so
    ``α ≈ 1 - σ(inside) / σ(ring)``, with robust σ (median absolute deviation) of luma, so that
    the glyph's strokes (a minority of the inside) do not count. 1 = an opaque badge; 0 = no
    backing at all (a bare glyph, or a fully transparent badge, on a busy picture).

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8 BGR
    box : Box
        The control's visible box, px, inside the frame.
    ring_px : int
        Width of the ring of surroundings, px.

    Returns
    -------
    float or None
        0..1; None unless the surroundings are textured on all four sides (over a flat colour an
        opaque and a translucent badge look alike), e.g. always None at the screen's edge.
    """
    frame = as_bgr(frame)
    x1, y1, x2, y2 = box
    outer, ring = _ring_mask(frame.shape, box, ring_px)
    ring_luma = _luma(frame[outer[1]:outer[3], outer[0]:outer[2]][ring])
    if ring_luma.size < 16:
        return None
    ring_std = _robust_std(ring_luma)
    # Every side of the ring must be textured: with a flat side (a black video bar, a card's edge)
    # the texture behind the badge is unknown and the ratio means nothing.
    sides = [frame[max(0, y1 - ring_px):y1, x1:x2], frame[y2:y2 + ring_px, x1:x2],
             frame[y1:y2, max(0, x1 - ring_px):x1], frame[y1:y2, x2:x2 + ring_px]]
    for side in sides:
        if side.size < 3 * 16 or _robust_std(_luma(side.reshape(-1, 3))) < OPACITY_MIN_RING_STD:
            return None
    crop = frame[y1:y2, x1:x2]
    h, w = crop.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    rx, ry = w * (0.5 - OPACITY_INNER_SHRINK), h * (0.5 - OPACITY_INNER_SHRINK)
    inner = ((xx + 0.5 - w / 2) / max(rx, 0.5)) ** 2 + ((yy + 0.5 - h / 2) / max(ry, 0.5)) ** 2 <= 1.0
    inside = _luma(crop)[inner]
    if inside.size < 16:
        return None
    # Over a texture, the glyph is the one flat colour inside: the most frequent luma. When that
    # colour covers a minority of the inside it is the glyph (not an opaque badge): leave it out.
    bins = np.clip(inside // OPACITY_LUMA_BIN, 0, 255 // OPACITY_LUMA_BIN).astype(np.int64)
    counts = np.bincount(bins)
    mode = int(np.argmax(counts))
    if counts[mode] < OPACITY_GLYPH_MAX_SHARE * inside.size:
        rest = inside[np.abs(bins - mode) > 1]
        if rest.size >= 16:
            inside = rest
    return float(np.clip(1.0 - _robust_std(inside) / ring_std, 0.0, 1.0))


def control_shape_mask(height: int, width: int, kind: str) -> np.ndarray:
    """Pixels of a ``height``×``width`` box that lie inside a control's usual shape.

    ``x_icon``: the inscribed ellipse (round badges; a bare X keeps its centre). ``text``: the
    inscribed stadium (capsule pills; a tight text box loses only its corners).

    Returns
    -------
    ndarray, shape (height, width), bool
    """
    yy, xx = np.mgrid[0:height, 0:width]
    px, py = xx + 0.5, yy + 0.5
    if kind == "x_icon":
        rx, ry = width / 2, height / 2
        return ((px - rx) / rx) ** 2 + ((py - ry) / ry) ** 2 <= 1.0
    r = min(width, height) / 2
    cx = np.clip(px, r, width - r)
    cy = np.clip(py, r, height - r)
    return (px - cx) ** 2 + (py - cy) ** 2 <= r * r


def _glyph_height_px(crop: np.ndarray, fg_bgr: Sequence[int], bg_bgr: Sequence[int]) -> int:
    h, w = crop.shape[:2]
    margin = int(round(w * (1 - GLYPH_COLUMNS_FRACTION) / 2))
    centre = crop[:, margin:w - margin] if w - 2 * margin >= 1 else crop
    luma = _luma(centre)
    fg_l, bg_l = float(_luma(np.array(fg_bgr))), float(_luma(np.array(bg_bgr)))
    is_fg = np.abs(luma - fg_l) < np.abs(luma - bg_l)
    rows = np.flatnonzero(is_fg.sum(axis=1) >= max(1, GLYPH_ROW_MIN_FRACTION * centre.shape[1]))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


# ------------------------------------------------------------------------------------------------
# measure_control
# ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _default_profile() -> Any:
    from detectors.profiles import load_profile
    return load_profile()


def _placement_thresholds(profile: Any) -> tuple[float, float]:
    """(corner_zone fraction, status bar dp) from the profile, else from the default profile."""
    for p in (profile, _default_profile()):
        if p is None:
            continue
        try:
            return (p.value("close-button-placement", "corner_zone"),
                    p.value("close-button-placement", "status_bar"))
        except KeyError:
            continue
    raise KeyError("no profile gives close-button-placement.corner_zone / status_bar")


def measure_control(frame: np.ndarray, control: CloseControl, *, window: Window | None, density: float,
                    ctas: Iterable[Box] = (), ui_tree: Iterable[UiNode] | None = None,
                    profile: Any = None) -> ControlMeasurement:
    """Measure one close control.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8 BGR
        The screen, device pixels.
    control : CloseControl
        The control; ``control.box`` is its tight visible box (glyph with its badge, or the pill).
    window : Window or None
        The splash / pop-up window it belongs to.
    density : float
        px per dp.
    ctas : iterable of Box
        Jump-trigger boxes, px.
    ui_tree : iterable of UiNode, optional
        Clickable nodes in image px; the control's touch target comes from here.
    profile : Profile, optional
        Gives the corner-zone fraction and status-bar height (default profile when None).

    Returns
    -------
    ControlMeasurement
        ``width_dp``/``height_dp`` = visible box / density. ``contrast`` = what makes the control
        findable: the larger of glyph-vs-badge and badge-vs-surroundings (see below); None when the
        crop is uniform (no glyph could be separated). ``details`` carries both parts and the colours.
    """
    frame = as_bgr(frame)
    density = _check_density(density)
    box = _check_box(control.box, "control.box")
    clipped = _clip(box, frame.shape)
    if clipped is None:
        raise ValueError(f"control.box {box} lies outside the frame ({frame.shape[1]}×{frame.shape[0]} px)")
    x1, y1, x2, y2 = clipped
    crop = frame[y1:y2, x1:x2]
    # The swatch reads the pixels inside the control's shape, not its box: the corners of a round
    # badge's box (or of a capsule pill's) show the surroundings, which would pose as a foreground.
    fg, bg, glyph_ratio = _swatch_pixels(crop[control_shape_mask(crop.shape[0], crop.shape[1], control.kind)],
                                         enhanced=True)

    # Surroundings: a ring just outside the box, its most frequent colour.
    ring_px = int(max(RING_MIN_PX, min(RING_FRACTION * min(x2 - x1, y2 - y1), RING_MAX_DP * density)))
    outer, ring = _ring_mask(frame.shape, clipped, ring_px)
    ring_pixels = frame[outer[1]:outer[3], outer[0]:outer[2]][ring]
    surround = _dominant_bgr(ring_pixels)
    badge_ratio = contrast_ratio_bgr(bg, surround) if surround is not None else None

    # Findability: a user finds the control when its glyph stands out from what is right behind it
    # (the badge, or the picture for a bare glyph), or when its badge stands out from the
    # surroundings (a dark disc on a light picture is found even if its X is thin). So the larger of
    # the two counts. A uniform crop (no separable glyph) gives None: whatever the badge does, there
    # is no visible mark saying "close", and the rule asks a person to look.
    # Text is different: a label must be *readable* (WCAG 1.4.3, SAMR "unreadable close mark"), and a
    # bright pill does not make grey-on-grey letters legible; text is judged on text vs its ground.
    if glyph_ratio is None:
        contrast, basis = None, None
    elif control.kind == "text":
        contrast, basis = glyph_ratio, "glyph"
    elif badge_ratio is not None and badge_ratio > glyph_ratio:
        contrast, basis = badge_ratio, "badge"
    else:
        contrast, basis = glyph_ratio, "glyph"

    opacity = estimate_opacity(frame, clipped, ring_px=ring_px)
    glyph_h = _glyph_height_px(crop, fg, bg) if fg is not None else 0

    corner_zone, status_bar_dp = _placement_thresholds(profile)
    ctas = [tuple(int(v) for v in c) for c in ctas]
    place = placement(clipped, window_box=window.box if window is not None else None,
                      frame_shape=frame.shape, density=density, ctas=ctas,  # type: ignore[arg-type]
                      corner_zone=corner_zone, status_bar_dp=status_bar_dp)
    touch = find_touch_box(clipped, ui_tree, density=density)
    details = {
        "width_px": x2 - x1, "height_px": y2 - y1,
        "glyph_ratio": glyph_ratio, "badge_ratio": badge_ratio, "contrast_basis": basis,
        "fg_bgr": list(fg) if fg is not None else None, "bg_bgr": list(bg),
        "surround_bgr": list(surround) if surround is not None else None,
        "glyph_height_dp": round(glyph_h / density, 2) if fg is not None else None,
        "ring_px": ring_px, "clipped": clipped != box,
    }
    return ControlMeasurement(width_dp=(x2 - x1) / density, height_dp=(y2 - y1) / density,
                              contrast=contrast, opacity=opacity, placement=place, touch_box=touch,
                              details=details)


def fullscreen_jump_cue(window: Window | None, controls: Sequence[CloseControl], ctas: Iterable[Box], *,
                        frame_shape: tuple[int, ...], max_fraction: float = FULL_BLEED_FRACTION) -> dict[str, Any]:
    """Static cue for a full-screen jump link: a large window with no separate jump button.

    When an ad window has a visible jump button ("立即下载", "Learn more"), that button is usually
    the jump trigger; when it has none, the picture itself usually is, and a large picture is a
    large hot zone. This is only a cue: tap probes decide.

    Parameters
    ----------
    max_fraction : float
        Window share of the screen above which a window with no CTA is suspicious (default: full
        bleed, 0.9; rules pass the profile's ``violation_fraction``).

    Returns
    -------
    dict
        ``window_fraction`` (window area / screen area), ``full_bleed`` (≥ 0.9),
        ``potential_hot_zone_fraction`` (window minus close controls, / screen),
        ``ctas_in_window`` (count), ``suspicious`` (bool), ``reason`` (str).
    """
    h, w = frame_shape[:2]
    if window is None:
        return {"window_fraction": 0.0, "full_bleed": False, "potential_hot_zone_fraction": 0.0,
                "ctas_in_window": 0, "suspicious": False, "reason": "no window"}
    wb = _clip(window.box, frame_shape) or (0, 0, 0, 0)
    screen = float(w * h)
    area = (wb[2] - wb[0]) * (wb[3] - wb[1])
    ctrl_area = sum(max(0, (min(c.box[2], wb[2]) - max(c.box[0], wb[0])))
                    * max(0, (min(c.box[3], wb[3]) - max(c.box[1], wb[1]))) for c in controls)
    inside = []
    for c in ctas:
        cx, cy = (c[0] + c[2]) / 2, (c[1] + c[3]) / 2
        if wb[0] <= cx < wb[2] and wb[1] <= cy < wb[3]:
            inside.append(c)
    frac = area / screen
    hot = max(0.0, area - ctrl_area) / screen
    suspicious = not inside and frac > max_fraction
    if suspicious:
        reason = f"window covers {frac:.0%} of the screen and shows no separate jump button"
    elif inside:
        reason = f"{len(inside)} separate jump button(s) in the window"
    else:
        reason = f"window covers {frac:.0%} of the screen (≤ {max_fraction:.0%})"
    return {"window_fraction": round(frac, 4), "full_bleed": frac >= FULL_BLEED_FRACTION,
            "potential_hot_zone_fraction": round(hot, 4), "ctas_in_window": len(inside),
            "suspicious": bool(suspicious), "reason": reason}
