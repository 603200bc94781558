"""End-to-end on the real local stack: Appium server + chromium driver + Debian Chromium + web server.

Runs after ``scripts/setup.sh``; skips (with the reason) only when node_modules is missing.
One session on ``chromium-phone`` is shared by the module (≈ 1-2 s to open); a small test page
records the events it receives so every assertion is on measured values.
"""

from __future__ import annotations

import os
import subprocess
import time

import cv2
import numpy as np
import pytest

from harness.appium_server import PROJECT_ROOT, AppiumServer, free_port, local_server, status
from harness.config import DEFAULT_DEVICES, load_devices
from harness.device import AppLaunchError, AppSpec, DeviceError, ShakeSpec
from harness.webserver import DemoServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (PROJECT_ROOT / "node_modules" / ".bin" / "appium").exists(),
                       reason="node_modules is missing: run scripts/setup.sh"),
]

DPR = 2.625
# CSS px boxes of the test page's elements (x, y, w, h)
CLOSE = (300, 40, 80, 40)     # red button, top right
LINK = (40, 400, 160, 60)     # blue link to next.html
OPENER = (40, 600, 160, 60)   # green div (cursor:pointer) that opens a window

PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>stack test</title>
<style>
  html, body {{ margin: 0; background: #fff; }}
  .b {{ position: absolute; border: 0; padding: 0; margin: 0; display: block; }}
  #close {{ left: {CLOSE[0]}px; top: {CLOSE[1]}px; width: {CLOSE[2]}px; height: {CLOSE[3]}px; background: rgb(255,0,0); }}
  #link {{ left: {LINK[0]}px; top: {LINK[1]}px; width: {LINK[2]}px; height: {LINK[3]}px; background: rgb(0,0,255); }}
  #open {{ left: {OPENER[0]}px; top: {OPENER[1]}px; width: {OPENER[2]}px; height: {OPENER[3]}px; background: rgb(0,160,0); cursor: pointer; }}
</style></head>
<body>
<button id="close" class="b" aria-label="关闭"></button>
<a id="link" class="b" href="next.html"></a>
<div id="open" class="b" onclick="window.open('next.html')"></div>
<script>
  window.log = []; window.motion = []; window.orient = [];
  addEventListener('touchstart', e => log.push(['touchstart', e.touches[0].clientX, e.touches[0].clientY]));
  addEventListener('click', e => log.push(['click', e.clientX, e.clientY]));
  // registered at load, as a shake-to-jump ad would be
  addEventListener('devicemotion', e => motion.push([
    e.acceleration && e.acceleration.x, e.accelerationIncludingGravity && e.accelerationIncludingGravity.y,
    e.rotationRate && e.rotationRate.beta]));
  addEventListener('deviceorientation', e => orient.push(e.gamma));
  localStorage.setItem('visits', String(Number(localStorage.getItem('visits') || 0) + 1));
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "stack").mkdir()
    (root / "stack" / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "stack" / "next.html").write_text("<!doctype html><title>next</title><p>landing</p>",
                                              encoding="utf-8")
    with DemoServer(root) as server:
        yield server


@pytest.fixture(scope="module")
def stack_app(site) -> AppSpec:
    return AppSpec(id="stack", url=site.url_for("stack/"))


@pytest.fixture(scope="module")
def device():
    from harness.appium_device import AppiumDevice

    dev = AppiumDevice(load_devices(DEFAULT_DEVICES)["chromium-phone"])
    dev.start()
    yield dev
    dev.stop()


@pytest.fixture
def launched(device, stack_app):
    device.launch(stack_app)
    return device


def red_box(img: np.ndarray, bgr: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """Bounding box (x1, y1, x2 excl., y2 excl.) of pixels within 10 levels of ``bgr``."""
    mask = np.all(np.abs(img.astype(int) - np.array(bgr)) <= 10, axis=2)
    ys, xs = np.nonzero(mask)
    assert xs.size, f"no pixels of colour {bgr}"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def css_box_px(box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x * DPR, y * DPR, (x + w) * DPR, (y + h) * DPR


def test_server_reports_ready_and_logs_to_a_file():
    server = local_server()
    assert status(server.url)["ready"] is True
    assert server.log_path.exists() and server.log_path.stat().st_size > 0


def test_screenshot_is_device_pixels_and_pixels_sit_where_css_says(launched):
    img = launched.screenshot()
    assert img.shape == (2402, 1082, 3) and img.dtype == np.uint8
    assert launched.screen_size() == (1082, 2402)
    x1, y1, x2, y2 = red_box(img, (0, 0, 255))  # BGR red
    ex1, ey1, ex2, ey2 = css_box_px(CLOSE)
    assert abs(x1 - ex1) <= 1 and abs(y1 - ey1) <= 1 and abs(x2 - ex2) <= 1 and abs(y2 - ey2) <= 1


def test_fast_screenshot_has_the_webdriver_screenshots_pixels(launched):
    """The CDP screenshot encoded for speed is lossless: the same pixels as WebDriver's."""
    import time

    time.sleep(0.3)  # a still page: both captures see the same paint
    fast = launched.screenshot()
    assert launched._cdp_shot_refused is False  # the CDP path was taken
    png = launched.driver.get_screenshot_as_png()
    slow = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert fast.shape == slow.shape and np.array_equal(fast, slow)


def test_screenshot_falls_back_to_webdriver_when_cdp_is_refused(launched, monkeypatch):
    from selenium.common.exceptions import WebDriverException

    def refuse(cmd, params=None):
        raise WebDriverException("unknown command: executeCdpCommand")

    monkeypatch.setattr(launched, "_cdp", refuse)
    monkeypatch.setattr(launched, "_cdp_shot_refused", False)
    img = launched.screenshot()
    assert img.shape == (2402, 1082, 3) and launched._cdp_shot_refused is True
    assert red_box(img, (0, 0, 255))  # a real capture, not a blank


def test_tap_fires_touch_and_click_at_the_css_point(launched):
    cx, cy = CLOSE[0] + CLOSE[2] / 2, CLOSE[1] + CLOSE[3] / 2
    launched.tap(cx * DPR, cy * DPR)
    log = launched.driver.execute_script("return window.log")
    assert [e[0] for e in log] == ["touchstart", "click"]
    for _kind, x, y in log:
        assert abs(x - cx) <= 1 and abs(y - cy) <= 1


def test_ui_tree_boxes_line_up_with_screenshot_pixels(launched):
    img = launched.screenshot()
    nodes = {n.resource_id: n for n in launched.ui_tree()}
    assert set(nodes) == {"close", "link", "open"}
    assert nodes["close"].desc == "关闭" and nodes["close"].cls == "button"
    assert nodes["link"].cls == "a" and nodes["open"].cls == "div"
    for rid, bgr in (("close", (0, 0, 255)), ("link", (255, 0, 0)), ("open", (0, 160, 0))):
        seen = red_box(img, bgr)
        assert all(abs(a - b) <= 1 for a, b in zip(nodes[rid].box, seen)), (rid, nodes[rid].box, seen)


def test_state_is_cleared_between_launches(device, stack_app):
    device.launch(stack_app)
    device.launch(stack_app)
    assert device.driver.execute_script("return localStorage.getItem('visits')") == "1"


def test_shake_drives_devicemotion_the_page_registered_at_load(launched):
    spec = ShakeSpec(acceleration=6.0, rotation_deg=20.0, duration_s=1.0, frequency_hz=2.0)
    launched.driver.execute_script("window.motion.length = 0; window.orient.length = 0")
    launched.shake(spec)
    motion = launched.driver.execute_script("return window.motion")
    orient = launched.driver.execute_script("return window.orient")
    assert len(motion) >= 20  # ≈ 60 Hz for 1 s, fewer on a loaded machine
    peak_x = max(abs(m[0]) for m in motion if m[0] is not None)
    assert 3.0 <= peak_x <= 6.0 + 0.1                      # m/s², the spec's peak (Chromium rounds to 0.1)
    assert all(abs(m[1] - 9.8) < 0.2 for m in motion)      # gravity stays on y
    assert max(abs(m[2]) for m in motion if m[2] is not None) > 30  # deg/s rotation rate
    assert orient and max(abs(g) for g in orient if g is not None) > 5  # degrees
    assert launched.last_shake.peak_acceleration <= 6.0


def test_location_changes_on_navigation_and_on_a_new_window(launched, stack_app):
    start = launched.location()
    assert start == f"{stack_app.url} [windows=1]"
    cx, cy = OPENER[0] + OPENER[2] / 2, OPENER[1] + OPENER[3] / 2
    launched.tap(cx * DPR, cy * DPR)
    time.sleep(0.3)
    assert launched.location() == f"{stack_app.url} [windows=2]"
    cx, cy = LINK[0] + LINK[2] / 2, LINK[1] + LINK[3] / 2
    launched.tap(cx * DPR, cy * DPR)
    deadline = time.monotonic() + 5
    while launched.location().startswith(stack_app.url + " ") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert launched.location().startswith(stack_app.url + "next.html ")
    launched.launch(stack_app)  # a launch starts from one fresh window again
    assert launched.location() == f"{stack_app.url} [windows=1]"


def test_capture_streams_device_pixel_frames_from_the_launch(device, site):
    page = site.root / "stack" / "anim.html"
    page.write_text(
        "<!doctype html><meta name=viewport content='width=device-width'>"
        "<body style='margin:0'><div id=n style='font:60px sans-serif'>0</div>"
        "<script>let i=0;setInterval(()=>{n.textContent=i++},40)</script>", encoding="utf-8")
    anim = AppSpec(id="anim", url=site.url_for("stack/anim.html"))
    frames = device.capture(anim, 2.0, fps=30, ui_every=15)
    ts = [f.t for f in frames]
    assert frames[0].image.shape == (2402, 1082, 3)
    assert ts == sorted(ts) and 0 <= ts[0] < 1.0 and ts[-1] <= 2.0
    fps = (len(frames) - 1) / (ts[-1] - ts[0])
    assert fps >= 4, f"screencast gave {fps:.1f} frames/s"
    assert any(f.ui_tree is not None for f in frames)
    assert device.location().startswith(anim.url)


def test_second_density_device_screenshots_at_its_own_size(stack_app):
    from harness.appium_device import AppiumDevice

    with AppiumDevice(load_devices(DEFAULT_DEVICES)["chromium-small"]) as dev:
        dev.launch(stack_app)
        img = dev.screenshot()
        assert img.shape == (1280, 720, 3)
        x1, y1, x2, y2 = red_box(img, (0, 0, 255))
        assert (x1, y1, x2, y2) == (600, 80, 720, 160)  # clipped at the 360 CSS px edge


def test_dead_session_raises_then_a_new_session_works(stack_app):
    from harness.appium_device import AppiumDevice

    dev = AppiumDevice(load_devices(DEFAULT_DEVICES)["chromium-phone"])
    dev.start()
    try:
        dev.driver.quit()  # the session dies behind the device's back
        with pytest.raises(DeviceError, match="device 'chromium-phone': the session at http://127.0.0.1:"):
            dev.screenshot()
        dev.start()  # the caller's one retry
        dev.launch(stack_app)
        assert dev.screenshot().shape == (2402, 1082, 3)
    finally:
        dev.stop()


def test_unreachable_server_error_names_the_url():
    from harness.appium_device import AppiumDevice

    port = free_port()
    dev = AppiumDevice(load_devices(DEFAULT_DEVICES)["chromium-phone"], server_url=f"http://127.0.0.1:{port}")
    with pytest.raises(DeviceError, match=rf"'chromium-phone': the Appium server at http://127.0.0.1:{port} is unreachable"):
        dev.start()


def _chromium_pids(profile_prefix: str) -> list[int]:
    out = subprocess.run(["ps", "-eww", "-o", "pid,args"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()[1:]
            if "chromium" in line and profile_prefix in line]


def test_stopping_a_server_leaves_no_browser_behind(tmp_path, stack_app):
    from harness.appium_device import AppiumDevice

    server = AppiumServer(log_path=tmp_path / "appium.log").start()
    cfg = load_devices(DEFAULT_DEVICES)["chromium-phone"]
    dev = AppiumDevice(cfg, server_url=server.url)
    dev.start()
    dev.launch(stack_app)
    profile = dev._user_data_dir
    assert profile and _chromium_pids(profile), "the session's chromium should be running"
    server.stop()  # the session is still open: the server must take its browser down with it
    deadline = time.monotonic() + 10
    while _chromium_pids(profile) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _chromium_pids(profile)
    with pytest.raises(DeviceError, match="stopped answering|unreachable|ended|died"):
        dev.screenshot()
    dev.stop()
    deadline = time.monotonic() + 5  # a dead session's profile is removed in the background
    while os.path.exists(profile) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(profile)


def test_a_page_that_does_not_load_is_an_app_error_not_a_popup(device):
    """Chromium's own error page must never be judged as the app's pop-up."""
    dead = AppSpec(id="dead-app", url=f"http://127.0.0.1:{free_port()}/promo")
    with pytest.raises(AppLaunchError, match="dead-app.*did not load"):
        device.launch(dead)
