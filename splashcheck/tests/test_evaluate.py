"""splashcheck.evaluate: matching and metrics on hand-made labels."""

from __future__ import annotations

import json

import pytest

from splashcheck.evaluate import (Label, LabelControl, LabelError, PredControl, Prediction, compute_metrics,
                                  evaluate, load_labels, match_controls, match_region, parse_label)


def L(box, touch=None, kind="x_icon", vis="clear"):
    return LabelControl(box=box, touch_box=touch, kind=kind, visibility=vis)


def P(box, conf=0.9, w=None, h=None):
    return PredControl(box=box, confidence=conf, width_dp=w, height_dp=h)


# ----------------------------------------------------------------------------- matching


def test_growth_is_at_least_8_px():
    assert match_region(L((100, 100, 110, 120))) == (92, 92, 118, 128)


def test_growth_is_25_percent_of_the_shorter_side():
    assert match_region(L((100, 100, 200, 140))) == (90, 90, 210, 150)


def test_centre_inside_grown_box_matches():
    label = L((100, 100, 140, 140))  # grown by 10 → [90, 150)
    assert match_controls([P((130, 130, 160, 160))], [label]) == [(0, 0)]  # centre 145


def test_centre_on_the_far_edge_does_not_match():
    label = L((100, 100, 140, 140))  # grown region [90, 150) (half-open)
    assert match_controls([P((140, 140, 160, 160))], [label]) == []  # centre exactly 150
    assert match_controls([P((139, 139, 160, 160))], [label]) == [(0, 0)]  # centre 149.5


def test_centre_inside_touch_box_matches_even_far_from_tight_box():
    label = L((100, 100, 120, 120), touch=(60, 60, 300, 300))
    assert match_controls([P((250, 250, 270, 270))], [label]) == [(0, 0)]
    assert match_controls([P((310, 310, 330, 330))], [label]) == []


def test_one_to_one_greedy_by_confidence():
    label = L((100, 100, 140, 140))
    preds = [P((100, 100, 140, 140), conf=0.3), P((105, 105, 135, 135), conf=0.8)]
    assert match_controls(preds, [label]) == [(1, 0)]


def test_prediction_takes_nearest_of_two_labels():
    labels = [L((100, 100, 140, 140)), L((130, 100, 170, 140))]  # overlapping grown regions
    preds = [P((140, 105, 160, 135), conf=0.9), P((100, 100, 140, 140), conf=0.5)]
    assert sorted(match_controls(preds, labels)) == [(0, 1), (1, 0)]


# ----------------------------------------------------------------------------- metrics


def _popup(image, controls, source="A", density=2.0):
    return Label(image=image, source=source, width=1000, height=2000, has_popup=True, density=density,
                 screen="ad_interstitial", close=tuple(controls))


def _normal(image, source="A", controls=()):
    return Label(image=image, source=source, width=1000, height=2000, has_popup=False, density=2.0,
                 screen="normal", close=tuple(controls))


def _pairs():
    x = L((900, 100, 950, 150))
    t = L((100, 1700, 300, 1760), kind="text", vis="faint")
    return [
        # pop-up, both controls labelled; one found (sizes 26×24 dp vs 25×25 dp), plus one false control
        (_popup("a", [x, t]), Prediction(popup=True, controls=(P((902, 100, 954, 148), 0.9, w=26.0, h=24.0),
                                                                P((500, 500, 540, 540), 0.4)), ms=100.0)),
        # pop-up missed entirely
        (_popup("b", [L((10, 10, 60, 60))]), Prediction(popup=False, ms=300.0)),
        # normal screen called a pop-up (its controls do not count)
        (_normal("c"), Prediction(popup=True, controls=(P((1, 1, 9, 9)),), ms=200.0)),
        # normal screen with an in-page banner × (ignored), correctly not a pop-up
        (_normal("d", controls=[L((5, 5, 20, 20))]), Prediction(popup=False, ms=400.0)),
    ]


def test_metrics_on_hand_made_labels():
    m = compute_metrics(_pairs())
    assert m["images"] == 4 and m["errors"] == 0
    assert m["popup"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert m["false_popup_rate"] == 0.5 and m["normal_screens"] == 2
    c = m["close"]
    assert (c["labelled"], c["predicted"], c["matched"]) == (3, 2, 1)
    assert c["recall"] == pytest.approx(1 / 3, abs=1e-4) and c["precision"] == 0.5
    assert c["recall_by_kind"]["x_icon"] == {"labelled": 2, "matched": 1, "recall": 0.5}
    assert c["recall_by_kind"]["text"]["recall"] == 0.0
    assert c["recall_by_visibility"]["faint"]["labelled"] == 1
    assert c["recall_by_kind_visibility"] == {
        "text/faint": {"labelled": 1, "matched": 0, "recall": 0.0},
        "x_icon/clear": {"labelled": 2, "matched": 1, "recall": 0.5}}
    # |26 − 25| = 1 dp, |24 − 25| = 1 dp
    assert m["size_error_dp"]["median"] == 1.0 and m["size_error_dp"]["controls"] == 1
    assert m["ms_per_frame"]["median"] == 250.0
    assert m["ms_per_frame"]["p95"] == pytest.approx(385.0)


def test_size_error_falls_back_to_box_and_prediction_density():
    lab = Label(image="x", source="A", width=100, height=100, has_popup=True, density=None,
                close=(L((0, 0, 30, 30)),))  # 30 px / 3.0 = 10 dp
    pred = Prediction(popup=True, controls=(P((0, 0, 36, 24)),), density=3.0)  # 12 × 8 dp
    m = compute_metrics([(lab, pred)])
    assert m["size_error_dp"]["median_w"] == 2.0 and m["size_error_dp"]["median_h"] == 2.0


def test_per_source_and_overall():
    pairs = _pairs() + [(_popup("e", [L((0, 0, 40, 40))], source="B"),
                         Prediction(popup=True, controls=(P((0, 0, 40, 40)),), ms=50.0))]
    rep = evaluate(pairs)
    assert set(rep["sources"]) == {"A", "B"}
    assert rep["sources"]["B"]["close"]["recall"] == 1.0
    assert rep["sources"]["B"]["false_popup_rate"] is None  # no normal screens in B
    assert rep["overall"]["close"]["matched"] == 2
    assert rep["sources"]["B"]["close"]["recall_by_kind_visibility"] == {
        "x_icon/clear": {"labelled": 1, "matched": 1, "recall": 1.0}}
    assert rep["sources"]["A"]["false_popup_rate"] == 0.5
    assert len(rep["per_image"]) == 5
    row = rep["per_image"][0]
    assert row["missed"] == [[100, 1700, 300, 1760]] and row["false_controls"] == [[500, 500, 540, 540]]


def test_errors_count_as_no_popup():
    lab = _popup("a", [L((0, 0, 40, 40))])
    m = compute_metrics([(lab, Prediction(popup=False, error="truncated"))])
    assert m["errors"] == 1 and m["popup"]["fn"] == 1 and m["close"]["recall"] == 0.0
    assert m["ms_per_frame"]["median"] is None


def test_empty_input_gives_none_not_zero_division():
    m = compute_metrics([])
    assert m["popup"]["f1"] is None and m["close"]["recall"] is None and m["false_popup_rate"] is None


def test_no_predicted_popups_gives_f1_zero():
    m = compute_metrics([(_popup("a", []), Prediction(popup=False))])
    assert m["popup"]["f1"] == 0.0 and m["close"]["recall"] is None  # no labelled controls


# ----------------------------------------------------------------------------- labels


LINE = {"image": "images/A/1.jpg", "source": "A", "width": 1080, "height": 1920, "density": 2.625,
        "screen": "popup_dialog", "has_popup": True,
        "close": [{"box": [982, 84, 1059, 162], "touch_box": None, "kind": "x_icon", "text": None,
                   "visibility": "clear", "label_source": "manual"}],
        "fullscreen_jump": None, "notes": "n", "origin": "o"}


def test_load_labels(tmp_path):
    (tmp_path / "labels.jsonl").write_text(json.dumps(LINE) + "\n\n" + json.dumps({**LINE, "close": []}) + "\n")
    labels = load_labels(tmp_path)
    assert len(labels) == 2
    assert labels[0].close[0].box == (982, 84, 1059, 162) and labels[0].density == 2.625
    assert labels[1].close == ()


@pytest.mark.parametrize("bad, words", [
    ("{not json", ["labels.jsonl:1", "not JSON"]),
    (json.dumps({k: v for k, v in LINE.items() if k != "has_popup"}), ["labels.jsonl:1", "has_popup"]),
    (json.dumps({**LINE, "close": [{"box": [5, 5, 5, 9]}]}), ["close[0].box", "empty box"]),
    (json.dumps({**LINE, "close": [{"box": [1, 2, 3]}]}), ["close[0].box"]),
    ("[1, 2]", ["expected a JSON object"]),
])
def test_bad_labels_name_file_and_line(tmp_path, bad, words):
    (tmp_path / "labels.jsonl").write_text(bad + "\n")
    with pytest.raises(LabelError) as ei:
        load_labels(tmp_path)
    for w in words:
        assert w in str(ei.value)


def test_missing_labels_file(tmp_path):
    with pytest.raises(LabelError, match="cannot read labels"):
        load_labels(tmp_path)


def test_parse_label_touch_box():
    lab = parse_label({**LINE, "close": [{**LINE["close"][0], "touch_box": [970, 70, 1070, 170]}]})
    assert lab.close[0].touch_box == (970, 70, 1070, 170)


def test_text_report_lists_recall_per_source_by_kind_and_visibility():
    from splashcheck.cli import render_eval_text

    pairs = _pairs() + [(_popup("e", [L((0, 0, 40, 40))], source="B"),
                         Prediction(popup=True, controls=(P((0, 0, 40, 40)),), ms=50.0))]
    text = render_eval_text(evaluate(pairs))
    assert "  A: text/faint 0.00 (0/1), x_icon/clear 0.50 (1/2)" in text
    assert "  B: x_icon/clear 1.00 (1/1)" in text
    assert "  overall: text/faint 0.00 (0/1), x_icon/clear 0.67 (2/3)" in text
