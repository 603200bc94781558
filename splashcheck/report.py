"""Results for people and pipelines: Allure evidence, the verdict JSON, the summary table.

Everything the compliance suite shows a reviewer is attached here, in one place
(:func:`attach_finding`), and everything a pipeline reads is written here
(:func:`write_run_record`, :func:`merge_verdict`). The pytest plugin (``conftest.py``) and
``splashcheck run`` only call these functions.

The verdict JSON (``<out>/verdict.json``)::

    {"schema": 1, "profile": "cn-2023", "updated": "<ISO time>",
     "runs": [{"device": "<name>", "app": "<as given>", "app_id": "<id>", "error": null | "...",
               "coverage": "window recognised | transient screen judged without recognised window |
                            window recognised, and a transient screen judged without recognised window |
                            layer over the first screen judged as a pop-up without recognised window |
                            window recognised, and a layer judged as a pop-up without recognised window |
                            no transient screen | detectors failed | ...",
               "rules": {"<rule id>": {"outcome": "violation|needs_review|pass|not_applicable|not_run",
                                       "impact": "minor|moderate|serious|critical",
                                       "measured": {"<key with unit suffix>": ..},
                                       "threshold": {"<name>": {"value": .., "unit": .., "source": .., "profile": ..}},
                                       "reason": null | "...", "confidence": 0..1, "box": [x1, y1, x2, y2] | null,
                                       "evidence": ["<paths>"]}},
               "artifacts": {"key_frame": "<path>", "contact_sheet": "<path>", ...},
               "timings_s": {"total": .., ...}}]}

``error`` is set when the run could not complete (the app crashed or did not load, the device or
its Appium server died and one retry did not help); ``rules`` then holds what was judged before.

Paths are relative to the verdict file's folder when they lie under it. Each device × app run is
first written to ``<out>/runs/<device>--<app>.json`` (atomically, as soon as the app is done) and
``verdict.json`` is the merge of those files, rewritten after every app: an interrupted run keeps
everything it finished.
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import tempfile
import unicodedata
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from detectors.model import Finding, Impact, Outcome
from detectors.registry import RULES, RuleSpec

VERDICT_SCHEMA = 1
RUNS_DIR = "runs"
VERDICT_FILE = "verdict.json"

# Allure has five severities, rules have four impacts. A critical rule (no close button, a fake
# close, a full-screen jump link) blocks a listing; serious ones are what Allure calls critical.
ALLURE_SEVERITY = {
    Impact.CRITICAL: "blocker",
    Impact.SERIOUS: "critical",
    Impact.MODERATE: "normal",
    Impact.MINOR: "minor",
}

# Rule families: one test module of the suite each, and the Allure feature / sub-suite.
FAMILIES: dict[str, tuple[str, ...]] = {
    "Close button": ("close-button-present", "close-button-size", "close-button-contrast",
                     "close-button-placement", "close-button-delay", "close-button-works"),
    "Jump triggers": ("fullscreen-jump-link", "shake-sensitivity"),
    "Lifecycle": ("splash-duration", "popup-reappears"),
}
FAMILY_OF = {rule_id: family for family, ids in FAMILIES.items() for rule_id in ids}

# Worst first: the order the summary uses to name one outcome for a device × app run.
# "error" (the app could not be checked) ranks between a violation and needs_review.
_WORST = ("violation", "error", "needs_review", "not_run", "pass", "not_applicable")

# Measured keys carry their unit as a suffix (detectors.model.Finding): width_dp, delay_s, ...
_UNIT_SUFFIXES = {"_dp": "dp", "_px": "px", "_s": "s", "_ms": "ms", "_deg": "°", "_ms2": "m/s²",
                  "_fraction": "", "_pct": "%"}


class NeedsReview(UserWarning):
    """A rule passed its hard threshold but the checker wants a person to look (``needs_review``)."""


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------

_FSI, _PDI = "\u2068", "\u2069"


def isolate(text: Any) -> str:
    """``text`` wrapped in Unicode bidi isolates (FSI … PDI) for plain-text places of the report.

    App titles, ids, URLs, device names and error texts come from users and apps: a right-to-left
    override (U+202E) in an app title would otherwise reorder what follows it on the line — the
    app id, the device, the verdict. Inside an isolate its effect ends at the PDI (UAX #9).
    Text with no right-to-left letter and no bidi control cannot reorder its neighbours and is
    returned as is (ids such as ``tiny-close`` stay plain in labels, filters and history ids).
    """
    text = str(text)
    if any(unicodedata.bidirectional(c) in _REORDERING for c in text):
        return f"{_FSI}{text}{_PDI}"
    return text


# Bidi classes (UAX #9) that can reorder text around them: right-to-left letters, Arabic digits,
# and the explicit embeddings, overrides and isolates.
_REORDERING = frozenset({"R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def defang(text: Any) -> str:
    """``text`` with its bidi control characters shown as ``<U+202E>``: for plain-text places that
    also reach a terminal (test failure messages), where isolates would show as stray glyphs."""
    return _BIDI_CONTROLS.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))


def bdi(text: Any) -> str:
    """HTML-escaped ``text`` in a ``<bdi>`` element (the HTML form of :func:`isolate`)."""
    return f"<bdi>{html.escape(str(text))}</bdi>"


def rule_spec(rule_id: str) -> RuleSpec | None:
    return RULES.get(rule_id)


def render_message(finding: Finding) -> str:
    """One line for people: rule, outcome, the decisive measured-vs-threshold comparison, reason."""
    from detectors import render

    return render.message(finding)


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def _unit_of(key: str) -> tuple[str, str]:
    for suffix, unit in _UNIT_SUFFIXES.items():
        if key.endswith(suffix):
            return key[: -len(suffix)], unit
    return key, ""


def finding_table_html(finding: Finding, *, device: str = "", app: str = "") -> str:
    """A self-contained HTML page: the verdict, measured vs threshold with sources, every measured value."""
    from detectors import render

    spec = rule_spec(finding.rule)
    esc = html.escape
    outcome = finding.outcome.value
    facts = [("device", device), ("app", app), ("rule", finding.rule), ("impact", finding.impact.value),
             ("confidence", f"{float(finding.confidence):.2f}"),
             ("box (px)", format_value(finding.box_px) if finding.box_px else ""),
             ("reason", finding.reason or "")]
    rows_f = "".join(f"<tr><th>{esc(k)}</th><td>{bdi(v)}</td></tr>" for k, v in facts if v)
    rows_m = "".join(
        f"<tr><td>{esc(name)}</td><td class=n>{bdi(format_value(v))}</td><td>{esc(unit)}</td></tr>"
        for name, unit, v in ((*_unit_of(k), v) for k, v in finding.measured.items()))
    # Allure previews an HTML attachment in a short frame: the verdict and the comparison come first.
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body{{font:13px/1.4 system-ui,sans-serif;margin:4px 8px;color:#222}} h3{{margin:2px 0 4px;font-size:15px}}
table{{border-collapse:collapse;margin:4px 0 10px}} td,th{{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}}
th{{background:#f6f6f6;font-weight:600}} td.n{{text-align:right;font-variant-numeric:tabular-nums}} p{{margin:2px 0 6px}}
.o{{padding:1px 8px;border-radius:4px;color:#fff;font-size:12px;vertical-align:middle}} .violation{{background:#c62828}}
.needs_review{{background:#b26a00}} .pass{{background:#2e7d32}} .not_applicable,.not_run{{background:#616161}}
</style></head><body>
<h3>{esc(spec.title if spec else finding.rule)} <span class="o {esc(outcome)}">{esc(outcome.replace('_', ' '))}</span></h3>
<p>{bdi(render_message(finding))}</p>
{render.table_html([finding]) if finding.thresholds else '<p>no threshold applies</p>'}
<table>{rows_f}</table>
<b>Everything measured</b>
{'<table><tr><th>value</th><th>measured</th><th>unit</th></tr>' + rows_m + '</table>' if rows_m else '<p>nothing measured</p>'}
<p>{esc(spec.question if spec else '')} Sources: {esc(spec.sources if spec else '')}</p>
</body></html>"""


def description_markdown(finding: Finding) -> str:
    """The test's description in the report: the rule's question, the verdict, measured vs threshold."""
    from detectors import render

    spec = rule_spec(finding.rule)
    lines = []
    if spec:
        lines += [f"**{spec.question}**", ""]
    lines += [f"**Outcome: {finding.outcome.value.replace('_', ' ')}** — impact {finding.impact.value}, "
              f"confidence {float(finding.confidence):.2f}", "", isolate(render_message(finding))]
    rows = render.comparison_rows(finding)
    if rows:
        lines += ["", "| | measured | | threshold | source |", "|---|---:|:-:|---:|---|"]
        for r in rows:
            mark = " ✗" if r.failing else ""
            source = r.threshold.source if len(r.threshold.source) <= 70 else r.threshold.source[:69] + "…"
            lines.append(f"| {r.label}{mark} | {r.measured_text} | {r.relation} | {r.threshold_text} | "
                         f"{source.replace('|', '/')} |")
        lines += ["", f"Thresholds from profile `{rows[0].threshold.profile}`."]
    if spec:
        lines += ["", f"Sources: {spec.sources}."]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Allure: every attachment, label and link of the suite is made here
# --------------------------------------------------------------------------------------------

def attach_finding(finding: Finding, result: Any, *, device: str, app: str, app_title: str = "",
                   profile: str) -> None:
    """Label the current test and attach the evidence a reviewer needs for ``finding``.

    Parameters
    ----------
    finding
        The rule's finding on this device × app.
    result
        The :class:`harness.device.AppResult` the finding belongs to (its ``artifacts`` hold the
        annotated key frame and the timeline contact sheet of the whole run).
    device, app, profile
        Names shown as parameters and labels.

    Artefacts of the whole run (key frame, contact sheet) are attached to tests that did not pass
    cleanly and to tests whose finding brought no evidence of its own, to keep reports small.
    """
    import allure

    spec = rule_spec(finding.rule)
    title = spec.title if spec else finding.rule
    family = FAMILY_OF.get(finding.rule, "Other")
    label = {Outcome.NEEDS_REVIEW: " — needs review", Outcome.NOT_RUN: " — not run"}.get(finding.outcome, "")
    allure.dynamic.title(f"{title}{label} · {isolate(app)} on {isolate(device)}")
    allure.dynamic.description(description_markdown(finding))
    allure.dynamic.severity(ALLURE_SEVERITY[finding.impact])
    allure.dynamic.parent_suite(app_suite(app, app_title))
    allure.dynamic.suite(isolate(device))
    allure.dynamic.sub_suite(family)
    allure.dynamic.feature(family)
    allure.dynamic.story(title)
    allure.dynamic.tag(finding.rule)
    allure.dynamic.tag(profile)
    if finding.outcome in (Outcome.NEEDS_REVIEW, Outcome.NOT_RUN):
        allure.dynamic.tag(finding.outcome.value.replace("_", "-"))
    allure.dynamic.label("rule", finding.rule)
    allure.dynamic.label("impact", finding.impact.value)
    allure.dynamic.label("outcome", finding.outcome.value)
    allure.dynamic.parameter("app", isolate(app))  # replaces the test parameter's repr (a whole AppSpec)
    allure.dynamic.parameter("profile", profile)
    if spec:
        allure.dynamic.link(spec.help_url, name=f"Rule help: {finding.rule}")

    allure.attach(finding_table_html(finding, device=device, app=app),
                  name=f"{title}: measured vs threshold", attachment_type=allure.attachment_type.HTML)
    # A clean pass shows its evidence as thumbnails: the report's bytes go to what a reviewer must read.
    clean = finding.outcome in (Outcome.PASS, Outcome.NOT_APPLICABLE)
    for path in finding.evidence:
        _attach_file(path, f"{title}: {Path(path).stem.replace('_', ' ')}",
                     max_side=ATTACH_THUMB_SIDE if clean else ATTACH_MAX_SIDE)
    artifacts = getattr(result, "artifacts", {}) or {}
    wants_run_artifacts = finding.outcome not in (Outcome.PASS, Outcome.NOT_APPLICABLE) or not finding.evidence
    if wants_run_artifacts:
        for key, name in (("key_frame", "Key frame (annotated)"), ("contact_sheet", "Launch timeline (contact sheet)"),
                          ("animation", "Launch timeline (animation)")):
            if artifacts.get(key) and artifacts[key] not in finding.evidence:
                _attach_file(artifacts[key], name, max_side=ATTACH_THUMB_SIDE if clean else ATTACH_MAX_SIDE)
    allure.attach(json.dumps(finding.to_json(), indent=2, ensure_ascii=False), name="finding.json",
                  attachment_type=allure.attachment_type.JSON)


def attach_error(error: str, result: Any, *, device: str, app: str, app_title: str = "", profile: str,
                 rule_id: str) -> None:
    """Labels and whatever evidence exists for a device × app run that could not complete."""
    import allure

    spec = rule_spec(rule_id)
    title = spec.title if spec else rule_id
    allure.dynamic.title(f"{title} — app not checked · {isolate(app)} on {isolate(device)}")
    allure.dynamic.description(f"**{spec.question if spec else rule_id}**\n\nThe run could not complete:\n\n```\n{isolate(error)}\n```")
    allure.dynamic.parent_suite(app_suite(app, app_title))
    allure.dynamic.suite(isolate(device))
    allure.dynamic.sub_suite(FAMILY_OF.get(rule_id, "Other"))
    allure.dynamic.feature(FAMILY_OF.get(rule_id, "Other"))
    allure.dynamic.story(title)
    allure.dynamic.tag("app-error")
    allure.dynamic.label("outcome", "error")
    allure.dynamic.parameter("app", isolate(app))
    allure.dynamic.parameter("profile", profile)
    if spec:
        allure.dynamic.severity(ALLURE_SEVERITY[spec.impact])
    for key, path in (getattr(result, "artifacts", {}) or {}).items():
        _attach_file(path, key.replace("_", " ").capitalize())


def app_suite(app: str, title: str = "") -> str:
    """Top level of the report tree: the app's title with its id (``关闭按钮过小 · tiny-close``)."""
    return f"{isolate(title)} · {isolate(app)}" if title and title != app else isolate(app)


# Allure categories (Allure 3 config ``categories``), matched on the labels attach_finding sets.
ALLURE_CATEGORIES = [
    {"name": "Rule violations", "matchers": {"labels": {"outcome": "^violation$"}}},
    {"name": "Apps not checked (crash, load failure, device down)", "matchers": {"labels": {"outcome": "^error$"}}},
    {"name": "Needs review", "matchers": {"labels": {"outcome": "^needs_review$"}}},
    {"name": "Not run (could not be evaluated)", "matchers": {"labels": {"outcome": "^not_run$"}}},
    {"name": "Not applicable", "matchers": {"labels": {"outcome": "^not_applicable$"}}},
    {"name": "Suite errors", "matchers": {"statuses": ["broken"]}},
]


_MIME = {".png": ("image/png", "png"), ".jpg": ("image/jpeg", "jpg"), ".jpeg": ("image/jpeg", "jpg"),
         ".gif": ("image/gif", "gif"), ".webp": ("image/webp", "webp"), ".mp4": ("video/mp4", "mp4"),
         ".webm": ("video/webm", "webm"), ".json": ("application/json", "json"), ".html": ("text/html", "html"),
         ".txt": ("text/plain", "txt"), ".svg": ("image/svg+xml", "svg")}


def _attach_file(path: str | os.PathLike[str], name: str, *, max_side: int | None = None) -> None:
    import allure

    p = Path(path)
    if not p.is_file():  # a folder (the raw timeline) or a missing file: nothing to show inline
        return
    if p.suffix.lower() in _STILLS and (max_side is not None or p.stat().st_size > ATTACH_MAX_BYTES):
        small = _report_jpeg(str(p), p.stat().st_mtime_ns, max_side or ATTACH_MAX_SIDE)
        if small is not None:
            allure.attach(small, name=name, attachment_type="image/jpeg", extension="jpg")
            return
    mime, ext = _MIME.get(p.suffix.lower(), ("application/octet-stream", p.suffix.lstrip(".")))
    allure.attach.file(str(p), name=name, attachment_type=mime, extension=ext)


_STILLS = (".png", ".jpg", ".jpeg")
ATTACH_MAX_BYTES = 60_000
"""Larger evidence stills go into the report as smaller JPEGs (the evidence folder keeps the file):
one device × app attaches its key frame to several tests, and the single-file report embeds every
attachment, so the report stays ≤ 1 MB per device × app run (``python -m splashcheck.sizes``)."""
ATTACH_MAX_SIDE = 1000
"""Longest side, px, of a still attached to a test that needs a look (violation, needs review, not run):
labels of a 1082×2402 key frame stay readable."""
ATTACH_THUMB_SIDE = 480
"""Longest side, px, of a still attached to a test that passed cleanly (a thumbnail)."""
ATTACH_MAX_HEIGHT = ATTACH_MAX_SIDE  # the name earlier versions used
ATTACH_JPEG_QUALITY = 75


@functools.lru_cache(maxsize=64)
def _report_jpeg(path: str | os.PathLike[str], mtime_ns: int = 0, max_side: int = ATTACH_MAX_SIDE) -> bytes | None:
    """The image at ``path`` as JPEG bytes, its longer side at most ``max_side`` px; None if unreadable.
    Cached per file version (``mtime_ns``): the same key frame is attached to several tests."""
    import cv2
    import numpy as np

    img = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        return None
    scale = max_side / max(img.shape[:2])
    if scale < 1:
        size = (max(1, round(img.shape[1] * scale)), max(1, round(img.shape[0] * scale)))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, ATTACH_JPEG_QUALITY])
    return buf.tobytes() if ok else None


def write_environment(alluredir: str | os.PathLike[str], props: Mapping[str, str]) -> Path:
    """Write ``environment.properties`` (shown as the report's environment)."""
    path = Path(alluredir) / "environment.properties"
    path.parent.mkdir(parents=True, exist_ok=True)

    def esc(s: str) -> str:  # java.util.Properties escaping for the characters we may meet
        return str(s).replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=").replace(":", "\\:")

    path.write_text("".join(f"{esc(k).replace(' ', chr(92) + ' ')}={esc(v)}\n" for k, v in props.items()),
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Verdict JSON
# --------------------------------------------------------------------------------------------

def write_json_atomic(path: str | os.PathLike[str], data: Any) -> Path:
    """Write JSON so that readers see either the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, default=_json_default)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "value"):  # enums
        return o.value
    return str(o)


def _rel(path: str | os.PathLike[str], base: Path) -> str:
    """A path under ``base`` relative to it; anything else (other paths, non-path values) as is."""
    p = Path(path)
    if not p.is_absolute() or not p.exists():
        return str(path)
    try:
        return str(p.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _artifact(value: Any, base: Path) -> Any:
    """An artifact: a path (made relative), or a probe's JSON summary (kept as JSON, not as a string)."""
    text = str(value)
    if text.startswith("{") and text.endswith("}"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return _rel(text, base)


def run_record(result: Any, *, app_given: str, out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The verdict entry of one device × app run (see the module docstring for the shape)."""
    base = Path(out_dir)
    rules: dict[str, Any] = {}
    for rule_id, f in (result.findings or {}).items():
        rules[rule_id] = {
            "outcome": f.outcome.value,
            "impact": f.impact.value,
            "measured": dict(f.measured),
            "threshold": {k: t.to_json() for k, t in f.thresholds.items()},
            "reason": f.reason,
            "confidence": round(float(f.confidence), 3),
            "box": list(f.box_px) if f.box_px is not None else None,
            "evidence": [_rel(p, base) for p in f.evidence],
        }
    return {
        "device": result.device,
        "app": app_given,
        "app_id": result.app,
        "error": result.error,
        "coverage": getattr(result, "coverage", None),
        "rules": rules,
        "artifacts": {k: _artifact(v, base) for k, v in (result.artifacts or {}).items()},
        "timings_s": {k: round(float(v), 3) for k, v in (result.timings_s or {}).items()},
    }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:80] or "app"


def write_run_record(record: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> Path:
    """Store one run's record as ``<out>/runs/<device>--<app>.json`` (atomic)."""
    name = f"{_slug(record['device'])}--{_slug(str(record.get('app_id') or record['app']))}.json"
    return write_json_atomic(Path(out_dir) / RUNS_DIR / name, record)


def merge_verdict(out_dir: str | os.PathLike[str], *, profile: str, order: Iterable[tuple[str, str]] = ()) -> dict:
    """Merge every run record under ``<out>/runs`` into ``<out>/verdict.json`` (atomic) and return it.

    ``order`` lists (device, app id) pairs in the order the runs were planned; runs not in it
    come after, sorted.
    """
    out = Path(out_dir)
    records = []
    for p in sorted((out / RUNS_DIR).glob("*.json")):
        try:
            records.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:  # a half-copied file from elsewhere: say so, keep going
            warnings.warn(f"skipping unreadable run record {p}: {exc}", RuntimeWarning)
    rank = {key: i for i, key in enumerate(order)}
    records.sort(key=lambda r: (rank.get((r["device"], r.get("app_id")), len(rank)), r["device"], str(r["app"])))
    verdict = {"schema": VERDICT_SCHEMA, "profile": profile,
               "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "runs": records}
    write_json_atomic(out / VERDICT_FILE, verdict)
    return verdict


def reset_results(out_dir: str | os.PathLike[str]) -> None:
    """Forget the run records and verdict of an earlier run into the same folder."""
    out = Path(out_dir)
    for p in (out / RUNS_DIR).glob("*.json"):
        p.unlink(missing_ok=True)
    (out / VERDICT_FILE).unlink(missing_ok=True)


def worst_outcome(record: Mapping[str, Any]) -> str:
    """One word for a run: the worst rule outcome, or ``error`` when the run could not complete."""
    seen = {r["outcome"] for r in record.get("rules", {}).values()}
    if record.get("error"):
        seen.add("error")
    for outcome in _WORST:
        if outcome in seen:
            return outcome
    return "not_run"


def exit_code(verdict: Mapping[str, Any] | None) -> int:
    """0: every run checked, no violation; 1: any violation; 3: no violation but a run could not be
    checked (or there is no verdict at all)."""
    runs = (verdict or {}).get("runs") or []
    if not runs:
        return 3
    worst = {worst_outcome(r) for r in runs}
    if "violation" in worst:
        return 1
    if "error" in worst:
        return 3
    return 0


def summary_table(verdict: Mapping[str, Any]) -> str:
    """A plain-text table: device × app × worst outcome, the rules violated or to review, and counts."""
    rows = [("device", "app", "verdict", "violated", "needs review", "pass", "n/a", "not run")]
    for r in verdict.get("runs", []):
        outs = [(rid, v["outcome"]) for rid, v in r.get("rules", {}).items()]
        worst = worst_outcome(r)
        shown = worst.upper() if worst in ("violation", "error") else worst.replace("_", " ")
        rows.append((r["device"], str(r["app"]), shown,
                     ", ".join(rid for rid, o in outs if o == "violation") or "-",
                     ", ".join(rid for rid, o in outs if o == "needs_review") or "-",
                     *(str(sum(o == k for _, o in outs)) for k in ("pass", "not_applicable", "not_run"))))
        if r.get("error"):
            rows.append(("", "", "", f"error: {_one_line(r['error'])}", "", "", "", ""))
        elif outs and all(o == "not_applicable" for _, o in outs):
            # say it out loud: an app with nothing judged is not an app shown compliant
            rows.append(("", "", "", f"every rule not_applicable (coverage: {r.get('coverage') or 'unknown'})",
                         "", "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
