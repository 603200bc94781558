"""Launch timeline: capture rate, timestamps, fast-capture thinning, save/load round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detectors.model import UiNode
from harness.device import AppSpec, Frame, Timeline
from harness.replay import FakeClock, ReplayDevice
from harness.tests.fakes import FakeApp, FakeDevice
from harness.timeline import load_timeline, record_launch, save_timeline, thin_frames

APP = AppSpec(id="fake", url="http://fake/index.html")


class TreeDevice(FakeDevice):
    def ui_tree(self):
        self.clock.sleep(self.TREE_S)
        return (UiNode(box=(1, 2, 30, 40), text="跳过", desc="skip", resource_id="skip", cls="button"),)


def test_polling_reaches_five_fps_and_stamps_from_the_launch_command():
    dev = TreeDevice(FakeApp(t_show=0.5))
    tl = record_launch(dev, APP, duration_s=3.0, fps=5.0, ui_every=5, clock=dev.clock)
    ts = [f.t for f in tl.frames]
    assert tl.meta["mode"] == "poll"
    # The launch itself takes 0.4 s of virtual time: the first frame cannot be earlier.
    assert ts[0] >= dev.LAUNCH_S
    assert ts[-1] <= 3.0 + dev.SHOT_S  # the last screenshot starts before the end
    assert all(b > a for a, b in zip(ts, ts[1:]))
    gaps = np.diff(ts)
    assert gaps.max() <= 0.2 + dev.TREE_S + 1e-6  # a UI-tree frame may take one tree call longer
    assert tl.meta["fps"] >= 4.5
    trees = [i for i, f in enumerate(tl.frames) if f.ui_tree is not None]
    assert trees[:3] == [0, 5, 10]
    assert tl.density == dev.density


def test_ui_trees_can_be_switched_off():
    dev = TreeDevice(FakeApp())
    tl = record_launch(dev, APP, duration_s=1.0, ui_trees=False, clock=dev.clock)
    assert all(f.ui_tree is None for f in tl.frames)


class CaptureDevice(FakeDevice):
    """Streams like a CDP screencast: many frames while the page repaints, none while it is still."""

    def capture(self, app, duration_s, *, fps, ui_every):
        self.asked = (duration_s, fps, ui_every)
        self.launch(app)
        img = self.render()
        tree = (UiNode(box=(0, 0, 5, 5)),)
        # 60 frames/s while the page paints (0.4 .. 1.4 s), then nothing: a still page.
        return [Frame(t=0.4 + i / 60.0, image=img, ui_tree=tree if i == 0 else None) for i in range(60)]


def test_fast_capture_is_used_thinned_and_its_gaps_filled():
    dev = CaptureDevice(FakeApp())
    tl = record_launch(dev, APP, duration_s=3.0, fps=5.0, ui_every=5, clock=dev.clock)
    assert tl.meta["mode"] == "capture" and tl.meta["frames_received"] == 60
    assert dev.asked == (3.0, 10.0, 10)  # oversampled twice
    ts = [f.t for f in tl.frames]
    # 0.4 .. 3.0 s at 5 frames/s: the still second half is filled with the last frame.
    assert ts[0] == 0.4 and 2.8 <= ts[-1] <= 3.0 + 1e-9
    assert np.diff(ts).max() <= 0.2 + 1e-6 and np.diff(ts).min() > 0.15
    assert tl.meta["fps"] >= 4.9
    assert tl.frames[0].ui_tree is not None


def test_thin_frames_keeps_the_first_frame_of_each_slot():
    img = np.zeros((4, 4, 3), np.uint8)
    frames = [Frame(t=i * 0.05, image=img) for i in range(11)]  # 0 .. 0.5 s, all the same picture
    out = thin_frames(frames, 5.0)
    assert [round(f.t, 2) for f in out] == [0.0, 0.2, 0.4]


def test_thin_frames_never_loses_the_state_after_a_burst():
    blank, page = np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 255, np.uint8)
    # A screencast: blank at 0.0, the page painted at 0.05, then nothing repaints.
    out = thin_frames([Frame(t=0.0, image=blank), Frame(t=0.05, image=page)], 5.0)
    assert [f.t for f in out] == [0.0, 0.05] and out[-1].image is page


def test_bad_arguments_name_the_parameter():
    dev = FakeDevice(FakeApp())
    with pytest.raises(ValueError, match="duration_s"):
        record_launch(dev, APP, duration_s=0, clock=dev.clock)
    with pytest.raises(ValueError, match="fps"):
        record_launch(dev, APP, fps=-1, clock=dev.clock)


def test_save_and_load_round_trip(tmp_path):
    dev = TreeDevice(FakeApp(t_show=0.5, t_control=1.0))
    tl = record_launch(dev, APP, duration_s=2.0, clock=dev.clock)
    path = save_timeline(tl, tmp_path / "tl")
    doc = json.loads(path.read_text(encoding="utf-8"))
    files = {e["file"] for e in doc["frames"]}
    # Page only, window without control, window with control: 3 distinct images for ~10 frames.
    assert len(files) == 3 < len(doc["frames"])
    back = load_timeline(tmp_path / "tl")
    assert [f.t for f in back.frames] == [f.t for f in tl.frames]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(tl.frames, back.frames))
    assert back.frames[0].ui_tree == tl.frames[0].ui_tree
    assert back.frames[0].ui_tree[0].text == "跳过"
    assert back.density == tl.density
    assert back.meta["app"] == "fake"


def test_load_rejects_a_folder_without_a_timeline(tmp_path):
    with pytest.raises(ValueError, match="not a readable timeline"):
        load_timeline(tmp_path)


def test_replay_device_serves_frames_by_elapsed_time():
    img = [np.full((8, 8, 3), v, np.uint8) for v in (0, 100, 200)]
    tl = Timeline(frames=[Frame(t=0.0, image=img[0]), Frame(t=1.0, image=img[1]), Frame(t=2.0, image=img[2])],
                  density=2.0)
    clock = FakeClock()
    dev = ReplayDevice(tl, clock=clock)
    dev.launch(APP)
    assert dev.screenshot()[0, 0, 0] == 0
    clock.sleep(1.5)
    assert dev.screenshot()[0, 0, 0] == 100
    clock.sleep(5)
    assert dev.screenshot()[0, 0, 0] == 200
    with pytest.raises(NotImplementedError):
        dev.shake(None)
    assert dev.screen_size() == (8, 8)


class LossyCaptureDevice(FakeDevice):
    """A capture that lost the page's only repaint: it returns just the blank pre-navigation frame."""

    def capture(self, app, duration_s, *, fps, ui_every):
        self.launch(app)
        self.clock.sleep(duration_s)
        return [Frame(t=0.0, image=np.full((800, 400, 3), 255, np.uint8))]


def test_a_capture_that_lost_the_last_repaint_is_completed_by_a_screenshot():
    dev = LossyCaptureDevice(FakeApp(t_show=0.0))
    tl = record_launch(dev, APP, duration_s=2.0, fps=5.0, clock=dev.clock, fallback_poll=False)
    assert tl.frames[0].image.min() == 255  # the blank frame stays where it was
    last = tl.frames[-1].image
    assert np.array_equal(last, dev.render())  # the window, as the screen shows it
    # The lost state appeared within the capture's thinning gap after its last frame.
    assert tl.frames[1].t == pytest.approx(0.1, abs=1e-6)


def test_a_lossy_capture_is_recorded_again_by_polling():
    dev = LossyCaptureDevice(FakeApp(t_show=0.0))
    tl = record_launch(dev, APP, duration_s=2.0, fps=5.0, clock=dev.clock)
    assert tl.meta["mode"] == "poll" and tl.meta["capture_lost_repaints"]
    assert dev.launches == 2
    assert all(f.image.min() < 255 for f in tl.frames)  # every frame shows the app, none the blank


class BlankFirstCaptureDevice(FakeDevice):
    """A capture that lost the splash's paints: a blank page for 3 s, then the app's screen."""

    def capture(self, app, duration_s, *, fps, ui_every):
        self.launch(app)
        self.clock.sleep(duration_s)
        blank = np.full((800, 400, 3), 255, np.uint8)
        return [Frame(t=k * 0.1, image=blank if k < 30 else self.render()) for k in range(int(duration_s * 10))]


def test_a_capture_that_lost_its_first_paints_is_recorded_again_by_polling():
    dev = BlankFirstCaptureDevice(FakeApp(t_show=0.0))
    tl = record_launch(dev, APP, duration_s=4.0, fps=5.0, clock=dev.clock)
    assert tl.meta["mode"] == "poll" and "blank" in tl.meta["re_recorded"]
    assert dev.launches == 2
    # without the fallback the blank start stays (what a caller that wants the raw capture gets)
    dev = BlankFirstCaptureDevice(FakeApp(t_show=0.0))
    tl = record_launch(dev, APP, duration_s=4.0, fps=5.0, clock=dev.clock, fallback_poll=False)
    assert tl.meta["mode"] == "capture" and dev.launches == 1
