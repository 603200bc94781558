"""The narrow interface every device sits behind, and the data it hands out.

All Appium code lives behind :class:`Device` (implemented in ``harness.appium_device``);
probes, the timeline recorder and the test suite only ever see this Protocol, so a replay
device serving recorded frames works wherever a real one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from detectors.model import UiNode

Platform = Literal["chromium", "android", "ios"]


def shows_status_bar(platform: str) -> bool:
    """Whether screenshots of ``platform`` include the system status bar.

    Android and iOS screenshots do; Chromium's mobile emulation draws none, and the window
    detector must know (an absent status bar is otherwise a cue for an immersive splash).
    """
    return platform != "chromium"


@dataclass(frozen=True)
class AppSpec:
    """An app under test.

    Exactly one of ``url`` (web app: http(s) URL or ``file://``; Chromium devices),
    ``package`` (Android; with ``activity`` and/or ``apk``) or ``bundle_id`` (iOS; with ``ipa``) is set.
    ``expected`` holds the expected outcome per rule for demo apps (used by self-tests).
    """

    id: str
    url: str | None = None
    package: str | None = None
    activity: str | None = None
    apk: str | None = None
    bundle_id: str | None = None
    ipa: str | None = None
    title: str = ""
    expected: dict[str, str] = field(default_factory=dict)

    @property
    def platforms(self) -> tuple[Platform, ...]:
        if self.url:
            return ("chromium",)
        if self.package:
            return ("android",)
        return ("ios",)


@dataclass(frozen=True)
class ShakeSpec:
    """A gentle shake: peak linear acceleration (m/s²), peak rotation (deg), duration (s)."""

    acceleration: float
    rotation_deg: float
    duration_s: float
    frequency_hz: float = 2.0


@dataclass(frozen=True)
class Frame:
    """One captured frame of a timeline.

    ``t`` is seconds since the launch command was sent; ``image`` is H×W×3 uint8 BGR in device pixels.
    """

    t: float
    image: np.ndarray
    ui_tree: tuple[UiNode, ...] | None = None
    activity: str | None = None
    """Foreground activity when the UI tree was read (Android; an ad SDK's is a splash / pop-up cue)."""


@dataclass
class Timeline:
    """Frames of one launch, in time order, plus what the driver said about the app's location."""

    frames: list[Frame] = field(default_factory=list)
    density: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)


class DeviceError(RuntimeError):
    """A device could not do what was asked; the message names the device (and URL when relevant)."""


class AppLaunchError(RuntimeError):
    """The app under test failed to load or crashed on launch: that app's result, not the device's.

    Not a :class:`DeviceError`: retrying on a fresh session would not help, and the run goes on
    with the next app on the same device.
    """


@runtime_checkable
class Device(Protocol):
    """What splashcheck needs from a device. Coordinates are screenshot pixels."""

    name: str
    platform: Platform
    density: float

    def start(self) -> None:
        """Open the session (idempotent)."""

    def stop(self) -> None:
        """Close the session; never raises."""

    def launch(self, app: AppSpec) -> None:
        """Cold-launch ``app`` (terminate first; clear state where the platform allows)."""

    def terminate(self, app: AppSpec) -> None: ...

    def screenshot(self) -> np.ndarray:
        """H×W×3 uint8 BGR, device pixels."""

    def ui_tree(self) -> tuple[UiNode, ...] | None:
        """Visible clickable elements in screenshot pixels, or None when the driver cannot tell."""

    def tap(self, x: float, y: float) -> None:
        """One touch tap at screenshot pixel (x, y)."""

    def shake(self, spec: ShakeSpec) -> None:
        """Play a gentle motion through simulated sensors; raises ``NotImplementedError`` with a
        reason when the platform cannot simulate motion (the rule becomes ``not_run``)."""

    def location(self) -> str:
        """Where the app is: URL (browser), ``package/activity`` (Android), bundle id (iOS)."""

    def screen_size(self) -> tuple[int, int]:
        """(width, height) of screenshots, in pixels."""


@dataclass
class AppResult:
    """Everything one device × app run concluded: one finding per enabled rule.

    ``error`` is set when the run could not complete (unreachable server, app crash, dead
    session); findings that could not be evaluated are then ``not_run`` with the reason.
    """

    device: str
    app: str
    error: str | None = None
    findings: dict[str, Any] = field(default_factory=dict)
    """rule id → :class:`detectors.model.Finding`."""
    artifacts: dict[str, str] = field(default_factory=dict)
    """name → file path: ``key_frame`` (annotated PNG), ``contact_sheet``, ``timeline`` (folder), ..."""
    timings_s: dict[str, float] = field(default_factory=dict)
    coverage: str | None = None
    """What the launch timeline showed and how it was judged (``harness.segments.coverage``):
    ``window recognised``, ``transient screen judged without recognised window``,
    ``no transient screen`` (the only case where the window rules are ``not_applicable``), ..."""
