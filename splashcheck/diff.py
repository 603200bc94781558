"""Compare two runs: which violations are new, fixed or unchanged (``splashcheck diff PREV NEW``).

A nightly farm needs one answer in the morning: did tonight's build break a rule that passed last
night? Each run writes ``verdict.json`` (:mod:`splashcheck.report`); this module reads two of them
and classifies every violation by its key *app × device × rule*:

- ``new``        violated in NEW, not violated in PREV (or the app/device was not in PREV);
- ``fixed``      violated in PREV, judged and not violated in NEW;
- ``unchanged``  violated in both;
- ``unverified`` violated in PREV, but NEW did not judge it (the app or device is missing from NEW,
                 the run broke off, or the rule is ``not_run``): neither fixed nor still broken.

The app is keyed by its id (``app_id``: the apps.yaml id or the name derived from a path/URL), so a
gallery run and an ``--app <folder>`` run of the same demo compare. Exit code of the command: 1 when a
violation is new, else 0; 2 when an input is missing or not a verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from splashcheck.report import VERDICT_FILE

__all__ = ["Change", "VerdictError", "load_verdict", "diff_verdicts", "render_text", "to_json"]

VIOLATION = "violation"
UNJUDGED = {"not_run", None}
"""Outcomes that say nothing about whether a rule holds (a missing rule counts as ``None``)."""


class VerdictError(ValueError):
    """An input is not a readable verdict (names the path)."""


@dataclass(frozen=True, order=True)
class Change:
    """One violation key and its outcome in each run (``None``: absent from that run)."""

    app: str
    device: str
    rule: str
    before: str | None
    after: str | None
    reason: str | None = None
    """NEW's reason for a new or unchanged violation; PREV's for a fixed or unverified one."""


def load_verdict(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """Read ``verdict.json`` from a run folder (or the file itself).

    Raises
    ------
    VerdictError
        When the path does not exist, has no ``verdict.json``, is not JSON, or has no ``runs`` list.
    """
    p = Path(path)
    file = p / VERDICT_FILE if p.is_dir() else p
    if not file.is_file():
        where = f"{p} has no {VERDICT_FILE}" if p.is_dir() else f"no such run folder or verdict file: {p}"
        raise VerdictError(where)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerdictError(f"{file}: not a readable verdict: {exc}") from exc
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and "device" in r and "app" in r for r in runs):
        raise VerdictError(f"{file}: not a splashcheck verdict (no 'runs' list of device × app records)")
    return file, data


def _index(verdict: Mapping[str, Any]) -> tuple[dict[tuple[str, str], Mapping[str, Any]], set[tuple[str, str]]]:
    """(app, device) → run record, and the set of runs that broke off (``error``)."""
    runs: dict[tuple[str, str], Mapping[str, Any]] = {}
    broken = set()
    for r in verdict["runs"]:
        key = (str(r.get("app_id") or r["app"]), str(r["device"]))
        runs[key] = r
        if r.get("error"):
            broken.add(key)
    return runs, broken


def _outcome(run: Mapping[str, Any] | None, rule: str) -> str | None:
    if run is None:
        return None
    return ((run.get("rules") or {}).get(rule) or {}).get("outcome")


def _reason(run: Mapping[str, Any] | None, rule: str) -> str | None:
    if run is None:
        return None
    return ((run.get("rules") or {}).get(rule) or {}).get("reason")


def diff_verdicts(prev: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Change]]:
    """Classify every violation of either run (see the module docstring).

    Returns
    -------
    dict
        ``{"new": [...], "fixed": [...], "unchanged": [...], "unverified": [...]}``, each a sorted
        list of :class:`Change`.
    """
    prev_runs, _ = _index(prev)
    new_runs, _ = _index(new)
    keys: set[tuple[str, str, str]] = set()
    for runs in (prev_runs, new_runs):
        for (app, device), r in runs.items():
            keys.update((app, device, rule) for rule, v in (r.get("rules") or {}).items()
                        if isinstance(v, dict) and v.get("outcome") == VIOLATION)
    out: dict[str, list[Change]] = {"new": [], "fixed": [], "unchanged": [], "unverified": []}
    for app, device, rule in sorted(keys):
        p_run, n_run = prev_runs.get((app, device)), new_runs.get((app, device))
        before, after = _outcome(p_run, rule), _outcome(n_run, rule)
        if after == VIOLATION:
            kind = "unchanged" if before == VIOLATION else "new"
            reason = _reason(n_run, rule)
        else:
            kind = "unverified" if after in UNJUDGED else "fixed"
            reason = _reason(p_run, rule)
        out[kind].append(Change(app, device, rule, before, after, reason))
    return out


def exit_code(changes: Mapping[str, Iterable[Change]]) -> int:
    """1 when any violation is new, else 0."""
    return 1 if list(changes.get("new", ())) else 0


def to_json(changes: Mapping[str, list[Change]], *, prev: Path, new: Path,
            prev_verdict: Mapping[str, Any], new_verdict: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of ``splashcheck diff --format json``."""
    def about(path: Path, v: Mapping[str, Any]) -> dict[str, Any]:
        return {"verdict": str(path), "updated": v.get("updated"), "profile": v.get("profile"), "runs": len(v["runs"])}

    return {
        "compared": {"prev": about(prev, prev_verdict), "new": about(new, new_verdict)},
        **{kind: [asdict(c) for c in items] for kind, items in changes.items()},
        "summary": {kind: len(items) for kind, items in changes.items()},
        "exit_code": exit_code(changes),
    }


_HEADINGS = {
    "new": "NEW violations",
    "fixed": "fixed (violated before, not now)",
    "unverified": "not judged in the new run (violated before; app/device missing, run broke off or rule not run)",
    "unchanged": "unchanged violations",
}


def render_text(changes: Mapping[str, list[Change]], *, prev: Path, new: Path,
                prev_verdict: Mapping[str, Any], new_verdict: Mapping[str, Any]) -> str:
    """A plain-text report: one section per kind (new first), one line per app × device × rule."""
    lines = [f"prev: {prev} ({prev_verdict.get('updated', '?')}, {len(prev_verdict['runs'])} runs)",
             f"new:  {new} ({new_verdict.get('updated', '?')}, {len(new_verdict['runs'])} runs)"]
    if prev_verdict.get("profile") != new_verdict.get("profile"):
        lines.append(f"note: the profiles differ ({prev_verdict.get('profile')} → {new_verdict.get('profile')})")
    for kind in ("new", "fixed", "unverified", "unchanged"):
        items = changes.get(kind, [])
        lines += ["", f"{_HEADINGS[kind]}: {len(items)}"]
        for c in items:
            change = f"{c.before or 'absent'} → {c.after or 'absent'}"
            reason = f" — {c.reason}" if c.reason else ""
            lines.append(f"  {c.app} on {c.device}: {c.rule} ({change}){reason}")
    counts = ", ".join(f"{len(changes.get(k, []))} {k}" for k in ("new", "fixed", "unverified", "unchanged"))
    lines += ["", f"summary: {counts}"]
    return "\n".join(lines)
