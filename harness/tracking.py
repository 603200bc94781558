"""Run the detectors over a launch timeline and follow each splash / pop-up window through it.

Analysing a frame costs up to ≈ 1 s (OCR), and most frames of a launch repeat the one before,
so :func:`analyze_timeline` compares each frame with the last *analysed* one on a downscaled
grey copy and reuses that analysis when nothing visible changed (a countdown digit ticking
is a change and is re-analysed). The OCR reader passed in keeps its own cache of read crops,
so a window's text is read once.

:func:`track_windows` then links the per-frame windows into :class:`WindowTrack` records:
when each window appeared and disappeared, when its close control first showed, and the key
frame (the first *stable* frame showing both the window and its control) whose analysis
carries the static findings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import cv2
import numpy as np

from detectors.model import Box, CloseControl, FrameAnalysis
from harness.device import Timeline

__all__ = ["WindowTrack", "analyze_timeline", "track_windows", "track_timeline", "frame_signature",
           "same_signature", "box_iou", "control_min_confidence", "primary_track"]

# Frames are compared at 1/SIGNATURE_SCALE of their size (a 1082×2402 frame → 135×300).
SIGNATURE_SCALE = 8
# A downscaled grey pixel "changed" when it moved by more than this (0..255): above JPEG /
# screencast noise, below any real glyph edge.
SIGNATURE_PIXEL_TOL = 12
# Two frames are the same when at most this many downscaled pixels changed.
SIGNATURE_MAX_CHANGED = 3
# Windows of consecutive frames belong to one track when their boxes overlap this much (IoU).
TRACK_MIN_IOU = 0.5
# A window missing from this many consecutive analysed frames (detector flicker) still
# continues its track when it comes back; one more and the track has ended.
TRACK_MAX_GAP_FRAMES = 1
# A frame before a track shows the same (not yet recognised) window when at most this share of
# the window's downscaled pixels changed, its close control's area left out: a ticking
# countdown digit is well under it, a page still loading or another screen far over.
BACKFILL_MAX_CHANGED = 0.02
# Close-control confidence below which a control counts as not found, when no profile says.
DEFAULT_MIN_CONTROL_CONFIDENCE = 0.5

Analyzer = Callable[..., FrameAnalysis]


@dataclass
class WindowTrack:
    """One splash / pop-up window followed through a timeline.

    Attributes
    ----------
    first_t, last_t : float
        Seconds since launch of the first and last frame showing the window.
    ended : bool
        The window disappeared before the recording stopped (``end_t`` is then the time of
        the first frame without it).
    kind : str
        Window kind of the key frame (``fullscreen``, ``card``, ``sheet``, ``dialog``).
    box : Box
        Window box of the key frame, screenshot pixels.
    control_first_t : float or None
        First frame time where a close control was visible in the window; None if never.
    analysis : FrameAnalysis
        Analysis of the key frame (static findings, controls, measurements, CTAs).
    key_index : int
        Index into ``timeline.frames`` of the key frame.
    """

    first_t: float
    last_t: float
    ended: bool
    kind: str
    box: Box
    control_first_t: float | None
    analysis: FrameAnalysis
    key_index: int
    end_t: float | None = None
    frame_indices: list[int] = field(default_factory=list)
    control_frames: int = 0
    min_control_confidence: float = DEFAULT_MIN_CONTROL_CONFIDENCE

    @property
    def control(self) -> CloseControl | None:
        """The key frame's most confident close control that counts as found, if any.

        Below ``min_control_confidence`` (the profile's ``close-button-present.min_confidence``)
        a candidate is not a close control for the static rules, so the probes do not tap it either.
        """
        found = [c for c in self.analysis.controls if c.confidence >= self.min_control_confidence]
        return max(found, key=lambda c: c.confidence) if found else None

    @property
    def delay_s(self) -> float | None:
        """Seconds from the window's first frame to its control's first frame."""
        return None if self.control_first_t is None else max(0.0, self.control_first_t - self.first_t)

    @property
    def visible_s(self) -> float:
        """How long the window was seen: to ``end_t`` when it ended, else to ``last_t`` (a lower bound)."""
        return (self.end_t if self.end_t is not None else self.last_t) - self.first_t

    def to_json(self) -> dict[str, Any]:
        c = self.control
        return {"first_t": self.first_t, "last_t": self.last_t, "end_t": self.end_t, "ended": self.ended,
                "kind": self.kind, "box": list(self.box), "control_first_t": self.control_first_t,
                "control": list(c.box) if c else None, "control_text": c.text if c else None,
                "key_index": self.key_index, "frames": len(self.frame_indices)}


# ----------------------------------------------------------------------------- frame change

def frame_signature(image: np.ndarray) -> np.ndarray:
    """Downscaled grey copy of a frame for cheap change detection, ``(H/8, W/8)`` uint8."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape[:2]
    size = (max(1, w // SIGNATURE_SCALE), max(1, h // SIGNATURE_SCALE))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def same_signature(a: np.ndarray, b: np.ndarray, *, tol: int = SIGNATURE_PIXEL_TOL,
                   max_changed: int = SIGNATURE_MAX_CHANGED) -> bool:
    """True when two signatures show the same screen (at most ``max_changed`` pixels moved > ``tol``)."""
    if a.shape != b.shape:
        return False
    diff = cv2.absdiff(a, b)
    return int(np.count_nonzero(diff > tol)) <= max_changed


# ----------------------------------------------------------------------------- analysis

def analyze_timeline(timeline: Timeline, *, profile: Any = None, reader: Any = None,
                     analyze: Analyzer | None = None, use_ui_tree: bool = True,
                     stats: dict[str, float] | None = None) -> list[FrameAnalysis]:
    """One :class:`FrameAnalysis` per frame, re-using the last one for unchanged frames.

    ``analyze`` defaults to :func:`detectors.analyze.analyze_frame`; ``stats`` (if given) receives
    ``analysed`` (frames actually analysed), ``reused`` and ``seconds``.
    """
    if analyze is None:
        from detectors.analyze import analyze_frame as analyze
    t0 = time.perf_counter()
    out: list[FrameAnalysis] = []
    last_sig: np.ndarray | None = None
    last: FrameAnalysis | None = None
    analysed = 0
    last_tree = None
    last_activity: str | None = None
    for f in timeline.frames:
        if f.ui_tree is not None:
            last_tree = f.ui_tree
        if getattr(f, "activity", None):
            last_activity = f.activity
        sig = frame_signature(f.image)
        if last is not None and last_sig is not None and same_signature(sig, last_sig):
            out.append(last)
            continue
        # the foreground activity only when there is one (Android): analysers without it keep working
        extra = {"activity": last_activity} if last_activity and use_ui_tree else {}
        last = analyze(f.image, density=timeline.density, profile=profile,
                       ui_tree=(f.ui_tree if f.ui_tree is not None else last_tree) if use_ui_tree else None,
                       reader=reader, status_bar_expected=bool(timeline.meta.get("status_bar", True)), **extra)
        last_sig = sig
        analysed += 1
        out.append(last)
    if stats is not None:
        stats.update({"analysed": analysed, "reused": len(out) - analysed,
                      "seconds": round(time.perf_counter() - t0, 3)})
    return out


def control_min_confidence(profile: Any) -> float:
    """The profile's ``close-button-present.min_confidence`` (0.5 when it has none)."""
    try:
        return float(profile.value("close-button-present", "min_confidence"))
    except Exception:  # noqa: BLE001 - no profile / no such threshold: the documented default
        return DEFAULT_MIN_CONTROL_CONFIDENCE


def _has_control(a: FrameAnalysis, min_conf: float) -> bool:
    return any(c.confidence >= min_conf for c in a.controls)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two ``(x1, y1, x2, y2)`` boxes."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# ----------------------------------------------------------------------------- tracking

@dataclass
class _Open:
    indices: list[int]
    box: Box
    missing: int = 0


def track_windows(timeline: Timeline, analyses: Sequence[FrameAnalysis], *,
                  min_control_confidence: float = DEFAULT_MIN_CONTROL_CONFIDENCE,
                  min_iou: float = TRACK_MIN_IOU, max_gap: int = TRACK_MAX_GAP_FRAMES) -> list[WindowTrack]:
    """Link per-frame windows into tracks, in order of appearance.

    Parameters
    ----------
    timeline : Timeline
        The frames (for times and stability of the key frame).
    analyses : sequence of FrameAnalysis
        One per frame (see :func:`analyze_timeline`).
    min_control_confidence : float
        A close control counts as visible from this confidence on.
    min_iou : float
        Box overlap for a frame's window to continue the open track.
    max_gap : int
        Frames a window may be missing (detector flicker) without ending its track.
    """
    if len(analyses) != len(timeline.frames):
        raise ValueError(f"analyses has {len(analyses)} entries for {len(timeline.frames)} frames")
    frames = timeline.frames
    done: list[tuple[list[int], int | None]] = []  # (frame indices, index of first frame without it)
    cur: _Open | None = None
    gap_start: int | None = None
    for i, a in enumerate(analyses):
        w = a.window
        if w is not None and cur is not None and box_iou(w.box, cur.box) >= min_iou:
            cur.indices.append(i)
            cur.box = w.box
            cur.missing = 0
            gap_start = None
            continue
        if cur is not None:
            if w is None and cur.missing < max_gap:
                if cur.missing == 0:
                    gap_start = i
                cur.missing += 1
                continue
            done.append((cur.indices, gap_start if gap_start is not None else i))
            cur, gap_start = None, None
        if w is not None:
            cur = _Open([i], w.box)
    if cur is not None:
        # Still open at the end; if it was missing from the last frame(s), it ended there.
        done.append((cur.indices, gap_start if cur.missing else None))

    tracks = []
    claimed = {i for indices, _ in done for i in indices}
    for indices, end_i in done:
        early = _backfill(frames, analyses, indices, claimed)
        claimed.update(early)
        tracks.append(_make_track(frames, analyses, early + indices, end_i, min_control_confidence))
    return tracks


def _backfill(frames: Sequence[Any], analyses: Sequence[FrameAnalysis], indices: list[int],
              claimed: set[int]) -> list[int]:
    """Frames before a track that already showed the same window, unrecognised.

    A splash whose skip control appears late may not be recognisable as a window until then
    (web captures have no status bar to tell an immersive splash by); but its picture was
    there from the start, and ``close-button-delay`` counts from then. Walk back while the
    window's box shows the same pixels as the track's first frame, the close control's area
    (which is what changed) left out.
    """
    first = indices[0]
    a = analyses[first]
    if a.window is None:
        return []
    box = a.window.box
    masks = [c.box for c in a.controls]
    ref = _region_signature(frames[first].image, box, masks)
    early: list[int] = []
    for i in range(first - 1, -1, -1):
        if i in claimed:
            break
        sig = _region_signature(frames[i].image, box, masks)
        changed = np.abs(sig.astype(np.int16) - ref.astype(np.int16)) > SIGNATURE_PIXEL_TOL
        if changed.mean() > BACKFILL_MAX_CHANGED:
            break
        early.insert(0, i)
    return early


def _region_signature(image: np.ndarray, box: Box, masks: Sequence[Box]) -> np.ndarray:
    """Downscaled grey crop of ``box`` with ``masks`` (grown by 25 %) painted flat."""
    h, w = image.shape[:2]
    x1, y1, x2, y2 = max(0, int(box[0])), max(0, int(box[1])), min(w, int(box[2])), min(h, int(box[3]))
    if x2 <= x1 or y2 <= y1:
        return np.zeros((1, 1), np.uint8)
    crop = cv2.cvtColor(image[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)
    for m in masks:
        gx, gy = (m[2] - m[0]) // 4, (m[3] - m[1]) // 4
        crop[max(0, m[1] - gy - y1):max(0, m[3] + gy - y1), max(0, m[0] - gx - x1):max(0, m[2] + gx - x1)] = 0
    h, w = crop.shape[:2]
    return cv2.resize(crop, (max(1, w // SIGNATURE_SCALE), max(1, h // SIGNATURE_SCALE)),
                      interpolation=cv2.INTER_AREA)


def _make_track(frames: Sequence[Any], analyses: Sequence[FrameAnalysis], indices: list[int],
                end_i: int | None, min_conf: float) -> WindowTrack:
    with_control = [i for i in indices if _has_control(analyses[i], min_conf)]
    if with_control:
        key = with_control[0]
        # Prefer the first frame that the next frame repeats: a pop-up still fading or sliding
        # in would give a washed-out contrast and a wrong box.
        for i in with_control:
            j = i + 1
            if j < len(frames) and j in with_control and (analyses[j] is analyses[i] or same_signature(
                    frame_signature(frames[i].image), frame_signature(frames[j].image))):
                key = i
                break
        # A control recognised late (a countdown ring read only near its end) was usually in
        # the picture before: date it from the first frame whose control region shows it.
        found = with_control[0]
        best = max((c for c in analyses[found].controls if c.confidence >= min_conf), key=lambda c: c.confidence)
        from harness.segments import control_onset
        onset = control_onset([f.image for f in frames], best.box, found, indices[0])
        control_first_t: float | None = frames[onset].t
    else:
        # No control ever: the most confident window frame is the evidence.
        key = max(indices, key=lambda i: (analyses[i].window.confidence if analyses[i].window else 0.0, -i))
        control_first_t = None
    ka = analyses[key]
    assert ka.window is not None
    end_t = frames[end_i].t if end_i is not None else None
    return WindowTrack(first_t=frames[indices[0]].t, last_t=frames[indices[-1]].t, ended=end_t is not None,
                       kind=ka.window.kind, box=tuple(int(v) for v in ka.window.box),  # type: ignore[arg-type]
                       control_first_t=control_first_t, analysis=ka, key_index=key, end_t=end_t,
                       frame_indices=list(indices), control_frames=len(with_control),
                       min_control_confidence=min_conf)


def track_timeline(timeline: Timeline, *, profile: Any = None, reader: Any = None, analyze: Analyzer | None = None,
                   stats: dict[str, float] | None = None) -> tuple[list[WindowTrack], list[FrameAnalysis]]:
    """:func:`analyze_timeline` then :func:`track_windows` with the profile's control confidence."""
    analyses = analyze_timeline(timeline, profile=profile, reader=reader, analyze=analyze, stats=stats)
    tracks = track_windows(timeline, analyses, min_control_confidence=control_min_confidence(profile))
    return tracks, analyses


def primary_track(tracks: Sequence[WindowTrack]) -> WindowTrack | None:
    """The window the rules are judged on: the longest-seen track, preferring one with a control.

    Blips seen in a single frame only count when nothing else was seen.
    """
    if not tracks:
        return None
    solid = [t for t in tracks if len(t.frame_indices) > 1] or list(tracks)
    return max(solid, key=lambda t: (t.control_first_t is not None, len(t.frame_indices), -t.first_t))
