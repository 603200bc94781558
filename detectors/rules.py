"""Judge measured values against a rule profile and return :class:`~detectors.model.Finding` records.

Static rules are judged from one frame (:func:`judge_static`); dynamic rules from values the
harness measured on a device (``judge_delay``, ``judge_works``, ``judge_hot_zone``,
``judge_shake``, ``judge_duration``, ``judge_reappears``). Every threshold comes from the
profile and is recorded in the finding; measured keys carry their unit as a suffix.

Conventions shared by every judge:

- a rule disabled in the profile yields no finding (``None``, or nothing in the list);
- a limit is inclusive: a measured value equal to a ``min_*`` / ``max_*`` threshold passes;
  values are compared unrounded (a contrast of 2.999 fails 3.0), except the touch target, which
  ATF's TouchTargetSizeCheck measures in whole dp (``round(px / density)``);
- ``needs_review`` when unsure or when a softer limit is crossed, with the reason;
  ``not_run`` when a judgement could not be made, with the reason (a crash in a static rule
  becomes ``not_run`` with the error text and the other rules still run).

:data:`COMPARISONS` says which measured key each threshold is compared with; ``detectors.render``
uses it to write "visible 18.3 dp < 24 dp" lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence

from detectors.measure import fullscreen_jump_cue, placement
from detectors.model import (Box, CloseControl, ControlMeasurement, Finding, Outcome, Threshold,
                             Window)
from detectors.registry import rule as rule_spec

__all__ = [
    "COMPARISONS", "Comparison", "STATIC_JUDGES", "judge_static", "judge_delay", "judge_works",
    "judge_hot_zone", "judge_shake", "judge_duration", "judge_reappears", "not_run", "not_applicable",
    "safe_judge", "best_control_index",
]

EDGE_TOLERANCE_PX = 1
"""A touch target 'touches the screen edge' when it is within 1 px of it (rounding of bounds)."""
STATIC_CUE_CONFIDENCE = 0.5
"""Confidence of the static full-screen-jump cue: it only says where tap probes should look."""


@dataclass(frozen=True)
class Comparison:
    """How one threshold is read against one measured value.

    ``op``: ``"min"`` (the measured value must be ≥ the threshold), ``"max"`` (must be ≤), or
    ``"info"`` (shown side by side, no pass/fail reading, e.g. the strength of an applied shake).
    """

    measured_key: str
    label: str
    op: Literal["min", "max", "info"]


COMPARISONS: dict[str, dict[str, Comparison]] = {
    "close-button-present": {
        "min_confidence": Comparison("best_confidence", "best control confidence", "min"),
    },
    "close-button-size": {
        "min_visible": Comparison("visible_min_dp", "visible", "min"),
        # The profile's min_touch or min_touch_edge, whichever applies to that dimension.
        "min_touch_width": Comparison("touch_width_dp", "touch width", "min"),
        "min_touch_height": Comparison("touch_height_dp", "touch height", "min"),
    },
    "close-button-contrast": {
        "min_icon_ratio": Comparison("contrast_ratio", "contrast", "min"),
        "min_text_ratio": Comparison("contrast_ratio", "contrast", "min"),
        "min_large_text_ratio": Comparison("contrast_ratio", "contrast", "min"),
        "large_text_height": Comparison("glyph_height_dp", "text height", "info"),
        "min_opacity": Comparison("opacity", "opacity", "min"),
    },
    "close-button-placement": {
        "corner_zone": Comparison("corner_offset_frac", "distance from corner", "max"),
        "status_bar": Comparison("centre_y_dp", "centre below top", "min"),
        "min_cta_distance": Comparison("cta_distance_dp", "gap to jump button", "min"),
    },
    "close-button-delay": {
        "max_delay": Comparison("delay_s", "delay", "max"),
        "review_delay": Comparison("delay_s", "delay", "max"),
    },
    "close-button-works": {
        "max_taps": Comparison("taps", "taps", "max"),
        "max_close_time": Comparison("close_time_s", "close time", "max"),
    },
    "fullscreen-jump-link": {
        "violation_fraction": Comparison("hot_zone_fraction", "hot zone", "max"),
        "review_fraction": Comparison("hot_zone_fraction", "hot zone", "max"),
        # Static cue: the window share is read together with "is there a separate jump button".
        "static_window_fraction": Comparison("window_fraction", "window share of screen", "info"),
    },
    "shake-sensitivity": {
        "min_acceleration": Comparison("acceleration_ms2", "applied acceleration", "info"),
        "min_rotation": Comparison("rotation_deg", "applied rotation", "info"),
        "min_duration": Comparison("shake_duration_s", "applied duration", "info"),
    },
    "splash-duration": {
        "max_duration": Comparison("duration_s", "duration", "max"),
    },
    "popup-reappears": {
        "watch_time": Comparison("reappeared_after_s", "reappeared after", "info"),
    },
}


# ------------------------------------------------------------------------------------------------
# building findings
# ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _default_profile() -> Any:
    from detectors.profiles import load_profile
    return load_profile()


def _profile(profile: Any) -> Any:
    return _default_profile() if profile is None else profile


def _finding(rule_id: str, outcome: Outcome, *, box: Box | None = None,
             measured: Mapping[str, Any] | None = None, thresholds: Mapping[str, Threshold] | None = None,
             confidence: float = 1.0, reason: str | None = None) -> Finding:
    spec = rule_spec(rule_id)
    conf = 0.0 if confidence is None or not math.isfinite(confidence) else min(1.0, max(0.0, float(confidence)))
    return Finding(rule=rule_id, outcome=outcome, impact=spec.impact,
                   box_px=tuple(int(v) for v in box) if box is not None else None,  # type: ignore[arg-type]
                   measured=dict(measured or {}), thresholds=dict(thresholds or {}),
                   confidence=conf, reason=reason)


def not_run(rule: str, reason: str, profile: Any = None, *, box: Box | None = None) -> Finding | None:
    """A rule that could not be evaluated, and why. None when the profile disables the rule."""
    rule_spec(rule)
    if not _profile(profile).enabled(rule):
        return None
    return _finding(rule, Outcome.NOT_RUN, box=box, confidence=0.0, reason=reason)


def not_applicable(rule: str, reason: str, profile: Any = None, *, box: Box | None = None) -> Finding | None:
    """A rule with nothing to judge (no splash / pop-up), and why. None when the profile disables it."""
    rule_spec(rule)
    if not _profile(profile).enabled(rule):
        return None
    return _finding(rule, Outcome.NOT_APPLICABLE, box=box, reason=reason)


def safe_judge(rule: str, judge: Callable[..., Finding | None], *args: Any, profile: Any = None,
               **kwargs: Any) -> Finding | None:
    """Run one judge; a crash becomes a ``not_run`` finding carrying the error text."""
    try:
        return judge(*args, profile=profile, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a crashing rule must not stop the others
        return not_run(rule, f"error: {type(exc).__name__}: {exc}", profile)


def _worst(outcomes: Iterable[Outcome]) -> Outcome:
    return max(outcomes, key=lambda o: o.rank, default=Outcome.PASS)


def _hex(bgr: Sequence[int] | None) -> str | None:
    return None if bgr is None else "#{:02x}{:02x}{:02x}".format(int(bgr[2]), int(bgr[1]), int(bgr[0]))


def _r(value: float | None, nd: int = 2) -> float | None:
    return None if value is None else round(float(value), nd)


def _atf_round(dp: float) -> int:
    """Java's Math.round (half up), as ATF uses; Python's round() rounds half to even."""
    return int(math.floor(dp + 0.5))


# ------------------------------------------------------------------------------------------------
# static rules
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Static:
    window: Window | None
    controls: Sequence[CloseControl]
    measurements: Sequence[ControlMeasurement | None]
    frame_shape: tuple[int, ...]
    density: float
    profile: Any
    ctas: tuple[Box, ...]
    best: int | None
    """Index of the control judged (highest confidence at or above min_confidence), or None."""

    @property
    def control(self) -> CloseControl:
        assert self.best is not None
        return self.controls[self.best]

    @property
    def measurement(self) -> ControlMeasurement | None:
        return self.measurements[self.best] if self.best is not None else None

    def judged_note(self) -> str | None:
        n = len(self.controls)
        if n > 1 and self.best is not None:
            return f"judged the most confident of {n} controls (#{self.best + 1})"
        return None


def best_control_index(controls: Sequence[CloseControl], min_confidence: float) -> int | None:
    """Index of the control a user would use: highest confidence (ties: larger box), at or above the limit."""
    best: int | None = None
    for i, c in enumerate(controls):
        if c.confidence < min_confidence:
            continue
        area = (c.box[2] - c.box[0]) * (c.box[3] - c.box[1])
        if best is None:
            best = i
            continue
        b = controls[best]
        b_area = (b.box[2] - b.box[0]) * (b.box[3] - b.box[1])
        if (c.confidence, area) > (b.confidence, b_area):
            best = i
    return best


def _no_subject(rule_id: str, ctx: _Static) -> Finding | None:
    """Size / contrast / placement when there is nothing to measure."""
    if ctx.window is None:
        return not_applicable(rule_id, "no splash or pop-up window in this frame", ctx.profile)
    if ctx.best is None:
        # Nothing to measure; close-button-present carries the violation.
        return not_applicable(rule_id, "no close control found (see close-button-present)", ctx.profile)
    if ctx.measurement is None:
        return not_run(rule_id, "the close control could not be measured", ctx.profile, box=ctx.control.box)
    return None


def _judge_present(ctx: _Static) -> Finding | None:
    rid = "close-button-present"
    if ctx.window is None:
        return not_applicable(rid, "no splash or pop-up window in this frame", ctx.profile)
    t = ctx.profile.threshold(rid, "min_confidence")
    top = max((c.confidence for c in ctx.controls), default=None)
    measured: dict[str, Any] = {"controls_found": len(ctx.controls), "best_confidence": _r(top, 3)}
    if ctx.best is None:
        if top is None:
            reason = "no close or skip control found in the window"
            conf = ctx.window.confidence
        else:
            reason = "only weak close-control candidates"
            conf = ctx.window.confidence * (1.0 - top)
        return _finding(rid, Outcome.VIOLATION, box=ctx.window.box, measured=measured,
                        thresholds={"min_confidence": t}, confidence=conf, reason=reason)
    c = ctx.control
    measured.update({"kind": c.kind, "text": c.text})
    return _finding(rid, Outcome.PASS, box=c.box, measured=measured, thresholds={"min_confidence": t},
                    confidence=c.confidence, reason=ctx.judged_note())


def _judge_size(ctx: _Static) -> Finding | None:
    rid = "close-button-size"
    if (early := _no_subject(rid, ctx)) is not None or ctx.window is None or ctx.best is None:
        return early
    m, c, p = ctx.measurement, ctx.control, ctx.profile
    assert m is not None
    t_vis = p.threshold(rid, "min_visible")
    visible_min = min(m.width_dp, m.height_dp)
    touch = m.touch_box if m.touch_box is not None else c.box
    touch_source = "ui_tree" if m.touch_box is not None else "visible_box"
    h, w = ctx.frame_shape[:2]
    # ATF TouchTargetSizeCheck relaxes the dimension that touches the screen edge.
    edge_x = touch[0] <= EDGE_TOLERANCE_PX or touch[2] >= w - EDGE_TOLERANCE_PX
    edge_y = touch[1] <= EDGE_TOLERANCE_PX or touch[3] >= h - EDGE_TOLERANCE_PX
    t_w = p.threshold(rid, "min_touch_edge" if edge_x else "min_touch")
    t_h = p.threshold(rid, "min_touch_edge" if edge_y else "min_touch")
    touch_w = (touch[2] - touch[0]) / ctx.density
    touch_h = (touch[3] - touch[1]) / ctx.density
    measured = {
        "visible_width_dp": _r(m.width_dp), "visible_height_dp": _r(m.height_dp),
        "visible_min_dp": _r(visible_min),
        "touch_width_dp": _atf_round(touch_w), "touch_height_dp": _atf_round(touch_h),
        "touch_source": touch_source, "touches_edge_x": edge_x, "touches_edge_y": edge_y,
    }
    thresholds = {"min_visible": t_vis, "min_touch_width": t_w, "min_touch_height": t_h}
    outcomes, reasons = [Outcome.PASS], []
    if visible_min < t_vis.value:
        outcomes.append(Outcome.VIOLATION)
        reasons.append("the visible control is smaller than the minimum")
    if _atf_round(touch_w) < t_w.value or _atf_round(touch_h) < t_h.value:
        # Demoted to needs_review: a small target is hard to hit, yet still a working close button.
        outcomes.append(Outcome.NEEDS_REVIEW)
        reasons.append("touch target below the minimum"
                       + ("" if touch_source == "ui_tree" else " (no UI tree: the visible box is taken as the touch target)"))
    note = ctx.judged_note()
    reason = "; ".join(reasons + ([note] if note else [])) or None
    return _finding(rid, _worst(outcomes), box=c.box, measured=measured, thresholds=thresholds,
                    confidence=c.confidence, reason=reason)


def _judge_contrast(ctx: _Static) -> Finding | None:
    rid = "close-button-contrast"
    if (early := _no_subject(rid, ctx)) is not None or ctx.window is None or ctx.best is None:
        return early
    m, c, p = ctx.measurement, ctx.control, ctx.profile
    assert m is not None
    d = m.details or {}
    measured: dict[str, Any] = {
        "contrast_ratio": _r(m.contrast, 3), "glyph_ratio": _r(d.get("glyph_ratio"), 3),
        "badge_ratio": _r(d.get("badge_ratio"), 3), "contrast_basis": d.get("contrast_basis"),
        "foreground": _hex(d.get("fg_bgr")), "background": _hex(d.get("bg_bgr")),
        "surroundings": _hex(d.get("surround_bgr")), "opacity": _r(m.opacity, 2), "kind": c.kind,
    }
    thresholds: dict[str, Threshold] = {}
    if c.kind == "text":
        t_large = p.threshold(rid, "large_text_height")
        glyph_h = d.get("glyph_height_dp")
        glyph_h = m.height_dp if glyph_h is None else glyph_h
        measured["glyph_height_dp"] = _r(glyph_h)
        key = "min_large_text_ratio" if glyph_h >= t_large.value else "min_text_ratio"
        thresholds["large_text_height"] = t_large
    else:
        key = "min_icon_ratio"
    t = p.threshold(rid, key)
    thresholds[key] = t
    note = ctx.judged_note()
    if m.contrast is None:
        reason = ("contrast could not be estimated: the control's pixels are uniform "
                  "(no glyph separates from its background); look at the evidence")
        return _finding(rid, Outcome.NEEDS_REVIEW, box=c.box, measured=measured, thresholds=thresholds,
                        confidence=c.confidence * 0.5, reason=reason)
    if m.contrast < t.value:
        reason = "; ".join(["the control does not stand out from its surroundings"] + ([note] if note else []))
        return _finding(rid, Outcome.VIOLATION, box=c.box, measured=measured, thresholds=thresholds,
                        confidence=c.confidence, reason=reason)
    try:
        t_op = p.threshold(rid, "min_opacity")
    except KeyError:
        t_op = None
    if t_op is not None and m.opacity is not None:
        thresholds["min_opacity"] = t_op
        if m.opacity < t_op.value:
            # The opacity is an estimate from texture showing through a badge: review, never violation.
            return _finding(rid, Outcome.NEEDS_REVIEW, box=c.box, measured=measured, thresholds=thresholds,
                            confidence=c.confidence * 0.6,
                            reason="the badge looks translucent (estimated from texture showing through it)")
    return _finding(rid, Outcome.PASS, box=c.box, measured=measured, thresholds=thresholds,
                    confidence=c.confidence, reason=note)


def _judge_placement(ctx: _Static) -> Finding | None:
    rid = "close-button-placement"
    if (early := _no_subject(rid, ctx)) is not None or ctx.window is None or ctx.best is None:
        return early
    c, p = ctx.control, ctx.profile
    t_zone = p.threshold(rid, "corner_zone")
    t_bar = p.threshold(rid, "status_bar")
    t_cta = p.threshold(rid, "min_cta_distance")
    # Recomputed with this profile's values (the measurement may have used another profile).
    place = placement(c.box, window_box=ctx.window.box, frame_shape=ctx.frame_shape, density=ctx.density,
                      ctas=ctx.ctas, corner_zone=t_zone.value, status_bar_dp=t_bar.value)
    offsets = [max(f) for f in (place["window_edge_frac"], place["screen_edge_frac"]) if f is not None]
    measured = {
        "corner": place["corner"], "corner_window": place["corner_window"], "corner_screen": place["corner_screen"],
        "in_corner_zone": place["in_corner_zone"], "corner_offset_frac": _r(min(offsets), 3) if offsets else None,
        "centre_y_dp": place["centre_y_dp"], "in_status_bar": place["in_status_bar"],
        "cta_distance_dp": place["cta_distance_dp"],
    }
    thresholds = {"corner_zone": t_zone, "status_bar": t_bar}
    outcomes, reasons = [Outcome.PASS], []
    if place["in_status_bar"]:
        outcomes.append(Outcome.VIOLATION)
        reasons.append("inside the status bar, where it cannot be tapped reliably")
    if place["cta_distance_dp"] is not None:
        thresholds["min_cta_distance"] = t_cta
        if place["cta_distance_dp"] < t_cta.value:
            outcomes.append(Outcome.VIOLATION)
            reasons.append("too close to a jump button: a tap meant to close may open the ad")
    if not place["in_corner_zone"]:
        # Not a violation: no source fixes where the button must be, and a centred X under a card
        # is a common, findable pattern. A person decides.
        outcomes.append(Outcome.NEEDS_REVIEW)
        reasons.append("not in a corner zone of the window or the screen")
    note = ctx.judged_note()
    reason = "; ".join(reasons + ([note] if note else [])) or None
    return _finding(rid, _worst(outcomes), box=c.box, measured=measured, thresholds=thresholds,
                    confidence=c.confidence, reason=reason)


def _judge_fullscreen_static(ctx: _Static) -> Finding | None:
    rid = "fullscreen-jump-link"
    if ctx.window is None:
        return not_applicable(rid, "no splash or pop-up window in this frame", ctx.profile)
    t = ctx.profile.threshold(rid, "violation_fraction")
    cue = fullscreen_jump_cue(ctx.window, ctx.controls, ctx.ctas, frame_shape=ctx.frame_shape, max_fraction=t.value)
    measured = {"window_fraction": cue["window_fraction"], "full_bleed": cue["full_bleed"],
                "potential_hot_zone_fraction": cue["potential_hot_zone_fraction"],
                "ctas_in_window": cue["ctas_in_window"], "static_cue_only": True}
    thresholds = {"static_window_fraction": t}
    if cue["suspicious"]:
        return _finding(rid, Outcome.NEEDS_REVIEW, box=ctx.window.box, measured=measured, thresholds=thresholds,
                        confidence=STATIC_CUE_CONFIDENCE,
                        reason=f"static cue: {cue['reason']}; the picture itself may be the jump link (tap probes decide)")
    return _finding(rid, Outcome.PASS, box=ctx.window.box, measured=measured, thresholds=thresholds,
                    confidence=STATIC_CUE_CONFIDENCE, reason=f"static cue only: {cue['reason']}")


STATIC_JUDGES: dict[str, Callable[[_Static], Finding | None]] = {
    "close-button-present": _judge_present,
    "close-button-size": _judge_size,
    "close-button-contrast": _judge_contrast,
    "close-button-placement": _judge_placement,
    "fullscreen-jump-link": _judge_fullscreen_static,
}
"""Static rule id → judge. Looked up at call time (tests replace entries)."""


def judge_static(window: Window | None, controls: Sequence[CloseControl],
                 measurements: Sequence[ControlMeasurement | None], *, frame_shape: tuple[int, ...],
                 density: float, profile: Any = None, ctas: Iterable[Box] = ()) -> list[Finding]:
    """Judge the static rules on one frame's detections.

    Parameters
    ----------
    window : Window or None
        The splash / pop-up window; None → every static rule is ``not_applicable``.
    controls : sequence of CloseControl
        Close-control candidates. Size, contrast and placement judge one: the most confident at or
        above ``close-button-present.min_confidence`` (the reason says so when there were several).
    measurements : sequence of ControlMeasurement or None
        One per control, same order (None when that control could not be measured).
    frame_shape : tuple
        ``(H, W[, C])`` of the frame, px.
    density : float
        px per dp.
    profile : Profile, optional
        Default profile (``cn-2023``) when None.
    ctas : iterable of Box
        Jump-trigger boxes, px.

    Returns
    -------
    list of Finding
        One per enabled static rule, in :data:`STATIC_JUDGES` order.

    Raises
    ------
    ValueError
        ``measurements`` does not match ``controls``, or ``density`` / ``frame_shape`` is invalid.
    """
    if len(measurements) != len(controls):
        raise ValueError(f"measurements has {len(measurements)} entries; expected one per control ({len(controls)})")
    if not (isinstance(density, (int, float)) and math.isfinite(density) and density > 0):
        raise ValueError(f"density must be a positive number (px per dp), got {density!r}")
    if len(frame_shape) < 2 or frame_shape[0] <= 0 or frame_shape[1] <= 0:
        raise ValueError(f"frame_shape must be (H, W[, C]) with positive sides, got {frame_shape!r}")
    profile = _profile(profile)
    try:
        min_conf = profile.value("close-button-present", "min_confidence")
    except KeyError:
        min_conf = 0.0
    ctx = _Static(window, tuple(controls), tuple(measurements), tuple(frame_shape), float(density), profile,
                  tuple(tuple(int(v) for v in b) for b in ctas),  # type: ignore[misc]
                  best_control_index(controls, min_conf))
    findings: list[Finding] = []
    for rule_id, judge in list(STATIC_JUDGES.items()):
        if not profile.enabled(rule_id):
            continue
        try:
            finding = judge(ctx)
        except Exception as exc:  # noqa: BLE001 - one crashing rule must not stop the others
            finding = not_run(rule_id, f"error: {type(exc).__name__}: {exc}", profile)
        if finding is not None:
            findings.append(finding)
    return findings


# ------------------------------------------------------------------------------------------------
# dynamic rules (values measured on a device by the harness)
# ------------------------------------------------------------------------------------------------

def judge_delay(delay_s: float | None, *, profile: Any = None, box: Box | None = None,
                confidence: float = 1.0) -> Finding | None:
    """``close-button-delay``: seconds from the window's first frame to its close control's first frame.

    ``delay_s`` None: the control never appeared while the window was shown → violation.
    ≤ ``max_delay`` pass; ≤ ``review_delay`` needs_review; above → violation.
    """
    rid = "close-button-delay"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    t_max, t_rev = profile.threshold(rid, "max_delay"), profile.threshold(rid, "review_delay")
    thresholds = {"review_delay": t_rev, "max_delay": t_max}  # most decisive first (render shows the first failing)
    if delay_s is None:
        return _finding(rid, Outcome.VIOLATION, box=box, measured={"delay_s": None}, thresholds=thresholds,
                        confidence=confidence, reason="no close control appeared while the window was shown")
    if delay_s < 0 or not math.isfinite(delay_s):
        raise ValueError(f"delay_s must be a finite number ≥ 0, got {delay_s!r}")
    measured = {"delay_s": _r(delay_s, 3)}
    if delay_s <= t_max.value:
        return _finding(rid, Outcome.PASS, box=box, measured=measured, thresholds=thresholds, confidence=confidence)
    if delay_s <= t_rev.value:
        return _finding(rid, Outcome.NEEDS_REVIEW, box=box, measured=measured, thresholds=thresholds,
                        confidence=confidence,
                        reason="the close control appeared after the window")
    return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds=thresholds, confidence=confidence,
                    reason="the close control appeared only well after the window (close only after a countdown)")


def judge_works(closed: bool, jumped: bool, close_time_s: float | None, taps: int, *, profile: Any = None,
                box: Box | None = None, confidence: float = 1.0) -> Finding | None:
    """``close-button-works``: did tapping the close control close the window, without jumping?

    Parameters
    ----------
    closed : bool
        The window was gone after the taps.
    jumped : bool
        The app navigated to the ad target (another app, activity or URL).
    close_time_s : float or None
        Seconds from the (last) tap to the window being gone; None when not measured.
    taps : int
        Taps on the control it took (or that were tried, when it did not close).
    """
    rid = "close-button-works"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    if taps < 0:
        raise ValueError(f"taps must be ≥ 0, got {taps!r}")
    t_taps, t_time = profile.threshold(rid, "max_taps"), profile.threshold(rid, "max_close_time")
    thresholds = {"max_taps": t_taps, "max_close_time": t_time}
    measured = {"closed": bool(closed), "jumped": bool(jumped), "taps": int(taps), "close_time_s": _r(close_time_s, 3)}
    if jumped:
        return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds=thresholds, confidence=confidence,
                        reason="tapping the close control opened the ad target (fake close mark)")
    if taps == 0:
        return _finding(rid, Outcome.NOT_RUN, box=box, measured=measured, confidence=0.0,
                        reason="the close control was not tapped")
    if not closed:
        return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds=thresholds, confidence=confidence,
                        reason=f"the window was still shown after {taps} tap(s)")
    if taps > t_taps.value:
        return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds=thresholds, confidence=confidence,
                        reason="closing took more than one tap")
    if close_time_s is not None and close_time_s > t_time.value:
        return _finding(rid, Outcome.NEEDS_REVIEW, box=box, measured=measured, thresholds=thresholds,
                        confidence=confidence,
                        reason="the window was slow to go")
    return _finding(rid, Outcome.PASS, box=box, measured=measured, thresholds=thresholds, confidence=confidence)


def judge_hot_zone(fraction: float | None, uncertainty: float, probes: int, *, profile: Any = None,
                   box: Box | None = None, confidence: float = 1.0) -> Finding | None:
    """``fullscreen-jump-link`` from tap probes: the share of the screen whose tap navigates away.

    Parameters
    ----------
    fraction : float or None
        Estimated hot-zone area / screen area, 0..1.
    uncertainty : float
        ± on ``fraction`` from the probe grid's spacing, 0..1.
    probes : int
        Probe taps made; 0 → not_run.

    > ``violation_fraction`` violation (demoted to needs_review when ``fraction - uncertainty`` does
    not clear the limit); > ``review_fraction`` needs_review; else pass.
    """
    rid = "fullscreen-jump-link"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    if probes <= 0 or fraction is None:
        return not_run(rid, "no tap probes were made", profile, box=box)
    if not (0.0 <= fraction <= 1.0) or uncertainty < 0:
        raise ValueError(f"fraction must lie in 0..1 and uncertainty be ≥ 0, got {fraction!r} ± {uncertainty!r}")
    t_v, t_r = profile.threshold(rid, "violation_fraction"), profile.threshold(rid, "review_fraction")
    thresholds = {"violation_fraction": t_v, "review_fraction": t_r}
    measured = {"hot_zone_fraction": _r(fraction, 4), "hot_zone_uncertainty": _r(uncertainty, 4), "probes": int(probes)}
    if fraction > t_v.value:
        if fraction - uncertainty > t_v.value:
            return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds=thresholds,
                            confidence=confidence,
                            reason="most of the screen is a tap-to-jump area")
        return _finding(rid, Outcome.NEEDS_REVIEW, box=box, measured=measured, thresholds=thresholds,
                        confidence=confidence * 0.6,
                        reason=f"the hot zone ± {uncertainty:.0%} (probe spacing) straddles the violation limit")
    if fraction > t_r.value:
        return _finding(rid, Outcome.NEEDS_REVIEW, box=box, measured=measured, thresholds=thresholds,
                        confidence=confidence,
                        reason="a large part of the screen is a tap-to-jump area")
    return _finding(rid, Outcome.PASS, box=box, measured=measured, thresholds=thresholds, confidence=confidence)


def _spec_value(spec: Any, *keys: str) -> float | None:
    for k in keys:
        v = spec.get(k) if isinstance(spec, Mapping) else getattr(spec, k, None)
        if v is not None:
            return float(v)
    return None


def judge_shake(jumped: bool, spec_measured: Mapping[str, Any] | Any, *, profile: Any = None,
                confidence: float = 1.0) -> Finding | None:
    """``shake-sensitivity``: did a gentle shake (below the T/TAF 078.7 limits) trigger a jump?

    Parameters
    ----------
    jumped : bool
        The app navigated away during / after the shake.
    spec_measured : mapping or ShakeSpec
        The shake applied: ``acceleration`` (or ``acceleration_ms2``, m/s²), ``rotation_deg``,
        ``duration_s``.

    T/TAF allows a jump only when acceleration, rotation *and* duration all reach their limits, so
    a shake below any one of them is gentle. A shake that is not gentle cannot test the rule: not_run.
    """
    rid = "shake-sensitivity"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    t_acc = profile.threshold(rid, "min_acceleration")
    t_rot = profile.threshold(rid, "min_rotation")
    t_dur = profile.threshold(rid, "min_duration")
    thresholds = {"min_acceleration": t_acc, "min_rotation": t_rot, "min_duration": t_dur}
    acc = _spec_value(spec_measured, "acceleration_ms2", "acceleration")
    rot = _spec_value(spec_measured, "rotation_deg", "rotation")
    dur = _spec_value(spec_measured, "duration_s", "duration")
    measured = {"jumped": bool(jumped), "acceleration_ms2": acc, "rotation_deg": rot, "shake_duration_s": dur}
    if acc is None and rot is None and dur is None:
        return not_run(rid, "the shake applied is unknown (no acceleration, rotation or duration given)", profile)
    below = [name for name, v, t in (("acceleration", acc, t_acc), ("rotation", rot, t_rot), ("duration", dur, t_dur))
             if v is not None and v < t.value]
    if not below:
        return _finding(rid, Outcome.NOT_RUN, measured=measured, thresholds=thresholds, confidence=0.0,
                        reason="the shake applied reaches every T/TAF limit, so a jump would be allowed: "
                               "it cannot test the rule")
    if jumped:
        return _finding(rid, Outcome.VIOLATION, measured=measured, thresholds=thresholds, confidence=confidence,
                        reason=f"a gentle shake (below the T/TAF {', '.join(below)} limit{'s' if len(below) > 1 else ''}) "
                               "triggered a jump")
    return _finding(rid, Outcome.PASS, measured=measured, thresholds=thresholds, confidence=confidence)


def judge_duration(duration_s: float | None, ended: bool, *, profile: Any = None, box: Box | None = None,
                   confidence: float = 1.0) -> Finding | None:
    """``splash-duration``: seconds from the splash window's first to last frame, nobody tapping.

    ``duration_s`` None → not_applicable (no splash). ``ended`` False means the capture stopped
    while the splash was still shown: ``duration_s`` is then a lower bound.
    """
    rid = "splash-duration"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    if duration_s is None:
        return not_applicable(rid, "no splash window in the timeline", profile)
    if duration_s < 0 or not math.isfinite(duration_s):
        raise ValueError(f"duration_s must be a finite number ≥ 0, got {duration_s!r}")
    t = profile.threshold(rid, "max_duration")
    measured = {"duration_s": _r(duration_s, 3), "ended": bool(ended)}
    thresholds = {"max_duration": t}
    if duration_s > t.value:
        # RULES.md: longer than the limit is for review (a long splash is annoying, not forbidden).
        what = "lasted longer than the limit" if ended else "was still shown past the limit when the capture stopped"
        return _finding(rid, Outcome.NEEDS_REVIEW, box=box, measured=measured, thresholds=thresholds,
                        confidence=confidence, reason=f"the splash {what}")
    if not ended:
        return _finding(rid, Outcome.NOT_RUN, box=box, measured=measured, thresholds=thresholds, confidence=0.0,
                                reason="the capture stopped before the splash ended and before the limit: cannot tell")
    return _finding(rid, Outcome.PASS, box=box, measured=measured, thresholds=thresholds, confidence=confidence)


def judge_reappears(reappeared: bool, after_s: float | None, *, profile: Any = None, box: Box | None = None,
                    confidence: float = 1.0) -> Finding | None:
    """``popup-reappears``: did the closed pop-up come back on the same page?

    Any reappearance in the session is a violation (SAMR 2023 Art. 10); ``watch_time`` is how
    long the harness watches after closing and is recorded beside ``after_s``.
    """
    rid = "popup-reappears"
    profile = _profile(profile)
    if not profile.enabled(rid):
        return None
    t = profile.threshold(rid, "watch_time")
    measured = {"reappeared": bool(reappeared), "reappeared_after_s": _r(after_s, 3)}
    if reappeared:
        when = f" {after_s:.1f} s" if after_s is not None else ""
        return _finding(rid, Outcome.VIOLATION, box=box, measured=measured, thresholds={"watch_time": t},
                        confidence=confidence, reason=f"the pop-up came back{when} after it was closed")
    return _finding(rid, Outcome.PASS, box=box, measured=measured, thresholds={"watch_time": t}, confidence=confidence)

