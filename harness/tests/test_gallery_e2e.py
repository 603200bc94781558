"""End-to-end: the real local stack (Appium + Chromium + demo web server) over the whole demo gallery.

Every demo's ``expected.yaml`` lists the outcome each rule must reach; this test runs
:func:`harness.check.check_app` on each local device of devices.yaml and asserts every listed outcome. It is the proof that capture, detectors,
tracking, probes and rules work together, on both local devices (``chromium-phone``, ``chromium-small``).
A demo's ``coverage`` (e.g. ``no transient screen``) is asserted too, and the splash demos' window
times from the timeline are compared with the times the pages report themselves (±0.2 s).
Run with ``pytest -m e2e harness/tests/test_gallery_e2e.py``.

To keep the gallery within a few minutes, each demo runs with the default profile narrowed to
the rules its expected.yaml lists (a rule left out needs no probe); ``python -m harness.check
--bench`` runs every rule on every demo. Evidence lands in ``reports/e2e/``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from harness.webserver import DEMO_ROOT

pytestmark = pytest.mark.e2e

DEVICES = ("chromium-phone", "chromium-small")
# The harness's window times agree with the demo's own (first contentful paint, removal) within this (s).
TIMING_TOLERANCE_S = 0.2
REPORT_DIR = Path(__file__).resolve().parents[2] / "reports" / "e2e"


def _gallery_ids() -> list[str]:
    return sorted(p.parent.name for p in DEMO_ROOT.glob("*/expected.yaml"))


def _profile_for(app):
    """The default profile with only the rules this demo's expected.yaml lists enabled."""
    import dataclasses
    from detectors.profiles import RuleConfig, load_profile

    prof = load_profile()
    rules = {rid: RuleConfig(rid in app.expected and cfg.enabled, cfg.thresholds) for rid, cfg in prof.rules.items()}
    return dataclasses.replace(prof, rules=rules)


def _stack_missing() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / "node_modules" / ".bin" / "appium").exists():
        return "node_modules/.bin/appium is not installed (run scripts/setup.sh)"
    for exe in ("chromium", "chromedriver"):
        if shutil.which(exe) is None:
            return f"{exe} is not on PATH"
    return None


def _demo_spec(app_id: str) -> dict:
    import yaml
    return yaml.safe_load((DEMO_ROOT / app_id / "expected.yaml").read_text(encoding="utf-8")) or {}


@pytest.fixture(scope="module", params=DEVICES)
def stack(request):
    why = _stack_missing()
    if why:
        pytest.skip(why)
    from harness.check import local_stack
    with local_stack(request.param) as (device, apps):
        yield device, apps


@pytest.fixture(scope="module")
def reader():
    from detectors.ocr import TextReader
    return TextReader()


@pytest.mark.parametrize("app_id", _gallery_ids())
def test_demo_gets_its_expected_outcomes(stack, reader, app_id):
    from harness.check import check_app, true_hot_zone
    from harness.device import DeviceError

    device, apps = stack
    app = apps[app_id]
    assert app.expected, f"{app_id}: expected.yaml lists no outcome"
    prof = _profile_for(app)
    t0 = time.monotonic()
    try:
        res = check_app(device, app, profile=prof, out_dir=REPORT_DIR, reader=reader)
    except DeviceError:
        device.stop()
        device.start()  # one retry on a fresh session, as the suite does
        res = check_app(device, app, profile=prof, out_dir=REPORT_DIR, reader=reader)
    wall = time.monotonic() - t0
    bad = []
    for rule, want in app.expected.items():
        f = res.findings.get(rule)
        got = f.outcome.value if f is not None else "missing"
        if got != want:
            bad.append(f"{rule}: got {got}, expected {want} (reason: {f.reason if f else '-'}; "
                       f"measured: {dict(f.measured) if f else '-'})")
    print(f"{app_id}: {wall:.1f} s wall, {res.timings_s.get('device_s', 0):.1f} s device; "
          f"hot zone {res.artifacts.get('hot_zone', '-')}; true {true_hot_zone(app)}")
    want_cov = _demo_spec(app_id).get("coverage")
    if want_cov is not None and res.coverage != want_cov:
        bad.append(f"coverage: got {res.coverage!r}, expected {want_cov!r}")
    assert not bad, f"{app_id} ({REPORT_DIR / device.name / app_id}):\n  " + "\n  ".join(bad)


TIMED_DEMOS = ("faint-x-jump", "ring-skip", "pill-skip", "bare-skip-photo", "compliant-splash")


@pytest.mark.parametrize("app_id", TIMED_DEMOS)
def test_window_times_match_the_demos_own(stack, reader, app_id):
    """The splash's appear / disappear times from the timeline (segments and the window track) are
    within TIMING_TOLERANCE_S of the times the page reports itself (``demoState.window``, epoch s)."""
    from harness.check import align_to_segment
    from harness.segments import segment_timeline
    from harness.timeline import record_launch
    from harness.tracking import primary_track, track_timeline

    device, apps = stack
    tl = record_launch(device, apps[app_id], duration_s=6.0, fps=5.0)
    own = device.driver.execute_script("return window.demoState && window.demoState.window")
    assert own and own.get("shown") and own.get("gone"), f"{app_id}: the demo did not report its window: {own}"
    t0 = tl.meta["t0_epoch"]
    shown, gone = own["shown"] - t0, own["gone"] - t0
    seg = segment_timeline(tl)
    splash = next((s for s in seg.content() if s.gone_t is not None and s.appeared_t <= shown + 1.0
                   and abs(s.gone_t - gone) <= 1.0), None)
    assert splash is not None, f"{app_id}: no stable screen around {shown:.2f}–{gone:.2f} s: {seg.to_json()}"
    period = 1.0 / max(float(tl.meta.get("fps") or 5.0), 1.0)
    assert splash.appeared_t == pytest.approx(shown, abs=TIMING_TOLERANCE_S), (app_id, "appeared", period)
    assert splash.gone_t == pytest.approx(gone, abs=TIMING_TOLERANCE_S), (app_id, "went away", period)
    tracks, _ = track_timeline(tl, reader=reader)
    for t in tracks:
        align_to_segment(t, seg, tl)  # as check_app does
    track = primary_track(tracks)
    if track is not None:  # the pixel detector's window, when it recognised one, spans the same frames
        assert splash.t_start - period - 1e-6 <= track.first_t <= splash.t_start + period + 1e-6, (app_id, "track")
        assert track.end_t is not None and abs(track.end_t - splash.t_end) <= period + 1e-6, (app_id, "track end")
