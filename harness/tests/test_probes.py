"""Dynamic probes against a numpy-drawn fake app on a virtual clock: close, hot zone, shake."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from detectors.profiles import load_profile
from harness.device import AppSpec, DeviceError
from harness.probes import (ProbeError, WindowMatcher, draw_hot_zone, gentle_shake, plan_grid, probe_close,
                            probe_hot_zone, probe_shake, ready_to_tap_s)
from harness.tests.fakes import CountingAnalyzer, FakeApp, FakeDevice, true_hot_fraction
from harness.timeline import record_launch
from harness.tracking import primary_track, track_timeline

APP = AppSpec(id="fake", url="http://fake/index.html")


def _setup(app: FakeApp, duration_s: float = 2.0):
    """Record the launch timeline and track the window, like check_app does."""
    dev = FakeDevice(app)
    tl = record_launch(dev, APP, duration_s=duration_s, ui_trees=False, clock=dev.clock)
    tracks, _ = track_timeline(tl, analyze=CountingAnalyzer(app.kind))
    track = primary_track(tracks)
    assert track is not None
    return dev, track, tl.frames[track.key_index].image


# ----------------------------------------------------------------------------- close

@pytest.mark.parametrize("close, closed, jumped, taps", [
    ("one", True, False, 1),
    ("two", True, False, 2),
    ("jump", False, True, 1),
    ("dead", False, False, 2),
])
def test_close_probe_outcomes(close, closed, jumped, taps):
    dev, track, key = _setup(FakeApp(close=close))
    launches = dev.launches
    res = probe_close(dev, APP, track, key, clock=dev.clock, watch_s=1.0)
    assert res.ran
    assert (res.closed, res.jumped, res.taps) == (closed, jumped, taps)
    assert dev.launches == launches + 1
    # It tapped the control's centre.
    assert dev.taps[0] == pytest.approx((362, 42), abs=1)
    if closed:
        assert 0 < res.close_time_s <= 1.0
        assert res.reappeared is False and res.watched_s >= 1.0
    else:
        assert res.reappeared is None
    if jumped:
        assert res.location_after.endswith("landing.html")


def test_close_probe_sees_a_comeback():
    dev, track, key = _setup(FakeApp(reappear_after=1.5))
    res = probe_close(dev, APP, track, key, clock=dev.clock, watch_s=3.0)
    assert res.closed and res.reappeared
    assert res.reappear_after_s == pytest.approx(1.5, abs=0.3)  # measured from the frame that showed it gone
    assert res.reappear_image is not None


def test_close_probe_waits_for_a_delayed_control():
    dev, track, key = _setup(FakeApp(t_control=1.5), duration_s=3.0)
    assert track.delay_s == pytest.approx(1.4, abs=0.21)
    res = probe_close(dev, APP, track, key, clock=dev.clock, watch_s=0.0)
    assert res.closed and res.taps == 1


def test_close_probe_flags_a_window_that_ends_on_its_own_as_ambiguous():
    # A dead control on a window that ends on its own 1.3 s after it shows: the window is gone
    # after the taps, but not because of them.
    dev, track, key = _setup(FakeApp(t_control=0.5, t_end=1.5, close="dead"), duration_s=2.5)
    res = probe_close(dev, APP, track, key, clock=dev.clock, watch_s=0.0)
    assert res.closed and res.ambiguous and "on its own" in res.ambiguous


def test_close_probe_taps_a_late_control_while_the_window_is_still_up():
    # control at 0.9 s, window gone at 1.3 s: the settling wait is cut so the tap lands in time
    dev, track, key = _setup(FakeApp(t_control=0.9, t_end=1.3), duration_s=2.5)
    assert ready_to_tap_s(track) == pytest.approx(max(track.delay_s, track.end_t - track.first_t - 0.6))
    res = probe_close(dev, APP, track, key, clock=dev.clock, watch_s=0.0)
    assert res.ran and res.closed and res.taps == 1


def test_close_probe_fails_clearly_when_the_window_ends_before_it_is_ready():
    dev, track, key = _setup(FakeApp(t_control=0.9, t_end=1.3), duration_s=2.5)
    late = dataclasses.replace(track, control_first_t=track.first_t + 2.0)  # a control dated after the end
    with pytest.raises(ProbeError, match="went away"):
        probe_close(dev, APP, late, key, clock=dev.clock, watch_s=0.0)


def test_close_probe_without_control_does_not_run():
    dev, track, key = _setup(FakeApp(control=None))
    res = probe_close(dev, APP, track, key, clock=dev.clock)
    assert not res.ran and "no close control" in res.reason


def test_device_error_propagates():
    dev, track, key = _setup(FakeApp())
    dev.fail_after_launches = dev.launches
    with pytest.raises(DeviceError):
        probe_close(dev, APP, track, key, clock=dev.clock)


# ----------------------------------------------------------------------------- hot zone

W, H = 400, 800
HOT_CASES = {
    "nothing": FakeApp(),
    "whole-window": FakeApp(jumps=[(0, 0, W, H)]),
    "picture-70%": FakeApp(jumps=[(0, 0, W, 560)]),
    "top-60%": FakeApp(jumps=[(0, 0, W, 480)]),
    "left-half": FakeApp(jumps=[(0, 0, 200, H)]),
    "small-button-unseen": FakeApp(jumps=[(100, 640, 300, 700)]),
    "small-button-seen": FakeApp(jumps=[(100, 640, 300, 700)], ctas=[(100, 640, 300, 700)]),
    "picture+button": FakeApp(jumps=[(0, 0, W, 560), (100, 640, 300, 700)], ctas=[(100, 640, 300, 700)]),
    "card-all": FakeApp(window=(50, 200, 350, 500), kind="card", scrim=True, control=(300, 210, 340, 250),
                        jumps=[(50, 200, 350, 500)]),
    "card-button-seen": FakeApp(window=(50, 200, 350, 500), kind="card", scrim=True, control=(300, 210, 340, 250),
                                jumps=[(100, 420, 300, 470)], ctas=[(100, 420, 300, 470)]),
    "ends-after-3s": FakeApp(jumps=[(0, 0, W, 560)], t_end=3.0),
}


@pytest.mark.parametrize("name", list(HOT_CASES))
def test_hot_zone_estimate_within_ten_percent_with_at_most_eight_launches(name):
    app = HOT_CASES[name]
    dev, track, key = _setup(app)
    before = dev.launches
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock)
    truth = true_hot_fraction(app)
    assert res.ran, res.reason
    assert abs(res.fraction - truth) <= 0.10, (res.fraction, truth, res.probes)
    assert res.launches <= 8 and dev.launches - before == res.launches
    assert 0 < res.uncertainty <= 0.5
    # Screen share = window share × window area / screen area.
    x1, y1, x2, y2 = app.window
    assert res.screen_fraction == pytest.approx(res.fraction * (x2 - x1) * (y2 - y1) / (W * H), abs=1e-3)
    # Never a tap on the close control.
    cx1, cy1, cx2, cy2 = app.control
    assert not any(cx1 <= p.x < cx2 and cy1 <= p.y < cy2 for p in res.probes)


def test_hot_zone_without_jumps_needs_one_launch_and_a_whole_window_few():
    dev, track, key = _setup(HOT_CASES["nothing"])
    assert probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock).launches == 1
    dev, track, key = _setup(HOT_CASES["whole-window"])
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock)
    assert res.launches <= 4 and res.jump_taps == res.launches
    assert res.fraction >= 0.95


def test_hot_zone_probe_respects_the_launch_budget():
    dev, track, key = _setup(HOT_CASES["top-60%"])
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock, max_launches=2)
    assert res.launches == 2 and "launch budget" in res.stopped
    assert res.fraction is not None


def test_hot_zone_map_is_drawn():
    dev, track, key = _setup(HOT_CASES["picture-70%"])
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock)
    img = draw_hot_zone(key, res)
    assert img.shape == key.shape and not np.array_equal(img, key)
    # Jump cells are tinted red: the top of the window is redder than the bottom.
    top, bottom = img[100:200, 50:300].astype(int), img[700:780, 50:300].astype(int)
    assert (top[..., 2] - top[..., 1]).mean() > (bottom[..., 2] - bottom[..., 1]).mean()


def test_plan_grid_keeps_taps_off_the_control():
    g = plan_grid((0, 0, 300, 600), control=(200, 0, 300, 120), density=2.0, cols=3)
    assert (g.rows, g.cols) == (4, 3)  # rows follow the aspect: round(3 × 600/300 × 0.75) = 4
    for p in g.points.values():
        assert not (200 - 16 <= p[0] < 300 + 16 and 0 - 16 <= p[1] < 120 + 16)


# ----------------------------------------------------------------------------- shake

def test_shake_probe_detects_a_jump_and_passes_a_calm_app():
    spec = gentle_shake(load_profile())
    dev, track, key = _setup(FakeApp(shake="jump"))
    res = probe_shake(dev, APP, track, key, spec=spec, clock=dev.clock)
    assert res.ran and res.jumped
    dev, track, key = _setup(FakeApp(shake="ignore"))
    res = probe_shake(dev, APP, track, key, spec=spec, clock=dev.clock)
    assert res.ran and not res.jumped


def test_shake_probe_not_run_when_the_device_cannot_shake():
    dev, track, key = _setup(FakeApp(shake="unsupported"))
    res = probe_shake(dev, APP, track, key, spec=gentle_shake(), clock=dev.clock)
    assert not res.ran and "no motion sensors" in res.reason


def test_gentle_shake_stays_below_every_threshold():
    prof = load_profile()
    s = gentle_shake(prof)
    assert s.acceleration < prof.value("shake-sensitivity", "min_acceleration")
    assert s.rotation_deg < prof.value("shake-sensitivity", "min_rotation")
    assert s.duration_s < prof.value("shake-sensitivity", "min_duration")
    assert (s.acceleration, s.rotation_deg, s.duration_s) == (5.0, 10.0, 2.0)


# ----------------------------------------------------------------------------- matcher

def test_matcher_tells_window_from_page_and_ignores_a_ticking_digit():
    dev = FakeDevice(FakeApp())
    dev.launch(APP)
    dev.clock.sleep(0.5)
    key = dev.render()
    m = WindowMatcher(key, (0, 0, 400, 800))
    tick = key.copy()
    tick[30:60, 300:320] = 255
    assert m.present(key) and m.present(tick)
    dev._closed_at = 0.0
    assert not m.present(dev.render())
    # A changed window is still present when a detector finds a window in the same place.
    m2 = WindowMatcher(key, (0, 0, 400, 800), detect=lambda img: (0, 0, 400, 790))
    assert m2.present(np.zeros_like(key))
    with pytest.raises(ValueError, match="empty"):
        WindowMatcher(key, (10, 10, 10, 50))


def test_a_clickable_node_around_the_control_is_kept_free_of_taps():
    # The control's touch target (a UI-tree node) reaches far below its visible box; taps there
    # would close the window and cost a relaunch.
    from detectors.model import UiNode
    app = FakeApp(tap_closes=[(300, 0, 400, 160)])
    dev, track, key = _setup(app)
    tree = (UiNode(box=(300, 0, 400, 160), text="跳过"),)
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock, ui_tree=tree)
    assert all(p.outcome == "none" for p in res.probes) and res.launches == 1
    assert not any(300 - 16 <= p.x and p.y < 160 + 16 for p in res.probes)


def test_a_cta_inside_a_jump_area_is_not_tapped_on_its_own():
    app = HOT_CASES["picture+button"]
    inside = FakeApp(jumps=[(0, 0, W, H)], ctas=[(100, 300, 300, 360)])
    dev, track, key = _setup(inside)
    res = probe_hot_zone(dev, APP, track, key, density=2.0, clock=dev.clock)
    assert all(p.cell is not None for p in res.probes)  # grid taps only
    assert res.launches <= 4 and res.fraction >= 0.95
    assert app.ctas  # the other case does tap its button (see the parametrised test)
