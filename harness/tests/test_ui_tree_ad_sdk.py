"""Android UI-tree evidence at the request level: recorded-style UiAutomator2 page sources (fixtures/android)
go through AppiumDevice (real client, canned HTTP answers) into the ad-SDK cues and close controls."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.model import Window
from detectors.ui_controls import (STRUCTURAL_AD_ACTIVITY_CONFIDENCE, STRUCTURAL_CONFIDENCE, UI_CONFIDENCE,
                                   ad_activity, ad_cue, controls_from_ui_tree, load_ad_sdk)
from harness.tests.test_appium_device import _config, _device

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "android"
DENSITY = 2.625
W, H = 1080, 2400


def _android(name: str, activity: str):
    xml = (FIXTURES / name).read_text(encoding="utf-8")
    dev, conn = _device(_config("android"), source=lambda _: xml,
                        **{"mobile: getCurrentActivity": lambda a: activity,
                           "mobile: getCurrentPackage": lambda a: "com.example"})
    return dev, conn


def _frame(*marks: tuple[int, int, int, int]) -> np.ndarray:
    """A mid-grey screen with a white mark drawn inside each box (what the pixels would show)."""
    img = np.full((H, W, 3), 90, np.uint8)
    for x1, y1, x2, y2 in marks:
        cv2.line(img, (x1 + 8, y1 + 8), (x2 - 8, y2 - 8), (255, 255, 255), 4)
        cv2.line(img, (x1 + 8, y2 - 8), (x2 - 8, y1 + 8), (255, 255, 255), 4)
    return img


FULL = Window(box=(0, 0, W, H), kind="fullscreen", confidence=0.7)


def test_pangle_splash_activity_and_skip_view_name_the_window_and_its_control():
    act = "com.bytedance.sdk.openadsdk.stub.activity.Stub_Standard_Portrait_Activity"
    dev, conn = _android("pangle_splash.xml", act)
    tree = dev.ui_tree()
    assert dev.activity() == act
    assert any(p.endswith("/source") for m, p, d in conn.requests)  # the real page-source request
    # non-clickable context text is kept for the structural cue, clickable nodes stay clickable
    assert [n.text for n in tree if not n.clickable] == ["广告"]
    cue = ad_cue(tree, dev.activity())
    assert cue == {"role": "splash", "sdk": "Pangle 穿山甲", "activity": act, "views": ["tt_splash_skip_btn"]}
    found = controls_from_ui_tree(_frame((880, 110, 1040, 190)), tree, window=FULL, density=DENSITY,
                                  activity=dev.activity())
    assert len(found) == 1
    ctrl, touch = found[0]
    assert touch == (880, 110, 1040, 190) and ctrl.text == "跳过" and ctrl.confidence == UI_CONFIDENCE
    # the tree names it, the pixels measure it: the box is the drawn mark, not the node's bounds
    x1, y1, x2, y2 = ctrl.box
    assert 880 < x1 < 900 and 110 < y1 < 130 and 1020 < x2 < 1040 and 170 < y2 < 190


def test_gdt_interstitial_nameless_x_is_found_by_structure_near_the_cta():
    act = "com.qq.e.ads.PortraitADActivity"
    dev, _ = _android("gdt_interstitial.xml", act)
    tree = dev.ui_tree()
    frame = _frame((890, 640, 940, 690))
    with_act = controls_from_ui_tree(frame, tree, window=FULL, density=DENSITY, activity=dev.activity())
    assert [t for _, t in with_act] == [(890, 640, 940, 690)]
    assert with_act[0][0].kind == "x_icon" and with_act[0][0].confidence == STRUCTURAL_AD_ACTIVITY_CONFIDENCE
    no_act = controls_from_ui_tree(frame, tree, window=FULL, density=DENSITY)
    assert [c.confidence for c, _ in no_act] == [STRUCTURAL_CONFIDENCE]
    assert ad_cue(tree, act)["role"] == "popup"


def test_kuaishou_circle_skip_and_gdt_countdown_desc():
    dev, _ = _android("kuaishou_splash.xml", "com.kwad.sdk.api.proxy.app.KsSplashActivity")
    tree = dev.ui_tree()
    frame = _frame((930, 110, 1050, 230), (60, 110, 260, 190))
    found = controls_from_ui_tree(frame, tree, window=FULL, density=DENSITY, activity=dev.activity())
    assert sorted(t for _, t in found) == [(60, 110, 260, 190), (930, 110, 1050, 230)]
    assert all(c.text == "跳过" and c.confidence == UI_CONFIDENCE for c, _ in found)
    assert ad_cue(tree, dev.activity())["sdk"] == "Kuaishou 快手"


def test_ordinary_app_home_has_no_ad_cue_and_no_control():
    dev, _ = _android("app_home.xml", ".MainActivity")
    tree = dev.ui_tree()
    assert ad_cue(tree, dev.activity()) is None
    assert controls_from_ui_tree(_frame((960, 120, 1050, 210)), tree, window=FULL, density=DENSITY,
                                 activity=dev.activity()) == []


def test_analyze_frame_takes_the_window_from_the_tree_when_the_pixels_see_none():
    from detectors.analyze import analyze_frame
    act = "com.bytedance.sdk.openadsdk.stub.activity.Stub_Standard_Portrait_Activity"
    dev, _ = _android("pangle_splash.xml", act)
    tree = dev.ui_tree()
    frame = _frame((880, 110, 1040, 190))
    a = analyze_frame(frame, density=DENSITY, ui_tree=tree, activity=act, reader=None)
    assert a.window is not None and a.window.cues.get("ui_tree", {}).get("sdk") == "Pangle 穿山甲"
    assert any(880 <= c.box[0] and c.box[2] <= 1040 for c in a.controls)
    plain = analyze_frame(frame, density=DENSITY, reader=None)  # no tree: a flat grey screen has no window
    assert plain.window is None


def test_ad_sdk_data_has_a_source_for_every_entry_and_the_issue_vocabulary():
    d = load_ad_sdk()
    for e in (*d.activities, *d.skip_ids.values(), *d.close_ids.values(), *d.descs):
        assert e["source"].strip()
    for sid in ("tt_splash_skip_btn", "ksad_splash_circle_skip_view", "hiad_skip_text", "ms_skipView"):
        assert sid in d.skip_ids
    for cid in ("iv_close", "close_btn", "ad_close", "btn_close"):
        assert cid in d.close_ids
    assert any(e["desc"] == "GdtCountDownView" for e in d.descs)
    for act, sdk in [("com.qq.e.ads.ADActivity", "Tencent"), ("com.kwad.sdk.api.proxy.app.KsRewardVideoActivity", "Kuaishou"),
                     ("com.baidu.mobads.sdk.api.MobRewardVideoActivity", "Baidu"),
                     ("com.sigmob.sdk.base.common.TransparentAdActivity", "Sigmob"),
                     ("com.beizi.ad.v2.activity.BeiZiNewInterstitialActivity", "Beizi"),
                     ("com.google.android.gms.ads.AdActivity", "AdMob"),
                     ("com.example/.SplashActivity", None)]:
        e = ad_activity(act)
        assert (e["sdk"] if e else None) is None if sdk is None else sdk in e["sdk"]


def test_ad_sdk_data_is_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("activities:\n  - {prefix: com.x., sdk: X, role: splash}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source"):
        load_ad_sdk(bad)


def test_a_named_close_just_below_a_card_belongs_to_it():
    from detectors.model import UiNode
    card = Window(box=(150, 700, 930, 1530), kind="card", confidence=0.9, scrim=True)
    below = UiNode(box=(480, 1575, 600, 1695), desc="关闭", resource_id="popup-close", cls="button")
    far = UiNode(box=(480, 2100, 600, 2220), desc="关闭", resource_id="other-close", cls="button")
    found = controls_from_ui_tree(_frame(below.box, far.box), [below, far], window=card, density=DENSITY)
    assert [t for _, t in found] == [below.box]
    # a full-screen window has no outside
    assert controls_from_ui_tree(_frame(below.box), [below], window=Window((0, 0, W, 1500), "fullscreen", 0.9),
                                 density=DENSITY) == []
