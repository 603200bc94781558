"""Start and stop the project's own Appium server (``endpoint: local`` in devices.yaml).

The server is ``node_modules/.bin/appium`` (pinned in package.json) with ``APPIUM_HOME`` set to the
project's ``.appium/`` folder, where ``scripts/setup.sh`` installs the chromium driver. It listens
on a free loopback port, writes its log to ``reports/logs/appium-<worker>.log``, runs in its own
process group (so stopping it also ends the chromedriver/chromium processes it spawned) and is
stopped at interpreter exit. Its processes are tagged and watched by a guard process
(:mod:`harness.procs`): if the owner dies without stopping it (SIGKILL), the guard ends them, and
the next start reports and ends any that a run killed earlier left behind.

One server per process: :func:`local_server` hands out a shared instance; each pytest-xdist worker
is its own process and so gets its own server on its own port.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

from harness import procs

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Seconds to wait for /status to say ready; a cold start measures ≈ 0.8 s here, but a loaded CI
# machine with 2 cores shared by parallel workers can be ten times slower.
STARTUP_TIMEOUT_S = 60.0
# Seconds between SIGTERM and SIGKILL when stopping (Appium closes its sessions on SIGTERM).
STOP_GRACE_S = 8.0
DRIVER_PACKAGE = "appium-chromium-driver"


class AppiumServerError(RuntimeError):
    """The local Appium server could not be started (message says why and what to do)."""


WORKER_PORT_BASE = 20000
WORKER_PORT_SPAN = 400
"""pytest-xdist worker ``gw<k>`` takes its ports (Appium server, chromedriver) from
``WORKER_PORT_BASE + k * WORKER_PORT_SPAN`` on, below Linux's ephemeral range (32768+): two workers of
a run never pick the same port, even between choosing it and binding it."""
_next_offset = [os.getpid() % WORKER_PORT_SPAN]
_port_lock = threading.Lock()


def _worker_index() -> int | None:
    wid = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(wid[2:]) if wid.startswith("gw") and wid[2:].isdigit() else None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago (the caller binds it soon after).

    Outside xdist the OS picks it. On an xdist worker it comes from the worker's own range (see
    ``WORKER_PORT_BASE``), walking on from the last port handed out, so that two calls of one worker
    (two devices' chromedriver ports) differ too.
    """
    k = _worker_index()
    if k is None or (WORKER_PORT_BASE + (k + 1) * WORKER_PORT_SPAN) > 32768:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            return s.getsockname()[1]
    start = WORKER_PORT_BASE + k * WORKER_PORT_SPAN
    with _port_lock:
        for _ in range(WORKER_PORT_SPAN):
            port = start + _next_offset[0]
            _next_offset[0] = (_next_offset[0] + 1) % WORKER_PORT_SPAN
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((host, port))
                except OSError:
                    continue  # taken (another run on this machine): try the next one
                return port
    raise OSError(f"no free port in {start}-{start + WORKER_PORT_SPAN - 1} for worker gw{k}")


def status(url: str, timeout_s: float = 3.0) -> dict:
    """``GET {url}/status`` → its ``value`` (Appium and Selenium Grid both answer it).

    Raises ``OSError`` (``urllib.error.URLError``, timeouts) when nothing answers.
    """
    with urllib.request.urlopen(url.rstrip("/") + "/status", timeout=timeout_s) as resp:
        body = json.loads(resp.read().decode("utf-8") or "{}")
    return body.get("value", body) if isinstance(body, dict) else {}


def worker_id() -> str:
    """pytest-xdist worker id (``gw0``...) or ``main``."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class AppiumServer:
    """A local Appium server process.

    Parameters
    ----------
    project_root : Path
        Folder holding ``node_modules/`` and ``.appium/``.
    appium_home : Path, optional
        Where Appium's drivers live (default ``project_root/.appium``).
    log_path : Path, optional
        Server log (default ``project_root/reports/logs/appium-<worker>.log``).
    port : int, optional
        Fixed port; default a free loopback port (retried if another process takes it first).
    """

    def __init__(self, *, project_root: Path = PROJECT_ROOT, appium_home: Path | None = None,
                 log_path: Path | None = None, host: str = "127.0.0.1", port: int | None = None,
                 startup_timeout_s: float = STARTUP_TIMEOUT_S, log_level: str = "info"):
        self.project_root = Path(project_root)
        self.appium_home = Path(appium_home) if appium_home else self.project_root / ".appium"
        self.log_path = Path(log_path) if log_path else (
            self.project_root / "reports" / "logs" / f"appium-{worker_id()}.log")
        self.host = host
        self.port = port
        self.startup_timeout_s = startup_timeout_s
        self.log_level = log_level
        self.proc: subprocess.Popen | None = None
        self.startup_s: float | None = None
        self._log_file = None
        self._guard: subprocess.Popen | None = None
        self.tag: str | None = None
        # Processes a run killed earlier left behind, found and ended by start() (for the report).
        self.reaped: list = []
        # Times this server was started again after it died (restart_if_dead).
        self.restarts = 0
        self._fixed_port = port is not None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        if self.port is None:
            raise AppiumServerError("the Appium server has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check_installed(self) -> Path:
        """Path of the appium executable; raises with the fix when the Node side is missing."""
        appium = self.project_root / "node_modules" / ".bin" / "appium"
        if not appium.exists():
            raise AppiumServerError(
                f"Appium is not installed: {appium} is missing. Run scripts/setup.sh "
                f"(or `npm ci` in {self.project_root}).")
        driver = self.appium_home / "node_modules" / DRIVER_PACKAGE
        if not driver.exists():
            raise AppiumServerError(
                f"the Appium chromium driver is not installed under {self.appium_home}. Run "
                f"scripts/setup.sh (it runs `APPIUM_HOME=.appium appium driver install --source=local "
                f"node_modules/{DRIVER_PACKAGE}`).")
        return appium

    def start(self) -> "AppiumServer":
        """Start the server and wait until ``/status`` reports ready (idempotent)."""
        if self.running:
            return self
        appium = self.check_installed()
        self._reap_stale()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        fixed_port = self._fixed_port = self.port is not None
        last_error = ""
        for _attempt in range(1 if fixed_port else 3):
            if not fixed_port:
                self.port = free_port(self.host)
            ok, last_error = self._launch(appium)
            if ok:
                atexit.register(self.stop)
                return self
            if "EADDRINUSE" not in last_error:
                break
        raise AppiumServerError(
            f"the local Appium server did not start on {self.host}:{self.port}: {last_error} "
            f"(log: {self.log_path})")

    def _reap_stale(self) -> None:
        """End what earlier runs killed with SIGKILL left behind (their owner is gone), and say so."""
        stale = procs.reap_stale()
        if stale:
            self.reaped.extend(stale)
            warnings.warn(f"splashcheck: ended stale processes of an earlier run that did not stop them: "
                          f"{procs.describe(stale)}", RuntimeWarning, stacklevel=3)

    def restart_if_dead(self) -> bool:
        """Start the server again when it died (killed, crashed); True when it was restarted."""
        if self.proc is None or self.running:
            return False
        self.stop()
        self.port = None if not self._fixed_port else self.port
        self.start()
        self.restarts += 1
        return True

    def _launch(self, appium: Path) -> tuple[bool, str]:
        self.tag = procs.owner_tag(f"appium-{self.host}-{self.port}")
        # The tag is inherited by chromedriver and Chromium (see harness.procs).
        env = dict(os.environ, APPIUM_HOME=str(self.appium_home), **{procs.TAG_VAR: self.tag})
        cmd = [str(appium), "server", "--address", self.host, "--port", str(self.port),
               "--log-no-colors", "--log-timestamp", "--local-timezone", "--log-level", self.log_level]
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
        self._log_file.flush()
        t0 = time.monotonic()
        # Own process group: stop() signals the group, which also reaches the chromedriver and
        # chromium processes Appium spawned, so nothing is left behind.
        self.proc = subprocess.Popen(cmd, cwd=self.project_root, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._guard = procs.start_guard(pgid=self.proc.pid, tag=self.tag)
        deadline = t0 + self.startup_timeout_s
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self._close_log()
                self.proc = None
                return False, f"it exited with code {code}: ...{self._log_tail()}"
            try:
                if status(self.url, timeout_s=2.0).get("ready", True):
                    self.startup_s = time.monotonic() - t0
                    return True, ""
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        return False, f"/status did not answer within {self.startup_timeout_s:g} s"

    def _log_tail(self, n: int = 1500) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " ".join(text[-n:].split())

    def _close_log(self) -> None:
        if self._log_file is not None:
            try:
                self._log_file.close()
            finally:
                self._log_file = None

    def stop(self) -> None:
        """Terminate the server's process group (SIGTERM, then SIGKILL); never raises."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        if proc is not None:
            # Whatever is left in the group (a chromium that outlived Appium) goes too.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
                pass
        self._close_log()
        if self.tag:  # anything of this server that left the group (Chromium's crash handler)
            procs.kill_tagged(lambda p, tag=self.tag: p.tag == tag, grace_s=2.0)
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.terminate()
            try:
                guard.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                guard.kill()
        try:
            atexit.unregister(self.stop)
        except Exception:  # pragma: no cover
            pass

    def __enter__(self) -> "AppiumServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_shared: AppiumServer | None = None
_shared_pid: int | None = None
_lock = threading.Lock()


def local_server() -> AppiumServer:
    """The process-wide local server, started on first use and stopped at exit.

    A forked child (multiprocessing) gets its own server rather than sharing the parent's.
    """
    global _shared, _shared_pid
    with _lock:
        if _shared is None or _shared_pid != os.getpid() or not _shared.running:
            _shared = AppiumServer()
            _shared_pid = os.getpid()
        return _shared.start()


def stop_local_server() -> None:
    """Stop the shared server now (it is also stopped at exit)."""
    global _shared
    with _lock:
        if _shared is not None and _shared_pid == os.getpid():
            _shared.stop()
        _shared = None
