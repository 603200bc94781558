"""End-to-end: the real local stack (Appium + Chromium + demo web server) over the whole demo gallery.

Every demo's ``expected.yaml`` lists the outcome each rule must reach; this test runs
:func:`harness.check.check_app` on the local default device (``chromium-phone`` in
devices.yaml) and asserts every listed outcome. It is the proof that capture, detectors,
tracking, probes and rules work together. Run with ``pytest -m e2e harness/tests/test_gallery_e2e.py``.

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

DEVICE = "chromium-phone"
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


@pytest.fixture(scope="module")
def stack():
    why = _stack_missing()
    if why:
        pytest.skip(why)
    from harness.check import local_stack
    with local_stack(DEVICE) as (device, apps):
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
    assert not bad, f"{app_id} ({REPORT_DIR / DEVICE / app_id}):\n  " + "\n  ".join(bad)
