"""Temporal segmentation of a launch: stable screens, the transitions between them, and what they mean.

The pixel detectors look at one frame at a time; a launch timeline also says *how the screen
changed*. A splash (开屏) is a stable screen shown before the app's first own screen that goes
away by itself (or through a skip); a pop-up (弹窗) is a layer over a stable screen that goes
away on a dismiss tap. This module finds those facts from the frames alone — an independent
second line of evidence beside the window detector — with pure functions:

* :func:`segment_timeline` splits the frames into :class:`Segment` s (runs of frames that show
  the same screen: a ticking countdown or an animated ring is a small change, another screen a
  large one) linked by :class:`Transition` s, each marked with whether an input event (a tap,
  a shake) came just before it. Frames of a cross-fade or of a page still painting form short
  unstable runs that are folded into the transition.
* :meth:`Segmentation.transient` — stable, non-blank screens that ended **without input** while
  another stable screen followed: the splash candidates.
* :func:`control_onset` dates a close control from the first frame of its segment whose
  control region is the same picture (walking back while the region does not jump): a control
  recognised late (a countdown ring read only at "1") was still there from the start.
* :func:`coverage` names what the timeline showed, for the verdict's ``coverage`` field.

Frames are compared on downscaled grey signatures (:func:`harness.tracking.frame_signature`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import cv2
import numpy as np

from detectors.model import Box
from harness.tracking import SIGNATURE_PIXEL_TOL, frame_signature

__all__ = ["Segment", "Transition", "Segmentation", "segment_timeline", "segment_frames", "control_onset",
           "coverage", "layer_box", "COVERAGE_NO_TRANSIENT", "COVERAGE_WINDOW", "COVERAGE_TEMPORAL",
           "COVERAGE_LAYER", "COVERAGE_EMPTY", "segment_roles", "draw_segment_strip"]

# A frame continues the current screen while at most this share of its downscaled pixels changed
# (against the segment's first frame *or* the previous frame): a countdown digit, a ring or a
# caret is < 1 % of the screen, another screen or a pop-up with its scrim far more.
SEGMENT_MAX_CHANGED = 0.04
# A run of frames shorter than this (s) is not a stable screen (a fade, a page still painting).
SEGMENT_MIN_STABLE_S = 0.3
# A screen whose downscaled grey standard deviation is below this (0..255) is blank (loading).
BLANK_MAX_STD = 4.0
# An input event this long (s) before a transition's first changed frame caused it (a tap's
# effect is painted within a few frames; the screencast's timestamps are exact to a frame).
INPUT_WINDOW_S = 1.0
# A screen is a layer over the previous one when at least this share of the previous screen is
# still there, unchanged or uniformly dimmed (a scrim), around a changed region.
LAYER_MIN_KEPT = 0.3
# ... and at least this share of the screen around the layer's box.
LAYER_MIN_KEPT_AROUND = 0.8
# A uniformly dimmed pixel keeps this band of brightness ratios (a scrim of 15–85 % black).
LAYER_DIM_RANGE = (0.15, 0.85)
# The changed region of a layer covers at most this share of the screen (else it is a new screen).
LAYER_MAX_AREA = 0.9
# Frosted backdrops: Gaussian blurs (signature px, 1/8 of the frame) tried, i.e. ≈ 8-40 device px
# (CSS blur(4px)-blur(16px) at density 2.6), and the tint's gain range (a white veil lowers contrast,
# a dark one too; a gain above 1.1 is no scrim).
LAYER_FROST_SIGMAS = (1.0, 2.0, 4.0)
LAYER_FROST_GAIN = (0.2, 1.1)
# ... tried only when more than this share of the screen is not explained as kept or dimmed; a
# Gaussian is only an approximation of the browser's (or the OS's) blur: residuals up to this many
# times SIGNATURE_PIXEL_TOL still show the screen through the frost.
LAYER_FROST_TRY = 0.25
LAYER_FROST_TOL = 1.5
LAYER_FROST_FIT_TOLS = (4.0, 2.5, LAYER_FROST_TOL, LAYER_FROST_TOL)
# Control dating: walking back, the control's region "jumps" (the control appeared) when more than
# this share of its pixels changed from one frame to the next, or more than CONTROL_MAX_DRIFT from
# the frame where it was recognised (a fade-in).
CONTROL_MAX_STEP = 0.35
CONTROL_MAX_DRIFT = 0.6
# Grey-level change (0..255) that counts inside a control's region at full resolution.
CONTROL_PIXEL_TOL = 24

COVERAGE_EMPTY = "no frames"
COVERAGE_NO_TRANSIENT = "no transient screen"
COVERAGE_WINDOW = "window recognised"
COVERAGE_TEMPORAL = "transient screen judged without recognised window"
COVERAGE_LAYER = "layer over the first screen not recognised as a window"
COVERAGE_WINDOW_AND_TEMPORAL = "window recognised, and a transient screen judged without recognised window"
COVERAGE_LAYER_JUDGED = "layer over the first screen judged as a pop-up without recognised window"
COVERAGE_WINDOW_AND_LAYER = "window recognised, and a layer judged as a pop-up without recognised window"


@dataclass(frozen=True)
class Segment:
    """One stable screen of a timeline.

    Attributes
    ----------
    start, end : int
        First and last frame index (inclusive) of the run.
    t_start : float
        Seconds since launch of its first frame.
    last_t : float
        Time of its last frame.
    t_end : float or None
        Time of the first frame of the next stable screen (when it had gone); None when the
        screen was still up when the recording stopped.
    key : int
        Frame index that represents the screen (its middle frame).
    blank : bool
        A near-uniform screen (a page still loading, a white window).
    """

    start: int
    end: int
    t_start: float
    last_t: float
    t_end: float | None
    key: int
    blank: bool = False
    t_before: float | None = None
    """Time of the last frame before the segment (None for the first frame of the timeline)."""

    @property
    def ended(self) -> bool:
        return self.t_end is not None

    @property
    def appeared_t(self) -> float:
        """Best estimate (s) of when the screen appeared: midway between the frame before it and its
        first frame (the change happened in between; halves the error of taking either frame)."""
        return self.t_start if self.t_before is None else (self.t_before + self.t_start) / 2

    @property
    def gone_t(self) -> float | None:
        """Best estimate (s) of when it went away: midway between its last frame and ``t_end``."""
        return None if self.t_end is None else (self.last_t + self.t_end) / 2

    @property
    def duration_s(self) -> float:
        """Seconds on screen: to ``t_end`` when it ended, else to ``last_t`` (a lower bound)."""
        return (self.t_end if self.t_end is not None else self.last_t) - self.t_start

    @property
    def indices(self) -> range:
        return range(self.start, self.end + 1)

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "t_start": self.t_start, "last_t": self.last_t,
                "t_end": self.t_end, "key": self.key, "blank": self.blank,
                "appeared_t": round(self.appeared_t, 3),
                "gone_t": None if self.gone_t is None else round(self.gone_t, 3),
                "duration_s": round(self.duration_s, 3)}


@dataclass(frozen=True)
class Transition:
    """The change from one stable screen to the next.

    ``t`` is the time of the first changed frame; ``by_input`` whether an input event came up to
    INPUT_WINDOW_S before it; ``layer`` the box (frame px) of a layer over the previous screen
    (the next screen keeps most of the previous one around it), None when it is a new screen.
    """

    before: int
    after: int
    t: float
    by_input: bool
    changed: float
    layer: Box | None = None

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "t": self.t, "by_input": self.by_input,
                "changed": round(self.changed, 3), "layer": list(self.layer) if self.layer else None}


@dataclass(frozen=True)
class Segmentation:
    """Stable screens of a timeline and the transitions between consecutive ones."""

    segments: tuple[Segment, ...]
    transitions: tuple[Transition, ...]
    frames: int = 0
    inputs: tuple[float, ...] = field(default_factory=tuple)

    def content(self) -> list[Segment]:
        """Stable screens that are not blank, in time order."""
        return [s for s in self.segments if not s.blank]

    def transition_after(self, seg: Segment) -> Transition | None:
        k = self.segments.index(seg)
        return self.transitions[k] if k < len(self.transitions) else None

    def transient(self) -> list[Segment]:
        """Splash candidates: content screens that ended without input with another content
        screen after them, before the first screen that stays (the app's own screen) — and not
        layers over an earlier screen (those are pop-ups)."""
        out: list[Segment] = []
        content = self.content()
        for s in content[:-1]:
            tr = self.transition_after(s)
            if tr is None or tr.by_input:
                break  # the user acted: what follows is not the launch's own sequence
            if tr.layer is not None:
                break  # the screen stays under a layer: it is the app's screen (or a pop-up's base)
            if self._layer_before(s) is not None:
                continue
            out.append(s)
        return out

    def first_app_screen(self) -> Segment | None:
        """The first content screen that is not transient (None when every one was)."""
        trans = {(s.start, s.end) for s in self.transient()}
        return next((s for s in self.content() if (s.start, s.end) not in trans), None)

    def layer_over(self, seg: Segment) -> Box | None:
        """The box of a layer over ``seg`` (a later screen that keeps ``seg`` around a region)."""
        k = self.segments.index(seg)
        for tr in self.transitions[k:]:
            if tr.layer is not None:
                return tr.layer
            if not self.segments[tr.after].blank:
                return None
        return None

    def layer_segment(self, seg: Segment) -> tuple[Segment, Box] | None:
        """The screen that shows a layer over ``seg`` and the layer's box (see :meth:`layer_over`)."""
        k = self.segments.index(seg)
        for tr in self.transitions[k:]:
            if tr.layer is not None:
                return self.segments[tr.after], tr.layer
            if not self.segments[tr.after].blank:
                return None
        return None

    def _layer_before(self, seg: Segment) -> Transition | None:
        k = self.segments.index(seg)
        if k == 0:
            return None
        tr = self.transitions[k - 1]
        return tr if tr.layer is not None else None

    def segment_at(self, index: int) -> Segment | None:
        """The stable screen that frame ``index`` belongs to, if any."""
        return next((s for s in self.segments if s.start <= index <= s.end), None)

    def to_json(self) -> dict[str, Any]:
        return {"segments": [s.to_json() for s in self.segments],
                "transitions": [t.to_json() for t in self.transitions],
                "transient": [self.segments.index(s) for s in self.transient()]}


# ----------------------------------------------------------------------------- segmentation

def changed_share(a: np.ndarray, b: np.ndarray, *, tol: int = SIGNATURE_PIXEL_TOL) -> float:
    """Share (0..1) of pixels of two same-shaped grey signatures that moved more than ``tol``."""
    if a.shape != b.shape:
        return 1.0
    return float(np.count_nonzero(cv2.absdiff(a, b) > tol)) / a.size


def segment_timeline(timeline: Any, *, inputs: Sequence[float] = (), **kw: Any) -> Segmentation:
    """:func:`segment_frames` over a :class:`harness.device.Timeline`."""
    return segment_frames([f.t for f in timeline.frames], [f.image for f in timeline.frames], inputs=inputs, **kw)


def segment_frames(times: Sequence[float], images: Sequence[np.ndarray], *, inputs: Sequence[float] = (),
                   max_changed: float = SEGMENT_MAX_CHANGED, min_stable_s: float = SEGMENT_MIN_STABLE_S,
                   input_window_s: float = INPUT_WINDOW_S) -> Segmentation:
    """Split a timeline into stable screens and transitions.

    Parameters
    ----------
    times : sequence of float
        Frame times, seconds since launch, non-decreasing.
    images : sequence of np.ndarray
        Frames, ``(H, W, 3)`` uint8 BGR (or grey), same length as ``times``.
    inputs : sequence of float
        Times (s since launch) of input events (taps, shakes) during the timeline; a launch
        recording has none.
    max_changed : float
        Share of downscaled pixels that may change within one screen.
    min_stable_s : float
        Shortest run (s, first frame to the next run's first frame) that counts as a stable screen.
    input_window_s : float
        An input this long before a transition caused it.

    Returns
    -------
    Segmentation
    """
    if len(times) != len(images):
        raise ValueError(f"times has {len(times)} entries for {len(images)} images")
    if any(b < a for a, b in zip(times, times[1:])):
        raise ValueError("times must be non-decreasing")
    if not times:
        return Segmentation((), (), 0, tuple(inputs))
    sigs = [frame_signature(im) for im in images]
    # 1. runs of frames showing one screen (against the run's first frame or the previous frame:
    #    a slow drift stays one run, a jump starts a new one)
    runs: list[list[int]] = [[0]]
    for i in range(1, len(sigs)):
        ref = sigs[runs[-1][0]]
        if changed_share(sigs[i], ref) <= max_changed or changed_share(sigs[i], sigs[i - 1]) <= max_changed / 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    # 2. stable runs: long enough (the last run counts when it has 2+ frames or is the only one)
    period = float(np.median(np.diff(times))) if len(times) > 1 else 0.0

    def span(k: int) -> float:
        r = runs[k]
        nxt = times[runs[k + 1][0]] if k + 1 < len(runs) else times[r[-1]] + period
        return nxt - times[r[0]]

    stable = [k for k in range(len(runs)) if span(k) >= min_stable_s - 1e-9]
    if not stable:
        stable = [max(range(len(runs)), key=span)]
    # 3. merge stable runs that show the same screen again after a short flicker between them
    merged: list[list[int]] = []
    prev_k = -1
    for k in stable:
        if merged and changed_share(sigs[runs[k][0]], sigs[merged[-1][0]]) <= max_changed:
            merged[-1].extend(i for kk in range(prev_k + 1, k + 1) for i in runs[kk])
        else:
            merged.append(list(runs[k]))
        prev_k = k
    segs: list[Segment] = []
    for n, idx in enumerate(merged):
        first, last = idx[0], idx[-1]
        t_end = None
        if n + 1 < len(merged):
            # the screen was up until the first frame after it that differs (a fade's first frame)
            t_end = times[last + 1] if last + 1 < len(times) else None
        key = idx[len(idx) // 2]
        segs.append(Segment(start=first, end=last, t_start=float(times[first]), last_t=float(times[last]),
                            t_end=None if t_end is None else float(t_end), key=key,
                            blank=float(np.std(sigs[key])) < BLANK_MAX_STD,
                            t_before=float(times[first - 1]) if first > 0 else None))
    trans: list[Transition] = []
    for n in range(len(segs) - 1):
        a, b = segs[n], segs[n + 1]
        t_change = float(times[a.end + 1])
        by_input = any(t_change - input_window_s <= t <= t_change + 1e-9 for t in inputs)
        layer = None if a.blank or b.blank else layer_box(images[a.key], images[b.key])
        trans.append(Transition(before=n, after=n + 1, t=t_change, by_input=by_input,
                                changed=changed_share(sigs[a.key], sigs[b.key]), layer=layer))
    return Segmentation(tuple(segs), tuple(trans), len(times), tuple(float(t) for t in inputs))


def layer_box(before: np.ndarray, after: np.ndarray, *, min_kept: float = LAYER_MIN_KEPT,
              max_area: float = LAYER_MAX_AREA) -> Box | None:
    """The box of a layer that ``after`` puts over ``before``, or None when it is another screen.

    A pixel of ``before`` is *kept* when ``after`` shows it unchanged or uniformly dimmed (a
    scrim: the brightness ratio near the frame's median ratio, within LAYER_DIM_RANGE). The
    layer is the bounding box of the pixels that are not kept, when at least ``min_kept`` of the
    screen is kept and the box covers at most ``max_area`` of it.

    Parameters
    ----------
    before, after : np.ndarray
        Frames ``(H, W, 3)`` uint8 BGR of the same size.

    Returns
    -------
    Box or None
        ``(x1, y1, x2, y2)`` in frame pixels.
    """
    if before.shape[:2] != after.shape[:2]:
        return None
    a, b = frame_signature(before).astype(np.float32), frame_signature(after).astype(np.float32)
    same = np.abs(a - b) <= SIGNATURE_PIXEL_TOL
    lit = a > 40  # brightness ratios of dark pixels say little
    kept = same
    if (lit & ~same).any():
        r = float(np.median(((b + 8.0) / (a + 8.0))[lit & ~same]))
        dimmed = np.abs(b - r * a) <= SIGNATURE_PIXEL_TOL + 0.1 * a
        if LAYER_DIM_RANGE[0] <= r <= LAYER_DIM_RANGE[1] and dimmed.mean() >= min_kept:
            # a scrim: a lit pixel left as it was is part of the layer (a white card over white)
            kept = np.where(lit, dimmed, dimmed | same)
    frosted = _frosted(a, b) if (~kept).mean() > LAYER_FROST_TRY else None
    if frosted is not None and frosted.mean() > kept.mean():
        kept = frosted  # the screen shows through a frosted scrim: that explains more of it
    if kept.mean() < min_kept or kept.all():
        return None
    mask = cv2.morphologyEx((~kept).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    if not mask.any():
        return None
    # the largest blob of changes is the layer (a ticking digit elsewhere is not)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[k, :4])
    if w * h > max_area * mask.size:
        return None
    outside = np.ones_like(kept)
    outside[y:y + h, x:x + w] = False
    if kept[outside].mean() < LAYER_MIN_KEPT_AROUND:
        return None  # the screen changed all over: another screen, not a layer
    sy, sx = before.shape[0] / mask.shape[0], before.shape[1] / mask.shape[1]
    return (int(x * sx), int(y * sy), int(round((x + w) * sx)), int(round((y + h) * sy)))


def _frosted(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Pixels of signature ``b`` that show signature ``a`` through a frosted scrim, or None.

    A frosted backdrop (CSS ``backdrop-filter: blur()`` under a tinted scrim, iOS-style sheets)
    shows the screen blurred and tinted: ``b ≈ gain · blur(a) + offset``. For each blur of
    LAYER_FROST_SIGMAS (signature px) the gain and offset are fitted by least squares, refitted on
    the pixels that agree within shrinking tolerances (LAYER_FROST_FIT_TOLS; the layer's own pixels
    disagree), and the best fit's agreeing pixels are returned when the gain is a plausible tint
    (LAYER_FROST_GAIN).
    """
    best: np.ndarray | None = None
    tol = SIGNATURE_PIXEL_TOL * LAYER_FROST_TOL
    for sigma in LAYER_FROST_SIGMAS:
        # replicate the border: a browser's backdrop blur does not darken the screen's edges
        blurred = cv2.GaussianBlur(a, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        x, y = blurred.ravel(), b.ravel()
        sel = np.ones_like(x, dtype=bool)
        gain = offset = 0.0
        # shrinking tolerances: the first fit also sees the layer's own pixels (outliers)
        for mult in LAYER_FROST_FIT_TOLS:
            if sel.sum() < 16 or float(np.std(x[sel])) < 1.0:
                break
            gain, offset = np.polyfit(x[sel], y[sel], 1)
            sel = np.abs(y - (gain * x + offset)) <= SIGNATURE_PIXEL_TOL * mult
        if not (LAYER_FROST_GAIN[0] <= gain <= LAYER_FROST_GAIN[1]):
            continue
        agree = np.abs(b - (gain * blurred + offset)) <= tol
        if best is None or agree.mean() > best.mean():
            best = agree
    return best


# ----------------------------------------------------------------------------- control dating

def _grey_crop(image: np.ndarray, box: Box) -> np.ndarray:
    h, w = image.shape[:2]
    x1, y1, x2, y2 = max(0, int(box[0])), max(0, int(box[1])), min(w, int(box[2])), min(h, int(box[3]))
    crop = image[y1:y2, x1:x2] if x2 > x1 and y2 > y1 else image[:0, :0]
    if crop.size == 0:
        return np.zeros((0, 0), np.uint8)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop


def control_onset(images: Sequence[np.ndarray], box: Box, found: int, first: int, *,
                  max_step: float = CONTROL_MAX_STEP, max_drift: float = CONTROL_MAX_DRIFT,
                  tol: int = CONTROL_PIXEL_TOL) -> int:
    """Earliest frame index (≥ ``first``) from which the control at ``box`` was on screen.

    Walks back from ``found`` (where the control was recognised) while the control's region
    shows the same picture: at most ``max_step`` of its pixels changed from each frame to the
    next one (a countdown digit or a ring's arc is a partial change, a control appearing over
    the picture changes nearly all of it) and at most ``max_drift`` from the found frame (a
    slow fade-in).

    Parameters
    ----------
    images : sequence of np.ndarray
        Frames ``(H, W, 3)`` uint8 BGR, same size.
    box : Box
        The control's box in frame ``found``, px.
    found, first : int
        Index where it was recognised; the earliest index to consider (its window's first frame).

    Returns
    -------
    int
        ``first`` ≤ result ≤ ``found``.
    """
    if not 0 <= first <= found < len(images):
        raise ValueError(f"need 0 ≤ first ({first}) ≤ found ({found}) < {len(images)}")
    ref = _grey_crop(images[found], box)
    if ref.size == 0:
        return found
    nxt = ref
    onset = found
    for i in range(found - 1, first - 1, -1):
        cur = _grey_crop(images[i], box)
        if cur.shape != ref.shape:
            break
        step = float(np.count_nonzero(cv2.absdiff(cur, nxt) > tol)) / cur.size
        drift = float(np.count_nonzero(cv2.absdiff(cur, ref) > tol)) / cur.size
        if step > max_step or drift > max_drift:
            break
        onset, nxt = i, cur
    return onset


# ----------------------------------------------------------------------------- coverage

def coverage(seg: Segmentation, *, windows: int, missed_transient: int = 0, layer_judged: bool = False,
             missed_layer: bool = False) -> str:
    """What the timeline showed, in words for the verdict's ``coverage`` field.

    ``windows`` is the number of windows the pixel detector recognised (tracks);
    ``missed_transient`` the transient screens judged besides them without a recognised window;
    ``layer_judged`` whether a layer over the first screen was judged as a pop-up without one (and
    no window was recognised); ``missed_layer`` whether one was judged besides recognised windows.
    """
    if seg.frames == 0:
        return COVERAGE_EMPTY
    if layer_judged:
        return COVERAGE_LAYER_JUDGED
    if windows and missed_transient:
        return COVERAGE_WINDOW_AND_TEMPORAL
    if windows and missed_layer:
        return COVERAGE_WINDOW_AND_LAYER
    if windows:
        return COVERAGE_WINDOW
    if seg.transient():
        return COVERAGE_TEMPORAL
    app = seg.first_app_screen()
    if app is not None and seg.layer_over(app) is not None:
        return COVERAGE_LAYER
    return COVERAGE_NO_TRANSIENT


# ----------------------------------------------------------------------------- evidence

# Segment strip colours (BGR): transient screen, the app's screen, a layer, blank, other.
STRIP_COLOURS = {"transient": (0, 140, 255), "app": (80, 175, 76), "layer": (180, 80, 160),
                 "blank": (210, 210, 210), "other": (200, 150, 60)}
STRIP_HEIGHT = 44


def segment_roles(seg: Segmentation) -> list[str]:
    """One role per segment: ``transient``, ``app``, ``layer``, ``blank`` or ``other``."""
    trans = {(s.start, s.end) for s in seg.transient()}
    app = seg.first_app_screen()
    roles = []
    for k, s in enumerate(seg.segments):
        if s.blank:
            roles.append("blank")
        elif (s.start, s.end) in trans:
            roles.append("transient")
        elif k > 0 and seg.transitions[k - 1].layer is not None:
            roles.append("layer")
        elif app is not None and s == app:
            roles.append("app")
        else:
            roles.append("other")
    return roles


def draw_segment_strip(seg: Segmentation, *, width: int, t_max: float) -> np.ndarray:
    """A timeline strip ``(STRIP_HEIGHT, width, 3)`` uint8 BGR: one coloured block per stable
    screen (colours in STRIP_COLOURS), a tick at each transition (red: after an input, black:
    by itself), times in seconds."""
    if width < 10 or t_max <= 0:
        raise ValueError(f"need width ≥ 10 and t_max > 0, got {width!r}, {t_max!r}")
    img = np.full((STRIP_HEIGHT, width, 3), 255, np.uint8)

    def x(t: float) -> int:
        return int(round(min(max(t / t_max, 0.0), 1.0) * (width - 1)))

    for s, role in zip(seg.segments, segment_roles(seg)):
        x1, x2 = x(s.t_start), x(s.t_end if s.t_end is not None else t_max)
        cv2.rectangle(img, (x1, 4), (max(x1 + 1, x2 - 1), 24), STRIP_COLOURS[role], -1)
        label = f"{role} {s.t_start:.1f}-{(s.t_end if s.t_end is not None else s.last_t):.1f}s"
        cv2.putText(img, label, (x1 + 3, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    for tr in seg.transitions:
        colour = (0, 0, 230) if tr.by_input else (0, 0, 0)
        cv2.line(img, (x(tr.t), 0), (x(tr.t), 28), colour, 2)
    for t in range(int(t_max) + 1):
        cv2.line(img, (x(t), 28), (x(t), 32), (90, 90, 90), 1)
        cv2.putText(img, f"{t}s", (min(x(t) + 2, width - 20), 42), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (60, 60, 60), 1,
                    cv2.LINE_AA)
    return img
