"""Temporal segmentation on synthetic frame sequences with known screens and times."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from harness.segments import (COVERAGE_LAYER, COVERAGE_NO_TRANSIENT, COVERAGE_TEMPORAL, COVERAGE_WINDOW,
                              control_onset, coverage, layer_box, segment_frames)

W, H = 240, 480
FPS = 5.0


def photo(seed: int) -> np.ndarray:
    """A smooth, photo-like picture (blurred noise, full range)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 6, 3), dtype=np.uint8)
    return cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)


def home() -> np.ndarray:
    """An app home screen: white with a coloured top bar and grey feed rows."""
    img = np.full((H, W, 3), 250, np.uint8)
    img[:50] = (60, 70, 230)
    for k in range(6):
        img[70 + k * 65:120 + k * 65, 10:W - 10] = (200, 200, 200)
        img[80 + k * 65:95 + k * 65, 70:W - 30] = (90, 90, 90)
    return img


def ring(img: np.ndarray, frac: float) -> np.ndarray:
    """A countdown ring with 跳过-like bars at the top-right, its arc ``frac`` full."""
    out = img.copy()
    cv2.circle(out, (205, 40), 22, (30, 30, 30), -1)
    cv2.ellipse(out, (205, 40), (20, 20), -90, 0, 360 * frac, (255, 255, 255), 3)
    cv2.rectangle(out, (195, 36), (215, 44), (255, 255, 255), -1)  # the label
    return out


def sequence(screens: list[tuple[float, object]], duration: float = 6.0) -> tuple[list[float], list[np.ndarray]]:
    """Frames at FPS: ``screens`` is [(start time, image or callable(t) -> image)]."""
    times, images = [], []
    t = 0.0
    while t < duration - 1e-9:
        start, what = max((s for s in screens if s[0] <= t + 1e-9), key=lambda s: s[0])
        images.append(what(t) if callable(what) else what)
        times.append(round(t, 3))
        t += 1 / FPS
    return times, images


def test_splash_with_countdown_ring_then_home_is_one_transient_screen():
    pic = photo(1)
    times, images = sequence([(0.0, lambda t: ring(pic, 1 - t / 3.0)), (3.0, home())])
    seg = segment_frames(times, images)
    content = seg.content()
    assert len(content) == 2
    splash, app = content
    assert splash.t_start == 0.0 and splash.t_end == pytest.approx(3.0)
    assert splash.duration_s == pytest.approx(3.0)
    assert splash.appeared_t == 0.0 and splash.gone_t == pytest.approx(2.9)  # midway 2.8 → 3.0
    assert app.appeared_t == pytest.approx(2.9) and app.gone_t is None
    assert not seg.transitions[0].by_input and seg.transitions[0].layer is None
    assert seg.transient() == [splash]
    assert seg.first_app_screen() == app and not app.ended
    assert coverage(seg, windows=0) == COVERAGE_TEMPORAL
    assert coverage(seg, windows=1) == COVERAGE_WINDOW


def test_loading_blank_then_home_has_no_transient_screen():
    times, images = sequence([(0.0, np.full((H, W, 3), 255, np.uint8)), (0.6, home())])
    seg = segment_frames(times, images)
    assert [s.blank for s in seg.segments] == [True, False]
    assert seg.transient() == []
    assert coverage(seg, windows=0) == COVERAGE_NO_TRANSIENT


def test_single_full_screen_picture_that_stays_is_the_app_screen():
    """A game-like home screen: full-bleed art, never goes away by itself."""
    pic = photo(7)
    times, images = sequence([(0.0, pic)])
    seg = segment_frames(times, images)
    assert len(seg.segments) == 1 and not seg.segments[0].ended
    assert seg.transient() == [] and coverage(seg, windows=0) == COVERAGE_NO_TRANSIENT


def test_popup_over_home_is_a_layer_not_a_splash():
    base = home()
    pop = (base.astype(np.float32) * 0.38).astype(np.uint8)
    pop[150:330, 30:210] = (240, 240, 255)
    pop[170:190, 50:190] = (40, 40, 200)
    times, images = sequence([(0.0, base), (1.0, pop)])
    seg = segment_frames(times, images)
    assert len(seg.content()) == 2
    tr = seg.transitions[0]
    assert tr.layer is not None
    x1, y1, x2, y2 = tr.layer
    assert abs(x1 - 30) <= 10 and abs(y1 - 150) <= 10 and abs(x2 - 210) <= 10 and abs(y2 - 330) <= 10
    assert seg.transient() == []  # the home screen stays under the pop-up: not a splash
    assert coverage(seg, windows=0) == COVERAGE_LAYER


def test_transition_after_a_tap_is_marked_and_ends_the_launch_sequence():
    times, images = sequence([(0.0, photo(2)), (2.0, home())])
    seg = segment_frames(times, images, inputs=[1.9])
    assert seg.transitions[0].by_input
    assert seg.transient() == []
    seg2 = segment_frames(times, images, inputs=[0.4])  # long before: not the cause
    assert not seg2.transitions[0].by_input and len(seg2.transient()) == 1


def test_cross_fade_frames_are_folded_into_the_transition():
    a, b = photo(3), home()

    def fade(t: float) -> np.ndarray:
        k = min(1.0, (t - 2.0) / 0.4)
        return cv2.addWeighted(a, 1 - k, b, k, 0)
    times, images = sequence([(0.0, a), (2.0, fade), (2.6, b)])
    seg = segment_frames(times, images)
    assert len(seg.content()) == 2
    assert seg.content()[0].t_end == pytest.approx(2.2)  # the first faded frame
    assert seg.content()[1].t_start >= 2.4 - 1e-9


def test_two_splashes_then_home():
    times, images = sequence([(0.0, photo(4)), (1.4, photo(5)), (3.0, home())])
    seg = segment_frames(times, images)
    assert [round(s.t_start, 1) for s in seg.transient()] == [0.0, 1.4]


def test_layer_box_rejects_a_new_screen():
    assert layer_box(photo(1), home()) is None


def test_inputs_must_match_frames():
    with pytest.raises(ValueError, match="times"):
        segment_frames([0.0, 0.2], [home()])
    with pytest.raises(ValueError, match="non-decreasing"):
        segment_frames([0.2, 0.0], [home(), home()])
    assert segment_frames([], []).segments == ()


# ----------------------------------------------------------------------------- control dating

BOX = (180, 15, 230, 65)


def test_ring_recognised_late_is_dated_from_its_first_frame():
    pic = photo(1)
    images = [ring(pic, 1 - k / 20) for k in range(20)]
    assert control_onset(images, BOX, found=17, first=0) == 0
    assert control_onset(images, BOX, found=17, first=5) == 5


def test_control_that_appears_late_is_dated_when_it_appeared():
    pic = photo(1)
    images = [pic] * 10 + [ring(pic, 0.5)] * 10
    assert control_onset(images, BOX, found=15, first=0) == 10


def test_control_fading_in_is_dated_when_it_became_visible():
    pic = photo(1)
    full = ring(pic, 0.5)
    images = [cv2.addWeighted(pic, 1 - k / 10, full, k / 10, 0) for k in range(11)]
    onset = control_onset(images, BOX, found=10, first=0)
    assert 2 <= onset <= 8


def test_control_onset_checks_its_indices():
    with pytest.raises(ValueError):
        control_onset([home()], BOX, found=1, first=0)


def test_segment_strip_colours_each_screen_by_role():
    from harness.segments import STRIP_COLOURS, STRIP_HEIGHT, draw_segment_strip, segment_roles
    times, images = sequence([(0.0, np.full((H, W, 3), 255, np.uint8)), (0.6, photo(1)), (3.0, home())])
    seg = segment_frames(times, images)
    assert segment_roles(seg) == ["blank", "transient", "app"]
    strip = draw_segment_strip(seg, width=600, t_max=6.0)
    assert strip.shape == (STRIP_HEIGHT, 600, 3)
    # sample each block's colour away from its label text (row 6: above the text)
    for t, role in ((0.3, "blank"), (2.0, "transient"), (5.0, "app")):
        assert tuple(int(v) for v in strip[6, int(t / 6.0 * 599)]) == STRIP_COLOURS[role]


# ----------------------------------------------------------------------------- missed splashes

def _track(first: int, last: int, times: list[float], kind: str):
    from detectors.model import FrameAnalysis
    from harness.tracking import WindowTrack

    a = FrameAnalysis(width=W, height=H, density=2.0, density_estimated=False, window=None)
    return WindowTrack(first_t=times[first], last_t=times[last], ended=False, kind=kind, box=(30, 150, 210, 330),
                       control_first_t=times[first], analysis=a, key_index=first,
                       frame_indices=list(range(first, last + 1)))


def _splash_home_popup():
    base = home()
    pop = (base.astype(np.float32) * 0.38).astype(np.uint8)
    pop[150:330, 30:210] = (240, 240, 255)
    pop[170:190, 50:190] = (40, 40, 200)
    return sequence([(0.0, photo(3)), (2.0, base), (3.4, pop)])


def test_a_splash_missed_before_a_recognised_popup_is_returned():
    from harness.check import missed_splashes
    from harness.segments import COVERAGE_WINDOW_AND_TEMPORAL

    times, images = _splash_home_popup()
    seg = segment_frames(times, images)
    splash = seg.transient()
    assert len(splash) == 1 and splash[0].t_start == 0.0
    k = times.index(3.4)
    popup = _track(k, len(times) - 1, times, "card")
    assert missed_splashes(seg, [popup]) == splash
    assert coverage(seg, windows=1, missed_transient=1) == COVERAGE_WINDOW_AND_TEMPORAL
    # recognised by the pixels too: nothing missed
    assert missed_splashes(seg, [popup, _track(0, times.index(1.8), times, "fullscreen")]) == []
    # no recognised window at all: the whole-launch timeline path handles it, not this one
    assert missed_splashes(seg, []) == []


def test_a_splash_whose_later_part_was_recognised_is_one_splash():
    """A video splash in two scenes: the pixels missed the first, recognised the second."""
    from harness.check import missed_splashes

    times, images = sequence([(0.0, photo(4)), (1.6, photo(5)), (3.2, home())])
    seg = segment_frames(times, images)
    assert len(seg.transient()) == 2
    second = _track(times.index(1.6), times.index(3.0), times, "fullscreen")
    assert missed_splashes(seg, [second]) == []


def test_the_screen_right_under_a_popup_is_not_a_missed_splash():
    """A pop-up whose layer the segmentation cannot see (the page behind shrinks back, iOS-style):
    the home screen then looks transient, but it is the screen under the recognised pop-up."""
    from harness.check import missed_splashes

    base = home()
    shrunk = np.full_like(base, 30)
    small = cv2.resize(base, None, fx=0.86, fy=0.86)
    y0, x0 = (H - small.shape[0]) // 2, (W - small.shape[1]) // 2
    shrunk[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = (small * 0.6).astype(np.uint8)
    shrunk[150:330, 30:210] = (240, 240, 255)
    times, images = sequence([(0.0, base), (2.0, shrunk)])
    seg = segment_frames(times, images)
    assert seg.transitions[0].layer is None and len(seg.transient()) == 1
    popup = _track(times.index(2.0), len(times) - 1, times, "card")
    assert missed_splashes(seg, [popup]) == []


def test_a_popup_over_a_frosted_backdrop_is_a_layer_with_the_cards_box():
    """CSS backdrop-filter: blur() under a white veil: the page shows through blurred and paler."""
    base = home()
    blur = cv2.GaussianBlur(base, (0, 0), 12, borderType=cv2.BORDER_REPLICATE)  # as browsers clamp at the edge
    frosted = (0.75 * blur + 0.25 * 255).astype(np.uint8)
    frosted[150:330, 30:210] = (60, 60, 220)
    frosted[170:190, 50:190] = (255, 255, 255)
    times, images = sequence([(0.0, base), (1.6, frosted)])
    seg = segment_frames(times, images)
    box = seg.transitions[0].layer
    assert box is not None
    x1, y1, x2, y2 = box
    assert abs(x1 - 30) <= 12 and abs(y1 - 150) <= 12 and abs(x2 - 210) <= 12 and abs(y2 - 330) <= 12
    assert seg.transient() == [] and seg.layer_segment(seg.segments[0]) == (seg.segments[1], box)
