"""``python -m splashcheck.sizes``: evidence per run and report size per run, against the budgets."""

from __future__ import annotations

from pathlib import Path

from splashcheck import sizes


def _out(tmp_path: Path, evidence: dict[str, int], single: int) -> Path:
    out = tmp_path / "out"
    for run, n in evidence.items():
        d = out / "evidence" / run
        d.mkdir(parents=True)
        (d / "key_frame.jpg").write_bytes(b"x" * (n - 100))
        (d / "timeline").mkdir()
        (d / "timeline" / "0000.webp").write_bytes(b"y" * 100)  # nested files count
    (out / "allure-report-single").mkdir(parents=True)
    (out / "allure-report-single" / "index.html").write_bytes(b"z" * single)
    return out


def test_sizes_per_run_and_budget(tmp_path, capsys):
    out = _out(tmp_path, {"phone/a": 1_000_000, "phone/b": 1_400_000}, single=1_500_000)
    m = sizes.measure(out)
    assert m["runs"] == 2 and m["evidence_per_run_b"] == {"phone/a": 1_000_000, "phone/b": 1_400_000}
    assert m["evidence_max_b"] == 1_400_000 and m["single_file_report_per_run_b"] == 750_000
    assert m["within_budget"]
    assert sizes.main([str(out)]) == 0
    assert "single-file report 1.50 MB = 0.75 MB per run" in capsys.readouterr().out


def test_over_budget_exits_one(tmp_path):
    out = _out(tmp_path, {"phone/a": 1_600_000}, single=100)
    assert sizes.main([str(out)]) == 1
    assert sizes.main([str(tmp_path / "nothing")]) == 2
