"""The hostile-input self-test (issue 8): ≥ 1,000 hostile files through ``scan``, byte mutation and
config fuzzing with hypothesis.

Must hold: 0 crashes (traceback, signal, exit outside 0/1/2/3/130), 0 lost results (one entry per
file), every file that should fail gets its own error entry, the ones that must work are analysed,
peak memory ≤ 400 MB, and the whole scan within 60 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.imageio import ImageReadError, decode_image
from hostile_files import ERROR, OK, make_hostile_corpus, mutate

REPO = Path(__file__).resolve().parents[2]
PEAK_MB = 400
BUDGET_S = 60

# Runs ``python -m splashcheck`` and, at exit, writes the process's own peak resident memory
# (VmHWM of /proc/self/status, in kB) to the file named by its first argument. Not rusage: Linux
# carries the forking parent's high-water mark into the child's ru_maxrss across exec (fork and
# vfork alike), so a child of a pytest process that has loaded the OCR models "peaks" at the
# parent's 700 MB however little it uses itself.
_PEAK_WRAPPER = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def _write_peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(peak_file, "w").write(line.split()[1])
atexit.register(_write_peak)
sys.argv[0] = "splashcheck"
runpy.run_module("splashcheck", run_name="__main__", alter_sys=True)
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return root, make_hostile_corpus(root)


def test_the_generator_writes_at_least_1000_hostile_files(hostile):
    root, files = hostile
    assert len(files) >= 1000
    cats = {f.category for f in files}
    for needed in ("truncated", "empty", "random", "mutated", "odd-shape", "mode", "bomb", "name", "symlink",
                   "stray-byte-bomb", "damaged-jpeg", "exif"):
        assert needed in cats


def test_scan_over_the_hostile_set(hostile):
    root, files = hostile
    loops = [str(root / "links" / "self.png"), str(root / "links" / "loopdir")]  # named loops too
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out_file, err_file = root.parent / "scan.json", root.parent / "scan.err"
    peak_file = root.parent / "scan.peak"
    t0 = time.monotonic()
    with open(out_file, "wb") as out, open(err_file, "wb") as err:
        proc = subprocess.run([sys.executable, "-c", _PEAK_WRAPPER, str(peak_file), "scan", str(root), *loops,
                               "--no-ocr", "--format", "json"], stdout=out, stderr=err, env=env, cwd=REPO)
    elapsed = time.monotonic() - t0
    peak_mb = int(peak_file.read_text()) / 1024  # kB
    stderr = err_file.read_text(encoding="utf-8", errors="replace")
    # 0 crashes: no signal, no traceback, a documented exit code; 3 would mean an analysis crashed.
    assert proc.returncode in (0, 1), stderr[-3000:]
    assert "Traceback" not in stderr
    doc = json.loads(out_file.read_bytes().decode("utf-8"))  # valid UTF-8 despite non-UTF-8 names
    entries = doc["images"]
    by_path: dict[bytes, list[dict]] = {}
    for e in entries:
        by_path.setdefault(os.fsencode(e["path"]), []).append(e)
    # 0 lost results: every hostile file the folder walk lists has exactly one entry.
    missing, wrong = [], []
    for f in files:
        got = by_path.get(os.fsencode(os.path.abspath(f.path)))
        if not got:
            missing.append(f.path)
            continue
        assert len(got) == 1, f.path
        e = got[0]
        assert e.get("error_kind") != "analysis", (f.path, e["error"])
        if f.expect == ERROR and not e["error"]:
            wrong.append((f.category, f.path.name, "analysed, expected an error entry"))
        if f.expect == OK and e["error"]:
            wrong.append((f.category, f.path.name, e["error"]))
        if e["error"]:
            assert e["error_kind"] in ("unreadable", "damaged")
    assert missing == []
    assert wrong == []
    assert len(entries) == len(by_path) >= len(files)
    assert doc["summary"]["images"] == len(entries)
    assert 50 < peak_mb <= PEAK_MB, f"peak memory {peak_mb:.0f} MB"
    assert elapsed <= BUDGET_S, f"{elapsed:.1f} s"


# ------------------------------------------------------------------------------ hypothesis: bytes


def _bases() -> list[bytes]:
    import cv2

    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (48, 32, 3), dtype=np.uint8)
    return [cv2.imencode(ext, img)[1].tobytes() for ext in (".png", ".jpg", ".webp")]


BASES = _bases()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6))
def test_mutated_bytes_decode_or_raise_image_read_error(base, seeds):
    import random

    data = base
    for s in seeds:
        data = mutate(data, random.Random(s))
    try:
        img = decode_image(data)
    except ImageReadError as exc:
        assert exc.kind in ("unreadable", "damaged") and exc.reason
        return
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert img.shape[0] * img.shape[1] <= 30_000_000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_crash_the_decoder(data):
    try:
        decode_image(data)
    except ImageReadError:
        pass


# ------------------------------------------------------------------------------ hypothesis: configs

DEVICES = (REPO / "devices.yaml").read_text(encoding="utf-8")
APPS = "gallery: demo_apps\napps:\n  web: {url: 'https://m.example.com/', title: Web}\n" \
       "  pkg: {package: com.example.app, activity: .Main}\n"
PROFILE = (REPO / "detectors" / "profiles" / "strict.yaml").read_text(encoding="utf-8")

# Structural YAML mutations: replace a line with one of these fragments (types, aliases, tags,
# nesting, numbers that are not), or mutate bytes.
FRAGMENTS = ["", "  x: &a [*a]", "  - 1", "{", "]", "? [1]: 2", "!!python/object:os.system ls", "  density: .nan",
             "  density: .inf", "  enabled: 'no'", "  thresholds: [1, 2]", "extends: ./self.yaml", "<<: *missing",
             "a: &x {b: *x}", "  width: 1e400", "  screen: ~", "\t- tab", "devices: []", "rules: 5", "'" * 3,
             "name: !!binary aGVsbG8=", "\x00", "\ufeff", "  platform: [android]", "  capabilities: {1: 2}"]


def _mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, max(0, len(lines) - 1)))
        if data.draw(st.booleans()):
            lines[i:i + 1] = [data.draw(st.sampled_from(FRAGMENTS))]
        else:
            raw = bytearray(lines[i].encode("utf-8"))
            if raw:
                j = data.draw(st.integers(0, len(raw) - 1))
                raw[j] = data.draw(st.integers(0, 255))
            lines[i] = raw.decode("utf-8", "replace")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_devices_and_apps_files_are_config_errors_or_load(tmp_path, data):
    from harness.config import ConfigError, load_apps, load_devices

    f = tmp_path / "devices.yaml"
    f.write_text(_mutate_text(DEVICES, data), encoding="utf-8")
    try:
        load_devices(f)
    except ConfigError as exc:
        assert exc.problems and all(p.file and p.line >= 0 for p in exc.problems)
        assert len(str(exc)) < 20_000
    g = tmp_path / "apps.yaml"
    g.write_text(_mutate_text(APPS, data), encoding="utf-8")
    (tmp_path / "demo_apps").mkdir(exist_ok=True)
    try:
        load_apps(g)
    except ConfigError as exc:
        assert exc.problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_profiles_are_profile_errors_or_load(tmp_path, data):
    import math

    from detectors.profiles import ProfileError, load_profile

    f = tmp_path / "self.yaml"
    f.write_text(_mutate_text(PROFILE, data), encoding="utf-8")
    try:
        p = load_profile(f)
    except ProfileError as exc:
        assert str(f.resolve()) in str(exc) or "unknown profile" in str(exc)
        return
    for cfg in p.rules.values():
        assert isinstance(cfg.enabled, bool)
        assert all(math.isfinite(t.value) for t in cfg.thresholds.values())
