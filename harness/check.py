"""The whole rule set for one app on one device: :func:`check_app`.

Steps (each timed in ``AppResult.timings_s``; ``device_s`` sums the ones that use the device):

1. ``timeline``   cold launch, frames at ≥ 5 frames/s for ``duration_s`` (``harness.timeline``);
2. ``analysis``   detectors over the distinct frames, windows tracked (``harness.tracking``);
   ``watch_longer``: a splash still up when the recording stopped is watched (same launch) until
   splash-duration can decide;
3. static rules from the key frame's analysis (present, size, contrast, placement), and
   delay / duration from the timeline;
4. ``close``      relaunch, one tap on the control (close-button-works), watch for a comeback
   (popup-reappears);
5. ``hot_zone``   tap probes over the window (fullscreen-jump-link);
6. ``shake``      gentle motion (shake-sensitivity);
7. ``evidence``   annotated key frame, contact sheet, probe frames, hot-zone map, timeline folder
   under ``out_dir/<device>/<app>/``; findings list the files they rest on.

Beside the detectors, the timeline is segmented into stable screens (``harness.segments``): a
transient screen the detector missed is judged as a splash anyway (also when a pop-up after it was
recognised: :func:`missed_splashes`), window tracks start where their screen started, and
``AppResult.coverage`` says what the timeline showed. Launch rules are one
table (:data:`LAUNCH_RULES`: evidence needed + judge) run by one runner.

Every enabled rule of the profile gets exactly one finding. No window and no transient screen →
every rule is ``not_applicable`` with the reason (an unrecognised layer: ``needs_review``). A probe that crashes becomes ``not_run`` with the error; a
:class:`~harness.device.DeviceError` (dead session, unreachable server) propagates so the caller
can retry the app once.

``python -m harness.check --bench`` runs the demo gallery on the local default device and prints
seconds per app, launches and the hot-zone error against each demo's true hot-zone fraction.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from detectors.model import Box, Finding, FrameAnalysis, Outcome
from detectors.profiles import Profile, load_profile
from detectors.registry import RULES
from harness.device import AppResult, AppSpec, Device, DeviceError
from harness.probes import (CloseProbe, HotZoneProbe, ShakeProbe, draw_hot_zone, gentle_shake, matcher_for,
                            probe_close, probe_hot_zone, probe_shake, window_detector)
from harness.timeline import REAL_CLOCK, Clock, record_launch, save_timeline
from harness.segments import (COVERAGE_NO_TRANSIENT, SEGMENT_MAX_CHANGED, Segment, Segmentation, changed_share,
                               control_onset, coverage, draw_segment_strip, segment_timeline)
from harness.tracking import WindowTrack, control_min_confidence, frame_signature, primary_track, track_timeline

__all__ = ["check_app", "CheckOptions", "local_stack", "main"]

# Frames in the contact sheet of a timeline (evenly spread over the distinct frames).
CONTACT_SHEET_FRAMES = 12
# Contact-sheet thumbnails are scaled to this width (px) before tiling.
CONTACT_THUMB_WIDTH = 240

# A splash still up when the recording stops is watched until it has been up max_duration + this (s).
WATCH_MARGIN_S = 0.5
WATCH_POLL_S = 0.1

# A transient screen judged without a recognised window: the window's confidence, and the shortest
# showing (s) on which a missing close control is a violation (shorter: needs_review).
TEMPORAL_WINDOW_CONFIDENCE = 0.6
TEMPORAL_MIN_SPLASH_S = 1.0
# Rules whose violation on a layer judged from the timeline, with no close control found in it, is
# only needs_review: the layer may not be a pop-up at all (a toast, a banner, a tooltip).
LAYER_DOUBTFUL_RULES = ("close-button-present", "close-button-delay")
# A window the pixels call a pop-up with a confidence below this is weak evidence: when the timeline shows
# it is the first screen, has no close control and stays, the temporal evidence decides (app's own screen).
WEAK_WINDOW_CONFIDENCE = 0.6
# A full-screen first screen without close control still there this long after launch (s) is the app's own.
STAYS_WATCH_S = 12.0

Progress = Callable[[str], None]


@dataclasses.dataclass
class CheckOptions:
    """Knobs of :func:`check_app` (defaults: the local default's budget of ≈ 30 s device time per app)."""

    duration_s: float = 6.0
    fps: float = 5.0
    quiet_s: float = 3.0
    """After the recording, keep watching until the screen has not changed for this long (a pop-up
    that comes 1-3 s after the home screen, after a splash that ended late in the recording) ..."""
    max_duration_s: float = 10.0
    """... but not beyond this many seconds after the launch (an animated home screen never rests)."""
    hot_zone_launches: int = 8
    hot_zone_taps: int = 30
    probes: bool = True
    save_timeline: bool = True
    detect_in_probes: bool = True
    """Probes also ask the window detector whether a changed window is still there."""
    keep_frames: bool = False
    """Lossless PNG timeline frames and evidence (≈ 5 MB per app); default JPEG evidence and WebP
    frames (≈ 1 MB per app, see ``harness.media``)."""

    @property
    def image_ext(self) -> str:
        """Suffix of the evidence stills: ``png`` with ``keep_frames``, else ``jpg``."""
        return "png" if self.keep_frames else "jpg"


def check_app(device: Device, app: AppSpec, *, profile: Profile | str | None, out_dir: str | Path,
              progress: Progress | None = None, reader: Any = None, options: CheckOptions | None = None,
              clock: Clock | None = None, analyze: Callable[..., Any] | None = None) -> AppResult:
    """Run every enabled rule of ``profile`` on ``app`` on a started ``device``.

    Parameters
    ----------
    device : Device
        Started device (the caller owns its session).
    app : AppSpec
        App under test.
    profile : Profile or str or None
        Rule profile (object, name or YAML path); None: the default.
    out_dir : path
        Evidence root; this run writes under ``out_dir/<device>/<app>/``.
    progress : callable(str), optional
        Receives one line per step (with its seconds).
    reader : TextReader, optional
        OCR reader (shared across apps: it caches); None: a lazy :class:`detectors.ocr.TextReader`.
    analyze : callable, optional
        Frame analyser (tests); default :func:`detectors.analyze.analyze_frame`.

    Raises
    ------
    DeviceError
        The device failed; the caller may retry once.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    opts = options or CheckOptions()
    clk = clock or REAL_CLOCK
    say = progress or (lambda s: None)
    dev_name = str(getattr(device, "name", "device"))
    folder = Path(out_dir) / _safe(dev_name) / _safe(app.id)
    folder.mkdir(parents=True, exist_ok=True)
    result = AppResult(device=dev_name, app=app.id)
    tm = result.timings_s
    if reader is None:
        reader = _default_reader()

    def step(name: str, t0: float, device_time: bool = True) -> None:
        tm[name] = round(clk.now() - t0, 3)
        if device_time:
            tm["device_s"] = round(tm.get("device_s", 0.0) + tm[name], 3)
        say(f"{dev_name}/{app.id}: {name} {tm[name]:.1f} s")

    # 1. launch timeline
    t0 = clk.now()
    # (a fast capture that lost the first paints is recorded again by polling: record_launch)
    timeline = record_launch(device, app, duration_s=opts.duration_s, fps=opts.fps, clock=clk)
    # The second line of evidence: how the screen changed (stable screens, transitions without input).
    segmentation = segment_timeline(timeline)
    if watch_until_quiet(device, timeline, quiet_s=opts.quiet_s, until_s=opts.max_duration_s, clock=clk):
        segmentation = segment_timeline(timeline)
    step("timeline", t0)
    result.artifacts["timeline_fps"] = str(timeline.meta.get("fps"))

    # 2. detectors + tracking
    t0 = clk.now()
    stats: dict[str, float] = {}
    tracks, analyses = track_timeline(timeline, profile=prof, reader=reader, analyze=analyze, stats=stats)
    step("analysis", t0, device_time=False)
    result.artifacts["analysed_frames"] = f"{int(stats.get('analysed', 0))}/{len(timeline.frames)}"
    result.artifacts["segments"] = json.dumps(segmentation.to_json())
    for t in tracks:
        align_to_segment(t, segmentation, timeline)
    crash = next((f.reason for a in analyses for f in a.findings
                  if f.outcome is Outcome.NOT_RUN and f.reason and "crashed" in f.reason), None)
    track = primary_track(tracks)
    temporal: Segment | None = None
    if track is None and not crash and segmentation.transient():
        # No window recognised, but the timeline shows a screen that went away by itself before
        # the app's own screen: judge it as a splash anyway (no silent pass).
        temporal = segmentation.transient()[0]
        track = temporal_track(timeline, temporal, profile=prof, reader=reader, analyze=analyze)
        tracks = [track]
    layer: tuple[Segment, Box] | None = None
    if track is None and not crash:
        app_screen = segmentation.first_app_screen()
        layer = segmentation.layer_segment(app_screen) if app_screen is not None else None
        if layer is not None:
            # No window recognised, but a layer came over the app's first screen without input (a
            # pop-up over a frosted backdrop the pixels did not take for a scrim): judge the layer
            # as a pop-up; its controls are searched in the layer's box.
            temporal = layer[0]
            track = temporal_track(timeline, layer[0], profile=prof, reader=reader, analyze=analyze,
                                   box=layer[1], kind="card")
            tracks = [track]
    missed: list[Segment] = []
    missed_layer: tuple[Segment, Box] | None = None
    if track is not None and temporal is None and not crash:
        # A splash the pixels missed before a recognised pop-up (开屏 → 首页弹窗): judged from the
        # timeline as one more window; the recognised window stays the one the probes act on.
        missed = missed_splashes(segmentation, tracks)
        tracks += [_timeline_window(timeline, seg, None, profile=prof, reader=reader, analyze=analyze)
                   for seg in missed]
        # ... and a pop-up the pixels missed over the app's screen (a frosted backdrop), likewise.
        missed_layer = missed_layer_over_app(segmentation, tracks)
        if missed_layer is not None:
            tracks.append(_timeline_window(timeline, *missed_layer, profile=prof, reader=reader, analyze=analyze))
    result.coverage = coverage(segmentation, windows=len(tracks) if temporal is None else 0,
                               missed_transient=len(missed), layer_judged=layer is not None,
                               missed_layer=missed_layer is not None)
    if track is not None and prof.enabled("splash-duration"):
        t0 = clk.now()
        if _extend_watch(device, timeline, analyses, track, prof, clk,
                         window_detector(timeline.density, status_bar=bool(timeline.meta.get("status_bar", True))) if opts.detect_in_probes else None):
            step("watch_longer", t0)
    stays = track is not None and temporal is None and _first_screen_stays(track, tracks, segmentation)
    if stays:
        t0 = clk.now()
        _extend_watch(device, timeline, analyses, track, prof, clk, None, until_t=STAYS_WATCH_S)
        step("watch_longer", t0)
        stays = not track.ended  # gone after all: a splash without a close control, judged below
    if stays:
        result.coverage = COVERAGE_NO_TRANSIENT
    if opts.save_timeline:
        t0 = clk.now()
        _save_timeline_bounded(timeline, folder / "timeline", opts)
        result.artifacts["timeline"] = str(folder / "timeline")
        step("save_timeline", t0, device_time=False)

    findings: dict[str, Finding] = {}
    evidence: dict[str, list[str]] = {}
    enabled = [r for r in RULES if prof.enabled(r)]
    sheet = _write_contact_sheet(timeline, analyses, tracks, folder, segmentation, ext=opts.image_ext)
    if sheet:
        result.artifacts["contact_sheet"] = sheet
    animation = _write_animation(timeline, analyses, folder)
    if animation:
        result.artifacts["animation"] = animation

    if track is None:
        reason, judge = _no_window_policy(segmentation, crash, timeline, opts)
        if crash:
            result.coverage = "detectors failed"
        for rid in enabled:
            findings[rid] = judge(rid, reason, prof)
            if sheet:
                evidence.setdefault(rid, []).append(sheet)
    elif stays:
        # A full-screen picture with no close control that is the first screen and still there after
        # STAYS_WATCH_S: the app's own screen (a game lobby, an immersive home), not a splash or pop-up.
        key_path = _write_annotated(timeline.frames[track.key_index].image, track.analysis, folder / f"key_frame.{opts.image_ext}")
        result.artifacts["key_frame"] = key_path
        why = (f"no splash or pop-up: the detector saw a {track.kind} window without a close control "
               f"(confidence {track.analysis.window.confidence if track.analysis.window else 0:.2f}), but it is the "
               f"timeline's first stable screen and still there {track.last_t:.1f} s after launch (no transient "
               f"screen before it, nothing layered over it): the app's own screen")
        for rid in enabled:
            findings[rid] = _not_applicable(rid, why, prof)
            evidence.setdefault(rid, []).extend([key_path] + ([sheet] if sheet else []))
    else:
        _judge_track(device, app, track, timeline, prof, opts, clk, folder, findings, evidence, result, say, step,
                     reader, tracks)
        if temporal is not None:
            for rid, f in list(findings.items()):
                findings[rid] = temporal_finding(f, temporal, layer=layer[1] if layer else None,
                                                 control_found=track.control is not None)

    # Every enabled rule gets exactly one finding.
    for rid in enabled:
        if rid not in findings:
            findings[rid] = _not_run(rid, "not evaluated in this run", prof)
    result.findings = {rid: _with_evidence(findings[rid], evidence.get(rid, [])) for rid in enabled}
    _write_result_json(result, folder, tracks)
    return result


@dataclasses.dataclass
class _Judging:
    """Everything a launch rule's judge may read, and where findings and evidence go.

    Probes run lazily, once per kind (:meth:`probe`), with crash isolation: a crashing probe is
    a ``ran=False`` result with the error (its rules become ``not_run``); a
    :class:`~harness.device.DeviceError` propagates (the caller retries the app).
    """

    device: Device
    app: AppSpec
    track: WindowTrack
    tracks: list[WindowTrack]
    timeline: Any
    prof: Profile
    opts: CheckOptions
    clk: Clock
    folder: Path
    result: AppResult
    step: Callable[..., None]
    findings: dict[str, Finding]
    evidence: dict[str, list[str]]
    key_img: np.ndarray
    key_path: str
    detect: Callable[[np.ndarray], Any] | None
    probes: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def sheet(self) -> str | None:
        return self.result.artifacts.get("contact_sheet")

    def add_evidence(self, rule_id: str, *paths: str | None) -> None:
        self.evidence.setdefault(rule_id, []).extend(p for p in paths if p)

    def probe(self, kind: str) -> Any:
        if kind not in self.probes:
            run, failed = PROBES[kind]
            t0 = self.clk.now()
            try:
                self.probes[kind] = run(self)
            except DeviceError:
                raise
            except Exception as exc:  # noqa: BLE001 - a crashing probe is a not_run finding, the run goes on
                self.probes[kind] = failed(ran=False, reason=f"{kind.replace('_', '-')} probe failed: {_err(exc)}")
            self.step(kind, t0)
        return self.probes[kind]


# ----------------------------------------------------------------------------- probes (evidence)

def _run_close(j: _Judging) -> CloseProbe:
    p = j.prof
    close = probe_close(j.device, j.app, j.track, j.key_img,
                        max_close_time_s=_value(p, "close-button-works", "max_close_time", 1.0),
                        watch_s=_value(p, "popup-reappears", "watch_time", 3.0) if p.enabled("popup-reappears") else 0.0,
                        clock=j.clk, detect=j.detect)
    j.result.artifacts["close_probe"] = json.dumps(_close_json(close))
    if close.after_image is not None:
        j.result.artifacts["after_close_tap"] = _write_image(j.folder / f"after_close_tap.{j.opts.image_ext}", close.after_image,
                                                               _probe_side(j.opts))
    if close.reappear_image is not None:
        j.result.artifacts["reappeared"] = _write_image(j.folder / f"reappeared.{j.opts.image_ext}", close.reappear_image,
                                                           _probe_side(j.opts))
    return close


def _run_hot_zone(j: _Judging) -> HotZoneProbe:
    frames = j.timeline.frames
    tree = frames[j.track.key_index].ui_tree or next(
        (frames[i].ui_tree for i in j.track.frame_indices if frames[i].ui_tree), None)
    shake = j.probes.get("shake")
    handover = getattr(shake, "launch", None)  # the shake ran first and left the window up
    if shake is not None:
        shake.launch = None  # one use
    hz = probe_hot_zone(j.device, j.app, j.track, j.key_img, max_launches=j.opts.hot_zone_launches,
                        max_taps=j.opts.hot_zone_taps, density=j.timeline.density, clock=j.clk, ui_tree=tree,
                        detect=j.detect, launch=handover)
    j.result.artifacts["hot_zone"] = json.dumps(_hot_json(hz))
    if hz.ran and hz.fraction is not None:
        j.result.artifacts["hot_zone_map"] = _write_image(j.folder / f"hot_zone.{j.opts.image_ext}",
                                                         draw_hot_zone(j.key_img, hz), _probe_side(j.opts))
    return hz


def _run_shake(j: _Judging) -> ShakeProbe:
    return probe_shake(j.device, j.app, j.track, j.key_img, spec=gentle_shake(j.prof), clock=j.clk, detect=j.detect)


PROBES: dict[str, tuple[Callable[[_Judging], Any], Callable[..., Any]]] = {
    "close": (_run_close, CloseProbe),
    "hot_zone": (_run_hot_zone, HotZoneProbe),
    "shake": (_run_shake, ShakeProbe),
}
"""Probe kind → (run on the device, result type for a crashed run). Timed as a step of that name."""


# ----------------------------------------------------------------------------- judges

def _judge_frame_rules(j: _Judging) -> None:
    """present / size / contrast / placement from the key frame's analysis of every window of the
    launch ("every splash/pop-up window" must have a findable close control): a rule keeps its
    worst finding, with the window named."""
    for f in j.track.analysis.findings:
        if f.rule in j.findings and f.outcome.rank <= j.findings[f.rule].outcome.rank:
            continue
        j.findings[f.rule] = f
    for rid in FRAME_RULES:
        j.add_evidence(rid, j.key_path)
    for n, other in enumerate(_other_windows(j)):
        other_key = _write_annotated(j.timeline.frames[other.key_index].image, other.analysis,
                                     j.folder / f"key_frame_window{n + 2}.{j.opts.image_ext}")
        j.result.artifacts[f"key_frame_window{n + 2}"] = other_key
        for rid, f in worse_findings(j.findings, list(other.analysis.findings), where=_where(other)):
            j.findings[rid] = f
            j.evidence[rid] = [other_key] + ([j.sheet] if j.sheet else [])


def _other_windows(j: _Judging) -> list[WindowTrack]:
    return [t for t in j.tracks if t is not j.track and len(t.frame_indices) > 1]


def _where(t: WindowTrack) -> str:
    return f"{t.kind} window at {t.first_t:.1f} s"


def _judge_delay(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "close-button-delay"
    f = _safe_judge(rid, j.prof, lambda: R.judge_delay(j.track.delay_s, profile=j.prof,
                                                       box=j.track.control.box if j.track.control else None))
    j.add_evidence(rid, j.key_path, j.sheet)
    for other in _other_windows(j):
        g = _safe_judge(rid, j.prof, lambda o=other: R.judge_delay(o.delay_s, profile=j.prof,
                                                                   box=o.control.box if o.control else None))
        for _, worse in worse_findings({rid: f}, [g], where=_where(other)):
            f = worse
    return f


def _judge_duration(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "splash-duration"
    j.add_evidence(rid, j.sheet)
    # The splash is the full-screen window of the launch: the primary one, or else the first seen.
    splash = j.track if j.track.kind == "fullscreen" else next(
        (t for t in j.tracks if t.kind == "fullscreen" and len(t.frame_indices) > 1), None)
    if splash is None:
        return _not_applicable(rid, f"the window is a {j.track.kind} pop-up, not a splash screen", j.prof)
    return _safe_judge(rid, j.prof, lambda: R.judge_duration(round(splash.visible_s, 3), splash.ended, profile=j.prof))


def _judge_works(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "close-button-works"
    close: CloseProbe = j.probe("close")
    j.add_evidence(rid, j.key_path, j.result.artifacts.get("after_close_tap"))
    if not close.ran:
        return _not_run(rid, close.reason or "not run", j.prof)
    closed = close.closed
    if close.ambiguous and close.taps > 1:
        closed = False  # gone after the second tap, just when it ends on its own: the taps did not close it
    cbox = j.track.control.box if j.track.control else None
    f = _safe_judge(rid, j.prof, lambda: R.judge_works(closed, close.jumped, close.close_time_s, close.taps,
                                                       profile=j.prof, box=cbox))
    if close.ambiguous and f.outcome == Outcome.PASS:
        f = dataclasses.replace(f, outcome=Outcome.NEEDS_REVIEW, reason=close.ambiguous)
    return f


def _judge_reappears(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "popup-reappears"
    close: CloseProbe = j.probe("close")
    j.add_evidence(rid, j.result.artifacts.get("reappeared") or j.result.artifacts.get("after_close_tap"))
    if close.reappeared is None:
        why = close.reason if not close.ran else (
            "the close tap jumped to the ad, so there was no closed window to watch" if close.jumped else
            "the window did not close, so there was no closed window to watch")
        return _not_run(rid, why or "not run", j.prof)
    return _safe_judge(rid, j.prof, lambda: R.judge_reappears(close.reappeared, close.reappear_after_s, profile=j.prof))


def _judge_hot_zone(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "fullscreen-jump-link"
    hz: HotZoneProbe = j.probe("hot_zone")
    if hz.ran and hz.fraction is not None:
        j.add_evidence(rid, j.result.artifacts.get("hot_zone_map"))
        return _safe_judge(rid, j.prof, lambda: R.judge_hot_zone(hz.screen_fraction, hz.screen_uncertainty,
                                                                 len(hz.probes), profile=j.prof, box=j.track.box))
    if rid not in j.findings:
        return _not_run(rid, hz.reason or "not run", j.prof)
    # Keep the static cue of the key frame, saying why the probes did not decide; a cue alone
    # never passes the rule (only taps can show where the picture jumps).
    f = j.findings[rid]
    outcome = Outcome.NEEDS_REVIEW if f.outcome is Outcome.PASS else f.outcome
    return dataclasses.replace(f, outcome=outcome, reason=f"{f.reason or ''}; tap probes not run: {hz.reason}".lstrip("; "))


def _judge_shake(j: _Judging) -> Finding:
    from detectors import rules as R
    rid = "shake-sensitivity"
    sh: ShakeProbe = j.probe("shake")
    if not sh.ran:
        return _not_run(rid, sh.reason or "not run", j.prof)
    if sh.after_image is not None:
        j.add_evidence(rid, _write_image(j.folder / f"after_shake.{j.opts.image_ext}", sh.after_image, _probe_side(j.opts)))
    return _safe_judge(rid, j.prof, lambda: R.judge_shake(sh.jumped, sh.spec_measured(), profile=j.prof))


@dataclasses.dataclass(frozen=True)
class LaunchRule:
    """A rule judged over a launch: the evidence it needs and its judge.

    ``needs``: ``frame`` (the key frames' analyses), ``segment`` (the window's time span in the
    timeline), or ``probe:<kind>`` (a device probe of :data:`PROBES`, run once for all its rules).
    """

    needs: str
    judge: Callable[[_Judging], Finding | None]


FRAME_RULES = ("close-button-present", "close-button-size", "close-button-contrast", "close-button-placement")

LAUNCH_RULES: dict[str, LaunchRule] = {
    **{rid: LaunchRule("frame", lambda j: None) for rid in FRAME_RULES},  # judged together, see _judge_frame_rules
    "close-button-delay": LaunchRule("segment", _judge_delay),
    "splash-duration": LaunchRule("segment", _judge_duration),
    "close-button-works": LaunchRule("probe:close", _judge_works),
    "popup-reappears": LaunchRule("probe:close", _judge_reappears),
    "shake-sensitivity": LaunchRule("probe:shake", _judge_shake),
    "fullscreen-jump-link": LaunchRule("probe:hot_zone", _judge_hot_zone),
}
"""Rule id → what it needs and its judge, in the order they run (probes in that order on the device;
the shake before the hot zone, whose first taps go into the shake's launch when the window is still up)."""


def _judge_track(device: Device, app: AppSpec, track: WindowTrack, timeline: Any, prof: Profile, opts: CheckOptions,
                 clk: Clock, folder: Path, findings: dict[str, Finding], evidence: dict[str, list[str]],
                 result: AppResult, say: Progress, step: Callable[..., None], reader: Any,
                 tracks: list[WindowTrack]) -> None:
    """The one runner of the launch rules: frame rules from the analyses, then each enabled
    :data:`LAUNCH_RULES` entry with its evidence; a judge that crashes is ``not_run`` with the error."""
    key_img = timeline.frames[track.key_index].image
    key_path = _write_annotated(key_img, track.analysis, folder / f"key_frame.{opts.image_ext}")
    result.artifacts["key_frame"] = key_path
    detect = window_detector(timeline.density, status_bar=bool(timeline.meta.get("status_bar", True))) \
        if opts.detect_in_probes else None
    j = _Judging(device=device, app=app, track=track, tracks=tracks, timeline=timeline, prof=prof, opts=opts,
                 clk=clk, folder=folder, result=result, step=step, findings=findings, evidence=evidence,
                 key_img=key_img, key_path=key_path, detect=detect)
    _judge_frame_rules(j)
    for rid, rule in LAUNCH_RULES.items():
        if rule.needs == "frame" or not prof.enabled(rid):
            continue
        if rule.needs.startswith("probe:") and not opts.probes:
            continue
        try:
            f = rule.judge(j)
        except DeviceError:
            raise
        except Exception as exc:  # noqa: BLE001 - a judge bug must not sink the other rules
            f = _not_run(rid, f"judging failed: {_err(exc)}", prof)
        if f is not None:
            findings[rid] = f


def _no_window_policy(seg: Segmentation, crash: str | None, timeline: Any, opts: CheckOptions
                      ) -> tuple[str, Callable[[str, str, Profile], Finding]]:
    """Reason and outcome for every window rule when no window (pixels or timeline) was judged.

    ``not_applicable`` only when the timeline shows the first stable screen is the app's own
    (no transient screen, nothing layered over it); a layer the detector did not recognise is
    ``needs_review``; a crashed detector ``not_run``.
    """
    if crash:
        # A detector that crashed saw nothing: that is not "no window" (which would pass the app).
        return f"the detectors failed on this timeline: {crash}", _not_run
    app = seg.first_app_screen()
    layer = seg.layer_over(app) if app is not None else None
    if layer is not None:
        return (f"a layer appeared over the first screen (box {list(layer)}) but no window was recognised "
                f"on it; look at the contact sheet", _needs_review)
    n_screens = len(seg.content())
    return (f"no splash or pop-up: the timeline's first stable screen is the app's own "
            f"({n_screens} stable screen{'s' if n_screens != 1 else ''}, no transient screen, nothing layered "
            f"over it) and no window was recognised in the first "
            f"{timeline.meta.get('duration_s', opts.duration_s)} s ({len(timeline.frames)} frames)"), _not_applicable


def align_to_segment(track: WindowTrack, seg: Segmentation, timeline: Any) -> None:
    """Start a window track where its stable screen started (in place).

    A segment is one screen (≤ SEGMENT_MAX_CHANGED of it changes), so a window recognised in a
    later frame of it was there from the segment's first frame; the close control is dated again
    over the longer span.
    """
    first = track.frame_indices[0] if track.frame_indices else None
    own = seg.segment_at(first) if first is not None else None
    if own is None or own.blank or own.start >= first:
        return
    early = [i for i in range(own.start, first)]
    track.frame_indices[:0] = early
    track.first_t = timeline.frames[own.start].t
    c = track.control
    if c is not None and track.control_first_t is not None:
        found = next((i for i in track.frame_indices if timeline.frames[i].t >= track.control_first_t), first)
        onset = control_onset([f.image for f in timeline.frames], c.box, found, own.start)
        track.control_first_t = timeline.frames[onset].t


def _first_screen_stays(track: WindowTrack, tracks: list[WindowTrack], seg: Segmentation) -> bool:
    """The only window has no close control, never went away, and is the timeline's first stable
    content screen (no transient screen before it, it did not come as a layer over another screen);
    and the pixels call it full-screen, or a pop-up with confidence under WEAK_WINDOW_CONFIDENCE
    (the temporal evidence then outweighs a weak pixel call: a game lobby's framed art is not a
    pop-up)."""
    if track.control is not None or track.ended:
        return False
    if track.kind != "fullscreen" and track.analysis.window is not None and \
            track.analysis.window.confidence >= WEAK_WINDOW_CONFIDENCE:
        return False  # a clear pop-up the pixels are sure of: judged as one
    if any(t is not track and len(t.frame_indices) > 1 for t in tracks) or seg.transient():
        return False
    content = seg.content()
    own = seg.segment_at(track.key_index)
    return bool(content) and own is not None and own == content[0] and not own.ended


def missed_splashes(seg: Segmentation, tracks: Sequence[WindowTrack]) -> list[Segment]:
    """Transient screens (splash candidates) that no recognised window covers, before the first one.

    Only screens that ended before the first recognised window appeared and that are not the screen
    right under it (a pop-up whose layer the segmentation did not see — a blurred backdrop — leaves
    the home screen looking transient); when that window is full-screen, the app's own screen must
    lie between them: a video splash whose first scenes the pixels missed and whose later part they
    recognised is one splash, not several (its segments are consecutive transient screens).
    """
    solid = [t for t in tracks if len(t.frame_indices) > 1]
    if not solid:
        return []
    first = min(solid, key=lambda t: t.first_t)
    covered = {i for t in solid for i in t.frame_indices}
    transient = seg.transient()
    trans_ids = {(s.start, s.end) for s in transient}
    out = []
    for s in transient:
        if s.t_end is None or s.t_end > first.first_t + 1e-6 or covered.intersection(s.indices):
            continue
        between = [c for c in seg.content() if c.start > s.end and c.t_start < first.first_t - 1e-6]
        app_screen_between = any((c.start, c.end) not in trans_ids for c in between)
        if between and (app_screen_between or first.kind != "fullscreen"):
            out.append(s)
    return out


def missed_layer_over_app(seg: Segmentation, tracks: Sequence[WindowTrack]) -> tuple[Segment, Box] | None:
    """The layer over the app's first screen (its screen and box) when no recognised window covers it.

    A recognised window "covers" the layer when its frames reach into the layer's screen or its box
    overlaps the layer's box by half of the smaller one: a recognised pop-up is that layer.
    """
    app_screen = seg.first_app_screen()
    found = seg.layer_segment(app_screen) if app_screen is not None else None
    if found is None:
        return None
    lseg, box = found
    for t in tracks:
        if len(t.frame_indices) > 1 and set(t.frame_indices).intersection(lseg.indices):
            return None
        ix = max(0, min(t.box[2], box[2]) - max(t.box[0], box[0]))
        iy = max(0, min(t.box[3], box[3]) - max(t.box[1], box[1]))
        smaller = min((t.box[2] - t.box[0]) * (t.box[3] - t.box[1]), (box[2] - box[0]) * (box[3] - box[1]))
        if smaller > 0 and ix * iy >= 0.5 * smaller and t.first_t >= lseg.t_start - 0.5:
            return None
    return found


def temporal_track(timeline: Any, seg: Segment, *, profile: Profile, reader: Any = None,
                   analyze: Callable[..., Any] | None = None, box: Box | None = None,
                   kind: str = "fullscreen") -> WindowTrack:
    """A :class:`WindowTrack` for a screen of the timeline that the window detector did not recognise.

    The window is the whole screen (kind ``fullscreen``: a transient screen judged as a splash)
    or ``box`` (a layer over the app's screen, judged as a ``kind`` pop-up), shown from the
    segment's first frame until the next stable screen; the key frame (the segment's middle
    frame) is analysed with that window given, so close controls are searched and measured in
    it; a control found is dated back through the segment (:func:`harness.segments.control_onset`).
    """
    from detectors.model import Window
    if analyze is None:
        from detectors.analyze import analyze_frame as analyze
    frame = timeline.frames[seg.key]
    h, w = frame.image.shape[:2]
    box = tuple(int(v) for v in box) if box is not None else (0, 0, w, h)  # type: ignore[assignment]
    window = Window(box=box, kind=kind, confidence=TEMPORAL_WINDOW_CONFIDENCE,  # type: ignore[arg-type]
                    cues={"temporal": {"t_start": seg.t_start, "t_end": seg.t_end}})
    tree = frame.ui_tree or next((timeline.frames[i].ui_tree for i in seg.indices if timeline.frames[i].ui_tree),
                                 None)
    analysis = analyze(frame.image, density=timeline.density, profile=profile, ui_tree=tree, reader=reader,
                       status_bar_expected=bool(timeline.meta.get("status_bar", True)), window=window)
    if analysis.window is None:  # an analyser that ignores the hint (tests): keep the timeline's window
        analysis = dataclasses.replace(analysis, window=window)
    min_conf = control_min_confidence(profile)
    found = [c for c in analysis.controls if c.confidence >= min_conf]
    control_t = None
    if found:
        best = max(found, key=lambda c: c.confidence)
        onset = control_onset([f.image for f in timeline.frames], best.box, seg.key, seg.start)
        control_t = timeline.frames[onset].t
    return WindowTrack(first_t=seg.t_start, last_t=seg.last_t, ended=seg.ended, kind=kind,
                       box=box, control_first_t=control_t, analysis=analysis, key_index=seg.key,
                       end_t=seg.t_end, frame_indices=list(seg.indices), control_frames=len(seg.indices) if found else 0,
                       min_control_confidence=min_conf)


def _timeline_window(timeline: Any, seg: Segment, layer: Box | None, *, profile: Profile, reader: Any,
                     analyze: Callable[..., Any] | None) -> WindowTrack:
    """One more window judged from the timeline beside recognised ones: a missed splash (``layer``
    None) or a missed layer (its box, judged as a card); its frame findings say so
    (:func:`temporal_finding`)."""
    track = temporal_track(timeline, seg, profile=profile, reader=reader, analyze=analyze, box=layer,
                           kind="fullscreen" if layer is None else "card")
    found = track.control is not None
    track.analysis = dataclasses.replace(track.analysis, findings=tuple(
        temporal_finding(f, seg, layer=layer, control_found=found) for f in track.analysis.findings))
    return track


def temporal_finding(f: Finding, seg: Segment, *, layer: Box | None = None, control_found: bool = True) -> Finding:
    """A finding judged on a screen of the timeline, saying so.

    A transient screen (``layer`` None): a violation on a screen shown under TEMPORAL_MIN_SPLASH_S
    is only ``needs_review`` (a page still building up looks the same). A layer over the app's
    screen (``layer`` its box) in which no close control was found (``control_found`` False):
    "no close control" (LAYER_DOUBTFUL_RULES) is only ``needs_review`` — a toast, a banner or a
    tooltip is a layer too; what was measured on a control found in it, or probed, stands.
    """
    end = seg.t_end if seg.t_end is not None else seg.last_t
    outcome = f.outcome
    if layer is not None:
        where = (f"judged from the timeline: a layer ({', '.join(str(int(v)) for v in layer)}) came over the app's "
                 f"screen at {seg.t_start:.1f} s without input, and the window detector did not recognise it")
        if outcome is Outcome.VIOLATION and not control_found and f.rule in LAYER_DOUBTFUL_RULES:
            outcome = Outcome.NEEDS_REVIEW
            where += "; no close control was found in it, and a layer need not be a pop-up"
    else:
        where = (f"judged from the timeline: a full-screen picture shown {seg.t_start:.1f}–{end:.1f} s went away "
                 f"without input before the app's screen, and the window detector did not recognise it")
        if outcome is Outcome.VIOLATION and seg.duration_s < TEMPORAL_MIN_SPLASH_S:
            outcome = Outcome.NEEDS_REVIEW
            where += f"; shown only {seg.duration_s:.1f} s (< {TEMPORAL_MIN_SPLASH_S:g} s)"
    if f.outcome is Outcome.NOT_APPLICABLE:
        return f
    return dataclasses.replace(f, outcome=outcome, reason=f"{f.reason}; {where}" if f.reason else where)


def quiet_since(timeline: Any) -> float | None:
    """Time (s since launch) from which the timeline's screen has stayed the same, None without frames.

    Walks back from the last frame while frames show the same screen as the last one (at most
    SEGMENT_MAX_CHANGED of the downscaled pixels changed, the segmentation's own test).
    """
    frames = timeline.frames
    if not frames:
        return None
    last = frame_signature(frames[-1].image)
    k = len(frames) - 1
    while k > 0 and changed_share(frame_signature(frames[k - 1].image), last) <= SEGMENT_MAX_CHANGED:
        k -= 1
    return float(frames[k].t)


def watch_until_quiet(device: Device, timeline: Any, *, quiet_s: float, until_s: float, clock: Clock) -> bool:
    """Continue a recorded launch with screenshots until its screen has rested ``quiet_s`` seconds.

    A launch whose screen changed shortly before the recording stopped (a splash that ended at
    5 s of a 6 s recording) may still be about to show a pop-up over the home screen; cutting it
    there would pass the pop-up silently. The app is still running the recorded launch, so
    screenshots continue its timeline (frames appended in place, ``meta["watched_until_quiet_s"]``
    records the extra seconds) until the screen has not changed for ``quiet_s`` or ``until_s``
    seconds after launch. Returns True when frames were added.
    """
    t_launch = timeline.meta.get("t0_clock")
    since = quiet_since(timeline)
    if since is None or not isinstance(t_launch, (int, float)):
        return False
    from harness.device import Frame

    end0 = timeline.frames[-1].t
    if end0 - since >= quiet_s or end0 >= until_s:
        return False
    ref = frame_signature(timeline.frames[-1].image)
    added = 0
    while True:
        c0 = clock.now()
        if c0 - t_launch >= until_s:
            break
        img = device.screenshot()
        t = round((c0 + clock.now()) / 2 - t_launch, 4)
        timeline.frames.append(Frame(t=t, image=img))
        added += 1
        sig = frame_signature(img)
        if changed_share(sig, ref) > SEGMENT_MAX_CHANGED:
            since, ref = t, sig  # something changed (a pop-up came): rest from here
        if t - since >= quiet_s:
            break
        clock.sleep(WATCH_POLL_S)
    if added:
        timeline.meta["watched_until_quiet_s"] = round(timeline.frames[-1].t - end0, 3)
        timeline.meta["frames"] = len(timeline.frames)
    return added > 0


def _extend_watch(device: Device, timeline: Any, analyses: list[Any], track: WindowTrack, prof: Profile, clk: Clock,
                  detect: Callable[[np.ndarray], Any] | None, *, until_t: float | None = None) -> bool:
    """Keep watching a splash that was still up when the recording stopped, until splash-duration can decide.

    The app is still running the recorded launch: screenshots continue its timeline until the
    window goes away or has been up ``max_duration`` + WATCH_MARGIN_S (or until ``until_t`` s after
    launch when given). The track is updated in
    place; new frames join the timeline (their analyses are the key frame's or none). Returns
    True when it watched.
    """
    t_launch = timeline.meta.get("t0_clock")
    if track.ended or (track.kind != "fullscreen" and until_t is None) or not isinstance(t_launch, (int, float)):
        return False
    target = until_t if until_t is not None else (
        track.first_t + _value(prof, "splash-duration", "max_duration", 5.0) + WATCH_MARGIN_S)
    if track.last_t >= target:
        return False
    from harness.device import Frame
    matcher = matcher_for(track, timeline.frames[track.key_index].image, detect)
    gone = FrameAnalysis(width=track.analysis.width, height=track.analysis.height, density=track.analysis.density,
                         density_estimated=track.analysis.density_estimated, window=None)
    while True:
        c0 = clk.now()
        img = device.screenshot()
        t = round((c0 + clk.now()) / 2 - t_launch, 4)
        up = matcher.present(img)
        timeline.frames.append(Frame(t=t, image=img))
        analyses.append(track.analysis if up else gone)
        if up:
            track.last_t = t
            track.frame_indices.append(len(timeline.frames) - 1)
            if t >= target:
                return True
        else:
            track.end_t, track.ended = t, True
            return True
        clk.sleep(WATCH_POLL_S)


# ----------------------------------------------------------------------------- findings helpers

def worse_findings(current: Mapping[str, Finding], candidates: Sequence[Finding], *, where: str
                   ) -> list[tuple[str, Finding]]:
    """The candidates that are worse than the current finding of their rule (by outcome rank).

    Each returned finding's reason says which window it is about (``where``); ties keep the
    current one. Rules with no current finding are left alone (they are not enabled).
    """
    out: dict[str, Finding] = {}
    for f in candidates:
        cur = out.get(f.rule) or current.get(f.rule)
        if cur is None or f.outcome.rank <= cur.outcome.rank:
            continue
        out[f.rule] = dataclasses.replace(f, reason=f"{where}: {f.reason}" if f.reason else where)
    return list(out.items())


def _safe_judge(rule_id: str, prof: Profile, fn: Callable[[], Finding | None]) -> Finding:
    try:
        f = fn()
        return f if f is not None else _not_run(rule_id, "the judge returned nothing", prof)
    except Exception as exc:  # noqa: BLE001 - a judge bug must not sink the other rules
        return _not_run(rule_id, f"judging failed: {_err(exc)}", prof)


def _not_run(rule_id: str, reason: str, prof: Profile) -> Finding:
    try:
        from detectors.rules import not_run
        return not_run(rule_id, reason, profile=prof)
    except Exception:  # noqa: BLE001 - fallback keeps the one-finding-per-rule promise
        return Finding(rule=rule_id, outcome=Outcome.NOT_RUN, impact=RULES[rule_id].impact, reason=reason,
                       confidence=0.0)


def _needs_review(rule_id: str, reason: str, prof: Profile) -> Finding:
    return dataclasses.replace(_not_applicable(rule_id, reason, prof), outcome=Outcome.NEEDS_REVIEW, confidence=0.5)


def _not_applicable(rule_id: str, reason: str, prof: Profile) -> Finding:
    try:
        from detectors.rules import not_applicable
        return not_applicable(rule_id, reason, profile=prof)
    except Exception:  # noqa: BLE001
        return Finding(rule=rule_id, outcome=Outcome.NOT_APPLICABLE, impact=RULES[rule_id].impact, reason=reason)


def _with_evidence(f: Finding, paths: list[str]) -> Finding:
    extra = tuple(p for p in dict.fromkeys(paths) if p and p not in f.evidence)
    return dataclasses.replace(f, evidence=tuple(f.evidence) + extra) if extra else f


def _value(prof: Profile, rule_id: str, key: str, default: float) -> float:
    try:
        return float(prof.value(rule_id, key))
    except KeyError:
        return default


def _err(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return (f"{type(exc).__name__}: {first}" if first else type(exc).__name__)[:300]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "_"


def _default_reader() -> Any:
    try:
        from detectors.ocr import TextReader
        return TextReader()
    except Exception:  # noqa: BLE001 - no OCR: X glyphs only
        return None


# ----------------------------------------------------------------------------- evidence

def _write_image(path: Path, img: np.ndarray, max_side: int | None = None) -> str:
    """Write evidence in the format of ``path``'s suffix (``harness.media``: JPEG/WebP bounded, PNG lossless)."""
    from harness.media import write_image

    return write_image(path, img, max_side=max_side)


def _probe_side(opts: CheckOptions) -> int | None:
    from harness.media import PROBE_MAX_SIDE

    return None if opts.keep_frames else PROBE_MAX_SIDE


def _save_timeline_bounded(timeline: Any, folder: Path, opts: CheckOptions) -> None:
    """PNG frames with ``keep_frames``; else WebP, again at lower quality while over the byte budget."""
    from harness import media

    if opts.keep_frames:
        save_timeline(timeline, folder, fmt="png")
        return
    save_timeline(timeline, folder, fmt="webp")
    for quality in media.TIMELINE_FALLBACK_QUALITIES:
        if media.folder_bytes(folder / "frames") <= media.TIMELINE_FRAMES_BUDGET_B:
            break
        save_timeline(timeline, folder, fmt="webp", quality=quality)  # same names: the files are replaced


def _write_animation(timeline: Any, analyses: list[Any], folder: Path) -> str | None:
    """The launch as a small animated WebP (distinct frames, real time); None when it cannot be made."""
    if not timeline.frames:
        return None
    distinct = [i for i in range(min(len(analyses), len(timeline.frames)))
                if i == 0 or analyses[i] is not analyses[i - 1]] or [0]
    try:
        from harness.media import write_animation

        return write_animation(folder / "timeline.webp", [timeline.frames[i].image for i in distinct],
                               [timeline.frames[i].t for i in distinct])
    except Exception:  # noqa: BLE001 - evidence must not fail a run
        return None


def _write_annotated(img: np.ndarray, analysis: Any, path: Path) -> str:
    try:
        from detectors.evidence import annotate
        out = annotate(img, analysis)
    except Exception:  # noqa: BLE001 - evidence drawing must not fail a run; keep the raw frame
        out = img
    return _write_image(path, out)


def _write_contact_sheet(timeline: Any, analyses: list[Any], tracks: list[WindowTrack], folder: Path,
                        segmentation: Segmentation | None = None, ext: str = "jpg") -> str | None:
    """A grid of up to CONTACT_SHEET_FRAMES distinct frames with their times and window state, and
    under it the segment strip (stable screens and transitions, see :func:`draw_segment_strip`)."""
    import cv2
    if not timeline.frames:
        return None
    distinct = [i for i in range(len(analyses)) if i == 0 or analyses[i] is not analyses[i - 1]]
    if len(distinct) > CONTACT_SHEET_FRAMES:
        idx = np.linspace(0, len(distinct) - 1, CONTACT_SHEET_FRAMES).round().astype(int)
        distinct = [distinct[i] for i in idx]
    keys = {t.key_index for t in tracks}
    images, labels = [], []
    for i in distinct:
        f = timeline.frames[i]
        img = f.image
        scale = CONTACT_THUMB_WIDTH / img.shape[1]
        thumb = cv2.resize(img, (CONTACT_THUMB_WIDTH, max(1, round(img.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
        a = analyses[i]
        state = ("window" + ("+close" if a.controls else "")) if a.window is not None else "-"
        images.append(thumb)
        labels.append(f"t={f.t:.2f}s {state}{' KEY' if i in keys else ''}")
    try:
        from detectors.evidence import contact_sheet
        sheet = contact_sheet(images, labels)
    except Exception:  # noqa: BLE001 - a plain tiling when the evidence module is missing or fails
        sheet = _tile(images, labels)
    if segmentation is not None and segmentation.segments:
        try:
            t_max = max(timeline.frames[-1].t, 0.1)
            strip = draw_segment_strip(segmentation, width=sheet.shape[1], t_max=t_max)
            sheet = np.vstack([sheet, strip])
        except Exception as exc:  # noqa: BLE001 - the strip is a help for reviewers, not a reason to fail
            import warnings
            warnings.warn(f"segment strip not drawn: {_err(exc)}", RuntimeWarning)
    return _write_image(folder / f"contact_sheet.{ext}", sheet)


def _tile(images: list[np.ndarray], labels: list[str], cols: int = 6) -> np.ndarray:
    import cv2
    h = max(i.shape[0] for i in images) + 24
    w = max(i.shape[1] for i in images)
    rows = (len(images) + cols - 1) // cols
    sheet = np.full((rows * h, min(cols, len(images)) * w, 3), 255, np.uint8)
    for k, (img, lab) in enumerate(zip(images, labels)):
        r, c = divmod(k, cols)
        sheet[r * h:r * h + img.shape[0], c * w:c * w + img.shape[1]] = img
        cv2.putText(sheet, lab, (c * w + 4, r * h + h - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def _close_json(p: CloseProbe) -> dict[str, Any]:
    return {k: getattr(p, k) for k in ("ran", "reason", "point", "closed", "jumped", "close_time_s", "taps",
                                       "location_before", "location_after", "reappeared", "reappear_after_s",
                                       "watched_s", "ambiguous", "seconds")}


def _hot_json(p: HotZoneProbe) -> dict[str, Any]:
    return {"ran": p.ran, "reason": p.reason, "fraction": p.fraction, "uncertainty": p.uncertainty,
            "screen_fraction": p.screen_fraction, "screen_uncertainty": p.screen_uncertainty,
            "launches": p.launches, "grid": list(p.grid), "stopped": p.stopped, "seconds": p.seconds,
            "probes": [[round(t.x), round(t.y), t.outcome, t.launch] for t in p.probes]}


def _write_result_json(result: AppResult, folder: Path, tracks: list[WindowTrack]) -> None:
    doc = {"device": result.device, "app": result.app, "error": result.error, "coverage": result.coverage,
           "findings": {k: f.to_json() for k, f in result.findings.items()},
           "artifacts": result.artifacts, "timings_s": result.timings_s,
           "tracks": [t.to_json() for t in tracks]}
    (folder / "result.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str), encoding="utf-8")


# ----------------------------------------------------------------------------- bench CLI

def true_hot_zone(app: AppSpec) -> float | None:
    """The demo's true hot-zone share of the screen (``facts.hot_zone_fraction`` in its expected.yaml)."""
    import yaml
    from urllib.parse import unquote, urlparse
    from harness.webserver import DEMO_ROOT

    candidates = [DEMO_ROOT / app.id / "expected.yaml"]
    if app.url and app.url.startswith("file://"):
        candidates.insert(0, Path(unquote(urlparse(app.url).path)).parent / "expected.yaml")
    for p in candidates:
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except OSError:
            continue
        facts = data.get("facts") if isinstance(data, dict) else None
        v = facts.get("hot_zone_fraction") if isinstance(facts, dict) else None
        return float(v) if isinstance(v, (int, float)) else None
    return None


@contextlib.contextmanager
def local_stack(device_name: str | None = None) -> Iterator[tuple[Device, dict[str, AppSpec]]]:
    """The local default stack: demo web server + Appium server + a started device from devices.yaml.

    Yields ``(device, apps)`` with the gallery's apps served over http. Everything is stopped on exit.
    """
    from harness.appium_device import make_device
    from harness.config import load_devices, load_gallery
    from harness.webserver import DEMO_ROOT, DemoServer

    devices = load_devices()
    name = device_name or next(n for n, d in devices.items() if getattr(d, "enabled", True))
    web = DemoServer(DEMO_ROOT).start()
    device = make_device(devices[name])
    try:
        device.start()
        apps = {k: web.serve_app(a) for k, a in load_gallery(DEMO_ROOT).items()}
        yield device, apps
    finally:
        device.stop()
        web.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.check", description=__doc__.split("\n")[0])
    ap.add_argument("--bench", action="store_true", help="run the demo gallery and print per-app figures")
    ap.add_argument("--device", default=None, help="device name from devices.yaml (default: the first)")
    ap.add_argument("--apps", default=None, help="comma-separated app ids (default: the whole gallery)")
    ap.add_argument("--profile", default=None)
    ap.add_argument("--out", default="reports/bench")
    args = ap.parse_args(argv)
    with local_stack(args.device) as (device, apps):
        ids = args.apps.split(",") if args.apps else sorted(apps)
        prof = load_profile(args.profile)
        reader = _default_reader()
        rows = []
        for aid in ids:
            app = apps[aid]
            t0 = time.monotonic()
            res = check_app(device, app, profile=prof, out_dir=args.out, reader=reader,
                            progress=lambda s: print("  " + s, file=sys.stderr))
            wall = time.monotonic() - t0
            hz = json.loads(res.artifacts.get("hot_zone", "{}") or "{}")
            truth = true_hot_zone(app)
            est = hz.get("screen_fraction")
            err = (est - truth) if (truth is not None and est is not None) else None
            mism = [f"{r}:{res.findings[r].outcome.value}≠{o}" for r, o in app.expected.items()
                    if r in res.findings and res.findings[r].outcome.value != o]
            rows.append((aid, wall, res.timings_s.get("device_s", 0.0), hz.get("launches"), est,
                         truth, err, mism))
            print(f"{aid:18s} wall {wall:5.1f} s  device {res.timings_s.get('device_s', 0):5.1f} s  "
                  f"hz launches {hz.get('launches')}  hz {est} (true {truth}, err "
                  f"{'-' if err is None else f'{err:+.3f}'})  {'OK' if not mism else 'MISMATCH ' + ' '.join(mism)}",
                  flush=True)
        dev = [r[2] for r in rows]
        if dev:
            print(f"device seconds per app: mean {np.mean(dev):.1f}, max {max(dev):.1f}; "
                  f"mismatching apps: {sum(bool(r[7]) for r in rows)}/{len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
