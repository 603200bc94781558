"""One frame in, one :class:`~detectors.model.FrameAnalysis` out: the glue of the detector stack.

Stages, each timed in ms (``FrameAnalysis.timings_ms``):

``input``     :func:`detectors.imageio.as_bgr` and the density (given or estimated)
``window``    :func:`detectors.window.detect_window`
``controls``  :func:`detectors.close_controls.find_close_controls`
``ctas``      :func:`detectors.close_controls.find_ctas`
``measure``   :func:`detectors.measure.measure_control`, per control
``rules``     :func:`detectors.rules.judge_static`
``total``     the whole call

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
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Sequence

from detectors.density import estimate_density
from detectors.imageio import as_bgr
from detectors.model import Box, CloseControl, ControlMeasurement, Finding, FrameAnalysis, Outcome, UiNode, Window
from detectors.profiles import Profile, load_profile
from detectors.registry import RULES

# The stack's modules, imported by name so that tests can monkeypatch them here
# (detectors.analyze.detect_window, ...).
from detectors.window import detect_window
from detectors.close_controls import find_close_controls, find_ctas
from detectors.measure import measure_control
from detectors.rules import STATIC_JUDGES, judge_static, not_run

__all__ = ["analyze_frame", "STATIC_RULES", "STAGE_RULES"]

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


def analyze_frame(frame: object, *, density: float | None = None, profile: Profile | str | None = None,
                  ui_tree: Sequence[UiNode] | None = None, reader: Any = None) -> FrameAnalysis:
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

    bgr = as_bgr(frame, name="frame")
    h, w = int(bgr.shape[0]), int(bgr.shape[1])
    if density is None:
        dens, estimated = estimate_density(w, h), True
    else:
        dens, estimated = _check_density(density), False
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    timings["input"] = _ms(t_start)

    failed: dict[str, str] = {}  # stage -> error text

    def stage(name: str, fn: Callable[[], Any], default: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - any detector bug becomes a not_run finding
            failed[name] = _error_text(exc)
            return default
        finally:
            timings[name] = round(timings.get(name, 0.0) + _ms(t0), 3)

    window: Window | None = stage("window", lambda: detect_window(bgr, density=dens), None)
    controls: list[CloseControl] = []
    ctas: list[Box] = []
    measurements: list[ControlMeasurement | None] = []
    if window is not None:
        controls = list(stage("controls", lambda: find_close_controls(bgr, window=window, density=dens,
                                                                       reader=reader), []) or [])
        ctas = [tuple(int(v) for v in b) for b in  # type: ignore[misc]
                (stage("ctas", lambda: find_ctas(bgr, window=window, density=dens, reader=reader), []) or [])]
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
    ctrl_out = tuple(c for c, _ in kept)
    meas_out = tuple(m for _, m in kept)
    timings["total"] = round(_ms(t_start), 3)
    timings["input"] = round(timings["input"], 3)
    return FrameAnalysis(width=w, height=h, density=dens, density_estimated=estimated, window=window,
                         controls=ctrl_out, measurements=meas_out, ctas=tuple(ctas),  # type: ignore[arg-type]
                         findings=tuple(findings), timings_ms=timings)


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
