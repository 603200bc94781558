"""``run --out`` checked up front; report-writing failures (full disk) are warnings (issue 8)."""

from __future__ import annotations

import argparse
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from splashcheck import report, run

REPO = Path(__file__).resolve().parents[2]


def _args(out: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run.add_arguments(parser)
    return parser.parse_args(["--out", str(out), "--no-html"])


def _never_started(monkeypatch):
    def boom(*a, **kw):
        raise AssertionError("pytest must not start for an unusable --out")

    monkeypatch.setattr(run.subprocess, "Popen", boom)


def test_out_is_an_existing_file(tmp_path, monkeypatch, capsys):
    """Was: FileExistsError traceback, exit 3."""
    _never_started(monkeypatch)
    f = tmp_path / "report.txt"
    f.write_text("x")
    assert run.main(_args(f)) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_out_under_a_file(tmp_path, monkeypatch, capsys):
    _never_started(monkeypatch)
    f = tmp_path / "report.txt"
    f.write_text("x")
    assert run.main(_args(f / "sub")) == 2
    assert "cannot create the folder" in capsys.readouterr().err


def _read_only_dir(tmp_path: Path) -> Path:
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits: a read-only mount is the real thing
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)],
                             capture_output=True)
        if res.returncode != 0:
            pytest.skip("cannot mount a read-only folder here")
    else:
        ro.chmod(0o555)
    return ro


def test_out_is_a_read_only_folder(tmp_path, monkeypatch, capsys):
    """Was: PermissionError / OSError traceback, exit 3."""
    ro = _read_only_dir(tmp_path)
    _never_started(monkeypatch)
    try:
        assert run.main(_args(ro)) == 2
        assert "cannot write into the folder" in capsys.readouterr().err
        assert run.main(_args(ro / "new")) == 2
        assert "cannot create the folder" in capsys.readouterr().err
    finally:
        monkeypatch.undo()
        subprocess.run(["umount", str(ro)], capture_output=True)
        ro.chmod(0o755)


def test_cli_run_with_a_bad_out_exits_2_without_traceback(tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "splashcheck", "run", "--out", str(f)], capture_output=True,
                         text=True, timeout=120, env=env)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "--out" in res.stderr


def test_full_disk_in_the_html_step_is_a_warning(tmp_path, monkeypatch, capsys):
    """Was: OSError(ENOSPC) traceback after every app was done."""
    if run.find_allure() is None:
        monkeypatch.setattr(run, "find_allure", lambda: ["/bin/true"])
    (tmp_path / "allure-results").mkdir()

    def full(self, *a, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    assert run.build_html_reports(tmp_path, title="t") == {}
    err = capsys.readouterr().err
    assert err.count("warning") == 2 and "No space left on device" in err


def test_full_disk_when_merging_the_verdict_is_a_warning_and_keeps_the_last_verdict(tmp_path, monkeypatch,
                                                                                    capsys):
    from splashcheck import plugin as sc_conftest

    report.write_json_atomic(tmp_path / report.VERDICT_FILE, {"runs": [{"device": "d", "app": "a"}]})

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(report, "merge_verdict", full)

    class Plan:
        out_dir = tmp_path
        profile = argparse.Namespace(name="cn-2023")
        runs = []

    class Config:
        pluginmanager = argparse.Namespace(get_plugin=lambda name: None)

    sc_conftest.ResultWriter(Config())._merge(Plan())  # no exception
    assert "could not update verdict.json" in capsys.readouterr().err
    assert json.loads((tmp_path / report.VERDICT_FILE).read_text())["runs"][0]["app"] == "a"
