"""Dynamic probes: tap the close control, tap-probe the hot zone, shake — through the Device Protocol only.

Every probe cold-launches the app again, waits for the window it is about (recognised by
comparison with the window's key frame from the launch timeline, see :class:`WindowMatcher`),
then acts and watches two things: the app's **location** (a change = a jump to the ad target)
and whether the **window** is still on screen.

* :func:`probe_close` — one tap on the close control's centre; the window must be gone within
  ``max_close_time`` without a jump. If it is still there, a second tap tells a two-tap close
  from a dead control. After a clean close it keeps watching for ``watch_time`` seconds for the
  same window to come back (popup-reappears).
* :func:`probe_hot_zone` — tap probes on a stratified grid over the window (never on the close
  control) estimate the fraction of the window's area whose tap jumps. A tap that neither jumps
  nor closes leaves the window up, so probing goes on in the same launch; only jumps and closes
  cost a relaunch. Cells predicted (nearest probed neighbour) not to jump are probed first in
  each launch, cells next to a known boundary next, and probing stops when the remaining cells
  lie inside a region of agreeing probes. Unprobed cells take the label of the nearest probe.
* :func:`probe_shake` — a gentle motion below the profile's T/TAF thresholds via
  ``device.shake``; a location change is a jump. A device that cannot simulate motion raises
  ``NotImplementedError``; the probe then reports ``ran=False`` with that reason.

Delay, duration and reappearance-without-tap come from the timeline (see ``harness.check``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import cv2
import numpy as np

from detectors.model import Box, UiNode
from harness.device import AppSpec, Device, DeviceError, ShakeSpec
from harness.timeline import REAL_CLOCK, Clock
from harness.tracking import WindowTrack, box_iou

__all__ = ["WindowMatcher", "ProbeError", "CloseProbe", "HotZoneProbe", "TapProbe", "ShakeProbe",
           "probe_close", "probe_hot_zone", "probe_shake", "gentle_shake", "draw_hot_zone", "plan_grid",
           "NONE", "JUMP", "CLOSE"]

# ------------------------------------------------------------------ window recognition
# The window region of a frame is compared with the key frame at this width (px), in grey.
MATCH_WIDTH = 64
# A compared pixel "differs" when its grey level moved more than this (0..255).
MATCH_PIXEL_TOL = 32
# The window is on screen while at most this share of its pixels differ from the key frame
# (a ticking countdown or a blinking caret change a few per cent; a closed window ~all).
MATCH_MAX_DIFF = 0.2
# For a window over a scrim, the scrim (outside the box) must also still be there: a share
# of differing pixels outside above this means the scrim is gone.
MATCH_MAX_SCRIM_DIFF = 0.5
# A detected window overlapping the tracked box this much (IoU) is the same window, changed.
MATCH_DETECT_IOU = 0.5

# ------------------------------------------------------------------ timing
# After a relaunch, give the window this long beyond its timeline appearance time to show.
WAIT_SLACK_S = 4.0
# Poll period while waiting for / watching a window (a WebDriver screenshot takes ≈ 150 ms anyway).
POLL_S = 0.05
# Wait after the control became visible (by the timeline's delay) before tapping it.
CONTROL_SETTLE_S = 0.25
# After a close tap, keep looking this much beyond max_close_time, to measure slow closes.
CLOSE_SLACK_S = 0.8
# After a probe tap, wait this long before reading the location (a click's navigation commits in
# tens of ms locally; a slower one is still caught by the location check before the next tap).
TAP_SETTLE_S = 0.15
# Do not tap a window closer than this to its natural end (it might vanish on its own).
NATURAL_END_MARGIN_S = 0.6
# After a shake, keep reading the location this long for a late jump.
SHAKE_WATCH_S = 0.8

# ------------------------------------------------------------------ hot zone
# Grid columns over the window; rows follow the window's aspect (cells roughly square),
# clamped to [HOT_MIN_ROWS, HOT_MAX_ROWS].
HOT_COLS = 3
HOT_MIN_ROWS = 2
HOT_MAX_ROWS = 4
# Tap points keep this distance (dp) from the close control's box: the control is not a jump area.
HOT_CONTROL_MARGIN_DP = 8.0
# Probing may stop once this many jump taps agree and no unprobed cell borders a non-jump probe.
HOT_MIN_JUMP_SPREAD = 4
# Default budgets: launches per hot-zone probe, taps per hot-zone probe.
HOT_MAX_LAUNCHES = 8
HOT_MAX_TAPS = 30
HOT_MAX_SECONDS = 16.0
# Refinement bisects a disagreeing pair of probes until they are this close (in cells).
HOT_MIN_SEGMENT_CELLS = 0.3
# Raster points per cell side for the nearest-probe estimate.
HOT_RASTER = 16
# Raster points whose nearest jump and no-jump probes are within this (cells) of equally near are "uncertain".
HOT_BAND_CELLS = 0.25
# Detected CTA buttons / clickable UI nodes tapped on their own (each probably costs a relaunch).
HOT_MAX_CTAS = 3
# A button lies inside a jump area (no need to tap it) when no non-jump probe is this near (cells).
HOT_CLEAR_CELLS = 1.5
# Clickable UI nodes up to this share of the window are candidate jump buttons.
HOT_MAX_NODE_SHARE = 0.5
# Touch adjustment snaps a tap to a clickable element this near (dp): a jump that close to a
# confirmed jump button is explained by the button.
HOT_TOUCH_SLOP_DP = 10.0
# A clickable UI node around the close control counts as its touch target up to this share of the window.
HOT_MAX_CONTROL_NODE_SHARE = 0.05

NONE, JUMP, CLOSE = "none", "jump", "close"


class ProbeError(RuntimeError):
    """A probe could not do its job (the window never showed after a relaunch, ...)."""


# ====================================================================== window matcher

@dataclass
class WindowMatcher:
    """Is the tracked window on screen? Compares frames with the key frame inside the window box.

    Parameters
    ----------
    reference : np.ndarray
        Key frame, ``(H, W, 3)`` uint8 BGR.
    box : Box
        Window box in the key frame, pixels.
    scrim : bool
        The window sits over a dimmed scrim; its disappearance also counts as closed.
    """

    reference: np.ndarray
    box: Box
    scrim: bool = False
    detect: Callable[[np.ndarray], Box | None] | None = None
    """Optional window detector (frame → window box or None): a window that changed its
    content (a "are you sure?" message after a first close tap) still counts as present
    when the detector finds a window at the same place."""

    def __post_init__(self) -> None:
        h, w = self.reference.shape[:2]
        x1, y1, x2, y2 = self.box
        self.box = (max(0, int(x1)), max(0, int(y1)), min(w, int(x2)), min(h, int(y2)))
        if self.box[2] - self.box[0] < 2 or self.box[3] - self.box[1] < 2:
            raise ValueError(f"box {box_str(self.box)} is empty inside a {w}×{h} frame")
        self._ref_in = self._window(self.reference)
        self._ref_full, self._outside = self._full(self.reference)

    def _window(self, image: np.ndarray) -> np.ndarray:
        x1, y1, x2, y2 = self.box
        crop = image[y1:y2, x1:x2]
        scale = MATCH_WIDTH / crop.shape[1]
        size = (MATCH_WIDTH, max(1, round(crop.shape[0] * scale)))
        g = cv2.cvtColor(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(g, (3, 3), 0)

    def _full(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = image.shape[:2]
        sw, sh = MATCH_WIDTH, max(1, round(h * MATCH_WIDTH / w))
        g = cv2.cvtColor(cv2.resize(image, (sw, sh), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        mask = np.ones((sh, sw), bool)
        x1, y1, x2, y2 = self.box
        mask[int(y1 * sh / h):math.ceil(y2 * sh / h), int(x1 * sw / w):math.ceil(x2 * sw / w)] = False
        return g, mask

    def diff(self, image: np.ndarray) -> float:
        """Share (0..1) of the window's pixels that differ from the key frame."""
        if image.shape[:2] != self.reference.shape[:2]:
            return 1.0
        d = cv2.absdiff(self._window(image), self._ref_in)
        return float(np.count_nonzero(d > MATCH_PIXEL_TOL)) / d.size

    def scrim_diff(self, image: np.ndarray) -> float:
        """Share (0..1) of the pixels outside the window that differ from the key frame."""
        if image.shape[:2] != self.reference.shape[:2] or not self._outside.any():
            return 0.0
        g, _ = self._full(image)
        d = cv2.absdiff(g, self._ref_full)[self._outside]
        return float(np.count_nonzero(d > MATCH_PIXEL_TOL)) / d.size

    def present(self, image: np.ndarray) -> bool:
        if self.diff(image) <= MATCH_MAX_DIFF and not (self.scrim and self.scrim_diff(image) > MATCH_MAX_SCRIM_DIFF):
            return True
        if self.detect is not None and image.shape[:2] == self.reference.shape[:2]:
            found = self.detect(image)
            return found is not None and box_iou(found, self.box) >= MATCH_DETECT_IOU
        return False


def matcher_for(track: WindowTrack, key_image: np.ndarray,
                detect: Callable[[np.ndarray], Box | None] | None = None) -> WindowMatcher:
    w = track.analysis.window
    return WindowMatcher(key_image, track.box, scrim=bool(w is not None and w.scrim and track.kind != "fullscreen"),
                         detect=detect)


def window_detector(density: float, *, status_bar: bool = True) -> Callable[[np.ndarray], Box | None]:
    """``detectors.window.detect_window`` as a frame → box function (a few ms per frame).

    ``status_bar``: whether the device's screenshots show a status bar (see
    :func:`harness.device.shows_status_bar`).
    """
    from detectors.window import detect_window

    def detect(image: np.ndarray) -> Box | None:
        try:
            w = detect_window(image, density=density, status_bar_expected=status_bar)
        except Exception:  # noqa: BLE001 - a detector bug must not break the probe: fall back to pixels
            return None
        return tuple(int(v) for v in w.box) if w is not None else None  # type: ignore[return-value]
    return detect


def box_str(b: Sequence[float]) -> str:
    return "(" + ", ".join(str(int(v)) for v in b) + ")"


def _centre(b: Box) -> tuple[float, float]:
    return (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0


# ====================================================================== launch helper

@dataclass
class _Launch:
    t0: float                 # clock at the launch command
    window_t: float           # seconds since launch when the window was first seen
    location: str             # location once the window showed
    natural_end_t: float | None  # seconds since launch when the window would end on its own


def _relaunch(device: Device, app: AppSpec, track: WindowTrack, matcher: WindowMatcher, clock: Clock, *,
              ready_after_s: float = 0.0) -> _Launch:
    """Cold-launch, wait for the window, then ``ready_after_s`` more seconds of it being up."""
    t0 = clock.now()
    device.launch(app)
    deadline = track.first_t + ready_after_s + WAIT_SLACK_S
    window_t: float | None = None
    misses = 0
    while True:
        img = device.screenshot()
        el = clock.now() - t0
        if matcher.present(img):
            misses = 0
            if window_t is None:
                window_t = el
            if el >= window_t + ready_after_s:
                break
            rest = window_t + ready_after_s - el
            if rest <= CONTROL_SETTLE_S:
                # a short settle: wait it out instead of another screenshot (≈ 0.15 s, more on a busy host)
                clock.sleep(rest)
                break
        elif window_t is not None:
            misses += 1
            if misses >= 2:
                raise ProbeError(f"after a relaunch the window went away {el - window_t:.1f} s after it showed, "
                                 f"before it was ready to probe ({ready_after_s:.1f} s)")
        if el > deadline:
            what = "its close control" if window_t is not None else "the window"
            raise ProbeError(f"after a relaunch, {what} did not show within {deadline:.1f} s "
                             f"(timeline: window at {track.first_t:.2f} s)")
        clock.sleep(POLL_S)
    natural = None
    if track.ended and track.end_t is not None:
        natural = window_t + (track.end_t - track.first_t)
    return _Launch(t0=t0, window_t=window_t, location=device.location(), natural_end_t=natural)


# ====================================================================== close probe

def ready_to_tap_s(track: WindowTrack) -> float:
    """Seconds after the window shows before its control is tapped: once the control is visible
    (its dated delay) and settled, but while the window is still up — the settling time is cut so
    that a window that ends by itself is tapped NATURAL_END_MARGIN_S before its recorded end."""
    delay = track.delay_s or 0.0
    ready = delay + CONTROL_SETTLE_S
    if track.ended and track.end_t is not None:
        ready = max(delay, min(ready, track.end_t - track.first_t - NATURAL_END_MARGIN_S))
    return ready


@dataclass
class CloseProbe:
    """What tapping the close control did.

    ``taps`` is the number of taps made: the one that closed (or jumped), else all tried (2).
    ``close_time_s`` counts from the tap that closed it. ``reappeared`` is None when no watch happened (the window did not close cleanly).
    """

    ran: bool
    reason: str | None = None
    point: tuple[float, float] | None = None
    closed: bool = False
    jumped: bool = False
    close_time_s: float | None = None
    taps: int = 0
    location_before: str | None = None
    location_after: str | None = None
    after_image: np.ndarray | None = field(default=None, repr=False)
    reappeared: bool | None = None
    reappear_after_s: float | None = None
    reappear_image: np.ndarray | None = field(default=None, repr=False)
    watched_s: float = 0.0
    ambiguous: str | None = None
    seconds: float = 0.0


def probe_close(device: Device, app: AppSpec, track: WindowTrack, key_image: np.ndarray, *,
                max_close_time_s: float = 1.0, watch_s: float = 3.0, clock: Clock | None = None,
                point: tuple[float, float] | None = None,
                detect: Callable[[np.ndarray], Box | None] | None = None) -> CloseProbe:
    """Relaunch, tap the close control's centre once (twice if needed), watch for a comeback.

    Parameters
    ----------
    track : WindowTrack
        The window, from the launch timeline; its key-frame control is tapped.
    key_image : np.ndarray
        The key frame, ``(H, W, 3)`` BGR, for recognising the window.
    max_close_time_s : float
        Profile ``close-button-works.max_close_time``: how long a tap may take to close.
    watch_s : float
        Profile ``popup-reappears.watch_time``: how long to watch after a clean close.
    point : (x, y), optional
        Where to tap; default the centre of the control's visible box.
    detect : callable, optional
        Window detector for :class:`WindowMatcher` (see :func:`window_detector`).

    Raises
    ------
    DeviceError
        The device failed (the caller may retry the app once).
    ProbeError
        The window or control did not show after the relaunch.
    """
    clk = clock or REAL_CLOCK
    t_start = clk.now()
    control = track.control
    if control is None and point is None:
        return CloseProbe(ran=False, reason="no close control was found in the window")
    if point is None:
        point = _centre(control.box)  # type: ignore[union-attr]
    matcher = matcher_for(track, key_image, detect)
    launch = _relaunch(device, app, track, matcher, clk, ready_after_s=ready_to_tap_s(track))
    res = CloseProbe(ran=True, point=(float(point[0]), float(point[1])), location_before=launch.location)
    closed_at: float | None = None
    for tap_no in (1, 2):
        t_tap = clk.now()
        device.tap(*point)
        state, t_seen, img = _watch_tap(device, matcher, launch.location, clk, t_tap,
                                        max_close_time_s + CLOSE_SLACK_S)
        if tap_no == 1 or res.after_image is None:
            res.after_image = img
        if state == JUMP:
            res.jumped = True
            res.taps = tap_no
            res.location_after = _safe_location(device)
            break
        if state == CLOSE:
            res.closed = True
            res.taps = tap_no
            res.close_time_s = round(t_seen - t_tap, 3)
            closed_at = t_seen
            res.after_image = img
            # A window that ends on its own about now may have closed without our tap.
            since_launch = t_seen - launch.t0
            if launch.natural_end_t is not None and since_launch >= launch.natural_end_t - NATURAL_END_MARGIN_S:
                res.ambiguous = (f"the window ends on its own at ≈ {launch.natural_end_t:.1f} s after launch; "
                                 f"it was gone at {since_launch:.1f} s")
            break
        res.taps = tap_no
    if res.location_after is None:
        res.location_after = _safe_location(device)
    if res.closed and not res.jumped and watch_s > 0 and closed_at is not None:
        res.reappeared = False
        t_end = closed_at + watch_s
        while clk.now() < t_end:
            img = device.screenshot()
            now = clk.now()
            if matcher.present(img):
                res.reappeared = True
                res.reappear_after_s = round(now - closed_at, 3)
                res.reappear_image = img
                break
            clk.sleep(POLL_S)
        res.watched_s = round(clk.now() - closed_at, 3)
    res.seconds = round(clk.now() - t_start, 3)
    return res


def _watch_tap(device: Device, matcher: WindowMatcher, base_location: str, clock: Clock, t_tap: float,
               timeout_s: float) -> tuple[str, float, np.ndarray | None]:
    """After a tap: (JUMP | CLOSE | NONE, clock time it was seen, last screenshot)."""
    img = None
    while True:
        loc = _safe_location(device)
        if loc is not None and loc != base_location:
            return JUMP, clock.now(), _safe_screenshot(device)
        t_req = clock.now()
        img = device.screenshot()
        if not matcher.present(img):
            # A navigation may have blanked the page before the location changed: look again.
            loc = _safe_location(device)
            if loc is not None and loc != base_location:
                return JUMP, clock.now(), img
            return CLOSE, (t_req + clock.now()) / 2, img
        if clock.now() - t_tap >= timeout_s:
            return NONE, clock.now(), img
        clock.sleep(POLL_S)


def _safe_location(device: Device) -> str | None:
    try:
        return device.location()
    except DeviceError:
        raise
    except Exception:  # noqa: BLE001 - a location read may fail mid-navigation; the next read decides
        return None


def _safe_screenshot(device: Device) -> np.ndarray | None:
    try:
        return device.screenshot()
    except DeviceError:
        raise
    except Exception:  # noqa: BLE001 - evidence only
        return None


# ====================================================================== hot zone

@dataclass(frozen=True)
class TapProbe:
    """One probe tap: where (pixels), which grid cell (row, col), what happened, in which launch."""

    x: float
    y: float
    cell: tuple[int, int] | None
    outcome: str
    launch: int


@dataclass
class HotZoneProbe:
    """Estimated share of the window's area whose tap jumps, with a half-width uncertainty.

    ``fraction`` / ``uncertainty`` are relative to the window's area, ``screen_fraction`` /
    ``screen_uncertainty`` to the whole screen (what ``fullscreen-jump-link`` is judged on).

    ``labels`` is the ``(rows, cols)`` grid of cell labels (``jump`` / ``none`` / ``close``,
    probed or inferred from the nearest probe), ``probed`` marks the probed cells.
    """

    ran: bool
    reason: str | None = None
    fraction: float | None = None
    uncertainty: float | None = None
    screen_fraction: float | None = None
    screen_uncertainty: float | None = None
    probes: list[TapProbe] = field(default_factory=list)
    launches: int = 0
    grid: tuple[int, int] = (0, 0)
    labels: list[list[str]] = field(default_factory=list)
    probed: list[list[bool]] = field(default_factory=list)
    window_box: Box | None = None
    excluded_box: Box | None = None
    seconds: float = 0.0
    stopped: str = ""
    raster: np.ndarray | None = field(default=None, repr=False)
    cta_boxes: list[Box] = field(default_factory=list)

    @property
    def jump_taps(self) -> int:
        return sum(p.outcome == JUMP for p in self.probes)


@dataclass
class _Grid:
    box: Box
    rows: int
    cols: int
    points: dict[tuple[int, int], tuple[float, float]]  # tappable cells → tap point
    excluded: Box | None

    @property
    def cw(self) -> float:
        return (self.box[2] - self.box[0]) / self.cols

    @property
    def ch(self) -> float:
        return (self.box[3] - self.box[1]) / self.rows


def plan_grid(window: Box, *, control: Box | None, density: float, cols: int = HOT_COLS,
              min_rows: int = HOT_MIN_ROWS, max_rows: int = HOT_MAX_ROWS) -> _Grid:
    """Stratified grid over ``window``: one tap point per cell, kept off the close control.

    A cell whose centre is too near the control is tapped at the point of its 3×3 sub-grid
    farthest from the control; a cell entirely covered by the control zone is not tapped.
    """
    x1, y1, x2, y2 = window
    w, h = x2 - x1, y2 - y1
    if w <= 0 or h <= 0:
        raise ValueError(f"window box {box_str(window)} is empty")
    rows = int(min(max_rows, max(min_rows, round(cols * h / w * 0.75))))
    excl = None
    if control is not None:
        m = HOT_CONTROL_MARGIN_DP * density
        excl = (control[0] - m, control[1] - m, control[2] + m, control[3] + m)
    points: dict[tuple[int, int], tuple[float, float]] = {}
    for r in range(rows):
        for c in range(cols):
            cx1, cy1 = x1 + w * c / cols, y1 + h * r / rows
            cw, ch = w / cols, h / rows
            cands = [(cx1 + cw * (0.5 + dx), cy1 + ch * (0.5 + dy)) for dx, dy in
                     [(0, 0)] + [(a, b) for a in (-1 / 3, 0, 1 / 3) for b in (-1 / 3, 0, 1 / 3) if (a, b) != (0, 0)]]
            ok = [p for p in cands if excl is None or not _inside(p, excl)]
            if ok:
                if _inside(cands[0], excl) if excl else False:
                    ok.sort(key=lambda p: -_dist_to_box(p, excl))  # type: ignore[arg-type]
                points[(r, c)] = ok[0]
    return _Grid(box=window, rows=rows, cols=cols, points=points,
                 excluded=tuple(int(round(v)) for v in excl) if excl else None)  # type: ignore[arg-type]


def _inside(p: tuple[float, float], b: Sequence[float]) -> bool:
    return b[0] <= p[0] < b[2] and b[1] <= p[1] < b[3]


def _dist_to_box(p: tuple[float, float], b: Sequence[float]) -> float:
    dx = max(b[0] - p[0], 0.0, p[0] - b[2])
    dy = max(b[1] - p[1], 0.0, p[1] - b[3])
    return math.hypot(dx, dy)


def _predict(cell: tuple[int, int], known: dict[tuple[int, int], str], prior: dict[tuple[int, int], str]) -> str:
    """Label of the nearest probed cell (ties: JUMP, the costly assumption); the prior if none."""
    if not known:
        return prior.get(cell, NONE)
    best_d, best = math.inf, NONE
    for k, lab in known.items():
        d = (k[0] - cell[0]) ** 2 + (k[1] - cell[1]) ** 2
        if d < best_d or (d == best_d and lab == JUMP):
            best_d, best = d, lab
    return best


def _min_dist(cell: tuple[int, int], known: dict[tuple[int, int], str]) -> float:
    if not known:
        return math.inf
    return min(math.hypot(k[0] - cell[0], k[1] - cell[1]) for k in known)


def _borders_non_jump(cell: tuple[int, int], known: dict[tuple[int, int], str]) -> bool:
    r, c = cell
    return any(known.get((r + dr, c + dc), JUMP) != JUMP for dr in (-1, 0, 1) for dc in (-1, 0, 1))


def _next_cell(todo: list[tuple[int, int]], known: dict[tuple[int, int], str], prior: dict[tuple[int, int], str],
               grid: _Grid) -> tuple[tuple[int, int] | None, bool]:
    """Pick the next cell to tap: (cell, expected_to_jump). None when probing may stop."""
    centre = ((grid.rows - 1) / 2, (grid.cols - 1) / 2)
    if not known:
        # First tap: the cell nearest the centre that the prior thinks safe, else the centre.
        safe = [c for c in todo if prior.get(c, NONE) != JUMP] or todo
        return min(safe, key=lambda c: (abs(c[0] - centre[0]) + abs(c[1] - centre[1]), c)), False
    cheap = [c for c in todo if _predict(c, known, prior) != JUMP]
    if cheap:
        # Expected not to jump: free to tap (the window stays). Explore far from known probes first.
        return max(cheap, key=lambda c: (_min_dist(c, known), -c[0], -c[1])), False
    # Everything left is expected to jump: each tap will probably cost a relaunch.
    boundary = [c for c in todo if _borders_non_jump(c, known)]
    if boundary:
        return max(boundary, key=lambda c: (_min_dist(c, known), -c[0], -c[1])), True
    jumps = sum(v == JUMP for v in known.values())
    if jumps >= HOT_MIN_JUMP_SPREAD:
        return None, True
    return max(todo, key=lambda c: (_min_dist(c, known), -c[0], -c[1])), True


def probe_hot_zone(device: Device, app: AppSpec, track: WindowTrack, key_image: np.ndarray, *,
                   max_launches: int = HOT_MAX_LAUNCHES, max_taps: int = HOT_MAX_TAPS,
                   max_seconds: float = HOT_MAX_SECONDS, density: float | None = None, clock: Clock | None = None,
                   cols: int = HOT_COLS, ui_tree: Sequence[UiNode] | None = None,
                   detect: Callable[[np.ndarray], Box | None] | None = None,
                   launch: _Launch | None = None) -> HotZoneProbe:
    """Estimate the share of the window's area whose tap jumps, with as few relaunches as possible.

    Two phases share one budget of launches, taps and seconds:

    1. **coarse**: one tap per cell of a stratified grid (:func:`plan_grid`); cells expected
       not to jump (nearest probe, or no CTA / clickable node under them) first in each launch;
       stops early when everything left is expected to jump and lies inside agreeing jump probes;
    2. **refine**: between neighbouring probes that disagree (jump vs no jump), bisect the
       segment (down to a quarter cell) to place the boundary.

    Parameters
    ----------
    track : WindowTrack
        The window (box, key-frame control and CTAs) from the launch timeline.
    key_image : np.ndarray
        Key frame, ``(H, W, 3)`` BGR, for recognising the window after each relaunch.
    max_launches, max_taps, max_seconds
        Budget: launches (the first included), probe taps, and seconds of device time.
    density : float, optional
        px per dp, for the margin kept around the close control; default the device's.
    ui_tree : sequence of UiNode, optional
        Clickable nodes; cells inside a non-close clickable node (or a detected CTA) are
        expected to jump, so they are tapped last.
    launch : _Launch, optional
        A launch still showing the window (a shake probe's that did not jump): the first taps
        go there, saving a relaunch and the wait for the window (it counts as one launch).

    Returns
    -------
    HotZoneProbe
        ``fraction`` = jump area / window area, each point of the window taking the outcome of
        the nearest probe (the close control's zone counts as not jumping); ``uncertainty`` =
        half the area where the nearest jump and no-jump probes are about equally near, plus
        half a cell (a jump area smaller than a cell can hide between probes).
    """
    clk = clock or REAL_CLOCK
    t_start = clk.now()
    dens = float(density if density is not None else getattr(device, "density", 1.0) or 1.0)
    grid = plan_grid(track.box, control=_control_zone(track, ui_tree), density=dens, cols=cols)
    if not grid.points:
        return HotZoneProbe(ran=False, reason="the window has no area outside its close control to probe")
    if track.ended and track.visible_s < 2 * NATURAL_END_MARGIN_S:
        return HotZoneProbe(ran=False, reason=f"the window is visible only {track.visible_s:.1f} s: too short to probe")
    run = _HotZoneRun(device=device, app=app, track=track, grid=grid, clk=clk, t_start=t_start,
                      matcher=matcher_for(track, key_image, detect), prior=_prior(grid, track, ui_tree),
                      ctas=_cta_targets(track, grid, ui_tree), slop=HOT_TOUCH_SLOP_DP * dens,
                      res=HotZoneProbe(ran=True, grid=(grid.rows, grid.cols), window_box=track.box,
                                       excluded_box=grid.excluded))
    run.todo = sorted(grid.points)
    run.cta_state = {k: None for k in range(len(run.ctas))}
    if launch is not None:
        run.launch = launch
        run.res.launches = 1
    while True:
        target = run.next_target()
        stop = "done" if target is None else run.over_budget(max_taps, max_seconds, max_launches)
        if stop:
            run.res.stopped = stop
            break
        if not run.ready():
            continue  # the window is about to end on its own, or a late jump: relaunch
        x, y = run.point(target)  # type: ignore[arg-type]
        outcome = run.tap(x, y)
        if outcome is not None:
            run.record(target, x, y, outcome)  # type: ignore[arg-type]
    run.check_late_jump()
    return run.finish(key_image)


@dataclass
class _HotZoneRun:
    """State of one hot-zone probe and its steps (see :func:`probe_hot_zone`).

    ``known``: coarse cell → outcome; ``pts``: every probe in grid coordinates (col_f, row_f,
    outcome); ``segments``: disagreeing probe pairs being bisected; ``cta_state``: detected CTA
    buttons (a jump at a CTA's centre paints its whole box: a button is smaller than a cell, and
    the nearest-probe rule would smear it over the cell).
    """

    device: Device
    app: AppSpec
    track: WindowTrack
    grid: Any
    clk: Clock
    t_start: float
    matcher: WindowMatcher
    prior: dict[tuple[int, int], str]
    ctas: list[Box]
    slop: float
    res: HotZoneProbe
    known: dict[tuple[int, int], str] = field(default_factory=dict)
    pts: list[tuple[float, float, str]] = field(default_factory=list)
    todo: list[tuple[int, int]] = field(default_factory=list)
    cta_state: dict[int, str | None] = field(default_factory=dict)
    segments: list[tuple[tuple[float, float, str], tuple[float, float, str]]] = field(default_factory=list)
    refined: bool = False
    taps: int = 0
    launch: _Launch | None = None

    def to_grid(self, x: float, y: float) -> tuple[float, float]:
        g = self.grid
        return (x - g.box[0]) / g.cw, (y - g.box[1]) / g.ch

    def to_px(self, gx: float, gy: float) -> tuple[float, float]:
        g = self.grid
        return g.box[0] + gx * g.cw, g.box[1] + gy * g.ch

    # -- what to tap next
    def next_target(self) -> tuple[str, Any] | None:
        """('cell', cell), ('cta', index) or ('seg', index) to tap next; None when done."""
        if self.todo:
            cell, _ = _next_cell(self.todo, self.known, self.prior, self.grid)
            if cell is not None:
                return "cell", cell
            self.todo.clear()  # the rest lies inside agreeing jump probes: inferred
        cta = self._next_cta()
        if cta is not None:
            return "cta", cta
        if not self.refined:
            self._start_refining()
        return self._next_segment()

    def _next_cta(self) -> int | None:
        for k, b in enumerate(self.ctas):
            if self.cta_state[k] is not None:
                continue
            inside = [p[2] for p in self.pts if _inside(self.to_px(p[0], p[1]), b)]
            if inside:
                self.cta_state[k] = inside[0]  # a grid tap already landed on it
            elif self.pts and _inside_jump_area(self.to_grid(*_centre(b)), self.pts):
                self.cta_state[k] = "inside-jump-area"  # nothing to learn: its area jumps anyway
            else:
                return k
        return None

    def _confirmed_ctas(self) -> list[Box]:
        return [self.ctas[k] for k, v in self.cta_state.items() if v == JUMP]

    def _start_refining(self) -> None:
        self.refined = True
        confirmed = self._confirmed_ctas()
        self.segments.extend(sg for sg in _disagreeing_pairs(self.known, self.grid, self.to_grid)
                             if not any(q[2] == JUMP and _near_box(self.to_px(q[0], q[1]), b, self.slop)
                                        for q in sg for b in confirmed))

    def _next_segment(self) -> tuple[str, Any] | None:
        live = [k for k, (a, b) in enumerate(self.segments)
                if math.hypot(a[0] - b[0], a[1] - b[1]) > HOT_MIN_SEGMENT_CELLS]
        if not live:
            return None

        def key(k: int) -> tuple[bool, float]:  # midpoints expected not to jump first, then the longest
            a, b = self.segments[k]
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            return _predict_pt(mid, self.pts) != JUMP, math.hypot(a[0] - b[0], a[1] - b[1])
        return "seg", max(live, key=key)

    def point(self, target: tuple[str, Any]) -> tuple[float, float]:
        kind, what = target
        if kind == "cell":
            return self.grid.points[what]
        if kind == "cta":
            return _centre(self.ctas[what])
        a, b = self.segments[what]
        return self.to_px((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)

    # -- budget and launches
    def over_budget(self, max_taps: int, max_seconds: float, max_launches: int) -> str:
        if self.taps >= max_taps:
            return f"tap budget ({max_taps}) used"
        if self.clk.now() - self.t_start >= max_seconds:
            return f"time budget ({max_seconds:.0f} s) used"
        if self.launch is None and self.res.launches >= max_launches:
            return f"launch budget ({max_launches}) used"
        return ""

    def ready(self) -> bool:
        """A launch with the window up and time left before its natural end; False: try again."""
        if self.launch is None:
            self.launch = _relaunch(self.device, self.app, self.track, self.matcher, self.clk)
            self.res.launches += 1
        launch = self.launch
        if launch.natural_end_t is not None and \
                self.clk.now() - launch.t0 > launch.natural_end_t - NATURAL_END_MARGIN_S:
            self.launch = None  # the window is about to end on its own: relaunch
            return False
        loc = _safe_location(self.device)
        if loc is not None and loc != launch.location:
            # A late jump: the previous tap of this launch navigated after we had looked.
            _relabel_last(self.res, self.pts, self.known, self.segments)
            self.launch = None
            return False
        return True

    # -- tap and record
    def tap(self, x: float, y: float) -> str | None:
        """Tap and watch: JUMP / CLOSE / NONE, or None when the window ended on its own (not recorded)."""
        launch = self.launch
        assert launch is not None
        t_tap = self.clk.now()
        self.device.tap(x, y)
        self.clk.sleep(TAP_SETTLE_S)
        outcome, _, _ = _watch_tap(self.device, self.matcher, launch.location, self.clk, t_tap, TAP_SETTLE_S)
        if outcome == CLOSE and launch.natural_end_t is not None and \
                self.clk.now() - launch.t0 >= launch.natural_end_t - NATURAL_END_MARGIN_S:
            self.launch = None  # it ended on its own: do not record; tap here again after a relaunch
            return None
        return outcome

    def record(self, target: tuple[str, Any], x: float, y: float, outcome: str) -> None:
        kind, what = target
        self.taps += 1
        g = self.to_grid(x, y)
        p = (g[0], g[1], outcome)
        self.pts.append(p)
        if kind == "cell":
            self.known[what] = outcome
            self.todo.remove(what)
        elif kind == "cta":
            self.cta_state[what] = outcome
        else:
            a, b = self.segments[what]
            self.segments[what] = (a, p) if _jumpy(a[2]) != _jumpy(outcome) else (p, b)
        self.res.probes.append(TapProbe(x=float(x), y=float(y), cell=what if kind == "cell" else None,
                                        outcome=outcome, launch=self.res.launches))
        if outcome != NONE:
            self.launch = None  # window gone (jump or close): relaunch for the next tap

    def check_late_jump(self) -> None:
        """The last tap of a launch may navigate after we looked: look once more."""
        res, launch = self.res, self.launch
        if launch is not None and res.probes and res.probes[-1].launch == res.launches and \
                res.probes[-1].outcome == NONE:
            self.clk.sleep(TAP_SETTLE_S)
            loc = _safe_location(self.device)
            if loc is not None and loc != launch.location:
                _relabel_last(res, self.pts, self.known, self.segments)

    # -- estimate
    def finish(self, key_image: np.ndarray) -> HotZoneProbe:
        res, grid, clk = self.res, self.grid, self.clk
        if not self.pts:
            res.ran = False
            res.reason = f"no probe tap could be made ({res.stopped})"
            res.seconds = round(clk.now() - self.t_start, 3)
            return res
        pts = list(self.pts)
        # Unprobed coarse cells join the estimate with their predicted label at their tap point.
        for cell, (x, y) in grid.points.items():
            if cell not in self.known:
                g = self.to_grid(x, y)
                pts.append((g[0], g[1], _predict(cell, self.known, self.prior)))
        res.labels = [[self.known.get((r, c)) or (_predict((r, c), self.known, self.prior)
                                                   if (r, c) in grid.points else NONE)
                       for c in range(grid.cols)] for r in range(grid.rows)]
        res.probed = [[(r, c) in self.known for c in range(grid.cols)] for r in range(grid.rows)]
        confirmed = self._confirmed_ctas()
        res.cta_boxes = [tuple(int(round(v)) for v in b) for b in confirmed]  # type: ignore[misc]
        res.fraction, res.uncertainty, res.raster = _estimate_raster(grid, pts, jump_boxes=confirmed, slop=self.slop)
        x1, y1, x2, y2 = self.track.box
        share = (x2 - x1) * (y2 - y1) / float(key_image.shape[0] * key_image.shape[1])
        res.screen_fraction = round(min(1.0, res.fraction * share), 4)
        res.screen_uncertainty = round(min(1.0, res.uncertainty * share), 4)
        res.seconds = round(clk.now() - self.t_start, 3)
        return res


def _jumpy(label: str) -> bool:
    return label == JUMP


def _predict_pt(p: tuple[float, float], pts: Sequence[tuple[float, float, str]]) -> str:
    """Label of the nearest probe to grid point ``p`` (ties: JUMP); NONE without probes."""
    best_d, best = math.inf, NONE
    for q in pts:
        d = (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2
        if d < best_d - 1e-9 or (abs(d - best_d) <= 1e-9 and q[2] == JUMP):
            best_d, best = d, q[2]
    return best


def _inside_jump_area(p: tuple[float, float], pts: Sequence[tuple[float, float, str]]) -> bool:
    """The nearest probe jumped and no probe within HOT_CLEAR_CELLS cells did not."""
    if _predict_pt(p, pts) != JUMP:
        return False
    return not any(q[2] != JUMP and math.hypot(q[0] - p[0], q[1] - p[1]) <= HOT_CLEAR_CELLS for q in pts)


def _disagreeing_pairs(known: dict[tuple[int, int], str], grid: _Grid, to_grid: Any) -> list[Any]:
    """Probed 4-neighbour cells where one jumps and the other does not, as grid-coordinate segments."""
    out = []
    for (r, c), lab in sorted(known.items()):
        for nb in ((r + 1, c), (r, c + 1)):
            other = known.get(nb)
            if other is None or _jumpy(other) == _jumpy(lab):
                continue
            a = to_grid(*grid.points[(r, c)])
            b = to_grid(*grid.points[nb])
            out.append(((a[0], a[1], lab), (b[0], b[1], other)))
    return out


def _relabel_last(res: HotZoneProbe, pts: list[tuple[float, float, str]], known: dict[tuple[int, int], str],
                  segments: list[Any]) -> None:
    if not res.probes:
        return
    prev = res.probes.pop()
    res.probes.append(TapProbe(prev.x, prev.y, prev.cell, JUMP, prev.launch))
    if pts:
        q = pts.pop()
        pts.append((q[0], q[1], JUMP))
    if prev.cell is not None:
        known[prev.cell] = JUMP


def _control_zone(track: WindowTrack, ui_tree: Sequence[UiNode] | None = None) -> Box | None:
    """The close control's visible box joined with its touch target: the measured one, and any
    clickable UI-tree node around the control's centre that is not much of the window (a tap
    there closes the window and costs a relaunch without telling anything about jumps)."""
    control = track.control
    if control is None:
        return None
    box = list(control.box)
    targets: list[Sequence[int]] = []
    a = track.analysis
    for c, m in zip(a.controls, a.measurements):
        if c is control and m.touch_box is not None:
            targets.append(m.touch_box)
    wx1, wy1, wx2, wy2 = track.box
    w_area = max(1, (wx2 - wx1) * (wy2 - wy1))
    for n in ui_tree or ():
        b = n.box
        if n.clickable and _inside(_centre(control.box), b) and \
                (b[2] - b[0]) * (b[3] - b[1]) <= HOT_MAX_CONTROL_NODE_SHARE * w_area:
            targets.append(b)
    for t in targets:
        box = [min(box[0], t[0]), min(box[1], t[1]), max(box[2], t[2]), max(box[3], t[3])]
    return tuple(int(v) for v in box)  # type: ignore[return-value]


def _cta_targets(track: WindowTrack, grid: _Grid, ui_tree: Sequence[UiNode] | None = None) -> list[Box]:
    """Candidate jump buttons: detected CTAs and clickable UI-tree nodes inside the window, clear of
    the close control; at most HOT_MAX_CTAS, detected CTAs first, then larger first, no near-duplicates."""
    cands: list[Box] = [tuple(int(v) for v in b) for b in track.analysis.ctas]  # type: ignore[misc]
    wx1, wy1, wx2, wy2 = grid.box
    w_area = max(1, (wx2 - wx1) * (wy2 - wy1))
    nodes = [tuple(int(v) for v in n.box) for n in ui_tree or () if n.clickable]
    nodes.sort(key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))
    cands += [b for b in nodes if (b[2] - b[0]) * (b[3] - b[1]) < HOT_MAX_NODE_SHARE * w_area]  # type: ignore[misc]
    out: list[Box] = []
    for b in cands:
        c = _centre(b)
        if not _inside(c, grid.box) or (grid.excluded is not None and _inside(c, grid.excluded)):
            continue
        if any(box_iou(b, o) > 0.6 for o in out):
            continue
        out.append(b)
    return out[:HOT_MAX_CTAS]


def _near_box(p: tuple[float, float], b: Sequence[float], slop: float) -> bool:
    return _dist_to_box(p, b) <= slop


def _prior(grid: _Grid, track: WindowTrack, ui_tree: Sequence[UiNode] | None) -> dict[tuple[int, int], str]:
    """Cells expected to jump before any tap: inside a detected CTA or a clickable non-close node."""
    boxes: list[Sequence[float]] = list(track.analysis.ctas)
    control = track.control
    for n in ui_tree or ():
        if not n.clickable:
            continue
        if control is not None and _inside(_centre(control.box), n.box):
            continue  # the close control's own node
        boxes.append(n.box)
    return {cell: JUMP for cell, p in grid.points.items() if any(_inside(p, b) for b in boxes)}


def _estimate_raster(grid: _Grid, pts: Sequence[tuple[float, float, str]], *,
                     jump_boxes: Sequence[Sequence[float]] = (), slop: float = 0.0) -> tuple[float, float, np.ndarray]:
    """(fraction, half-width, label raster) with every raster point taking its nearest probe's outcome.

    Distances are measured in cell units, so a probe speaks for a cell-shaped neighbourhood.
    ``jump_boxes`` (confirmed CTA buttons, pixels) jump as a whole; jump probes inside them (or
    within ``slop`` px: touch adjustment) speak for nothing else. The raster is ``(rows × HOT_RASTER, cols × HOT_RASTER)`` bool (True = jumps).
    """
    ny, nx = grid.rows * HOT_RASTER, grid.cols * HOT_RASTER
    gy, gx = np.mgrid[0:ny, 0:nx]
    gx = (gx + 0.5) / HOT_RASTER
    gy = (gy + 0.5) / HOT_RASTER
    px = grid.box[0] + gx * grid.cw
    py = grid.box[1] + gy * grid.ch

    def in_boxes(x: Any, y: Any) -> Any:
        m = np.zeros(np.shape(x), bool)
        for b in jump_boxes:
            m |= (x >= b[0]) & (x < b[2]) & (y >= b[1]) & (y < b[3])
        return m

    # Jumps at (or within touch slop of) a confirmed button are explained by it: they speak for nothing else.
    pts = [p for p in pts if not (p[2] == JUMP and any(
        _near_box((grid.box[0] + p[0] * grid.cw, grid.box[1] + p[1] * grid.ch), b, slop) for b in jump_boxes))] \
        or [(0.5, 0.5, NONE)]
    P = np.array([(p[0], p[1]) for p in pts], float)
    J = np.array([p[2] == JUMP for p in pts])
    d = (gx[..., None] - P[:, 0]) ** 2 + (gy[..., None] - P[:, 1]) ** 2
    dj = np.sqrt(np.where(J, d, np.inf).min(axis=2)) if J.any() else np.full(gx.shape, np.inf)
    dn = np.sqrt(np.where(~J, d, np.inf).min(axis=2)) if (~J).any() else np.full(gx.shape, np.inf)
    jump = (dj <= dn) | in_boxes(px, py)
    band = (np.abs(dj - dn) < HOT_BAND_CELLS) & ~in_boxes(px, py)
    if grid.excluded is not None:
        ex = grid.excluded
        jump &= ~((px >= ex[0]) & (px < ex[2]) & (py >= ex[1]) & (py < ex[3]))
    frac = float(jump.mean())
    half = min(0.5, 0.5 * float(band.mean()) + 0.5 / (grid.rows * grid.cols))
    return round(frac, 4), round(half, 4), jump


# ====================================================================== shake

@dataclass
class ShakeProbe:
    ran: bool
    reason: str | None = None
    jumped: bool = False
    spec: ShakeSpec | None = None
    location_before: str | None = None
    location_after: str | None = None
    after_image: np.ndarray | None = field(default=None, repr=False)
    seconds: float = 0.0
    launch: _Launch | None = field(default=None, repr=False)
    """The launch, still showing the window after a shake that did not jump: the hot-zone probe
    may go on tapping in it instead of relaunching and waiting for the window again."""

    def spec_measured(self) -> dict[str, float]:
        s = self.spec
        if s is None:
            return {}
        return {"acceleration_ms2": s.acceleration, "rotation_deg": s.rotation_deg, "duration_s": s.duration_s,
                "frequency_hz": s.frequency_hz}


# Share of each T/TAF threshold the gentle shake plays, and caps (the brief's 5 m/s², 10°, 2 s).
SHAKE_SHARE = 2 / 3
SHAKE_CAP = ShakeSpec(acceleration=5.0, rotation_deg=10.0, duration_s=2.0)


def gentle_shake(profile: Any = None) -> ShakeSpec:
    """A motion clearly below the profile's shake thresholds (min of a share of each and the caps)."""
    acc, rot, dur = SHAKE_CAP.acceleration, SHAKE_CAP.rotation_deg, SHAKE_CAP.duration_s
    if profile is not None:
        try:
            acc = min(acc, SHAKE_SHARE * profile.value("shake-sensitivity", "min_acceleration"))
            rot = min(rot, SHAKE_SHARE * profile.value("shake-sensitivity", "min_rotation"))
            dur = min(dur, SHAKE_SHARE * profile.value("shake-sensitivity", "min_duration"))
        except KeyError:
            pass
    return ShakeSpec(acceleration=round(acc, 3), rotation_deg=round(rot, 3), duration_s=round(dur, 3))


def probe_shake(device: Device, app: AppSpec, track: WindowTrack | None, key_image: np.ndarray | None, *,
                spec: ShakeSpec, clock: Clock | None = None,
                detect: Callable[[np.ndarray], Box | None] | None = None) -> ShakeProbe:
    """Relaunch, wait for the window (if any), play ``spec`` via ``device.shake``; jump = location change."""
    clk = clock or REAL_CLOCK
    t_start = clk.now()
    launch: _Launch | None = None
    matcher: WindowMatcher | None = None
    if track is not None and key_image is not None:
        matcher = matcher_for(track, key_image, detect)
        launch = _relaunch(device, app, track, matcher, clk)
        base = launch.location
    else:
        device.launch(app)
        base = device.location()
    res = ShakeProbe(ran=True, spec=spec, location_before=base)
    try:
        device.shake(spec)
    except NotImplementedError as exc:
        res.ran = False
        res.reason = str(exc) or f"{getattr(device, 'name', 'device')} cannot simulate motion"
        res.seconds = round(clk.now() - t_start, 3)
        return res
    t_end = clk.now() + SHAKE_WATCH_S
    while True:
        loc = _safe_location(device)
        if loc is not None and loc != base:
            res.jumped = True
            res.location_after = loc
            break
        if clk.now() >= t_end:
            res.location_after = loc
            break
        clk.sleep(POLL_S * 2)
    res.after_image = _safe_screenshot(device)
    if launch is not None and matcher is not None and not res.jumped and res.after_image is not None \
            and matcher.present(res.after_image):
        res.launch = launch
    res.seconds = round(clk.now() - t_start, 3)
    return res


# ====================================================================== evidence drawing

_COLOURS = {JUMP: (40, 40, 230), NONE: (60, 180, 60), CLOSE: (230, 160, 40)}


def draw_hot_zone(image: np.ndarray, probe: HotZoneProbe) -> np.ndarray:
    """Key frame with the hot-zone grid: red = jump, green = no jump, blue = closes; dots = taps.

    Probed cells are filled more strongly than inferred ones; the close control's zone is outlined.
    """
    out = image.copy()
    if probe.window_box is None or not probe.labels:
        return out
    x1, y1, x2, y2 = probe.window_box
    rows, cols = probe.grid
    cw, ch = (x2 - x1) / cols, (y2 - y1) / rows
    overlay = out.copy()
    for r in range(rows):
        for c in range(cols):
            a = (int(x1 + c * cw), int(y1 + r * ch))
            b = (int(x1 + (c + 1) * cw) - 1, int(y1 + (r + 1) * ch) - 1)
            cv2.rectangle(overlay, a, b, _COLOURS.get(probe.labels[r][c], (128, 128, 128)), -1)
    out = cv2.addWeighted(overlay, 0.35, out, 0.65, 0)
    thick = max(2, image.shape[1] // 300)
    for r in range(rows + 1):
        y = int(y1 + r * ch)
        cv2.line(out, (x1, y), (x2, y), (255, 255, 255), 1)
    for c in range(cols + 1):
        x = int(x1 + c * cw)
        cv2.line(out, (x, y1), (x, y2), (255, 255, 255), 1)
    for p in probe.probes:
        cv2.circle(out, (int(p.x), int(p.y)), 6 * thick, (255, 255, 255), -1)
        cv2.circle(out, (int(p.x), int(p.y)), 5 * thick, _COLOURS.get(p.outcome, (128, 128, 128)), -1)
        cv2.putText(out, str(p.launch), (int(p.x) + 7 * thick, int(p.y) + 3 * thick), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * thick, (255, 255, 255), thick, cv2.LINE_AA)
    if probe.excluded_box is not None:
        e = probe.excluded_box
        cv2.rectangle(out, (e[0], e[1]), (e[2], e[3]), (255, 255, 0), thick)
    if probe.fraction is not None:
        text = f"hot zone {probe.fraction:.0%} +/- {probe.uncertainty:.0%}, {probe.launches} launches"
        cv2.putText(out, text, (10 * thick, 20 * thick), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * thick, (0, 0, 0),
                    thick * 3, cv2.LINE_AA)
        cv2.putText(out, text, (10 * thick, 20 * thick), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * thick, (255, 255, 255),
                    thick, cv2.LINE_AA)
    return out
