"""The whole stack on phone screens rendered in headless Chromium (detectors/tests/synthetic_screens.py).

Ordinary screens (a launcher, a game lobby, a feed and a recordings list with banner ads, a paint
canvas, a licence page, settings, a search page with 取消) must not be pop-ups; alert dialogs with
取消 / 以后再说 / 暂不更新 / Don't Show, sheets with Cancel, 开屏 splashes with 跳过 countdowns must be,
with their dismiss control found — also in a crop of just the dialog.
"""

from __future__ import annotations

import pytest

from detectors.tests.synthetic_screens import NORMALS, POPUPS, chromium_available, render_set

# the first set; the harder pages (HARD_POPUPS / HARD_NORMALS) are test_text_cascade.py's
PAGES = POPUPS + NORMALS

pytestmark = pytest.mark.skipif(not chromium_available(), reason="chromium / chromedriver not installed "
                                                                  "(scripts/setup.sh installs them)")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pytest.importorskip("rapidocr")
    from detectors.ocr import TextReader
    from splashcheck.evaluate import run_corpus

    root = render_set(tmp_path_factory.mktemp("synthetic"), PAGES)
    return run_corpus(root, reader=TextReader())


def test_every_page_was_rendered_and_labelled(report):
    n_crops = sum(1 for p in PAGES if p.has_popup and p.crop)
    assert report["overall"]["images"] == len(PAGES) + n_crops and report["overall"]["errors"] == 0


def test_ordinary_screens_are_not_popups(report):
    wrong = [r["image"] for r in report["per_image"] if not r["has_popup"] and r["predicted_popup"]]
    assert wrong == []


def test_dialogs_sheets_and_splashes_are_popups_with_their_dismiss_control(report):
    missed_popup = [r["image"] for r in report["per_image"] if r["has_popup"] and not r["predicted_popup"]]
    missed_control = [(r["image"], r["missed"]) for r in report["per_image"] if r["has_popup"] and r["missed"]]
    assert missed_popup == [] and missed_control == []
    assert report["overall"]["close"]["precision"] == 1.0
