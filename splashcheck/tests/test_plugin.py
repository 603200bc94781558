"""The pytest plugin (``splashcheck/plugin.py``, loaded by the thin top-level ``conftest.py`` in these
projects) and the compliance suite (``tests/``), run with pytester
against a fake checker: parametrisation, outcome mapping, retry on a dead session, incremental
verdict.json, usage errors."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from detectors.registry import RULES

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[2]

DEVICES_YAML = """\
devices:
  phone:
    platform: chromium
    screen: {width: 412, height: 915, density: 2.625}
  small:
    platform: chromium
    screen: {width: 360, height: 640, density: 2.0}
  spare:
    enabled: false
    platform: chromium
    screen: {width: 360, height: 640, density: 2.0}
"""

APPS_YAML = """\
apps:
  good: {url: "https://good.example/"}
  bad: {url: "https://bad.example/"}
  review: {url: "https://review.example/"}
"""

# The fake checker: behaviour per app id. Each call is logged to calls.txt (one line per call,
# also from xdist workers) so the tests can count how often check_app ran.
FAKE_CONFTEST = '''
import json, os
from pathlib import Path

import pytest

from detectors.model import Finding, Impact, Outcome, Threshold
from detectors.registry import RULES
from harness.device import AppResult, DeviceError

BEHAVIOUR = json.loads(Path(__file__).with_name("behaviour.json").read_text())
CALLS = Path(__file__).parents[1] / "calls.txt"


class FakeDevice:
    def __init__(self, name):
        self.name = name

    def start(self):
        pass

    def stop(self):
        pass


class FakePool:
    def __init__(self):
        self.open = {}

    def get(self, name):
        return self.open.setdefault(name, FakeDevice(name))

    def discard(self, name):
        self.open.pop(name, None)

    def stop_all(self):
        self.open.clear()


@pytest.fixture(scope="session")
def device_pool():
    return FakePool()


@pytest.fixture(scope="session")
def sc_check_app():
    def check_app(device, app, *, profile, out_dir, progress=None):
        n = sum(1 for line in CALLS.read_text().splitlines() if line == f"{device.name} {app.id}") \\
            if CALLS.exists() else 0
        with CALLS.open("a") as fh:
            fh.write(f"{device.name} {app.id}\\n")
        plan = BEHAVIOUR.get(app.id, {})
        if plan.get("device_error_calls", 0) > n:
            raise DeviceError(f"{device.name}: session died (call {n + 1})")
        if plan.get("crash"):
            raise RuntimeError(plan["crash"])
        out_dir = Path(out_dir) / device.name / app.id
        out_dir.mkdir(parents=True, exist_ok=True)
        key = out_dir / "key_frame.png"
        key.write_bytes(b"\\x89PNG fake")
        findings = {}
        for rule_id, spec in RULES.items():
            outcome = Outcome(plan.get("rules", {}).get(rule_id, "pass"))
            t = Threshold(24.0, "dp", "WCAG 2.2 SC 2.5.8", profile.name)
            findings[rule_id] = Finding(rule_id, outcome, spec.impact, box_px=(1, 2, 30, 40),
                                        measured={"visible_min_dp": 12.5}, thresholds={"min_visible": t},
                                        evidence=(str(key),),
                                        reason=plan.get("reason", {}).get(rule_id))
        return AppResult(device=device.name, app=app.id, findings=findings,
                         artifacts={"key_frame": str(key)}, timings_s={"total": 0.1})
    return check_app
'''


@pytest.fixture
def suite(pytester: pytest.Pytester):
    """A copy of the plugin and the suite in a temporary project, with fake devices and apps."""
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    # Without the suite's pytest.ini: test ids keep their "tests/" prefix, the plugin comes from conftest.py.
    shutil.copytree(ROOT / "tests", pytester.path / "tests", ignore=shutil.ignore_patterns("__pycache__", "pytest.ini"))
    (pytester.path / "devices.yaml").write_text(DEVICES_YAML)
    (pytester.path / "apps.yaml").write_text(APPS_YAML)
    (pytester.path / "tests" / "conftest.py").write_text(FAKE_CONFTEST)

    def configure(behaviour: dict) -> pytest.Pytester:
        (pytester.path / "tests" / "behaviour.json").write_text(json.dumps(behaviour))
        return pytester

    return configure


def _calls(pytester: pytest.Pytester) -> list[str]:
    path = pytester.path / "calls.txt"
    return path.read_text().splitlines() if path.exists() else []


def _verdict(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "reports" / "verdict.json").read_text())


def test_parametrises_enabled_devices_times_apps_with_readable_ids(suite):
    pytester = suite({})
    result = pytester.runpytest("tests", "--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line for line in result.outlines if "::" in line]
    assert len(ids) == 2 * 3 * len(RULES)  # enabled devices (phone, small) × apps × one test per rule
    assert "tests/test_close_button.py::test_close_button_size[phone-good]" in ids
    assert "tests/test_lifecycle.py::test_popup_reappears[small-review]" in ids
    assert not any("spare" in i for i in ids)


def test_device_and_app_options_narrow_the_matrix(suite):
    pytester = suite({})
    result = pytester.runpytest("tests", "--collect-only", "-q", "--device", "spare", "--app", "bad",
                                "--app", "https://other.example/promo", "-p", "no:cacheprovider")
    ids = [line for line in result.outlines if "::" in line]
    assert len(ids) == 2 * len(RULES)
    assert "tests/test_jump_triggers.py::test_shake_sensitivity[spare-other.example-promo]" in ids


def test_every_rule_has_exactly_one_test_in_the_suite():
    text = "".join(p.read_text() for p in (ROOT / "tests").glob("test_*.py"))
    for rule_id in RULES:
        assert text.count(f'check_rule("{rule_id}")') == 1, rule_id


def test_outcomes_map_to_fail_skip_and_warning_and_check_runs_once_per_app(suite):
    pytester = suite({
        "bad": {"rules": {"close-button-size": "violation", "shake-sensitivity": "not_run"},
                "reason": {"shake-sensitivity": "platform cannot simulate motion"}},
        "review": {"rules": {"splash-duration": "needs_review", "popup-reappears": "not_applicable"},
                   "reason": {"popup-reappears": "no pop-up window"}},
    })
    # In-process run: when another self-test imported splashcheck.plugin first, pytest warns that it cannot
    # assert-rewrite it; that warning is about the test order, not about the plugin's outcome mapping.
    result = pytester.runpytest("tests", "--device", "phone", "-ra", "-p", "no:cacheprovider",
                                "-W", "ignore::pytest.PytestAssertRewriteWarning")
    n = len(RULES)
    result.assert_outcomes(passed=3 * n - 3, failed=1, skipped=2, warnings=1)
    result.stdout.fnmatch_lines([
        "*_ test_close_button_size[[]phone-bad[]] _*",
        "bad on phone: close-button-size: violation — visible 12.5 dp < 24 dp (WCAG 2.2 SC 2.5.8, profile cn-2023)",
        "*test_lifecycle.py:*: NeedsReview: review on phone: splash-duration: needs review*",
        "SKIPPED [[]1[]] tests/test_jump_triggers.py:*: not run: platform cannot simulate motion",
        "SKIPPED [[]1[]] tests/test_lifecycle.py:*: not applicable: no pop-up window",
        "FAILED tests/test_close_button.py::test_close_button_size[[]phone-bad[]]*",
    ])
    result.stdout.fnmatch_lines(["*splashcheck: 1 rule(s) not run*",
                                 "test_shake_sensitivity[[]phone-bad[]]: platform cannot simulate motion"])
    assert sorted(_calls(pytester)) == ["phone bad", "phone good", "phone review"]
    # per-app progress lines from the controlling process
    result.stdout.fnmatch_lines(["*[[]1/3[]] good on phone: pass*", "*[[]2/3[]] bad on phone: violation*"])


def test_dead_session_is_retried_once(suite):
    pytester = suite({"good": {"device_error_calls": 1}})
    result = pytester.runpytest("tests", "--device", "phone", "--app", "good", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(RULES))
    assert _calls(pytester) == ["phone good", "phone good"]
    assert _verdict(pytester)["runs"][0]["error"] is None


def test_app_that_cannot_be_checked_fails_its_own_tests_and_the_run_goes_on(suite):
    pytester = suite({"bad": {"device_error_calls": 5}, "review": {"crash": "page did not load: net::ERR_NAME"}})
    result = pytester.runpytest("tests", "--device", "phone", "-p", "no:cacheprovider")
    n = len(RULES)
    result.assert_outcomes(passed=n, failed=2 * n)
    result.stdout.fnmatch_lines([
        "*bad on phone could not be checked: device error (after one retry): phone: session died (call 2)*",
        "*review on phone could not be checked: RuntimeError: page did not load: net::ERR_NAME*",
    ])
    assert _calls(pytester).count("phone bad") == 2  # one retry, no more
    runs = {r["app"]: r for r in _verdict(pytester)["runs"]}
    assert runs["good"]["error"] is None and runs["bad"]["error"].startswith("device error")
    assert runs["bad"]["rules"] == {}


def test_verdict_json_is_written_after_each_app(suite):
    pytester = suite({"bad": {"rules": {"close-button-works": "violation"}}})
    # A test file that runs after the suite's first app and reads the verdict written so far.
    (pytester.path / "tests" / "test_zz_probe.py").write_text(textwrap.dedent('''
        import json
        from pathlib import Path

        def test_probe(app_result, app, device_name):
            verdict = json.loads((Path(__file__).parents[1] / "reports" / "verdict.json").read_text())
            done = [(r["device"], r["app"]) for r in verdict["runs"]]
            Path(__file__).parents[1].joinpath("seen.txt").open("a").write(f"{app.id}:{len(done)}\\n")
    '''))
    result = pytester.runpytest("tests", "--device", "phone", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3 * len(RULES) - 1 + 3, failed=1)
    # session-scoped parametrisation groups each app's tests; by an app's last test, every earlier
    # app is already in verdict.json
    seen = (pytester.path / "seen.txt").read_text().split()
    assert seen == ["good:1", "bad:2", "review:3"]
    verdict = _verdict(pytester)
    assert [r["app"] for r in verdict["runs"]] == ["good", "bad", "review"]
    bad = verdict["runs"][1]["rules"]["close-button-works"]
    assert bad["outcome"] == "violation" and bad["impact"] == "critical"
    assert bad["threshold"]["min_visible"] == {"value": 24.0, "unit": "dp", "source": "WCAG 2.2 SC 2.5.8",
                                               "profile": "cn-2023"}
    assert bad["evidence"] == ["evidence/phone/bad/key_frame.png"]  # relative to verdict.json


def test_runs_in_parallel_with_xdist_one_check_per_app(suite):
    pytest.importorskip("xdist")
    pytester = suite({"bad": {"rules": {"close-button-present": "violation"}}})
    result = pytester.runpytest_subprocess("tests", "-n", "2", "-p", "no:cacheprovider",
                                           "--alluredir", str(pytester.path / "allure"))
    result.assert_outcomes(passed=2 * 3 * len(RULES) - 2, failed=2)
    calls = _calls(pytester)
    assert sorted(calls) == sorted(f"{d} {a}" for d in ("phone", "small") for a in ("good", "bad", "review"))
    verdict = _verdict(pytester)
    assert len(verdict["runs"]) == 6
    env = (pytester.path / "allure" / "environment.properties").read_text()
    assert "profile=cn-2023" in env and "devices=phone, small" in env


def test_allure_results_carry_severity_labels_and_attachments(suite):
    pytester = suite({"bad": {"rules": {"close-button-size": "violation"}}})
    alluredir = pytester.path / "allure"
    pytester.runpytest("tests", "--device", "phone", "--app", "bad", "-k", "close_button_size",
                       "--alluredir", str(alluredir), "-p", "no:cacheprovider")
    [res] = [json.loads(p.read_text()) for p in alluredir.glob("*-result.json")]
    labels = {(l["name"], l["value"]) for l in res["labels"]}
    assert res["status"] == "failed"
    assert ("severity", "critical") in labels  # serious → Allure critical
    assert {("parentSuite", "bad"), ("suite", "phone"), ("subSuite", "Close button"),
            ("tag", "close-button-size")} <= labels
    assert res["name"] == "Close button size · bad on phone"
    assert res["links"][0]["url"].endswith("#close-button-size")
    assert {p["name"]: p["value"] for p in res["parameters"]} == {
        "device_name": "'phone'", "app": "'bad'", "profile": "'cn-2023'"}
    names = [a["name"] for a in res["attachments"]]
    assert names[0] == "Close button size: measured vs threshold"
    assert "finding.json" in names and any("key frame" in n for n in names)
    assert "Is the close control big enough" in res["description"]


def test_bad_devices_file_is_a_usage_error_naming_file_and_line(suite):
    pytester = suite({})
    (pytester.path / "devices.yaml").write_text(DEVICES_YAML.replace("platform: chromium", "platform: chromum", 1))
    result = pytester.runpytest("tests", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*devices.yaml:3:*platform must be one of*chromum*"])


def test_unknown_profile_is_rejected_by_the_option(suite):
    pytester = suite({})
    result = pytester.runpytest("tests", "--profile", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--profile*'nope' is neither a built-in profile*"])


def test_self_tests_elsewhere_do_not_load_devices(pytester: pytest.Pytester):
    shutil.copy(ROOT / "conftest.py", pytester.path / "conftest.py")
    (pytester.path / "devices.yaml").write_text("not: [valid")  # never read
    pytester.makepyfile(test_other="def test_ok(): pass")
    pytester.runpytest("test_other.py", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_local_chromium_devices_share_an_app_queue_exclusive_devices_keep_one_worker():
    from types import SimpleNamespace

    from detectors.profiles import load_profile
    from harness.device import AppSpec
    from splashcheck.plugin import Plan, Run, xdist_group

    devices = {"phone": SimpleNamespace(platform="chromium", is_local=True),
               "hub": SimpleNamespace(platform="chromium", is_local=False),
               "pixel": SimpleNamespace(platform="android", is_local=True)}
    apps = [AppSpec(id="a", url="https://a.example/"), AppSpec(id="b", url="https://b.example/")]
    runs = [Run(d, app, app.id) for d in devices for app in apps]
    plan = Plan(Path("devices.yaml"), devices, runs, load_profile(), "cn-2023", Path("out"))
    groups = {(r.device, r.app.id): xdist_group(plan, r) for r in runs}
    assert groups == {("phone", "a"): "phone.a", ("phone", "b"): "phone.b",  # any worker takes the next app
                      ("hub", "a"): "hub", ("hub", "b"): "hub", ("pixel", "a"): "pixel", ("pixel", "b"): "pixel"}
