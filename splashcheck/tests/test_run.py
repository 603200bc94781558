"""``splashcheck run`` and the verdict it writes: JSON shape, exit codes, summary, Allure HTML,
and (marked e2e) a real run on the local Appium + Chromium stack."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from detectors.model import Finding, Impact, Outcome, Threshold
from harness.device import AppResult
from splashcheck import report, run

ROOT = Path(__file__).resolve().parents[2]


def _finding(rule: str, outcome: str, **kw) -> Finding:
    return Finding(rule, Outcome(outcome), kw.pop("impact", Impact.SERIOUS), **kw)


def _result(tmp_path: Path, device: str = "phone", app: str = "promo", error: str | None = None,
            outcomes: dict[str, str] | None = None) -> AppResult:
    key = tmp_path / "evidence" / device / app / "key_frame.png"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(b"png")
    t = Threshold(24.0, "dp", "WCAG 2.2 SC 2.5.8", "cn-2023")
    findings = {rule: _finding(rule, o, measured={"visible_min_dp": 18.25}, thresholds={"min_visible": t},
                               evidence=(str(key),), reason="why" if o == "not_run" else None)
                for rule, o in (outcomes or {}).items()}
    return AppResult(device=device, app=app, error=error, findings=findings,
                     artifacts={"key_frame": str(key), "timeline_fps": "5.0", "hot_zone": '{"fraction": 0.5}'},
                     timings_s={"total": 12.5})


# ------------------------------------------------------------------------------ verdict JSON

def test_run_record_has_the_documented_shape(tmp_path):
    res = _result(tmp_path, outcomes={"close-button-size": "violation", "shake-sensitivity": "not_run"})
    rec = report.run_record(res, app_given="https://promo.example/", out_dir=tmp_path)
    assert rec["device"] == "phone" and rec["app"] == "https://promo.example/" and rec["app_id"] == "promo"
    assert rec["error"] is None
    size = rec["rules"]["close-button-size"]
    assert size["outcome"] == "violation" and size["impact"] == "serious"
    assert size["measured"] == {"visible_min_dp": 18.25}
    assert size["threshold"] == {"min_visible": {"value": 24.0, "unit": "dp", "source": "WCAG 2.2 SC 2.5.8",
                                                 "profile": "cn-2023"}}
    assert size["evidence"] == ["evidence/phone/promo/key_frame.png"]
    assert rec["rules"]["shake-sensitivity"]["reason"] == "why"
    assert rec["artifacts"] == {"key_frame": "evidence/phone/promo/key_frame.png", "timeline_fps": "5.0",
                                "hot_zone": {"fraction": 0.5}}
    json.dumps(rec)  # plain JSON all the way down


def test_merge_keeps_planned_order_and_is_rewritten_per_app(tmp_path):
    order = [("phone", "b"), ("phone", "a")]
    report.write_run_record(report.run_record(_result(tmp_path, app="a", outcomes={"splash-duration": "pass"}),
                                              app_given="a", out_dir=tmp_path), tmp_path)
    v1 = report.merge_verdict(tmp_path, profile="cn-2023", order=order)
    assert [r["app"] for r in v1["runs"]] == ["a"]
    report.write_run_record(report.run_record(_result(tmp_path, app="b", error="crashed"),
                                              app_given="b", out_dir=tmp_path), tmp_path)
    report.merge_verdict(tmp_path, profile="cn-2023", order=order)
    on_disk = json.loads((tmp_path / "verdict.json").read_text())
    assert on_disk["schema"] == 1 and on_disk["profile"] == "cn-2023"
    assert [r["app"] for r in on_disk["runs"]] == ["b", "a"]
    assert not list(tmp_path.glob("runs/.*.tmp")) and not list(tmp_path.glob(".verdict.json.*"))
    report.reset_results(tmp_path)
    assert not (tmp_path / "verdict.json").exists() and not list((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("outcomes, error, worst", [
    ({"a": "pass", "b": "not_applicable"}, None, "pass"),
    ({"a": "pass", "b": "needs_review"}, None, "needs_review"),
    ({"a": "violation", "b": "needs_review"}, None, "violation"),
    ({"a": "not_applicable"}, None, "not_applicable"),
    ({}, "crashed", "error"),
    ({"a": "violation"}, "crashed later", "violation"),
])
def test_worst_outcome(outcomes, error, worst):
    rec = {"error": error, "rules": {k: {"outcome": v} for k, v in outcomes.items()}}
    assert report.worst_outcome(rec) == worst


@pytest.mark.parametrize("worsts, code", [
    (["pass", "needs_review", "not_applicable"], 0),
    (["pass", "violation"], 1),
    (["error", "violation"], 1),  # a violation is definite even when another app failed
    (["pass", "error"], 3),
    ([], 3),  # nothing finished: never a pass
])
def test_exit_code(worsts, code):
    runs = [{"error": "x" if w == "error" else None,
             "rules": {} if w == "error" else {"r": {"outcome": w}}} for w in worsts]
    assert report.exit_code({"runs": runs}) == code
    assert report.exit_code(None) == 3


def test_summary_table_names_violated_rules_and_errors():
    verdict = {"runs": [
        {"device": "phone", "app": "tiny-close", "error": None,
         "rules": {"close-button-size": {"outcome": "violation"}, "splash-duration": {"outcome": "needs_review"},
                   "popup-reappears": {"outcome": "pass"}}},
        {"device": "phone", "app": "https://x.example/", "error": "page did not load\nnet::ERR", "rules": {}},
    ]}
    lines = report.summary_table(verdict).splitlines()
    assert lines[0].split() == ["device", "app", "verdict", "violated", "needs", "review", "pass", "n/a",
                                "not", "run"]
    assert lines[2].split()[:4] == ["phone", "tiny-close", "VIOLATION", "close-button-size"]
    assert "splash-duration" in lines[2]
    assert lines[3].split()[:3] == ["phone", "https://x.example/", "ERROR"]
    assert "error: page did not load net::ERR" in lines[4]


def test_environment_properties_escape_keys_and_values(tmp_path):
    path = report.write_environment(tmp_path, {"devices file": "C:\\farm.yaml", "apps": "a=b, https://x"})
    assert path.read_text() == "devices\\ file=C\\:\\\\farm.yaml\napps=a\\=b, https\\://x\n"


# ------------------------------------------------------------------------------ the command

def _args(**kw) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run.add_arguments(parser)
    argv = []
    for k, v in kw.items():
        for item in v if isinstance(v, list) else [v]:
            argv += [f"--{k.replace('_', '-')}", str(item)]
    return parser.parse_args(argv)


def test_pytest_command_passes_options_through(tmp_path):
    args = _args(device=["chromium-phone", "chromium-small"], app=["compliant-splash", "https://m.example/"],
                 profile="strict", workers=2)
    cmd = run.pytest_command(args, tmp_path)
    # The packaged suite (splashcheck/bundled/tests) is the project's tests/ (a symlink in a checkout).
    assert cmd[:4] == [sys.executable, "-m", "pytest", str(ROOT / "tests")]
    joined = " ".join(cmd)
    assert "-p splashcheck.plugin" in joined and "--keep-frames" not in joined
    assert "--device chromium-phone --device chromium-small" in joined
    assert "--app compliant-splash --app https://m.example/" in joined
    assert "--profile strict" in joined and "-n 2 --dist loadgroup" in joined
    assert f"--alluredir {tmp_path / 'allure-results'}" in joined
    assert f"--junitxml {tmp_path / 'junit.xml'}" in joined and f"--sc-out {tmp_path}" in joined


def test_options_are_validated_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        _args(profile="no-such-profile")
    assert "neither a built-in profile" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _args(workers="many")


def test_help_documents_exit_codes():
    from splashcheck import cli

    parser = cli.build_parser(run)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["run"]
    text = sub.format_help()
    assert "exit codes:" in text and "3    no violation, but the verdict is incomplete" in text


def test_bad_devices_file_is_exit_code_2_with_file_and_line(tmp_path, capfd):
    bad = tmp_path / "devices.yaml"
    bad.write_text("devices:\n  phone:\n    platform: andriod\n    screen: {density: 2}\n")
    code = run.main(_args(devices=bad, out=tmp_path / "out"))
    assert code == 2
    err = capfd.readouterr().err
    assert "devices.yaml:3:" in err and "andriod" in err


def test_allure_html_reports_from_results(tmp_path):
    if run.find_allure() is None:
        pytest.skip("Allure 3 is not installed (scripts/setup.sh)")
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "1-result.json").write_text(json.dumps({
        "uuid": "1", "historyId": "h1", "name": "Close button size · tiny-close on phone", "status": "failed",
        "statusDetails": {"message": "tiny-close on phone: close-button-size: violation"},
        "labels": [{"name": "parentSuite", "value": "tiny-close"}, {"name": "outcome", "value": "violation"}],
        "start": 1, "stop": 2}))
    made = run.build_html_reports(tmp_path, title="splashcheck self-test")
    assert set(made) == {"report", "one file"}
    single = made["one file"].read_text(encoding="utf-8")
    assert made["one file"].parent.name == "allure-report-single"
    assert "<script" in single and len(list(made["one file"].parent.glob("*.js"))) == 0  # inlined
    assert (made["report"].parent / "data").is_dir()


def test_allure_history_accumulates_one_point_per_run(tmp_path):
    """Two nightly runs with one history file: the file gets one line per run (not per report),
    and the second report carries the first run in each test's history (the trend)."""
    if run.find_allure() is None:
        pytest.skip("Allure 3 is not installed (scripts/setup.sh)")
    history = tmp_path / "nightly" / "history.jsonl"
    history.parent.mkdir()
    for night, status in enumerate(("passed", "failed")):
        out = tmp_path / f"night{night}"
        (out / "allure-results").mkdir(parents=True)
        (out / "allure-results" / "1-result.json").write_text(json.dumps({
            "uuid": f"u{night}", "historyId": "h1", "testCaseId": "t1", "fullName": "tests.test_close_button#size",
            "name": "Close button size · tiny-close on phone", "status": status,
            "start": 1000 * (night + 1), "stop": 1000 * (night + 1) + 5}))
        made = run.build_html_reports(out, title="nightly", history=history)
        assert set(made) == {"report", "one file"}
        cfg = json.loads((out / ".allurerc-allure-report-single.json").read_text())
        assert cfg["historyPath"] == str(history) and cfg["appendHistory"] is False
    points = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    assert len(points) == 2
    assert [next(iter(p["testResults"].values()))["status"] for p in points] == ["passed", "failed"]
    # The second night's report embeds the first night as its history (what the trend widgets read).
    shown = [json.loads(f.read_text()) for f in (tmp_path / "night1" / "allure-report" / "data" / "history").glob("*.json")]
    assert [next(iter(h["testResults"].values()))["status"] for h in shown] == ["passed"]


# ------------------------------------------------------------------------------ end to end

def _stack_missing() -> str | None:
    if not (ROOT / "node_modules" / ".bin" / "appium").exists():
        return "Appium not installed (scripts/setup.sh)"
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        return "chromium / chromedriver not installed"
    return None


@pytest.mark.e2e
def test_splashcheck_run_on_the_local_stack(tmp_path):
    missing = _stack_missing()
    if missing:
        pytest.skip(missing)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "splashcheck", "run", "--device", "chromium-phone",
                           "--app", "compliant-splash", "--app", "tiny-close", "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)
    log = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode in (0, 1), log
    verdict = json.loads((out / "verdict.json").read_text())
    runs = {r["app"]: r for r in verdict["runs"]}
    assert set(runs) == {"compliant-splash", "tiny-close"}
    for r in runs.values():
        assert r["device"] == "chromium-phone" and r["error"] is None
        assert len(r["rules"]) == 10
        for rule in r["rules"].values():
            assert rule["outcome"] in ("violation", "needs_review", "pass", "not_applicable", "not_run")
            for path in rule["evidence"]:
                assert (out / path).is_file(), path
    # the exit code agrees with the verdict (which rules tiny-close trips is the detectors' business)
    violated = any(report.worst_outcome(r) == "violation" for r in runs.values())
    assert proc.returncode == (1 if violated else 0), log
    assert report.worst_outcome(runs["compliant-splash"]) in ("pass", "needs_review"), runs["compliant-splash"]
    assert (out / "junit.xml").is_file()
    assert (out / "allure-report" / "index.html").is_file()
    assert (out / "allure-report-single" / "index.html").is_file()
    env = (out / "allure-results" / "environment.properties").read_text()
    assert "profile=cn-2023" in env and "apps=compliant-splash, tiny-close" in env
    results = [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]
    assert len(results) == 20 and all(any(a["type"] == "text/html" for a in r["attachments"]) for r in results
                                      if r["status"] != "skipped")
    assert "[2/2] tiny-close on chromium-phone:" in proc.stdout  # per-app progress
    assert re.search(r"^chromium-phone +tiny-close +\S", proc.stdout, re.M)  # the summary table
    assert f"verdict:   {out / 'verdict.json'}" in proc.stdout
    # Bounded evidence: no full-resolution PNG by default, each run within its budget.
    from splashcheck import sizes

    assert not list((out / "evidence").rglob("*.png"))
    assert 0 < sizes.measure(out)["evidence_max_b"] <= sizes.EVIDENCE_BUDGET_B
    for r in runs.values():
        assert (out / r["artifacts"]["animation"]).is_file() and r["artifacts"]["animation"].endswith(".webp")


@pytest.mark.parametrize("rc, runs, code", [
    (1, [], 3),                                                         # a fixture failed, nothing recorded
    (1, [{"device": "p", "app": "a", "error": None,
          "rules": {"close-button-size": {"outcome": "pass"}}}], 3),    # a failure that is no rule violation
    (1, [{"device": "p", "app": "a", "error": None,
          "rules": {"close-button-size": {"outcome": "violation"}}}], 1),
    (0, [{"device": "p", "app": "a", "error": None,
          "rules": {"close-button-size": {"outcome": "pass"}}}], 0),
])
def test_pytest_failures_that_are_not_violations_never_exit_0(tmp_path, monkeypatch, rc, runs, code):
    out = tmp_path / "out"

    class FakeProc:
        def __init__(self, *a, **kw):
            out.mkdir(parents=True, exist_ok=True)
            (out / "verdict.json").write_text(json.dumps({"runs": runs}), encoding="utf-8")

        def wait(self, timeout=None):
            return rc

    monkeypatch.setattr(run.subprocess, "Popen", FakeProc)
    args = _args(out=out)
    args.no_html = True
    assert run.main(args) == code
