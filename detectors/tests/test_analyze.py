"""detectors.analyze: the glue of the stack, tested with fake stages (and once with the real ones)."""

from __future__ import annotations

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

    def __init__(self, monkeypatch, *, window=WINDOW, controls=(X,), ctas=(CTA,), crash=()):
        self.calls: dict[str, list] = {}
        self.crash = set(crash)
        self.window, self.controls, self.ctas = window, list(controls), list(ctas)
        for name in ("detect_window", "find_close_controls", "find_ctas", "measure_control", "judge_static"):
            monkeypatch.setattr(an, name, getattr(self, name))

    def _rec(self, name, *args, **kwargs):
        self.calls.setdefault(name, []).append((args, kwargs))
        if name in self.crash:
            raise RuntimeError(f"boom in {name}\nsecond line")

    def detect_window(self, frame, *, density):
        self._rec("detect_window", frame, density=density)
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
    fakes = Fakes(monkeypatch, window=None)
    a = analyze_frame(_frame(), density=2.625)
    assert not a.popup and a.controls == () and a.ctas == ()
    assert "find_close_controls" not in fakes.calls and "measure_control" not in fakes.calls
    assert {f.outcome for f in a.findings} == {Outcome.NOT_APPLICABLE}


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
