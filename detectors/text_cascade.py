"""A second, costlier look for text dismiss controls on pop-up candidates where the cheap path found none.

The cheap path (:func:`detectors.close_controls.scan_controls`) finds text lines with image
morphology (plus, on panels, the OCR's text detector at ≤ ``DET_LINES_MAX_SIDE_PX``) and reads
at most ``OCR_MAX_LINES`` of them, chosen by a placement score. A dismiss label that the
morphology welds to a divider, that sits low in contrast, or that ranks below the cut (a
full-screen ad's bare 跳过 among the ad's own copy, an undetected dialog's 取消 among a page's
lines) is never read. This cascade, run only on a frame that is a pop-up candidate and has
no dismiss control yet, makes the text *detection* exhaustive at a scale chosen from the
screen density and reads the short, button-like lines it finds:

1. The region (the window, the candidate's content area, a partial capture, or a button row)
   goes through RapidOCR's PP-OCR detection model at the scale at which a
   ``min_label_sp`` label is ``det_text_px`` px tall (:func:`det_scale`), capped in area
   (``max_det_area_px``) so that one frame's cost is bounded. When the cheap path already ran
   the detector on the same region at a finer scale (panel windows), that result is reused
   (the reader caches it).
2. Lines are tightened to their ink, and kept when they are button-like: width/height between
   ``min_line_aspect`` and ``max_line_aspect``, not taller than ``max_line_share`` of the window,
   and not a line the cheap path already read.
3. They are ranked with the cheap path's own placement score (isolated, in a button, in the
   bottom rows or a top corner) and at most ``max_lines`` are recognised, in batches
   (``band_max_lines`` in a button-row band).
4. The text goes through the same keyword grammar (:func:`detectors.ocr.is_close_text` /
   :func:`detectors.ocr.is_cta_text`, ``detectors/keywords.yaml``).

What a found control *means* (whether it makes the frame a pop-up) stays with the callers'
gates in :mod:`detectors.analyze` and :func:`detectors.window.promote_by_controls`: a generic
取消 without a call to action beside it still promotes nothing.

A reader without ``detect_lines`` (``scan --no-ocr``'s reader, test fakes) makes the cascade
a no-op: it never loads a model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

# the cheap path's own line machinery (same package): one implementation of tightening,
# scoring and reading, so both passes judge a line alike
from detectors.close_controls import (DET_WINDOW_KINDS, ControlScan, _clip_box, _iou, _Line, _make_work,
                                      _read_text_controls, _score_lines, _tighten)
from detectors.model import Box, Window
from detectors.ocr import DET_LINES_MAX_SIDE_PX, DET_LINES_MIN_SCALE
from detectors.window import PARTNER_MAX_GAP, PARTNER_MAX_H_RATIO, PARTNER_MIN_VOVERLAP

__all__ = ["CascadeParams", "CASCADE", "det_scale", "find_text_dismiss", "cta_row_bands", "button_row_bands"]


@dataclass(frozen=True)
class CascadeParams:
    """Declared parameters of the text cascade (value, unit, why).

    Attributes
    ----------
    min_label_sp : float
        sp. The smallest dismiss label the detector must still see: Android's caption /
        button text is 12–14 sp (Material ``labelMedium`` 12 sp, ``labelLarge`` 14 sp); text
        links under full-screen promos ("以后再说") are 12 sp and up.
    det_text_px : float
        px. Font size a label needs *after* scaling for the PP-OCR det model to find it.
        Measured on this machine with rendered 取消 / 跳过 / 以后再说 / 暂不 / Skip / 关闭 on four
        backgrounds (white, black, a colour gradient, light grey; grey text; 24 cases): found
        13/24 at 5 px, 15/24 at 6 px, 24/24 at 7 px and 8 px. 8 px keeps one pixel of margin.
        ``test_the_det_model_finds_min_label_sp_labels_at_the_declared_scale`` re-measures it.
    max_det_area_px : int
        px². Cost cap of the detector's input (its cost grows with the area): a 1080 × 2400
        screen at density 2.625 goes in at 0.254 (≈ 274 × 610 → 288 × 608 = 175 k px, measured
        ≈ 360 ms CPU on this machine under load 3.7, ≈ 220 ms at 0.2). Larger regions are scaled
        down to fit (their smallest labels may then be lost).
    max_lines : int
        Lines recognised per cascade call. The recogniser costs ≈ 20–40 ms a line here
        (batches of 6); 8 short lines bound it to ≈ 0.2–0.3 s on a frame that is already a
        pop-up candidate.
    band_max_lines : int
        Lines recognised per button-row band (window-less frames, most of them ordinary
        screens): a dialog's button row holds two or three labels.
    min_line_aspect, max_line_aspect : float
        Width / height of a button-like line. Below 1.4 it is an icon or a lone glyph (every
        dismiss label has two characters or more: 取消, No); above 8 it is copy, not a
        button: the longest labels of the keyword grammar ("Not now, thanks", 不同意并退出,
        "5s | 跳过") are ≤ 7 heights wide.
    max_line_share : float
        A detected "line" taller than this share of the window height is a picture.
    read_iou : float
        A line overlapping a line the cheap path already read by at least this IoU is not
        read again.
    min_line_score : float
        Placement score (:func:`detectors.close_controls._score_lines`) below which a line is
        not read: only icons and single glyphs score that low (-10); the cheap path's own cut
        (``OCR_MIN_LINE_SCORE`` = 1.4) is what drops the labels this cascade is for.
    cta_rows : int
        Window-less frames: at most this many rows with a call to action are searched for a
        dismiss partner (an alert's 取消 | 确定), those nearest the content's centre first
        (dialogs are centred).
    row_band_em : float
        Window-less frames: the searched band reaches this many call-to-action heights above
        and below it (a partner button may be taller or offset: iOS alerts' two cells).
    pair_rows : int
        Window-less frames with no call to action read: at most this many *unread* button rows
        (exactly two short lines side by side, alone on their row: 取消 | 确定) are searched.
        One: ordinary screens have such rows too (a feed item's "342 评论 | 5 小时前"), and each
        costs a band detection and two reads (≈ 30–60 ms here).
    row_alone_gaps : float
        Such a pair is alone on its row when no third line lies within this many of the pair's
        own gaps beside it: tab-bar labels are evenly spaced (a neighbour one gap away, or a
        little more); the page seen beside a dialog without a scrim is several gaps away.
    """

    min_label_sp: float = 12.0
    det_text_px: float = 8.0
    max_det_area_px: int = 180_000
    max_lines: int = 8
    band_max_lines: int = 3
    min_line_aspect: float = 1.4
    max_line_aspect: float = 8.0
    max_line_share: float = 0.25
    read_iou: float = 0.7
    min_line_score: float = -5.0
    cta_rows: int = 2
    row_band_em: float = 1.5
    pair_rows: int = 1
    row_alone_gaps: float = 2.0

    def __post_init__(self) -> None:
        for name in ("min_label_sp", "det_text_px", "max_line_aspect", "max_line_share", "read_iou", "row_band_em",
                     "row_alone_gaps"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        for name in ("max_det_area_px", "max_lines", "band_max_lines", "cta_rows", "pair_rows"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")


CASCADE = CascadeParams()


def det_scale(width: int, height: int, density: float, params: CascadeParams = CASCADE) -> float:
    """Scale at which a region goes through the text detector.

    Parameters
    ----------
    width, height : int
        Region size in frame px.
    density : float
        px per dp (= px per sp at the default font scale).

    Returns
    -------
    float
        ``det_text_px / (min_label_sp * density)``, lowered so that the scaled region's area
        stays within ``max_det_area_px``, and never above 1 (no upscaling).

    Examples
    --------
    >>> round(det_scale(1080, 2400, 2.625), 3)   # a 12 sp label (31.5 px) becomes 8 px
    0.254
    >>> det_scale(600, 400, 1.0)                 # 12 px labels: kept at full size
    0.6667
    """
    if not (math.isfinite(density) and density > 0):
        raise ValueError(f"density must be a positive number of px per dp, got {density!r}")
    s = params.det_text_px / (params.min_label_sp * density)
    area = float(max(1, width)) * float(max(1, height))
    s = min(s, math.sqrt(params.max_det_area_px / area))
    return round(min(1.0, s), 4)


def _first_pass_scale(window: Window, w: int, h: int) -> float | None:
    """The scale close_controls' own detector pass used on this window, or None (it did not run)."""
    if window.kind not in DET_WINDOW_KINDS and not window.cues.get("partial_capture"):
        return None
    return min(1.0, max(DET_LINES_MIN_SCALE, DET_LINES_MAX_SIDE_PX / float(max(h, w))))


def find_text_dismiss(frame: np.ndarray, *, window: Window, density: float, reader: Any,
                      region: Box | None = None, read: Sequence[Box] = (),
                      params: CascadeParams = CASCADE) -> ControlScan:
    """Text dismiss controls (and calls to action) that an exhaustive text detection finds.

    Parameters
    ----------
    frame : (H, W, 3) uint8 BGR
    window : Window
        The candidate window (placement scores are relative to it).
    density : float
        px per dp of the frame.
    reader : TextReader-like
        Needs ``detect_lines`` and ``recognise``; without ``detect_lines`` nothing is done.
    region : Box, optional
        Part of the window to search (a button-row band), frame px; the window when None.
    read : sequence of Box
        Lines the cheap path already read (frame px): not read again.
    params : CascadeParams

    Returns
    -------
    ControlScan
        ``controls`` (text dismiss controls, best first; box = the button around the label, or
        the label), ``ctas``, ``text`` (every line read) and ``timings_ms`` (``det``, ``ocr``,
        ``total``; ``lines``: how many were read, ``scale``: the detector's scale).
    """
    t0 = time.perf_counter()
    detect = getattr(reader, "detect_lines", None)
    if detect is None or not callable(getattr(reader, "recognise", None)):
        return ControlScan((), (), (), {"total": 0.0})
    H, W = frame.shape[:2]
    work = _make_work(frame, window, density)
    rx1, ry1, rx2, ry2 = _clip_box(region if region is not None else window.box, W, H)
    if work is None or rx2 - rx1 < 16 or ry2 - ry1 < 16:
        return ControlScan((), (), (), {"total": 0.0})
    s = det_scale(rx2 - rx1, ry2 - ry1, density, params)
    if region is None:
        first = _first_pass_scale(window, rx2 - rx1, ry2 - ry1)
        if first is not None and first >= s:
            s = first  # the cheap path ran the detector finer on this very crop: reuse it (cached)
    boxes = detect(np.ascontiguousarray(frame[ry1:ry2, rx1:rx2]), scale=s)
    t1 = time.perf_counter()
    ws = work.scale
    win_h = max(1.0, work.win[3] - work.win[1])
    lines: list[_Line] = []
    for x1, y1, x2, y2 in boxes:
        b = (int(round((x1 + rx1 - work.ox) * ws)), int(round((y1 + ry1 - work.oy) * ws)),
             int(round((x2 + rx1 - work.ox) * ws)), int(round((y2 + ry1 - work.oy) * ws)))
        if b[2] - b[0] < 4 or b[3] - b[1] < 4 or b[3] - b[1] > params.max_line_share * win_h:
            continue
        t = _tighten(work.gray, b)
        w, h = t[2] - t[0], t[3] - t[1]
        if h < 3 or not (params.min_line_aspect <= w / h <= params.max_line_aspect):
            continue
        fb = _clip_box(work.to_frame(t), W, H)
        if any(_iou(fb, tuple(int(v) for v in r)) >= params.read_iou for r in read):  # type: ignore[arg-type]
            continue
        lines.append(_Line(t, det=True))
    if not lines:
        return ControlScan((), (), (), {"det": (t1 - t0) * 1e3, "ocr": 0.0, "lines": 0.0, "scale": s,
                                        "total": (time.perf_counter() - t0) * 1e3})
    _score_lines(work, lines)
    cap = params.max_lines if region is None else params.band_max_lines
    controls, ctas, hits = _read_text_controls(frame, work, lines, reader, max_lines=cap,
                                               aspect_budget=float("inf"), min_score=params.min_line_score)
    t2 = time.perf_counter()
    controls.sort(key=lambda c: -c.confidence)
    n_read = min(cap, sum(1 for l in lines if l.score >= params.min_line_score))
    return ControlScan(tuple(controls), tuple(ctas), tuple(hits),
                       {"det": (t1 - t0) * 1e3, "ocr": (t2 - t1) * 1e3, "lines": float(n_read), "scale": s,
                        "total": (t2 - t0) * 1e3})


def cta_row_bands(ctas: Sequence[Box], content: Box, *, params: CascadeParams = CASCADE) -> list[Box]:
    """Bands around calls to action where a dialog's dismiss partner would sit (window-less frames).

    Parameters
    ----------
    ctas : sequence of Box
        Calls to action the cheap path read (frame px).
    content : Box
        The content area (frame px); bands span its width.

    Returns
    -------
    list of Box
        At most ``cta_rows`` bands, nearest the content's vertical centre first; bands that
        overlap an earlier one are merged into it.
    """
    cx1, cy1, cx2, cy2 = (int(v) for v in content)
    mid = (cy1 + cy2) / 2.0
    out: list[list[int]] = []
    for b in sorted(ctas, key=lambda b: abs((b[1] + b[3]) / 2.0 - mid)):
        h = b[3] - b[1]
        if h <= 0:
            continue
        m = int(round(params.row_band_em * h))
        band = [cx1, max(cy1, int(b[1]) - m), cx2, min(cy2, int(b[3]) + m)]
        for o in out:
            if band[1] < o[3] and o[1] < band[3]:
                o[1], o[3] = min(o[1], band[1]), max(o[3], band[3])
                break
        else:
            if len(out) >= params.cta_rows:
                continue
            out.append(band)
    return [tuple(b) for b in out]  # type: ignore[misc]


def button_row_bands(lines: Sequence[Box], read: Sequence[Box], content: Box, *,
                     params: CascadeParams = CASCADE) -> list[Box]:
    """Bands of unread button rows: two short lines side by side, alone on their row (window-less frames).

    The pair is judged with the dialog-button-row geometry of
    :func:`detectors.window.promote_by_controls` (``PARTNER_MIN_VOVERLAP``,
    ``PARTNER_MAX_H_RATIO``, ``PARTNER_MAX_GAP``): the same row, similar heights, at most
    ``PARTNER_MAX_GAP`` of the content width apart; both button-like (``min_line_aspect`` ..
    ``max_line_aspect``) and neither read yet (IoU < ``read_iou`` with every read line); no
    third line on that row within ``row_alone_gaps`` pair gaps of them (a tab bar, a toolbar's title; the page
    beside a dialog without a scrim is farther), neither a line of wrapped text.

    Parameters
    ----------
    lines : sequence of Box
        Candidate text lines of the content (``ControlScan.lines``), frame px.
    read : sequence of Box
        Lines already read (``ControlScan.text`` boxes), frame px.
    content : Box
        The content area, frame px; bands span its width.

    Returns
    -------
    list of Box
        At most ``pair_rows`` bands (the row ± ``row_band_em`` line heights), nearest the
        content's vertical centre first.
    """
    cx1, cy1, cx2, cy2 = (int(v) for v in content)
    cw = max(1, cx2 - cx1)

    def vover(a: Box, b: Box) -> float:
        return min(a[3], b[3]) - max(a[1], b[1])

    def short(b: Box) -> bool:
        h = b[3] - b[1]
        return h > 0 and params.min_line_aspect <= (b[2] - b[0]) / h <= params.max_line_aspect

    unread = [b for b in lines if short(b) and all(_iou(tuple(b), tuple(r)) < params.read_iou for r in read)]  # type: ignore[arg-type]
    rows: list[tuple[float, Box]] = []
    for i, a in enumerate(unread):
        for b in unread[i + 1:]:
            ha, hb = a[3] - a[1], b[3] - b[1]
            if max(ha, hb) > PARTNER_MAX_H_RATIO * min(ha, hb) or vover(a, b) < PARTNER_MIN_VOVERLAP * min(ha, hb):
                continue
            gap = max(b[0] - a[2], a[0] - b[2])
            if not (0 < gap <= PARTNER_MAX_GAP * cw):
                continue
            x1, x2 = min(a[0], b[0]), max(a[2], b[2])
            if any(o is not a and o is not b and vover(o, a) >= PARTNER_MIN_VOVERLAP * min(ha, o[3] - o[1])
                   and max(o[0] - x2, x1 - o[2]) <= params.row_alone_gaps * gap for o in lines):
                continue  # a third line close on the row: a tab bar or a toolbar, not a dialog's two buttons
            if _in_paragraph(a, lines) or _in_paragraph(b, lines):
                continue  # the last line of wrapped text and a word beside it
            h = max(ha, hb)
            m = int(round(params.row_band_em * h))
            band = (cx1, max(cy1, min(a[1], b[1]) - m), cx2, min(cy2, max(a[3], b[3]) + m))
            rows.append((abs((a[1] + a[3]) / 2.0 - (cy1 + cy2) / 2.0), band))
    rows.sort(key=lambda r: r[0])
    return [b for _, b in rows[:params.pair_rows]]


def _in_paragraph(a: Box, lines: Sequence[Box]) -> bool:
    """True when another line sits right above or below ``a`` (gap < 0.9 of its height), overlapping it
    in x: wrapped text (the paragraph test of :func:`detectors.close_controls._score_lines`)."""
    h = a[3] - a[1]
    for o in lines:
        if o is a or min(a[2], o[2]) - max(a[0], o[0]) <= 0:
            continue
        gap = max(o[1] - a[3], a[1] - o[3])
        if -0.3 * h < gap < 0.9 * h and 0.6 * h < o[3] - o[1] < 1.6 * h:
            return True
    return False
