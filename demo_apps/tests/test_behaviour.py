"""End-to-end self-tests of the demo pages: each page really does what its ``facts`` say.

Runs every demo in headless Chromium (mobile emulation 412 × 915 @ 2.625 and 360 × 640 @ 3, touch on),
driven over the DevTools protocol the way the splashcheck harness drives it: real touch taps
(``Input.dispatchTouchEvent``) and simulated motion sensors (``Emulation.setSensorOverrideReadings``).
Ground truth comes from the page's location (a jump = navigation to ``/landing.html``) and
``window.demoState``. This checks the demos, not the detectors: ``expected.yaml``'s outcomes only hold if
the pages behave as described.

Marked ``e2e`` (≈ 1.5 min); skipped when Chromium is missing.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import math
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

GALLERY = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH")]

_spec = importlib.util.spec_from_file_location("demo_apps_catalog", GALLERY / "catalog.py")
catalog = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalog)
# Demos of apps without a splash or pop-up (window: none) have no window behaviour to check.
DEMOS = [d for d in catalog.load_gallery(GALLERY) if d["window"] != "none"]
BY_ID = {d["id"]: d for d in DEMOS}

VIEWPORTS = [(412, 915, 2.625), (360, 640, 3.0)]
G = 9.81          # m/s², gravity in the resting accelerometer reading
SENSOR_HZ = 60    # readings per second while shaking
TAP_SETTLE_S = 0.6  # wait after a tap before reading where the page is
# Tap points keep this margin (CSS px) from controls, so "elsewhere" is really elsewhere.
CONTROL_MARGIN = 12


# ------------------------------------------------------------------------------- tiny CDP client

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tab:
    """One page target over a DevTools websocket (synchronous, one command at a time)."""

    def __init__(self, ws_url: str, close_url: str | None = None):
        from websockets.sync.client import connect
        self._close_url = close_url
        self._conn = connect(ws_url, max_size=None, open_timeout=10)
        self._ws = self._conn.__enter__()
        self._ids = itertools.count(1)

    def call(self, method: str, **params):
        i = next(self._ids)
        self._ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv(timeout=30))
            if msg.get("id") == i:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"JS error in {expression!r}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def setup(self, width: int, height: int, dpr: float) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=dpr, mobile=True)
        self.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
        # Sensors get overridden before any page registers its devicemotion listener.
        for sensor in ("accelerometer", "linear-acceleration", "gyroscope"):
            self.call("Emulation.setSensorOverrideEnabled", enabled=True, type=sensor)
        self.motion(0, 0, 0, 0, 0, 0)

    def motion(self, ax: float, ay: float, az: float, gx: float, gy: float, gz: float) -> None:
        """Linear acceleration (m/s²) and rotation rate (rad/s); gravity is added on y."""
        self.call("Emulation.setSensorOverrideReadings", type="linear-acceleration",
                  reading={"xyz": {"x": ax, "y": ay, "z": az}})
        self.call("Emulation.setSensorOverrideReadings", type="accelerometer",
                  reading={"xyz": {"x": ax, "y": ay + G, "z": az}})
        self.call("Emulation.setSensorOverrideReadings", type="gyroscope",
                  reading={"xyz": {"x": gx, "y": gy, "z": gz}})

    def open(self, url: str, settle_s: float = 0.25) -> None:
        self.call("Page.bringToFront")  # device motion only reaches the focused page
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.js("document.readyState") == "complete" and self.js("!!window.demoState"):
                    break
            except RuntimeError:
                pass  # context torn down mid-navigation
            time.sleep(0.03)
        self.motion(0, 0, 0, 0, 0, 0)
        time.sleep(settle_s)

    def tap(self, x: float, y: float) -> None:
        """One touch tap at CSS px (x, y)."""
        self.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])

    def rect(self, selector: str) -> dict | None:
        return self.js(f"""(function(){{var e=document.querySelector({json.dumps(selector)});
            if(!e) return null; var r=e.getBoundingClientRect();
            return {{x:r.x,y:r.y,w:r.width,h:r.height}};}})()""")

    def tappable(self, selector: str) -> bool:
        """The element is shown and is what a tap at its centre hits."""
        return bool(self.js(f"""(function(){{var e=document.querySelector({json.dumps(selector)});
            if(!e) return false; var r=e.getBoundingClientRect(); if(r.width<1||r.height<1) return false;
            var h=document.elementFromPoint(r.x+r.width/2, r.y+r.height/2); return !!h && e.contains(h);}})()"""))

    def tap_element(self, selector: str) -> None:
        r = self.rect(selector)
        assert r is not None, f"{selector} not found"
        self.tap(r["x"] + r["w"] / 2, r["y"] + r["h"] / 2)

    def state(self) -> dict:
        return self.js("JSON.parse(JSON.stringify(window.demoState || null))")

    def location(self) -> str:
        return self.js("location.href")

    def close(self) -> None:
        self._conn.__exit__(None, None, None)
        if self._close_url:  # close the target too: a left-over tab would keep the focus and its timers
            urllib.request.urlopen(self._close_url, timeout=10).read()


class Browser:
    def __init__(self):
        self.port = _free_port()
        self.profile = tempfile.TemporaryDirectory(prefix="demo-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--hide-scrollbars", "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
             f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/version", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("chromium did not start")
                time.sleep(0.1)

    def new_tab(self, width: int = 412, height: int = 915, dpr: float = 2.625) -> Tab:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        info = json.load(urllib.request.urlopen(req, timeout=10))
        tab = Tab(info["webSocketDebuggerUrl"], f"http://127.0.0.1:{self.port}/json/close/{info['id']}")
        tab.setup(width, height, dpr)
        return tab

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.profile.cleanup()


@pytest.fixture(scope="module")
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(GALLERY)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def tab(browser):
    t = browser.new_tab()
    yield t
    t.close()


def _url(base_url: str, demo: dict, query: str = "") -> str:
    return catalog.demo_url(base_url, demo) + query


def _assert_jumped(tab: Tab, demo: dict) -> None:
    loc = tab.location()
    assert "/landing.html" in loc and f"from={demo['id']}" in loc, f"expected a jump, location is {loc}"


def _assert_not_jumped(tab: Tab, demo: dict) -> None:
    loc = tab.location()
    assert demo["url_path"] in loc and "/landing.html" not in loc, f"unexpected jump to {loc}"


def _window_selector(demo: dict) -> str:
    return "#splash" if demo["window"] == "splash" else "#popup"


def _window_up(tab: Tab, demo: dict) -> bool:
    return bool(tab.js(f"""(function(){{var e=document.querySelector('{_window_selector(demo)}');
        return !!e && !e.hidden && e.getBoundingClientRect().width > 0;}})()"""))


# ------------------------------------------------------------------------------------- tests

@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_window_covers_the_screen_at_once(browser, base_url, viewport):
    w, h, dpr = viewport
    tab = browser.new_tab(w, h, dpr)
    try:
        for demo in DEMOS:
            tab.open(_url(base_url, demo), settle_s=0.1)
            st = tab.state()
            assert st["phase"] == demo["window"], demo["id"]
            appeared = next(e["t"] for e in st["events"] if e["type"] == "phase")
            assert appeared <= 0.1, f"{demo['id']}: window state set {appeared:.3f} s after load"
            r = tab.rect(_window_selector(demo))
            assert (round(r["x"]), round(r["y"]), round(r["w"]), round(r["h"])) == (0, 0, w, h), demo["id"]
            if demo["window"] == "popup":
                card = tab.rect("#popup-card")
                assert card["x"] >= 0 and card["y"] >= 0 and card["x"] + card["w"] <= w and card["y"] + card["h"] <= h
            close = demo["facts"]["close"]
            if close:
                assert tab.tappable(close) == (demo["facts"]["close_visible_from_s"] == 0), demo["id"]
            if close and demo["facts"]["close_visible_from_s"] == 0 and \
                    demo["expected"].get("close-button-placement") == "pass":
                c = tab.rect(close)
                assert c["y"] >= 24 - 0.5, f"{demo['id']}: close control reaches into the status bar"
            if demo["id"] == "statusbar-close":
                pill = tab.rect(".skip-pill")
                assert pill["y"] + pill["h"] / 2 < 24
    finally:
        tab.close()


def test_delayed_close_appears_after_4_s(tab, base_url):
    demo = BY_ID["delayed-close"]
    tab.open(_url(base_url, demo), settle_s=0)
    time.sleep(3.6)
    assert not tab.tappable("#splash-skip")
    time.sleep(0.7)
    assert tab.tappable("#splash-skip")
    shown = [e["t"] for e in tab.state()["events"] if e["type"] == "close-shown"]
    assert shown and 3.95 <= shown[0] <= 4.2


@pytest.mark.parametrize("demo", [d for d in DEMOS if d["facts"]["close"]], ids=lambda d: d["id"])
def test_tapping_the_close_control(tab, base_url, demo):
    facts = demo["facts"]
    tab.open(_url(base_url, demo, "?duration=30"))
    time.sleep(facts["close_visible_from_s"])
    tab.tap_element(facts["close"])
    time.sleep(TAP_SETTLE_S)
    if facts["close_jumps"]:
        _assert_jumped(tab, demo)
        return
    _assert_not_jumped(tab, demo)
    if facts["taps_to_close"] == 1:
        assert not _window_up(tab, demo) and tab.state()["phase"] == "home"
        assert tab.js("!document.getElementById('home').hidden")
    else:
        assert _window_up(tab, demo), "one tap must not close this demo"
        for _ in range(facts["taps_to_close"] - 1):
            tab.tap_element(facts["close"])
        time.sleep(TAP_SETTLE_S)
        assert not _window_up(tab, demo) and tab.state()["phase"] == "home"
        _assert_not_jumped(tab, demo)


def _probe_points(tab: Tab, demo: dict) -> list[tuple[float, float]]:
    """A few tap points on the window, away from its controls."""
    w, h = tab.js("[innerWidth, innerHeight]")
    if demo["window"] == "splash":
        ad = tab.rect("#ad")
        cands = [(ad["x"] + fx * ad["w"], ad["y"] + fy * ad["h"]) for fx, fy in ((0.5, 0.4), (0.2, 0.2), (0.8, 0.6))]
        cands.append((w / 2, h - 30))  # the logo band
    else:
        card = tab.rect("#popup-card")
        cands = [(card["x"] + card["w"] * 0.5, card["y"] + card["h"] * 0.3), (20, h * 0.85), (w - 20, 60)]
    avoid = [tab.rect(s) for s in [demo["facts"]["close"], *demo["facts"]["jump_controls"]] if s]
    pts = []
    for x, y in cands:
        if not any(r and r["x"] - CONTROL_MARGIN <= x <= r["x"] + r["w"] + CONTROL_MARGIN
                   and r["y"] - CONTROL_MARGIN <= y <= r["y"] + r["h"] + CONTROL_MARGIN for r in avoid):
            pts.append((x, y))
    return pts


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d["id"])
def test_tapping_elsewhere(tab, base_url, demo):
    tab.open(_url(base_url, demo, "?duration=30"))
    points = _probe_points(tab, demo)
    assert len(points) >= 3
    ad = tab.rect("#ad") if demo["window"] == "splash" else None
    for x, y in points:
        tab.open(_url(base_url, demo, "?duration=30"), settle_s=0.1)
        tab.tap(x, y)
        time.sleep(0.4)
        if demo["facts"]["picture_jumps"] and ad is not None and y < ad["y"] + ad["h"]:
            _assert_jumped(tab, demo)
        else:
            _assert_not_jumped(tab, demo)
            assert _window_up(tab, demo), f"{demo['id']}: a tap at ({x:.0f}, {y:.0f}) closed the window"


@pytest.mark.parametrize("demo", DEMOS, ids=lambda d: d["id"])
def test_jump_controls_open_the_ad(tab, base_url, demo):
    for sel in demo["facts"]["jump_controls"]:
        tab.open(_url(base_url, demo, "?duration=30"))
        tab.tap_element(sel)
        time.sleep(0.4)
        _assert_jumped(tab, demo)


def test_hot_zone_fraction_matches_the_dom(tab, base_url):
    """facts.hot_zone_fraction (at 412 × 915) = share of the screen whose tap opens the ad."""
    for demo in DEMOS:
        facts = demo["facts"]
        tab.open(_url(base_url, demo, "?duration=30"), settle_s=0.1)
        sel = ",".join(list(facts["jump_controls"]) + (["#ad"] if facts["picture_jumps"] else []))
        if not sel:  # nothing on the first window opens the ad
            assert facts["hot_zone_fraction"] == 0.0, demo["id"]
            continue
        frac = tab.js(f"""(function(sel, close){{var W=innerWidth,H=innerHeight,n=0,h=0;
            for(var y=2;y<H;y+=4)for(var x=2;x<W;x+=4){{n++;var e=document.elementFromPoint(x,y);
            if(!e||(close&&e.closest(close)))continue;if(e.closest(sel))h++;}}return h/n;}})
            ({json.dumps(sel)}, {json.dumps(facts['close'])})""")
        assert frac == pytest.approx(facts["hot_zone_fraction"], abs=0.005), demo["id"]


def test_windows_end_or_stay_on_time(browser, base_url):
    """Splashes end by themselves after facts.duration_s; pop-ups stay. All demos run side by side."""
    tabs = []
    try:
        for demo in DEMOS:
            t = browser.new_tab()
            t.open(_url(base_url, demo), settle_s=0)
            tabs.append((demo, t))
        longest = max(d["facts"]["duration_s"] or 0 for d in DEMOS)
        time.sleep(longest + 0.8)
        for demo, t in tabs:
            ends = [e["t"] for e in t.state()["events"] if e["type"] == "close" and e["how"] == "timeout"]
            if demo["facts"]["duration_s"] is None:
                assert not ends and _window_up(t, demo), demo["id"]
            else:
                assert len(ends) == 1 and ends[0] == pytest.approx(demo["facts"]["duration_s"], abs=0.2), demo["id"]
                assert not _window_up(t, demo)
    finally:
        for _, t in tabs:
            t.close()


@pytest.mark.parametrize("demo", [d for d in DEMOS if d["window"] == "popup" and d["facts"]["taps_to_close"] == 1],
                         ids=lambda d: d["id"])
def test_popup_reappears_or_not(tab, base_url, demo):
    tab.open(_url(base_url, demo))
    tab.tap_element(demo["facts"]["close"])
    time.sleep(0.3)
    assert not _window_up(tab, demo)
    time.sleep(2.2)
    assert _window_up(tab, demo) == (demo["facts"]["reappears_after_s"] is not None)


def _shake(tab: Tab, *, accel: float, rotation_deg: float, duration_s: float, freq_hz: float = 2.0) -> None:
    """Sinusoidal shake along x: linear acceleration peak ``accel`` (m/s²), rotation angle amplitude
    ``rotation_deg`` about z (so the rotation rate peaks at 2πf·amplitude), for ``duration_s``."""
    amp = math.radians(rotation_deg)
    t0 = time.monotonic()
    while (t := time.monotonic() - t0) < duration_s:
        phase = 2 * math.pi * freq_hz * t
        tab.motion(accel * math.sin(phase), 0, 0, 0, 0, amp * 2 * math.pi * freq_hz * math.cos(phase))
        if "/landing.html" in tab.location():
            break
        time.sleep(1 / SENSOR_HZ)
    tab.motion(0, 0, 0, 0, 0, 0)


SHAKE_DEMOS = [d for d in DEMOS if d["facts"]["shake"] != "none" or "shake-sensitivity" in d["expected"]]
GENTLE = dict(accel=8.0, rotation_deg=20.0, duration_s=2.0)   # below every T/TAF 078.7 threshold


@pytest.mark.parametrize("demo", SHAKE_DEMOS, ids=lambda d: d["id"])
def test_gentle_shake(tab, base_url, demo):
    tab.open(_url(base_url, demo, "?duration=30"))
    _shake(tab, **GENTLE)
    time.sleep(0.3)
    if demo["facts"]["shake"] == "sensitive":
        _assert_jumped(tab, demo)
    else:
        _assert_not_jumped(tab, demo)


@pytest.mark.parametrize("spec, jumps", [
    (dict(accel=18.0, rotation_deg=50.0, duration_s=4.0), True),    # past all three thresholds
    (dict(accel=13.0, rotation_deg=45.0, duration_s=4.0), False),   # acceleration below 15 m/s²
    (dict(accel=18.0, rotation_deg=24.0, duration_s=4.0), False),   # rotation below 35°
    (dict(accel=18.0, rotation_deg=45.0, duration_s=2.5), False),   # shorter than 3 s
], ids=["strong", "weak-accel", "small-turn", "short"])
def test_taf_shake_thresholds(tab, base_url, spec, jumps):
    demo = BY_ID["shake-compliant"]
    tab.open(_url(base_url, demo, "?duration=30"))
    _shake(tab, **spec)
    time.sleep(0.3)
    (_assert_jumped if jumps else _assert_not_jumped)(tab, demo)
