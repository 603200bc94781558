"""splashcheck's pytest plugin: run the compliance suite (``tests/``) over devices × apps.

It ships in the package and is registered under the name ``splashcheck.plugin`` by the ``pytest11``
entry point, so an installed wheel runs the suite from any folder (``splashcheck run``). The suite's
``pytest.ini`` loads it (``-p splashcheck.plugin``) for a checkout used without installing; the
project's self-tests block it (``-p no:splashcheck.plugin`` in pyproject.toml) and load it on purpose
in pytester projects only. Until a session collects the suite (or names a device or app) it only adds
its options.

Options (group ``splashcheck``)::

    --devices FILE        the farm (default: devices.yaml in the current folder, else the project's)
    --device NAME         a device of that file; repeatable (default: every enabled device)
    --app ID|PATH|URL     an app id of apps.yaml (Android/iOS apps live there), a local HTML file or
                          folder, or a web URL; repeatable (default: the enabled apps of apps.yaml)
    --profile NAME|FILE   rule profile: a built-in name or a YAML file (default: cn-2023)
    --sc-out DIR          evidence, run records and verdict.json (default: reports/)
    --sc-keep-frames      full-resolution PNG frames and evidence (default: JPEG/WebP, ≈ 1 MB per app)

Every test that uses the ``device_name`` / ``app`` fixtures runs once per device × app (ids like
``chromium-phone-compliant-splash``); with ``-n N`` (pytest-xdist) the tests of one device × app stay
on one worker, and the apps of a local Chromium device form a queue all workers take from, while a
device that takes one session at a time (emulator, phone, Grid slot) stays on one worker
(:func:`xdist_group`). Each worker has its own Appium server and chromedriver ports
(:func:`harness.appium_server.free_port`). The fixture chain, each overridable in a ``conftest.py`` closer to the tests::

    sc_plan ── appium_servers ── device_pool ──┐   (one Appium server per worker; one session per device)
    ocr_reader ── sc_check_app ────────────────┼── app_result   (check_app once per device × app, cached)
    demo_server (demo apps get an http:// origin) ┘       └── check_rule  (the suite's one assertion helper)

How rule outcomes become test outcomes (``check_rule``):

- ``violation``      → the test fails with the rendered message (measured vs threshold);
- ``needs_review``   → the test passes, with a :class:`splashcheck.report.NeedsReview` warning
  (listed in pytest's warnings summary), "needs review" in its Allure title and a ``needs-review``
  tag: a reviewer sees it, a pipeline does not stop on it;
- ``not_applicable`` → skipped, reason ``not applicable: ...``;
- ``not_run``        → skipped, reason ``not run: ...``, listed with its reason in a "splashcheck:
  N rule(s) not run" section at the end of the run and tagged ``not-run`` in Allure. Skips, not
  failures: a rule that cannot be evaluated on a platform (no motion sensors) must not break every
  build, but it is never silent;
- the app could not be checked at all (crash, load failure, dead session after one retry) →
  every test of that device × app fails with the reason; other apps go on.
"""

from __future__ import annotations

import contextlib
import functools
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from detectors.model import Finding, Outcome
from detectors.profiles import DEFAULT_PROFILE, Profile, ProfileError, builtin_names, load_profile
from harness.device import AppResult, AppSpec, DeviceError
from splashcheck import report as sc_report

from splashcheck import locations

SUITE_DIR = locations.SUITE_DIR.resolve()
PACKAGE_ROOT = locations.CHECKOUT


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------

def _profile_arg(value: str) -> str:
    """``--profile``: a built-in name (validated like ``choices=``) or a YAML file."""
    if value in builtin_names() or Path(value).is_file():
        return value
    import argparse

    raise argparse.ArgumentTypeError(
        f"{value!r} is neither a built-in profile ({', '.join(builtin_names())}) nor a file")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("splashcheck", "splashcheck: splash screen and pop-up compliance")
    group.addoption("--devices", metavar="FILE", default="devices.yaml",
                    help="devices file (default: devices.yaml here, else the project's)")
    group.addoption("--device", metavar="NAME", action="append", default=[], dest="sc_devices",
                    help="run on this device of the devices file; repeatable (default: every enabled device)")
    group.addoption("--app", metavar="ID|PATH|URL", action="append", default=[], dest="sc_apps",
                    help="app id from apps.yaml, APK/IPA path or web URL; repeatable (default: the apps.yaml gallery)")
    group.addoption("--profile", metavar="NAME|FILE", default=DEFAULT_PROFILE, type=_profile_arg, dest="sc_profile",
                    help=f"rule profile: {', '.join(builtin_names())} or a YAML file (default: {DEFAULT_PROFILE})")
    group.addoption("--sc-out", metavar="DIR", default="reports", dest="sc_out",
                    help="folder for evidence, run records and verdict.json (default: reports/)")
    group.addoption("--sc-keep-frames", action="store_true", dest="sc_keep_frames",
                    help="keep full-resolution PNG timeline frames and evidence (≈ 5 MB per app; "
                         "default: JPEG evidence and WebP frames, ≈ 1 MB per app)")


# --------------------------------------------------------------------------------------------
# The plan: which devices × apps, which profile, where evidence goes
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One device × app combination of the plan."""

    device: str
    app: AppSpec
    given: str
    """The app as the user named it (``--app`` value or apps.yaml id); the verdict reports it."""

    @property
    def id(self) -> str:
        return f"{self.device}-{self.app.id}"


@dataclass
class Plan:
    devices_file: Path
    devices: dict[str, Any]
    """device name → ``harness.config.DeviceConfig``."""
    runs: list[Run]
    profile: Profile
    profile_arg: str
    out_dir: Path
    left_out: list[str] = field(default_factory=list)
    """Combinations not run because the app does not fit the device's platform."""


PLAN = pytest.StashKey[Plan]()
PLAN_ERROR = pytest.StashKey[str]()
RESULTS = pytest.StashKey[dict[tuple[str, str], AppResult]]()
RUN_PROPERTY = "splashcheck_run"
"""``user_properties`` key carrying a finished run's summary to the controlling process."""


def _resolve_input(config: pytest.Config, value: str, default: str) -> Path:
    """A file option: relative to where pytest was invoked; the default also falls back to the project."""
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = config.invocation_params.dir / p
    if not p.exists() and value == default and (locations.BUNDLED / default).exists():
        return locations.BUNDLED / default
    return p


def _build_plan(config: pytest.Config) -> Plan:
    from harness import config as hconfig

    devices_file = _resolve_input(config, config.getoption("devices"), "devices.yaml")
    devices = hconfig.load_devices(devices_file)
    wanted = config.getoption("sc_devices") or [n for n, d in devices.items() if getattr(d, "enabled", True)]
    unknown = [n for n in wanted if n not in devices]
    if unknown:
        raise pytest.UsageError(f"{devices_file}: no device named {hconfig.short_list(map(repr, unknown))}; "
                                f"known: {hconfig.short_list(devices) or '(none)'}")
    apps_file = devices_file.parent / "apps.yaml"
    if not apps_file.exists():
        apps_file = locations.DEFAULT_APPS
    # Named apps may be disabled ones of apps.yaml; the default gallery leaves those out.
    known = hconfig.load_apps(apps_file, include_disabled=True) if apps_file.exists() else {}
    given = config.getoption("sc_apps")
    if given:
        apps = [(g, hconfig.resolve_app(g, known, cwd=config.invocation_params.dir)) for g in given]
    elif apps_file.exists():
        apps = [(a.id, a) for a in hconfig.load_apps(apps_file).values()]
    else:
        apps = []
    if not apps:
        raise pytest.UsageError(f"no apps to check: give --app, or list apps in {apps_file}")
    apps = list({app.id: (g, app) for g, app in reversed(apps)}.values())[::-1]  # one run per app id
    runs, left_out = [], []
    for name in wanted:
        plat = devices[name].platform
        for g, app in apps:
            if plat in app.platforms:
                runs.append(Run(name, app, g))
            else:
                left_out.append(f"{app.id} on {name} ({'/'.join(app.platforms)} app, {plat} device)")
    if not runs:
        raise pytest.UsageError("no device fits any app: " + "; ".join(left_out))
    profile_arg = config.getoption("sc_profile")
    profile = load_profile(profile_arg)
    out_dir = Path(config.getoption("sc_out")).expanduser()
    if not out_dir.is_absolute():
        out_dir = config.invocation_params.dir / out_dir
    return Plan(devices_file, {n: devices[n] for n in wanted}, runs, profile, profile_arg, out_dir, left_out)


def get_plan(config: pytest.Config) -> Plan:
    """The plan, built once per process; configuration errors become usage errors."""
    if PLAN not in config.stash:
        try:
            config.stash[PLAN] = _build_plan(config)
        except pytest.UsageError:
            raise
        except (ProfileError, ValueError, OSError) as exc:  # harness.config errors name file and line
            raise pytest.UsageError(str(exc)) from exc
    return config.stash[PLAN]


def _suite_requested(config: pytest.Config) -> bool:
    """Whether this session collects the compliance suite (so the plan is checked up front)."""
    for arg in config.args:
        p = Path(arg.split("::", 1)[0])
        p = (config.invocation_params.dir / p).resolve() if not p.is_absolute() else p.resolve()
        if p == SUITE_DIR or SUITE_DIR in p.parents or p in SUITE_DIR.parents:
            return True
    return False


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Tests of one device run on one xdist worker (a phone takes one session at a time, and the
    # app's result is cached per process), so with -n the default "load" distribution becomes
    # "loadgroup" (groups: see pytest_generate_tests). Workers learn it in pytest_configure_node.
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") in ("load", "no"):
        config.option.dist = "loadgroup"
    if _is_worker(config) and config.workerinput.get("splashcheck_loadgroup"):
        config.option.loadgroup = True
    if _suite_requested(config):
        # SIGTERM / SIGHUP (timeout, CI runners) end the run like Ctrl-C: fixtures stop Appium.
        from harness.procs import install_termination_handlers
        install_termination_handlers()
        plan = get_plan(config)  # usage errors surface here, before any worker starts
        if not _is_worker(config):
            sc_report.reset_results(plan.out_dir)
    config.stash[RESULTS] = {}
    if not _is_worker(config):
        config.pluginmanager.register(ResultWriter(config), "splashcheck-results")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller → worker: group the tests by device (see pytest_configure)."""
    node.workerinput["splashcheck_loadgroup"] = node.config.getvalue("dist") == "loadgroup"


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    if PLAN not in config.stash:
        return None
    plan = config.stash[PLAN]
    lines = [f"splashcheck: profile {plan.profile.name}, devices {', '.join(plan.devices)} ({plan.devices_file}), "
             f"{len(plan.runs)} device × app runs, evidence in {plan.out_dir}"]
    if plan.left_out:
        lines.append("splashcheck: left out (platform mismatch): " + "; ".join(plan.left_out))
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not {"device_name", "app"} & set(metafunc.fixturenames):
        return
    if not _in_suite(metafunc.definition.path):
        return  # self-tests elsewhere may name an argument "app" without meaning the suite's
    try:
        plan = get_plan(metafunc.config)
    except pytest.UsageError as exc:  # raised again after collection, where pytest reports it as usage error
        metafunc.config.stash[PLAN_ERROR] = str(exc)
        metafunc.parametrize(("device_name", "app"), [], scope="session")
        return
    # Session scope: pytest then runs every test of one device × app together, so each app's
    # result is finished (and written) before the next app starts.
    metafunc.parametrize(
        ("device_name", "app"),
        [pytest.param(r.device, r.app, id=r.id, marks=pytest.mark.xdist_group(xdist_group(plan, r)))
         for r in plan.runs],
        scope="session")


def xdist_group(plan: Plan, run: Run) -> str:
    """The pytest-xdist group of a device × app run: what must stay on one worker.

    A device that is one piece of hardware or a remote endpoint (an emulator, a phone, a Grid slot)
    takes one session at a time: all its apps form one group, i.e. one worker per device. A local
    Chromium device is a pool: every worker opens its own instance (own Appium server, own
    chromedriver port), so each app is its own group and xdist's loadgroup scheduler hands the apps out
    as a queue shared by the workers, whichever finishes first takes the next one.
    """
    cfg = plan.devices[run.device]
    pooled = getattr(cfg, "platform", "") == "chromium" and getattr(cfg, "is_local", False)
    return f"{run.device}.{run.app.id}" if pooled else run.device


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PLAN_ERROR in config.stash:
        raise pytest.UsageError(config.stash[PLAN_ERROR])


def _in_suite(path: Path) -> bool:
    """Only the compliance suite (``tests/`` here, or a suite a pytester self-test builds) is
    parametrised over devices × apps."""
    p = Path(path).resolve()
    return SUITE_DIR in p.parents or not (PACKAGE_ROOT in p.parents)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sc_plan(pytestconfig: pytest.Config) -> Plan:
    """Devices, apps, profile and output folder of this session."""
    return get_plan(pytestconfig)


@pytest.fixture(scope="session")
def sc_profile(sc_plan: Plan) -> Profile:
    return sc_plan.profile


class AppiumServers:
    """Appium endpoints by device: a remote device's URL as configured; one local server for all
    ``endpoint: local`` devices of this process, started on first use."""

    # Restarts of a local server that died (killed, crashed) per session; beyond it the apps fail.
    MAX_RESTARTS = 3

    def __init__(self, log_dir: Path, worker: str) -> None:
        self.log_path = log_dir / f"appium-{worker}.log"
        self._local: Any = None
        self.events: list[str] = []  # restarts and stale processes, for the run that met them

    def url_for(self, cfg: Any) -> str:
        if not cfg.is_local:
            return cfg.endpoint
        if self._local is None:
            from harness.appium_server import AppiumServer

            self._local = AppiumServer(log_path=self.log_path, project_root=locations.node_root()).start()
            if self._local.reaped:
                from harness.procs import describe
                self.events.append(f"ended stale processes an earlier run left behind: {describe(self._local.reaped)}")
        elif not self._local.running and self._local.restarts < self.MAX_RESTARTS:
            old = self._local.url
            self._local.restart_if_dead()  # splashcheck owns it: start it again, the run goes on
            self.events.append(f"the local Appium server at {old} had died; restarted at {self._local.url}")
        return self._local.url

    def stop_all(self) -> None:
        if self._local is not None:
            self._local.stop()
            self._local = None


@pytest.fixture(scope="session")
def appium_servers(worker_id: str, sc_plan: Plan) -> Iterator[AppiumServers]:
    """Appium servers of this xdist worker (``worker_id``), stopped at the end of the session."""
    servers = AppiumServers(sc_plan.out_dir / "logs", worker_id)
    try:
        yield servers
    finally:
        servers.stop_all()


class DemoServers:
    """Local web servers for apps given as local HTML (the demo gallery, ``--app <folder>``): each
    gallery folder is served once, so a demo gets a real ``http://127.0.0.1:PORT/<id>/`` origin
    instead of ``file://`` and loads ``../common/`` like on a web host."""

    def __init__(self) -> None:
        self._servers: dict[Path, Any] = {}

    def serve_app(self, app: AppSpec) -> AppSpec:
        """``app`` with its ``file://…/<id>/index.html`` URL served over http (others unchanged)."""
        from urllib.parse import unquote, urlparse

        from harness.webserver import DemoServer

        if not app.url or urlparse(app.url).scheme != "file":
            return app
        page = Path(unquote(urlparse(app.url).path)).resolve()
        root = page.parent.parent if page.name == "index.html" else page.parent
        if root not in self._servers:
            self._servers[root] = DemoServer(root).start()
        return self._servers[root].serve_app(app)

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServers]:
    """Web servers for local HTML apps, started when an app needs one (see :class:`DemoServers`)."""
    servers = DemoServers()
    try:
        yield servers
    finally:
        servers.stop()


class DevicePool:
    """One open device session per device name, reused across apps; a dead one is replaced."""

    def __init__(self, factory: Callable[[str], Any], servers: AppiumServers | None = None) -> None:
        self._factory = factory
        self._open: dict[str, Any] = {}
        self.servers = servers  # its events (a restarted Appium server) are recorded with the run's retries

    def get(self, name: str) -> Any:
        if name not in self._open:
            device = self._factory(name)
            device.start()
            self._open[name] = device
        return self._open[name]

    def discard(self, name: str) -> None:
        device = self._open.pop(name, None)
        if device is not None:
            device.stop()

    def stop_all(self) -> None:
        for name in list(self._open):
            self.discard(name)


@pytest.fixture(scope="session")
def device_pool(sc_plan: Plan, appium_servers: AppiumServers) -> Iterator[DevicePool]:
    """Open devices of this worker. Override to test the suite against fake devices."""
    from harness.appium_device import AppiumDevice

    def factory(name: str) -> Any:
        cfg = sc_plan.devices[name]
        return AppiumDevice(cfg, server_url=appium_servers.url_for(cfg))

    pool = DevicePool(factory, appium_servers)
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture(scope="session")
def ocr_reader() -> Any:
    """One text reader per worker, shared by every app (it caches its models and results)."""
    try:
        from detectors.ocr import TextReader
    except ImportError:  # no OCR installed: X glyphs are still found, text controls are not
        return None
    return TextReader()


@pytest.fixture(scope="session")
def sc_check_app(pytestconfig: pytest.Config, ocr_reader: Any) -> Callable[..., AppResult]:
    """The checker, ``check_app(device, app, *, profile, out_dir, progress) -> AppResult``.
    Override to run the suite against a fake."""
    from harness.check import CheckOptions, check_app

    options = CheckOptions(keep_frames=bool(pytestconfig.getoption("sc_keep_frames")))
    return functools.partial(check_app, reader=ocr_reader, options=options)


def _run_check(request: pytest.FixtureRequest, device_name: str, app: AppSpec, plan: Plan,
               pool: DevicePool, check_app: Callable[..., AppResult]) -> AppResult:
    """check_app with one retry on a dead session; any other failure becomes the run's error."""
    out_dir = plan.out_dir / "evidence"  # check_app writes under <out_dir>/<device>/<app>/
    started = time.monotonic()
    error = None
    servers = getattr(pool, "servers", None)
    retries: list[dict[str, Any]] = []  # recorded in verdict.json (artifacts.retries) and the report
    result: AppResult | None = None
    for attempt in (1, 2):
        n_events = len(servers.events) if servers is not None else 0
        try:
            device = pool.get(device_name)
            if servers is not None and retries and len(servers.events) > n_events:
                retries[-1]["recovery"] = "; ".join(servers.events[n_events:])
            result = check_app(device, app, profile=plan.profile, out_dir=out_dir,
                               progress=_progress_printer(request.config, device_name, app.id))
            result.timings_s.setdefault("total", round(time.monotonic() - started, 3))
            break
        except DeviceError as exc:
            error = f"device error{' (after one retry)' if attempt == 2 else ''}: {exc}"
            if attempt == 1:
                retries.append({"attempt": 1, "error": str(exc)[:500], "at_s": round(time.monotonic() - started, 1),
                                "recovery": "new device session"})
            with contextlib.suppress(Exception):  # the session is dead already; stopping may fail too
                pool.discard(device_name)
        except Exception as exc:  # a crashing checker must not stop the other apps
            error = f"{type(exc).__name__}: {exc}"
            break
    if result is None:
        result = AppResult(device=device_name, app=app.id, error=error,
                           timings_s={"total": time.monotonic() - started})
    if retries:
        import json

        result.artifacts["retries"] = json.dumps({"count": len(retries), "events": retries}, ensure_ascii=False)
    return result


def _progress_printer(config: pytest.Config, device: str, app: str) -> Callable[[str], None] | None:
    """Progress lines of one app; only where a terminal is attached to this process (not on xdist workers)."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or _is_worker(config) or config.get_verbosity() < 1:
        return None

    capman = config.pluginmanager.get_plugin("capturemanager")

    def progress(message: str) -> None:
        # The check runs inside fixture setup, where output is captured: step around the capture.
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            tr.ensure_newline()
            tr.write_line(f"    {message}", cyan=True)
        tr.currentfspath = None

    return progress


@pytest.fixture
def app_result(request: pytest.FixtureRequest, device_name: str, app: AppSpec, sc_plan: Plan,
               device_pool: DevicePool, sc_check_app: Callable[..., AppResult]) -> AppResult:
    """The checker's result for this device × app, computed once per session and cached."""
    cache = request.config.stash[RESULTS]
    key = (device_name, app.id)
    if key not in cache:
        target = app
        if app.url and app.url.startswith("file:"):
            target = request.getfixturevalue("demo_server").serve_app(app)  # unchanged if not a demo app
        result = cache[key] = _run_check(request, device_name, target, sc_plan, device_pool, sc_check_app)
        given = next((r.given for r in sc_plan.runs if (r.device, r.app.id) == key), app.id)
        record = sc_report.run_record(result, app_given=given, out_dir=sc_plan.out_dir)
        path = sc_report.write_run_record(record, sc_plan.out_dir)
        # The controlling process merges verdict.json when it sees this (pytest_runtest_logreport):
        # one writer, also under xdist.
        request.node.user_properties.append(
            (RUN_PROPERTY, {"device": device_name, "app": given, "record": str(path),
                            "worst": sc_report.worst_outcome(record), "error": result.error,
                            "seconds": round(result.timings_s.get("total", 0.0), 1)}))
    return cache[key]


@pytest.fixture
def check_rule(request: pytest.FixtureRequest, app_result: AppResult, device_name: str, app: AppSpec,
               sc_plan: Plan) -> Callable[[str], Finding | None]:
    """``check_rule(rule_id)``: attach the rule's evidence to the report and turn its outcome
    into the test's outcome (see the module docstring)."""

    iso = sc_report.defang  # user-controlled text in failure messages: no bidi override reaches the report

    def check(rule_id: str) -> Finding | None:
        profile = sc_plan.profile
        if not profile.enabled(rule_id):
            pytest.skip(f"not applicable: rule {rule_id} is disabled in profile {profile.name}")
        _attach_retries(app_result)
        finding = app_result.findings.get(rule_id)
        # A run that broke off (crash, load failure, dead session) fails the rules it could not judge;
        # rules judged before the break keep their finding.
        if app_result.error and (finding is None or finding.outcome is Outcome.NOT_RUN):
            sc_report.attach_error(app_result.error, app_result, device=device_name, app=app.id,
                                   app_title=app.title, profile=profile.name, rule_id=rule_id)
            pytest.fail(f"{iso(app.id)} on {iso(device_name)} could not be checked: {iso(app_result.error)}",
                        pytrace=False)
        if finding is None:
            pytest.skip(f"not run: the checker returned no finding for {rule_id}")
        sc_report.attach_finding(finding, app_result, device=device_name, app=app.id, app_title=app.title,
                                 profile=profile.name)
        message = sc_report.render_message(finding)
        if finding.outcome is Outcome.VIOLATION:
            pytest.fail(f"{iso(app.id)} on {iso(device_name)}: {iso(message)}", pytrace=False)
        if finding.outcome is Outcome.NEEDS_REVIEW:
            path, lineno, _ = request.node.location  # point the warning at the test, not at this helper
            warnings.warn_explicit(sc_report.NeedsReview(f"{iso(app.id)} on {iso(device_name)}: {iso(message)}"),
                                   sc_report.NeedsReview,
                                   str(request.config.rootpath / path), (lineno or 0) + 1)
        elif finding.outcome is Outcome.NOT_APPLICABLE:
            pytest.skip(f"not applicable: {finding.reason or message}")
        elif finding.outcome is Outcome.NOT_RUN:
            pytest.skip(f"not run: {finding.reason or message}")
        return finding

    return check


def _attach_retries(result: AppResult) -> None:
    """Show the run's retries (dead session, restarted Appium server) in the report, as in verdict.json."""
    text = (result.artifacts or {}).get("retries")
    if text:
        import allure

        allure.attach(text, name="retries (device session, Appium server)", attachment_type=allure.attachment_type.JSON)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Skips raised inside ``check_rule`` are reported at the test, like skip markers, so that
    ``-ra`` reads ``SKIPPED [12] tests/test_jump_triggers.py:12: not run: <reason>``."""
    rep = yield
    if rep.skipped and isinstance(rep.longrepr, tuple) and Path(rep.longrepr[0]).name == Path(__file__).name:
        path, lineno, _ = item.location
        rep.longrepr = (path, (lineno or 0) + 1, rep.longrepr[2])
    return rep


# --------------------------------------------------------------------------------------------
# Results as they come: verdict.json after each app, progress lines, the Allure environment
# --------------------------------------------------------------------------------------------

class ResultWriter:
    """Registered in the controlling process (the only one under xdist): merges verdict.json each
    time a device × app run is finished, prints a progress line, and writes the Allure environment."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.reported: set[tuple[str, str]] = set()
        self.pending: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, run in report.user_properties:
            if key != RUN_PROPERTY or (run["device"], run["app"]) in self.reported:
                continue
            self.reported.add((run["device"], run["app"]))
            self._merge(get_plan(self.config))
            self.pending[report.nodeid] = run

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        """The progress line, once the test's own result letter is out."""
        run = self.pending.pop(nodeid, None)
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if run is None or tr is None:
            return
        worst = run["worst"].replace("_", " ")
        tr.ensure_newline()
        if getattr(getattr(tr, "_tw", None), "width_of_current_line", 0):  # xdist's dots do not track the line
            tr.write("\n")
        tr.write_line(f"[{len(self.reported)}/{len(get_plan(self.config).runs)}] {run['app']} on {run['device']}: "
                      f"{worst} ({run['seconds']} s)" + (f" — {run['error']}" if run.get("error") else ""),
                      red=worst in ("violation", "error"), yellow=worst == "needs review", green=worst == "pass")
        tr.currentfspath = None  # the reporter repeats the file name before the next results

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """List rules that could not be evaluated, with their reasons (a skip pytest would only count)."""
        not_run = [r for r in terminalreporter.stats.get("skipped", [])
                   if isinstance(r.longrepr, tuple) and r.longrepr[2].startswith("Skipped: not run:")]
        if not not_run:
            return
        terminalreporter.write_sep("-", f"splashcheck: {len(not_run)} rule(s) not run")
        for r in not_run:
            name = r.nodeid.split("::")[-1].split("]@")[0]  # xdist loadgroup appends "@<group>"
            name += "]" if "[" in name and not name.endswith("]") else ""
            terminalreporter.write_line(f"{name}: {r.longrepr[2][len('Skipped: not run: '):]}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if PLAN not in self.config.stash:
            return
        plan = self.config.stash[PLAN]
        if (plan.out_dir / sc_report.RUNS_DIR).is_dir():  # also picks up runs of a worker that died
            self._merge(plan)
        alluredir = getattr(self.config.option, "allure_report_dir", None)
        if alluredir:
            try:
                sc_report.write_environment(alluredir, _environment(plan))
            except OSError as exc:  # full disk: the report loses its environment panel, nothing else
                self._warn(f"could not write the Allure environment: {exc}")

    def _merge(self, plan: Plan) -> None:
        # A full disk (ENOSPC) must not stop the run: the run records already written stay, the
        # previous verdict.json stays whole (atomic replace), and the next merge tries again.
        try:
            sc_report.merge_verdict(plan.out_dir, profile=plan.profile.name,
                                    order=[(r.device, r.app.id) for r in plan.runs])
        except OSError as exc:
            self._warn(f"could not update {sc_report.VERDICT_FILE}: {exc}")

    def _warn(self, message: str) -> None:
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"splashcheck: warning: {message}", yellow=True)
        else:
            print(f"splashcheck: warning: {message}", file=sys.stderr)


def _environment(plan: Plan) -> dict[str, str]:
    """What the report's environment panel shows: the plan, and the versions of every tool involved."""
    import json
    import subprocess
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    def node_version(package: str) -> str:
        try:
            return json.loads((locations.node_root() / "node_modules" / package / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            return "not installed"

    env = {
        "profile": plan.profile.name if plan.profile_arg == plan.profile.name
        else f"{plan.profile.name} ({plan.profile_arg})",
        "devices": ", ".join(plan.devices),
        "devices file": str(plan.devices_file),
        "apps": ", ".join(dict.fromkeys(r.given for r in plan.runs)),
    }
    for name, cfg in plan.devices.items():
        env[f"device {name}"] = _describe_device(cfg)
    env.update({
        "splashcheck": version("splashcheck"),
        "python": platform.python_version(),
        "pytest": pytest.__version__,
        "allure-pytest": version("allure-pytest"),
        "Appium-Python-Client": version("Appium-Python-Client"),
        "opencv": version("opencv-python-headless"),
        "rapidocr": version("rapidocr"),
        "appium": node_version("appium"),
        "appium-chromium-driver": node_version("appium-chromium-driver"),
    })
    if any(getattr(cfg, "platform", "") == "chromium" for cfg in plan.devices.values()):
        try:
            env["chromium"] = subprocess.run(["chromium", "--version"], capture_output=True, text=True,
                                             timeout=10).stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            env["chromium"] = "not found"
    env["host"] = f"{platform.node()} ({platform.system()} {platform.machine()})"
    return env


def _describe_device(cfg: Any) -> str:
    """``chromium, local Appium, 412×915 dp at 2.625`` (from harness.config.DeviceConfig)."""
    parts = [str(getattr(cfg, "platform", "?"))]
    endpoint = getattr(cfg, "endpoint", "local")
    parts.append("local Appium" if endpoint == "local" else
                 f"{'Selenium Grid' if getattr(cfg, 'grid', False) else 'Appium'} {endpoint}")
    width, height = getattr(cfg, "width", None), getattr(cfg, "height", None)
    size = f"{width}×{height} dp" if width and height else "size from screenshots"
    parts.append(f"{size} at {getattr(cfg, 'density', 1.0):g}")
    return ", ".join(parts)
