"""The ``splashcheck`` command: ``scan`` image files, ``eval`` against a labelled corpus, ``run`` apps on devices,
``diff`` two runs.

Exit codes: 0 no violation, 1 at least one violation, 2 usage error (bad option, missing path,
unknown profile), 3 no violation but the verdict is incomplete (``run``: an app could not be
checked; ``scan``: an analysis crashed — a file that cannot be read is only its own error entry),
130 interrupted. Never 1 for a tool failure, which a pipeline would read as a verdict.
``main(argv)`` returns the code instead of exiting so that tests can call it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

SCAN_EPILOG = """\
exit codes:
  0    no rule was violated in any image (needs-review findings allowed)
  1    at least one rule was violated
  2    usage error: bad option, missing path, no images, unknown profile
  3    internal error: a file's analysis crashed (a bug in splashcheck; "error_kind": "analysis")
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP)
A file that cannot be read does not change the exit code: it gets its own "error" entry
("error_kind": "unreadable" — missing, empty, not an image, too large — or "damaged" — truncated or
corrupt image data), a warning on stderr, and the other files are scanned.
"""


def _density(text: str) -> float:
    try:
        d = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(d) or d <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of px per dp (e.g. 2.625), got {text!r}")
    return d


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return n


def _add_detector_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", metavar="NAME|FILE", default=None,
                   help="rule profile: a built-in name (cn-2023, android-a11y, wcag22, strict) or a YAML file "
                        "(default: cn-2023)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--no-ocr", action="store_true",
                   help="skip text recognition: faster, but text controls (跳过, Skip, No thanks) are not found")


DIFF_EPILOG = """\
exit codes:
  0    no new violation (fixed, unchanged and unjudged ones are listed but do not fail)
  1    at least one violation is new: violated in NEW_DIR, not violated (or absent) in PREV_DIR
  2    usage error: a folder without verdict.json, or a file that is not a splashcheck verdict
"""


def build_parser(run_module: Any = None) -> argparse.ArgumentParser:
    """The argument parser; ``run_module`` (``splashcheck.run``) adds the ``run`` sub-command's options."""
    parser = argparse.ArgumentParser(
        prog="splashcheck",
        description="Check app splash screens and pop-up windows for findable, effective close buttons.",
        epilog="exit codes: 0 no violation, 1 violation found, 2 usage error, 3 incomplete verdict "
               "(see COMMAND --help)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    scan = sub.add_parser("scan", help="analyse screenshots (PNG/JPEG/WebP files or folders)",
                          description="Analyse screenshots for a splash/pop-up window and its close control.",
                          epilog=SCAN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders (searched recursively)")
    scan.add_argument("--density", type=_density, default=None, metavar="D",
                      help="screen density in px per dp (e.g. 2.625); default: estimated from the image size")
    _add_detector_options(scan)
    scan.add_argument("--annotate", metavar="DIR", type=Path, default=None,
                      help="write an annotated PNG per image into DIR")

    ev = sub.add_parser("eval", help="measure the detectors on a labelled corpus (labels.jsonl)",
                        description="Measure close-control recall/precision, pop-up F1, false-pop-up rate, "
                                    "size error and speed on a labelled corpus.")
    ev.add_argument("corpus", metavar="CORPUS_DIR", type=Path, help="folder with labels.jsonl and the images")
    _add_detector_options(ev)
    ev.add_argument("--limit", type=_positive_int, default=None, metavar="N", help="only the first N labels")
    ev.add_argument("--per-image", action="store_true", help="text format: also list every image's misses")

    diff = sub.add_parser("diff", help="new, fixed and unchanged violations between two runs (verdict.json)",
                          description="Compare two runs' verdict.json: violations per app × device × rule that are "
                                      "new, fixed, unchanged, or no longer judged.",
                          epilog=DIFF_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("prev", metavar="PREV_DIR", type=Path, help="the earlier run's output folder (or its verdict.json)")
    diff.add_argument("new", metavar="NEW_DIR", type=Path, help="the later run's output folder (or its verdict.json)")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")

    sub.add_parser("train", add_help=False,
                   help="rebuild the learned close-control verifier (needs the [train] extra; "
                        "`splashcheck train --help` for its options)")

    if run_module is not None:
        run = sub.add_parser("run", help="launch apps on devices and check their splash screens and pop-ups",
                             description=(run_module.__doc__ or "").strip().splitlines()[0]
                             if run_module.__doc__ else None)
        run_module.add_arguments(run)
    else:
        sub.add_parser("run", help="launch apps on devices and check them (see `splashcheck run --help`)",
                       add_help=False)
    return parser


def _load_run_module() -> tuple[Any, str | None]:
    """Import ``splashcheck.run`` (heavy: Appium) only when ``run`` is asked for."""
    try:
        run_mod = importlib.import_module("splashcheck.run")
    except ModuleNotFoundError as exc:
        if exc.name == "splashcheck.run":
            return None, "`splashcheck run` is not available in this installation (module splashcheck.run missing)"
        return None, f"`splashcheck run` cannot start: {exc}"
    except ImportError as exc:
        return None, f"`splashcheck run` cannot start: {exc}"
    if not (hasattr(run_mod, "add_arguments") and hasattr(run_mod, "main")):
        return None, "`splashcheck run` is not available: splashcheck.run has no add_arguments/main"
    return run_mod, None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``splashcheck`` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    run_mod = None
    if args_list and args_list[0] == "run":
        run_mod, problem = _load_run_module()
        if run_mod is None:
            print(f"splashcheck: error: {problem}", file=sys.stderr)
            return EXIT_USAGE
    if args_list and args_list[0] == "train":
        return _cmd_train(args_list[1:])
    parser = build_parser(run_mod)
    from harness.procs import install_termination_handlers

    install_termination_handlers()  # SIGTERM / SIGHUP: exit 130 like Ctrl-C, never a bare signal death
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE

    try:
        if args.command == "run":
            code = run_mod.main(args)  # type: ignore[union-attr]
            return int(code) if code is not None else EXIT_OK
        if args.command == "scan":
            return _cmd_scan(args, parser)
        if args.command == "eval":
            return _cmd_eval(args, parser)
        if args.command == "diff":
            return _cmd_diff(args)
    except KeyboardInterrupt:
        print("splashcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - a bug must not exit 1, which means "violation found"
        traceback.print_exc()
        print("splashcheck: internal error (a bug: please report it with the traceback above)", file=sys.stderr)
        return EXIT_INCOMPLETE
    return EXIT_USAGE  # pragma: no cover - argparse rejects unknown commands first


def _cmd_train(argv: list[str]) -> int:
    """``splashcheck train ...`` = ``python -m detectors.train ...`` (the same options and exit codes)."""
    if importlib.util.find_spec("torch") is None and not any(a in ("-h", "--help") for a in argv):
        return _usage("training needs PyTorch, which the tool itself never needs: "
                      "pip install -e '.[train]' (then splashcheck train)")
    from detectors.train.__main__ import main as train_main

    try:
        return int(train_main(argv) or 0)
    except SystemExit as exc:  # its argparse: --help (0) or a usage error (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE


def _usage(message: str) -> int:
    print(f"splashcheck: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _emit(text: str) -> None:
    """Write the result to stdout; a reader that went away (``| head``) is not an error."""
    try:
        try:
            sys.stdout.write(text + "\n")
        except UnicodeEncodeError:
            # A non-UTF-8 terminal (LANG=C) or an undecodable file name: escape what it cannot show
            # (inside JSON strings, \uXXXX escapes stay valid JSON).
            enc = sys.stdout.encoding or "utf-8"
            sys.stdout.write((text + "\n").encode(enc, errors="backslashreplace").decode(enc))
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _warn(message: str) -> None:
    print(f"splashcheck: warning: {message}", file=sys.stderr)


def _profile(name: str | None) -> Any:
    from detectors.profiles import load_profile

    return load_profile(name)


def _reader(no_ocr: bool) -> Any:
    """A lazy OCR reader, or a reader that reads nothing (with a warning when OCR is unavailable).

    ``--no-ocr`` must not load the OCR models at all (≈ 300 MB and ≈ 1 s): ``None`` would let
    the close-control finder fall back to the process-wide default reader, so a reader that
    reads nothing is passed instead (:data:`NO_OCR`; the output's ``"ocr"`` says false).
    """
    if no_ocr:
        return NO_OCR
    try:
        from detectors.ocr import TextReader
    except ImportError as exc:
        _warn(f"OCR unavailable ({exc}); text controls will not be found")
        return NO_OCR
    return TextReader()


class _NoOcr:
    """A text reader that reads nothing and detects no lines: X glyphs and shapes only."""

    def recognise(self, crops: Sequence[Any]) -> list[tuple[str, float]]:
        return [("", 0.0)] * len(crops)


NO_OCR = _NoOcr()


def _cmd_scan(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from detectors.profiles import ProfileError
    from splashcheck import scan as scan_mod

    try:
        profile = _profile(args.profile)
    except ProfileError as exc:
        return _usage(str(exc))
    try:
        files = scan_mod.collect_images(args.paths)
    except scan_mod.UsageError as exc:
        return _usage(str(exc))
    if not files:
        return _usage("no PNG, JPEG or WebP images found in: " + ", ".join(args.paths))
    annotate_to: Path | None = args.annotate
    if annotate_to is not None:
        try:
            annotate_to.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _usage(f"--annotate: cannot create folder {annotate_to}: {exc.strerror or exc}")
    reader = _reader(args.no_ocr)

    progress = scan_mod.Progress(len(files))
    images = []
    names: set[str] = set()
    for n, (path, root) in enumerate(files):
        progress.update(n, path.name)
        name = scan_mod.annotation_name(path, root, names) if annotate_to is not None else None
        images.append(scan_mod.scan_file(path, density=args.density, profile=profile, reader=reader,
                                         annotate_to=annotate_to, annotate_name=name, warn=_warn))
    progress.update(len(files))
    progress.close()

    code = scan_mod.exit_code(images)
    result = {"images": images, "profile": profile.name, "ocr": reader is not NO_OCR,
              "summary": {"images": len(images),
                          "popups": sum(1 for i in images if i.get("popup")),
                          "with_violations": sum(1 for i in images if i.get("worst_outcome") == "violation"),
                          "errors": sum(1 for i in images if i.get("error")),
                          "exit_code": code}}
    if args.format == "json":
        _emit(scan_mod.json_text(result))
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        _emit(scan_mod.render_text(result, width=width))
    unreadable = [i for i in images if i.get("error")]
    if unreadable:
        _warn(f"{len(unreadable)} of {len(images)} file(s) could not be analysed (see their error entries), "
              f"first: {scan_mod.safe_text(unreadable[0]['path'])}: {unreadable[0]['error']}")
    return code


def _cmd_diff(args: argparse.Namespace) -> int:
    from splashcheck import diff as diff_mod

    try:
        prev_file, prev = diff_mod.load_verdict(args.prev)
        new_file, new = diff_mod.load_verdict(args.new)
    except diff_mod.VerdictError as exc:
        return _usage(str(exc))
    changes = diff_mod.diff_verdicts(prev, new)
    kw = dict(prev=prev_file, new=new_file, prev_verdict=prev, new_verdict=new)
    if args.format == "json":
        from splashcheck.scan import json_text

        _emit(json_text(diff_mod.to_json(changes, **kw)))
    else:
        _emit(diff_mod.render_text(changes, **kw))
    return diff_mod.exit_code(changes)


def _cmd_eval(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from detectors.profiles import ProfileError
    from splashcheck import evaluate as ev
    from splashcheck.scan import Progress, json_text

    if not args.corpus.is_dir():
        return _usage(f"no such corpus folder: {args.corpus}")
    if not (args.corpus / "labels.jsonl").is_file():
        return _usage(f"{args.corpus} has no labels.jsonl (see the corpus README for its format)")
    try:
        profile = _profile(args.profile)
    except ProfileError as exc:
        return _usage(str(exc))
    reader = _reader(args.no_ocr)
    bar: Progress | None = None

    def progress(done: int, total: int, label: str) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(total)
        bar.update(done, label)

    try:
        report = ev.run_corpus(args.corpus, profile=profile, reader=reader, progress=progress, limit=args.limit)
    except ev.LabelError as exc:
        return _usage(str(exc))
    finally:
        if bar is not None:
            bar.close()
    report["profile"] = profile.name
    report["ocr"] = reader is not NO_OCR
    if args.format == "json":
        _emit(json_text(report))
    else:
        _emit(render_eval_text(report, per_image=args.per_image))
    return EXIT_OK


def _fmt(x: float | None, pct: bool = False, nd: int = 2) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:.{nd}f}"


def render_eval_text(report: dict[str, Any], *, per_image: bool = False) -> str:
    """The eval report as a table: one row per source and one overall."""
    headers = ("SOURCE", "IMAGES", "ERR", "POPUP F1", "FALSE-POP", "CLOSE R", "CLOSE P", "MATCHED",
               "SIZE ERR dp", "MS MED", "MS P95")
    rows = []
    groups = list(report["sources"].items()) + [("overall", report["overall"])]
    for name, m in groups:
        c = m["close"]
        rows.append([name, str(m["images"]), str(m["errors"]), _fmt(m["popup"]["f1"]),
                     _fmt(m["false_popup_rate"], pct=True), _fmt(c["recall"]), _fmt(c["precision"]),
                     f"{c['matched']}/{c['labelled']} of {c['predicted']}",
                     _fmt(m["size_error_dp"]["median"], nd=1),
                     _fmt(m["ms_per_frame"]["median"], nd=0), _fmt(m["ms_per_frame"]["p95"], nd=0)])
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))]
    lines += ["  ".join(v.ljust(widths[i]) for i, v in enumerate(r)) for r in rows]
    def recalls(table: dict[str, Any]) -> str:
        return ", ".join(f"{k} {_fmt(v['recall'])} ({v['matched']}/{v['labelled']})" for k, v in table.items()) \
            or "n/a"

    o = report["overall"]["close"]
    lines += ["", f"close recall by kind: {recalls(o['recall_by_kind'])}; "
                  f"by visibility: {recalls(o['recall_by_visibility'])}",
              "close recall per source, by kind and visibility:"]
    for name, m in groups:
        lines.append(f"  {name}: {recalls(m['close'].get('recall_by_kind_visibility', {}))}")
    lines += [f"profile {report.get('profile', '?')}; OCR {'on' if report.get('ocr') else 'off'}; "
              f"corpus {report.get('corpus', '?')}"]
    if per_image:
        lines += ["", "per image (misses, false controls, pop-up errors):"]
        for r in report["per_image"]:
            bad = []
            if r["error"]:
                bad.append(f"ERROR {r['error']}")
            if r["has_popup"] != r["predicted_popup"]:
                bad.append("missed pop-up" if r["has_popup"] else "false pop-up")
            if r["missed"]:
                bad.append(f"missed {r['missed']}")
            if r["false_controls"]:
                bad.append(f"false {r['false_controls']}")
            if bad:
                lines.append(f"  {r['image']} [{r['screen']}]: " + "; ".join(bad))
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
