"""devices.yaml / apps.yaml loading: the shipped files, and every kind of mistake → file:line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from harness.config import (DEFAULT_APPS, DEFAULT_DEVICES, ConfigError, css_to_device,
                            default_capabilities, enabled_devices, load_apps, load_devices,
                            load_gallery, merge_capabilities, resolve_app)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def problem_at(exc: pytest.ExceptionInfo, file: str, line: int, *words: str) -> str:
    """Assert one problem sits at file:line and mentions ``words``; return its text."""
    problems = [str(p) for p in exc.value.problems if p.file.endswith(file) and p.line == line]
    assert problems, f"no problem at {file}:{line}; got: {exc.value}"
    text = problems[0]
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    assert f"{file}:{line}:" in str(exc.value)
    return text


# ------------------------------------------------------------------------ the shipped files
def test_shipped_devices_file_has_two_working_chromium_densities():
    devices = load_devices(DEFAULT_DEVICES)
    phone, small = devices["chromium-phone"], devices["chromium-small"]
    assert phone.enabled and phone.is_local and phone.platform == "chromium"
    assert (phone.width, phone.height, phone.density) == (412, 915, 2.625)
    assert phone.screen_px == (1082, 2402)
    assert small.density != phone.density and small.screen_px == (720, 1280)
    metrics = phone.capabilities["goog:chromeOptions"]["mobileEmulation"]["deviceMetrics"]
    assert metrics == {"width": 412, "height": 915, "pixelRatio": 2.625, "touch": True}
    assert [d.name for d in enabled_devices(DEFAULT_DEVICES)] == ["chromium-phone", "chromium-small"]


def test_shipped_devices_file_documents_android_and_ios_but_keeps_them_disabled():
    devices = load_devices(DEFAULT_DEVICES)
    android = next(d for d in devices.values() if d.platform == "android")
    ios = next(d for d in devices.values() if d.platform == "ios")
    assert not android.enabled and not ios.enabled
    caps = android.capabilities
    assert caps["appium:automationName"] == "UiAutomator2"
    assert caps["appium:noReset"] is False and caps["appium:forceAppLaunch"] is True
    assert caps["appium:shouldTerminateApp"] is True and caps["appium:autoGrantPermissions"] is True
    assert "appium:avd" in caps or "appium:udid" in caps
    assert ios.capabilities["appium:automationName"] == "XCUITest"
    assert "disabled" not in [d.name for d in load_devices(DEFAULT_DEVICES, include_disabled=False).values()
                              if not d.enabled]


def test_shipped_apps_file_includes_the_gallery_and_mobile_examples():
    apps = load_apps(DEFAULT_APPS, include_disabled=True)
    gallery = [a for a in apps.values() if a.url and a.url.startswith("file://")]
    assert gallery, "the demo gallery should contribute web apps"
    assert all(a.url.endswith("/index.html") for a in gallery)
    assert apps["shop-android"].platforms == ("android",)
    assert apps["shop-ios"].platforms == ("ios",)
    assert "shop-android" not in load_apps(DEFAULT_APPS)  # disabled by default


# ------------------------------------------------------------------------ devices: mistakes
GOOD_DEVICE = """
devices:
  phone:
    platform: chromium
    screen: {width: 412, height: 915, density: 2.625}
"""


def test_minimal_device_gets_defaults(tmp_path):
    d = load_devices(write(tmp_path, "devices.yaml", GOOD_DEVICE))["phone"]
    assert d.endpoint == "local" and d.enabled and d.clear_state and not d.grid
    assert d.capabilities["browserName"] == "chrome"
    assert d.source.endswith("devices.yaml:2")


def test_yaml_syntax_error_has_file_and_line(tmp_path):
    p = write(tmp_path, "devices.yaml", """
        devices:
          phone:
            platform: chromium
            screen: {width: 412, height: 915
          other: 1
        """)
    with pytest.raises(ConfigError) as exc:
        load_devices(p)
    assert "YAML syntax error" in str(exc.value)
    assert exc.value.problems[0].line in (4, 5)


@pytest.mark.parametrize("body, line, words", [
    ("""
     devices:
       phone:
         platform: andriod
         screen: {density: 2}
     """, 3, ("platform must be one of", "'andriod'", "did you mean 'android'")),
    ("""
     devices:
       phone:
         screen: {width: 412, height: 915, density: 2}
     """, 2, ("missing 'platform'",)),
    ("""
     devices:
       phone:
         platform: chromium
         screen: {width: 412, height: 915, density: 2}
         capabilites: {}
     """, 5, ("unknown key 'capabilites'", "did you mean 'capabilities'")),
    ("""
     devices:
       phone:
         platform: chromium
         endpoint: 127.0.0.1:4723
         screen: {width: 412, height: 915, density: 2}
     """, 4, ("endpoint", "http(s) URL")),
    ("""
     devices:
       phone:
         platform: chromium
         grid: true
         screen: {width: 412, height: 915, density: 2}
     """, 4, ("grid: true needs the hub URL",)),
    ("""
     devices:
       phone:
         platform: chromium
         screen:
           width: 412
           height: 915
     """, 4, ("screen: missing 'density'",)),
    ("""
     devices:
       phone:
         platform: chromium
         screen:
           width: 412.5
           height: 915
           density: 2
     """, 5, ("width must be a whole number",)),
    ("""
     devices:
       phone:
         platform: chromium
         screen: {width: 412, height: 915, density: 0}
     """, 4, ("density must be between",)),
    ("""
     devices:
       phone:
         platform: chromium
         screen: {density: 2}
     """, 4, ("missing 'width'",)),
    ("""
     devices:
       phone:
         platform: android
         endpoint: http://127.0.0.1:4723
         screen: {density: 2.625}
         capabilities:
           appium:avd: Pixel
           automationName: UiAutomator2
     """, 8, ("'automationName'", "vendor prefix", "appium:automationName")),
    ("""
     devices:
       phone:
         platform: ios
         endpoint: http://127.0.0.1:4723
         screen: {density: 3}
         capabilities:
           appium:automationName: UiAutomator2
     """, 7, ("does not drive platform 'ios'",)),
    ("""
     devices:
       phone:
         platform: android
         endpoint: http://127.0.0.1:4723
         screen: {density: 2.625}
     """, 2, ("needs appium:avd", "appium:udid")),
    ("""
     devices:
       phone:
         platform: chromium
         screen: {width: 412, height: 915, density: 2}
       phone:
         platform: chromium
         screen: {width: 412, height: 915, density: 2}
     """, 5, ("duplicate key 'phone'",)),
    ("""
     devices:
       "my phone":
         platform: chromium
         screen: {width: 412, height: 915, density: 2}
     """, 2, ("device name 'my phone'",)),
    ("""
     devices:
       phone:
         platform: chromium
         enabled: "no"
         screen: {width: 412, height: 915, density: 2}
     """, 4, ("enabled must be true or false",)),
    ("""
     - phone
     """, 1, ("must be a mapping with a 'devices:' section",)),
])
def test_device_mistakes_name_file_and_line(tmp_path, body, line, words):
    p = write(tmp_path, "devices.yaml", body)
    with pytest.raises(ConfigError) as exc:
        load_devices(p)
    problem_at(exc, "devices.yaml", line, *words)


def test_all_mistakes_of_a_file_are_reported_at_once(tmp_path):
    p = write(tmp_path, "devices.yaml", """
        devices:
          a:
            platform: web
            screen: {width: 412, height: 915, density: 2}
          b:
            platform: chromium
            screen: {width: 412, height: 915, density: -1}
        """)
    with pytest.raises(ConfigError) as exc:
        load_devices(p)
    assert [p.line for p in exc.value.problems] == [3, 7]
    assert str(exc.value).startswith("2 problems in")


def test_merge_keys_are_not_duplicates_and_x_keys_hold_anchors(tmp_path):
    p = write(tmp_path, "devices.yaml", """
        x-phone: &phone
          platform: chromium
          screen: {width: 412, height: 915, density: 2.625}
        devices:
          a: *phone
          b:
            <<: *phone
            screen: {width: 360, height: 640, density: 2}
        """)
    devices = load_devices(p)
    assert devices["a"].screen_px == (1082, 2402)
    assert devices["b"].screen_px == (720, 1280)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_devices(tmp_path / "nope.yaml")


def test_unknown_device_name_in_selection(tmp_path):
    p = write(tmp_path, "devices.yaml", GOOD_DEVICE)
    with pytest.raises(ConfigError, match="unknown device 'pixel'.*known: phone"):
        enabled_devices(p, ["pixel"])


# ------------------------------------------------------------------------ capabilities merge
def test_capabilities_merge_deeply_and_args_by_flag():
    base = default_capabilities("chromium", width=412, height=915, density=2.625)
    merged = merge_capabilities(base, {
        "appium:newCommandTimeout": 60,
        "pageLoadStrategy": None,                       # removes a default
        "goog:chromeOptions": {"args": ["--lang=en", "---hide-scrollbars",
                                        "--force-device-scale-factor=3"]},
    })
    args = merged["goog:chromeOptions"]["args"]
    assert "--lang=en" in args and "--hide-scrollbars" not in args
    assert [a for a in args if a.startswith("--force-device-scale-factor")] == ["--force-device-scale-factor=3"]
    assert "--headless=new" in args
    assert merged["goog:chromeOptions"]["binary"] == "/usr/bin/chromium"  # kept
    assert merged["appium:newCommandTimeout"] == 60 and "pageLoadStrategy" not in merged
    assert "--lang=en" not in base["goog:chromeOptions"]["args"]  # base untouched


def test_css_to_device_rounds_half_up_like_chromium():
    assert css_to_device(412, 2.625) == 1082   # 1081.5
    assert css_to_device(915, 2.625) == 2402   # 2401.875
    assert css_to_device(360, 3.0) == 1080


# ------------------------------------------------------------------------ apps
def make_gallery(tmp_path: Path) -> Path:
    root = tmp_path / "gallery"
    write(root, "good-splash/index.html", "<html></html>")
    write(root, "good-splash/expected.yaml", """
        title: A compliant splash
        expected:
          close-button-present: pass
          close-button-size: pass
        """)
    write(root, "bare/index.html", "<html></html>")
    (root / "common").mkdir()
    write(root, "common/app.css", "body{}")
    return root


def test_gallery_folders_become_web_apps_with_expected_outcomes(tmp_path):
    apps = load_gallery(make_gallery(tmp_path))
    assert list(apps) == ["bare", "good-splash"]           # common/ has no index.html
    good = apps["good-splash"]
    assert good.title == "A compliant splash"
    assert good.expected == {"close-button-present": "pass", "close-button-size": "pass"}
    assert good.url.startswith("file://") and good.url.endswith("/good-splash/index.html")
    assert apps["bare"].expected == {}


def test_apps_file_with_gallery_and_each_kind_of_app(tmp_path):
    make_gallery(tmp_path)
    write(tmp_path, "pages/promo.html", "<html></html>")
    p = write(tmp_path, "apps.yaml", """
        gallery: gallery
        apps:
          web: {url: "https://m.example.com/"}
          local: {path: pages/promo.html, title: Promo}
          droid: {package: com.example.shop, activity: .Main, apk: builds/shop.apk}
          apple: {bundle_id: com.example.shop, ipa: builds/Shop.app}
          later: {url: "https://off.example.com/", enabled: false}
        """)
    apps = load_apps(p)
    assert list(apps) == ["bare", "good-splash", "web", "local", "droid", "apple"]
    assert apps["local"].url == (tmp_path / "pages/promo.html").resolve().as_uri()
    assert apps["droid"].platforms == ("android",) and apps["droid"].activity == ".Main"
    assert apps["apple"].platforms == ("ios",)
    assert "later" in load_apps(p, include_disabled=True)


@pytest.mark.parametrize("body, line, words", [
    ("""
     apps:
       both: {url: "https://x.example/", package: com.example.x}
     """, 2, ("exactly one of url", "url, package")),
    ("""
     apps:
       none: {title: nothing}
     """, 2, ("exactly one of url", "got none")),
    ("""
     apps:
       act:
         url: "https://x.example/"
         activity: .Main
     """, 4, ("activity/apk belong to an Android app",)),
    ("""
     apps:
       ftp:
         url: "ftp://x.example/"
     """, 3, ("url must be http(s):// or file://",)),
    ("""
     apps:
       missing:
         path: nowhere/page.html
     """, 3, ("is not an HTML file",)),
    ("""
     apps:
       bad-rule:
         url: "https://x.example/"
         expected:
           close-buton-size: pass
     """, 5, ("unknown rule id 'close-buton-size'", "did you mean 'close-button-size'")),
    ("""
     apps:
       bad-outcome:
         url: "https://x.example/"
         expected:
           close-button-size: fail
     """, 5, ("must be one of violation",)),
    ("""
     apps:
       pkg:
         package: shop
     """, 3, ("not an Android package name",)),
    ("""
     gallery: no_such_folder
     """, 1, ("gallery folder 'no_such_folder' not found",)),
    ("""
     gallery: gallery
     apps:
       good-splash: {url: "https://x.example/"}
     """, 3, ("id already used by the gallery",)),
    ("""
     apps:
       x: {url: "https://x.example/", bundle: com.x}
     """, 2, ("unknown key 'bundle'",)),
    ("""
     apps:
       off: {url: "https://x.example/"}
     """, 2, ("app id False", "quote the name")),
])
def test_app_mistakes_name_file_and_line(tmp_path, body, line, words):
    make_gallery(tmp_path)
    p = write(tmp_path, "apps.yaml", body)
    with pytest.raises(ConfigError) as exc:
        load_apps(p)
    problem_at(exc, "apps.yaml", line, *words)


def test_mistake_in_a_demo_expected_file_names_that_file(tmp_path):
    root = make_gallery(tmp_path)
    write(root, "bad/index.html", "<html></html>")
    write(root, "bad/expected.yaml", """
        title: Bad
        expected:
          close-button-present: pass
          shake: violation
        """)
    p = write(tmp_path, "apps.yaml", "gallery: gallery\n")
    with pytest.raises(ConfigError) as exc:
        load_apps(p)
    problem_at(exc, "bad/expected.yaml", 4, "unknown rule id 'shake'")


# ------------------------------------------------------------------------ --app resolution
def test_resolve_app_accepts_ids_urls_files_and_folders(tmp_path):
    root = make_gallery(tmp_path)
    apps = load_gallery(root)
    assert resolve_app("good-splash", apps) is apps["good-splash"]
    web = resolve_app("https://m.example.com/promo/landing", apps)
    assert web.url == "https://m.example.com/promo/landing" and web.id == "m.example.com-promo-landing"
    folder = resolve_app(str(root / "good-splash"))
    assert folder.expected["close-button-present"] == "pass"
    page = write(tmp_path, "one.html", "<html></html>")
    assert resolve_app("one.html", cwd=tmp_path).url == page.resolve().as_uri()
    assert resolve_app(page.resolve().as_uri()).id == "one"


def test_resolve_app_accepts_android_and_ios_ids():
    droid = resolve_app("android:com.example.shop/.SplashActivity")
    assert (droid.package, droid.activity, droid.platforms) == ("com.example.shop", ".SplashActivity", ("android",))
    assert resolve_app("android:com.example.shop").activity is None
    ios = resolve_app("ios:com.example.shop")
    assert (ios.bundle_id, ios.platforms) == ("com.example.shop", ("ios",))


def test_resolve_app_explains_what_it_tried(tmp_path):
    apps = load_gallery(make_gallery(tmp_path))
    with pytest.raises(ValueError, match=r"--app 'nope': not an app id from apps.yaml \(known: bare, good-splash\)"):
        resolve_app("nope", apps, cwd=tmp_path)
    with pytest.raises(ValueError, match="an APK/IPA needs an entry in apps.yaml with package"):
        resolve_app("build/shop.apk", apps, cwd=tmp_path)
