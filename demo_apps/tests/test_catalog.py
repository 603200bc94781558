"""Static self-tests of the demo gallery: every demo is complete, valid and self-contained."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from detectors.model import Outcome
from detectors.registry import RULES

GALLERY = Path(__file__).resolve().parents[1]


def _load_catalog():
    # demo_apps is not an installed package: load the module by path so the test runs from any cwd.
    spec = importlib.util.spec_from_file_location("demo_apps_catalog", GALLERY / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalog = _load_catalog()
DEMOS = catalog.load_gallery(GALLERY)
IDS = [d["id"] for d in DEMOS]

# Any reference that would leave the machine: absolute URLs, protocol-relative URLs, CSS imports.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


def test_gallery_has_the_agreed_demos():
    assert len(DEMOS) >= 15
    for needed in ("compliant-splash", "tiny-close", "faint-close", "statusbar-close", "delayed-close",
                   "countdown-only", "fake-skip", "fullscreen-jump", "shake-sensitive", "shake-compliant",
                   "long-splash", "coupon-popup", "popup-no-close", "popup-reappears", "two-tap-close"):
        assert needed in IDS


def test_ids_unique_and_kebab_case():
    assert len(IDS) == len(set(IDS))
    assert all(catalog.ID_PATTERN.match(i) for i in IDS)


@pytest.mark.parametrize("demo", DEMOS, ids=IDS)
def test_expected_uses_known_rules_and_outcomes(demo):
    outcomes = {o.value for o in Outcome}
    assert demo["expected"], "a demo must state at least one expected outcome"
    for rule_id, outcome in demo["expected"].items():
        assert rule_id in RULES
        assert outcome in outcomes
    assert demo["window"] in catalog.WINDOW_KINDS
    assert Path(demo["path"]).name == "index.html" and Path(demo["path"]).is_file()
    assert demo["url_path"] == f"/{demo['id']}/"


@pytest.mark.parametrize("demo", DEMOS, ids=IDS)
def test_page_is_mobile_offline_and_cjk(demo):
    html = Path(demo["path"]).read_text(encoding="utf-8")
    assert 'name="viewport"' in html and "width=device-width" in html
    assert not EXTERNAL.search(html), "demo pages must not load anything from the network"
    assert "../common/app.css" in html and "../common/demo.js" in html
    assert f"Demo.init('{demo['id']}'" in html, "Demo.init must carry the folder name as id"


@pytest.mark.parametrize("demo", DEMOS, ids=IDS)
def test_facts_agree_with_expected(demo):
    """The ground-truth facts and the expected outcomes tell the same story."""
    facts, exp = demo["facts"], demo["expected"]
    html = Path(demo["path"]).read_text(encoding="utf-8")
    if facts.get("close"):
        assert f'id="{facts["close"].lstrip("#")}"' in html
    for sel in facts.get("jump_controls", []):
        assert f'id="{sel.lstrip("#")}"' in html
    if exp.get("close-button-present") == "violation":
        assert facts["close"] is None
    if exp.get("close-button-works") == "pass":
        assert facts["taps_to_close"] == 1 and not facts["close_jumps"]
    if exp.get("close-button-works") == "violation":
        assert facts["close_jumps"] or facts["taps_to_close"] != 1
    if exp.get("close-button-delay") == "pass":
        assert facts["close_visible_from_s"] == 0
    if exp.get("close-button-delay") == "violation":  # late, or never there while the window was up
        assert facts["close_visible_from_s"] is None or facts["close_visible_from_s"] > 3
    if demo["window"] == "none":
        # no window: every listed rule is not_applicable and the coverage says why
        assert set(exp.values()) == {"not_applicable"} and demo["coverage"] and facts.get("close") is None
        return
    if "fullscreen-jump-link" in exp:
        assert (exp["fullscreen-jump-link"] == "violation") == (facts["hot_zone_fraction"] > 0.5)
        assert (exp["fullscreen-jump-link"] == "violation") == facts["picture_jumps"]
    if "splash-duration" in exp:
        assert (exp["splash-duration"] == "pass") == (facts["duration_s"] <= 5)
    if "popup-reappears" in exp:
        assert (exp["popup-reappears"] == "violation") == (facts["reappears_after_s"] is not None)
    if "shake-sensitivity" in exp:
        assert (exp["shake-sensitivity"] == "violation") == (facts["shake"] == "sensitive")


def test_gallery_index_links_every_demo():
    index = (GALLERY / "index.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'href="([a-z0-9-]+)/"', index))
    assert linked == set(IDS)


def test_landing_page_exists():
    assert (GALLERY / "landing.html").is_file()
    for demo in DEMOS:
        if demo["window"] != "none":  # an app without an ad has nothing to jump to
            assert "Demo.jump(" in Path(demo["path"]).read_text(encoding="utf-8")
    assert "../landing.html?from=" in (GALLERY / "common" / "demo.js").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the loader rejects bad data

def _write_demo(root: Path, name: str, body: str, *, index: bool = True) -> None:
    d = root / name
    d.mkdir(parents=True)
    if index:
        (d / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (d / "expected.yaml").write_text(body, encoding="utf-8")


GOOD = "title: t\ndescription: d\npattern: p\nwindow: splash\nexpected:\n  close-button-present: pass\n"


def test_loader_accepts_a_minimal_demo(tmp_path):
    _write_demo(tmp_path, "ok-demo", GOOD)
    (tmp_path / "common").mkdir()  # shared assets are not demos
    demos = catalog.load_gallery(tmp_path)
    assert [d["id"] for d in demos] == ["ok-demo"]
    assert demos[0]["expected"] == {"close-button-present": "pass"}
    assert demos[0]["facts"] == {}
    assert catalog.demo_url("http://127.0.0.1:9/", demos[0]) == "http://127.0.0.1:9/ok-demo/"


@pytest.mark.parametrize("body, message", [
    (GOOD.replace("close-button-present", "close-button-exists"), "unknown rule id 'close-button-exists'"),
    (GOOD.replace(": pass", ": fail"), "unknown outcome 'fail'"),
    (GOOD.replace("title: t\n", ""), "'title'"),
    (GOOD.replace("window: splash", "window: banner"), "'window'"),
    (GOOD.replace("expected:\n  close-button-present: pass\n", "expected: {}\n"), "'expected'"),
    (GOOD + "facts:\n  colour: red\n", "unknown keys ['colour']"),
    ("- a list\n", "mapping"),
])
def test_loader_rejects_bad_expected_yaml(tmp_path, body, message):
    _write_demo(tmp_path, "bad-demo", body)
    with pytest.raises(catalog.GalleryError, match=re.escape(message)):
        catalog.load_gallery(tmp_path)


def test_loader_rejects_missing_index_and_bad_id(tmp_path):
    _write_demo(tmp_path, "no-index", GOOD, index=False)
    with pytest.raises(catalog.GalleryError, match="index.html is missing"):
        catalog.load_gallery(tmp_path)
    other = tmp_path / "other"
    _write_demo(other, "Bad_Id", GOOD)
    with pytest.raises(catalog.GalleryError, match="not kebab-case"):
        catalog.load_gallery(other)


def test_loader_rejects_an_empty_root(tmp_path):
    with pytest.raises(catalog.GalleryError, match="no demo folders"):
        catalog.load_gallery(tmp_path)
