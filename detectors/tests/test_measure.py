"""detectors.measure: WCAG contrast, ATF-style swatch, size / placement / opacity of a control, jump cue."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.measure import (contrast_ratio, contrast_ratio_bgr, contrast_swatch, control_shape_mask,
                               estimate_opacity, find_touch_box, fullscreen_jump_cue, measure_control,
                               placement, relative_luminance)
from detectors.model import CloseControl, UiNode, Window

D = 2.625  # px per dp of a 1080-wide phone
W, H = 1080, 2400
FULL = Window((0, 0, W, H), "fullscreen", 0.9)


def draw_x(img: np.ndarray, box: tuple[int, int, int, int], colour: tuple[int, int, int], thickness: int) -> None:
    x1, y1, x2, y2 = box
    m = (x2 - x1) // 4
    cv2.line(img, (x1 + m, y1 + m), (x2 - m, y2 - m), colour, thickness, cv2.LINE_AA)
    cv2.line(img, (x2 - m, y1 + m), (x1 + m, y2 - m), colour, thickness, cv2.LINE_AA)


def screen(bg=(200, 200, 200)) -> np.ndarray:
    return np.full((H, W, 3), bg, np.uint8)


# --- WCAG maths ----------------------------------------------------------------------------------

def test_relative_luminance_of_black_white_and_grey() -> None:
    assert relative_luminance((0, 0, 0)) == 0.0
    assert relative_luminance((255, 255, 255)) == pytest.approx(1.0)
    assert relative_luminance("#767676") == pytest.approx(0.18116, abs=1e-4)
    arr = relative_luminance(np.array([[0, 0, 0], [255, 255, 255]]))
    assert arr.shape == (2,)


def test_contrast_ratio_known_pairs() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676", "#ffffff")
    assert contrast_ratio("#777", "#777") == 1.0
    # Pure red on white: 4.0 (a textbook value).
    assert contrast_ratio((255, 0, 0), (255, 255, 255)) == pytest.approx(3.998, abs=0.001)


def test_contrast_ratio_is_not_rounded() -> None:
    # #959595 on white is 2.98...: it must stay below 3, not round up to 3.0.
    r = contrast_ratio("#959595", "#ffffff")
    assert 2.95 < r < 3.0


def test_contrast_ratio_bgr_matches_rgb() -> None:
    assert contrast_ratio_bgr((255, 0, 0), (255, 255, 255)) == pytest.approx(contrast_ratio((0, 0, 255), (255, 255, 255)))


def test_bad_colours_name_the_parameter() -> None:
    with pytest.raises(ValueError, match="c1"):
        contrast_ratio("#12", "#ffffff")
    with pytest.raises(ValueError, match="c2"):
        contrast_ratio((0, 0, 0), (0, 0, 300))


# --- ContrastSwatch ------------------------------------------------------------------------------

def x_crop(bg=(40, 40, 40), fg=(255, 255, 255), size=96, thickness=8) -> np.ndarray:
    img = np.full((size, size, 3), bg, np.uint8)
    draw_x(img, (0, 0, size, size), fg, thickness)
    return img


def test_swatch_on_antialiased_x_finds_exact_colours() -> None:
    fg, bg, ratio = contrast_swatch(x_crop())
    assert fg == (255, 255, 255) and bg == (40, 40, 40)
    assert ratio == pytest.approx(contrast_ratio_bgr((255, 255, 255), (40, 40, 40)), rel=1e-12)


def test_swatch_on_coloured_x_and_dark_on_light() -> None:
    fg, bg, ratio = contrast_swatch(x_crop(bg=(200, 120, 30), fg=(0, 230, 255)))  # yellow X on blue
    assert fg == (0, 230, 255) and bg == (200, 120, 30)
    assert ratio == pytest.approx(contrast_ratio_bgr(fg, bg))
    fg, bg, ratio = contrast_swatch(x_crop(bg=(250, 250, 250), fg=(60, 60, 60), thickness=5))
    assert (fg, bg) == ((60, 60, 60), (250, 250, 250))


def test_swatch_survives_jpeg() -> None:
    crop = x_crop(bg=(120, 60, 160), fg=(10, 10, 10))
    ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 75])
    jpeg = cv2.imdecode(data, cv2.IMREAD_COLOR)
    exact = contrast_ratio_bgr((10, 10, 10), (120, 60, 160))
    _, _, ratio = contrast_swatch(jpeg)
    assert ratio == pytest.approx(exact, rel=0.12)


def test_swatch_uniform_crop_has_no_ratio() -> None:
    fg, bg, ratio = contrast_swatch(np.full((20, 30, 3), (9, 99, 199), np.uint8))
    assert fg is None and ratio is None and bg == (9, 99, 199)


def test_swatch_finds_a_small_word_in_a_wide_button() -> None:
    # "No" covers < 1 % of a wide button: the enhanced cut-off drops it, the fallback finds it.
    btn = np.full((130, 1000, 3), (246, 247, 249), np.uint8)
    cv2.putText(btn, "No", (470, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (70, 70, 70), 2, cv2.LINE_AA)
    fg, bg, ratio = contrast_swatch(btn)
    assert bg == (246, 247, 249)
    assert fg is not None and max(fg) < 100
    assert ratio > 7


def test_swatch_single_foreground_mode() -> None:
    fg, bg, ratio = contrast_swatch(x_crop(), enhanced=False)
    assert (fg, bg) == ((255, 255, 255), (40, 40, 40))


def test_shape_mask() -> None:
    ell = control_shape_mask(10, 10, "x_icon")
    assert not ell[0, 0] and ell[5, 5]
    stadium = control_shape_mask(10, 40, "text")
    assert not stadium[0, 0] and stadium[0, 20] and stadium[5, 39 - 3]


# --- measure_control -----------------------------------------------------------------------------

def test_size_in_dp_of_a_known_box() -> None:
    img = screen()
    box = (900, 200, 963, 242)  # 63 × 42 px = 24 × 16 dp at 2.625
    draw_x(img, box, (0, 0, 0), 4)
    m = measure_control(img, CloseControl(box, "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert m.width_dp == pytest.approx(24.0)
    assert m.height_dp == pytest.approx(16.0)


def test_x_in_badge_takes_what_makes_it_findable() -> None:
    # White X on a dark disc on a white picture: glyph vs badge and badge vs surroundings both high.
    img = screen((255, 255, 255))
    cv2.circle(img, (1000, 200), 40, (50, 50, 50), -1, cv2.LINE_AA)
    draw_x(img, (960, 160, 1040, 240), (255, 255, 255), 6)
    m = measure_control(img, CloseControl((960, 160, 1040, 240), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    glyph = contrast_ratio_bgr((255, 255, 255), (50, 50, 50))
    assert m.details["glyph_ratio"] == pytest.approx(glyph, rel=1e-6)
    assert m.details["badge_ratio"] == pytest.approx(glyph, rel=1e-6)
    # A light-grey disc on white with a black X: the badge hardly stands out, the glyph does.
    img = screen((255, 255, 255))
    cv2.circle(img, (1000, 200), 40, (235, 235, 235), -1, cv2.LINE_AA)
    draw_x(img, (960, 160, 1040, 240), (0, 0, 0), 6)
    m = measure_control(img, CloseControl((960, 160, 1040, 240), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert m.details["badge_ratio"] < 1.2
    assert m.contrast == pytest.approx(contrast_ratio_bgr((0, 0, 0), (235, 235, 235)), rel=1e-6)
    assert m.details["contrast_basis"] == "glyph"


def test_dark_badge_with_faint_glyph_is_found_by_its_badge() -> None:
    img = screen((255, 255, 255))
    cv2.circle(img, (1000, 200), 40, (30, 30, 30), -1, cv2.LINE_AA)
    draw_x(img, (960, 160, 1040, 240), (60, 60, 60), 6)
    m = measure_control(img, CloseControl((960, 160, 1040, 240), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert m.details["glyph_ratio"] < 2 < m.details["badge_ratio"]
    assert m.details["contrast_basis"] == "badge"
    assert m.contrast == pytest.approx(contrast_ratio_bgr((30, 30, 30), (255, 255, 255)), rel=1e-6)


def test_text_is_judged_on_its_letters_not_on_a_bright_pill() -> None:
    """Grey text on a light pill over a black picture: the pill is easy to see, the label is not readable."""
    img = screen((0, 0, 0))
    cv2.rectangle(img, (700, 300), (1000, 400), (225, 225, 225), -1)
    cv2.putText(img, "Skip", (740, 375), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (190, 190, 190), 7, cv2.LINE_AA)
    m = measure_control(img, CloseControl((700, 300, 1001, 401), "text", 0.9, "Skip"), window=FULL,
                        density=D, ctas=[])
    assert m.details["badge_ratio"] > 10 and m.details["glyph_ratio"] < 1.6
    assert m.details["contrast_basis"] == "glyph"
    assert m.contrast == pytest.approx(m.details["glyph_ratio"])
    # the same pill drawn as an X badge would be findable by its badge
    x = measure_control(img, CloseControl((700, 300, 1001, 401), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert x.details["contrast_basis"] == "badge"


def test_uniform_control_has_no_contrast() -> None:
    img = screen((128, 128, 128))
    m = measure_control(img, CloseControl((900, 100, 1000, 200), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert m.contrast is None


def test_text_glyph_height() -> None:
    img = screen((255, 255, 255))
    cv2.rectangle(img, (700, 300), (1000, 400), (40, 40, 40), -1)
    cv2.rectangle(img, (780, 330), (920, 371), (255, 255, 255), -1)  # a 42 px tall "glyph" (end inclusive)
    m = measure_control(img, CloseControl((700, 300, 1001, 401), "text", 0.9, "Skip"), window=FULL,
                        density=D, ctas=[])
    assert m.details["glyph_height_dp"] == pytest.approx(42 / D, abs=0.01)


def test_placement_corners_zone_status_bar() -> None:
    shape = (H, W, 3)
    top_right = placement((980, 100, 1040, 160), window_box=(0, 0, W, H), frame_shape=shape, density=D,
                          corner_zone=0.3, status_bar_dp=24)
    assert top_right["corner"] == "top-right" and top_right["in_corner_zone"]
    assert not top_right["in_status_bar"]
    centre = placement((510, 1170, 570, 1230), window_box=(0, 0, W, H), frame_shape=shape, density=D,
                       corner_zone=0.3, status_bar_dp=24)
    assert centre["corner"] is None and not centre["in_corner_zone"]
    assert centre["corner_screen"] == "bottom-right"  # quadrant is always reported
    bottom_left_card = placement((150, 1550, 200, 1600), window_box=(140, 700, 940, 1700), frame_shape=shape,
                                 density=D, corner_zone=0.3, status_bar_dp=24)
    assert bottom_left_card["corner"] == "bottom-left" and bottom_left_card["in_corner_zone_window"]
    assert not bottom_left_card["in_corner_zone_screen"]
    # 24 dp = 63 px: centre at y = 62 is in the status bar, at y = 63 it is not.
    assert placement((1000, 42, 1040, 82), window_box=None, frame_shape=shape, density=D, corner_zone=0.3,
                     status_bar_dp=24)["in_status_bar"]
    assert not placement((1000, 43, 1040, 83), window_box=None, frame_shape=shape, density=D, corner_zone=0.3,
                         status_bar_dp=24)["in_status_bar"]


def test_placement_corner_zone_boundary() -> None:
    shape = (1000, 1000, 3)
    at = placement((280, 0, 320, 40), window_box=(0, 0, 1000, 1000), frame_shape=shape, density=1.0,
                   corner_zone=0.3, status_bar_dp=0)  # centre x = 300 = 30 %
    beyond = placement((282, 0, 322, 40), window_box=(0, 0, 1000, 1000), frame_shape=shape, density=1.0,
                       corner_zone=0.3, status_bar_dp=0)
    assert at["in_corner_zone"] and not beyond["in_corner_zone"]


def test_cta_distance_in_dp() -> None:
    p = placement((100, 100, 200, 200), window_box=None, frame_shape=(H, W, 3), density=D,
                  ctas=[(221, 100, 400, 200), (100, 600, 200, 700)], corner_zone=0.3, status_bar_dp=24)
    assert p["cta_distance_dp"] == pytest.approx(21 / D, abs=0.01)  # 8 dp
    assert p["nearest_cta"] == [221, 100, 400, 200]
    assert placement((100, 100, 200, 200), window_box=None, frame_shape=(H, W, 3), density=D, ctas=[],
                     corner_zone=0.3, status_bar_dp=24)["cta_distance_dp"] is None
    overlap = placement((100, 100, 200, 200), window_box=None, frame_shape=(H, W, 3), density=D,
                        ctas=[(150, 150, 300, 300)], corner_zone=0.3, status_bar_dp=24)
    assert overlap["cta_distance_dp"] == 0.0


def test_touch_box_from_ui_tree() -> None:
    box = (1000, 100, 1040, 140)
    nodes = [UiNode((0, 0, W, H)),                         # the ad's full-screen clickable: not the X's target
             UiNode((960, 60, 1080, 180)),                 # the X's touch target
             UiNode((990, 90, 1050, 150), clickable=False),
             UiNode((0, 0, 100, 100))]                     # elsewhere
    assert find_touch_box(box, nodes, density=D) == (960, 60, 1080, 180)
    assert find_touch_box(box, [UiNode((0, 0, W, H))], density=D) is None
    m = measure_control(screen(), CloseControl(box, "x_icon", 0.9), window=FULL, density=D, ctas=[], ui_tree=nodes)
    assert m.touch_box == (960, 60, 1080, 180)


def textured(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (H // 8, W // 8, 3), dtype=np.uint8)
    return cv2.resize(noise, (W, H), interpolation=cv2.INTER_NEAREST)


def test_opacity_of_translucent_and_opaque_badges() -> None:
    box = (880, 180, 1040, 340)
    for alpha in (1.0, 0.7, 0.5, 0.3):
        img = textured()
        badge = img.copy()
        cv2.circle(badge, (960, 260), 80, (0, 0, 0), -1)
        img = cv2.addWeighted(badge, alpha, img, 1 - alpha, 0)
        draw_x(img, box, (255, 255, 255), 8)
        m = measure_control(img, CloseControl(box, "x_icon", 0.9), window=FULL, density=D, ctas=[])
        assert m.opacity == pytest.approx(alpha, abs=0.15), alpha


def test_opacity_unknown_over_flat_surroundings_and_zero_without_backing() -> None:
    img = screen((255, 255, 255))
    cv2.circle(img, (960, 260), 80, (0, 0, 0), -1)
    assert estimate_opacity(img, (880, 180, 1040, 340), ring_px=20) is None
    img = textured()
    draw_x(img, (880, 180, 1040, 340), (255, 255, 255), 8)  # bare X on a picture: no backing
    m = measure_control(img, CloseControl((880, 180, 1040, 340), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    assert m.opacity == pytest.approx(0.0, abs=0.15)


def test_bad_inputs_name_the_parameter() -> None:
    c = CloseControl((10, 10, 50, 50), "x_icon", 0.9)
    with pytest.raises(ValueError, match="density"):
        measure_control(screen(), c, window=FULL, density=0, ctas=[])
    with pytest.raises(ValueError, match="control.box"):
        measure_control(screen(), CloseControl((2000, 3000, 2100, 3100), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    with pytest.raises(ValueError, match="control.box"):
        measure_control(screen(), CloseControl((50, 50, 10, 10), "x_icon", 0.9), window=FULL, density=D, ctas=[])
    with pytest.raises(ValueError, match="frame"):
        measure_control(None, c, window=FULL, density=D, ctas=[])  # type: ignore[arg-type]


# --- full-screen jump cue ------------------------------------------------------------------------

def test_fullscreen_jump_cue() -> None:
    x = [CloseControl((980, 100, 1040, 160), "x_icon", 0.9)]
    cue = fullscreen_jump_cue(FULL, x, [], frame_shape=(H, W, 3))
    assert cue["suspicious"] and cue["full_bleed"] and cue["window_fraction"] == 1.0
    assert cue["potential_hot_zone_fraction"] == pytest.approx(1 - 60 * 60 / (W * H), abs=1e-4)
    with_cta = fullscreen_jump_cue(FULL, x, [(140, 1900, 940, 2030)], frame_shape=(H, W, 3))
    assert not with_cta["suspicious"] and with_cta["ctas_in_window"] == 1
    card = Window((140, 700, 940, 1700), "card", 0.9)
    assert not fullscreen_jump_cue(card, x, [], frame_shape=(H, W, 3))["suspicious"]
    assert fullscreen_jump_cue(card, x, [], frame_shape=(H, W, 3), max_fraction=0.25)["suspicious"]
    assert not fullscreen_jump_cue(None, x, [], frame_shape=(H, W, 3))["suspicious"]
