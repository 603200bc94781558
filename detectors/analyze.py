"""One frame in, one :class:`~detectors.model.FrameAnalysis` out: the glue of the detector stack.

Stages, each timed in ms (``FrameAnalysis.timings_ms``):

``input``     :func:`detectors.imageio.as_bgr` and the density (given or estimated)
``window``    :func:`detectors.window.detect_window`, then (when it found nothing) the
              evidence-fusion probe below
``verifier``  :func:`detectors.verifier.detect_controls`: whole-frame proposals scored by the
              learned CNN (see "Learned verifier" below); by default on a thread of its own
              alongside the window and control stages (``VERIFIER_CONCURRENT``): then this is
              its own run time and ``verifier_wait`` the time the main path waited for it
``controls``  :func:`detectors.close_controls.find_close_controls` (+ UI-tree named controls,
              :mod:`detectors.ui_controls`), merged with the verifier's detections
``ctas``      :func:`detectors.close_controls.find_ctas`
``measure``   :func:`detectors.measure.measure_control`, per control
``rules``     :func:`detectors.rules.judge_static`
``total``     the whole call (stages may overlap: their times need not add up to it)

Evidence fusion. :func:`~detectors.window.detect_window` sees layout only (panels over a
scrim, full-bleed splash cues), so it misses interstitials without a scrim, full-screen
onboarding pages that keep the status bar and overlays in the page. When it finds nothing,
the close-control finder is run on the content area (frame minus padding and system bars)
and :func:`~detectors.window.promote_by_controls` promotes the screen to a ``fullscreen``
window when a dismiss control sits where only interstitials and overlays put one (an X badge
in a top corner, a "Skip" / "No thanks" / 跳过 text, an action sheet's bottom "Cancel"); the
window's ``cues["promoted_by"]`` records that control. Ordinary screens' close marks (a
banner ad's small ×, a search field's ×, a web view's "Close") do not promote.

Weak evidence and partial captures. An immersive screen (no status bar) with neither a
corner control nor a logo band is only a candidate (:func:`~detectors.window.is_weak`):
games, players, readers and launchers look like that. It becomes a ``fullscreen`` window
when a close control of at least ``WEAK_CONFIRM_MIN_CONF`` or an ad cue (广告 tag, an ad's
call to action: :func:`~detectors.ocr.is_ad_text`) shows in it, or by the promotion rules;
otherwise the frame has no window and ``close-button-present`` says ``needs_review`` ("not
judged"), never ``violation``. An image that is not screen-shaped
(:func:`~detectors.window.is_screen_shaped`: a crop of just the dialog) is searched whole as
a ``card`` (text lines through the OCR's detector too) and is the pop-up when it shows a
dismiss control of at least ``PARTIAL_MIN_CONF``; else ``needs_review`` likewise.

Text cascade. The cheap finder reads at most ``OCR_MAX_LINES`` lines chosen by placement,
so a dismiss label among many lines can go unread. On a pop-up candidate with no dismiss
control yet — a detected window (any kind, full-screen too) whose finders found nothing, a
weak immersive candidate or a partial capture with nothing confident enough to decide, or a
window-less screen that was not promoted, in the button row of a call to action it read (or,
with none read, in one unread row of two short lines alone: 取消 | 确定) — the text detection
runs exhaustively at a density-derived scale and the short, button-like lines are read (:mod:`detectors.text_cascade`, parameters in its ``CascadeParams``). Its controls go
through the same gates as the cheap path's (a generic 取消 still needs a call to action
beside it). Its cost shows as ``timings_ms["text_cascade_ms"]`` (and ``text_cascade_runs``);
it never runs on a frame that already has a control. ``text_cascade=False`` turns it off.

Small corner marks. The finder works at 1.5 px per dp, where a ≈ 12 dp close badge's
glyph is a few pixels; on a ``fullscreen`` window with no control in its top corners, the
two top-corner regions are searched again at full resolution for X marks (no OCR).

Learned verifier. :mod:`detectors.verifier` proposes candidates over the *whole* frame
(components, outlines, text lines) and scores them with a small CNN (ONNX, onnxruntime),
independent of any window. Its detections inside the window box grown by
``VERIFIER_WINDOW_MARGIN_DP`` (× under a card, badge on a card corner) join the hand-made
finders' controls by place (:func:`merge_verified`): at a hand-made control's place the
hand-made control stays (tighter box, OCR text) with the higher confidence; elsewhere at most
``VERIFIER_MAX_ADDED`` verified controls of confidence ≥ ``VERIFIER_MIN_CONF`` are added,
never on a call-to-action button OCR read, and a ``text`` one only when OCR reads a dismiss
label in it (the verifier sees shapes: a "Skip" pill and an "Install" pill look alike); an
× only the verifier saw is added only when ``VERIFIER_ADD_X`` (off for the committed
model, see there). With no window, verified controls go with the hand-made finders' controls
to ``promote_by_controls``, so a clear × on an interstitial that
:func:`~detectors.window.detect_window` missed can still reveal it. A crashed or missing
model leaves the hand-made path as it was (the stage is timed; ``timings_ms`` gets
``verifier_error`` = 1; no rule becomes not_run).

Bad *input* (an array that is not an image, a non-positive density, an unknown profile)
raises ``ValueError`` naming the parameter. A *stage* that crashes does not: like an
axe-core rule that errors, it turns every static rule that depended on it into a
``not_run`` finding whose reason carries the error text, and the other stages go on.
A crashed control finder must never read as "no close button" (a violation). A control
that cannot be measured goes to ``judge_static`` as ``None`` (it says ``not_run`` for the
rules that needed it, and the error text is appended) and is left out of the result, so
that ``controls`` and ``measurements`` stay aligned.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from dataclasses import replace
from typing import Any, Callable, Iterable, Sequence

from detectors.density import estimate_density
from detectors.imageio import as_bgr
from detectors.model import Box, CloseControl, ControlMeasurement, Finding, FrameAnalysis, Outcome, UiNode, Window
from detectors.profiles import Profile, load_profile
from detectors.registry import RULES

# The stack's modules, imported by name so that tests can monkeypatch them here
# (detectors.analyze.detect_window, ...).
from detectors.window import (MIN_SIDE_PX as WINDOW_MIN_SIDE_PX, content_box, detect_window, is_screen_shaped,
                              is_weak, promote_by_controls)
from detectors.close_controls import WORK_PX_PER_DP, find_close_controls, find_ctas, pin_frame, scan_controls
from detectors.ocr import is_ad_text, is_close_text
from detectors.ui_controls import ad_cue, controls_from_ui_tree, merge_controls
from detectors.measure import measure_control
from detectors.rules import STATIC_JUDGES, judge_static, not_run
from detectors.verifier import Scorer, default_verifier, detect_controls, to_controls
from detectors.text_cascade import CASCADE, CascadeParams, button_row_bands, cta_row_bands, find_text_dismiss

__all__ = ["analyze_frame", "merge_verified", "STATIC_RULES", "STAGE_RULES"]

STATIC_RULES: tuple[str, ...] = tuple(STATIC_JUDGES)
"""Rules judged from one frame by ``judge_static``, in its order (the four static rules of the
registry plus the static cue of ``fullscreen-jump-link``)."""

# Which of them cannot be judged when a stage crashed. A control that could not be measured
# is passed to judge_static as None, which says not_run for the rules that needed it.
STAGE_RULES: dict[str, tuple[str, ...]] = {
    "window": STATIC_RULES,
    "controls": STATIC_RULES,
    "ctas": ("close-button-placement", "fullscreen-jump-link"),
    "rules": STATIC_RULES,
}
# Rules whose not_run from judge_static gets the measuring error appended.
MEASURED_RULES = ("close-button-size", "close-button-contrast", "close-button-placement")

# Error text kept in a not_run reason (the first line of the message, this many characters).
MAX_REASON_CHARS = 300

# Evidence fusion: confidence of a window promoted by its dismiss control, and the share of
# the control's own confidence added to it.
PROMOTED_BASE_CONF = 0.5
# Confidence of a window named by the UI tree (an ad SDK's activity or splash skip view) alone.
UI_CUE_WINDOW_CONF = 0.7
PROMOTED_CONTROL_WEIGHT = 0.4
# Full-resolution corner re-scan of fullscreen windows: region size (dp) of each top corner
# (as detect_window's corner search), and the density passed to the finder for it: its
# working scale is min(1, WORK_PX_PER_DP / density), so this keeps the crop at full size.
CORNER_RESCAN_W_DP = 150.0
CORNER_RESCAN_H_DP = 110.0
CORNER_RESCAN_DENSITY = WORK_PX_PER_DP
# A partial capture (not screen-shaped: a crop of the dialog) is the pop-up when it shows a
# dismiss control at least this confident (the finder's own floor is 0.5; a crop of a
# normal screen rarely shows a clear one).
PARTIAL_MIN_CONF = 0.7
# An immersive candidate with no corner control or logo band is confirmed as a full-screen
# window by a close control at least this confident (the finder reports from 0.5; a clear
# X or a read dismiss label scores ≥ 0.7).
WEAK_CONFIRM_MIN_CONF = 0.7
# Confidence of the needs-review finding on a weak candidate, as a share of the candidate's.
WEAK_REVIEW_CONF = 0.5
# Learned verifier: margin (dp) around a detected window in which its detections count for
# that window (the × under a card sits ≈ 20–60 dp below it; a corner badge overlaps the edge);
# overlap (IoU) above which a verified and a hand-made control are one control.
VERIFIER_WINDOW_MARGIN_DP = 72.0
VERIFIER_MERGE_IOU = 0.3
# A verified control no hand-made finder saw is added from this confidence on (the verifier's
# p(control)), chosen on held-out *rendered* frames (detectors/models/MODEL_CARD.md: the
# threshold with the best precision at a useful recall), not on the validation corpus; and at
# most this many per window (a window has one dismiss control, rarely two: the knowledge note).
VERIFIER_MIN_CONF = 0.9
VERIFIER_MAX_ADDED = 1
# Whether an × that only the verifier saw (no OCR can confirm a glyph) is added to a window.
# Off for the committed model: its precision on held-out rendered frames is 0.81 at
# p ≥ 0.9 and 0.86 at p ≥ 0.95 (MODEL_CARD.md), below the 0.95 precision target. (The
# validation corpus agreed — 4 false × at 0.9 — but the rendered figures alone decide.)
# Such an × still counts for promotion (promote_by_controls' own corner/size/row gates).
VERIFIER_ADD_X = False
# OCR confirmation of a verified text control: reads a frame (≈ 10 ms each) and the
# recogniser's score a reading needs (as close_controls' text path).
VERIFIER_OCR_MAX = 3
VERIFIER_OCR_MIN_SCORE = 0.5

# Run the verifier stage on a thread of its own, alongside the window and control stages (its
# result does not depend on them, nor theirs on it until they merge): the frame's wall time is
# then about the longer of the two paths rather than their sum, on a machine with a free core.
# CPU time is the same either way. False: run it on the caller's thread after the window stage.
VERIFIER_CONCURRENT = True

stage_listener: Callable[[str, float, float], None] | None = None
"""Instrumentation hook (``python -m detectors.bench``): when set, called after every stage
with ``(stage, wall_ms, cpu_ms)`` (CPU time of the whole process, ``time.process_time``).
``None`` (the default) costs nothing."""


def analyze_frame(frame: object, *, density: float | None = None, profile: Profile | str | None = None,
                  ui_tree: Sequence[UiNode] | None = None, reader: Any = None,
                  status_bar_expected: bool = True, promote: bool = True,
                  window: Window | None = None, activity: str | None = None,
                  verifier: Scorer | bool | None = None,
                  text_cascade: CascadeParams | bool = True) -> FrameAnalysis:
    """Run the static detector stack on one frame.

    Parameters
    ----------
    frame : array_like
        Screenshot, ``(H, W)``, ``(H, W, 1..4)``; any dtype :func:`~detectors.imageio.as_bgr`
        accepts. Converted to ``(H, W, 3)`` uint8 BGR first.
    density : float, optional
        Screen density in px per dp. ``None``: estimated from the size
        (:func:`~detectors.density.estimate_density`) and flagged ``density_estimated``.
    profile : Profile or str, optional
        Rule profile or its name / YAML path; ``None``: the default (``cn-2023``).
    ui_tree : sequence of UiNode, optional
        Clickable nodes in image pixels, used for touch targets.
    reader : TextReader, optional
        OCR reader for text controls (跳过, Skip, ...). ``None``: no OCR (X glyphs only).
    status_bar_expected : bool, default True
        Whether the device's screenshots show a status bar (Android / iOS: True; Chromium
        mobile emulation and other web captures: False). Passed to
        :func:`~detectors.window.detect_window`: when True a frame without a status bar is
        taken as immersive (splash / interstitial); when False the 开屏 layout must show.
    promote : bool, default True
        Run the evidence-fusion probe when no window is found (see the module docstring).
    window : Window, optional
        A window known from other evidence (the launch timeline showed a transient screen the
        window detector missed): the window stage is skipped and the controls are searched in it.
    activity : str, optional
        Foreground activity (Android). An ad SDK's activity, or an SDK's splash skip view in the
        UI tree (:func:`~detectors.ui_controls.ad_cue`), is a window cue when the pixels found none:
        the content area becomes a ``fullscreen`` window with ``cues["ui_tree"]``.
    verifier : Scorer, bool or None
        The learned verifier's model (:class:`detectors.verifier.Verifier` or any object with
        its ``score`` method). ``None`` or ``True``: the shared default model; ``False``: the
        stage is off (hand-made finders only).
    text_cascade : CascadeParams or bool, default True
        The text cascade (:mod:`detectors.text_cascade`, see "Text cascade" above): ``True``
        its declared parameters (:data:`~detectors.text_cascade.CASCADE`), a
        :class:`~detectors.text_cascade.CascadeParams` those, ``False`` off.

    Returns
    -------
    FrameAnalysis
        Window, close controls with their measurements (same order), CTA boxes, static
        findings and per-stage timings in ms.

    Raises
    ------
    ValueError
        ``frame`` is not a usable image, ``density`` is not a positive finite number, or
        ``profile`` is unknown / malformed.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}

    # a view of our own: pinned for the scan cache's fingerprint (hashed once for all scans of
    # this call); no one else holds this object, so nothing can change it while it is pinned
    bgr = as_bgr(frame, name="frame").view()
    pin_frame(bgr)
    h, w = int(bgr.shape[0]), int(bgr.shape[1])
    if density is None:
        dens, estimated = estimate_density(w, h), True
    else:
        dens, estimated = _check_density(density), False
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    timings["input"] = _ms(t_start)

    failed: dict[str, str] = {}  # stage -> error text

    def stage(name: str, fn: Callable[[], Any], default: Any) -> Any:
        listener = stage_listener
        c0 = time.process_time() if listener is not None else 0.0
        t0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - any detector bug becomes a not_run finding
            failed[name] = _error_text(exc)
            return default
        finally:
            ms = _ms(t0)
            timings[name] = round(timings.get(name, 0.0) + ms, 3)
            if listener is not None:
                listener(name, ms, (time.process_time() - c0) * 1000.0)

    # The learned verifier shares nothing with the hand-made finders, and its result is needed
    # only after them (_promote after its own search, merge_verified after the calls to action):
    # with VERIFIER_CONCURRENT it runs on a thread of its own alongside the window and control
    # stages (cv2, onnxruntime and the OCR release the GIL), else after the window stage. Its result
    # is the same either way (pure functions of the frame). Not run at all where it cannot be
    # used: the stage is off, or no window was given and the frame is below the window stage's
    # minimum side (then detect_window, the UI-tree cue and _promote all give no window).
    background: _Background | None = None
    verifier_job: Callable[[], list[CloseControl]] | None = None
    if verifier is not False and (window is not None or min(w, h) >= WINDOW_MIN_SIDE_PX):
        scorer = default_verifier() if verifier is None or verifier is True else verifier

        def run_verifier() -> list[CloseControl]:
            return to_controls(detect_controls(bgr, density=dens, scorer=scorer))

        verifier_job = run_verifier
        if VERIFIER_CONCURRENT:
            background = _Background(run_verifier)
    resolved: list[list[CloseControl]] = []

    def verified() -> list[CloseControl]:
        """The verifier's controls (waiting for its thread); ``[]`` when off or crashed."""
        if not resolved:
            if background is not None:
                t0 = time.perf_counter()
                out, err, own_ms, own_cpu_ms = background.result()
                timings["verifier"] = round(own_ms, 3)  # its own run time (alongside the others)
                timings["verifier_wait"] = round(_ms(t0), 3)  # how long the main path waited for it
                if stage_listener is not None:
                    stage_listener("verifier", own_ms, own_cpu_ms)
                if err is not None:
                    failed["verifier"] = err
            elif verifier_job is not None:
                out = stage("verifier", verifier_job, [])
            else:
                out = []
            if failed.pop("verifier", None) is not None:
                timings["verifier_error"] = 1.0  # not fatal: the hand-made finders still run
                out = []
            resolved.append(out)
        return resolved[0]

    cascade = CASCADE if text_cascade is True else (text_cascade or None)
    partial = not is_screen_shaped(w, h)
    weak: Window | None = None
    if window is None:
        if not partial:
            window = stage("window", lambda: detect_window(
                bgr, density=dens, status_bar_expected=status_bar_expected), None)
        # A weak candidate (an immersive screen and nothing else) is no pop-up unless a dismiss
        # control turns up below; if none does, the frame says "needs review", never "violation".
        weak = window if is_weak(window) else None
        if partial and min(w, h) >= WINDOW_MIN_SIDE_PX:
            weak = Window(box=(0, 0, w, h), kind="card", confidence=PARTIAL_MIN_CONF,
                          cues={"evidence": "weak", "partial_capture": True})
        if weak is not None:
            window = None
    else:
        promote = False  # the caller's window (the launch timeline's): judged as given
    if background is None:
        verified()  # on the caller's thread: right after the window stage (its own stage time)
    probed: list[CloseControl] | None = None
    if window is None and promote and "window" not in failed and (ui_tree or activity):
        # the tree names an ad SDK on screen: the screen is its window, the pixels measure the rest
        cue = stage("window", lambda: ad_cue(ui_tree, activity), None)
        if cue is not None and min(bgr.shape[:2]) >= WINDOW_MIN_SIDE_PX:
            window = Window(box=content_box(bgr, density=dens), kind="fullscreen", confidence=UI_CUE_WINDOW_CONF,
                            cues={"ui_tree": cue})
    if window is None and promote and "window" not in failed:
        # evidence fusion: the whole content area (or the whole partial capture), searched for
        # a dismiss control; a crash here is a crashed window stage
        fused = stage("window", lambda: _promote(bgr, dens, reader, verified, partial=partial,
                                                 weak=weak if not partial else None, cascade=cascade,
                                                 timings=timings), None)
        if fused is not None:
            window, probed = fused
            if weak is not None:
                window = replace(window, cues={**window.cues, "immersive": weak.cues})
            weak = None
    controls: list[CloseControl] = []
    ctas: list[Box] = []
    measurements: list[ControlMeasurement | None] = []
    if window is not None:
        if probed is not None:
            controls = probed
        else:
            controls = list(stage("controls", lambda: find_close_controls(bgr, window=window, density=dens,
                                                                           reader=reader), []) or [])
        if window.kind == "fullscreen" and probed is None and "controls" not in failed:
            controls += stage("controls", lambda: _corner_rescan(bgr, window, dens, controls), []) or []
        if ui_tree:
            # The UI tree's named dismiss nodes: the second cue, for controls too small or faint to see.
            controls = stage("controls", lambda: merge_controls(controls, controls_from_ui_tree(
                bgr, ui_tree, window=window, density=dens, activity=activity)), controls)
        ctas = [tuple(int(v) for v in b) for b in  # type: ignore[misc]
                (stage("ctas", lambda: find_ctas(bgr, window=window, density=dens, reader=reader), []) or [])]
        if probed is None and verified():
            controls = merge_verified(controls, _near_window(verified(), window, dens), ctas=ctas,
                                      confirm=_ocr_confirmer(bgr, reader))
        if not controls and probed is None and cascade is not None and reader is not None \
                and not {"controls", "ctas"} & set(failed):
            # a pop-up with no dismiss control found: look again, exhaustively, for a text one
            more = stage("text_cascade", lambda: _cascade(bgr, window, dens, reader, cascade, timings), None)
            if more is not None:
                controls = list(more.controls)
                ctas += [tuple(int(v) for v in b) for b in more.ctas if tuple(int(v) for v in b) not in ctas]
            if "text_cascade" in failed:
                timings["text_cascade_error"] = 1.0  # not fatal: the frame keeps the cheap path's answer
                failed.pop("text_cascade")
        for c in controls:
            measurements.append(stage("measure", lambda c=c: measure_control(
                bgr, c, window=window, density=dens, ctas=ctas, ui_tree=ui_tree, profile=prof), None))

    # The rules a crashed stage fed become not_run with the error; the others are judged.
    blocked: dict[str, str] = {}
    for name, err in failed.items():
        for rid in STAGE_RULES.get(name, ()):
            blocked.setdefault(rid, f"stage {name!r} crashed: {err}")
    findings: list[Finding] = []
    if set(STATIC_RULES) - set(blocked):
        judged = stage("rules", lambda: judge_static(window, controls, measurements, frame_shape=bgr.shape,
                                                     density=dens, profile=prof, ctas=ctas), [])
        if "rules" in failed:
            for rid in STAGE_RULES["rules"]:
                blocked.setdefault(rid, f"stage 'rules' crashed: {failed['rules']}")
        for f in judged or []:
            if f is None or f.rule in blocked:
                continue
            if weak is not None and f.rule == "close-button-present":
                f = _weak_review(f, weak)
            if f.outcome is Outcome.NOT_RUN and f.rule in MEASURED_RULES and "measure" in failed:
                f = replace(f, reason=f"{f.reason}: stage 'measure' crashed: {failed['measure']}")
            findings.append(f)
    for rid in STATIC_RULES:
        if rid in blocked and prof.enabled(rid):
            nr = _not_run(rid, blocked[rid], prof)
            if nr is not None:
                findings.append(nr)
    findings.sort(key=lambda f: STATIC_RULES.index(f.rule) if f.rule in STATIC_RULES else len(STATIC_RULES))

    # FrameAnalysis keeps controls and measurements aligned: a control that could not be
    # measured is left out (its error is in the findings' reasons).
    kept = [(c, m) for c, m in zip(controls, measurements) if m is not None]
    if background is not None:
        verified()  # joins the thread (no thread outlives the call) and records its timings
    ctrl_out = tuple(c for c, _ in kept)
    meas_out = tuple(m for _, m in kept)
    timings["total"] = round(_ms(t_start), 3)
    timings["input"] = round(timings["input"], 3)
    return FrameAnalysis(width=w, height=h, density=dens, density_estimated=estimated, window=window,
                         controls=ctrl_out, measurements=meas_out, ctas=tuple(ctas),  # type: ignore[arg-type]
                         findings=tuple(findings), timings_ms=timings)


def merge_verified(controls: Sequence[CloseControl], verified: Sequence[CloseControl], *,
                   ctas: Sequence[Box] = (), min_conf: float | None = None,
                   max_added: int | None = None,
                   confirm: Callable[[CloseControl], CloseControl | None] | None = None,
                   add_x: bool | None = None) -> list[CloseControl]:
    """Hand-made and verified controls, one per place.

    A verified control at the place of a hand-made one (IoU > ``VERIFIER_MERGE_IOU`` or one
    containing the other's centre) is the same control: the hand-made one stays (its box is
    measured more tightly, its text was read) with the higher of the two confidences. A
    verified control elsewhere is added when its confidence reaches ``min_conf`` and it is
    not on a call-to-action button that OCR read; a ``text`` one only when ``confirm`` (OCR)
    reads a dismiss label in it (no ``confirm``: never), an ``x_icon`` one only when
    ``add_x`` (default ``VERIFIER_ADD_X``); at most ``max_added`` of them, most confident
    first. Best first.
    """
    min_conf = VERIFIER_MIN_CONF if min_conf is None else min_conf
    max_added = VERIFIER_MAX_ADDED if max_added is None else max_added
    add_x = VERIFIER_ADD_X if add_x is None else add_x
    out = list(controls)
    added = 0
    for v in sorted(verified, key=lambda c: -c.confidence):
        same = [i for i, c in enumerate(out) if _same_place(c.box, v.box)]
        if same:
            i = same[0]
            if v.confidence > out[i].confidence:
                out[i] = replace(out[i], confidence=v.confidence)
            continue
        if v.confidence < min_conf or added >= max_added or any(_same_place(b, v.box) for b in ctas):
            continue
        if v.kind == "x_icon" and not add_x:
            continue
        if v.kind == "text":
            # a shape is no label: "Skip" and "Install" pills look alike; OCR must read it
            v = confirm(v) if confirm is not None else None
            if v is None:
                continue
        out.append(v)
        added += 1
    return sorted(out, key=lambda c: -c.confidence)


def _ocr_confirmer(bgr: np.ndarray, reader: Any) -> Callable[[CloseControl], CloseControl | None] | None:
    """A function that reads a verified text control with OCR and keeps it only when the
    text is a dismiss label (:func:`detectors.ocr.is_close_text`), with that text; at most
    ``VERIFIER_OCR_MAX`` reads a frame. None when there is no usable reader (``reader=None``
    means no OCR, as everywhere in :func:`analyze_frame`: ``scan --no-ocr`` must not load it)."""
    if reader is None:
        return None
    if not callable(getattr(reader, "recognise", None)):
        return None
    budget = [VERIFIER_OCR_MAX]
    H, W = bgr.shape[:2]

    def confirm(c: CloseControl) -> CloseControl | None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        x1, y1, x2, y2 = c.box
        p = max(2, (y2 - y1) // 6)
        crop = bgr[max(0, y1 - p):min(H, y2 + p), max(0, x1 - p):min(W, x2 + p)]
        text, score = (reader.recognise([crop]) or [("", 0.0)])[0]
        text = (text or "").strip()
        if score < VERIFIER_OCR_MIN_SCORE or not is_close_text(text):
            return None
        return replace(c, text=text)

    return confirm


def _same_place(a: Box, b: Box) -> bool:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    if inter and inter / max(1, union) > VERIFIER_MERGE_IOU:
        return True

    def centre_in(p: Box, q: Box) -> bool:
        cx, cy = (q[0] + q[2]) / 2, (q[1] + q[3]) / 2
        return p[0] <= cx < p[2] and p[1] <= cy < p[3]

    return centre_in(a, b) or centre_in(b, a)


def _near_window(verified: Sequence[CloseControl], window: Window, dens: float) -> list[CloseControl]:
    """Verified controls whose centre lies in the window box grown by the margin."""
    m = VERIFIER_WINDOW_MARGIN_DP * dens if window.kind != "fullscreen" else 0.0
    x1, y1, x2, y2 = window.box
    out = []
    for c in verified:
        cx, cy = (c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2
        if x1 - m <= cx < x2 + m and y1 - m <= cy < y2 + m:
            out.append(c)
    return out


def _cascade(bgr: Any, window: Window, dens: float, reader: Any, params: CascadeParams,
             timings: dict[str, float] | None, *, region: Box | None = None) -> Any:
    """The text cascade on a window (or a band of it), skipping the lines the cheap scan read;
    its cost is added to ``timings["text_cascade_ms"]`` and its runs counted in
    ``timings["text_cascade_runs"]``."""
    read = [t.box for t in scan_controls(bgr, window=window, density=dens, reader=reader).text]
    more = find_text_dismiss(bgr, window=window, density=dens, reader=reader, region=region, read=read,
                             params=params)
    if timings is not None:
        timings["text_cascade_ms"] = round(timings.get("text_cascade_ms", 0.0) + more.timings_ms.get("total", 0.0), 3)
        timings["text_cascade_runs"] = timings.get("text_cascade_runs", 0.0) + 1.0
    return more


def _promote(bgr: Any, dens: float, reader: Any,
             verified: Sequence[CloseControl] | Callable[[], Sequence[CloseControl]] = (), *,
             partial: bool = False, weak: Window | None = None, cascade: CascadeParams | None = None,
             timings: dict[str, float] | None = None) -> tuple[Window, list[CloseControl]] | None:
    """The promoted window and the controls found in it, or None.

    ``verified``: the learned verifier's detections over the whole frame (merged with the
    hand-made finders' controls by :func:`merge_verified`; a verified × also counts for
    promotion, gated by :func:`~detectors.window.promote_by_controls`), or a function that
    returns them, called only after the hand-made search (the verifier may still be running
    on its own thread).
    ``partial``: the image is not screen-shaped (a capture cropped to the dialog): the whole
    image is searched as a ``card`` (text lines through the OCR's detector too), and any
    confident dismiss control makes it the pop-up it was cropped from.
    ``weak``: an immersive full-screen candidate (:func:`~detectors.window.is_weak`): any
    dismiss control of at least ``WEAK_CONFIRM_MIN_CONF`` in it confirms it (an
    interstitial's ×, a splash's skip pill); else the usual promotion rules apply.
    ``cascade``: the text cascade's parameters (None: off). It runs when the cheap finders gave
    nothing that would decide: no control of ``PARTIAL_MIN_CONF`` on a partial capture, none
    of ``WEAK_CONFIRM_MIN_CONF`` on a weak candidate, and on other window-less screens no
    promotion: then only button-row bands are searched — around the calls to action the
    cheap scan read, or, with none read, one unread row of two short lines alone
    (:func:`~detectors.text_cascade.button_row_bands`) — and the promotion gates judge what
    it finds as before (a generic 取消 needs a call to action beside it).
    """
    if min(bgr.shape[:2]) < WINDOW_MIN_SIDE_PX:
        return None  # too small to be a screen (detect_window says the same)
    if partial:
        box: Box = (0, 0, int(bgr.shape[1]), int(bgr.shape[0]))
        probe = Window(box=box, kind="card", confidence=0.0, cues={"probe": True, "partial_capture": True})
    else:
        box = content_box(bgr, density=dens)
        probe = Window(box=box, kind="fullscreen", confidence=0.0, cues={"probe": True})
    controls = list(find_close_controls(bgr, window=probe, density=dens, reader=reader) or [])
    use_cascade = cascade is not None and reader is not None
    if callable(verified):
        verified = verified()
    if partial:
        controls = merge_verified(controls, verified, confirm=_ocr_confirmer(bgr, reader))
        good = [c for c in controls if c.confidence >= PARTIAL_MIN_CONF]
        if not good and use_cascade:
            controls += list(_cascade(bgr, probe, dens, reader, cascade, timings).controls)  # type: ignore[arg-type]
            good = [c for c in controls if c.confidence >= PARTIAL_MIN_CONF]
        if not good:
            return None
        best = max(good, key=lambda c: c.confidence)
        cue = _control_cue(best, "partial_capture")
        conf = PROMOTED_BASE_CONF + PROMOTED_CONTROL_WEIGHT * float(best.confidence)
        return Window(box=box, kind="card", confidence=round(min(1.0, conf), 3), scrim=False,
                      cues={"promoted_by": cue, "partial_capture": True}), controls
    controls += _corner_rescan(bgr, probe, dens, controls)
    near = _near_window(verified, probe, dens)
    controls = merge_verified(controls, near, confirm=_ocr_confirmer(bgr, reader))
    # a verified × counts for promotion (promote_by_controls gates corner, size and row ink);
    # it stays in the window's controls only when it is what promoted it
    extra_x = [v for v in near if v.kind == "x_icon" and not any(_same_place(c.box, v.box) for c in controls)]
    if weak is not None:
        best = max(controls, key=lambda c: c.confidence, default=None)
        seen = list(scan_controls(bgr, window=probe, density=dens, reader=reader).text)
        if (best is None or best.confidence < WEAK_CONFIRM_MIN_CONF) and use_cascade:
            more = _cascade(bgr, probe, dens, reader, cascade, timings)  # type: ignore[arg-type]
            controls += list(more.controls)
            seen += list(more.text)
            best = max(controls, key=lambda c: c.confidence, default=None)
        if best is not None and best.confidence >= WEAK_CONFIRM_MIN_CONF:
            cue = _control_cue(best, "immersive_with_control")
            return replace(weak, cues={**weak.cues, "evidence": "control", "confirmed_by": cue}), controls
        ad = next((t for t in seen if is_ad_text(t.text)), None)
        if ad is not None:
            # an ad is showing (its 广告 tag or its call to action): judged as a pop-up, so a
            # missing close control is a finding
            cue = {"kind": "ad_text", "box": [int(v) for v in ad.box], "text": ad.text, "reason": "ad_cue"}
            return replace(weak, cues={**weak.cues, "evidence": "ad_cue", "confirmed_by": cue}), controls
    # a dialog's button row (取消 | 确定) needs the calls to action; asked only for text controls
    ctas = (find_ctas(bgr, window=probe, density=dens, reader=reader) or []) \
        if any(c.kind == "text" for c in controls) else []
    # content_box trims only the bottom (padding, nav bar) and the status bar at the top
    cue = promote_by_controls(bgr, controls + extra_x, box, density=dens, status_bar=box[1] > 0, ctas=ctas)
    if cue is None and use_cascade and weak is None:
        # a dialog the window detector missed shows as a call to action the cheap scan read
        # (确定, 立即更新) with no dismiss partner read beside it: search its button row; with no
        # call to action read, an unread row of two short lines alone (取消 | 确定) may be one
        scan = scan_controls(bgr, window=probe, density=dens, reader=reader)
        read_ctas = list(scan.ctas)
        bands = cta_row_bands(read_ctas, box, params=cascade)  # type: ignore[arg-type]
        if not bands:
            bands = button_row_bands(scan.lines, [t.box for t in scan.text], box, params=cascade)  # type: ignore[arg-type]
        more: list[CloseControl] = []
        for band in bands:
            found = _cascade(bgr, probe, dens, reader, cascade, timings, region=band)  # type: ignore[arg-type]
            more += list(found.controls)
            read_ctas += [b for b in found.ctas if b not in read_ctas]
        if more:
            cue = promote_by_controls(bgr, controls + more + extra_x, box, density=dens, status_bar=box[1] > 0,
                                      ctas=list(ctas) + read_ctas)
            if cue is not None:
                controls += more
    if cue is None:
        return None
    controls += [v for v in extra_x if list(v.box) == cue["box"]]
    conf = PROMOTED_BASE_CONF + PROMOTED_CONTROL_WEIGHT * float(cue["confidence"])
    win = Window(box=box, kind="fullscreen", confidence=round(min(1.0, conf), 3), scrim=False,
                 cues={"promoted_by": cue})
    return win, controls


def _control_cue(c: CloseControl, reason: str) -> dict[str, Any]:
    """The window cue that records which control made a frame a pop-up, and why."""
    return {"kind": c.kind, "box": [int(v) for v in c.box], "confidence": float(c.confidence), "text": c.text,
            "reason": reason}


def _weak_review(f: Finding, weak: Window) -> Finding:
    """``close-button-present`` on a frame whose only pop-up evidence is a weak candidate.

    The frame is no pop-up (nothing else is judged on it), but it may be an interstitial
    whose close control is not showing yet, or a game / player / reader screen: a person
    decides. Never a violation.
    """
    partial = bool(weak.cues.get("partial_capture"))
    measured = {**dict(f.measured), "window_evidence": "weak", "partial_capture": partial,
                "candidate_box": [int(v) for v in weak.box]}
    why = ("a partial capture (not screen-shaped) with no close control found: it may be a crop of a pop-up "
           "or of an ordinary screen" if partial else
           "possible full-screen pop-up (immersive screen: no status bar) with no close control found, but no "
           "corner control, logo band or dismiss control says it is one")
    return replace(f, outcome=Outcome.NEEDS_REVIEW, box_px=weak.box, measured=measured,
                   confidence=round(float(weak.confidence) * WEAK_REVIEW_CONF, 3), reason=why + ": not judged")


class _NoText:
    """A reader that reads nothing: the corner re-scan looks for X marks only."""

    def recognise(self, crops: Sequence[Any]) -> list[tuple[str, float]]:
        return [("", 0.0)] * len(crops)


def _corner_rescan(bgr: Any, window: Window, dens: float, found: Sequence[CloseControl]) -> list[CloseControl]:
    """X marks in the window's top corners at full resolution, when none was found there.

    The finder is given the crop with ``density=CORNER_RESCAN_DENSITY`` so that it does not
    reduce it (its glyph size gates then read in full-resolution pixels: ≥ 6 px, ≤ 54 px,
    which is the small-mark range this pass is for; larger marks the first pass finds).
    """
    if dens <= CORNER_RESCAN_DENSITY:
        return []  # the first pass already ran at full resolution
    x1, y1, x2, y2 = (int(v) for v in window.box)
    rw = min(x2 - x1, int(round(CORNER_RESCAN_W_DP * dens)))
    rh = min(y2 - y1, int(round(CORNER_RESCAN_H_DP * dens)))
    regions = [(x2 - rw, y1, x2, y1 + rh), (x1, y1, x1 + rw, y1 + rh)]

    def inside(c: CloseControl, r: tuple[int, int, int, int]) -> bool:
        cx, cy = (c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2
        return r[0] <= cx < r[2] and r[1] <= cy < r[3]

    if any(inside(c, r) for c in found for r in regions):
        return []
    out: list[CloseControl] = []
    for r in regions:
        crop = np.ascontiguousarray(bgr[r[1]:r[3], r[0]:r[2]])
        if crop.shape[0] < 8 or crop.shape[1] < 8:
            continue
        sub = Window(box=(0, 0, crop.shape[1], crop.shape[0]), kind="fullscreen", confidence=window.confidence)
        for c in find_close_controls(crop, window=sub, density=CORNER_RESCAN_DENSITY, reader=_NoText()) or []:
            if c.kind != "x_icon":
                continue
            b = c.box
            out.append(replace(c, box=(b[0] + r[0], b[1] + r[1], b[2] + r[0], b[3] + r[1])))
    return out


class _Background:
    """A function run on a daemon thread of its own; :meth:`result` waits for it.

    Returns ``(value, error text or None, wall ms, CPU ms of that thread)``; an exception in
    the function is caught and returned as text (the verifier stage is never fatal).
    """

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._out: tuple[Any, str | None, float, float] = (None, None, 0.0, 0.0)
        self._thread = threading.Thread(target=self._run, name="analyze-verifier", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        value, err = None, None
        try:
            value = self._fn()
        except Exception as exc:  # noqa: BLE001 - reported to the caller, who records it
            err = _error_text(exc)
        self._out = (value, err, _ms(t0), (time.thread_time() - c0) * 1000.0)

    def result(self) -> tuple[Any, str | None, float, float]:
        self._thread.join()
        return self._out


def _check_density(density: object) -> float:
    if isinstance(density, bool):
        raise ValueError(f"density must be a positive number of px per dp, got {density!r}")
    try:
        d = float(density)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"density must be a positive number of px per dp, got {density!r}") from None
    if not math.isfinite(d) or d <= 0:
        raise ValueError(f"density must be a positive finite number of px per dp, got {density!r}")
    return d


def _not_run(rule_id: str, reason: str, profile: Profile) -> Finding | None:
    try:
        return not_run(rule_id, reason, profile)
    except Exception:  # noqa: BLE001 - the fallback must not fail too
        return Finding(rule=rule_id, outcome=Outcome.NOT_RUN, impact=RULES[rule_id].impact, reason=reason,
                       confidence=0.0)


def _error_text(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    first = msg[0] if msg else ""
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text[:MAX_REASON_CHARS]


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def worst_outcome(findings: Iterable[Finding]) -> Outcome | None:
    """The worst outcome among findings (violation > needs_review > not_run > pass > n/a)."""
    worst = None
    for f in findings:
        if worst is None or f.outcome.rank > worst.rank:
            worst = f.outcome
    return worst
