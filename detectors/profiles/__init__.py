"""Rule profiles: every threshold in one declarative place, with unit and source.

Built-ins are the YAML files beside this module (``cn-2023`` is the default). A user profile
is a YAML file of the same shape; ``extends: <name or path>`` inherits and overrides
per rule and per threshold.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from detectors.model import Threshold
from detectors.yamlsafe import LineMap, YamlLimitError, load_config_yaml, read_config_text
from detectors.registry import RULES

_HERE = Path(__file__).resolve().parent
DEFAULT_PROFILE = "cn-2023"


class ProfileError(ValueError):
    """A profile file is missing or malformed; the message names the file and the key."""


@dataclass(frozen=True)
class RuleConfig:
    enabled: bool
    thresholds: Mapping[str, Threshold]


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    rules: Mapping[str, RuleConfig]

    def enabled(self, rule_id: str) -> bool:
        cfg = self.rules.get(rule_id)
        return bool(cfg and cfg.enabled)

    def threshold(self, rule_id: str, key: str) -> Threshold:
        try:
            return self.rules[rule_id].thresholds[key]
        except KeyError:
            raise KeyError(f"profile {self.name!r} has no threshold {key!r} for rule {rule_id!r}") from None

    def value(self, rule_id: str, key: str) -> float:
        return self.threshold(rule_id, key).value


def builtin_names() -> list[str]:
    return sorted(p.stem for p in _HERE.glob("*.yaml"))


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """Load a built-in profile by name, or a user profile from a YAML file.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file, or a malformed entry (the message says which).
    """
    return _load(str(name_or_path or DEFAULT_PROFILE), seen=())


# Keys a profile file may use, at each level (anything else is a typo: "did you mean").
_TOP_KEYS = ("name", "description", "extends", "rules")
_RULE_KEYS = ("enabled", "thresholds")
_THRESHOLD_KEYS = ("value", "unit", "source")
# Longest chain of ``extends`` (a user profile on a team profile on a built-in is 3).
MAX_EXTENDS_DEPTH = 8


def _resolve(ref: str, base_dir: Path | None) -> Path:
    """The file a profile reference names, made absolute and free of symlinks and ``..``: the same
    file reached through two relative paths (``p.yaml``, ``./sub/../p.yaml``) is one file."""
    if not isinstance(ref, str) or not ref.strip():
        raise ProfileError(f"a profile reference must be a built-in name or a file path (got {ref!r})")
    builtin = _HERE / f"{ref}.yaml"
    if "/" not in ref and builtin.is_file():
        return builtin.resolve()
    p = Path(ref).expanduser()
    if not p.is_absolute() and base_dir is not None and (base_dir / p).is_file():
        p = base_dir / p
    if p.is_file():
        try:
            return p.resolve(strict=True)
        except (OSError, RuntimeError):  # a symlink loop
            pass
    raise ProfileError(f"unknown profile {ref!r}: not a built-in ({', '.join(builtin_names())}) nor a readable file")


def _did_you_mean(key: Any, known: Any) -> str:
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(map(str, known))})"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=1)
def _known_thresholds() -> dict[str, frozenset[str]]:
    """Threshold keys each rule's judge reads: those the built-in profiles define."""
    known: dict[str, set[str]] = {rid: set() for rid in RULES}
    for f in _HERE.glob("*.yaml"):
        data, _ = load_config_yaml(read_config_text(f))
        for rid, raw in ((data or {}).get("rules") or {}).items():
            known.setdefault(rid, set()).update(((raw or {}).get("thresholds") or {}).keys())
    return {rid: frozenset(v) for rid, v in known.items()}


def _load(ref: str, seen: tuple[Path, ...], base_dir: Path | None = None) -> Profile:
    path = _resolve(ref, base_dir)
    if path in seen:
        chain = " → ".join(p.name for p in seen + (path,))
        raise ProfileError(f"{path}: 'extends' loops back to itself ({chain})")
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ProfileError(f"{path}: more than {MAX_EXTENDS_DEPTH} profiles extend each other")
    try:
        data, duplicates = load_config_yaml(read_config_text(path))
    except YamlLimitError as exc:
        raise ProfileError(f"{path}:{exc.line}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ProfileError(f"{path}:{mark.line + 1 if mark else 0}: cannot read profile: {what}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from None
    if not isinstance(data, LineMap):
        raise ProfileError(f"{path}:{getattr(data, 'line', 1) or 1}: a profile is a mapping with 'name' and 'rules'")
    if duplicates:
        line, key = duplicates[0]
        raise ProfileError(f"{path}:{line}: duplicate key {_short(key)} (YAML keeps only the last one)")
    for key in data:
        if key not in _TOP_KEYS:
            raise ProfileError(f"{path}:{data.key_lines.get(key, data.line)}: unknown key {_short(key)}"
                               f"{_did_you_mean(key, _TOP_KEYS)}")
    for key in ("name", "description", "extends"):
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise ProfileError(f"{path}:{data.line_of(key)}: {key} must be a string (got {_short(data[key])})")
    name = data.get("name") or path.stem
    parent = _load(data["extends"], seen + (path,), path.parent) if data.get("extends") else None
    rules: dict[str, RuleConfig] = dict(parent.rules) if parent else {}
    raw_rules = data.get("rules") or {}
    if not isinstance(raw_rules, dict):
        raise ProfileError(f"{path}:{data.line_of('rules')}: 'rules' must be a mapping of rule id to settings "
                           f"(got {_short(raw_rules)})")
    known = _known_thresholds()
    for rule_id, raw in raw_rules.items():
        line = raw_rules.key_lines.get(rule_id, raw_rules.line) if isinstance(raw_rules, LineMap) else 0
        where = f"{path}:{line}: rules.{rule_id}"
        if rule_id not in RULES:
            raise ProfileError(f"{path}:{line}: rules.{_short(rule_id)}: unknown rule id{_did_you_mean(rule_id, RULES)}")
        raw = raw if raw is not None else {}
        if not isinstance(raw, dict):
            raise ProfileError(f"{where}: expected a mapping with 'enabled' / 'thresholds' (got {_short(raw)})")
        for key in raw:
            if key not in _RULE_KEYS:
                raise ProfileError(f"{path}:{raw.key_lines.get(key, line)}: rules.{rule_id}: unknown key "
                                   f"{_short(key)}{_did_you_mean(key, _RULE_KEYS)}")
        base = rules.get(rule_id, RuleConfig(True, {}))
        enabled = raw.get("enabled", base.enabled)
        if not isinstance(enabled, bool):  # 'no' in quotes, 0, "false": a truthy string must not enable
            raise ProfileError(f"{path}:{raw.line_of('enabled')}: rules.{rule_id}.enabled must be true or false "
                               f"(got {_short(enabled)})")
        raw_t = raw.get("thresholds") or {}
        if not isinstance(raw_t, dict):
            raise ProfileError(f"{path}:{raw.line_of('thresholds')}: rules.{rule_id}.thresholds must be a mapping "
                               f"of name to {{value, unit, source}} (got {_short(raw_t)})")
        thresholds = dict(base.thresholds)
        allowed = sorted(known.get(rule_id, ()))
        for key, t in raw_t.items():
            tline = raw_t.key_lines.get(key, raw_t.line) if isinstance(raw_t, LineMap) else line
            if key not in allowed:
                raise ProfileError(f"{path}:{tline}: rules.{rule_id}.thresholds.{_short(key)}: unknown threshold"
                                   f"{_did_you_mean(key, allowed)}")
            thresholds[key] = _threshold(path, tline, rule_id, key, t, str(name))
        rules[rule_id] = RuleConfig(enabled, thresholds)
    # Inherited thresholds are re-labelled with this profile's name: a finding says which profile judged it.
    rules = {rid: RuleConfig(cfg.enabled, {k: Threshold(t.value, t.unit, t.source, str(name))
                                           for k, t in cfg.thresholds.items()})
             for rid, cfg in rules.items()}
    return Profile(str(name), str(data.get("description") or ""), rules)


def _threshold(path: Path, line: int, rule_id: str, key: str, raw: Any, profile: str) -> Threshold:
    where = f"{path}:{line}: rules.{rule_id}.thresholds.{key}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise ProfileError(f"{where}: give value, unit and source, e.g. {{value: {raw}, unit: dp, source: ...}}")
    if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
        raise ProfileError(f"{where}: expected a mapping with 'value', 'unit' and 'source'")
    for k in raw:
        if k not in _THRESHOLD_KEYS:
            raise ProfileError(f"{where}: unknown key {_short(k)}{_did_you_mean(k, _THRESHOLD_KEYS)}")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(f"{where}: value {_short(value)} is not a number")
    value = float(value)
    if not math.isfinite(value) or value < 0:  # YAML reads .nan / .inf as floats; no threshold is negative
        raise ProfileError(f"{where}: value {value!r} must be a finite number ≥ 0")
    if not isinstance(raw["unit"], str) or not raw["unit"].strip():
        raise ProfileError(f"{where}: unit must be a non-empty string (got {_short(raw['unit'])})")
    source = raw.get("source", "user profile")
    if not isinstance(source, str):
        raise ProfileError(f"{where}: source must be a string (got {_short(source)})")
    return Threshold(value, raw["unit"], source, profile)
