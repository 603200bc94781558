"""The Appium implementation of :class:`harness.device.Device`, for every platform.

One class drives Chromium (Appium's chromium driver, phone emulation), Android (UiAutomator2) and
iOS (XCUITest); the platform only changes the capabilities and which commands are sent:

=================  =========================================  ==========================================  ==========================
operation          chromium                                   android (UiAutomator2)                      ios (XCUITest)
=================  =========================================  ==========================================  ==========================
launch             fresh tab, clear origin storage, sensor    ``mobile: terminateApp`` → ``clearApp`` →   ``terminateApp`` →
                   overrides on, navigate, readings again     ``changePermissions`` → ``startActivity``   (``removeApp``+``installApp``)
                                                              (or ``activateApp``)                        → ``launchApp``
screenshot         CDP ``Page.captureScreenshot``, lossless   WebDriver screenshot (device px)            same
                   PNG ``optimizeForSpeed`` (device px;
                   WebDriver screenshot when CDP refuses)
ui_tree            one script: visible clickable elements,    page source, ``clickable="true"``,          page source, tappable types,
                   CSS rect × devicePixelRatio                ``bounds`` (px)                             x/y/width/height × scale
tap                W3C touch pointer at CSS px (px / DPR)     W3C touch pointer at px                     W3C touch pointer at pt
shake              CDP sensor overrides (accelerometer,       ``mobile: sensorSet`` acceleration +        NotImplementedError
                   linear-acceleration, gyroscope,            gyroscope (emulators only)
                   relative-orientation), sinusoid
location           URL + window count                         ``getCurrentPackage``/``getCurrentActivity`` ``activeAppInfo`` bundleId
capture            CDP screencast over DevTools websocket     NotImplementedError (poll screenshots)      same
=================  =========================================  ==========================================  ==========================

Errors: an unreachable server or a dead session raises :class:`~harness.device.DeviceError`
naming the device and the URL; after a dead session the next :meth:`AppiumDevice.start` opens a
new one (callers retry once).
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import copy
import dataclasses
import inspect
import json
import math
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlparse

import cv2
import numpy as np

from detectors.model import UiNode
from harness.config import DeviceConfig
from harness.device import AppLaunchError, AppSpec, DeviceError, Frame, ShakeSpec

# -------------------------------------------------------------------------------- constants
# Socket timeout (s) of one WebDriver request. Android/iOS session creation may boot an emulator
# and install the app (minutes); a Chromium command that takes a minute means a hung browser.
REQUEST_TIMEOUT_S = {"chromium": 90, "android": 600, "ios": 600}
# Seconds a web app's page may take to load (WebDriver pageLoad timeout). A splash page that is
# not up after 20 s is an app fault, named as such ("did not finish loading"), well before the
# 90 s socket timeout would blame the Appium server.
PAGE_LOAD_TIMEOUT_S = 20.0
# Extra seconds the client waits for chromedriver to report that timeout: a renderer stuck in a
# script (while(true){}) never answers it, so the client gives up on its own and drops the session.
NAVIGATE_GRACE_S = 5.0
# Seconds for the /status pre-check that turns "connection refused" into a clear error.
STATUS_TIMEOUT_S = 5.0
# Finger down → up of a tap (ms): a short press, well under Android's long-press 400 ms.
TAP_HOLD_MS = 60
# Standard gravity (m/s²): the accelerometer reading of a phone held upright and still.
GRAVITY = 9.80665
# Rate of sensor updates during a shake (Hz). Chromium samples the current override at 60 Hz;
# each CDP call through Appium costs ≈ 10 ms and a step sends 4, so ≈ 25 steps/s is what fits.
# The emulator console (adb emu) is slower: ≈ 10 steps/s.
SHAKE_STEPS_HZ = {"chromium": 25.0, "android": 10.0}
# JPEG quality of screencast frames: 85 keeps 1 px strokes and colours within a few levels
# (contrast measurements) at ≈ 150 kB a frame.
SCREENCAST_JPEG_QUALITY = 85
# Element types of an XCUITest page source that take taps.
IOS_TAPPABLE_TYPES = frozenset({
    "XCUIElementTypeButton", "XCUIElementTypeLink", "XCUIElementTypeCell", "XCUIElementTypeSwitch",
    "XCUIElementTypeMenuItem", "XCUIElementTypeSegmentedControl", "XCUIElementTypeTab",
})
# WebDriver errors that mean the session (or its browser) is gone, not that one command failed.
_DEAD_SESSION_MARKERS = (
    "invalid session id", "session deleted", "session not created", "no such session",
    "chrome not reachable", "disconnected", "not connected to devtools", "session is either terminated",
    "has been terminated", "socket hang up", "econnrefused", "econnreset",
)

# Visible, clickable elements of the top document, in CSS px, plus devicePixelRatio.
# Clickable: links, buttons, form buttons, ARIA button-like roles, onclick handlers, and elements
# whose cursor is "pointer" where their parent's is not (the usual sign of a JS click handler).
# Visible: non-empty rect inside the viewport, not hidden, effective opacity > 0.01, and the
# element (or a descendant) is what a tap at its centre would hit.
UI_TREE_JS = r"""
const dpr = window.devicePixelRatio || 1, vw = window.innerWidth, vh = window.innerHeight;
const roles = new Set(['button','link','menuitem','tab','checkbox','switch','radio','option']);
const inputs = new Set(['button','submit','image','reset','checkbox','radio']);
function clickable(el, cs) {
  const tag = el.tagName.toLowerCase();
  if (tag === 'a' && el.hasAttribute('href')) return true;
  if (tag === 'button' || tag === 'summary' || tag === 'select') return true;
  if (tag === 'input' && inputs.has((el.getAttribute('type') || '').toLowerCase())) return true;
  if (roles.has((el.getAttribute('role') || '').toLowerCase())) return true;
  if (el.hasAttribute('onclick') || typeof el.onclick === 'function') return true;
  if (cs.cursor === 'pointer') {
    const p = el.parentElement;
    return !p || getComputedStyle(p).cursor !== 'pointer';
  }
  return false;
}
function opacity(el) {
  let o = 1;
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
  return o;
}
const out = [];
for (const el of document.querySelectorAll('body *')) {
  const cs = getComputedStyle(el);
  if (cs.display === 'none' || cs.visibility !== 'visible' || !clickable(el, cs)) continue;
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1 || r.right <= 0 || r.bottom <= 0 || r.left >= vw || r.top >= vh) continue;
  const op = opacity(el);
  if (op <= 0.01) continue;
  const cx = Math.min(Math.max((Math.max(r.left, 0) + Math.min(r.right, vw)) / 2, 0), vw - 1);
  const cy = Math.min(Math.max((Math.max(r.top, 0) + Math.min(r.bottom, vh)) / 2, 0), vh - 1);
  const hit = document.elementFromPoint(cx, cy);
  if (!hit || !(hit === el || el.contains(hit))) continue;
  const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 200);
  let desc = el.getAttribute('aria-label') || el.getAttribute('title') || el.getAttribute('alt') || '';
  if (!desc) { const img = el.querySelector('img[alt]'); if (img) desc = img.getAttribute('alt'); }
  const role = el.getAttribute('role');
  out.push({x: r.left, y: r.top, w: r.width, h: r.height, text: text, desc: desc.slice(0, 200),
            id: el.id || '', cls: el.tagName.toLowerCase() + (role ? '[role=' + role + ']' : ''),
            opacity: op});
}
return {dpr: dpr, vw: vw, vh: vh, nodes: out};
"""


_HUNG = object()  # _get_bounded: the navigation did not return in time


def _is_transport_error(exc: BaseException) -> bool:
    """Connection refused/reset, timeouts: the server (not the command) is the problem."""
    return isinstance(exc, OSError) or type(exc).__module__.startswith("urllib3")


def _is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def build_capabilities(config: DeviceConfig, *, user_data_dir: str | None = None,
                       chromedriver_port: int | None = None) -> dict[str, Any]:
    """The capabilities of one session: the device's merged capabilities plus per-session extras.

    Chromium sessions get their own ``--user-data-dir`` (a fresh profile: no cookies, storage or
    permission grants from an earlier run) and their own ``appium:chromedriverPort`` (the driver
    kills a chromedriver already listening on its port, which would end a parallel session).
    """
    caps = copy.deepcopy(config.capabilities)
    if config.platform == "chromium":
        chrome = caps.setdefault("goog:chromeOptions", {})
        args = [a for a in chrome.get("args", []) if not str(a).startswith("--user-data-dir")]
        if user_data_dir:
            args.append(f"--user-data-dir={user_data_dir}")
        chrome["args"] = args
        if chromedriver_port and "appium:chromedriverPort" not in caps:
            caps["appium:chromedriverPort"] = chromedriver_port
    return caps


@dataclass
class ShakeLog:
    """What a shake actually played (for evidence): samples sent and peaks reached."""

    steps: int = 0
    duration_s: float = 0.0
    peak_acceleration: float = 0.0
    peak_rotation_deg: float = 0.0
    peak_rotation_rate_dps: float = 0.0
    sensors: tuple[str, ...] = ()


def shake_samples(spec: ShakeSpec, t: float) -> dict[str, float]:
    """The motion at time ``t`` (s) of a gentle side-to-side shake with a wrist twist.

    Linear acceleration along the screen's x axis ``a(t) = A sin(2πft)`` (m/s²); rotation about
    the device's y axis ``θ(t) = Θ sin(2πft)`` (rad), so the rotation rate is
    ``ω(t) = Θ 2πf cos(2πft)`` (rad/s). Peaks: ``A = spec.acceleration``, ``Θ = spec.rotation_deg``.
    """
    w = 2 * math.pi * spec.frequency_hz
    theta_max = math.radians(spec.rotation_deg)
    return {
        "ax": spec.acceleration * math.sin(w * t),
        "theta": theta_max * math.sin(w * t),
        "omega": theta_max * w * math.cos(w * t),
    }


APP_STATE_FOREGROUND = 4
CLOCK_SKEW_S = 0.05
"""Tolerated disagreement (s) between screencast frame timestamps and the launch mark."""
APP_STATES = {0: "not installed", 1: "not running", 2: "suspended in the background",
              3: "running in the background", 4: "running in the foreground"}
"""``mobile: queryAppState`` answers (UiAutomator2 and XCUITest)."""


class Screencast:
    """A running CDP screencast of one page target over its DevTools websocket.

    Frames arrive when the page repaints (a still page yields few frames); each is acknowledged
    at once, or Chromium stops sending. :meth:`stop` decodes them into :class:`Frame` objects.
    """

    def __init__(self, ws_url: str, *, t0_wall: float, fps_hint: float, size: tuple[int, int] | None,
                 quality: int = SCREENCAST_JPEG_QUALITY):
        from websockets.sync.client import connect

        self.t0_wall = t0_wall
        self.fps_hint = fps_hint
        self.size = size
        self._raw: list[tuple[float, bytes]] = []
        self._received = 0
        self._stop = threading.Event()
        self._error: BaseException | None = None
        # max_size=None: one base64 JPEG of 1082×2402 exceeds the library's 1 MiB default.
        kwargs: dict[str, Any] = {"max_size": None, "open_timeout": 10}
        if "proxy" in inspect.signature(connect).parameters:
            kwargs["proxy"] = None  # loopback DevTools: never through an environment proxy
        # entered as a context manager (websockets ≥ 17.1 warns otherwise); left in stop()
        self._ws = connect(ws_url, **kwargs).__enter__()
        self._next_id = 1
        self._send_lock = threading.Lock()  # acks (reader thread) and stop (caller) both send
        self._send("Page.startScreencast", {"format": "jpeg", "quality": quality, "everyNthFrame": 1})
        self._thread = threading.Thread(target=self._run, name="screencast", daemon=True)
        self._thread.start()

    def _send(self, method: str, params: dict[str, Any]) -> None:
        with self._send_lock:
            self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
            self._next_id += 1

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    raw = self._ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
                msg = json.loads(raw)
                if msg.get("method") != "Page.screencastFrame":
                    continue
                p = msg["params"]
                self._send("Page.screencastFrameAck", {"sessionId": p["sessionId"]})
                self._raw.append((float(p["metadata"]["timestamp"]), p["data"].encode("ascii")))
                self._received += 1
        except Exception as exc:  # connection closed by a navigation crash, session end, ...
            if not self._stop.is_set():
                self._error = exc

    @property
    def frames_received(self) -> int:
        """Frames received so far (before thinning)."""
        return self._received

    def stop(self) -> list[Frame]:
        """Stop the screencast and return the frames, thinned to ≈ ``fps_hint`` frames/s."""
        self._stop.set()
        with contextlib.suppress(Exception):
            self._send("Page.stopScreencast", {})
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self._ws.__exit__(None, None, None)
        frames: list[Frame] = []
        min_gap = 0.9 / self.fps_hint if self.fps_hint > 0 else 0.0
        last_t = -math.inf
        self._raw.sort(key=lambda r: r[0])  # compositor timestamps may arrive slightly out of order
        times = [ts - self.t0_wall for ts, _ in self._raw]
        for i, (_, data) in enumerate(self._raw):
            t = times[i]
            # Thin bursts to ≈ fps_hint, but keep the last frame before a pause (and the very last):
            # a still page sends no more frames, so that one is the state it settled in.
            settles = i + 1 == len(times) or times[i + 1] - t >= min_gap
            if t - last_t < min_gap and not settles:
                continue
            img = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                continue
            if self.size and (img.shape[1], img.shape[0]) != self.size:
                # Without --force-device-scale-factor frames come at CSS px: scale to device px.
                img = cv2.resize(img, self.size, interpolation=cv2.INTER_LINEAR)
            frames.append(Frame(t=t, image=img))
            last_t = t
        self._raw.clear()
        return frames


class AppiumDevice:
    """A :class:`~harness.device.Device` backed by an Appium session.

    Parameters
    ----------
    config : DeviceConfig
        From ``devices.yaml`` (:func:`harness.config.load_devices`).
    server_url : str, optional
        Override the endpoint (e.g. a server the caller started); ``endpoint: local`` otherwise
        uses :func:`harness.appium_server.local_server`.
    connection_factory : callable, optional
        ``url → AppiumConnection``; tests pass a fake that records requests.

    Attributes
    ----------
    launched_at : float or None
        ``time.monotonic()`` when the last launch command was sent (Frame ``t`` is relative to it).
    launched_wall : float or None
        The same instant as ``time.time()`` (screencast timestamps are wall-clock).
    timings : dict
        Measured seconds: ``session_start_s``, ``launch_s``, ``screenshot_s`` (last), ...
    """

    def __init__(self, config: DeviceConfig, *, server_url: str | None = None,
                 connection_factory: Callable[[str], Any] | None = None):
        self.config = config
        self.name = config.name
        self.platform = config.platform
        self.density = float(config.density)
        self._server_url = server_url
        self._connection_factory = connection_factory
        self.driver: Any = None
        self.url: str | None = None
        self.launched_at: float | None = None
        self.launched_wall: float | None = None
        self.timings: dict[str, float] = {}
        self.last_shake: ShakeLog | None = None
        self._user_data_dir: str | None = None
        self._debugger_address: str | None = None
        self._size: tuple[int, int] | None = config.screen_px if config.platform == "chromium" else None
        self._sensors_ok: bool | None = None
        self._sensor_error = ""
        self._screencast: Screencast | None = None
        self._current_app: AppSpec | None = None
        self._main_handle: str | None = None
        self._may_have_popup = False
        self._cdp_shot_refused = False

    def __repr__(self) -> str:
        return f"AppiumDevice({self.name!r}, {self.platform}, {self.url or self.config.endpoint})"

    # ------------------------------------------------------------------ session
    def _endpoint(self) -> str:
        if self._server_url:
            return self._server_url.rstrip("/")
        if self.config.is_local:
            from harness.appium_server import AppiumServerError, local_server
            try:
                return local_server().url
            except AppiumServerError as exc:
                raise DeviceError(f"device {self.name!r}: {exc}") from exc
        return self.config.endpoint.rstrip("/")

    def _check_reachable(self, url: str) -> None:
        if self._connection_factory is not None:
            return  # a fake connection has no HTTP server behind it
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({})) if _is_loopback(url) \
            else urllib.request.build_opener()
        try:
            with opener.open(url + "/status", timeout=STATUS_TIMEOUT_S) as resp:
                resp.read()
        except urllib.error.HTTPError:
            return  # something answers HTTP: let session creation tell what is wrong
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeviceError(f"device {self.name!r}: the Appium server at {url} is unreachable "
                              f"({reason}); is it running? (devices.yaml endpoint: "
                              f"{self.config.endpoint})") from exc

    def _connection(self, url: str) -> Any:
        if self._connection_factory is not None:
            return self._connection_factory(url)
        from appium.webdriver.appium_connection import AppiumConnection
        from appium.webdriver.client_config import AppiumClientConfig
        from urllib3.util.retry import Retry

        # No retry after a read timeout: a hung command must fail once, not three times over.
        retries = Retry(total=3, connect=3, read=0, status=0, other=0, redirect=3)
        cfg = AppiumClientConfig(remote_server_addr=url, keep_alive=True,
                                 timeout=REQUEST_TIMEOUT_S[self.platform],
                                 init_args_for_pool_manager={"init_args_for_pool_manager": {"retries": retries}})
        return AppiumConnection(client_config=cfg)

    def start(self) -> None:
        """Open the session (idempotent); raises DeviceError naming the device and the URL."""
        if self.driver is not None:
            return
        from appium import webdriver
        from appium.options.common.base import AppiumOptions
        from selenium.common.exceptions import WebDriverException

        url = self._endpoint()
        self.url = url
        self._check_reachable(url)
        port = None
        if self.platform == "chromium":
            self._user_data_dir = tempfile.mkdtemp(prefix=f"splashcheck-{self.name}-")
            if _is_loopback(url):
                from harness.appium_server import free_port
                port = free_port()
        caps = build_capabilities(self.config, user_data_dir=self._user_data_dir, chromedriver_port=port)
        options = AppiumOptions()
        options.load_capabilities(caps)
        t0 = time.monotonic()
        try:
            self.driver = webdriver.Remote(command_executor=self._connection(url), options=options)
        except WebDriverException as exc:
            self._cleanup_profile()
            raise DeviceError(f"device {self.name!r}: could not open a session at {url}: "
                              f"{_short(exc)}") from exc
        except Exception as exc:
            self._cleanup_profile()
            if not _is_transport_error(exc):
                raise
            raise DeviceError(f"device {self.name!r}: the Appium server at {url} is unreachable "
                              f"or did not answer ({exc})") from exc
        self.timings["session_start_s"] = time.monotonic() - t0
        if self.platform == "chromium":
            with contextlib.suppress(Exception):
                self.driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
            self.driver.command_executor.add_command(
                "executeCdpCommand", "POST", "/session/$sessionId/goog/cdp/execute")
            opts = (self.driver.capabilities or {}).get("goog:chromeOptions") or {}
            self._debugger_address = opts.get("debuggerAddress")
        self._sensors_ok = None

    def stop(self) -> None:
        """Close the session and remove its browser profile; never raises."""
        if self._screencast is not None:
            with contextlib.suppress(Exception):
                self._screencast.stop()
            self._screencast = None
        driver, self.driver = self.driver, None
        if driver is not None:
            with contextlib.suppress(Exception):
                driver.quit()
        self._cleanup_profile()
        self._debugger_address = None

    def _cleanup_profile(self) -> None:
        if self._user_data_dir:
            shutil.rmtree(self._user_data_dir, ignore_errors=True)
            self._user_data_dir = None

    def __enter__(self) -> "AppiumDevice":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn driver and transport errors into DeviceError naming the device (and URL)."""
        from selenium.common.exceptions import InvalidSessionIdException, WebDriverException

        if self.driver is None:
            self.start()
        try:
            yield
        except (DeviceError, NotImplementedError, ValueError):
            raise
        except InvalidSessionIdException as exc:
            self._drop_session()
            raise DeviceError(f"device {self.name!r}: the session at {self.url} ended during {action}: "
                              f"{_short(exc)}") from exc
        except WebDriverException as exc:
            msg = _short(exc)
            if any(m in msg.lower() for m in _DEAD_SESSION_MARKERS):
                self._drop_session()
                raise DeviceError(f"device {self.name!r}: the session at {self.url} died during "
                                  f"{action}: {msg}") from exc
            raise DeviceError(f"device {self.name!r}: {action} failed: {msg}") from exc
        except Exception as exc:
            if not _is_transport_error(exc):
                raise
            self._drop_session()
            raise DeviceError(f"device {self.name!r}: the Appium server at {self.url} stopped "
                              f"answering during {action} ({exc})") from exc

    def _drop_session(self) -> None:
        """Forget a dead session so that the next start() opens a new one.

        The DELETE goes out in the background: a hung server must not block the caller again.
        """
        driver, self.driver = self.driver, None
        profile, self._user_data_dir = self._user_data_dir, None
        self._main_handle = None

        def quit_quietly() -> None:
            if driver is not None:
                with contextlib.suppress(Exception):
                    driver.quit()
            if profile:  # after the browser is gone, so that it does not write into it again
                shutil.rmtree(profile, ignore_errors=True)

        threading.Thread(target=quit_quietly, name=f"quit-{self.name}", daemon=True).start()

    def _mobile(self, command: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.driver.execute_script(f"mobile: {command}", dict(params or {}))

    def _cdp(self, cmd: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.driver.execute("executeCdpCommand", {"cmd": cmd, "params": dict(params or {})})["value"]

    # ------------------------------------------------------------------ launch
    def _check_app(self, app: AppSpec) -> None:
        if self.platform not in app.platforms:
            raise ValueError(f"app {app.id!r} runs on {'/'.join(app.platforms)}, "
                             f"but device {self.name!r} is {self.platform}")

    def launch(self, app: AppSpec) -> None:
        """Cold-launch ``app``: terminate, clear its state (when ``clear_state``), start it."""
        self._check_app(app)
        with self._errors(f"launching {app.id}"):
            t0 = time.monotonic()
            if self.platform == "chromium":
                self._launch_web(app)
            elif self.platform == "android":
                self._launch_android(app)
            else:
                self._launch_ios(app)
            self._current_app = app
            self.timings["launch_s"] = time.monotonic() - t0

    def _mark_launch(self) -> None:
        self.launched_at = time.monotonic()
        self.launched_wall = time.time()

    def _launch_web(self, app: AppSpec) -> None:
        self._prepare_web(app)
        self._navigate(app)

    def _prepare_web(self, app: AppSpec) -> None:
        """Everything before the navigation: fresh tab, cleared origin, sensor overrides on."""
        d = self.driver
        # A fresh tab is a fresh browsing context: no sessionStorage, history or opener left over.
        old = list(d.window_handles)
        d.switch_to.new_window("tab")
        new = d.current_window_handle
        for h in old:
            if h != new:
                d.switch_to.window(h)
                d.close()
        d.switch_to.window(new)
        self._main_handle, self._may_have_popup = new, False
        origin = urlparse(app.url or "")
        if self.config.clear_state and origin.scheme in ("http", "https"):
            self._cdp("Storage.clearDataForOrigin",
                      {"origin": f"{origin.scheme}://{origin.netloc}", "storageTypes": "all"})
            self._cdp("Network.clearBrowserCookies")
            self._cdp("Network.clearBrowserCache")
        # Sensor overrides before the page registers its listeners (else it sees one null event)
        self._sensors_at_rest(enable=True)

    def _navigate(self, app: AppSpec) -> None:
        from selenium.common.exceptions import TimeoutException, WebDriverException

        self._mark_launch()
        exc = self._get_bounded(app.url, PAGE_LOAD_TIMEOUT_S + NAVIGATE_GRACE_S)
        if exc is _HUNG:
            self._drop_session()  # the tab's renderer is stuck: this session cannot be used again
            raise AppLaunchError(f"{app.id}: the page did not finish loading in {PAGE_LOAD_TIMEOUT_S:g} s "
                                 f"({app.url}): it stopped responding (a script that never returns?)")
        if isinstance(exc, TimeoutException) or (
                isinstance(exc, WebDriverException) and "timed out receiving message from renderer" in str(exc).lower()):
            raise AppLaunchError(f"{app.id}: the page did not finish loading in {PAGE_LOAD_TIMEOUT_S:g} s "
                                 f"({app.url})") from exc
        if isinstance(exc, WebDriverException) and "net::ERR_" in str(exc):
            err = next(w for w in str(exc).split() if w.startswith("net::ERR_"))
            raise AppLaunchError(f"{app.id}: the page did not load ({app.url}): {err}") from exc
        if exc is not None:
            raise exc
        self._sensors_at_rest(enable=False)  # readings again after the navigation
        self._check_loaded(app)

    def _get_bounded(self, url: str | None, timeout_s: float) -> Any:
        """``driver.get(url)`` with a client-side bound: the exception it raised, None, or ``_HUNG``.

        The call runs in a daemon thread; when it has not returned after ``timeout_s`` the caller
        drops the session (its socket times out later, in the background).
        """
        box: list[BaseException | None] = []
        driver = self.driver

        def go() -> None:
            try:
                driver.get(url)
                box.append(None)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box.append(exc)

        t = threading.Thread(target=go, name=f"navigate-{self.name}", daemon=True)
        t.start()
        t.join(timeout_s)
        if t.is_alive():
            return _HUNG
        return box[0] if box else None

    def _check_loaded(self, app: AppSpec) -> None:
        """Raise :class:`AppLaunchError` when Chromium shows its own error page instead of the app
        (unreachable host, 404 file, DNS): otherwise the error page would be judged as a pop-up."""
        uri = self.driver.execute_script("return document.documentURI || location.href")
        if isinstance(uri, str) and uri.startswith("chrome-error://"):
            raise AppLaunchError(f"{app.id}: the page did not load ({app.url}): Chromium shows its error page")

    def _launch_android(self, app: AppSpec) -> None:
        pkg = app.package
        if app.apk and not self._mobile("isAppInstalled", {"appId": pkg}):
            self._mobile("installApp", {"appPath": app.apk, "grantPermissions": True})
        self._mobile("terminateApp", {"appId": pkg})
        if self.config.clear_state:
            self._mobile("clearApp", {"appId": pkg})
            if self.config.capabilities.get("appium:autoGrantPermissions"):
                # pm clear also revokes runtime permissions: grant them again so that system
                # permission dialogs do not appear as pop-ups of the app under test.
                with contextlib.suppress(Exception):
                    self._mobile("changePermissions", {"permissions": "all", "appPackage": pkg,
                                                       "action": "grant"})
        self._mark_launch()
        if app.activity:
            activity = app.activity if "/" in app.activity else f"{pkg}/{app.activity}"
            self._mobile("startActivity", {"intent": activity, "wait": True, "stop": True})
        else:
            self._mobile("activateApp", {"appId": pkg})
        self._check_foreground(app, {"appId": pkg})

    def _check_foreground(self, app: AppSpec, ident: dict[str, str]) -> None:
        """Raise :class:`AppLaunchError` when the app is not in the foreground right after launch.

        ``mobile: queryAppState`` (UiAutomator2 and XCUITest alike): 4 = running in the
        foreground; 0-3 = not installed / not running / in the background, i.e. it crashed on
        launch or never started. No answer (older drivers) is not an error.
        """
        state = self._mobile("queryAppState", ident)
        if isinstance(state, int) and state != APP_STATE_FOREGROUND:
            raise AppLaunchError(f"{app.id}: not in the foreground after launch (app state {state}: "
                                 f"{APP_STATES.get(state, 'unknown')}): it crashed or did not start")

    def _launch_ios(self, app: AppSpec) -> None:
        bid = app.bundle_id
        self._mobile("terminateApp", {"bundleId": bid})
        if app.ipa and self.config.clear_state:
            # iOS has no "clear data": a reinstall is the only way to a first-launch state.
            self._mobile("removeApp", {"bundleId": bid})
            self._mobile("installApp", {"app": app.ipa})
        elif app.ipa and not self._mobile("isAppInstalled", {"bundleId": bid}):
            self._mobile("installApp", {"app": app.ipa})
        self._mark_launch()
        self._mobile("launchApp", {"bundleId": bid})
        self._check_foreground(app, {"bundleId": bid})

    def terminate(self, app: AppSpec) -> None:
        self._check_app(app)
        with self._errors(f"terminating {app.id}"):
            if self.platform == "chromium":
                self.driver.get("about:blank")
            elif self.platform == "android":
                self._mobile("terminateApp", {"appId": app.package})
            else:
                self._mobile("terminateApp", {"bundleId": app.bundle_id})

    # ------------------------------------------------------------------ observe
    def screenshot(self) -> np.ndarray:
        """H×W×3 uint8 BGR in device pixels (Chromium 412×915 @2.625 → 2402×1082×3)."""
        with self._errors("taking a screenshot"):
            self._foreground()
            t0 = time.monotonic()
            png = self._fast_png() if self.platform == "chromium" else None
            if png is None:
                png = self.driver.get_screenshot_as_png()
            self.timings["screenshot_s"] = time.monotonic() - t0
        img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        if img is None:
            raise DeviceError(f"device {self.name!r}: the screenshot could not be decoded "
                              f"({len(png)} bytes)")
        self._size = (img.shape[1], img.shape[0])
        return img

    def _fast_png(self) -> bytes | None:
        """The viewport as a lossless PNG encoded for speed (CDP), or None when CDP refuses.

        The WebDriver screenshot is the same ``Page.captureScreenshot`` with Chromium's default
        zlib effort: on a photo-like splash it took 1.2-1.8 s a frame here, against ≈ 0.14 s with
        ``optimizeForSpeed`` — identical pixels (checked in harness/tests/test_local_stack.py),
        a bigger file. Every probe polls screenshots, so this is most of a relaunch's cost.
        """
        from selenium.common.exceptions import WebDriverException

        if self._cdp_shot_refused:
            return None
        try:
            data = self._cdp("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})["data"]
        except WebDriverException as exc:
            if any(m in _short(exc).lower() for m in _DEAD_SESSION_MARKERS):
                raise  # a dead session is not a refusal: _errors reports it
            self._cdp_shot_refused = True  # e.g. a relay that does not pass CDP: WebDriver from now on
            return None
        return base64.b64decode(data)

    def screen_size(self) -> tuple[int, int]:
        """(width, height) of screenshots in px (from devices.yaml, else one screenshot)."""
        if self._size is None:
            self.screenshot()
        assert self._size is not None
        return self._size

    def ui_tree(self) -> tuple[UiNode, ...] | None:
        """Visible clickable elements with boxes in screenshot pixels."""
        with self._errors("reading the UI tree"):
            if self.platform == "chromium":
                self._foreground()
                return self._ui_tree_web(self.driver.execute_script(UI_TREE_JS))
            source = self.driver.page_source
        if self.platform == "android":
            return parse_android_source(source)
        return parse_ios_source(source, self.density)

    def _ui_tree_web(self, result: Any) -> tuple[UiNode, ...] | None:
        if not isinstance(result, dict):
            return None
        dpr = float(result.get("dpr") or self.density)
        w = css_to_px(float(result.get("vw", 0)), dpr, ceil=True)
        h = css_to_px(float(result.get("vh", 0)), dpr, ceil=True)
        nodes = []
        for n in result.get("nodes", []):
            x1 = max(0, css_to_px(n["x"], dpr))
            y1 = max(0, css_to_px(n["y"], dpr))
            x2 = min(w, css_to_px(n["x"] + n["w"], dpr, ceil=True))
            y2 = min(h, css_to_px(n["y"] + n["h"], dpr, ceil=True))
            if x2 <= x1 or y2 <= y1:
                continue
            nodes.append(UiNode(box=(x1, y1, x2, y2), text=n.get("text", ""), desc=n.get("desc", ""),
                                resource_id=n.get("id", ""), clickable=True, cls=n.get("cls", "")))
        return tuple(nodes)

    def activity(self) -> str | None:
        """The foreground activity (Android; an ad SDK's is a splash / pop-up cue), else None."""
        if self.platform != "android":
            return None
        with self._errors("reading the activity"):
            act = self._mobile("getCurrentActivity")
        return str(act) if act else None

    def location(self) -> str:
        """URL + window count (Chromium), ``package/activity`` (Android), bundle id (iOS).

        A jump shows as a different string: another document, another window, another app.
        """
        with self._errors("reading the location"):
            if self.platform == "chromium":
                url = self.driver.current_url
                return f"{url} [windows={len(self.driver.window_handles)}]"
            if self.platform == "android":
                pkg = self._mobile("getCurrentPackage")
                act = self._mobile("getCurrentActivity")
                return f"{pkg}/{act}"
            info = self._mobile("activeAppInfo") or {}
            return str(info.get("bundleId", ""))

    # ------------------------------------------------------------------ act
    def tap(self, x: float, y: float) -> None:
        """One touch tap at screenshot pixel (x, y)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"tap: x and y must be finite numbers (got {x!r}, {y!r})")
        if self.platform == "android":
            px, py = round(x), round(y)  # UiAutomator2 works in device pixels
        else:
            # Chromium takes CSS px, XCUITest points: both are device px / density.
            px, py = round(x / self.density), round(y / self.density)
        payload = touch_tap_actions(px, py)
        with self._errors(f"tapping at ({x:.0f}, {y:.0f})"):
            from selenium.webdriver.remote.command import Command
            self._foreground()
            self.driver.execute(Command.W3C_ACTIONS, payload)
            self._may_have_popup = self.platform == "chromium"

    def _foreground(self) -> None:
        """Bring the app's tab back to the front after a tap may have opened a pop-up window.

        window.open() focuses the new window; chromedriver then waits forever for a navigation
        in the (now background, not painting) app tab, so the next tap would hang.
        """
        if self.platform != "chromium" or self._main_handle is None or not self._may_have_popup:
            return
        if len(self.driver.window_handles) > 1:
            self.driver.switch_to.window(self._main_handle)

    def shake(self, spec: ShakeSpec) -> None:
        """Play a gentle shake (sinusoid for ``spec.duration_s``) through simulated sensors.

        Raises
        ------
        NotImplementedError
            On iOS (XCUITest simulators cannot inject graded motion), and on Chromium builds
            without sensor overrides.
        """
        if self.platform == "ios":
            raise NotImplementedError(
                "XCUITest simulators have no sensor injection: `mobile: shake` sends one "
                "UIEventSubtypeMotionShake, not graded acceleration/rotation, so a gentle shake "
                "below the T/TAF thresholds cannot be played")
        if spec.duration_s <= 0 or spec.frequency_hz <= 0:
            raise ValueError(f"shake: duration_s and frequency_hz must be > 0 (got {spec})")
        with self._errors("shaking"):
            if self.platform == "chromium":
                if not self._sensors_at_rest(enable=self._sensors_ok is None):
                    raise NotImplementedError(f"this Chromium cannot override motion sensors: "
                                              f"{self._sensor_error}")
                self.last_shake = self._play(spec, self._web_motion, SHAKE_STEPS_HZ["chromium"])
                self._sensors_at_rest(enable=False)
            else:
                self.last_shake = self._play(spec, self._android_motion, SHAKE_STEPS_HZ["android"])
                self._android_motion(0.0, 0.0, 0.0)

    def _play(self, spec: ShakeSpec, send: Callable[[float, float, float], None], steps_hz: float
              ) -> ShakeLog:
        log = ShakeLog(sensors=("accelerometer", "linear-acceleration", "gyroscope", "orientation")
                       if self.platform == "chromium" else ("acceleration", "gyroscope"))
        t0 = time.monotonic()
        step = 1.0 / steps_hz
        while True:
            t = time.monotonic() - t0
            if t >= spec.duration_s:
                break
            s = shake_samples(spec, t)
            send(s["ax"], s["theta"], s["omega"])
            log.steps += 1
            log.peak_acceleration = max(log.peak_acceleration, abs(s["ax"]))
            log.peak_rotation_deg = max(log.peak_rotation_deg, abs(math.degrees(s["theta"])))
            log.peak_rotation_rate_dps = max(log.peak_rotation_rate_dps, abs(math.degrees(s["omega"])))
            time.sleep(max(0.0, t0 + (log.steps * step) - time.monotonic()))
        log.duration_s = time.monotonic() - t0
        return log

    # Chromium: sensor overrides through CDP --------------------------------------------------
    def _web_motion(self, ax: float, theta: float, omega: float) -> None:
        readings = {
            "accelerometer": {"xyz": {"x": ax, "y": GRAVITY, "z": 0.0}},
            "linear-acceleration": {"xyz": {"x": ax, "y": 0.0, "z": 0.0}},
            "gyroscope": {"xyz": {"x": 0.0, "y": omega, "z": 0.0}},
            "relative-orientation": {"quaternion": {"x": 0.0, "y": math.sin(theta / 2), "z": 0.0,
                                                    "w": math.cos(theta / 2)}},
        }
        for sensor, reading in readings.items():
            self._cdp("Emulation.setSensorOverrideReadings", {"type": sensor, "reading": reading})

    def _sensors_at_rest(self, *, enable: bool) -> bool:
        """Enable the overrides (``enable``) and give every sensor its at-rest reading."""
        if self._sensors_ok is False and not enable:
            return False
        from selenium.common.exceptions import WebDriverException

        try:
            if enable:
                for sensor in ("accelerometer", "linear-acceleration", "gyroscope", "relative-orientation"):
                    self._cdp("Emulation.setSensorOverrideEnabled", {"enabled": True, "type": sensor})
            self._web_motion(0.0, 0.0, 0.0)
            self._sensors_ok = True
        except WebDriverException as exc:
            msg = _short(exc)
            if any(m in msg.lower() for m in _DEAD_SESSION_MARKERS):
                raise
            self._sensors_ok, self._sensor_error = False, msg
        return bool(self._sensors_ok)

    # Android: emulator console sensors ---------------------------------------------------------
    def _android_motion(self, ax: float, theta: float, omega: float) -> None:
        # The emulator's acceleration sensor includes gravity (upright: 0:9.8:0), gyroscope rad/s.
        self._mobile("sensorSet", {"sensorType": "acceleration", "value": f"{ax:.4f}:{GRAVITY:.4f}:0"})
        self._mobile("sensorSet", {"sensorType": "gyroscope", "value": f"0:{omega:.4f}:0"})

    # ------------------------------------------------------------------ fast capture
    @property
    def supports_capture(self) -> bool:
        """True when :meth:`capture` can stream frames (Chromium with a local DevTools endpoint)."""
        return self.platform == "chromium" and self._debugger_address is not None \
            and _is_loopback(f"http://{self._debugger_address}")

    def start_capture(self, *, fps_hint: float = 10.0) -> Screencast:
        """Start a CDP screencast of the current tab; ``stop()`` on the result returns the frames.

        Frame ``t`` is seconds since the last launch (or since this call). Frames come only when
        the page repaints; taps and shakes work while it runs.

        Raises
        ------
        NotImplementedError
            When the DevTools endpoint is not reachable from here (Android, iOS, remote Grid).
        """
        if self.driver is None:
            self.start()
        if not self.supports_capture:
            raise NotImplementedError(
                f"device {self.name!r} ({self.platform}) has no local DevTools endpoint for "
                f"screencast capture; poll screenshots instead")
        if self._screencast is not None:
            with contextlib.suppress(Exception):
                self._screencast.stop()
        with self._errors("starting a screencast"):
            handle = self.driver.current_window_handle
        return self._open_screencast(handle, fps_hint)

    def _page_websocket(self, handle: str) -> str:
        """DevTools websocket URL of the page target behind a WebDriver window handle."""
        addr = self._debugger_address
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"http://{addr}/json/list", timeout=5) as resp:
                targets = json.loads(resp.read())
        except OSError as exc:
            raise DeviceError(f"device {self.name!r}: DevTools endpoint {addr} unreachable: {exc}") from exc
        pages = [t for t in targets if t.get("type") == "page"]
        # chromedriver's window handles are the DevTools target ids
        for t in pages:
            if t.get("id", "").upper() == handle.upper():
                return t["webSocketDebuggerUrl"]
        if len(pages) == 1:
            return pages[0]["webSocketDebuggerUrl"]
        raise DeviceError(f"device {self.name!r}: no DevTools page target for window {handle}")

    def capture(self, app: AppSpec, duration_s: float, *, fps: float = 10.0, ui_every: int = 0
                ) -> list[Frame]:
        """Cold-launch ``app`` and record its first ``duration_s`` seconds.

        Chromium with a local DevTools endpoint: a CDP screencast runs from before the navigation
        (≈ 20-30 frames/s at device pixels, thinned to ≈ ``fps``); elsewhere screenshots are
        polled at up to ``fps``. Frame ``t`` is seconds since the launch command. With
        ``ui_every`` > 0 a UI tree is read every ``ui_every / fps`` seconds and attached to the
        frame shown at that moment. Memory: ≈ 7.8 MB per 1082×2402 frame.
        """
        self._check_app(app)
        if duration_s <= 0 or fps <= 0:
            raise ValueError(f"capture: duration_s and fps must be > 0 (got {duration_s!r}, {fps!r})")
        if self.driver is None:
            self.start()
        if not self.supports_capture:
            return self._poll_launch(app, duration_s, fps, ui_every)
        t_start = time.monotonic()
        with self._errors(f"launching {app.id}"):
            self._prepare_web(app)
            handle = self.driver.current_window_handle
        sc = self._open_screencast(handle, fps)
        trees: list[tuple[float, tuple[UiNode, ...] | None]] = []
        try:
            with self._errors(f"launching {app.id}"):
                self._navigate(app)
            self._current_app = app
            self.timings["launch_s"] = time.monotonic() - t_start
            sc.t0_wall = self.launched_wall or sc.t0_wall
            ui_period = ui_every / fps if ui_every > 0 else None
            next_ui = 0.0
            assert self.launched_at is not None
            while (t := time.monotonic() - self.launched_at) < duration_s:
                if ui_period is not None and t >= next_ui:
                    try:
                        trees.append((time.monotonic() - self.launched_at, self.ui_tree()))
                    except DeviceError:
                        raise
                    except Exception:  # noqa: BLE001 - a UI tree is a bonus; pixels are the evidence
                        pass
                    next_ui = t + ui_period
                time.sleep(min(0.05, max(0.0, duration_s - t)))
        finally:
            frames = sc.stop()
            self._screencast = None
        self.timings["capture_frames_received"] = float(sc.frames_received)
        # Compositor timestamps and time.time() may disagree by a few ms: a frame up to
        # CLOCK_SKEW_S before the launch mark is taken as painted at the launch (t = 0).
        frames = [dataclasses.replace(f, t=max(0.0, f.t)) for f in frames if -CLOCK_SKEW_S <= f.t <= duration_s]
        if not frames:  # a page that never repainted still has one frame to show
            frames = [Frame(t=time.monotonic() - self.launched_at, image=self.screenshot())]
        return attach_trees(frames, trees)

    def _open_screencast(self, handle: str, fps: float) -> Screencast:
        ws_url = self._page_websocket(handle)
        t0 = self.launched_wall if self.launched_wall is not None else time.time()
        try:
            self._screencast = Screencast(ws_url, t0_wall=t0, fps_hint=fps, size=self._size)
        except Exception as exc:
            raise DeviceError(f"device {self.name!r}: could not open the DevTools websocket "
                              f"{ws_url}: {exc}") from exc
        return self._screencast

    def _poll_launch(self, app: AppSpec, duration_s: float, fps: float, ui_every: int) -> list[Frame]:
        """Launch, then screenshots at up to ``fps`` (devices without a screencast)."""
        self.launch(app)
        assert self.launched_at is not None
        frames: list[Frame] = []
        period = 1.0 / fps
        i = 0
        while (t_req := time.monotonic() - self.launched_at) < duration_s:
            img = self.screenshot()
            t_got = time.monotonic() - self.launched_at
            tree = None
            if ui_every > 0 and i % ui_every == 0:
                with contextlib.suppress(NotImplementedError):
                    tree = self.ui_tree()
            frames.append(Frame(t=(t_req + t_got) / 2, image=img, ui_tree=tree))
            i += 1
            time.sleep(max(0.0, period - (time.monotonic() - self.launched_at - t_req)))
        return frames


def attach_trees(frames: list[Frame], trees: list[tuple[float, tuple[UiNode, ...] | None]]
                 ) -> list[Frame]:
    """Attach each (t, tree) to the frame on screen at ``t`` (the last frame with ``f.t ≤ t``)."""
    if not trees or not frames:
        return frames
    out = list(frames)
    times = [f.t for f in frames]
    for t, tree in trees:
        if tree is None:
            continue
        i = max(0, bisect.bisect_right(times, t) - 1)
        out[i] = dataclasses.replace(out[i], ui_tree=tree)
    return out


# ----------------------------------------------------------------------------- helpers
def css_to_px(value: float, dpr: float, *, ceil: bool = False) -> int:
    """CSS px → device px: floor for left/top edges, ceil for right/bottom (boxes cover the pixels)."""
    v = value * dpr
    return int(math.ceil(v - 1e-6)) if ceil else int(math.floor(v + 1e-6))


def touch_tap_actions(x: int, y: int, *, hold_ms: int = TAP_HOLD_MS) -> dict[str, Any]:
    """W3C actions payload of one touch tap at viewport (x, y)."""
    return {"actions": [{
        "type": "pointer", "id": "finger1", "parameters": {"pointerType": "touch"},
        "actions": [
            {"type": "pointerMove", "duration": 0, "origin": "viewport", "x": int(x), "y": int(y)},
            {"type": "pointerDown", "button": 0},
            {"type": "pause", "duration": int(hold_ms)},
            {"type": "pointerUp", "button": 0},
        ],
    }]}


def _short(exc: BaseException) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    msg = " ".join(str(msg).split())
    return msg[:400] + ("…" if len(msg) > 400 else "")


def _parse_bounds(bounds: str) -> tuple[int, int, int, int] | None:
    """``[x1,y1][x2,y2]`` → (x1, y1, x2, y2)."""
    try:
        a, b = bounds.strip("[]").split("][")
        x1, y1 = (int(v) for v in a.split(","))
        x2, y2 = (int(v) for v in b.split(","))
    except ValueError:
        return None
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def parse_android_source(xml: str) -> tuple[UiNode, ...] | None:
    """Displayed nodes of a UiAutomator2 page source (``bounds`` are device px): every clickable
    one, and the non-clickable ones that carry text or a description (``clickable=False``: the
    context — 广告, 反馈, a call to action — that structural close-control cues look for)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    nodes = []
    for el in root.iter():
        a = el.attrib
        if a.get("displayed", "true") != "true":
            continue
        clickable = a.get("clickable") == "true"
        if not clickable and not (a.get("text", "").strip() or a.get("content-desc", "").strip()):
            continue
        box = _parse_bounds(a.get("bounds", ""))
        if box is None:
            continue
        nodes.append(UiNode(box=box, text=a.get("text", ""), desc=a.get("content-desc", ""),
                            resource_id=a.get("resource-id", ""), clickable=clickable,
                            cls=a.get("class", el.tag)))
    return tuple(nodes)


def parse_ios_source(xml: str, scale: float) -> tuple[UiNode, ...] | None:
    """Visible tappable elements of an XCUITest page source; points × ``scale`` → px."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    nodes = []
    for el in root.iter():
        a = el.attrib
        typ = a.get("type", el.tag)
        if typ not in IOS_TAPPABLE_TYPES or a.get("visible", "true") != "true":
            continue
        try:
            x, y, w, h = (float(a[k]) for k in ("x", "y", "width", "height"))
        except (KeyError, ValueError):
            continue
        if w <= 0 or h <= 0:
            continue
        box = (css_to_px(x, scale), css_to_px(y, scale), css_to_px(x + w, scale, ceil=True),
               css_to_px(y + h, scale, ceil=True))
        nodes.append(UiNode(box=box, text=a.get("label", "") or a.get("value", ""),
                            desc=a.get("name", ""), resource_id=a.get("name", ""), clickable=True,
                            cls=typ))
    return tuple(nodes)


def make_device(config: DeviceConfig, **kwargs: Any) -> AppiumDevice:
    """The Device for one ``devices.yaml`` entry."""
    return AppiumDevice(config, **kwargs)
