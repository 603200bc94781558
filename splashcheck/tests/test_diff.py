"""``splashcheck diff``: new, fixed, unchanged and unjudged violations between two verdicts
(hand-made verdicts here; ``test_diff_e2e.py`` diffs two real runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from splashcheck import cli
from splashcheck.diff import Change, VerdictError, diff_verdicts, load_verdict


def _run(app: str, device: str = "phone", error: str | None = None, **outcomes: str) -> dict:
    return {"device": device, "app": app, "app_id": app, "error": error,
            "rules": {rule.replace("_", "-"): {"outcome": o, "reason": f"{rule} {o}"} for rule, o in outcomes.items()}}


def _verdict(*runs: dict) -> dict:
    return {"schema": 1, "profile": "cn-2023", "updated": "2026-12-07T00:00:00+00:00", "runs": list(runs)}


def _write(folder: Path, verdict: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "verdict.json").write_text(json.dumps(verdict), encoding="utf-8")
    return folder


PREV = _verdict(
    _run("tiny", close_button_size="violation", close_button_present="pass"),
    _run("tiny", device="small", close_button_size="violation"),
    _run("fake", close_button_works="violation", splash_duration="needs_review"),
    _run("gone", close_button_present="violation"),
    _run("flaky", shake_sensitivity="violation"),
)
NEW = _verdict(
    _run("tiny", close_button_size="violation", close_button_present="violation"),  # present: new
    _run("tiny", device="small", close_button_size="pass"),                        # fixed
    _run("fake", close_button_works="violation", splash_duration="violation"),      # unchanged + new
    _run("flaky", shake_sensitivity="not_run"),                                     # not judged now
    _run("fresh", fullscreen_jump_link="violation"),                                # a new app: new
    # "gone" is missing from NEW: its violation is not judged
)


def test_every_violation_is_classified_by_app_device_rule():
    d = diff_verdicts(PREV, NEW)
    assert d["new"] == [
        Change("fake", "phone", "splash-duration", "needs_review", "violation", "splash_duration violation"),
        Change("fresh", "phone", "fullscreen-jump-link", None, "violation", "fullscreen_jump_link violation"),
        Change("tiny", "phone", "close-button-present", "pass", "violation", "close_button_present violation"),
    ]
    assert d["fixed"] == [Change("tiny", "small", "close-button-size", "violation", "pass",
                                 "close_button_size violation")]
    assert [(c.app, c.rule) for c in d["unchanged"]] == [("fake", "close-button-works"), ("tiny", "close-button-size")]
    assert [(c.app, c.rule, c.after) for c in d["unverified"]] == [("flaky", "shake-sensitivity", "not_run"),
                                                                   ("gone", "close-button-present", None)]


def test_identical_runs_have_only_unchanged_violations():
    d = diff_verdicts(PREV, PREV)
    assert d["new"] == d["fixed"] == d["unverified"] == []
    assert len(d["unchanged"]) == 5


def test_a_broken_off_run_does_not_count_as_fixed():
    prev = _verdict(_run("app", close_button_size="violation"))
    new = _verdict(_run("app", error="device error: session died"))
    d = diff_verdicts(prev, new)
    assert d["fixed"] == [] and [c.rule for c in d["unverified"]] == ["close-button-size"]


def test_apps_are_keyed_by_id_not_by_how_they_were_given():
    prev = _verdict(dict(_run("promo", close_button_size="violation"), app="/nightly/1/promo"))
    new = _verdict(dict(_run("promo", close_button_size="violation"), app="/nightly/2/promo"))
    d = diff_verdicts(prev, new)
    assert [c.app for c in d["unchanged"]] == ["promo"] and d["new"] == []


def test_cli_text_and_exit_code_one_on_a_new_violation(tmp_path, capsys):
    prev, new = _write(tmp_path / "prev", PREV), _write(tmp_path / "new", NEW)
    assert cli.main(["diff", str(prev), str(new)]) == 1
    out = capsys.readouterr().out
    assert "NEW violations: 3" in out
    assert "  tiny on phone: close-button-present (pass → violation) — close_button_present violation" in out
    assert "  fresh on phone: fullscreen-jump-link (absent → violation)" in out
    assert "summary: 3 new, 1 fixed, 2 unverified, 2 unchanged" in out


def test_cli_json_and_exit_code_zero_when_nothing_is_new(tmp_path, capsys):
    later = _verdict(*[r for r in PREV["runs"] if r["app"] != "gone"])
    later["runs"][1] = _run("tiny", device="small", close_button_size="pass")
    prev, new = _write(tmp_path / "prev", PREV), _write(tmp_path / "new", later)
    assert cli.main(["diff", str(prev), str(new / "verdict.json"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exit_code"] == 0 and doc["new"] == []
    assert doc["summary"] == {"new": 0, "fixed": 1, "unchanged": 3, "unverified": 1}
    assert doc["fixed"] == [{"app": "tiny", "device": "small", "rule": "close-button-size", "before": "violation",
                             "after": "pass", "reason": "close_button_size violation"}]
    assert doc["unverified"][0]["app"] == "gone" and doc["unverified"][0]["after"] is None
    assert doc["compared"]["prev"]["runs"] == 5 and doc["compared"]["new"]["runs"] == 4


@pytest.mark.parametrize("content, message", [
    (None, "has no verdict.json"),
    ("{not json", "not a readable verdict"),
    ('{"images": []}', "not a splashcheck verdict"),
    ('{"runs": [{"app": "x"}]}', "not a splashcheck verdict"),
])
def test_bad_input_is_a_usage_error_naming_the_file(tmp_path, capsys, content, message):
    bad = tmp_path / "bad"
    bad.mkdir()
    if content is not None:
        (bad / "verdict.json").write_text(content, encoding="utf-8")
    good = _write(tmp_path / "good", PREV)
    assert cli.main(["diff", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(bad) in err


def test_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["diff", str(tmp_path / "nope"), str(tmp_path / "nope2")]) == 2
    assert "no such run folder" in capsys.readouterr().err
    with pytest.raises(VerdictError):
        load_verdict(tmp_path / "nope")
