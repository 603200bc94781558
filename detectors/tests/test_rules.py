"""detectors.rules and detectors.render: outcomes at, just below and just above every threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import rules
from detectors.model import CloseControl, ControlMeasurement, Impact, Outcome, Window
from detectors.profiles import load_profile
from detectors.render import comparison_rows, format_value, message, table_html, table_markdown
from detectors.rules import (COMPARISONS, judge_delay, judge_duration, judge_hot_zone, judge_reappears,
                             judge_shake, judge_static, judge_works, not_applicable, not_run)

CN = load_profile("cn-2023")
STRICT = load_profile("strict")
D = 2.625
W, H = 1080, 2400
SHAPE = (H, W, 3)
FULL = Window((0, 0, W, H), "fullscreen", 0.9)
TOP_RIGHT = (960, 160, 1040, 240)  # well inside the top-right corner zone, below the status bar


def control(box=TOP_RIGHT, kind="x_icon", confidence=0.9, text=None) -> CloseControl:
    return CloseControl(box, kind, confidence, text)


def measurement(width_dp=30.0, height_dp=30.0, contrast=7.0, *, opacity=None, touch_box=(940, 140, 1066, 266),
                glyph_height_dp=None) -> ControlMeasurement:
    # touch_box default: 126 px = 48 dp square, not at an edge
    return ControlMeasurement(width_dp, height_dp, contrast, opacity, {}, touch_box,
                              {"glyph_height_dp": glyph_height_dp, "glyph_ratio": contrast})


def static(controls, measurements, *, profile=CN, window=FULL, ctas=()) -> dict[str, object]:
    found = judge_static(window, controls, measurements, frame_shape=SHAPE, density=D, profile=profile, ctas=ctas)
    return {f.rule: f for f in found}


def outcome(controls, measurements, rule, **kw) -> Outcome:
    return static(controls, measurements, **kw)[rule].outcome  # type: ignore[union-attr]


# --- close-button-present ------------------------------------------------------------------------

def test_present() -> None:
    assert outcome([control()], [measurement()], "close-button-present") == Outcome.PASS
    assert outcome([], [], "close-button-present") == Outcome.VIOLATION
    # min_confidence 0.5: at the limit passes, just below is "not found".
    assert outcome([control(confidence=0.5)], [measurement()], "close-button-present") == Outcome.PASS
    f = static([control(confidence=0.49)], [measurement()])["close-button-present"]
    assert f.outcome == Outcome.VIOLATION and "weak" in f.reason
    assert f.impact == Impact.CRITICAL
    assert f.thresholds["min_confidence"].value == 0.5 and f.thresholds["min_confidence"].profile == "cn-2023"


def test_no_window_makes_every_static_rule_not_applicable() -> None:
    found = static([control()], [measurement()], window=None)
    assert set(found) == set(rules.STATIC_JUDGES)
    assert all(f.outcome == Outcome.NOT_APPLICABLE for f in found.values())


def test_without_a_control_size_contrast_placement_are_not_applicable() -> None:
    found = static([], [])
    for rid in ("close-button-size", "close-button-contrast", "close-button-placement"):
        assert found[rid].outcome == Outcome.NOT_APPLICABLE
        assert "close-button-present" in found[rid].reason


def test_unmeasured_control_is_not_run() -> None:
    found = static([control()], [None])
    assert found["close-button-size"].outcome == Outcome.NOT_RUN


# --- close-button-size ---------------------------------------------------------------------------

@pytest.mark.parametrize("profile, limit", [(CN, 24.0), (STRICT, 44.0)])
def test_visible_size_at_below_above(profile, limit) -> None:
    def size(v):
        return outcome([control()], [measurement(v, v + 10)], "close-button-size", profile=profile)
    assert size(limit) == Outcome.PASS
    assert size(limit - 0.01) == Outcome.VIOLATION
    assert size(limit + 0.01) == Outcome.PASS


def test_visible_size_uses_the_shorter_side_and_records_the_threshold() -> None:
    f = static([control()], [measurement(40, 18.3)])["close-button-size"]
    assert f.outcome == Outcome.VIOLATION
    assert f.measured["visible_min_dp"] == 18.3
    assert f.thresholds["min_visible"].value == 24 and f.thresholds["min_visible"].unit == "dp"


def touch(px_w: int, px_h: int, *, x1: int = 500, y1: int = 500):
    return (x1, y1, x1 + px_w, y1 + px_h)


def test_touch_target_at_below_above_with_atf_rounding() -> None:
    # ATF measures touch targets in whole dp: round(px / density), half up.
    c = control((520, 520, 560, 560))
    def t(box):
        return outcome([c], [measurement(touch_box=box)], "close-button-size")
    assert t(touch(126, 126)) == Outcome.PASS           # 48.0 dp
    assert t(touch(125, 126)) == Outcome.PASS           # 47.62 dp → 48
    assert t(touch(124, 126)) == Outcome.NEEDS_REVIEW   # 47.24 dp → 47 < 48
    assert t(touch(126, 124)) == Outcome.NEEDS_REVIEW
    assert t(touch(131, 131)) == Outcome.PASS           # 49.9 dp


def test_touch_rounding_is_half_up() -> None:
    # Java's Math.round, not Python's round-half-even (46.5 → 46 in Python).
    assert rules._atf_round(46.5) == 47 and rules._atf_round(47.49) == 47 and rules._atf_round(47.5) == 48
    f = static([control((520, 520, 560, 560))], [measurement(touch_box=touch(125, 125))])["close-button-size"]
    assert f.measured["touch_width_dp"] == 48


def test_touch_target_at_the_screen_edge() -> None:
    # 32 dp = 84 px wide, touching the right edge: cn-2023 allows 32 dp there, strict wants 48.
    box = (W - 84, 500, W, 500 + 126)
    c = control((W - 70, 540, W - 20, 590))
    assert outcome([c], [measurement(touch_box=box)], "close-button-size") == Outcome.PASS
    assert outcome([c], [measurement(touch_box=(W - 82, 500, W, 626))], "close-button-size") == Outcome.NEEDS_REVIEW
    f = static([c], [measurement(touch_box=box)], profile=STRICT)["close-button-size"]
    assert f.outcome == Outcome.VIOLATION  # 30 dp visible < 44 dp (strict), and the touch target is short too
    assert f.thresholds["min_touch_width"].value == 48 and f.thresholds["min_touch_height"].value == 48
    cn = static([c], [measurement(touch_box=box)])["close-button-size"]
    assert cn.thresholds["min_touch_width"].value == 32 and cn.thresholds["min_touch_height"].value == 48
    assert cn.measured["touches_edge_x"] and not cn.measured["touches_edge_y"]


def test_without_ui_tree_the_visible_box_is_the_touch_target() -> None:
    f = static([control((500, 500, 580, 580))], [measurement(touch_box=None)])["close-button-size"]
    assert f.outcome == Outcome.NEEDS_REVIEW  # 30.5 dp visible ≥ 24, but < 48 dp touch
    assert f.measured["touch_source"] == "visible_box" and "no UI tree" in f.reason


# --- close-button-contrast -----------------------------------------------------------------------

@pytest.mark.parametrize("profile", [CN, STRICT])
def test_icon_contrast_at_below_above(profile) -> None:
    def c(r):
        return outcome([control()], [measurement(contrast=r)], "close-button-contrast", profile=profile)
    assert c(3.0) == Outcome.PASS
    assert c(2.999) == Outcome.VIOLATION  # not rounded
    assert c(3.001) == Outcome.PASS


def test_text_contrast_small_and_large() -> None:
    txt = control(kind="text", text="跳过 5")
    def c(r, glyph_h):
        return outcome([txt], [measurement(contrast=r, glyph_height_dp=glyph_h)], "close-button-contrast")
    assert c(4.5, 12) == Outcome.PASS
    assert c(4.499, 12) == Outcome.VIOLATION
    # large text: glyph ≥ 18 dp → 3.0
    assert c(3.0, 18) == Outcome.PASS
    assert c(2.999, 18) == Outcome.VIOLATION
    assert c(3.5, 17.99) == Outcome.VIOLATION
    f = static([txt], [measurement(contrast=3.5, glyph_height_dp=20)])["close-button-contrast"]
    assert set(f.thresholds) == {"large_text_height", "min_large_text_ratio"}


def test_unknown_contrast_needs_review() -> None:
    f = static([control()], [measurement(contrast=None)])["close-button-contrast"]
    assert f.outcome == Outcome.NEEDS_REVIEW and "uniform" in f.reason


def test_translucent_badge_needs_review() -> None:
    assert outcome([control()], [measurement(opacity=0.59)], "close-button-contrast") == Outcome.NEEDS_REVIEW
    assert outcome([control()], [measurement(opacity=0.6)], "close-button-contrast") == Outcome.PASS


# --- close-button-placement ----------------------------------------------------------------------

def test_placement_corner_centre_status_bar() -> None:
    assert outcome([control()], [measurement()], "close-button-placement") == Outcome.PASS
    centre = static([control((500, 1160, 580, 1240))], [measurement()])["close-button-placement"]
    assert centre.outcome == Outcome.NEEDS_REVIEW and "corner" in centre.reason
    # 24 dp = 63 px: a centre at y = 40 lies in the status bar.
    bar = static([control((980, 20, 1040, 60))], [measurement()])["close-button-placement"]
    assert bar.outcome == Outcome.VIOLATION and bar.measured["in_status_bar"]


def test_placement_card_corner_counts() -> None:
    card = Window((140, 700, 940, 1700), "card", 0.9, scrim=True)
    f = static([control((880, 710, 930, 760))], [measurement()], window=card)["close-button-placement"]
    assert f.outcome == Outcome.PASS and f.measured["corner"] == "top-right"


def test_placement_gap_to_cta_at_below_above() -> None:
    c = control(TOP_RIGHT)
    def gap(px):
        cta = (TOP_RIGHT[0] - px - 200, 160, TOP_RIGHT[0] - px, 240)
        return static([c], [measurement()], ctas=[cta])["close-button-placement"]
    assert gap(21).outcome == Outcome.PASS          # 8.0 dp
    assert gap(20).outcome == Outcome.VIOLATION     # 7.6 dp
    assert gap(22).outcome == Outcome.PASS
    assert gap(20).thresholds["min_cta_distance"].value == 8


# --- fullscreen-jump-link static cue -------------------------------------------------------------

def test_fullscreen_static_cue_is_review_at_most() -> None:
    assert outcome([control()], [measurement()], "fullscreen-jump-link") == Outcome.NEEDS_REVIEW
    with_cta = static([control()], [measurement()], ctas=[(140, 1900, 940, 2030)])["fullscreen-jump-link"]
    assert with_cta.outcome == Outcome.PASS and with_cta.confidence == 0.5
    card = Window((140, 700, 940, 1700), "card", 0.9)   # 31 % of the screen
    assert outcome([control()], [measurement()], "fullscreen-jump-link", window=card) == Outcome.PASS
    assert outcome([control()], [measurement()], "fullscreen-jump-link", window=card, profile=STRICT) == Outcome.NEEDS_REVIEW


# --- several controls, disabled rules, crashes ---------------------------------------------------

def test_several_controls_judges_the_most_confident_and_says_so() -> None:
    small = control((10, 2300, 40, 2330), confidence=0.6)
    big = control(TOP_RIGHT, confidence=0.95)
    found = static([small, big], [measurement(11, 11), measurement(30, 30)])
    assert found["close-button-size"].outcome == Outcome.PASS
    assert found["close-button-size"].box_px == TOP_RIGHT
    assert "2 controls" in found["close-button-size"].reason


def test_disabled_rule_yields_no_finding(tmp_path: Path) -> None:
    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\nextends: cn-2023\nrules:\n  close-button-contrast: {enabled: false}\n"
                 "  close-button-delay: {enabled: false}\n", encoding="utf-8")
    mine = load_profile(p)
    found = static([control()], [measurement()], profile=mine)
    assert "close-button-contrast" not in found and "close-button-size" in found
    assert judge_delay(0.1, profile=mine) is None
    assert not_run("close-button-delay", "x", mine) is None
    assert not_applicable("close-button-contrast", "x", profile=mine) is None


def test_a_crashing_rule_becomes_not_run_and_the_others_go_on(monkeypatch) -> None:
    def boom(ctx):
        raise ZeroDivisionError("division by zero in size")
    monkeypatch.setitem(rules.STATIC_JUDGES, "close-button-size", boom)
    found = static([control()], [measurement()])
    assert found["close-button-size"].outcome == Outcome.NOT_RUN
    assert "ZeroDivisionError" in found["close-button-size"].reason
    assert found["close-button-contrast"].outcome == Outcome.PASS
    assert len(found) == len(rules.STATIC_JUDGES)


def test_bad_static_inputs_raise() -> None:
    with pytest.raises(ValueError, match="measurements"):
        judge_static(FULL, [control()], [], frame_shape=SHAPE, density=D, profile=CN)
    with pytest.raises(ValueError, match="density"):
        judge_static(FULL, [], [], frame_shape=SHAPE, density=0, profile=CN)


# --- dynamic rules -------------------------------------------------------------------------------

def test_delay_cn_2023() -> None:
    assert judge_delay(0.5, profile=CN).outcome == Outcome.PASS
    assert judge_delay(0.51, profile=CN).outcome == Outcome.NEEDS_REVIEW
    assert judge_delay(3.0, profile=CN).outcome == Outcome.NEEDS_REVIEW
    assert judge_delay(3.01, profile=CN).outcome == Outcome.VIOLATION
    assert judge_delay(None, profile=CN).outcome == Outcome.VIOLATION


def test_delay_strict() -> None:
    assert judge_delay(0.0, profile=STRICT).outcome == Outcome.PASS
    assert judge_delay(0.01, profile=STRICT).outcome == Outcome.NEEDS_REVIEW
    assert judge_delay(0.5, profile=STRICT).outcome == Outcome.NEEDS_REVIEW
    assert judge_delay(0.51, profile=STRICT).outcome == Outcome.VIOLATION
    assert judge_delay(0.51, profile=STRICT).thresholds["review_delay"].profile == "strict"


def test_works() -> None:
    assert judge_works(True, False, 0.4, 1, profile=CN).outcome == Outcome.PASS
    assert judge_works(True, False, 1.0, 1, profile=CN).outcome == Outcome.PASS
    assert judge_works(True, False, 1.01, 1, profile=CN).outcome == Outcome.NEEDS_REVIEW
    assert judge_works(True, False, 0.4, 2, profile=CN).outcome == Outcome.VIOLATION
    assert judge_works(False, False, None, 1, profile=CN).outcome == Outcome.VIOLATION
    fake = judge_works(True, True, 0.4, 1, profile=CN)
    assert fake.outcome == Outcome.VIOLATION and "fake" in fake.reason
    assert judge_works(False, False, None, 0, profile=CN).outcome == Outcome.NOT_RUN


@pytest.mark.parametrize("profile, violation, review", [(CN, 0.5, 0.25), (STRICT, 0.25, 0.1)])
def test_hot_zone_at_below_above(profile, violation, review) -> None:
    def hz(f, u=0.0):
        return judge_hot_zone(f, u, 16, profile=profile).outcome
    assert hz(violation) == Outcome.NEEDS_REVIEW
    assert hz(violation + 1e-4) == Outcome.VIOLATION
    assert hz(review) == Outcome.PASS
    assert hz(review + 1e-4) == Outcome.NEEDS_REVIEW
    assert hz(review - 1e-4) == Outcome.PASS


def test_hot_zone_uncertainty_and_no_probes() -> None:
    assert judge_hot_zone(0.55, 0.1, 16, profile=CN).outcome == Outcome.NEEDS_REVIEW   # 0.45..0.65
    assert judge_hot_zone(0.9, 0.1, 16, profile=CN).outcome == Outcome.VIOLATION
    assert judge_hot_zone(0.9, 0.0, 0, profile=CN).outcome == Outcome.NOT_RUN
    with pytest.raises(ValueError, match="fraction"):
        judge_hot_zone(1.5, 0.0, 4, profile=CN)


def test_shake() -> None:
    gentle = {"acceleration": 8.0, "rotation_deg": 20.0, "duration_s": 2.0}
    assert judge_shake(True, gentle, profile=CN).outcome == Outcome.VIOLATION
    assert judge_shake(False, gentle, profile=CN).outcome == Outcome.PASS
    at_limits = {"acceleration_ms2": 15, "rotation_deg": 35, "duration_s": 3}
    assert judge_shake(True, at_limits, profile=CN).outcome == Outcome.NOT_RUN
    just_below = {"acceleration_ms2": 14.99, "rotation_deg": 35, "duration_s": 3}
    f = judge_shake(True, just_below, profile=CN)
    assert f.outcome == Outcome.VIOLATION and "acceleration" in f.reason
    assert judge_shake(True, {}, profile=CN).outcome == Outcome.NOT_RUN


def test_shake_accepts_a_shake_spec() -> None:
    from harness.device import ShakeSpec
    assert judge_shake(True, ShakeSpec(5.0, 10.0, 1.0), profile=CN).outcome == Outcome.VIOLATION


def test_duration() -> None:
    assert judge_duration(5.0, True, profile=CN).outcome == Outcome.PASS
    assert judge_duration(5.01, True, profile=CN).outcome == Outcome.NEEDS_REVIEW
    assert judge_duration(4.99, True, profile=CN).outcome == Outcome.PASS
    assert judge_duration(6.0, False, profile=CN).outcome == Outcome.NEEDS_REVIEW
    assert judge_duration(3.0, False, profile=CN).outcome == Outcome.NOT_RUN
    assert judge_duration(None, False, profile=CN).outcome == Outcome.NOT_APPLICABLE


def test_reappears() -> None:
    f = judge_reappears(True, 2.0, profile=CN)
    assert f.outcome == Outcome.VIOLATION and f.measured["reappeared_after_s"] == 2.0
    assert judge_reappears(False, None, profile=CN).outcome == Outcome.PASS


def test_not_run_and_not_applicable() -> None:
    f = not_run("close-button-works", "no device", CN)
    assert f.outcome == Outcome.NOT_RUN and f.reason == "no device" and f.impact == Impact.CRITICAL
    assert not_applicable("splash-duration", "no splash", profile=CN).outcome == Outcome.NOT_APPLICABLE
    with pytest.raises(KeyError, match="unknown rule"):
        not_run("no-such-rule", "x", CN)


def test_every_threshold_a_judge_records_has_a_comparison() -> None:
    findings = list(static([control(kind="text", text="Skip")], [measurement(opacity=0.9, glyph_height_dp=12)],
                           ctas=[(0, 2000, 500, 2100)]).values())
    findings += [judge_delay(1.0), judge_works(True, False, 0.2, 1), judge_hot_zone(0.3, 0.0, 9),
                 judge_shake(False, {"acceleration": 5}), judge_duration(4.0, True), judge_reappears(False, None)]
    for f in findings:
        assert f.thresholds, f.rule
        for key in f.thresholds:
            assert key in COMPARISONS[f.rule], (f.rule, key)
            assert COMPARISONS[f.rule][key].measured_key in f.measured, (f.rule, key)


# --- render --------------------------------------------------------------------------------------

def test_message_for_a_size_violation() -> None:
    f = static([control()], [measurement(40, 18.3)])["close-button-size"]
    text = message(f)
    assert text.startswith("close-button-size: violation — visible 18.3 dp < 24 dp (WCAG 2.2 SC 2.5.8")
    assert "profile cn-2023" in text


def test_message_keeps_a_failing_value_distinct_from_its_limit() -> None:
    f = static([control()], [measurement(contrast=2.999)])["close-button-contrast"]
    assert "contrast 2.999:1 < 3:1" in message(f)
    assert format_value(0.62, "fraction") == "62 %"
    assert format_value(24.0, "dp") == "24 dp"
    assert format_value(18.26, "dp", reference=24) == "18.3 dp"


def test_comparison_rows_and_tables() -> None:
    f = judge_delay(4.0, profile=CN)
    rows = comparison_rows(f)
    assert [r.key for r in rows] == ["review_delay", "max_delay"]
    assert all(r.failing for r in rows) and rows[0].relation == ">"
    md = table_markdown([f, judge_works(True, False, 0.2, 1, profile=CN)])
    assert "| close-button-delay | violation | delay 4.0 s | ≤ 3 s | fails |" in md
    assert "| ok |" in md
    html = table_html([f])
    assert "<table" in html and "fails" in html and "Kuaishou" in html


def test_message_for_not_run_has_the_reason() -> None:
    assert message(not_run("close-button-works", "no device", CN)) == "close-button-works: not run — no device"
