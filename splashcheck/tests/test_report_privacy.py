"""The HTML report makes no network request when opened; user text cannot reorder it (issue 8)."""

from __future__ import annotations

import json
import re

import pytest

from detectors.model import Finding, Impact, Outcome, Threshold
from splashcheck import report, run

RLO, FSI, PDI = "\u202e", "\u2068", "\u2069"


def _external_loads(text: str) -> list[str]:
    """URLs a page would fetch by itself when opened: src=, href of stylesheets/preloads, url(), fetch/import."""
    urls = re.findall(r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*["']?(https?:)?//([^"'\s>]+)""",
                      text, re.I)
    urls += re.findall(r"""<link\b[^>]*\bhref\s*=\s*["']?(https?:)?//([^"'\s>]+)""", text, re.I)
    return [u[1] for u in urls]


def test_generated_reports_load_nothing_from_the_network(tmp_path):
    """Was: the Allure 3 'awesome' page loaded googletagmanager.com (analytics) when opened."""
    if run.find_allure() is None:
        pytest.skip("Allure 3 is not installed (scripts/setup.sh)")
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "1-result.json").write_text(json.dumps({
        "uuid": "1", "historyId": "h1", "name": "t", "status": "passed",
        "labels": [{"name": "parentSuite", "value": "app"}], "start": 1, "stop": 2}))
    made = run.build_html_reports(tmp_path, title="privacy")
    assert set(made) == {"report", "one file"}
    for index in made.values():
        for f in [index, *index.parent.glob("*.js")]:
            text = f.read_text(encoding="utf-8", errors="replace")
            assert "googletagmanager" not in text and "gtag(" not in text, f
        assert _external_loads(index.read_text(encoding="utf-8")) == []


def test_strip_analytics_refuses_markup_it_does_not_know(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<html><script async src="https://www.googletagmanager.com/gtag/js?id=X"></script>\n'
                    "<script>\nwindow.dataLayer=[];function gtag(){dataLayer.push(arguments);}\ngtag('js', 1);\n"
                    "</script><div id=app></div></html>", encoding="utf-8")
    assert run.strip_analytics(page) is True
    assert page.read_text(encoding="utf-8") == "<html><div id=app></div></html>"
    page.write_text("<script>fetch('https://www.googletagmanager.com/x')</script>", encoding="utf-8")
    with pytest.raises(RuntimeError):
        run.strip_analytics(page)


def test_isolate_and_bdi():
    assert report.isolate("tiny-close") == "tiny-close"  # nothing that can reorder: unchanged
    assert report.isolate(f"evil{RLO}txt") == f"{FSI}evil{RLO}txt{PDI}"
    assert report.isolate("عرض خاص") == f"{FSI}عرض خاص{PDI}"
    assert report.bdi("<b>x") == "<bdi>&lt;b&gt;x</bdi>"
    assert report.defang(f"a{RLO}b") == "a<U+202E>b"


def test_app_suite_isolates_a_hostile_title():
    """Was: a right-to-left override in an app title flipped the displayed app id."""
    suite = report.app_suite("my-app", f"Sale {RLO}!won")
    assert suite == f"{FSI}Sale {RLO}!won{PDI} · my-app"
    # the override is closed before the separator and the id
    assert suite.index(PDI) < suite.index("my-app")


def test_finding_table_wraps_user_text_in_bdi():
    t = Threshold(24.0, "dp", "WCAG", "cn-2023")
    f = Finding("close-button-size", Outcome.VIOLATION, Impact.SERIOUS, measured={"visible_min_dp": 12.0},
                thresholds={"min_visible": t}, reason=f"text {RLO}evil")
    page = report.finding_table_html(f, device=f"dev{RLO}", app="<script>alert(1)</script>")
    assert "<bdi>dev\u202e</bdi>" in page
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi>" in page and "<script>alert" not in page
    assert f"<bdi>text {RLO}evil</bdi>" in page
