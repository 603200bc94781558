"""Request-level tests of AppiumDevice: the HTTP requests it sends, per platform.

A :class:`RecordingConnection` stands in for the HTTP layer of the real Appium client (it
subclasses ``AppiumConnection`` and replaces only ``_request``), so the real client code builds
every request and these tests assert on method, path and JSON body. Command names and arguments
follow the UiAutomator2 and XCUITest drivers' execute-method references.
"""

from __future__ import annotations

import base64
import json
import math
import socket
from dataclasses import replace
from typing import Any, Callable

import cv2
import numpy as np
import pytest
from appium.webdriver.appium_connection import AppiumConnection
from appium.webdriver.client_config import AppiumClientConfig

from harness.appium_device import UI_TREE_JS as UI_SCRIPT  # the fake answers scripts by their text
from harness.appium_device import (AppiumDevice, build_capabilities, parse_android_source,
                                   parse_ios_source, shake_samples, touch_tap_actions)
from harness.config import DeviceConfig, default_capabilities
from harness.device import AppSpec, DeviceError, ShakeSpec

SESSION = "sess-1"
PNG = cv2.imencode(".png", np.zeros((2400, 1080, 3), np.uint8))[1].tobytes()

ANDROID_SOURCE = """<?xml version="1.0" encoding="UTF-8"?>
<hierarchy index="0" rotation="0" width="1080" height="2400">
  <android.widget.FrameLayout index="0" package="com.example.shop" class="android.widget.FrameLayout"
      clickable="false" displayed="true" bounds="[0,0][1080,2400]">
    <android.widget.ImageView index="0" class="android.widget.ImageView" content-desc="ad"
        resource-id="com.example.shop:id/ad" clickable="true" displayed="true" bounds="[0,0][1080,2000]"/>
    <android.widget.TextView index="1" class="android.widget.TextView" text="跳过 3"
        resource-id="com.example.shop:id/skip" clickable="true" displayed="true" bounds="[900,120][1040,190]"/>
    <android.widget.TextView index="2" class="android.widget.TextView" text="hidden"
        clickable="true" displayed="false" bounds="[0,0][10,10]"/>
  </android.widget.FrameLayout>
</hierarchy>"""

IOS_SOURCE = """<?xml version="1.0" encoding="UTF-8"?>
<AppiumAUT>
  <XCUIElementTypeApplication type="XCUIElementTypeApplication" name="Shop" x="0" y="0" width="393" height="852" visible="true">
    <XCUIElementTypeImage type="XCUIElementTypeImage" name="ad" x="0" y="0" width="393" height="700" visible="true"/>
    <XCUIElementTypeButton type="XCUIElementTypeButton" name="skip" label="Skip 3" x="320.5" y="50" width="60" height="28" visible="true"/>
    <XCUIElementTypeButton type="XCUIElementTypeButton" name="offscreen" label="x" x="0" y="0" width="10" height="10" visible="false"/>
  </XCUIElementTypeApplication>
</AppiumAUT>"""


class RecordingConnection(AppiumConnection):
    """The real client connection with the network replaced by canned answers."""

    def __init__(self, url: str, answers: dict[str, Callable[[dict], Any]] | None = None,
                 caps: dict | None = None):
        super().__init__(client_config=AppiumClientConfig(remote_server_addr=url, keep_alive=False))
        self.requests: list[tuple[str, str, Any]] = []
        self.answers = answers or {}
        self.caps = caps or {}
        self.fail: dict[str, tuple[int, dict]] = {}

    def _request(self, method: str, url: str, body: str | None = None) -> dict:
        path = url.split("://", 1)[1].split("/", 1)[1]
        path = "/" + path
        data = json.loads(body) if body else None
        self.requests.append((method, path, data))
        for suffix, (status, value) in self.fail.items():
            if path.endswith(suffix):  # as RemoteConnection._request reports an HTTP error
                return {"status": status, "value": json.dumps(value)}
        if method == "POST" and path == "/session":
            return {"value": {"sessionId": SESSION, "capabilities": self.caps}}
        if path.endswith("/execute/sync"):
            script = data["script"]
            answer = self.answers.get(script)
            return {"value": answer(data["args"][0] if data["args"] else {}) if answer else None}
        if path.endswith("/screenshot"):
            return {"value": base64.b64encode(PNG).decode()}
        if path.endswith("/source"):
            return {"value": self.answers.get("source", lambda _: "")({})}
        if path.endswith("/url") and method == "GET":
            return {"value": "http://127.0.0.1:9/app/"}
        if path.endswith("/window/handles"):
            return {"value": self.answers.get("handles", lambda _: ["W1"])({})}
        if path.endswith("/window") and method == "GET":
            return {"value": "W1"}
        if path.endswith("/window/new"):
            return {"value": {"handle": "W2", "type": "tab"}}
        return {"value": None}

    def mobile_calls(self) -> list[tuple[str, dict]]:
        return [(d["script"][len("mobile: "):], d["args"][0] if d["args"] else {})
                for m, p, d in self.requests
                if p.endswith("/execute/sync") and d["script"].startswith("mobile: ")]

    def cdp_calls(self) -> list[tuple[str, dict]]:
        return [(d["cmd"], d["params"]) for m, p, d in self.requests if p.endswith("/goog/cdp/execute")]


_OPEN: list[AppiumDevice] = []


@pytest.fixture(autouse=True)
def _stop_devices():
    """Stop every device a test opened (removes the Chromium profile folders start() made)."""
    yield
    while _OPEN:
        _OPEN.pop().stop()


def _device(config: DeviceConfig, **answers: Callable[[dict], Any]) -> tuple[AppiumDevice, RecordingConnection]:
    holder: dict[str, RecordingConnection] = {}

    def factory(url: str) -> RecordingConnection:
        holder["conn"] = RecordingConnection(url, answers, caps={"platformName": config.platform})
        return holder["conn"]

    dev = AppiumDevice(config, server_url="http://appium-host.invalid:4723", connection_factory=factory)
    _OPEN.append(dev)
    dev.start()
    return dev, holder["conn"]


def _config(platform: str, **kw: Any) -> DeviceConfig:
    screen = {"chromium": (412, 915, 2.625), "android": (None, None, 2.625), "ios": (393, 852, 3.0)}[platform]
    w, h, d = screen
    caps = default_capabilities(platform, width=w, height=h, density=d)
    if platform == "android":
        caps["appium:avd"] = "Pixel_7_API_34"
    return DeviceConfig(name=f"{platform}-dev", platform=platform, endpoint="http://appium-host.invalid:4723",
                        width=w, height=h, density=d, capabilities=caps, **kw)


ANDROID_APP = AppSpec(id="shop", package="com.example.shop", activity=".SplashActivity")
IOS_APP = AppSpec(id="shop-ios", bundle_id="com.example.shop")
WEB_APP = AppSpec(id="web", url="http://127.0.0.1:9/app/")


# ------------------------------------------------------------------------------ capabilities
def test_chromium_capabilities_match_the_measured_working_set():
    cfg = _config("chromium")
    caps = build_capabilities(cfg, user_data_dir="/tmp/prof-1", chromedriver_port=9555)
    assert caps["platformName"] == "linux"
    assert caps["appium:automationName"] == "Chromium"
    assert caps["browserName"] == "chrome"
    assert caps["appium:executable"] == "/usr/bin/chromedriver"
    assert caps["appium:chromedriverPort"] == 9555
    chrome = caps["goog:chromeOptions"]
    assert chrome["binary"] == "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-background-networking",
                 "--user-data-dir=/tmp/prof-1", "--force-device-scale-factor=2.625"):
        assert flag in chrome["args"]
    assert chrome["mobileEmulation"]["deviceMetrics"] == {
        "width": 412, "height": 915, "pixelRatio": 2.625, "touch": True}
    # the config itself is not modified by adding per-session extras
    assert "appium:chromedriverPort" not in cfg.capabilities
    assert not any(a.startswith("--user-data-dir") for a in cfg.capabilities["goog:chromeOptions"]["args"])


def test_chromium_port_given_in_devices_yaml_wins():
    cfg = _config("chromium")
    cfg = replace(cfg, capabilities={**cfg.capabilities, "appium:chromedriverPort": 9600})
    assert build_capabilities(cfg, chromedriver_port=9555)["appium:chromedriverPort"] == 9600


def test_new_session_request_is_w3c_with_the_device_capabilities():
    dev, conn = _device(_config("android"))
    method, path, body = conn.requests[0]
    assert (method, path) == ("POST", "/session")
    always = body["capabilities"]["alwaysMatch"]
    assert always["platformName"] == "Android"
    assert always["appium:automationName"] == "UiAutomator2"
    assert always["appium:avd"] == "Pixel_7_API_34"
    assert always["appium:noReset"] is False and always["appium:forceAppLaunch"] is True
    assert always["appium:autoGrantPermissions"] is True
    assert dev.timings["session_start_s"] >= 0


def test_chromium_session_gets_a_fresh_profile_removed_at_stop(tmp_path):
    dev, conn = _device(_config("chromium"))
    args = conn.requests[0][2]["capabilities"]["alwaysMatch"]["goog:chromeOptions"]["args"]
    profile = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
    import os
    assert os.path.isdir(profile)
    dev.stop()
    assert not os.path.exists(profile)
    assert conn.requests[-1][:2] == ("DELETE", f"/session/{SESSION}")


# ------------------------------------------------------------------------------ Android
def test_android_launch_terminates_clears_regrants_and_starts_the_activity():
    dev, conn = _device(_config("android"))
    dev.launch(ANDROID_APP)
    assert conn.mobile_calls() == [
        ("terminateApp", {"appId": "com.example.shop"}),
        ("clearApp", {"appId": "com.example.shop"}),
        ("changePermissions", {"permissions": "all", "appPackage": "com.example.shop", "action": "grant"}),
        ("startActivity", {"intent": "com.example.shop/.SplashActivity", "wait": True, "stop": True}),
        ("queryAppState", {"appId": "com.example.shop"}),
    ]
    assert dev.launched_at is not None


def test_android_launch_installs_a_missing_apk_and_activates_without_activity():
    dev, conn = _device(_config("android", clear_state=False), **{"mobile: isAppInstalled": lambda a: False})
    dev.launch(AppSpec(id="a", package="com.example.shop", apk="/builds/shop.apk"))
    assert conn.mobile_calls() == [
        ("isAppInstalled", {"appId": "com.example.shop"}),
        ("installApp", {"appPath": "/builds/shop.apk", "grantPermissions": True}),
        ("terminateApp", {"appId": "com.example.shop"}),
        ("activateApp", {"appId": "com.example.shop"}),
        ("queryAppState", {"appId": "com.example.shop"}),
    ]


def test_android_tap_is_a_w3c_touch_in_device_pixels():
    dev, conn = _device(_config("android"))
    dev.tap(950.4, 155.6)
    method, path, body = conn.requests[-1]
    assert (method, path) == ("POST", f"/session/{SESSION}/actions")
    pointer = body["actions"][0]
    assert pointer["parameters"] == {"pointerType": "touch"}
    assert [a["type"] for a in pointer["actions"]] == ["pointerMove", "pointerDown", "pause", "pointerUp"]
    assert (pointer["actions"][0]["x"], pointer["actions"][0]["y"]) == (950, 156)


def test_android_shake_plays_emulator_sensors_and_ends_at_rest():
    dev, conn = _device(_config("android"))
    dev.shake(ShakeSpec(acceleration=6.0, rotation_deg=20.0, duration_s=0.35, frequency_hz=2.0))
    calls = conn.mobile_calls()
    assert {c for c, _ in calls} == {"sensorSet"}
    types = [a["sensorType"] for _, a in calls]
    assert set(types) == {"acceleration", "gyroscope"}
    accel = [tuple(float(v) for v in a["value"].split(":")) for _, a in calls if a["sensorType"] == "acceleration"]
    assert all(abs(y - 9.80665) < 1e-3 for _, y, _ in accel)  # gravity stays on y (phone upright)
    assert max(abs(x) for x, _, _ in accel) > 3.0             # some of the sinusoid was played
    assert max(abs(x) for x, _, _ in accel) <= 6.0 + 1e-6
    assert calls[-2:] == [("sensorSet", {"sensorType": "acceleration", "value": "0.0000:9.8066:0"}),
                          ("sensorSet", {"sensorType": "gyroscope", "value": "0:0.0000:0"})]
    assert dev.last_shake is not None and dev.last_shake.steps >= 2


def test_android_ui_tree_and_location():
    dev, conn = _device(_config("android"), source=lambda _: ANDROID_SOURCE,
                        **{"mobile: getCurrentPackage": lambda a: "com.example.shop",
                           "mobile: getCurrentActivity": lambda a: ".SplashActivity"})
    nodes = [n for n in dev.ui_tree() if n.clickable]
    assert [(n.box, n.text, n.resource_id) for n in nodes] == [
        ((0, 0, 1080, 2000), "", "com.example.shop:id/ad"),
        ((900, 120, 1040, 190), "跳过 3", "com.example.shop:id/skip"),
    ]
    assert nodes[0].desc == "ad" and nodes[1].cls == "android.widget.TextView"
    assert dev.location() == "com.example.shop/.SplashActivity"


def test_android_screenshot_is_bgr_in_device_pixels():
    dev, _ = _device(_config("android"))
    img = dev.screenshot()
    assert img.shape == (2400, 1080, 3) and img.dtype == np.uint8
    assert dev.screen_size() == (1080, 2400)


# ------------------------------------------------------------------------------ iOS
def test_ios_launch_terminates_and_launches_the_bundle():
    dev, conn = _device(_config("ios"))
    dev.launch(IOS_APP)
    assert conn.mobile_calls() == [("terminateApp", {"bundleId": "com.example.shop"}),
                                   ("launchApp", {"bundleId": "com.example.shop"}),
                                   ("queryAppState", {"bundleId": "com.example.shop"})]


def test_ios_launch_with_app_bundle_reinstalls_for_a_first_launch_state():
    dev, conn = _device(_config("ios"))
    dev.launch(replace(IOS_APP, ipa="/builds/Shop.app"))
    assert conn.mobile_calls() == [("terminateApp", {"bundleId": "com.example.shop"}),
                                   ("removeApp", {"bundleId": "com.example.shop"}),
                                   ("installApp", {"app": "/builds/Shop.app"}),
                                   ("launchApp", {"bundleId": "com.example.shop"}),
                                   ("queryAppState", {"bundleId": "com.example.shop"})]


def test_ios_tap_is_in_points_and_ui_tree_in_pixels():
    dev, conn = _device(_config("ios"), source=lambda _: IOS_SOURCE,
                        **{"mobile: activeAppInfo": lambda a: {"bundleId": "com.example.shop", "pid": 1}})
    dev.tap(1050.0, 192.0)  # px at @3x → (350, 64) pt
    move = conn.requests[-1][2]["actions"][0]["actions"][0]
    assert (move["x"], move["y"]) == (350, 64)
    nodes = dev.ui_tree()
    assert len(nodes) == 1
    assert nodes[0].box == (961, 150, 1142, 234) and nodes[0].text == "Skip 3"
    assert dev.location() == "com.example.shop"


def test_ios_shake_is_not_implemented_with_a_reason():
    dev, conn = _device(_config("ios"))
    n = len(conn.requests)
    with pytest.raises(NotImplementedError, match="XCUITest simulators have no sensor injection"):
        dev.shake(ShakeSpec(acceleration=5, rotation_deg=20, duration_s=1))
    assert len(conn.requests) == n  # nothing was sent


def test_mobile_devices_have_no_screencast():
    dev, _ = _device(_config("android"))
    assert dev.supports_capture is False
    with pytest.raises(NotImplementedError, match="poll screenshots"):
        dev.start_capture()


# ------------------------------------------------------------------------------ Chromium
def test_chromium_launch_sets_sensor_overrides_before_navigating_and_again_after():
    dev, conn = _device(_config("chromium"))
    dev.launch(WEB_APP)
    kinds = []
    for method, path, body in conn.requests[1:]:
        if path.endswith("/goog/cdp/execute"):
            kinds.append(body["cmd"])
        elif path.endswith("/url") and method == "POST":
            kinds.append(("navigate", body["url"]))
        elif path.endswith("/window/new"):
            kinds.append("new-tab")
    nav = kinds.index(("navigate", "http://127.0.0.1:9/app/"))
    before, after = kinds[:nav], kinds[nav + 1:]
    assert before[0] == "new-tab"
    assert "Storage.clearDataForOrigin" in before
    enabled = [p["type"] for c, p in conn.cdp_calls() if c == "Emulation.setSensorOverrideEnabled"]
    assert set(enabled) == {"accelerometer", "linear-acceleration", "gyroscope", "relative-orientation"}
    assert before.count("Emulation.setSensorOverrideEnabled") == 4
    assert before.count("Emulation.setSensorOverrideReadings") == 4
    assert after.count("Emulation.setSensorOverrideReadings") == 4
    clear = next(p for c, p in conn.cdp_calls() if c == "Storage.clearDataForOrigin")
    assert clear == {"origin": "http://127.0.0.1:9", "storageTypes": "all"}


def test_chromium_tap_converts_device_pixels_to_css_pixels():
    dev, conn = _device(_config("chromium"))
    dev.tap(525.0, 1050.0)  # /2.625 → (200, 400) CSS px
    move = conn.requests[-1][2]["actions"][0]["actions"][0]
    assert (move["x"], move["y"]) == (200, 400)


def test_chromium_tap_after_a_popup_brings_the_app_tab_back_first():
    # window.open() focuses the pop-up; chromedriver would then hang on the background app tab
    dev, conn = _device(_config("chromium"), handles=lambda _: ["W1", "POPUP"])
    dev.launch(WEB_APP)
    dev.tap(100.0, 100.0)
    n = len(conn.requests)
    dev.tap(200.0, 200.0)
    second = [(m, p.rsplit("/", 2)[-2:], b) for m, p, b in conn.requests[n:]]
    assert [x[:2] for x in second] == [("GET", ["window", "handles"]), ("POST", [SESSION, "window"]),
                                       ("POST", [SESSION, "actions"])]
    assert second[1][2] == {"handle": "W1"}  # the tab launch() opened


def test_chromium_shake_plays_a_sinusoid_within_the_spec():
    dev, conn = _device(_config("chromium"))
    spec = ShakeSpec(acceleration=4.0, rotation_deg=15.0, duration_s=0.3, frequency_hz=2.0)
    dev.shake(spec)
    linear = [p["reading"]["xyz"]["x"] for c, p in conn.cdp_calls()
              if c == "Emulation.setSensorOverrideReadings" and p["type"] == "linear-acceleration"]
    assert max(abs(v) for v in linear) <= 4.0 + 1e-9
    assert max(abs(v) for v in linear) > 1.0
    assert linear[-1] == 0.0  # back at rest
    assert dev.last_shake.peak_rotation_deg <= 15.0 + 1e-9


def test_chromium_ui_tree_scales_css_rects_by_device_pixel_ratio():
    result = {"dpr": 2.625, "vw": 412, "vh": 915, "nodes": [
        {"x": 300, "y": 40, "w": 80, "h": 40, "text": "跳过", "desc": "", "id": "skip", "cls": "button"},
        {"x": -10, "y": 900, "w": 50, "h": 50, "text": "", "desc": "ad", "id": "", "cls": "a"},
    ]}
    dev, _ = _device(_config("chromium"), **{UI_SCRIPT: lambda a: result})
    nodes = dev.ui_tree()
    assert nodes[0].box == (787, 105, 998, 210)  # 787.5 floor, 997.5 ceil: covers the pixels
    assert nodes[0].text == "跳过" and nodes[0].resource_id == "skip"
    assert nodes[1].box == (0, 2362, 105, 2402)  # clipped to the 1082×2402 screen


def test_chromium_location_is_url_plus_window_count():
    dev, _ = _device(_config("chromium"))
    assert dev.location() == "http://127.0.0.1:9/app/ [windows=1]"


def test_app_of_another_platform_is_refused():
    dev, _ = _device(_config("chromium"))
    with pytest.raises(ValueError, match="runs on android"):
        dev.launch(ANDROID_APP)


# ------------------------------------------------------------------------------ errors
def test_dead_session_raises_device_error_and_next_start_opens_a_new_session():
    dev, conn = _device(_config("android"))
    conn.fail["/screenshot"] = (404, {"value": {"error": "invalid session id",
                                                "message": "session deleted", "stacktrace": ""}})
    with pytest.raises(DeviceError, match=r"device 'android-dev': the session at http://appium-host\.invalid:4723 ended"):
        dev.screenshot()
    assert dev.driver is None
    conn.fail.clear()
    dev.start()
    assert dev.driver is not None


def test_command_error_names_the_device_and_action():
    dev, conn = _device(_config("android"))
    conn.fail["/execute/sync"] = (500, {"value": {"error": "unknown error",
                                                  "message": "sensorSet method is only available for emulators",
                                                  "stacktrace": ""}})
    with pytest.raises(DeviceError, match="device 'android-dev': shaking failed: .*only available for emulators"):
        dev.shake(ShakeSpec(acceleration=5, rotation_deg=20, duration_s=0.2))
    assert dev.driver is not None  # one failed command is not a dead session


def test_unreachable_server_names_the_device_and_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        dev = AppiumDevice(_config("chromium"), server_url=f"http://127.0.0.1:{port}")
        with pytest.raises(DeviceError, match=rf"device 'chromium-dev': the Appium server at "
                                              rf"http://127\.0\.0\.1:{port} is unreachable"):
            dev.start()
    assert dev.driver is None


# ------------------------------------------------------------------------------ pure helpers
def test_touch_tap_payload():
    body = touch_tap_actions(10, 20, hold_ms=80)
    acts = body["actions"][0]["actions"]
    assert acts[0] == {"type": "pointerMove", "duration": 0, "origin": "viewport", "x": 10, "y": 20}
    assert acts[2] == {"type": "pause", "duration": 80}


def test_shake_samples_peak_at_the_spec_values():
    spec = ShakeSpec(acceleration=10.0, rotation_deg=30.0, duration_s=1.0, frequency_hz=2.0)
    quarter = 1 / (4 * spec.frequency_hz)
    s = shake_samples(spec, quarter)
    assert s["ax"] == pytest.approx(10.0)
    assert math.degrees(s["theta"]) == pytest.approx(30.0)
    assert shake_samples(spec, 0.0)["omega"] == pytest.approx(math.radians(30.0) * 2 * math.pi * 2.0)


def test_source_parsers_survive_garbage():
    assert parse_android_source("<not xml") is None
    assert parse_ios_source("", 3.0) is None



def test_appium_device_satisfies_the_device_protocol():
    from harness.device import Device

    dev, _ = _device(_config("android"))
    assert isinstance(dev, Device)
    assert (dev.name, dev.platform, dev.density) == ("android-dev", "android", 2.625)


# ------------------------------------------------------------------------------ local servers
def test_appium_server_without_node_modules_says_to_run_setup(tmp_path):
    from harness.appium_server import AppiumServer, AppiumServerError

    server = AppiumServer(project_root=tmp_path, log_path=tmp_path / "appium.log")
    with pytest.raises(AppiumServerError, match=r"node_modules/\.bin/appium is missing\. Run scripts/setup\.sh"):
        server.start()
    assert not server.running


def test_appium_server_without_the_driver_says_to_run_setup(tmp_path):
    from harness.appium_server import AppiumServer, AppiumServerError

    (tmp_path / "node_modules" / ".bin").mkdir(parents=True)
    (tmp_path / "node_modules" / ".bin" / "appium").write_text("#!/bin/sh\n")
    server = AppiumServer(project_root=tmp_path)
    with pytest.raises(AppiumServerError, match=r"chromium driver is not installed under .*\.appium\. Run scripts/setup\.sh"):
        server.start()


def test_web_server_serves_gallery_apps_over_http(tmp_path):
    import urllib.error
    import urllib.request

    from harness.webserver import DemoServer

    (tmp_path / "splash-a").mkdir()
    (tmp_path / "splash-a" / "index.html").write_text("<p>hello</p>", encoding="utf-8")
    file_app = AppSpec(id="splash-a", url=(tmp_path / "splash-a" / "index.html").as_uri())
    with DemoServer(tmp_path) as server:
        app = server.serve_app(file_app)
        assert app.url == f"http://127.0.0.1:{server.port}/splash-a/"
        with urllib.request.urlopen(app.url, timeout=5) as resp:
            assert resp.read() == b"<p>hello</p>"
            assert resp.headers["Cache-Control"] == "no-store"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.url_for("missing/"), timeout=5)
        outside = AppSpec(id="x", url="file:///etc/hostname")
        assert server.serve_app(outside) is outside      # not under the root: unchanged
        assert server.serve_app(WEB_APP) is WEB_APP      # already http: unchanged
        port = server.port
    with socket.socket() as s:  # nothing listens after stop
        assert s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("platform, app, state", [
    ("android", ANDROID_APP, 1), ("android", ANDROID_APP, 3), ("ios", None, 1)])
def test_an_app_not_in_the_foreground_after_launch_is_an_app_error(platform, app, state):
    from harness.device import AppLaunchError

    app = app or AppSpec(id="shop-ios", bundle_id="com.example.shop")
    dev, _ = _device(_config(platform), **{"mobile: queryAppState": lambda a: state})
    with pytest.raises(AppLaunchError, match=f"{app.id}: not in the foreground after launch \\(app state {state}"):
        dev.launch(app)


def test_an_app_in_the_foreground_after_launch_is_fine():
    dev, _ = _device(_config("android"), **{"mobile: queryAppState": lambda a: 4})
    dev.launch(ANDROID_APP)
