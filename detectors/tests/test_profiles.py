"""Rule profiles: built-ins load, inherit, carry units/sources; user YAML errors name file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.profiles import ProfileError, builtin_names, load_profile
from detectors.registry import RULES


def test_builtins_exist_and_cover_every_rule() -> None:
    assert set(builtin_names()) >= {"cn-2023", "android-a11y", "wcag22", "strict"}
    for name in builtin_names():
        profile = load_profile(name)
        assert profile.name == name
        assert set(profile.rules) == set(RULES), name


def test_default_is_cn_2023_with_rules_md_values() -> None:
    p = load_profile()
    assert p.name == "cn-2023"
    assert p.value("close-button-size", "min_visible") == 24
    assert p.value("close-button-size", "min_touch") == 48
    assert p.value("close-button-size", "min_touch_edge") == 32
    assert p.value("close-button-contrast", "min_icon_ratio") == 3.0
    assert p.value("close-button-contrast", "min_text_ratio") == 4.5
    assert p.value("fullscreen-jump-link", "violation_fraction") == 0.5
    assert p.value("fullscreen-jump-link", "review_fraction") == 0.25
    assert p.value("shake-sensitivity", "min_acceleration") == 15
    assert p.value("shake-sensitivity", "min_rotation") == 35
    assert p.value("shake-sensitivity", "min_duration") == 3
    assert p.value("splash-duration", "max_duration") == 5
    t = p.threshold("close-button-size", "min_visible")
    assert t.unit == "dp" and "WCAG" in t.source and t.profile == "cn-2023"


def test_inherited_thresholds_are_labelled_with_the_child_profile() -> None:
    strict = load_profile("strict")
    assert strict.value("close-button-size", "min_visible") == 44
    # not overridden in strict.yaml, inherited from cn-2023, but judged "by" strict
    t = strict.threshold("close-button-contrast", "min_text_ratio")
    assert t.value == 4.5 and t.profile == "strict"


def test_strict_is_at_least_as_strict_as_every_builtin() -> None:
    strict = load_profile("strict")
    for name in ("cn-2023", "android-a11y", "wcag22"):
        other = load_profile(name)
        assert strict.value("close-button-size", "min_touch") >= other.value("close-button-size", "min_touch")
        assert strict.value("close-button-delay", "max_delay") <= other.value("close-button-delay", "max_delay")
        assert (strict.value("fullscreen-jump-link", "violation_fraction")
                <= other.value("fullscreen-jump-link", "violation_fraction"))


def test_user_profile_extends_and_disables(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "name: mine\nextends: cn-2023\nrules:\n"
        "  shake-sensitivity: {enabled: false}\n"
        "  close-button-size:\n    thresholds:\n"
        "      min_visible: {value: 30, unit: dp, source: our design system}\n",
        encoding="utf-8",
    )
    p = load_profile(f)
    assert p.name == "mine"
    assert not p.enabled("shake-sensitivity")
    assert p.enabled("close-button-size")
    t = p.threshold("close-button-size", "min_visible")
    assert (t.value, t.source, t.profile) == (30, "our design system", "mine")
    assert p.value("close-button-size", "min_touch") == 48


@pytest.mark.parametrize(
    "body, needle",
    [
        ("rules:\n  no-such-rule: {}\n", "no-such-rule"),
        ("rules:\n  close-button-size:\n    thresholds:\n      min_visible: 30\n", "value, unit and source"),
        ("rules:\n  close-button-size:\n    thresholds:\n      min_visible: {value: big, unit: dp}\n", "not a number"),
        ("rules: [1, 2]\n", "'rules' must be a mapping"),
        ("- just\n- a list\n", "a profile is a mapping"),
        ("rules: {close-button-size: {thresholds: {x: {value: 1, unit: dp}}}\n", "cannot read profile"),
    ],
)
def test_bad_user_profiles_name_the_file_and_key(tmp_path: Path, body: str, needle: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(f)
    assert str(f) in str(err.value) and needle in str(err.value)


def test_unknown_profile_lists_builtins() -> None:
    with pytest.raises(ProfileError, match="cn-2023"):
        load_profile("no-such-profile")


def test_extends_loop_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="loops"):
        load_profile(tmp_path / "a.yaml")
