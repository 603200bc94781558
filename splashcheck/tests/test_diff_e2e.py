"""``splashcheck diff`` on two real runs (the whole pipeline on the local Appium + Chromium stack): between
the runs one demo of a two-demo gallery is changed (its compliant splash gets a 12 px ×), and the diff
reports exactly that change: one new violation for that app, the other app's violation unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMOS = ROOT / "demo_apps"


def _run(tmp_path: Path, out: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "splashcheck", "run", "--devices", str(tmp_path / "devices.yaml"),
                           "--no-html", "--out", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.e2e
def test_diff_of_two_real_runs_reports_exactly_the_changed_demo(tmp_path):
    if not (ROOT / "node_modules" / ".bin" / "appium").exists() or shutil.which("chromedriver") is None:
        pytest.skip("the local stack is not installed (scripts/setup.sh)")
    gallery = tmp_path / "gallery"
    shutil.copytree(DEMOS / "common", gallery / "common")
    shutil.copytree(DEMOS / "compliant-splash", gallery / "promo")  # changes between the runs
    shutil.copytree(DEMOS / "tiny-close", gallery / "steady")       # a violation in both runs
    (tmp_path / "apps.yaml").write_text("gallery: gallery\n")
    (tmp_path / "devices.yaml").write_text(
        "devices:\n  chromium-phone:\n    platform: chromium\n    endpoint: local\n"
        "    screen: {width: 412, height: 915, density: 2.625}\n")

    _run(tmp_path, tmp_path / "night1")
    for name in ("index.html", "expected.yaml"):  # tonight's build of "promo" has the tiny ×
        shutil.copy(DEMOS / "tiny-close" / name, gallery / "promo" / name)
    _run(tmp_path, tmp_path / "night2")

    proc = subprocess.run([sys.executable, "-m", "splashcheck", "diff", str(tmp_path / "night1"),
                           str(tmp_path / "night2"), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    key = lambda items: [(c["app"], c["device"], c["rule"]) for c in items]  # noqa: E731
    assert key(doc["new"]) == [("promo", "chromium-phone", "close-button-size")]
    assert doc["new"][0]["before"] == "pass"
    assert key(doc["unchanged"]) == [("steady", "chromium-phone", "close-button-size")]
    assert doc["fixed"] == [] and doc["unverified"] == []

    # The same two runs the other way round: the violation is fixed, nothing is new.
    back = subprocess.run([sys.executable, "-m", "splashcheck", "diff", str(tmp_path / "night2"),
                           str(tmp_path / "night1")], capture_output=True, text=True, timeout=120)
    assert back.returncode == 0, back.stdout + back.stderr
    assert "promo on chromium-phone: close-button-size (violation → pass)" in back.stdout
