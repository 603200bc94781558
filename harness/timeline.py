"""Record the launch of an app as a timeline of frames, and keep it on disk for offline re-analysis.

A :class:`~harness.device.Timeline` holds the frames of one cold launch, each stamped with the
seconds since the launch command was sent, plus UI trees where they are cheap. Two ways to get
frames:

* **fast capture**: a device with ``capture(app, duration_s, *, fps, ui_every)`` (the
  Appium/Chromium device streams a CDP screencast from before the navigation, at tens of
  frames per second) records the whole launch in one call; the frames are thinned to the
  requested rate and gaps where the page did not repaint are filled with the last frame;
* **polling**: ``device.launch(app)`` then ``device.screenshot()`` in a loop (≈ 150 ms per
  WebDriver screenshot, so ≈ 5 frames/s), with ``device.ui_tree()`` every ``ui_every``-th frame.

A timeline folder is ``timeline.json`` (times, UI trees, density, meta) plus one image file per
*distinct* frame under ``frames/`` (identical consecutive frames share a file), so a run can be
re-analysed with :func:`load_timeline` and :class:`harness.replay.ReplayDevice`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from detectors.imageio import ImageReadError, read_image, write_image
from detectors.model import UiNode
from harness.device import AppSpec, Device, Frame, Timeline, shows_status_bar

__all__ = ["Clock", "RealClock", "REAL_CLOCK", "record_launch", "save_timeline", "load_timeline",
           "thin_frames", "fill_gaps", "TIMELINE_FILE"]

TIMELINE_FILE = "timeline.json"
TIMELINE_VERSION = 1
# UI trees cost ≈ 110 ms through WebDriver; one every this many frames keeps ≥ 5 frames/s.
DEFAULT_UI_EVERY = 5
# PNG compression level for saved frames: 1 is ≈ 4× faster than the default 3 and only ≈ 15 % larger.
PNG_COMPRESSION = 1
JPEG_QUALITY = 92
WEBP_QUALITY = 85
# A fast capture is asked for this many times the target rate (it thins by itself); ≈ 8 MB a
# decoded 1082×2402 frame keeps this small.
CAPTURE_OVERSAMPLE = 2
# A fast capture whose first stable screen is blank for this long (s) and then shows content lost
# the first paints (a screencast sends frames only on repaints, and a busy host can drop them):
# the launch is recorded again by polling screenshots.
LOST_PAINTS_BLANK_S = 2.0


class Clock(Protocol):
    """Time source of recorders and probes; tests pass a fake one that advances on ``sleep``."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    """Wall-clock seconds (``time.monotonic``)."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


REAL_CLOCK = RealClock()


def record_launch(device: Device, app: AppSpec, *, duration_s: float = 6.0, fps: float = 5.0,
                  ui_trees: bool = True, ui_every: int = DEFAULT_UI_EVERY, clock: Clock | None = None,
                  fast: bool = True, fallback_poll: bool = True) -> Timeline:
    """Cold-launch ``app`` and capture its first ``duration_s`` seconds.

    Parameters
    ----------
    device : Device
        Started device. When it has ``capture`` and ``fast`` is true, that is used (see the
        module doc), else screenshots are polled.
    app : AppSpec
        The app to launch.
    duration_s : float
        Seconds of launch to record, counted from the launch command.
    fps : float
        Target frame rate; polling captures as fast as the device allows up to this rate,
        a fast capture is thinned down to it.
    ui_trees : bool
        Ask for UI trees (every ``ui_every``-th frame; the first frame always).
    clock : Clock, optional
        Time source (tests); the real clock by default.
    fast : bool
        Use the device's fast capture when it has one.
    fallback_poll : bool
        When a fast capture turns out to have lost the screen's final state (a screenshot after
        it shows something else), record the launch again by polling.

    Returns
    -------
    Timeline
        Frames in time order, ``t`` in seconds since the launch command; ``meta`` carries
        ``mode`` (``capture`` / ``poll``), ``launch_s``, ``location_end``, ``fps`` (achieved),
        ``duration_s`` and ``t0_clock`` (the clock reading at the launch instant: a frame shown
        at clock time ``c`` has ``t = c - t0_clock``; lets a caller keep watching the same launch).
    """
    if duration_s <= 0:
        raise ValueError(f"duration_s must be positive, got {duration_s!r}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if ui_every < 1:
        raise ValueError(f"ui_every must be ≥ 1, got {ui_every!r}")
    clk = clock or REAL_CLOCK
    t_wall = time.time()
    capture = getattr(device, "capture", None) if fast else None
    meta: dict[str, Any] = {}
    frames: list[Frame] = []
    launch_s = None
    if callable(capture):
        t0 = clk.now()
        # Ask for twice the rate: the capture thins by itself, and a repaint it drops is lost.
        raw = capture(app, duration_s, fps=CAPTURE_OVERSAMPLE * fps,
                      ui_every=CAPTURE_OVERSAMPLE * ui_every if ui_trees else 0)
        frames = thin_frames(list(raw), fps)
        checked = _check_last_frame(device, frames, duration_s, lost_within_s=1.0 / (CAPTURE_OVERSAMPLE * fps))
        timings = getattr(device, "timings", None)
        if isinstance(timings, dict) and isinstance(timings.get("launch_s"), (int, float)):
            launch_s = float(timings["launch_s"])
        since = getattr(device, "launched_at", None)
        if isinstance(since, (int, float)) and clk is REAL_CLOCK:
            t0 = float(since)  # frame times count from the device's own launch instant
        meta = {"mode": "capture", "frames_received": len(raw)}
        if len(checked) > len(frames) and fallback_poll:
            # The capture lost the screen's final state, so it may have lost any state: record
            # the launch again by polling screenshots (slower, but every frame is the truth).
            meta = {"mode": "poll", "capture_lost_repaints": True, "frames_received": len(raw)}
            frames = []
        else:
            frames = fill_gaps(checked, fps, duration_s)
            if fallback_poll and lost_first_paints(frames):
                meta = {"mode": "poll", "frames_received": len(raw),
                        "re_recorded": "a fast capture showed a long blank screen before the first content"}
                frames = []
    if not frames:
        t0 = clk.now()
        device.launch(app)
        launch_s = clk.now() - t0
        frames = _poll(device, t0, duration_s=duration_s, fps=fps, ui_trees=ui_trees, ui_every=ui_every, clock=clk)
        meta = meta or {"mode": "poll"}
    try:
        location_end = device.location()
    except Exception:  # noqa: BLE001 - informative only
        location_end = None
    span = frames[-1].t - frames[0].t if len(frames) > 1 else 0.0
    meta.update({
        "t0_clock": t0, "app": app.id, "device": getattr(device, "name", "?"), "started_at": t_wall,
        "duration_s": round(clk.now() - t0, 3), "requested_duration_s": duration_s,
        "launch_s": round(launch_s, 3) if launch_s is not None else None,
        "location_end": location_end, "frames": len(frames),
        "fps": round((len(frames) - 1) / span, 2) if span > 0 else 0.0,
    })
    if clk is REAL_CLOCK:
        # the wall-clock instant of t = 0, to compare with times an app reports about itself
        meta["t0_epoch"] = round(time.time() - (time.monotonic() - t0), 4)
    meta.setdefault("status_bar", shows_status_bar(str(getattr(device, "platform", "android"))))
    return Timeline(frames=frames, density=float(getattr(device, "density", 1.0) or 1.0), meta=meta)


def lost_first_paints(frames: list[Frame]) -> bool:
    """A captured launch that shows only a blank page for LOST_PAINTS_BLANK_S or more, then content.

    Blank as the segmentation sees it (downscaled grey standard deviation under its BLANK_MAX_STD);
    only the leading frames are looked at, the rest of the timeline is segmented by the caller.
    """
    from harness.segments import BLANK_MAX_STD  # segments builds on tracking, which reads timelines
    from harness.tracking import frame_signature

    for f in frames:
        if float(np.std(frame_signature(f.image))) >= BLANK_MAX_STD:
            return f.t - frames[0].t >= LOST_PAINTS_BLANK_S
    return False  # blank to the end: a page that never painted, not lost paints


def _poll(device: Device, t0: float, *, duration_s: float, fps: float, ui_trees: bool, ui_every: int,
          clock: Clock) -> list[Frame]:
    """Screenshots at up to ``fps`` until ``duration_s`` after ``t0`` (the launch command)."""
    frames: list[Frame] = []
    period = 1.0 / fps
    i = 0
    while True:
        t_req = clock.now()
        if t_req - t0 >= duration_s:
            break
        img = device.screenshot()
        t_got = clock.now()
        tree = _safe_tree(device) if ui_trees and i % ui_every == 0 else None
        activity = _safe_activity(device) if tree is not None else None
        # The screenshot shows the screen at some moment during the call: take the middle.
        frames.append(Frame(t=round((t_req + t_got) / 2 - t0, 4), image=img, ui_tree=tree, activity=activity))
        i += 1
        spare = period - (clock.now() - t_req)
        if spare > 0:
            clock.sleep(spare)
    return frames


def _safe_tree(device: Device) -> tuple[UiNode, ...] | None:
    try:
        tree = device.ui_tree()
    except Exception:  # noqa: BLE001 - a UI tree is a bonus; pixels are the evidence
        return None
    return tuple(tree) if tree is not None else None


def _safe_activity(device: Device) -> str | None:
    """The foreground activity where the device can tell (Android), else None."""
    read = getattr(device, "activity", None)
    if not callable(read):
        return None
    try:
        act = read()
    except Exception:  # noqa: BLE001 - a cue, not evidence
        return None
    return str(act) if act else None


def _check_last_frame(device: Any, frames: list[Frame], duration_s: float, *,
                      lost_within_s: float | None = None) -> list[Frame]:
    """Safety net for a capture that lost the last repaint: compare its last frame with a screenshot.

    When they differ, the screenshot is appended so that the end state of the launch is right.
    Its time: a screencast sends a frame on every repaint, and a capture that thins frames by a
    minimum gap can only have dropped a frame that came within that gap (≈ ``lost_within_s``)
    after a kept one, with nothing after it (or a later frame would have been kept) — so the
    lost state appeared about ``lost_within_s`` after the last frame, not when we looked.
    """
    try:
        img = device.screenshot()
    except Exception:  # noqa: BLE001 - a safety net must not sink the capture
        return frames
    if frames:
        a = cv2.resize(frames[-1].image, (64, 128), interpolation=cv2.INTER_AREA).astype(np.int16)
        b = cv2.resize(img, (64, 128), interpolation=cv2.INTER_AREA).astype(np.int16)
        if a.shape == b.shape and np.count_nonzero(np.abs(a - b) > 24) <= 8:
            return frames
    since = getattr(device, "launched_at", None)
    t = time.monotonic() - since if isinstance(since, (int, float)) else duration_s
    if frames:
        if lost_within_s is not None:
            t = min(t, frames[-1].t + lost_within_s)
        t = max(t, frames[-1].t + 1e-3)
    return frames + [Frame(t=round(t, 4), image=img)]


def fill_gaps(frames: list[Frame], fps: float, duration_s: float) -> list[Frame]:
    """Repeat the last frame every 1/fps through gaps and up to ``duration_s``.

    A screencast sends a frame only when the page repaints: a still screen leaves gaps, and a
    splash that never repaints must still "last" until the recording ends.
    """
    period = 1.0 / fps
    out: list[Frame] = []
    for k, f in enumerate(frames):
        out.append(f)
        nxt = frames[k + 1].t if k + 1 < len(frames) else duration_s + period
        t = f.t + period
        while t < nxt - 1e-6 and t <= duration_s + 1e-6:
            out.append(Frame(t=round(t, 4), image=f.image))
            t += period
    return out


def thin_frames(frames: list[Frame], fps: float) -> list[Frame]:
    """About ``fps`` frames per second: the first frame of each 1/fps slot (slots from the first
    frame), plus the slot's last frame when it shows something else.

    The last one matters: a screencast sends a frame only when the page repaints, so the frame
    after a burst is what stays on screen; dropping it would lose the final state. UI trees of
    dropped frames pass to the kept frame of their slot when it has none.
    """
    if not frames:
        return []
    period = 1.0 / fps
    ordered = sorted(frames, key=lambda f: f.t)
    t_first = ordered[0].t
    slots: dict[int, list[Frame]] = {}
    for f in ordered:
        slots.setdefault(int((f.t - t_first) / period + 1e-9), []).append(f)
    out: list[Frame] = []
    for k in sorted(slots):
        group = slots[k]
        first, last = group[0], group[-1]
        tree = next((f.ui_tree for f in group if f.ui_tree is not None), None)
        if first.ui_tree is None and tree is not None:
            first = Frame(t=first.t, image=first.image, ui_tree=tree)
        out.append(first)
        if last is not group[0] and not (last.image is first.image or np.array_equal(last.image, first.image)):
            out.append(last)
    return out


# ----------------------------------------------------------------------------- persistence

def save_timeline(timeline: Timeline, folder: str | Path, *, fmt: str = "png", quality: int | None = None) -> Path:
    """Write ``timeline`` to ``folder`` (created): ``timeline.json`` + ``frames/NNNN.<fmt>``.

    Identical frames (same bytes) are stored once. ``fmt`` is ``png`` (lossless, the default:
    contrast measurements stay exact), ``jpg`` or ``webp`` (lossy, ≈ 10× smaller than PNG: what
    ``check_app`` writes unless ``keep_frames``); ``quality`` overrides the lossy formats' quality
    (0–100). Returns the path of ``timeline.json``.
    """
    if fmt not in ("png", "jpg", "webp"):
        raise ValueError(f"fmt must be 'png', 'jpg' or 'webp', got {fmt!r}")
    root = Path(folder)
    (root / "frames").mkdir(parents=True, exist_ok=True)
    params = {"png": [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION], "jpg": [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
              "webp": [cv2.IMWRITE_WEBP_QUALITY, WEBP_QUALITY]}[fmt]
    if quality is not None and fmt != "png":
        params = [params[0], int(quality)]
    by_hash: dict[str, str] = {}
    entries = []
    for i, f in enumerate(timeline.frames):
        img = np.ascontiguousarray(f.image)
        digest = hashlib.blake2b(img.tobytes(), digest_size=16).hexdigest() + str(img.shape)
        name = by_hash.get(digest)
        if name is None:
            name = f"frames/{len(by_hash):04d}.{fmt}"
            write_image(root / name, img, params)  # bytes-safe (cv2.imwrite crashes on non-UTF-8 paths)
            by_hash[digest] = name
        entries.append({"t": float(f.t), "file": name,
                        "ui_tree": [_node_json(n) for n in f.ui_tree] if f.ui_tree is not None else None,
                        **({"activity": f.activity} if f.activity else {})})
    doc = {"version": TIMELINE_VERSION, "density": float(timeline.density), "meta": _jsonable(timeline.meta),
           "frames": entries}
    path = root / TIMELINE_FILE
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def load_timeline(folder: str | Path) -> Timeline:
    """Read a timeline written by :func:`save_timeline` (``folder`` or its ``timeline.json``)."""
    root = Path(folder)
    path = root if root.is_file() else root / TIMELINE_FILE
    root = path.parent
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable timeline: {exc}") from exc
    if doc.get("version") != TIMELINE_VERSION:
        raise ValueError(f"{path}: unsupported timeline version {doc.get('version')!r}")
    cache: dict[str, np.ndarray] = {}
    frames = []
    for e in doc["frames"]:
        img = cache.get(e["file"])
        if img is None:
            try:  # read_image, not cv2.imread: bytes-safe paths, damaged frames named
                img = read_image(root / e["file"])
            except ImageReadError as exc:
                raise ValueError(f"{path}: cannot read frame image {e['file']}: {exc.reason}") from None
            cache[e["file"]] = img
        tree = e.get("ui_tree")
        frames.append(Frame(t=float(e["t"]), image=img,
                            ui_tree=tuple(_node_from_json(n) for n in tree) if tree is not None else None,
                            activity=e.get("activity")))
    return Timeline(frames=frames, density=float(doc.get("density", 1.0)), meta=dict(doc.get("meta") or {}))


def _node_json(n: UiNode) -> dict[str, Any]:
    d = asdict(n)
    d["box"] = [int(v) for v in n.box]
    return d


def _node_from_json(d: dict[str, Any]) -> UiNode:
    return UiNode(box=tuple(int(v) for v in d["box"]), text=d.get("text", ""), desc=d.get("desc", ""),  # type: ignore[arg-type]
                  resource_id=d.get("resource_id", ""), clickable=bool(d.get("clickable", True)),
                  cls=d.get("cls", ""))


def _jsonable(obj: Any) -> Any:
    """Meta values as JSON (unknown objects become their ``str``)."""
    return json.loads(json.dumps(obj, default=str))

