"""check_app on a fake device: one finding per rule, evidence on disk, errors handled as promised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detectors.model import Outcome
from detectors.profiles import load_profile
from detectors.registry import RULES
from harness import check as check_mod
from harness.check import CheckOptions, check_app
from harness.device import AppSpec, DeviceError
from harness.tests.fakes import CountingAnalyzer, FakeApp, FakeDevice

APP = AppSpec(id="fake", url="http://fake/index.html")
OPTS = CheckOptions(duration_s=3.0, detect_in_probes=False)


def _run(app: FakeApp, tmp_path: Path, **kw):
    dev = FakeDevice(app)
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=kw.pop("options", OPTS),
                    clock=dev.clock, analyze=CountingAnalyzer(app.kind), **kw)
    return dev, res


def test_every_rule_gets_one_finding_and_the_dynamic_ones_are_judged(tmp_path):
    dev, res = _run(FakeApp(jumps=[(0, 0, 400, 700)], shake="jump", t_end=2.5), tmp_path)
    assert set(res.findings) == set(RULES)
    f = res.findings
    assert f["fullscreen-jump-link"].outcome == Outcome.VIOLATION
    assert f["fullscreen-jump-link"].measured["hot_zone_fraction"] > 0.75
    assert f["close-button-works"].outcome == Outcome.PASS
    assert f["close-button-delay"].outcome == Outcome.PASS
    assert f["shake-sensitivity"].outcome == Outcome.VIOLATION
    assert f["popup-reappears"].outcome == Outcome.PASS
    assert f["splash-duration"].outcome == Outcome.PASS and f["splash-duration"].measured["ended"]
    # The fake analyser judges no static rule: they are not_run, never silently missing.
    assert f["close-button-size"].outcome == Outcome.NOT_RUN
    # Evidence files exist and findings point at them.
    folder = tmp_path / "fake" / "fake"
    for name in ("key_frame.jpg", "contact_sheet.jpg", "hot_zone.jpg", "after_close_tap.jpg", "result.json",
                 "timeline.webp", "timeline/timeline.json", "timeline/frames/0000.webp"):
        assert (folder / name).is_file(), name
    assert not list(folder.rglob("*.png"))  # full-resolution PNG only with keep_frames
    assert str(folder / "hot_zone.jpg") in f["fullscreen-jump-link"].evidence
    assert str(folder / "after_close_tap.jpg") in f["close-button-works"].evidence
    assert res.artifacts["animation"] == str(folder / "timeline.webp")
    doc = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    assert doc["findings"]["fullscreen-jump-link"]["outcome"] == "violation"
    # Device time is accounted for, step by step.
    t = res.timings_s
    assert t["device_s"] == pytest.approx(t["timeline"] + t["close"] + t["hot_zone"] + t["shake"], abs=0.01)


def test_keep_frames_writes_lossless_png_and_the_timeline_replays(tmp_path):
    from harness.check import CheckOptions
    from harness.timeline import load_timeline

    _, res = _run(FakeApp(), tmp_path, options=CheckOptions(duration_s=3.0, detect_in_probes=False, keep_frames=True))
    folder = tmp_path / "fake" / "fake"
    assert res.artifacts["key_frame"] == str(folder / "key_frame.png") and (folder / "key_frame.png").is_file()
    assert (folder / "timeline" / "frames" / "0000.png").is_file()
    assert len(load_timeline(folder / "timeline").frames) > 1


def test_two_tap_close_fake_close_and_reappearing_popup(tmp_path):
    _, res = _run(FakeApp(close="two"), tmp_path / "a")
    assert res.findings["close-button-works"].outcome == Outcome.VIOLATION
    assert res.findings["close-button-works"].measured["taps"] == 2
    _, res = _run(FakeApp(close="jump"), tmp_path / "b")
    assert res.findings["close-button-works"].outcome == Outcome.VIOLATION
    assert res.findings["close-button-works"].measured["jumped"] is True
    assert res.findings["popup-reappears"].outcome == Outcome.NOT_RUN
    _, res = _run(FakeApp(reappear_after=1.0), tmp_path / "c")
    assert res.findings["popup-reappears"].outcome == Outcome.VIOLATION


def test_long_splash_and_late_control(tmp_path):
    _, res = _run(FakeApp(t_control=2.0), tmp_path)
    assert res.findings["close-button-delay"].outcome == Outcome.NEEDS_REVIEW  # ≈ 1.8 s: between 0.5 and 3 s
    # Still up when the 3 s recording stopped: watched on until it has been up longer than 5 s.
    f = res.findings["splash-duration"]
    assert f.outcome == Outcome.NEEDS_REVIEW and f.measured["duration_s"] > 5.0 and not f.measured["ended"]
    assert "watch_longer" in res.timings_s


def test_splash_ending_after_the_recording_is_timed_by_watching_on(tmp_path):
    _, res = _run(FakeApp(t_end=4.5), tmp_path)  # recording: 3 s
    f = res.findings["splash-duration"]
    assert f.outcome == Outcome.PASS and f.measured["ended"]
    assert f.measured["duration_s"] == pytest.approx(4.3, abs=0.3)


def test_card_popup_is_not_a_splash(tmp_path):
    app = FakeApp(window=(50, 200, 350, 500), kind="card", scrim=True, control=(300, 210, 340, 250))
    _, res = _run(app, tmp_path)
    assert res.findings["splash-duration"].outcome == Outcome.NOT_APPLICABLE
    assert "card" in res.findings["splash-duration"].reason
    assert res.findings["fullscreen-jump-link"].outcome == Outcome.PASS


def test_no_window_makes_every_rule_not_applicable_without_probing(tmp_path):
    dev, res = _run(FakeApp(t_show=99), tmp_path)
    assert {f.outcome for f in res.findings.values()} == {Outcome.NOT_APPLICABLE}
    assert all("no splash or pop-up" in f.reason for f in res.findings.values())
    assert res.coverage == "no transient screen"
    assert dev.launches == 1 and not dev.taps


class BlindAnalyzer:
    """Sees no window by itself (like a pixel detector that misses a splash); given a window (the
    timeline's), finds the controls in it and judges the static rules like analyze_frame."""

    def __call__(self, frame, *, window=None, **kw):
        from dataclasses import replace
        from detectors.rules import judge_static
        from harness.tests.fakes import fake_analyze
        a = fake_analyze(frame, **{k: v for k, v in kw.items() if k in ("density", "profile", "ui_tree", "reader")})
        if window is None:
            return replace(a, window=None, controls=(), ctas=(), findings=())
        a = replace(a, window=window)
        return replace(a, findings=tuple(judge_static(window, a.controls, [None] * len(a.controls),
                                                      frame_shape=frame.shape, density=a.density,
                                                      profile=kw.get("profile"))))


def _run_blind(app: FakeApp, tmp_path: Path):
    dev = FakeDevice(app)
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS,
                    clock=dev.clock, analyze=BlindAnalyzer())
    return dev, res


def test_a_transient_screen_the_detector_missed_is_judged_as_a_splash(tmp_path):
    dev, res = _run_blind(FakeApp(control=None, t_end=1.8), tmp_path)
    assert res.coverage == "transient screen judged without recognised window"
    f = res.findings["close-button-present"]
    assert f.outcome == Outcome.VIOLATION and "judged from the timeline" in f.reason
    assert str(tmp_path / "fake" / "fake" / "key_frame.jpg") in f.evidence
    assert res.findings["close-button-delay"].outcome == Outcome.VIOLATION  # no control while it was up
    assert res.findings["splash-duration"].measured["duration_s"] == pytest.approx(1.6, abs=0.25)
    # the tap probes ran on it (no control to tap, so the hot-zone probe did the tapping)
    assert res.findings["fullscreen-jump-link"].outcome == Outcome.PASS and dev.taps
    assert res.findings["close-button-works"].outcome == Outcome.NOT_RUN


def test_a_short_transient_screen_without_control_needs_review(tmp_path):
    _, res = _run_blind(FakeApp(control=None, t_end=0.8), tmp_path)
    f = res.findings["close-button-present"]
    assert f.outcome == Outcome.NEEDS_REVIEW and "shown only" in f.reason


def test_a_control_on_a_transient_screen_is_dated_from_its_start_and_tapped(tmp_path):
    _, res = _run_blind(FakeApp(t_end=2.5), tmp_path)
    assert res.findings["close-button-present"].outcome == Outcome.PASS
    assert res.findings["close-button-delay"].outcome == Outcome.PASS
    assert res.findings["close-button-works"].outcome == Outcome.PASS


def test_a_crashing_probe_is_not_run_with_its_error_and_the_rest_goes_on(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("probe exploded")
    monkeypatch.setattr(check_mod, "probe_hot_zone", boom)
    _, res = _run(FakeApp(), tmp_path)
    f = res.findings["fullscreen-jump-link"]
    assert f.outcome == Outcome.NOT_RUN and "probe exploded" in f.reason
    assert res.findings["close-button-works"].outcome == Outcome.PASS


def test_device_error_propagates_for_a_retry(tmp_path):
    dev = FakeDevice(FakeApp(), fail_after_launches=2)
    with pytest.raises(DeviceError, match="session died"):
        check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS, clock=dev.clock,
                  analyze=CountingAnalyzer())


def test_shake_not_supported_is_not_run_with_the_reason(tmp_path):
    _, res = _run(FakeApp(shake="unsupported"), tmp_path)
    f = res.findings["shake-sensitivity"]
    assert f.outcome == Outcome.NOT_RUN and "no motion sensors" in f.reason


def test_disabled_rules_get_no_finding(tmp_path):
    prof_path = tmp_path / "p.yaml"
    prof_path.write_text("name: mine\nextends: cn-2023\nrules:\n  shake-sensitivity: {enabled: false}\n",
                         encoding="utf-8")
    dev = FakeDevice(FakeApp(shake="jump"))
    res = check_app(dev, APP, profile=str(prof_path), out_dir=tmp_path, reader=None, options=OPTS, clock=dev.clock,
                    analyze=CountingAnalyzer())
    assert "shake-sensitivity" not in res.findings and len(res.findings) == len(RULES) - 1


def test_worse_findings_of_another_window_replace_the_primary_ones_and_say_where():
    from detectors.model import Finding, Impact
    from harness.check import worse_findings

    cur = {"close-button-size": Finding("close-button-size", Outcome.PASS, Impact.SERIOUS),
           "close-button-present": Finding("close-button-present", Outcome.PASS, Impact.CRITICAL),
           "close-button-contrast": Finding("close-button-contrast", Outcome.VIOLATION, Impact.SERIOUS)}
    other = [Finding("close-button-size", Outcome.VIOLATION, Impact.SERIOUS, reason="visible 5 dp"),
             Finding("close-button-present", Outcome.PASS, Impact.CRITICAL),
             Finding("close-button-contrast", Outcome.NEEDS_REVIEW, Impact.SERIOUS),
             Finding("shake-sensitivity", Outcome.VIOLATION, Impact.SERIOUS)]  # not a current rule
    got = dict(worse_findings(cur, other, where="card window at 4.6 s"))
    assert set(got) == {"close-button-size"}
    assert got["close-button-size"].outcome == Outcome.VIOLATION
    assert got["close-button-size"].reason == "card window at 4.6 s: visible 5 dp"


def test_a_crashed_detector_is_not_run_never_not_applicable(tmp_path):
    """A window stage that crashes sees no window; that must not read as "no pop-up" (a pass)."""
    from dataclasses import replace

    from detectors.model import Finding, Impact

    def crashing(frame, **kw):
        a = CountingAnalyzer()(frame, **kw)
        crash = Finding("close-button-present", Outcome.NOT_RUN, Impact.CRITICAL,
                        reason="stage 'window' crashed: RuntimeError: boom")
        return replace(a, window=None, controls=(), findings=(crash,))

    dev = FakeDevice(FakeApp())
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS,
                    clock=dev.clock, analyze=crashing)
    assert {f.outcome for f in res.findings.values()} == {Outcome.NOT_RUN}
    assert "boom" in res.findings["close-button-size"].reason


def test_static_jump_cue_alone_never_passes_when_the_tap_probes_fail(tmp_path, monkeypatch):
    from dataclasses import replace

    from detectors.model import Finding, Impact

    def with_cue(frame, **kw):
        a = CountingAnalyzer()(frame, **kw)
        cue = Finding("fullscreen-jump-link", Outcome.PASS, Impact.CRITICAL, confidence=0.5,
                      reason="static cue only: 1 separate jump button(s) in the window")
        return replace(a, findings=(cue,)) if a.window is not None else a

    def broken(*a, **kw):
        raise RuntimeError("probe bug")

    monkeypatch.setattr(check_mod, "probe_hot_zone", broken)
    dev = FakeDevice(FakeApp(jumps=[(0, 0, 400, 700)]))
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS,
                    clock=dev.clock, analyze=with_cue)
    f = res.findings["fullscreen-jump-link"]
    assert f.outcome == Outcome.NEEDS_REVIEW
    assert "tap probes not run" in f.reason and "probe bug" in f.reason


def test_a_full_screen_first_screen_without_close_that_stays_is_the_apps_own(tmp_path):
    """A game-like home the detector takes for a full-screen window: watched longer, then not_applicable."""
    dev, res = _run(FakeApp(control=None, t_show=0.0), tmp_path)
    assert res.coverage == "no transient screen"
    assert {f.outcome for f in res.findings.values()} == {Outcome.NOT_APPLICABLE}
    assert "app's own screen" in res.findings["close-button-present"].reason and not dev.taps
    assert res.timings_s["watch_longer"] > 0


def test_a_weak_pop_up_call_on_a_first_screen_that_stays_is_the_apps_own(tmp_path, monkeypatch):
    import dataclasses
    from harness.tests import fakes

    def weak(frame, **kw):
        a = fakes.fake_analyze(frame, **kw)
        return dataclasses.replace(a, window=dataclasses.replace(a.window, confidence=0.5)) if a.window else a
    dev = FakeDevice(FakeApp(control=None, t_show=0.0, kind="dialog", window=(40, 200, 360, 600), scrim=True))
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS,
                    clock=dev.clock, analyze=lambda f, **kw: weak(f, kind="dialog", **kw))
    assert res.coverage == "no transient screen" and res.timings_s["watch_longer"] > 5
    assert res.findings["close-button-present"].outcome == Outcome.NOT_APPLICABLE
    assert "dialog window" in res.findings["close-button-present"].reason


def test_a_full_screen_first_screen_that_goes_late_is_judged_as_a_splash(tmp_path):
    _, res = _run(FakeApp(control=None, t_show=0.0, t_end=8.0), tmp_path)
    assert res.coverage == "window recognised"
    assert res.findings["close-button-delay"].outcome == Outcome.VIOLATION  # never a control while it was up
    assert res.findings["splash-duration"].outcome != Outcome.NOT_APPLICABLE


def test_run_record_carries_coverage_and_the_summary_says_when_nothing_applied(tmp_path):
    from splashcheck import report
    _, res = _run(FakeApp(t_show=99), tmp_path)
    rec = report.run_record(res, app_given="fake", out_dir=tmp_path)
    assert rec["coverage"] == "no transient screen"
    table = report.summary_table({"runs": [rec]})
    assert "every rule not_applicable (coverage: no transient screen)" in table


def test_a_track_recognised_late_starts_where_its_screen_started():
    import numpy as np
    from detectors.model import CloseControl, FrameAnalysis, Window
    from harness.device import Frame, Timeline
    from harness.segments import segment_timeline
    from harness.tracking import WindowTrack
    blank = np.full((400, 200, 3), 255, np.uint8)
    splash = np.full((400, 200, 3), 60, np.uint8)
    splash[20:40, 150:190] = 250  # its control, there from the start
    frames = [Frame(t=k * 0.2, image=blank if k < 2 else splash) for k in range(20)]
    tl = Timeline(frames=frames, density=2.0, meta={"mode": "capture"})
    a = FrameAnalysis(width=200, height=400, density=2.0, density_estimated=False,
                      window=Window((0, 0, 200, 400), "fullscreen", 0.9),
                      controls=(CloseControl((150, 20, 190, 40), "text", 0.9),))
    tr = WindowTrack(first_t=2.0, last_t=3.8, ended=False, kind="fullscreen", box=(0, 0, 200, 400),
                     control_first_t=3.0, analysis=a, key_index=15, frame_indices=list(range(10, 20)))
    check_mod.align_to_segment(tr, segment_timeline(tl), tl)
    assert tr.first_t == pytest.approx(0.4) and tr.frame_indices[0] == 2
    assert tr.delay_s == pytest.approx(0.0)
    from harness.timeline import lost_first_paints
    assert not lost_first_paints(frames)  # 0.4 s of blank is a page loading
    assert lost_first_paints([Frame(t=k * 0.2, image=blank if k < 15 else splash) for k in range(20)])


def test_a_clear_pop_up_without_close_is_still_judged_as_one(tmp_path):
    dev = FakeDevice(FakeApp(control=None, t_show=0.0, kind="card", window=(40, 200, 360, 600), scrim=True))
    res = check_app(dev, APP, profile=load_profile(), out_dir=tmp_path, reader=None, options=OPTS,
                    clock=dev.clock, analyze=CountingAnalyzer("card"))
    assert res.coverage == "window recognised"
    assert res.findings["close-button-delay"].outcome == Outcome.VIOLATION


def test_a_popup_after_the_recording_is_caught_by_watching_until_the_screen_rests(tmp_path):
    """The recording stopped at 1.5 s, the pop-up came at 2.0 s."""
    app = FakeApp(window=(50, 200, 350, 500), kind="card", scrim=True, control=(300, 210, 340, 250), t_show=2.0)
    opts = CheckOptions(duration_s=1.5, detect_in_probes=False, quiet_s=2.0, max_duration_s=6.0)
    _, res = _run(app, tmp_path / "watched", options=opts)
    assert res.coverage == "window recognised"
    assert res.findings["close-button-works"].outcome == Outcome.PASS  # the pop-up was probed
    tl = json.loads((tmp_path / "watched" / "fake" / "fake" / "timeline" / "timeline.json").read_text(encoding="utf-8"))
    assert tl["meta"]["watched_until_quiet_s"] > 1.0
    # the pop-up came ≈ 0.5 s after the recording: then the screen rested quiet_s and the watch stopped
    assert 3.9 <= tl["frames"][-1]["t"] <= 4.6
    # without the watch (the screen is taken as at rest after 1.5 s) the pop-up is never seen
    opts = CheckOptions(duration_s=1.5, detect_in_probes=False, quiet_s=2.0, max_duration_s=1.5)
    _, res = _run(app, tmp_path / "cut", options=opts)
    assert res.coverage == "no transient screen"


def test_quiet_since_is_the_first_frame_of_the_last_screen():
    import numpy as np

    from harness.check import quiet_since
    from harness.device import Frame, Timeline

    a, b = np.zeros((80, 40, 3), np.uint8), np.full((80, 40, 3), 200, np.uint8)
    tl = Timeline(frames=[Frame(t=0.0, image=a), Frame(t=0.5, image=a), Frame(t=1.0, image=b), Frame(t=1.5, image=b)],
                  density=2.0, meta={})
    assert quiet_since(tl) == 1.0
    assert quiet_since(Timeline(frames=[], density=2.0, meta={})) is None


def test_the_hot_zone_taps_first_in_the_shakes_launch_when_the_window_stayed_up(tmp_path):
    card = dict(window=(50, 200, 350, 500), kind="card", scrim=True, control=(300, 210, 340, 250))
    dev, res = _run(FakeApp(**card), tmp_path / "calm")
    hz = json.loads(res.artifacts["hot_zone"])
    assert res.findings["shake-sensitivity"].outcome == Outcome.PASS
    # launches: timeline, close probe, shake probe (whose launch the hot zone's first taps used), hot zone's own
    assert dev.launches == 3 + hz["launches"] - 1
    dev, res = _run(FakeApp(shake="jump", **card), tmp_path / "jumpy")
    hz = json.loads(res.artifacts["hot_zone"])
    assert res.findings["shake-sensitivity"].outcome == Outcome.VIOLATION
    assert dev.launches == 3 + hz["launches"]  # the shake jumped: nothing to hand over
