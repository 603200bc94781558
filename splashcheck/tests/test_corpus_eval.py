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

# Floors: the targets, raised to a little under what was measured with evidence fusion
# (recall 0.913 = 42/46, precision 1.00, F1 0.95, false-pop 0/73, size error 0.76 dp), so a
# regression of one or two controls / screens shows.
# F1 floor 0.93 -> 0.92 (issue 6, deliberate): an immersive screen with no corner control,
# logo band, close control or ad cue is no longer called a pop-up (games, players and
# launchers look the same; it gets needs_review instead of a close-button-present
# violation). Two labelled immersive pop-ups on which no close control was found before
# either are now such needs-review frames: F1 0.95 -> 0.928, recall and false pop-ups unchanged.
MIN_CLOSE_RECALL = 0.90
MIN_CLOSE_PRECISION = 0.95
MIN_POPUP_F1 = 0.92
MAX_FALSE_POPUP_RATE = 0.05
MAX_MEDIAN_SIZE_ERROR_DP = 1.5


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
