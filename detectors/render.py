"""Text for people, rendered from :class:`~detectors.model.Finding` records.

A finding is the record; these are views of it:

- :func:`message`: one line, e.g.
  ``close-button-size: violation — visible 18.3 dp < 24 dp (WCAG 2.2 SC 2.5.8 …, profile cn-2023)``;
- :func:`comparison_rows`: measured vs threshold vs source, one row per threshold;
- :func:`table_markdown` / :func:`table_html`: those rows as a table for the Allure report.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Iterable

from detectors.model import Finding, Outcome, Threshold
from detectors.registry import RULES
from detectors.rules import COMPARISONS, Comparison

__all__ = ["Row", "comparison_rows", "message", "short_message", "table_markdown", "table_html",
           "format_value", "OUTCOME_LABELS"]

OUTCOME_LABELS = {
    Outcome.VIOLATION: "violation",
    Outcome.NEEDS_REVIEW: "needs review",
    Outcome.PASS: "pass",
    Outcome.NOT_APPLICABLE: "not applicable",
    Outcome.NOT_RUN: "not run",
}

SOURCE_MAX_CHARS = 60
"""Sources are cut to this length in one-line messages (tables show them whole)."""

_UNIT_TEXT = {"ratio": ":1", "fraction": "", "1": "", "taps": "", "deg": "°"}


@dataclass(frozen=True)
class Row:
    """One threshold of one finding, read against its measured value."""

    rule: str
    outcome: Outcome
    key: str
    label: str
    measured: Any
    relation: str
    """``<``, ``≤``, ``=``, ``≥``, ``>`` between measured and threshold, or ``?`` when not measured."""
    threshold: Threshold
    failing: bool
    """The measured value is on the wrong side of this threshold."""

    @property
    def measured_text(self) -> str:
        return format_value(self.measured, self.threshold.unit, reference=self.threshold.value)

    @property
    def threshold_text(self) -> str:
        return format_value(self.threshold.value, self.threshold.unit)


def format_value(value: Any, unit: str, *, reference: float | None = None) -> str:
    """A value with its unit: ``18.3 dp``, ``2.85:1``, ``62 %``, ``0.50 s``.

    With ``reference``, enough decimals are shown that a value on the other side of the
    reference never prints as equal to it (2.999 shows as ``2.999:1``, not ``3.00:1``).
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) and unit not in ("fraction", "ratio"):
        return f"{value}{_UNIT_TEXT.get(unit, f' {unit}')}"
    v = float(value)
    if unit == "fraction":
        base, scale, suffix = 0, 100.0, " %"
    elif unit == "ratio":
        base, scale, suffix = 2, 1.0, ":1"
    elif unit in ("dp", "s", "m/s²", "deg"):
        base, scale, suffix = 1, 1.0, _UNIT_TEXT.get(unit, f" {unit}")
    else:
        base, scale, suffix = 2, 1.0, _UNIT_TEXT.get(unit, f" {unit}")
    decimals = base
    if reference is not None and v != reference:
        while decimals < 6 and round(v * scale, decimals) == round(reference * scale, decimals):
            decimals += 1
    text = f"{v * scale:.{decimals}f}"
    if reference is None and "." in text:
        text = text.rstrip("0").rstrip(".")  # thresholds: "24 dp", "4.5:1"
    return text + suffix


def _relation(measured: float, limit: float) -> str:
    if measured < limit:
        return "<"
    if measured > limit:
        return ">"
    return "="


def _fails(comparison: Comparison, measured: float, limit: float) -> bool:
    if comparison.op == "min":
        return measured < limit
    if comparison.op == "max":
        return measured > limit
    return False


def comparison_rows(finding: Finding) -> list[Row]:
    """Measured value vs threshold for every threshold of a finding, in the finding's order."""
    rows = []
    table = COMPARISONS.get(finding.rule, {})
    for key, threshold in finding.thresholds.items():
        comparison = table.get(key, Comparison(key, key.replace("_", " "), "info"))
        value = finding.measured.get(comparison.measured_key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            relation = _relation(float(value), threshold.value)
            failing = _fails(comparison, float(value), threshold.value)
        else:
            relation, failing = "?", False
        rows.append(Row(finding.rule, finding.outcome, key, comparison.label, value, relation, threshold, failing))
    return rows


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _row_text(row: Row) -> str:
    return f"{row.label} {row.measured_text} {row.relation} {row.threshold_text}"


def _with_sources(rows: list[Row]) -> list[str]:
    """Comparisons grouped by source: 'a < x, b < y (source, profile p)'."""
    groups: list[tuple[tuple[str, str], list[str]]] = []
    for r in rows:
        key = (r.threshold.source, r.threshold.profile)
        if groups and groups[-1][0] == key:
            groups[-1][1].append(_row_text(r))
        else:
            groups.append((key, [_row_text(r)]))
    return [f"{', '.join(texts)} ({_cut(src, SOURCE_MAX_CHARS)}, profile {prof})" for (src, prof), texts in groups]


def message(finding: Finding, *, with_source: bool = True) -> str:
    """One line for people: rule, outcome, the decisive measured-vs-threshold comparisons, reason.

    Failing comparisons are shown when there are any (one per measured value: the first threshold
    listed, which rules order most decisive first), else every pass/fail comparison that has a value.
    """
    head = f"{finding.rule}: {OUTCOME_LABELS[finding.outcome]}"
    rows = [r for r in comparison_rows(finding) if r.relation != "?"]
    failing: list[Row] = []
    for r in rows:
        if r.failing and r.label not in {f.label for f in failing}:
            failing.append(r)
    judged = [r for r in rows if COMPARISONS.get(r.rule, {}).get(r.key, Comparison("", "", "info")).op != "info"]
    shown = failing or judged or rows
    parts = _with_sources(shown) if with_source else [_row_text(r) for r in shown]
    if finding.reason:
        # When no comparison fails, the reason is what decided (a fake close, a jump): lead with it.
        if failing or finding.outcome not in (Outcome.VIOLATION, Outcome.NEEDS_REVIEW):
            parts.append(finding.reason)
        else:
            parts.insert(0, finding.reason)
    return head + (" — " + "; ".join(parts) if parts else "")


def short_message(finding: Finding) -> str:
    """:func:`message` without sources, for image legends."""
    return message(finding, with_source=False)


def _title(rule_id: str) -> str:
    spec = RULES.get(rule_id)
    return spec.title if spec else rule_id


_RESULT_TEXT = {True: "fails", False: "ok"}


def _table_rows(findings: Iterable[Finding]) -> list[tuple[str, ...]]:
    """(rule, outcome, measured, threshold, check, source, note) per threshold of each finding."""
    out: list[tuple[str, ...]] = []
    for f in findings:
        rows = comparison_rows(f)
        if not rows:
            out.append((f.rule, OUTCOME_LABELS[f.outcome], "", "", "", "", f.reason or ""))
            continue
        for i, r in enumerate(rows):
            op = COMPARISONS.get(r.rule, {}).get(r.key, Comparison("", "", "info")).op
            check = "" if op == "info" or r.relation == "?" else _RESULT_TEXT[r.failing]
            out.append((f.rule if i == 0 else "", OUTCOME_LABELS[f.outcome] if i == 0 else "",
                        f"{r.label} {r.measured_text}",
                        f"{'≥' if op == 'min' else '≤' if op == 'max' else ''} {r.threshold_text}".strip(),
                        check, f"{r.threshold.source} (profile {r.threshold.profile})",
                        (f.reason or "") if i == 0 else ""))
    return out


_HEADERS = ("rule", "outcome", "measured", "required", "check", "source", "note")


def table_markdown(findings: Iterable[Finding]) -> str:
    """Markdown table: rule | outcome | measured | required | check | source | note."""
    def esc(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in _table_rows(findings)]
    return "\n".join(lines) + "\n"


_HTML_COLOURS = {
    "violation": "#c62828", "needs review": "#b26a00", "pass": "#2e7d32",
    "not applicable": "#616161", "not run": "#616161",
}


def table_html(findings: Iterable[Finding]) -> str:
    """Self-contained HTML table (inline styles) of measured vs threshold vs source."""
    head = ("<table style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">"
            "<thead><tr>" + "".join(f"<th style=\"text-align:left;border-bottom:2px solid #999;padding:4px 8px\">{h}</th>"
                                    for h in _HEADERS)
            + "</tr></thead><tbody>")
    body = []
    for row in _table_rows(findings):
        cells = []
        for i, c in enumerate(row):
            style = "padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top"
            if i == 1 and c:
                style += f";color:{_HTML_COLOURS.get(c, '#000')};font-weight:bold"
            if i == 4 and c == "fails":
                style += ";color:#c62828"
            cells.append(f"<td style=\"{style}\">{html.escape(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return head + "".join(body) + "</tbody></table>"
