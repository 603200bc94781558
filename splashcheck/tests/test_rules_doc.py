from pathlib import Path

from splashcheck.rules_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_docs_rules_md_is_generated_from_the_registry_and_profiles() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "regenerate: python -m splashcheck.rules_doc > docs/rules.md"


def test_every_rule_has_a_section_with_its_thresholds() -> None:
    text = render()
    assert "## close-button-size" in text
    assert "| `min_visible` | 48 | 24 | 44 | 24 | dp |" in text  # android-a11y, cn-2023, strict, wcag22
