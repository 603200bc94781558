"""Loader of the demo gallery: one entry per ``demo_apps/<id>/`` with its expected outcomes.

Each demo folder holds ``index.html`` and ``expected.yaml`` (``title``, ``description``, ``pattern``,
``window``, ``expected: {rule id: outcome}``, optional ``facts``). This module reads and validates them
against the rule registry (:data:`detectors.registry.RULES`) and :class:`detectors.model.Outcome`, so a
typo in a rule id or outcome fails loudly instead of silently skipping a check.

It is a plain module (``demo_apps`` is not an installed package): import it as ``demo_apps.catalog`` from
the project root, or load it by path (see ``demo_apps/tests/test_catalog.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from detectors.model import Outcome
from detectors.registry import RULES

DEFAULT_ROOT = Path(__file__).resolve().parent
"""The gallery shipped beside this module."""

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""Demo ids are kebab-case folder names (they become URL paths ``/<id>/``)."""

REQUIRED_TEXT_KEYS = ("title", "description", "pattern")
WINDOW_KINDS = ("splash", "popup", "none")
COVERAGE_KEY = "coverage"
"""Optional: the verdict's expected ``coverage`` (e.g. ``no transient screen`` for an app without a window)."""
FACT_KEYS = frozenset({
    "close", "close_visible_from_s", "taps_to_close", "close_jumps", "jump_controls", "picture_jumps",
    "duration_s", "reappears_after_s", "shake", "hot_zone_fraction",
})
SHAKE_KINDS = ("none", "sensitive", "taf")
NOT_DEMOS = frozenset({"common", "tests", "__pycache__"})
"""Folders of the gallery that are not demos."""


class GalleryError(ValueError):
    """A demo folder or its ``expected.yaml`` is malformed; the message names the file and the key."""


def demo_dirs(root: str | Path | None = None) -> list[Path]:
    """Demo folders under ``root`` (default: this gallery), sorted by name.

    A demo folder is any sub-folder except ``common``, ``tests`` and hidden ones.
    """
    root = Path(root) if root is not None else DEFAULT_ROOT
    if not root.is_dir():
        raise GalleryError(f"root: {root} is not a directory")
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and p.name not in NOT_DEMOS and not p.name.startswith((".", "_")))


def load_demo(folder: str | Path) -> dict[str, Any]:
    """Read and validate one demo folder.

    Returns
    -------
    dict
        ``id`` (folder name), ``title``, ``description``, ``pattern``, ``window`` (``splash``/``popup``/``none``),
        ``coverage`` (expected coverage string or None),
        ``expected`` (rule id → outcome value string, e.g. ``"violation"``), ``facts`` (dict, may be empty),
        ``path`` (absolute path of ``index.html``) and ``url_path`` (``/<id>/``, relative to the gallery root).
    """
    folder = Path(folder)
    demo_id = folder.name
    where = f"{folder}/expected.yaml"
    if not ID_PATTERN.match(demo_id):
        raise GalleryError(f"{folder}: demo id {demo_id!r} is not kebab-case")
    index = folder / "index.html"
    if not index.is_file():
        raise GalleryError(f"{folder}: index.html is missing")
    spec_path = folder / "expected.yaml"
    if not spec_path.is_file():
        raise GalleryError(f"{folder}: expected.yaml is missing")
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise GalleryError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise GalleryError(f"{where}: top level must be a mapping")

    for key in REQUIRED_TEXT_KEYS:
        value = spec.get(key)
        if not isinstance(value, str) or not value.strip():
            raise GalleryError(f"{where}: {key!r} must be a non-empty string")
    window = spec.get("window")
    if window not in WINDOW_KINDS:
        raise GalleryError(f"{where}: 'window' must be one of {WINDOW_KINDS}, got {window!r}")

    expected_raw = spec.get("expected")
    if not isinstance(expected_raw, dict) or not expected_raw:
        raise GalleryError(f"{where}: 'expected' must be a non-empty mapping of rule id to outcome")
    outcomes = {o.value for o in Outcome}
    expected: dict[str, str] = {}
    for rule_id, outcome in expected_raw.items():
        if rule_id not in RULES:
            raise GalleryError(f"{where}: expected: unknown rule id {rule_id!r}; known: {', '.join(RULES)}")
        if outcome not in outcomes:
            raise GalleryError(f"{where}: expected.{rule_id}: unknown outcome {outcome!r}; "
                               f"known: {', '.join(sorted(outcomes))}")
        expected[rule_id] = outcome

    facts = spec.get("facts") or {}
    if not isinstance(facts, dict):
        raise GalleryError(f"{where}: 'facts' must be a mapping")
    unknown = set(facts) - FACT_KEYS
    if unknown:
        raise GalleryError(f"{where}: facts: unknown keys {sorted(unknown)}; known: {sorted(FACT_KEYS)}")
    if facts.get("shake", "none") not in SHAKE_KINDS:
        raise GalleryError(f"{where}: facts.shake must be one of {SHAKE_KINDS}")

    cov = spec.get(COVERAGE_KEY)
    if cov is not None and (not isinstance(cov, str) or not cov.strip()):
        raise GalleryError(f"{where}: 'coverage' must be a non-empty string")

    return {
        "id": demo_id,
        "coverage": cov,
        "title": spec["title"],
        "description": spec["description"],
        "pattern": spec["pattern"],
        "window": window,
        "expected": expected,
        "facts": dict(facts),
        "path": str(index.resolve()),
        "url_path": f"/{demo_id}/",
    }


def load_gallery(root: str | Path | None = None) -> list[dict[str, Any]]:
    """Read every demo of the gallery at ``root`` (default: this folder), sorted by id.

    Raises
    ------
    GalleryError
        When a demo folder lacks ``index.html`` or ``expected.yaml``, when a rule id or outcome is unknown,
        or when ``root`` holds no demo.
    """
    demos = [load_demo(folder) for folder in demo_dirs(root)]
    if not demos:
        raise GalleryError(f"root: no demo folders under {root if root is not None else DEFAULT_ROOT}")
    return demos


def demo_url(base_url: str, demo: dict[str, Any]) -> str:
    """URL of a demo on the gallery's web server, e.g. ``http://127.0.0.1:8000`` → ``…/compliant-splash/``."""
    return base_url.rstrip("/") + demo["url_path"]
