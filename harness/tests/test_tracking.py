"""Window tracking over a timeline: appear / disappear times, control delay, key frame, frame reuse."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.model import CloseControl, FrameAnalysis, Window
from harness.device import AppSpec, Frame, Timeline
from harness.replay import FakeClock, ReplayDevice
from harness.tests.fakes import CountingAnalyzer, FakeApp, FakeDevice
from harness.timeline import record_launch, save_timeline
from harness.tracking import (analyze_timeline, box_iou, frame_signature, primary_track, same_signature,
                              track_timeline, track_windows)

APP = AppSpec(id="fake", url="http://fake/index.html")


def _timeline(app: FakeApp, duration_s: float = 4.0) -> Timeline:
    dev = FakeDevice(app)
    return record_launch(dev, APP, duration_s=duration_s, fps=5.0, ui_trees=False, clock=dev.clock)


def test_delayed_control_and_natural_end_are_timed_within_one_frame():
    tl = _timeline(FakeApp(t_show=0.8, t_control=2.0, t_end=3.2))
    analyzer = CountingAnalyzer()
    tracks, analyses = track_timeline(tl, analyze=analyzer)
    assert len(tracks) == 1
    t = tracks[0]
    period = 0.2 + 1e-6
    lag = FakeDevice.LAUNCH_S  # the fake app's clock starts when its launch call returns
    assert 0.8 + lag <= t.first_t <= 0.8 + lag + period
    assert 2.0 + lag <= t.control_first_t <= 2.0 + lag + period
    assert abs(t.delay_s - 1.2) <= period
    assert t.ended and 3.2 + lag <= t.end_t <= 3.2 + lag + period
    assert abs(t.visible_s - 2.4) <= 2 * period
    assert t.kind == "fullscreen" and t.box == (0, 0, 400, 800)
    # The key frame shows the control, and is the first one that the next frame repeats.
    assert tl.frames[t.key_index].t >= t.control_first_t
    assert t.control is not None and t.control.box == (340, 20, 384, 64)
    # Only 4 distinct screens (page, window, window + control, page again) are analysed.
    assert analyzer.calls == 4 < len(tl.frames)


def test_window_still_up_at_the_end_has_not_ended():
    tl = _timeline(FakeApp(t_show=0.3), duration_s=2.0)
    tracks, _ = track_timeline(tl, analyze=CountingAnalyzer())
    (t,) = tracks
    assert not t.ended and t.end_t is None
    assert t.visible_s == pytest.approx(t.last_t - t.first_t)
    assert t.delay_s == 0.0


def test_no_window_no_track():
    tl = _timeline(FakeApp(t_show=99), duration_s=1.0)
    tracks, _ = track_timeline(tl, analyze=CountingAnalyzer())
    assert tracks == [] and primary_track(tracks) is None


def _fa(window_box=None, control=False, conf=0.9):
    w = Window(box=window_box, kind="card", confidence=conf) if window_box else None
    c = (CloseControl(box=(10, 10, 20, 20), kind="x_icon", confidence=0.9),) if control else ()
    return FrameAnalysis(width=100, height=100, density=1.0, density_estimated=False, window=w, controls=c)


def _frames(n):
    rng = np.random.default_rng(0)
    return Timeline(frames=[Frame(t=i * 0.2, image=rng.integers(0, 255, (100, 100, 3), np.uint8)) for i in range(n)])


def test_one_frame_flicker_does_not_split_a_track_but_two_frames_do():
    box = (10, 10, 90, 90)
    seq = [_fa(), _fa(box, True), _fa(), _fa(box, True), _fa(box, True), _fa(), _fa(), _fa(box, True)]
    tracks = track_windows(_frames(len(seq)), seq)
    assert [(round(t.first_t, 1), t.ended, t.end_t and round(t.end_t, 1)) for t in tracks] == [
        (0.2, True, 1.0), (1.4, False, None)]
    assert len(tracks[0].frame_indices) == 3


def test_moved_window_is_a_new_track_and_primary_prefers_controls_and_length():
    seq = [_fa((0, 0, 50, 50)), _fa((0, 0, 50, 50)), _fa((50, 50, 100, 100), True), _fa((50, 50, 100, 100), True),
           _fa((50, 50, 100, 100), True)]
    tracks = track_windows(_frames(len(seq)), seq)
    assert len(tracks) == 2
    assert tracks[0].control_first_t is None and tracks[0].ended
    assert primary_track(tracks) is tracks[1]


def test_low_confidence_controls_do_not_count():
    seq = [_fa((0, 0, 50, 50), True)] * 2
    tracks = track_windows(_frames(2), seq, min_control_confidence=0.95)
    assert tracks[0].control_first_t is None


def test_frame_signature_sees_a_small_change_and_ignores_noise():
    rng = np.random.default_rng(1)
    img = np.full((800, 400, 3), 120, np.uint8)
    noisy = np.clip(img.astype(int) + rng.integers(-4, 5, img.shape), 0, 255).astype(np.uint8)
    assert same_signature(frame_signature(img), frame_signature(noisy))
    digit = img.copy()
    digit[40:80, 300:330] = 255  # a countdown digit ticking: 30×40 px
    assert not same_signature(frame_signature(img), frame_signature(digit))


def test_box_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_replayed_saved_timeline_gives_the_same_tracks(tmp_path):
    tl = _timeline(FakeApp(t_show=0.6, t_control=1.4, t_end=2.8), duration_s=3.5)
    direct, _ = track_timeline(tl, analyze=CountingAnalyzer())
    save_timeline(tl, tmp_path / "tl")
    clock = FakeClock()
    dev = ReplayDevice(tmp_path / "tl", clock=clock, frame_cost_s=0.15)
    again = record_launch(dev, APP, duration_s=3.5, fps=5.0, ui_trees=False, clock=clock)
    replayed, _ = track_timeline(again, analyze=CountingAnalyzer())
    assert len(replayed) == len(direct) == 1
    a, b = direct[0], replayed[0]
    # Re-recording quantises once more: within one frame period (plus rounding).
    assert abs(a.first_t - b.first_t) <= 0.21 and abs(a.control_first_t - b.control_first_t) <= 0.21
    assert abs(a.end_t - b.end_t) <= 0.21


def test_analyses_must_match_frames():
    with pytest.raises(ValueError, match="analyses"):
        track_windows(_frames(3), [_fa()])


def test_reused_analysis_is_the_same_object():
    tl = _timeline(FakeApp(t_show=0.0, t_control=0.0), duration_s=1.0)
    stats = {}
    analyses = analyze_timeline(tl, analyze=CountingAnalyzer(), stats=stats)
    assert stats["analysed"] == 1 and stats["reused"] == len(tl.frames) - 1
    assert all(a is analyses[0] for a in analyses)


def test_a_window_recognised_late_is_backfilled_to_when_its_picture_appeared():
    """A splash whose skip shows at 0.6 s but whose picture was there from 0.2 s: delay 0.4 s."""
    blank = np.full((200, 100, 3), 255, np.uint8)
    splash = np.zeros((200, 100, 3), np.uint8)
    splash[:, :, 2] = np.linspace(40, 220, 200, dtype=np.uint8)[:, None]  # a red gradient "ad"
    with_skip = splash.copy()
    with_skip[10:20, 70:95] = 255
    images = [blank, splash, splash, with_skip, with_skip]
    tl = Timeline(frames=[Frame(t=i * 0.2, image=im) for i, im in enumerate(images)])
    win = (0, 0, 100, 200)
    ctrl = CloseControl((70, 10, 95, 20), "text", 0.9, "跳过")
    seq = [_fa(), _fa(), _fa(), FrameAnalysis(100, 200, 1.0, False, Window(win, "fullscreen", 0.9), (ctrl,)),
           FrameAnalysis(100, 200, 1.0, False, Window(win, "fullscreen", 0.9), (ctrl,))]
    [track] = track_windows(tl, seq)
    assert track.first_t == pytest.approx(0.2)  # not the blank first paint
    assert track.control_first_t == pytest.approx(0.6)
    assert track.delay_s == pytest.approx(0.4)


def test_a_weak_candidate_is_not_the_tracks_control():
    weak = CloseControl((340, 20, 384, 64), "x_icon", 0.3)
    a = FrameAnalysis(100, 100, 1.0, False, Window((0, 0, 100, 100), "fullscreen", 0.9), (weak,))
    [track] = track_windows(_frames(2), [a, a], min_control_confidence=0.5)
    assert track.control is None and track.control_first_t is None
    [track] = track_windows(_frames(2), [a, a], min_control_confidence=0.2)
    assert track.control is weak
