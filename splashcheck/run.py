"""Launch apps on devices, check their splash screens and pop-ups, and write an Allure report and a verdict.

``splashcheck run`` runs the compliance suite (``splashcheck/bundled/tests``, the project's ``tests/``,
with the plugin :mod:`splashcheck.plugin`) through pytest, one test per rule × device × app, then builds
the reports::

    <out>/verdict.json                      machine-readable verdict (rewritten after every app)
    <out>/junit.xml                         JUnit XML for CI systems
    <out>/allure-results/                   raw Allure results (+ environment.properties)
    <out>/allure-report/index.html          Allure 3 HTML report (serve the folder, or open it)
    <out>/allure-report-single/index.html   the same report as one self-contained file (mail it, attach it)
    <out>/evidence/<device>/<app>/          annotated key frame, contact sheet, probe frames, timeline
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from splashcheck import locations, report

SUITE_DIR = locations.SUITE_DIR.resolve()  # the real folder (in a checkout, the top-level tests/)

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EPILOG = """\
exit codes:
  0    every device × app was checked and no rule was violated (needs-review findings allowed)
  1    at least one rule was violated (even if other apps could not be checked)
  2    usage error: bad option, devices.yaml / apps.yaml / profile problem (the message names file and
       line), an --out that is a file or cannot be created or written
  3    no violation, but the verdict is incomplete: an app could not be checked (crash, load failure,
       device or Appium server down) or the test run itself failed
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP) before any violation was found; the reports cover the apps
       finished so far, and the Appium server, chromedriver and Chromium are stopped

examples:
  splashcheck run                                         # every enabled device × the demo gallery
  splashcheck run --device chromium-phone --app https://m.example.com/ --out out/
  splashcheck run --devices farm.yaml -n 4 --profile strict
"""

# Seconds an Allure 3 `generate` may take before we give up on the HTML (the verdict is already written).
ALLURE_TIMEOUT_S = 300


def _workers(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a number of workers or 'auto', got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0, got {text!r}")
    return n


def _profile(text: str) -> str:
    from detectors.profiles import builtin_names

    if text in builtin_names() or Path(text).is_file():
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is neither a built-in profile ({', '.join(builtin_names())}) "
                                     f"nor a file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``splashcheck run`` (the parser comes from ``splashcheck.cli``)."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--devices", metavar="FILE", default=None,
                        help="devices file (default: devices.yaml here, else the project's)")
    parser.add_argument("--device", metavar="NAME", action="append", default=[],
                        help="a device of the devices file; repeatable (default: every enabled device)")
    parser.add_argument("--app", metavar="ID|PATH|URL", action="append", default=[],
                        help="app id from apps.yaml, local HTML file/folder, or web URL; repeatable "
                             "(default: every enabled app of apps.yaml, i.e. the demo gallery)")
    parser.add_argument("--profile", metavar="NAME|FILE", type=_profile, default=None,
                        help="rule profile: cn-2023 (default), android-a11y, wcag22, strict, or a YAML file")
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("reports"),
                        help="output folder (default: reports/); earlier results in it are replaced")
    parser.add_argument("-n", "--workers", metavar="N", type=_workers, default=0,
                        help="parallel pytest-xdist workers, or 'auto'; local Chromium devices share their apps "
                             "as a queue, other devices stay on one worker each (default: 0, run in this process)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="one line per test and per check step")
    parser.add_argument("--no-html", action="store_true", help="skip the Allure HTML reports")
    parser.add_argument("--history", metavar="FILE", type=Path, default=None,
                        help="Allure history file (JSON lines) kept across runs, e.g. nightly/history.jsonl: each "
                             "run appends one point, and the report shows trends and each test's history")
    parser.add_argument("--keep-frames", action="store_true",
                        help="keep full-resolution PNG timeline frames and evidence (≈ 5 MB per app; default: "
                             "JPEG evidence, WebP frames and an animated WebP, ≈ 1 MB per app)")
    parser.add_argument("--pytest-arg", metavar="ARG", action="append", default=[],
                        help="extra argument for pytest, e.g. --pytest-arg=-k --pytest-arg=close_button; repeatable")


def pytest_command(args: argparse.Namespace, out: Path) -> list[str]:
    """The pytest command line that runs the suite for ``args`` (``out`` absolute)."""
    cmd = [sys.executable, "-m", "pytest", str(SUITE_DIR),
           "--rootdir", str(SUITE_DIR), "-c", str(SUITE_DIR / "pytest.ini"),
           "-p", "splashcheck.plugin", "-p", "no:cacheprovider",
           "--sc-out", str(out),
           "--alluredir", str(out / "allure-results"), "--clean-alluredir",
           "--junitxml", str(out / "junit.xml"),
           "-o", "junit_suite_name=splashcheck",
           "-rfE"]  # skips are summarised by the plugin ("not run" reasons) and the table below
    # pytest runs in the suite's folder (checkout or installed package); every path the user gave is
    # made absolute here, relative to the folder the command was started in.
    devices = args.devices or ("devices.yaml" if Path("devices.yaml").is_file() else None)
    if devices:
        cmd += ["--devices", str(Path(devices).expanduser().resolve())]
    for name in args.device:
        cmd += ["--device", name]
    for app in args.app:
        local = Path(app).expanduser()
        cmd += ["--app", str(local.resolve()) if "://" not in app and local.exists() else app]
    if args.profile:
        p = Path(args.profile)
        cmd += ["--profile", str(p.resolve()) if p.is_file() else args.profile]
    if getattr(args, "keep_frames", False):
        cmd.append("--sc-keep-frames")
    if args.workers:
        cmd += ["-n", str(args.workers), "--dist", "loadgroup"]
    if args.verbose:
        cmd.append("-" + "v" * args.verbose)
    cmd += list(args.pytest_arg)
    return cmd


def main(args: argparse.Namespace) -> int:
    """Run the suite, write the reports, print the summary; return the exit code (see ``EPILOG``)."""
    out = Path(args.out).expanduser().resolve()
    if args.workers and not _has_xdist():
        print("splashcheck run: error: -n needs pytest-xdist (pip install 'splashcheck[test]')", file=sys.stderr)
        return EXIT_USAGE
    problem = check_out_dir(out)
    if problem:
        print(f"splashcheck run: error: --out {out}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    cmd = pytest_command(args, out)
    started = time.monotonic()
    interrupted = False
    from harness.procs import Terminated, install_termination_handlers, parent_death_signal

    install_termination_handlers()  # SIGTERM / SIGHUP: like Ctrl-C, but pytest must be told (below)
    # pytest dies with this process (PR_SET_PDEATHSIG): a run killed with SIGKILL leaves no tests
    # running in the background; pytest's own SIGTERM handling then stops Appium and Chromium.
    # Bytecode of the suite is not written into an installed package's folder.
    proc = subprocess.Popen(cmd, cwd=SUITE_DIR, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
                            preexec_fn=parent_death_signal)
    try:
        rc = proc.wait()
    except KeyboardInterrupt as exc:  # Ctrl-C reached pytest too (same process group); SIGTERM did not
        interrupted = True
        if isinstance(exc, Terminated) and proc.poll() is None:
            proc.send_signal(exc.signum)
        try:
            rc = proc.wait(timeout=60)  # let it tear down (Appium, Chromium) and finish its reports
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            proc.kill()
            rc = proc.wait()
    if rc == 4:  # pytest's usage error: it printed "ERROR: <file>:<line>: ..." already
        return EXIT_USAGE
    if rc == 5:
        print("splashcheck run: error: no tests were collected (check --pytest-arg filters)", file=sys.stderr)
        return EXIT_USAGE

    verdict = _read_verdict(out)
    reports = {}
    if not args.no_html and (out / "allure-results").is_dir():
        history = args.history.expanduser().resolve() if getattr(args, "history", None) else None
        if history is not None:
            history.parent.mkdir(parents=True, exist_ok=True)
        reports = build_html_reports(out, title=_report_title(verdict), history=history)
    print()
    if verdict and verdict.get("runs"):
        print(report.summary_table(verdict))
    else:
        print("no device × app run finished: no verdict")
    print()
    print(f"verdict:   {out / report.VERDICT_FILE}")
    print(f"junit:     {out / 'junit.xml'}")
    for label, path in reports.items():
        print(f"{label + ':':<10} {path}")
    print(f"evidence:  {out / 'evidence'}")
    code = report.exit_code(verdict)
    if interrupted:
        code = EXIT_INTERRUPTED if code != EXIT_VIOLATION else code
    elif rc != 0 and code == EXIT_OK:
        # pytest failed but no recorded run violated a rule: something else failed (a fixture, a
        # worker, a run that wrote no record, pytest itself), so the verdict cannot claim a pass.
        code = EXIT_INCOMPLETE
    note = " — interrupted, the reports cover the runs finished before" if interrupted else ""
    print(f"exit code {code}: {_explain(code)}{note} ({time.monotonic() - started:.0f} s)")
    return code


def check_out_dir(out: Path) -> str | None:
    """Why ``out`` cannot take the reports (None when it can): checked before any app runs, so that an
    unusable folder is a usage error (exit 2), not a crash after minutes of work. Creates the folder."""
    if out.exists() and not out.is_dir():
        return "exists and is not a folder"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the folder: {exc.strerror or exc}"
    try:  # permission bits do not tell (root, read-only mounts, ACLs): try to write
        fd, probe = tempfile.mkstemp(prefix=".splashcheck-write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write into the folder: {exc.strerror or exc}"
    return None


def _explain(code: int) -> str:
    return {EXIT_OK: "no violation", EXIT_VIOLATION: "violations found",
            EXIT_INCOMPLETE: "incomplete: some apps could not be checked",
            EXIT_INTERRUPTED: "interrupted"}.get(code, "error")


def _has_xdist() -> bool:
    try:
        import xdist  # noqa: F401
    except ImportError:
        return False
    return True


def _read_verdict(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out / report.VERDICT_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _report_title(verdict: dict[str, Any] | None) -> str:
    profile = (verdict or {}).get("profile") or "cn-2023"
    return f"splashcheck — splash screens and pop-ups ({profile}, {time.strftime('%Y-%m-%d %H:%M')})"


# --------------------------------------------------------------------------------------------
# Allure 3 HTML
# --------------------------------------------------------------------------------------------

def find_allure() -> list[str] | None:
    """The Allure 3 command: the pinned ``node_modules/.bin/allure`` (:func:`splashcheck.locations.node_root`),
    else one on PATH."""
    root = locations.node_root()
    local = root / "node_modules" / ".bin" / "allure"
    if local.exists():
        return [str(local)]
    package = root / "node_modules" / "allure" / "package.json"
    node = shutil.which("node")
    if package.is_file() and node:  # installed without bin links (npm --no-bin-links)
        try:
            bin_field = json.loads(package.read_text(encoding="utf-8")).get("bin")
        except (OSError, ValueError):
            bin_field = None
        script = bin_field.get("allure") if isinstance(bin_field, dict) else bin_field
        if script and (package.parent / script).is_file():
            return [node, str(package.parent / script)]
    on_path = shutil.which("allure")
    return [on_path] if on_path else None


def allure_config(title: str, *, single_file: bool, history: Path | None = None,
                  append_history: bool = True) -> dict[str, Any]:
    """Allure 3 configuration (``allurerc.json`` shape) for the "awesome" report.

    ``history``: Allure 3's history file (``historyPath``, one JSON line per run); ``append_history``
    False reads it for the trends without adding this run (the second report of one run).
    """
    extra: dict[str, Any] = {}
    if history is not None:
        extra = {"historyPath": str(history), "appendHistory": append_history}
    return {
        "name": title,
        **extra,
        "categories": report.ALLURE_CATEGORIES,
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": title,
                    "singleFile": single_file,
                    # app → device → rule family, as conftest labels them (splashcheck.report.attach_finding)
                    "groupBy": ["parentSuite", "suite", "subSuite"],
                    "stepTreeExpansion": "expanded",
                },
            },
        },
    }


def build_html_reports(out: Path, *, title: str, history: Path | None = None) -> dict[str, Path]:
    """``allure generate`` twice: a folder report and a single-file one. Failures are reported,
    not raised (the verdict does not depend on the HTML). With ``history``, the first appends this
    run to the history file and both show the trend."""
    allure = find_allure()
    if allure is None:
        print("splashcheck run: warning: Allure 3 not found (node_modules/.bin/allure); run scripts/setup.sh "
              "for HTML reports", file=sys.stderr)
        return {}
    made: dict[str, Path] = {}
    for label, folder, single in (("report", "allure-report", False), ("one file", "allure-report-single", True)):
        target = out / folder
        cfg = out / f".allurerc-{folder}.json"
        cmd = [*allure, "generate", str(out / "allure-results"), "--config", str(cfg), "--output", str(target)]
        try:  # a full disk (ENOSPC) or a vanished folder costs the HTML, never the verdict already written
            config = allure_config(title, single_file=single, history=history,
                                   append_history=not made and not single)
            cfg.write_text(json.dumps(config, indent=2), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            res = subprocess.run(cmd, cwd=out, capture_output=True, text=True, timeout=ALLURE_TIMEOUT_S,
                                 env=dict(os.environ, NO_COLOR="1", FORCE_COLOR="0", ALLURE_NO_ANALYTICS="true"))
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"splashcheck run: warning: allure generate ({folder}) failed: {exc}", file=sys.stderr)
            continue
        index = target / "index.html"
        if res.returncode != 0 or not index.is_file():
            tail = (res.stderr or res.stdout).strip().splitlines()[-5:]
            print(f"splashcheck run: warning: allure generate ({folder}) exited {res.returncode}: "
                  + " | ".join(tail), file=sys.stderr)
            continue
        try:
            strip_analytics(index)
        except (OSError, RuntimeError) as exc:  # a report that would phone home is not kept
            print(f"splashcheck run: warning: {folder} not kept: could not remove its analytics script ({exc})",
                  file=sys.stderr)
            index.unlink(missing_ok=True)
            continue
        made[label] = index
    return made


# The "awesome" report of Allure 3 loads Google Analytics (googletagmanager.com) when it is opened,
# with no option to turn it off (plugin-awesome hard-codes analyticsEnable: true; only the allure2
# plugin reads ALLURE_NO_ANALYTICS). Reports are opened on offline farms and hold app names: the
# two script tags are removed from the generated page.
_ANALYTICS_RE = re.compile(
    r"<script\b[^>]*\bsrc=[\"'][^\"']*googletagmanager\.com[^>]*>\s*</script>\s*"
    r"(?:<script>(?:(?!</script>).)*?\bgtag\((?:(?!</script>).)*?</script>)?", re.S)


def strip_analytics(index: Path) -> bool:
    """Remove the analytics script tags from a generated report page; True when it had any.

    Raises ``RuntimeError`` when a reference to the analytics host remains (a new Allure version
    with another markup): better no report than one that phones home unnoticed.
    """
    text = index.read_text(encoding="utf-8")
    cleaned, n = _ANALYTICS_RE.subn("", text)
    if "googletagmanager" in cleaned or "gtag(" in cleaned:
        raise RuntimeError(f"{index}: the Allure report still loads an analytics script; not stripped")
    if n:
        index.write_text(cleaned, encoding="utf-8")
    return bool(n)


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry (``python -m splashcheck.run``), for when the ``splashcheck`` CLI is not at hand."""
    parser = argparse.ArgumentParser(prog="splashcheck run", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(run_cli())
