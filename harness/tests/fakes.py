"""Test doubles for the harness: a numpy-drawn app behind the Device Protocol, on a virtual clock.

:class:`FakeApp` describes the app (window box and timing, close control and what tapping it
does, jump rectangles, natural end, reappearance, shake sensitivity); :class:`FakeDevice` draws
it and reacts to taps and shakes; :func:`fake_analyze` is a stand-in for
``detectors.analyze.analyze_frame`` that finds the window and control by their exact colours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from detectors.model import Box, CloseControl, FrameAnalysis, UiNode, Window
from harness.device import AppSpec, DeviceError, ShakeSpec
from harness.replay import FakeClock

WINDOW_BGR = (200, 120, 40)
STRIPE_BGR = (230, 170, 90)
CONTROL_BGR = (40, 40, 40)
CTA_BGR = (30, 200, 250)
PAGE_BGR = (235, 235, 235)
LANDING_BGR = (255, 255, 255)


@dataclass
class FakeApp:
    """What the fake app shows and does. Times are seconds since launch."""

    size: tuple[int, int] = (400, 800)          # (w, h)
    window: Box = (0, 0, 400, 800)
    kind: str = "fullscreen"
    scrim: bool = False
    t_show: float = 0.2
    control: Box | None = (340, 20, 384, 64)
    t_control: float = 0.2
    close: str = "one"                          # one | two | jump | dead
    jumps: list[Box] = field(default_factory=list)
    tap_closes: list[Box] = field(default_factory=list)  # areas (not the control) whose tap closes
    t_end: float | None = None                  # the window ends on its own
    reappear_after: float | None = None         # a closed window comes back after this many seconds
    shake: str = "ignore"                       # ignore | jump | unsupported
    ctas: list[Box] = field(default_factory=list)  # drawn as buttons (a detector can see them)


class FakeDevice:
    """A Device drawing :class:`FakeApp` on a :class:`FakeClock`; every call costs virtual time."""

    platform = "chromium"
    SHOT_S, TAP_S, LOC_S, LAUNCH_S, TREE_S = 0.15, 0.05, 0.02, 0.4, 0.1

    def __init__(self, app: FakeApp, *, clock: FakeClock | None = None, density: float = 2.0,
                 name: str = "fake", fail_after_launches: int | None = None) -> None:
        self.app = app
        self.clock = clock or FakeClock()
        self.density = density
        self.name = name
        self.launches = 0
        self.taps: list[tuple[float, float]] = []
        self.fail_after_launches = fail_after_launches
        self._t0: float | None = None
        self._state = "none"

    # --- Device protocol
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def launch(self, app: AppSpec) -> None:
        self.launches += 1
        if self.fail_after_launches is not None and self.launches > self.fail_after_launches:
            raise DeviceError(f"{self.name}: session died")
        self.clock.sleep(self.LAUNCH_S)
        self._t0 = self.clock.now()
        self._closed_at: float | None = None
        self._jumped = False
        self._control_taps = 0

    def terminate(self, app: AppSpec) -> None:
        self._t0 = None

    def _el(self) -> float:
        assert self._t0 is not None, "not launched"
        return self.clock.now() - self._t0

    def window_up(self) -> bool:
        a, el = self.app, self._el()
        if self._jumped or el < a.t_show:
            return False
        if a.t_end is not None and el >= a.t_end:
            return False
        if self._closed_at is not None:
            return a.reappear_after is not None and el >= self._closed_at + a.reappear_after
        return True

    def screenshot(self) -> np.ndarray:
        self.clock.sleep(self.SHOT_S)
        return self.render()

    def render(self) -> np.ndarray:
        a = self.app
        w, h = a.size
        if self._jumped:
            img = np.full((h, w, 3), LANDING_BGR, np.uint8)
            cv2.rectangle(img, (20, 20), (w - 20, 80), (0, 0, 0), -1)
            return img
        img = np.full((h, w, 3), PAGE_BGR, np.uint8)
        for y in range(100, h, 120):
            cv2.rectangle(img, (20, y), (w - 20, y + 80), (180, 200, 220), -1)
        if not self.window_up():
            return img
        if a.scrim:
            img = (img * 0.4).astype(np.uint8)
        x1, y1, x2, y2 = a.window
        img[y1:y2, x1:x2] = WINDOW_BGR
        for y in range(y1 + 30, y2, 60):
            img[y:min(y + 12, y2), x1 + 10:x2 - 10] = STRIPE_BGR
        for bx1, by1, bx2, by2 in a.ctas:
            img[by1:by2, bx1:bx2] = CTA_BGR
        if a.control is not None and self._el() >= a.t_control:
            cx1, cy1, cx2, cy2 = a.control
            img[cy1:cy2, cx1:cx2] = CONTROL_BGR
            cv2.line(img, (cx1 + 8, cy1 + 8), (cx2 - 8, cy2 - 8), (255, 255, 255), 3)
            cv2.line(img, (cx2 - 8, cy1 + 8), (cx1 + 8, cy2 - 8), (255, 255, 255), 3)
        return img

    def ui_tree(self) -> tuple[UiNode, ...] | None:
        self.clock.sleep(self.TREE_S)
        return None

    def tap(self, x: float, y: float) -> None:
        self.clock.sleep(self.TAP_S)
        self.taps.append((x, y))
        a = self.app
        if not self.window_up():
            return
        p = (x, y)
        if a.control is not None and _inside(p, a.control) and self._el() >= a.t_control:
            self._control_taps += 1
            if a.close == "jump":
                self._jumped = True
            elif a.close == "one" or (a.close == "two" and self._control_taps >= 2):
                self._closed_at = self._el()
            return
        if any(_inside(p, b) for b in a.jumps):
            self._jumped = True
        elif any(_inside(p, b) for b in a.tap_closes):
            self._closed_at = self._el()

    def shake(self, spec: ShakeSpec) -> None:
        if self.app.shake == "unsupported":
            raise NotImplementedError("fake: no motion sensors")
        self.clock.sleep(spec.duration_s)
        if self.app.shake == "jump" and self.window_up():
            self._jumped = True

    def location(self) -> str:
        self.clock.sleep(self.LOC_S)
        return "http://fake/landing.html" if self._jumped else "http://fake/index.html"

    def screen_size(self) -> tuple[int, int]:
        return self.app.size


def _inside(p: tuple[float, float], b: Box) -> bool:
    return b[0] <= p[0] < b[2] and b[1] <= p[1] < b[3]


def _bbox(mask: np.ndarray) -> Box | None:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def fake_analyze(frame: np.ndarray, *, density: float | None = None, profile: Any = None,
                 ui_tree: Any = None, reader: Any = None, kind: str = "fullscreen",
                 status_bar_expected: bool = True) -> FrameAnalysis:
    """Window = bounding box of the window colour; control = bounding box of the control colour."""
    h, w = frame.shape[:2]
    win_box = _bbox(np.all(frame == WINDOW_BGR, axis=2))
    window = Window(box=win_box, kind=kind, confidence=0.9) if win_box else None  # type: ignore[arg-type]
    controls: tuple[CloseControl, ...] = ()
    ctas: tuple[Box, ...] = ()
    if window is not None:
        cb = _bbox(np.all(frame == CONTROL_BGR, axis=2))
        if cb is not None:
            controls = (CloseControl(box=cb, kind="x_icon", confidence=0.9),)
        n, _, stats, _ = cv2.connectedComponentsWithStats(np.all(frame == CTA_BGR, axis=2).astype(np.uint8))
        ctas = tuple((int(x), int(y), int(x + bw), int(y + bh)) for x, y, bw, bh, _ in stats[1:n])
    return FrameAnalysis(width=w, height=h, density=density or 2.0, density_estimated=density is None,
                         window=window, controls=controls, ctas=ctas)


class CountingAnalyzer:
    """``fake_analyze`` that counts its calls."""

    def __init__(self, kind: str = "fullscreen") -> None:
        self.calls = 0
        self.kind = kind

    def __call__(self, frame: np.ndarray, **kw: Any) -> FrameAnalysis:
        self.calls += 1
        return fake_analyze(frame, kind=self.kind, **kw)


def true_hot_fraction(app: FakeApp, step: int = 2) -> float:
    """Share of the window's area whose tap jumps (the control wins where they overlap), by raster."""
    x1, y1, x2, y2 = app.window
    n = jump = 0
    for y in range(y1, y2, step):
        for x in range(x1, x2, step):
            n += 1
            p = (x + 0.5, y + 0.5)
            if app.control is not None and _inside(p, app.control):
                continue
            if any(_inside(p, b) for b in app.jumps):
                jump += 1
    return jump / n
