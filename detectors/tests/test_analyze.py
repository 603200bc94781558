"""detectors.analyze: the glue of the stack, tested with fake stages (and once with the real ones)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import detectors.analyze as an
from detectors.analyze import STATIC_RULES, analyze_frame
from detectors.model import CloseControl, ControlMeasurement, Finding, Impact, Outcome, Window
from detectors.profiles import ProfileError, load_profile

WINDOW = Window(box=(100, 400, 980, 1500), kind="card", confidence=0.9, scrim=True)
X = CloseControl(box=(900, 420, 960, 480), kind="x_icon", confidence=0.8)
SKIP = CloseControl(box=(120, 420, 260, 470), kind="text", confidence=0.6, text="Skip")
CTA = (300, 1300, 780, 1400)


class Fakes:
    """Records calls and returns canned values; any stage can be told to raise."""

    def __init__(self, monkeypatch, *, window=WINDOW, controls=(X,), ctas=(CTA,), crash=(), verified=()):
        self.calls: dict[str, list] = {}
        self.crash = set(crash)
        self.window, self.controls, self.ctas = window, list(controls), list(ctas)
        self.verified = list(verified)
        for name in ("detect_window", "find_close_controls", "find_ctas", "measure_control", "judge_static",
                     "detect_controls"):
            monkeypatch.setattr(an, name, getattr(self, name))

    def detect_controls(self, frame, *, density, scorer=None, **kwargs):
        self._rec("detect_controls", frame, density=density)
        from detectors.verifier import Detection

        return [Detection(box=c.box, kind=c.kind, prob=c.confidence) for c in self.verified]

    def _rec(self, name, *args, **kwargs):
        self.calls.setdefault(name, []).append((args, kwargs))
        if name in self.crash:
            raise RuntimeError(f"boom in {name}\nsecond line")

    def detect_window(self, frame, *, density, status_bar_expected=True):
        self._rec("detect_window", frame, density=density, status_bar_expected=status_bar_expected)
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
        return self.window

    def find_close_controls(self, frame, *, window, density, reader=None):
        self._rec("find_close_controls", frame, window=window, density=density, reader=reader)
        return self.controls

    def find_ctas(self, frame, *, window, density, reader=None):
        self._rec("find_ctas", frame, window=window, density=density, reader=reader)
        return self.ctas

    def measure_control(self, frame, control, *, window, density, ctas, ui_tree=None, profile=None):
        self._rec("measure_control", frame, control, window=window, density=density, ctas=ctas, ui_tree=ui_tree)
        if "measure_control:" + (control.text or "x") in self.crash:
            raise ValueError(f"cannot measure {control.text or 'x'}")
        w, h = control.box[2] - control.box[0], control.box[3] - control.box[1]
        return ControlMeasurement(width_dp=w / density, height_dp=h / density, contrast=4.0)

    def judge_static(self, window, controls, measurements, *, frame_shape, density, profile, ctas):
        self._rec("judge_static", window, controls, measurements, frame_shape=frame_shape, density=density,
                  profile=profile, ctas=ctas)
        assert len(controls) == len(measurements)
        if window is None:
            return [Finding(r, Outcome.NOT_APPLICABLE, Impact.MINOR) for r in STATIC_RULES]
        present = Outcome.PASS if controls else Outcome.VIOLATION
        out = [Finding("close-button-present", present, Impact.CRITICAL)]
        best = max(range(len(controls)), key=lambda i: controls[i].confidence, default=None)
        for r in STATIC_RULES[1:]:
            if best is not None and measurements[best] is None and r != "fullscreen-jump-link":
                out.append(Finding(r, Outcome.NOT_RUN, Impact.MINOR, reason="the close control could not be measured"))
            else:
                out.append(Finding(r, Outcome.PASS, Impact.MINOR))
        return out


def _frame(h=1920, w=1080):
    return np.full((h, w, 3), 128, np.uint8)


def _by_rule(analysis):
    return {f.rule: f for f in analysis.findings}


def test_pipeline_passes_everything_through(monkeypatch):
    fakes = Fakes(monkeypatch, controls=(X, SKIP))
    reader = object()
    ui = ()
    a = analyze_frame(_frame(), density=3.0, profile="cn-2023", reader=reader, ui_tree=ui)
    assert a.width == 1080 and a.height == 1920
    assert a.density == 3.0 and a.density_estimated is False
    assert a.window == WINDOW and a.popup
    assert a.controls == (X, SKIP)
    assert [m.width_dp for m in a.measurements] == [pytest.approx(20.0), pytest.approx(140 / 3)]
    assert a.ctas == (CTA,)
    assert fakes.calls["find_close_controls"][0][1]["reader"] is reader
    assert fakes.calls["measure_control"][0][1]["ctas"] == [CTA]
    assert fakes.calls["measure_control"][0][1]["ui_tree"] is ui
    js = fakes.calls["judge_static"][0][1]
    assert js["frame_shape"] == (1920, 1080, 3) and js["profile"].name == "cn-2023" and js["ctas"] == [CTA]
    assert [f.rule for f in a.findings] == list(STATIC_RULES)
    assert all(f.outcome is Outcome.PASS for f in a.findings)
    assert set(a.timings_ms) >= {"input", "window", "controls", "ctas", "measure", "rules", "total"}
    assert all(v >= 0 for v in a.timings_ms.values())
    assert a.timings_ms["total"] >= a.timings_ms["window"]


def test_density_is_estimated_when_not_given(monkeypatch):
    Fakes(monkeypatch)
    a = analyze_frame(_frame(1920, 1080))
    assert a.density == 2.625 and a.density_estimated is True
    b = analyze_frame(_frame(1280, 720))
    assert b.density == 2.0 and b.density_estimated


def test_no_window_skips_the_window_stages(monkeypatch):
    # the fusion probe searches the content area, but a mid-screen X does not promote the screen
    fakes = Fakes(monkeypatch, window=None)
    a = analyze_frame(_frame(), density=2.625)
    assert not a.popup and a.controls == () and a.ctas == ()
    probe = fakes.calls["find_close_controls"][0][1]["window"]
    assert probe.kind == "fullscreen" and probe.box == (0, 0, 1080, 1920)
    assert "find_ctas" not in fakes.calls and "measure_control" not in fakes.calls
    assert {f.outcome for f in a.findings} == {Outcome.NOT_APPLICABLE}


def test_promote_false_skips_the_probe(monkeypatch):
    fakes = Fakes(monkeypatch, window=None)
    a = analyze_frame(_frame(), density=2.625, promote=False)
    assert not a.popup and "find_close_controls" not in fakes.calls


@pytest.mark.parametrize("flag", [True, False])
def test_status_bar_expected_is_passed_through(monkeypatch, flag):
    fakes = Fakes(monkeypatch)
    analyze_frame(_frame(), density=2.625, status_bar_expected=flag)
    assert fakes.calls["detect_window"][0][1]["status_bar_expected"] is flag


def test_dismiss_phrase_promotes_a_windowless_screen(monkeypatch):
    no_thanks = CloseControl(box=(430, 1700, 650, 1730), kind="text", confidence=0.95, text="No Thanks")
    fakes = Fakes(monkeypatch, window=None, controls=(no_thanks,))
    a = analyze_frame(_frame(), density=2.625)
    assert a.popup and a.window.kind == "fullscreen" and a.window.box == (0, 0, 1080, 1920)
    cue = a.window.cues["promoted_by"]
    assert cue["reason"] == "dismiss_phrase" and cue["text"] == "No Thanks" and cue["box"] == list(no_thanks.box)
    assert 0.5 < a.window.confidence <= 1.0
    assert a.controls == (no_thanks,) and len(a.measurements) == 1
    searched = [kw["window"].box for _, kw in fakes.calls["find_close_controls"]]
    assert searched.count((0, 0, 1080, 1920)) == 1  # the probe's controls are reused, not searched again
    assert fakes.calls["judge_static"][0][0][0] is a.window


def test_generic_cancel_mid_screen_does_not_promote(monkeypatch):
    cancel = CloseControl(box=(100, 900, 980, 1000), kind="text", confidence=0.95, text="Cancel")
    Fakes(monkeypatch, window=None, controls=(cancel,))
    assert not analyze_frame(_frame(), density=2.625).popup


def test_verified_controls_join_the_hand_made_ones_by_place(monkeypatch):
    # the same × seen by both (the verifier more sure, no text), and a × under the card that
    # only the verifier saw (within the margin), and one far outside the window (dropped)
    same = CloseControl(box=(902, 418, 962, 478), kind="x_icon", confidence=0.97)
    below = CloseControl(box=(510, 1560, 570, 1620), kind="x_icon", confidence=0.9)
    far = CloseControl(box=(10, 10, 40, 40), kind="x_icon", confidence=0.99)
    fakes = Fakes(monkeypatch, controls=(X, SKIP), verified=(same, below, far))
    monkeypatch.setattr(an, "VERIFIER_ADD_X", True)
    a = analyze_frame(_frame(), density=2.625, verifier=object())
    # the hand-made × keeps its (tighter) box with the higher confidence; one new × is added
    assert a.controls == (CloseControl(box=X.box, kind="x_icon", confidence=0.97), below, SKIP)
    assert len(fakes.calls["detect_controls"]) == 1
    assert "verifier" in a.timings_ms


def test_a_text_control_keeps_its_ocr_text_when_the_verifier_is_surer(monkeypatch):
    v = CloseControl(box=(118, 421, 258, 469), kind="text", confidence=0.9)
    Fakes(monkeypatch, controls=(X, SKIP), verified=(v,))
    a = analyze_frame(_frame(), density=2.625, verifier=object())
    assert CloseControl(box=SKIP.box, kind="text", confidence=0.9, text="Skip") in a.controls


def test_unconfirmed_verified_controls_are_added_sparingly(monkeypatch):
    weak = CloseControl(box=(500, 1000, 560, 1060), kind="x_icon", confidence=an.VERIFIER_MIN_CONF - 0.05)
    on_cta = CloseControl(box=(400, 1310, 700, 1390), kind="text", confidence=0.99)
    two = [CloseControl(box=(150 + 200 * i, 1420, 210 + 200 * i, 1480), kind="x_icon", confidence=0.95 - 0.01 * i)
           for i in range(3)]
    Fakes(monkeypatch, controls=(), verified=(weak, on_cta, *two))
    monkeypatch.setattr(an, "VERIFIER_ADD_X", True)
    a = analyze_frame(_frame(), density=2.625, verifier=object())
    assert a.controls == tuple(two[:an.VERIFIER_MAX_ADDED])
    monkeypatch.setattr(an, "VERIFIER_ADD_X", False)  # the committed model's setting
    assert analyze_frame(_frame(), density=2.625, verifier=object()).controls == ()


class _Reads:
    def __init__(self, text):
        self.text, self.n = text, 0

    def recognise(self, crops):
        self.n += len(crops)
        return [(self.text, 0.9)] * len(crops)


@pytest.mark.parametrize("read,kept", [("以后再说", True), ("立即安装", False)])
def test_a_verified_text_control_is_added_only_when_ocr_reads_a_dismiss_label(monkeypatch, read, kept):
    pill = CloseControl(box=(400, 1410, 680, 1470), kind="text", confidence=0.97)
    Fakes(monkeypatch, controls=(X,), ctas=(), verified=(pill,))
    reader = _Reads(read)
    a = analyze_frame(_frame(), density=2.625, verifier=object(), reader=reader)
    assert reader.n == 1
    texts = [c.text for c in a.controls if c.kind == "text"]
    assert texts == ([read] if kept else [])


def test_a_confident_verified_corner_x_reveals_a_missed_window(monkeypatch):
    corner = CloseControl(box=(990, 60, 1060, 130), kind="x_icon", confidence=0.95)
    Fakes(monkeypatch, window=None, controls=(), verified=(corner,))
    a = analyze_frame(_frame(), density=2.625, verifier=object(), status_bar_expected=False)
    assert a.popup and a.window.kind == "fullscreen"
    assert a.window.cues["promoted_by"]["reason"] == "corner_x"
    assert a.controls == (corner,)


def test_verifier_false_skips_the_stage_and_a_crash_is_not_fatal(monkeypatch):
    fakes = Fakes(monkeypatch, controls=(X,))
    a = analyze_frame(_frame(), density=2.625, verifier=False)
    assert "detect_controls" not in fakes.calls and a.controls == (X,)

    def boom(*args, **kwargs):
        raise RuntimeError("model missing")

    monkeypatch.setattr(an, "detect_controls", boom)
    b = analyze_frame(_frame(), density=2.625, verifier=object())
    assert b.controls == (X,) and b.timings_ms["verifier_error"] == 1.0
    assert all(f.outcome is not Outcome.NOT_RUN for f in b.findings)


def test_a_slow_verifier_on_its_own_thread_still_feeds_promotion(monkeypatch):
    # the verifier thread finishes long after the hand-made search: _promote waits for it
    import time as _time

    corner = CloseControl(box=(990, 60, 1060, 130), kind="x_icon", confidence=0.95)
    fakes = Fakes(monkeypatch, window=None, controls=(), verified=(corner,))
    fast = fakes.detect_controls

    def slow(frame, **kwargs):
        _time.sleep(0.2)
        return fast(frame, **kwargs)

    monkeypatch.setattr(an, "detect_controls", slow)
    assert an.VERIFIER_CONCURRENT
    a = analyze_frame(_frame(), density=2.625, verifier=object(), status_bar_expected=False)
    assert a.popup and a.window.cues["promoted_by"]["reason"] == "corner_x" and a.controls == (corner,)
    assert a.timings_ms["verifier"] >= 190 and a.timings_ms["verifier_wait"] > 0


def test_a_crash_on_the_verifier_thread_is_not_fatal(monkeypatch):
    Fakes(monkeypatch, window=None, controls=())

    def boom(*args, **kwargs):
        raise RuntimeError("model missing")

    monkeypatch.setattr(an, "detect_controls", boom)
    a = analyze_frame(_frame(), density=2.625, verifier=object(), status_bar_expected=False)
    assert a.timings_ms["verifier_error"] == 1.0 and not a.popup
    assert all(f.outcome is not Outcome.NOT_RUN for f in a.findings)


def test_the_verifier_is_not_run_where_its_result_cannot_be_used(monkeypatch):
    fakes = Fakes(monkeypatch, window=None, controls=())
    analyze_frame(_frame(12, 40), density=2.0, verifier=object())  # below the window stage's minimum
    assert "detect_controls" not in fakes.calls
    analyze_frame(_frame(12, 40), density=2.0, verifier=object(), window=WINDOW)  # a given window: used
    assert len(fakes.calls["detect_controls"]) == 1


@pytest.mark.parametrize("badge", [True, False])
def test_concurrent_and_serial_verifier_give_the_same_analysis(monkeypatch, badge):
    """Real stack (real ONNX model, no OCR): the thread changes the timings only."""
    img = _phone_page()
    if badge:
        _x_badge(img, 1020, 123, 39, (140, 40, 110), (255, 255, 255), 7)
    runs = {}
    for concurrent in (True, False):
        monkeypatch.setattr(an, "VERIFIER_CONCURRENT", concurrent)
        a = analyze_frame(img, density=D, reader=_NoOcr())
        assert "verifier" in a.timings_ms and ("verifier_wait" in a.timings_ms) is concurrent
        runs[concurrent] = replace(a, timings_ms={})
    assert runs[True] == runs[False]
    assert runs[True].popup is badge


def test_probe_crash_is_a_window_stage_crash(monkeypatch):
    Fakes(monkeypatch, window=None, crash={"find_close_controls"})
    a = analyze_frame(_frame(), density=2.625)
    assert not a.popup
    for f in a.findings:
        _assert_not_run(f, "window", "boom in find_close_controls")


def test_grayscale_float_input_is_converted(monkeypatch):
    Fakes(monkeypatch)
    a = analyze_frame(np.full((100, 60), 0.5, np.float32), density=1.0)
    assert (a.width, a.height) == (60, 100)


@pytest.mark.parametrize("density", [0, -1, float("nan"), float("inf"), "x", True])
def test_bad_density_is_a_value_error(monkeypatch, density):
    Fakes(monkeypatch)
    with pytest.raises(ValueError, match="density"):
        analyze_frame(_frame(), density=density)


def test_bad_frame_is_a_value_error_naming_frame(monkeypatch):
    Fakes(monkeypatch)
    with pytest.raises(ValueError, match="frame"):
        analyze_frame(np.zeros((0, 3)))


def test_unknown_profile_is_a_value_error(monkeypatch):
    Fakes(monkeypatch)
    with pytest.raises(ProfileError):
        analyze_frame(_frame(), profile="no-such-profile")


def _assert_not_run(f, *words):
    assert f.outcome is Outcome.NOT_RUN
    for w in words:
        assert w in (f.reason or "")


def test_window_crash_makes_every_static_rule_not_run(monkeypatch):
    Fakes(monkeypatch, crash={"detect_window"})
    a = analyze_frame(_frame(), density=2.625)
    assert a.window is None
    assert [f.rule for f in a.findings] == list(STATIC_RULES)
    for f in a.findings:
        _assert_not_run(f, "window", "RuntimeError", "boom in detect_window")
        assert "second line" not in f.reason


def test_control_finder_crash_is_never_a_missing_close_button(monkeypatch):
    Fakes(monkeypatch, crash={"find_close_controls"})
    a = analyze_frame(_frame(), density=2.625)
    assert a.popup
    by = _by_rule(a)
    assert by["close-button-present"].outcome is not Outcome.VIOLATION
    for r in STATIC_RULES:
        _assert_not_run(by[r], "controls", "boom in find_close_controls")


def test_cta_crash_blocks_placement_and_jump_cue_only(monkeypatch):
    Fakes(monkeypatch, crash={"find_ctas"})
    by = _by_rule(analyze_frame(_frame(), density=2.625))
    _assert_not_run(by["close-button-placement"], "ctas")
    _assert_not_run(by["fullscreen-jump-link"], "ctas")
    assert by["close-button-present"].outcome is Outcome.PASS
    assert by["close-button-size"].outcome is Outcome.PASS


def test_measure_crash_on_a_control_that_is_not_judged(monkeypatch):
    fakes = Fakes(monkeypatch, controls=(X, SKIP), crash={"measure_control:Skip"})
    a = analyze_frame(_frame(), density=2.625)
    js_args = fakes.calls["judge_static"][0][0]
    assert js_args[1] == [X, SKIP] and js_args[2][1] is None  # judge_static sees the gap
    assert {f.outcome for f in a.findings} == {Outcome.PASS}
    assert a.controls == (X,) and len(a.measurements) == 1  # kept aligned


def test_measure_crash_on_the_judged_control_carries_the_error(monkeypatch):
    Fakes(monkeypatch, controls=(X, SKIP), crash={"measure_control:x"})
    a = analyze_frame(_frame(), density=2.625)
    by = _by_rule(a)
    assert by["close-button-present"].outcome is Outcome.PASS  # found, even if not measurable
    for r in ("close-button-size", "close-button-contrast", "close-button-placement"):
        _assert_not_run(by[r], "could not be measured", "stage 'measure' crashed", "cannot measure x")
    assert a.controls == (SKIP,) and len(a.measurements) == 1


def test_rules_crash(monkeypatch):
    Fakes(monkeypatch, crash={"judge_static"})
    a = analyze_frame(_frame(), density=2.625)
    for f in a.findings:
        _assert_not_run(f, "rules", "boom in judge_static")
    assert len(a.findings) == len(STATIC_RULES)


def test_disabled_rules_get_no_not_run(monkeypatch, tmp_path):
    prof = tmp_path / "p.yaml"
    prof.write_text("name: quiet\nextends: cn-2023\nrules:\n  close-button-contrast: {enabled: false}\n")
    Fakes(monkeypatch, crash={"detect_window"})
    a = analyze_frame(_frame(), density=2.625, profile=str(prof))
    assert "close-button-contrast" not in _by_rule(a)
    assert "close-button-size" in _by_rule(a)


def test_profile_object_is_used_as_is(monkeypatch):
    fakes = Fakes(monkeypatch)
    prof = load_profile("wcag22")
    analyze_frame(_frame(), density=2.625, profile=prof)
    assert fakes.calls["judge_static"][0][1]["profile"] is prof


# ----------------------------------------------------------------------------- the real stack


def _synthetic_popup() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 1080×1920 app screen under a 60 % black scrim, a white card, a dark X in its top-right corner."""
    import cv2

    rng = np.random.default_rng(7)
    screen = np.full((1920, 1080, 3), 245, np.uint8)
    for y in range(200, 1900, 160):  # list rows with coloured thumbnails
        screen[y:y + 120, 40:160] = rng.integers(0, 256, 3)
        screen[y + 30:y + 50, 200:900] = 60
    screen = (screen.astype(np.float32) * 0.4).astype(np.uint8)  # scrim
    x1, y1, x2, y2 = 90, 560, 990, 1360
    cv2.rectangle(screen, (x1, y1), (x2 - 1, y2 - 1), (255, 255, 255), -1)
    cv2.rectangle(screen, (200, 1180), (880, 1300), (40, 120, 240), -1)  # CTA button
    # X glyph: 24 dp at 2.625 ≈ 63 px, in the card's top-right corner.
    gx1, gy1, gx2, gy2 = 900, 590, 963, 653
    cv2.line(screen, (gx1 + 8, gy1 + 8), (gx2 - 8, gy2 - 8), (60, 60, 60), 7, cv2.LINE_AA)
    cv2.line(screen, (gx2 - 8, gy1 + 8), (gx1 + 8, gy2 - 8), (60, 60, 60), 7, cv2.LINE_AA)
    return screen, (gx1, gy1, gx2, gy2)


def test_real_stack_on_a_synthetic_popup():
    for mod in ("detectors.window", "detectors.close_controls", "detectors.measure", "detectors.rules"):
        pytest.importorskip(mod, reason=f"{mod} not written yet")
    frame, xbox = _synthetic_popup()
    a = analyze_frame(frame, density=2.625)
    not_run = [f for f in a.findings if f.outcome is Outcome.NOT_RUN]
    assert not not_run, f"a stage crashed: {[f.reason for f in not_run]}"
    assert a.popup, "the card over a scrim was not detected"
    wx1, wy1, wx2, wy2 = a.window.box
    assert wx1 <= 100 and wy1 <= 570 and wx2 >= 980 and wy2 >= 1350
    cx, cy = (xbox[0] + xbox[2]) / 2, (xbox[1] + xbox[3]) / 2
    hits = [c for c in a.controls if c.box[0] - 16 <= cx <= c.box[2] + 16 and c.box[1] - 16 <= cy <= c.box[3] + 16]
    assert hits, f"the X at {xbox} was not found; controls: {a.controls}"
    assert _by_rule(a)["close-button-present"].outcome is Outcome.PASS


# --- evidence fusion with the real stack (synthetic screens, no OCR) -------------------------
class _NoOcr:
    def recognise(self, crops):
        return [("", 0.0)] * len(crops)


D = 2.625
SB, NAV = round(24 * D), round(48 * D)


def _phone_page() -> np.ndarray:
    """A white onboarding-like page with a status bar and a navigation bar (1080×1920)."""
    import cv2

    img = np.full((1920, 1080, 3), 255, np.uint8)
    img[:SB] = 0
    for i in range(4):  # status-bar glyphs: clock at the left, icons at the right
        cv2.rectangle(img, (20 + 24 * i, 18), (36 + 24 * i, 46), (255, 255, 255), -1)
        cv2.rectangle(img, (1040 - 48 * (i + 1), 18), (1072 - 48 * (i + 1), 46), (255, 255, 255), -1)
    img[1920 - NAV:] = 0
    for cx in (270, 540, 810):
        cv2.circle(img, (cx, 1920 - NAV // 2), 24, (200, 200, 200), 3)
    cv2.rectangle(img, (280, 170), (800, 210), (40, 40, 40), -1)  # title
    for i in range(3):  # illustration and body text
        cv2.circle(img, (250 + 290 * i, 420), 60, (140, 40, 110), -1)
        cv2.rectangle(img, (100, 600 + 60 * i), (980, 630 + 60 * i), (90, 90, 90), -1)
    return img


def _x_badge(img, cx, cy, r, fill, ink, stroke):
    import cv2

    cv2.circle(img, (cx, cy), r, fill, -1, cv2.LINE_AA)
    a = int(r * 0.42)
    cv2.line(img, (cx - a, cy - a), (cx + a, cy + a), ink, stroke, cv2.LINE_AA)
    cv2.line(img, (cx - a, cy + a), (cx + a, cy - a), ink, stroke, cv2.LINE_AA)


def test_fullscreen_page_with_corner_x_badge_is_promoted():
    img = _phone_page()
    _x_badge(img, 1020, 123, 39, (140, 40, 110), (255, 255, 255), 7)  # 30 dp purple badge, top right
    a = analyze_frame(img, density=D, reader=_NoOcr())
    assert a.popup and a.window.kind == "fullscreen"
    assert a.window.cues["promoted_by"]["reason"] == "corner_x"
    assert abs(a.window.box[1] - SB) <= 4
    assert any(c.kind == "x_icon" and abs((c.box[0] + c.box[2]) / 2 - 1020) < 12 for c in a.controls)


def test_normal_page_with_banner_x_is_not_promoted():
    import cv2

    img = _phone_page()
    img[SB + 150:SB + 280] = (40, 160, 250)  # a full-width banner ad under the app bar ...
    cv2.rectangle(img, (200, SB + 190), (800, SB + 240), (255, 255, 255), -1)  # ... with its slogan
    c = (1058, SB + 170)  # ... and a bare 9 dp × in its top-right corner
    cv2.line(img, (c[0] - 10, c[1] - 10), (c[0] + 10, c[1] + 10), (255, 255, 255), 3, cv2.LINE_AA)
    cv2.line(img, (c[0] - 10, c[1] + 10), (c[0] + 10, c[1] - 10), (255, 255, 255), 3, cv2.LINE_AA)
    probe = Window(box=(0, SB, 1080, 1920 - NAV), kind="fullscreen", confidence=0.0)
    found = an.find_close_controls(img, window=probe, density=D, reader=_NoOcr())
    assert any(abs((x.box[0] + x.box[2]) / 2 - c[0]) < 8 for x in found)  # the finder sees the ×
    a = analyze_frame(img, density=D, reader=_NoOcr())
    assert not a.popup, a.window  # ... but a 9 dp bare × under an app bar is a banner's


def test_search_field_clear_x_is_not_promoted():
    import cv2

    img = _phone_page()
    cv2.rectangle(img, (30, SB + 20), (1050, SB + 130), (235, 235, 235), -1)  # search field
    cv2.putText(img, "weather tomorrow", (80, SB + 95), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (60, 60, 60), 3)  # query
    _x_badge(img, 990, SB + 75, 26, (150, 150, 150), (235, 235, 235), 5)  # clear (×) badge
    a = analyze_frame(img, density=D, reader=_NoOcr())
    assert not a.popup, a.window


def test_tiny_corner_x_on_a_fullscreen_window_is_found(monkeypatch):
    """A 12 dp close badge (31 px) on a splash: found by the full-resolution corner re-scan."""
    img = np.empty((2400, 1082, 3), np.uint8)
    img[:] = (200, 150, 60)  # sky
    img[2100:] = 255  # logo band
    win = Window(box=(0, 0, 1082, 2400), kind="fullscreen", confidence=0.7)
    monkeypatch.setattr(an, "detect_window", lambda frame, *, density, status_bar_expected=True: win)
    _x_badge(img, 1024, 121, 16, (76, 76, 76), (255, 255, 255), 2)
    a = analyze_frame(img, density=D, reader=_NoOcr())
    assert a.window is win
    assert any(c.kind == "x_icon" and abs((c.box[0] + c.box[2]) / 2 - 1024) < 8
               and abs((c.box[1] + c.box[3]) / 2 - 121) < 8 for c in a.controls), a.controls


def test_a_control_named_by_the_ui_tree_is_reported_when_too_faint_to_see() -> None:
    """A full-screen splash whose close × is nearly invisible: pixels alone miss it, the tree names it."""
    import numpy as np

    from detectors.analyze import analyze_frame
    from detectors.model import UiNode

    frame = np.zeros((1920, 1080, 3), np.uint8)
    frame[:, :, 1] = np.linspace(60, 200, 1920, dtype=np.uint8)[:, None]
    frame[200:1600, 100:980] = (40, 120, 200)          # the ad picture
    frame[980:1060, 990:1070] += 25                     # a barely visible 30 dp node background
    tree = [UiNode((990, 980, 1070, 1060), resource_id="com.app:id/iv_close")]
    without = analyze_frame(frame, density=2.625, status_bar_expected=False)
    with_tree = analyze_frame(frame, density=2.625, ui_tree=tree, status_bar_expected=True)
    if with_tree.window is None:
        pytest.skip("this synthetic frame is not seen as a window; the merge is tested in test_ui_controls")
    assert any(c.confidence >= 0.9 and 990 <= (c.box[0] + c.box[2]) / 2 < 1070 for c in with_tree.controls)
    assert len(with_tree.controls) >= len(without.controls)
