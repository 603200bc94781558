"""Rule profiles: every threshold in one declarative place, with unit and source.

Built-ins are the YAML files beside this module (``cn-2023`` is the default). A user profile
is a YAML file of the same shape; ``extends: <name or path>`` inherits and overrides
per rule and per threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from detectors.model import Threshold
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


def _resolve(ref: str, base_dir: Path | None) -> Path:
    builtin = _HERE / f"{ref}.yaml"
    if builtin.is_file():
        return builtin
    p = Path(ref)
    if not p.is_absolute() and base_dir is not None and (base_dir / p).is_file():
        p = base_dir / p
    if p.is_file():
        return p
    raise ProfileError(f"unknown profile {ref!r}: not a built-in ({', '.join(builtin_names())}) nor a readable file")


def _load(ref: str, seen: tuple[str, ...], base_dir: Path | None = None) -> Profile:
    path = _resolve(ref, base_dir)
    if str(path) in seen:
        raise ProfileError(f"{path}: 'extends' loops back to itself")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a mapping with 'name' and 'rules'")
    name = data.get("name") or path.stem
    parent = _load(str(data["extends"]), seen + (str(path),), path.parent) if data.get("extends") else None
    rules: dict[str, RuleConfig] = dict(parent.rules) if parent else {}
    raw_rules = data.get("rules") or {}
    if not isinstance(raw_rules, dict):
        raise ProfileError(f"{path}: 'rules' must be a mapping of rule id to settings")
    for rule_id, raw in raw_rules.items():
        if rule_id not in RULES:
            raise ProfileError(f"{path}: rules.{rule_id}: unknown rule id; known: {', '.join(RULES)}")
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ProfileError(f"{path}: rules.{rule_id}: expected a mapping with 'enabled' / 'thresholds'")
        base = rules.get(rule_id, RuleConfig(True, {}))
        thresholds = dict(base.thresholds)
        for key, t in (raw.get("thresholds") or {}).items():
            thresholds[key] = _threshold(path, rule_id, key, t, str(name))
        rules[rule_id] = RuleConfig(bool(raw.get("enabled", base.enabled)), thresholds)
    # Inherited thresholds are re-labelled with this profile's name: a finding says which profile judged it.
    rules = {rid: RuleConfig(cfg.enabled, {k: Threshold(t.value, t.unit, t.source, str(name))
                                           for k, t in cfg.thresholds.items()})
             for rid, cfg in rules.items()}
    return Profile(str(name), str(data.get("description", "")), rules)


def _threshold(path: Path, rule_id: str, key: str, raw: Any, profile: str) -> Threshold:
    where = f"{path}: rules.{rule_id}.thresholds.{key}"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise ProfileError(f"{where}: give value, unit and source, e.g. {{value: {raw}, unit: dp, source: ...}}")
    if not isinstance(raw, dict) or "value" not in raw or "unit" not in raw:
        raise ProfileError(f"{where}: expected a mapping with 'value', 'unit' and 'source'")
    try:
        value = float(raw["value"])
    except (TypeError, ValueError):
        raise ProfileError(f"{where}: value {raw['value']!r} is not a number") from None
    return Threshold(value, str(raw["unit"]), str(raw.get("source", "user profile")), profile)
