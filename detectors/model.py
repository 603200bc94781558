"""Plain, frozen data shared by detectors, rules, the harness and the reports.

Everything here is data: no image processing, no I/O. Text for people is rendered
from these records later (see ``detectors.render``), never stored as the only record.

Coordinates are image pixels ``(x1, y1, x2, y2)`` with ``x2``/``y2`` exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Mapping

Box = tuple[int, int, int, int]
"""``(x1, y1, x2, y2)`` in image pixels, ``x2``/``y2`` exclusive."""


class Outcome(str, Enum):
    """What a rule concluded. Separate from :class:`Impact` (how bad it is)."""

    VIOLATION = "violation"
    NEEDS_REVIEW = "needs_review"
    PASS = "pass"
    NOT_APPLICABLE = "not_applicable"
    NOT_RUN = "not_run"

    @property
    def rank(self) -> int:
        """Order used to merge several findings of one rule: worst first."""
        return _OUTCOME_RANK[self]


_OUTCOME_RANK = {
    Outcome.VIOLATION: 4,
    Outcome.NEEDS_REVIEW: 3,
    Outcome.NOT_RUN: 2,
    Outcome.PASS: 1,
    Outcome.NOT_APPLICABLE: 0,
}


class Impact(str, Enum):
    MINOR = "minor"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Threshold:
    """One limit a rule is judged against, with where it comes from."""

    value: float
    unit: str
    source: str
    profile: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "source": self.source, "profile": self.profile}


@dataclass(frozen=True)
class Finding:
    """The result of one rule on one window (or one app run).

    Attributes
    ----------
    rule : str
        Stable kebab-case rule id from ``detectors.rules.RULES``.
    outcome, impact
        What was concluded and how bad it is.
    box_px : Box or None
        Region the finding is about (image pixels), when it has one.
    measured : Mapping[str, Any]
        Measured values; keys carry the unit as suffix (``width_dp``, ``ratio``, ``delay_s``).
    thresholds : Mapping[str, Threshold]
        The limits judged against, by name.
    confidence : float
        0..1, how sure the detector is of the inputs the judgement rests on.
    evidence : tuple[str, ...]
        Paths of evidence files (annotated images), added by whoever writes them.
    reason : str or None
        Why the rule is ``not_run`` / ``not_applicable`` / ``needs_review``; a short key or sentence.
    """

    rule: str
    outcome: Outcome
    impact: Impact
    box_px: Box | None = None
    measured: Mapping[str, Any] = field(default_factory=dict)
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    confidence: float = 1.0
    evidence: tuple[str, ...] = ()
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "impact": self.impact.value,
            "box": list(self.box_px) if self.box_px is not None else None,
            "measured": dict(self.measured),
            "threshold": {k: t.to_json() for k, t in self.thresholds.items()},
            "confidence": round(float(self.confidence), 3),
            "evidence": list(self.evidence),
            "reason": self.reason,
        }


WindowKind = Literal["fullscreen", "card", "sheet", "dialog"]
ControlKind = Literal["x_icon", "text"]


@dataclass(frozen=True)
class Window:
    """A splash screen or pop-up window found in a frame.

    ``kind``: ``fullscreen`` (full-bleed splash / interstitial), ``card`` (box over a dimmed
    scrim), ``sheet`` (bottom sheet), ``dialog`` (system-style alert).
    """

    box: Box
    kind: WindowKind
    confidence: float
    scrim: bool = False
    cues: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CloseControl:
    """A control that dismisses a window: an X glyph or a text control (跳过, Skip, 关闭, ...)."""

    box: Box
    kind: ControlKind
    confidence: float
    text: str | None = None


@dataclass(frozen=True)
class ControlMeasurement:
    """Measured facts about one close control (see ``detectors.measure``).

    Attributes
    ----------
    width_dp, height_dp : float
        Visible size in dp (px / density).
    contrast : float or None
        WCAG contrast ratio of the control's foreground against its surroundings;
        None when it cannot be estimated (uniform crop).
    opacity : float or None
        0..1 estimate of the control's opacity, when it can be told.
    placement : Mapping[str, Any]
        ``corner`` (e.g. ``"top-right"`` or None), ``in_corner_zone`` (bool),
        ``in_status_bar`` (bool), ``cta_distance_dp`` (float or None), ...
    touch_box : Box or None
        Clickable bounds from a UI tree, when one was given.
    details : Mapping[str, Any]
        Further measured values behind the figures above, keys with units
        (``glyph_ratio``, ``badge_ratio``, ``glyph_height_dp``, colours as ``*_bgr``).
    """

    width_dp: float
    height_dp: float
    contrast: float | None
    opacity: float | None = None
    placement: Mapping[str, Any] = field(default_factory=dict)
    touch_box: Box | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UiNode:
    """One clickable element of a UI tree (Android hierarchy, iOS source, or DOM), in image pixels."""

    box: Box
    text: str = ""
    desc: str = ""
    resource_id: str = ""
    clickable: bool = True
    cls: str = ""


@dataclass(frozen=True)
class FrameAnalysis:
    """Everything the detector stack concluded about one frame."""

    width: int
    height: int
    density: float
    density_estimated: bool
    window: Window | None
    controls: tuple[CloseControl, ...] = ()
    measurements: tuple[ControlMeasurement, ...] = ()
    ctas: tuple[Box, ...] = ()
    findings: tuple[Finding, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)

    @property
    def popup(self) -> bool:
        return self.window is not None
