"""The installable suite, end to end: ``pip install .`` (not editable) into a fresh virtual environment,
then ``splashcheck run`` from an empty folder checks a demo on the real local Appium + Chromium stack.

The environment reuses this interpreter's site-packages for the dependencies and the build tools
(``--system-site-packages --without-pip``: its pip and setuptools; ``--no-deps``: quick and offline), but splashcheck itself comes only from the wheel: the child
processes get no PYTHONPATH, start in an empty folder, and the test asserts where the package was
imported from. The Node tools (Appium, Allure) are found through ``SPLASHCHECK_NODE_ROOT``, as on a farm
node that ran ``npm ci`` elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def _setuptools_version() -> tuple[int, ...]:
    try:
        from importlib.metadata import version

        return tuple(int(x) for x in version("setuptools").split(".")[:2])
    except Exception:  # noqa: BLE001 - not installed or an odd version string
        return (0,)


@pytest.mark.e2e
def test_wheel_in_a_fresh_venv_runs_the_suite_from_an_empty_folder(tmp_path):
    if not (ROOT / "node_modules" / ".bin" / "appium").exists() or shutil.which("chromedriver") is None:
        pytest.skip("the local stack is not installed (scripts/setup.sh)")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # This interpreter's setuptools builds the wheel when it can (≥ 70.1 has bdist_wheel built in): quick
    # and offline; otherwise pip's isolated build fetches setuptools from PyPI (or its cache).
    offline = _setuptools_version() >= (70, 1)
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--ignore-installed", "--disable-pip-version-check", "-q",
         *(["--no-build-isolation", "--no-index"] if offline else []), str(ROOT)],
        cwd=tmp_path, env=_env(TMPDIR=str(tmp_path)), capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]

    empty = tmp_path / "empty"
    empty.mkdir()
    probe = subprocess.run(
        [str(py), "-c", "import json, splashcheck, splashcheck.locations as l; from importlib.metadata import "
         "entry_points; print(json.dumps({'pkg': splashcheck.__file__, 'suite': sorted(p.name for p in "
         "l.SUITE_DIR.iterdir()), 'ep': [e.value for e in entry_points(group='pytest11') if e.name == "
         "'splashcheck.plugin']}))"],
        cwd=empty, env=_env(), capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    info = json.loads(probe.stdout)
    assert info["pkg"].startswith(str(venv)), info  # the wheel's copy, not the checkout
    assert {"test_close_button.py", "test_jump_triggers.py", "test_lifecycle.py", "pytest.ini"} <= set(info["suite"])
    assert info["ep"] == ["splashcheck.plugin"]

    out = empty / "out"
    run = subprocess.run([str(venv / "bin" / "splashcheck"), "run", "--app", "compliant-splash",
                          "--device", "chromium-phone", "--out", str(out)],
                         cwd=empty, env=_env(SPLASHCHECK_NODE_ROOT=str(ROOT)), capture_output=True, text=True,
                         timeout=900)
    log = run.stdout[-4000:] + run.stderr[-3000:]
    assert run.returncode == 0, log
    verdict = json.loads((out / "verdict.json").read_text())
    [record] = verdict["runs"]
    assert (record["device"], record["app"], record["error"]) == ("chromium-phone", "compliant-splash", None)
    assert {r["outcome"] for r in record["rules"].values()} <= {"pass", "needs_review", "not_applicable"}
    assert record["rules"]["close-button-present"]["outcome"] == "pass"
    assert (out / "allure-report-single" / "index.html").is_file() and (out / "junit.xml").is_file()
    for path in record["rules"]["close-button-size"]["evidence"]:
        assert (out / path).is_file(), path  # evidence paths in verdict.json stay valid
    assert sorted(p.name for p in empty.iterdir()) == ["out"]  # nothing else written in the working folder
