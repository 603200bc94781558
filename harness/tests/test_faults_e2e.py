"""Signals and faults on the real local stack: nothing leaked, nothing finished lost (issue 8).

Each run gets a unique environment marker; every process it starts (pytest, Appium, chromedriver,
Chromium, its crash handler) inherits it, so a leak check is "no process carries the marker".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from harness import procs
from harness.appium_server import PROJECT_ROOT, AppiumServer
from harness.config import DEFAULT_DEVICES, load_devices
from harness.device import AppLaunchError, AppSpec

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (PROJECT_ROOT / "node_modules" / ".bin" / "appium").exists(),
                       reason="node_modules is missing: run scripts/setup.sh"),
]

MARK_VAR = "SPLASHCHECK_TEST_MARK"
PLAIN = "<!doctype html><html><head><meta name=viewport content='width=device-width'></head>" \
        "<body style='background:#eee'><h1>plain {n}</h1></body></html>"


def _marked(mark: str) -> list[tuple[int, str]]:
    """(pid, command) of every live process whose environment carries ``MARK_VAR=mark``."""
    needle = f"{MARK_VAR}={mark}".encode()
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle in (d / "environ").read_bytes().split(b"\0") and procs.is_running(int(d.name)):
                out.append((int(d.name), (d / "cmdline").read_bytes().replace(b"\0", b" ")[:80].decode()))
        except OSError:
            continue
    return out


def _wait_gone(mark: str, timeout_s: float = 20.0) -> list[tuple[int, str]]:
    deadline = time.monotonic() + timeout_s
    left = _marked(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.25)
        left = _marked(mark)
    return left


def _apps(tmp_path: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        d = tmp_path / "apps" / f"plain-{i}"
        d.mkdir(parents=True)
        (d / "index.html").write_text(PLAIN.format(n=i), encoding="utf-8")
        out.append(d)
    return out


def _start_run(tmp_path: Path, n_apps: int) -> tuple[subprocess.Popen, str, Path]:
    mark = uuid.uuid4().hex
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "splashcheck", "run", "--device", "chromium-phone", "--out", str(out), "--no-html"]
    for a in _apps(tmp_path, n_apps):
        cmd += ["--app", str(a)]
    env = dict(os.environ, **{MARK_VAR: mark},
               PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, mark, out


def _wait_records(out: Path, n: int, proc: subprocess.Popen, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(list((out / "runs").glob("*.json"))) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early ({proc.returncode}): {proc.stdout.read()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"no {n} finished run(s) within {timeout_s} s")


def _finish(proc: subprocess.Popen, timeout_s: float = 240) -> tuple[int, str]:
    try:
        text, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        text, _ = proc.communicate()
        raise AssertionError("the run did not end: " + text[-3000:])
    return proc.returncode, text


def _verdict(out: Path) -> dict:
    return json.loads((out / "verdict.json").read_text(encoding="utf-8"))


def _appium_pid(mark: str) -> int:
    for pid, cmd in _marked(mark):
        if "appium" in cmd and "server" in cmd:
            return pid
    raise AssertionError("no Appium server found")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_the_run_leaves_no_process_and_keeps_finished_results(tmp_path, sig):
    """Was (SIGTERM): Appium, chromedriver and Chromium kept running, reparented to init."""
    proc, mark, out = _start_run(tmp_path, 3)
    try:
        _wait_records(out, 1, proc)
        proc.send_signal(sig)
        if sig == signal.SIGINT:  # a terminal's Ctrl-C reaches the whole foreground group
            for pid, cmd in _marked(mark):
                if "pytest" in cmd:
                    os.kill(pid, signal.SIGINT)
        rc, text = _finish(proc, 90)
        assert rc in (1, 3, 130), text[-3000:]
        assert "Traceback" not in text
        assert _wait_gone(mark) == []
        verdict = _verdict(out)
        assert len(verdict["runs"]) >= 1 and verdict["runs"][0]["error"] is None
    finally:
        for pid, _ in _marked(mark):
            os.kill(pid, signal.SIGKILL)


def test_sigkill_of_the_run_leaves_no_process(tmp_path):
    proc, mark, out = _start_run(tmp_path, 3)
    try:
        _wait_records(out, 1, proc)
        proc.kill()
        proc.wait()
        assert _wait_gone(mark, 30) == []  # pytest dies with its parent, the guard ends the server
        assert _verdict(out)["runs"][0]["error"] is None  # what was finished is on disk
    finally:
        for pid, _ in _marked(mark):
            os.kill(pid, signal.SIGKILL)


def test_killed_appium_server_is_restarted_and_the_retry_recorded(tmp_path):
    """Was: a killed local Appium server failed every remaining app."""
    proc, mark, out = _start_run(tmp_path, 3)
    try:
        _wait_records(out, 1, proc)
        os.kill(_appium_pid(mark), signal.SIGKILL)
        rc, text = _finish(proc)
        assert rc == 0, text[-3000:]
        runs = _verdict(out)["runs"]
        assert len(runs) == 3 and all(r["error"] is None for r in runs), runs
        retried = [r for r in runs if "retries" in r["artifacts"]]
        assert len(retried) == 1
        retry = retried[0]["artifacts"]["retries"]
        assert retry["count"] == 1 and "restarted" in retry["events"][0]["recovery"]
        assert _wait_gone(mark) == []
        results = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]
        assert any(a["name"].startswith("retries") for r in results for a in r.get("attachments", []))
    finally:
        for pid, _ in _marked(mark):
            os.kill(pid, signal.SIGKILL)


def test_killed_chromedriver_is_recovered_and_the_retry_recorded(tmp_path):
    """Was: recovered, but the retry was recorded nowhere."""
    proc, mark, out = _start_run(tmp_path, 3)
    try:
        _wait_records(out, 1, proc)
        for pid, cmd in _marked(mark):
            if "chromedriver" in cmd:
                os.kill(pid, signal.SIGKILL)
        rc, text = _finish(proc)
        assert rc == 0, text[-3000:]
        runs = _verdict(out)["runs"]
        assert len(runs) == 3 and all(r["error"] is None for r in runs), runs
        retries = [r["artifacts"]["retries"] for r in runs if "retries" in r["artifacts"]]
        assert len(retries) == 1 and retries[0]["count"] == 1
        assert _wait_gone(mark) == []
    finally:
        for pid, _ in _marked(mark):
            os.kill(pid, signal.SIGKILL)


def test_hung_and_never_loading_pages_are_app_faults_within_30_s(tmp_path):
    """Was: 'the Appium server stopped answering' after ≈ 100 s, twice."""
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>loading")
            self.wfile.flush()
            time.sleep(60)

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    loop = tmp_path / "loop.html"
    loop.write_text("<!doctype html><body><h1>busy</h1><script>while (true) {}</script></body>", encoding="utf-8")
    ok = tmp_path / "ok.html"
    ok.write_text(PLAIN.format(n="ok"), encoding="utf-8")
    from harness.appium_device import AppiumDevice

    server = AppiumServer(log_path=tmp_path / "appium.log").start()
    dev = AppiumDevice(load_devices(DEFAULT_DEVICES)["chromium-phone"], server_url=server.url)
    try:
        for url, words in ((f"http://127.0.0.1:{httpd.server_address[1]}/", "did not finish loading in 20 s"),
                           (loop.as_uri(), "stopped responding")):
            t0 = time.monotonic()
            with pytest.raises(AppLaunchError, match=words):
                dev.launch(AppSpec(id="bad", url=url))
            assert time.monotonic() - t0 <= 30
        dev.launch(AppSpec(id="ok", url=ok.as_uri()))  # the device goes on with the next app
        assert dev.screenshot().shape == (2402, 1082, 3)
    finally:
        dev.stop()
        server.stop()
        httpd.shutdown()


def test_stale_tagged_processes_are_found_and_ended(tmp_path):
    """A process left by a run killed earlier (its owner is gone) is reported and ended at the next start."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tag = f"{dead.pid}:1:appium-test-{uuid.uuid4().hex[:6]}"
    orphan = subprocess.Popen(["sleep", "300"], env=dict(os.environ, **{procs.TAG_VAR: tag}),
                              start_new_session=True)
    live_tag = procs.owner_tag(f"appium-live-{uuid.uuid4().hex[:6]}")
    alive = subprocess.Popen(["sleep", "300"], env=dict(os.environ, **{procs.TAG_VAR: live_tag}),
                             start_new_session=True)
    try:
        assert any(p.pid == orphan.pid for p in procs.tagged_processes())
        reaped = procs.reap_stale(grace_s=2.0)
        assert orphan.pid in [p.pid for p in reaped] and alive.pid not in [p.pid for p in reaped]
        assert orphan.wait(5) is not None
        assert alive.poll() is None  # its owner (this process) is alive: not stale
        assert "appium-test" in procs.describe(reaped)
    finally:
        for p in (orphan, alive):
            p.kill()
            p.wait()


def test_full_disk_after_the_apps_is_a_warning_and_keeps_the_verdict(tmp_path):
    """Was: a full disk crashed the HTML report step after the apps were done.

    A 2 MB tmpfs holds one plain app's evidence and verdict but not the Allure HTML (≈ 4 MB).
    """
    out = tmp_path / "out"
    out.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(out)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (the simulated ENOSPC tests cover this)")
    mark = uuid.uuid4().hex
    try:
        app = _apps(tmp_path, 1)[0]
        env = dict(os.environ, **{MARK_VAR: mark},
                   PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        res = subprocess.run([sys.executable, "-m", "splashcheck", "run", "--device", "chromium-phone", "--app",
                              str(app), "--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
        text = res.stdout + res.stderr
        assert res.returncode == 0, text[-3000:]
        assert "Traceback" not in text
        assert "splashcheck run: warning" in text and ("ENOSPC" in text or "No space left" in text)
        runs = _verdict(out)["runs"]
        assert len(runs) == 1 and runs[0]["error"] is None
        assert _wait_gone(mark) == []
    finally:
        subprocess.run(["umount", "-l", str(out)], capture_output=True)
        for pid, _ in _marked(mark):
            os.kill(pid, signal.SIGKILL)
