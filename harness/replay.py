"""A device that serves a recorded timeline, for testing tracking and checks without a browser.

:class:`ReplayDevice` implements :class:`harness.device.Device`: after ``launch`` its screenshots
are the timeline's frames at the time elapsed on its clock; taps are recorded but change
nothing; ``shake`` raises ``NotImplementedError`` (a recording cannot react). With a
:class:`FakeClock` every screenshot costs ``frame_cost_s`` of virtual time, so a six-second
launch replays in milliseconds and deterministically.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np

from detectors.model import UiNode
from harness.device import AppSpec, DeviceError, ShakeSpec, Timeline
from harness.timeline import REAL_CLOCK, Clock, load_timeline

__all__ = ["ReplayDevice", "FakeClock"]


class FakeClock:
    """Virtual seconds: ``sleep`` advances ``now`` instantly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = float(start)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.t += seconds

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


class ReplayDevice:
    """Serve ``timeline`` (a :class:`Timeline` or a saved timeline folder) as a device.

    Parameters
    ----------
    timeline : Timeline or path
        What to replay.
    clock : Clock, optional
        Time source; the real clock by default.
    frame_cost_s : float
        Virtual seconds a screenshot takes (``clock.sleep``); keep 0 with the real clock.
    location : str
        What ``location()`` answers (a recording never navigates).
    """

    platform = "chromium"

    def __init__(self, timeline: Timeline | str | Path, *, name: str = "replay", clock: Clock | None = None,
                 frame_cost_s: float = 0.0, location: str = "replay://app") -> None:
        self.timeline = timeline if isinstance(timeline, Timeline) else load_timeline(timeline)
        if not self.timeline.frames:
            raise ValueError("timeline has no frames to replay")
        self.name = name
        self.density = float(self.timeline.density)
        self.clock = clock or REAL_CLOCK
        self.frame_cost_s = float(frame_cost_s)
        self._location = location
        self._times = [f.t for f in self.timeline.frames]
        self._t0: float | None = None
        self.started = False
        self.launches = 0
        self.taps: list[tuple[float, float, float]] = []
        """(t since launch, x, y) of every tap."""

    # --- session
    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    # --- app
    def launch(self, app: AppSpec) -> None:
        self.started = True
        self.launches += 1
        self._t0 = self.clock.now()

    def terminate(self, app: AppSpec) -> None:
        self._t0 = None

    def _index(self) -> int:
        if self._t0 is None:
            raise DeviceError(f"{self.name}: no app launched")
        el = self.clock.now() - self._t0
        return max(0, bisect.bisect_right(self._times, el) - 1)

    def screenshot(self) -> np.ndarray:
        i = self._index()
        self.clock.sleep(self.frame_cost_s)
        return self.timeline.frames[i].image.copy()

    def ui_tree(self) -> tuple[UiNode, ...] | None:
        i = self._index()
        for f in reversed(self.timeline.frames[:i + 1]):
            if f.ui_tree is not None:
                return f.ui_tree
        return None

    def tap(self, x: float, y: float) -> None:
        el = self.clock.now() - self._t0 if self._t0 is not None else -1.0
        self.taps.append((el, float(x), float(y)))

    def shake(self, spec: ShakeSpec) -> None:
        raise NotImplementedError(f"{self.name}: a recorded timeline cannot react to motion")

    def location(self) -> str:
        return self._location

    def screen_size(self) -> tuple[int, int]:
        h, w = self.timeline.frames[0].image.shape[:2]
        return int(w), int(h)
