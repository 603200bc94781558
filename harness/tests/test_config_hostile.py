"""Hostile configuration files: alias bombs, huge files, deep nesting, broken profiles (issue 8).

Every one must end in a ``ConfigError`` / ``ProfileError`` naming ``file:line`` quickly — never a
traceback, a MemoryError or minutes of work.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from detectors.profiles import ProfileError, load_profile
from harness.config import ConfigError, load_apps, load_devices

REPO = Path(__file__).resolve().parents[2]

ALIAS_BOMB = "".join(
    [f'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9)]
    + ["devices: {x: {platform: chromium, screen: *a8}}\n"])


def _timed(fn):
    t0 = time.monotonic()
    try:
        fn()
    except (ConfigError, ProfileError) as exc:
        return exc, time.monotonic() - t0
    raise AssertionError("no error raised")


def test_alias_bomb_in_devices_yaml_is_refused_quickly(tmp_path):
    """Was: ≈ 600 bytes expanded without limit (MemoryError after 47 s under a 4 GB cap)."""
    f = tmp_path / "devices.yaml"
    f.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 1000
    exc, dt = _timed(lambda: load_devices(f))
    assert dt < 2.0
    assert "alias" in str(exc) and "devices.yaml:" in str(exc)


def test_many_aliases_are_refused_with_their_line(tmp_path):
    body = "x: &x 1\nl: [" + ", ".join(["*x"] * 600) + "]\n"
    f = tmp_path / "apps.yaml"
    f.write_text(body, encoding="utf-8")
    exc, _ = _timed(lambda: load_apps(f))
    assert "apps.yaml:2:" in str(exc) and "aliases" in str(exc)


def test_a_25_mb_devices_file_is_refused_quickly_with_a_short_message(tmp_path):
    """Was: 123 s to reject, and 200,000 names printed on one line."""
    f = tmp_path / "devices.yaml"
    with open(f, "w", encoding="utf-8") as fh:
        fh.write("devices:\n")
        line = "  d{:06d}: {{platform: chromium, screen: {{density: 2, width: 400, height: 800}}, bogus: 1}}\n"
        while fh.tell() < 25 * 2**20:
            fh.writelines(line.format(i) for i in range(fh.tell(), fh.tell() + 5000))
    exc, dt = _timed(lambda: load_devices(f))
    assert dt < 2.0
    assert len(str(exc)) < 300 and "MB" in str(exc)


def test_many_problems_are_listed_briefly(tmp_path):
    f = tmp_path / "devices.yaml"
    f.write_text("devices:\n" + "".join(f"  d{i}: {{platform: nope}}\n" for i in range(5000)), encoding="utf-8")
    exc, dt = _timed(lambda: load_devices(f))
    assert len(exc.problems) >= 5000
    assert str(exc).count("\n") <= 22 and "more" in str(exc)


def test_deep_nesting_is_refused(tmp_path):
    f = tmp_path / "devices.yaml"
    f.write_text("devices: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    exc, _ = _timed(lambda: load_devices(f))
    assert "nested" in str(exc)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    f = tmp_path / "devices.yaml"
    os.mkfifo(f)
    exc, dt = _timed(lambda: load_devices(f))
    assert dt < 2.0 and "regular file" in str(exc)


# ----------------------------------------------------------------------------- profiles


def _profile(tmp_path: Path, body: str, name: str = "p.yaml") -> Path:
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    return f


@pytest.mark.parametrize("body, needle, line", [
    # Was AttributeError: 'list' object has no attribute 'items'.
    ("rules:\n  close-button-size:\n    thresholds: [1, 2]\n", "thresholds must be a mapping", 3),
    # Was: accepted, and every comparison with NaN passed.
    ("rules:\n  close-button-size:\n    thresholds:\n      min_visible: {value: .nan, unit: dp}\n",
     "finite", 4),
    ("rules:\n  close-button-size:\n    thresholds:\n      min_visible: {value: .inf, unit: dp}\n",
     "finite", 4),
    # Was: silently ignored.
    ("rules:\n  close-button-size:\n    thresholds:\n      min_visibel: {value: 30, unit: dp}\n",
     "did you mean 'min_visible'", 4),
    ("rules:\n  close-button-size:\n    enabeld: false\n", "did you mean 'enabled'", 3),
    ("rulez: {}\n", "did you mean 'rules'", 1),
    ("rules:\n  close-button-sise: {}\n", "did you mean 'close-button-size'", 2),
    # Was: 'no' (a string) counted as enabled.
    ("rules:\n  close-button-size:\n    enabled: 'no'\n", "must be true or false", 3),
    ("rules:\n  close-button-size:\n    thresholds:\n      min_visible: {value: '30', unit: dp}\n",
     "not a number", 4),
    ("name: [1]\n", "name must be a string", 1),
    ("rules: &x [*x]\n", "recursive", 1),
])
def test_bad_profile_is_a_profile_error_with_file_and_line(tmp_path, body, needle, line):
    f = _profile(tmp_path, body)
    with pytest.raises(ProfileError) as err:
        load_profile(f)
    assert needle in str(err.value)
    assert f"{f.resolve()}:{line}:" in str(err.value)


def test_profile_extending_itself_through_a_relative_path(tmp_path):
    """Was: recursion until 'file name too long'."""
    (tmp_path / "sub").mkdir()
    f = _profile(tmp_path, "extends: ./sub/../p.yaml\n")
    with pytest.raises(ProfileError, match="loops back"):
        load_profile(f)
    g = _profile(tmp_path / "sub", "extends: ../sub/q.yaml\n", "q.yaml")
    with pytest.raises(ProfileError, match="loops back"):
        load_profile(g)


def test_profile_alias_bomb(tmp_path):
    f = _profile(tmp_path, ALIAS_BOMB.replace("devices:", "rules:"))
    t0 = time.monotonic()
    with pytest.raises(ProfileError, match="alias"):
        load_profile(f)
    assert time.monotonic() - t0 < 2.0


def test_valid_profile_still_loads(tmp_path):
    f = _profile(tmp_path, "extends: strict\nrules:\n  close-button-size:\n    enabled: false\n"
                           "  splash-duration:\n    thresholds:\n      max_duration: {value: 4, unit: s}\n")
    p = load_profile(f)
    assert not p.enabled("close-button-size") and p.value("splash-duration", "max_duration") == 4.0


def _cli(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "splashcheck", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)


def test_scan_with_a_broken_profile_exits_2_without_traceback(tmp_path):
    f = _profile(tmp_path, "rules:\n  close-button-size:\n    thresholds: [1, 2]\n")
    img = tmp_path / "x.png"
    img.write_bytes(b"")
    res = _cli("scan", str(img), "--profile", str(f), "--no-ocr")
    assert res.returncode == 2 and "Traceback" not in res.stderr and f"{f.name}:3:" in res.stderr


def test_run_with_an_alias_bomb_devices_file_exits_2_quickly(tmp_path):
    f = tmp_path / "devices.yaml"
    f.write_text(ALIAS_BOMB, encoding="utf-8")
    t0 = time.monotonic()
    res = _cli("run", "--devices", str(f), "--out", str(tmp_path / "out"), "--no-html", timeout=120)
    assert res.returncode == 2, res.stdout[-2000:] + res.stderr[-2000:]
    assert "Traceback" not in res.stdout + res.stderr
    assert "alias" in res.stdout + res.stderr
    assert time.monotonic() - t0 < 60
