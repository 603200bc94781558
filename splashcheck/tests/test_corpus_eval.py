"""The detectors against the labelled real screenshots in ../shared/corpus (never copied into the repo).

Floors come from the project's issue: close-control recall and precision ≥ 0.90, pop-up
presence F1 ≥ 0.90, false pop-ups ≤ 5 % of normal screens, median size error ≤ 2 dp.
Set SPLASHCHECK_CORPUS to evaluate another corpus folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from splashcheck.evaluate import run_corpus

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("SPLASHCHECK_CORPUS", REPO.parent / "shared" / "corpus"))

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (CORPUS / "labels.jsonl").is_file(),
                       reason=f"labelled corpus not found at {CORPUS} (set SPLASHCHECK_CORPUS)"),
]

MIN_CLOSE_RECALL = 0.90
MIN_CLOSE_PRECISION = 0.90
MIN_POPUP_F1 = 0.90
MAX_FALSE_POPUP_RATE = 0.05
MAX_MEDIAN_SIZE_ERROR_DP = 2.0


@pytest.fixture(scope="module")
def report():
    from detectors.ocr import TextReader

    return run_corpus(CORPUS, reader=TextReader())


def _misses(report) -> str:
    rows = [f"{r['image']}: missed {r['missed']} false {r['false_controls']}"
            for r in report["per_image"] if r["missed"] or r["false_controls"]]
    return "\n".join(rows[:15])


def test_every_image_was_read(report):
    bad = [(r["image"], r["error"]) for r in report["per_image"] if r["error"]]
    assert not bad


@pytest.mark.xfail(strict=True, reason=(
    "not reached yet: recall 0.83 (38/46) when the test was written; 6 of the 8 misses are pop-ups the "
    "window detector does not find (full-screen onboarding pages with an X, interstitials without a scrim, "
    "the Weibo bottom sheet), 2 are a faint 36 px X and a text control inside a found window. "
    "strict: remove this marker once the floor is met"))
def test_close_control_recall(report):
    c = report["overall"]["close"]
    assert c["recall"] >= MIN_CLOSE_RECALL, f"{c['matched']}/{c['labelled']} matched\n{_misses(report)}"


def test_close_control_precision(report):
    c = report["overall"]["close"]
    assert c["precision"] >= MIN_CLOSE_PRECISION, f"{c['matched']}/{c['predicted']} correct\n{_misses(report)}"


def test_popup_presence_f1(report):
    p = report["overall"]["popup"]
    assert p["f1"] >= MIN_POPUP_F1, p


def test_false_popup_rate(report):
    assert report["overall"]["false_popup_rate"] <= MAX_FALSE_POPUP_RATE, report["overall"]["popup"]


def test_median_size_error(report):
    s = report["overall"]["size_error_dp"]
    assert s["median"] is not None and s["median"] <= MAX_MEDIAN_SIZE_ERROR_DP, s
