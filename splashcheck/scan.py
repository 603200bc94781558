"""``splashcheck scan``: run the static detectors over image files and report per image.

The pieces are separate so that other front ends can reuse them: :func:`collect_images`
(paths → files), :func:`scan_file` (file → JSON-ready dict), :func:`render_text`
(results → table) and :func:`exit_code`.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TextIO

from detectors.model import FrameAnalysis, Outcome

__all__ = ["IMAGE_SUFFIXES", "UsageError", "collect_images", "analysis_to_json", "scan_file", "render_text",
           "exit_code", "Progress", "jsonable", "annotation_name", "json_text", "safe_text"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


class UsageError(Exception):
    """The command line asked for something impossible (missing path, no images); exit code 2."""


# ----------------------------------------------------------------------------- files


def collect_images(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, Path]]:
    """Expand files and folders (recursively) into image files.

    A file named on the command line is always taken, whatever its extension (reading it
    then says what is wrong with it); folders contribute their PNG / JPEG / WebP files,
    sorted, without following symlinked folders (no loops). Duplicates are dropped.

    Returns
    -------
    list of (file, root)
        ``root`` is the folder it was found under (its own parent for a named file), used
        to name annotated copies.

    Raises
    ------
    UsageError
        A path does not exist.
    """
    out: list[tuple[Path, Path]] = []
    seen: set[Path] = set()

    def add(f: Path, root: Path) -> None:
        # Dedupe on the real file; report the path as given (absolute, ".." folded, symlinks kept).
        # A symlink loop (a link to itself, a cycle) has no real file: it is kept under its own name
        # and reading it gives its error entry ("Too many levels of symbolic links").
        try:
            key = f.resolve(strict=True)
        except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 on a symlink loop
            key = Path(os.path.abspath(f))
        if key not in seen:
            seen.add(key)
            out.append((Path(os.path.abspath(f)), Path(os.path.abspath(root))))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = []
            # os.walk does not follow symlinked folders (followlinks=False), so a folder loop is
            # never entered; a link inside that points to itself or to a dangling target is
            # listed with the files and becomes its own error entry. Unreadable sub-folders
            # are skipped with a warning instead of stopping the scan.
            for dirpath, dirnames, filenames in os.walk(p, onerror=_walk_error):
                dirnames.sort()
                for fn in filenames:
                    if fn.lower().endswith(IMAGE_SUFFIXES) and not fn.startswith("."):
                        found.append(Path(dirpath) / fn)
            for f in sorted(found):
                add(f, p)
        elif p.exists() or p.is_symlink():
            add(p, p.parent)
        else:
            raise UsageError(f"no such file or folder: {raw}")
    return out


def _walk_error(exc: OSError) -> None:
    print(f"splashcheck: warning: cannot list {safe_text(str(exc.filename))}: {exc.strerror or exc}",
          file=sys.stderr)


def annotation_name(path: Path, root: Path, taken: set[str]) -> str:
    """A unique PNG file name for the annotated copy of ``path`` (its path under ``root``, flattened)."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    stem = "__".join(rel.with_suffix("").parts) or "image"
    name, k = f"{stem}.png", 2
    while name in taken:
        name, k = f"{stem}-{k}.png", k + 1
    taken.add(name)
    return name


# ----------------------------------------------------------------------------- JSON


def jsonable(obj: Any) -> Any:
    """Plain JSON types: tuples → lists, enums → values, numpy scalars → Python, NaN/inf → None."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "to_json"):
        return jsonable(obj.to_json())
    item = getattr(obj, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    return str(obj)


# Lone surrogates: how Python holds the bytes of a file name that are not valid UTF-8
# (os.fsdecode's "surrogateescape": byte 0xff becomes U+DCFF). They cannot be encoded as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(obj: Any) -> str:
    """``obj`` as indented JSON that is always valid UTF-8.

    Non-ASCII text stays readable (``ensure_ascii=False``); a lone surrogate (an undecodable
    byte of a file name) is written as its ``\\udcXX`` escape. JSON readers accept it; Python's
    ``json.loads`` gives back the same string and ``os.fsencode`` the original bytes of the name.
    """
    text = json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def safe_text(text: str) -> str:
    """``text`` for a terminal or log: an undecodable file-name byte is shown as ``\\xNN``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}"
                          if 0xDC80 <= ord(m.group()) <= 0xDCFF else f"\\u{ord(m.group()):04x}", text)


def _r(x: float | None, nd: int = 2) -> float | None:
    if x is None:
        return None
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def analysis_to_json(path: Path, analysis: FrameAnalysis) -> dict[str, Any]:
    """The ``images[]`` entry of ``splashcheck scan --format json`` for one analysed file."""
    aligned = len(analysis.measurements) == len(analysis.controls)
    controls = []
    if analysis.window is not None:
        for k, c in enumerate(analysis.controls):
            m = analysis.measurements[k] if aligned else None
            controls.append({
                "box": [int(v) for v in c.box],
                "kind": c.kind,
                "text": c.text,
                "confidence": _r(c.confidence, 3),
                "size_dp": {"w": _r(m.width_dp, 1), "h": _r(m.height_dp, 1)} if m is not None else None,
                "contrast": _r(m.contrast, 2) if m is not None else None,
                "opacity": _r(m.opacity, 2) if m is not None and m.opacity is not None else None,
                "touch_box": [int(v) for v in m.touch_box] if m is not None and m.touch_box is not None else None,
                "placement": jsonable(m.placement) if m is not None else {},
                "details": jsonable(getattr(m, "details", {})) if m is not None else {},
            })
    win = analysis.window
    return jsonable({
        "path": str(path),
        "width": analysis.width,
        "height": analysis.height,
        "density": {"value": _r(analysis.density, 4), "estimated": analysis.density_estimated},
        "popup": analysis.popup,
        "window_box": [int(v) for v in win.box] if win is not None else None,
        "window": {"kind": win.kind, "confidence": _r(win.confidence, 3), "scrim": win.scrim} if win else None,
        "close_controls": controls,
        "ctas": [[int(v) for v in b] for b in analysis.ctas] if win is not None else [],
        "findings": [f.to_json() for f in analysis.findings],
        "worst_outcome": _worst(analysis.findings),
        "timings_ms": {k: _r(v, 1) for k, v in analysis.timings_ms.items()},
        "error": None,
    })


def error_entry(path: Path, error: str) -> dict[str, Any]:
    """The ``images[]`` entry of a file that could not be read or analysed.

    ``popup`` is null, not false: nothing is known about the screen.
    """
    return {"path": str(path), "width": None, "height": None, "density": None, "popup": None,
            "window_box": None, "window": None, "close_controls": [], "ctas": [], "findings": [],
            "worst_outcome": None, "timings_ms": {}, "error": error}


def _worst(findings: Iterable[Any]) -> str | None:
    worst = None
    for f in findings:
        if worst is None or f.outcome.rank > worst.rank:
            worst = f.outcome
    return worst.value if worst is not None else None


def scan_file(path: Path, *, density: float | None, profile: Any, reader: Any,
              annotate_to: Path | None = None, annotate_name: str | None = None,
              warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Read, analyse and (optionally) annotate one file; never raises for a bad file.

    Returns
    -------
    dict
        An ``images[]`` entry (see :func:`analysis_to_json`, :func:`error_entry`).
    """
    from detectors.analyze import analyze_frame
    from detectors.imageio import ImageReadError, read_image

    try:
        frame = read_image(path)
    except ImageReadError as exc:
        entry = error_entry(path, exc.reason)
        entry["error_kind"] = exc.kind  # "unreadable" or "damaged" (truncated / decoder warnings)
        return entry
    try:
        analysis = analyze_frame(frame, density=density, profile=profile, reader=reader)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's error entry
        entry = error_entry(path, f"analysis failed: {type(exc).__name__}: {exc}")
        entry["error_kind"] = "analysis"  # a bug in splashcheck, not a bad file: exit 3 (see exit_code)
        return entry
    entry = analysis_to_json(path, analysis)
    if annotate_to is not None:
        entry["annotated"] = _write_annotation(frame, analysis, annotate_to / (annotate_name or f"{path.stem}.png"),
                                               warn)
    return entry


def _write_annotation(frame: Any, analysis: FrameAnalysis, out: Path,
                      warn: Callable[[str], None] | None) -> str | None:
    from detectors.imageio import write_image

    try:
        from detectors.evidence import annotate
    except ImportError as exc:
        if warn:
            warn(f"--annotate: detectors.evidence is not available ({exc}); no annotated images written")
        return None
    try:
        img = annotate(frame, analysis)
    except Exception as exc:  # noqa: BLE001 - evidence drawing must not lose the scan result
        if warn:
            warn(f"--annotate: could not annotate {safe_text(out.name)}: {type(exc).__name__}: {exc}")
        return None
    try:
        write_image(out, img)  # never cv2.imwrite: it segfaults on a non-UTF-8 name
    except (OSError, ValueError) as exc:  # a full disk or a read-only folder loses the picture, not the result
        if warn:
            warn(f"--annotate: could not write {safe_text(str(out))}: {getattr(exc, 'strerror', None) or exc}")
        return None
    return str(out)


EXIT_OK, EXIT_VIOLATION, EXIT_INTERNAL = 0, 1, 3


def exit_code(images: Sequence[Mapping[str, Any]]) -> int:
    """The verdict as an exit code: 1 when any finding of any image is a violation, else 0.

    A file that could not be read does not change it (the scan contract is 0 / 1 / 2): it has
    its own ``error`` entry in the output and a warning on stderr, and the other files are judged.
    A file whose analysis crashed (a bug in splashcheck) gives 3 when nothing was violated: a
    silent 0 would read as "checked and compliant".
    """
    if any(f.get("outcome") == Outcome.VIOLATION.value for img in images for f in img.get("findings", ())):
        return EXIT_VIOLATION
    if any(img.get("error_kind") == "analysis" for img in images):
        return EXIT_INTERNAL
    return EXIT_OK


# ----------------------------------------------------------------------------- text

_WORST_CELL = {"violation": "violation", "needs_review": "needs review", "not_run": "not run", "pass": "pass",
               "not_applicable": "n/a"}
_SHORT = {"close-button-present": "present", "close-button-size": "size", "close-button-contrast": "contrast",
          "close-button-placement": "placement"}


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return safe_text(path)
    return safe_text(rel if not rel.startswith("..") else path)


def _controls_cell(img: Mapping[str, Any]) -> str:
    cs = img.get("close_controls") or []
    if not img.get("popup"):
        return "-"
    if not cs:
        return "none"
    parts = []
    for c in cs[:3]:
        what = f"'{c['text']}'" if c.get("text") else ("X" if c.get("kind") == "x_icon" else c.get("kind", "?"))
        sz = c.get("size_dp")
        if sz and sz.get("w") is not None:
            what += f" {sz['w']:.0f}x{sz['h']:.0f}dp"
        parts.append(what)
    if len(cs) > 3:
        parts.append(f"+{len(cs) - 3}")
    return ", ".join(parts)


def _notes_cell(img: Mapping[str, Any]) -> str:
    if img.get("error"):
        return f"ERROR: {img['error']}"
    # Rules with the same outcome and reason share one note ("size/contrast not run (...)").
    groups: dict[tuple[str, str], list[str]] = {}
    for f in img.get("findings", ()):
        if f["outcome"] in ("violation", "needs_review", "not_run"):
            groups.setdefault((f["outcome"], f.get("reason") or ""), []).append(_SHORT.get(f["rule"], f["rule"]))
    notes = []
    for (outcome, reason), names in sorted(groups.items(), key=lambda kv: -Outcome(kv[0][0]).rank):
        note = f"{'/'.join(names)} {outcome.replace('_', ' ')}"
        notes.append(note + (f" ({reason})" if reason else ""))
    return "; ".join(notes)


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: max(0, n - 1)] + "…"


def _clip_left(s: str, n: int) -> str:
    """Clip a path from the left: the file name is what matters."""
    return s if len(s) <= n else "…" + s[len(s) - n + 1:]


def render_text(result: Mapping[str, Any], *, width: int | None = None) -> str:
    """A readable table of a scan result, one row per image, and a summary.

    ``width``: terminal width to clip the NOTES column to; None keeps notes whole (pipes, CI logs).
    """
    images = result["images"]
    headers = ("FILE", "DENSITY", "WINDOW", "CONTROLS", "WORST", "NOTES")
    rows = []
    for img in images:
        dens = img.get("density") or {}
        dcell = "-" if not dens else f"{dens['value']:g}" + ("*" if dens.get("estimated") else "")
        if img.get("error"):
            window = "?"
        elif img.get("popup"):
            window = (img.get("window") or {}).get("kind") or "pop-up"
        else:
            window = "none"
        rows.append([_display_path(img["path"]), dcell, window, _controls_cell(img),
                     "error" if img.get("error") else _WORST_CELL.get(img.get("worst_outcome"), "-"),
                     _notes_cell(img)])
    caps = (48, 8, 10, 36, 12)
    widths = [min(max([len(headers[i])] + [len(r[i]) for r in rows]), caps[i]) for i in range(5)]
    lines = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers[:5])) + "  " + headers[5]]
    used = sum(widths) + 2 * 5
    for r in rows:
        cells = [(_clip_left if i == 0 else _clip)(r[i], widths[i]).ljust(widths[i]) for i in range(5)]
        lines.append(("  ".join(cells) + "  " + (r[5] if width is None else _clip(r[5], max(20, width - used))))
                     .rstrip())
    n_err = sum(1 for i in images if i.get("error"))
    n_pop = sum(1 for i in images if i.get("popup"))
    n_viol = sum(1 for i in images if i.get("worst_outcome") == "violation")
    n_est = sum(1 for i in images if (i.get("density") or {}).get("estimated"))
    lines.append("")
    lines.append(f"{len(images)} image(s): {n_pop} with a pop-up/splash window, {n_viol} with violations, "
                 f"{n_err} unreadable; profile {result.get('profile', '?')}"
                 + ("" if result.get("ocr", True) else "; OCR off (text controls such as 'Skip' not looked for)"))
    if n_est:
        lines.append(f"* density estimated from the image size for {n_est} image(s); "
                     "pass --density for exact sizes in dp")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- progress


class Progress:
    """A one-line progress bar on a terminal stream; silent when the stream is not a TTY or total ≤ 1."""

    def __init__(self, total: int, stream: TextIO | None = None, *, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.width = width
        try:
            tty = self.stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self.active = bool(tty and total > 1)

    def update(self, done: int, label: str = "") -> None:
        if not self.active:
            return
        filled = int(self.width * done / max(1, self.total))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {_clip(label, 40):<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * (self.width + 56) + "\r")
            self.stream.flush()
