"""How much a run wrote: evidence per device × app run and the reports, against the budgets.

    python -m splashcheck.sizes reports/           # after `splashcheck run --out reports/`

Budgets (issue "bounded evidence"): evidence ≤ 1.5 MB per device × app run by default (JPEG
evidence, WebP timeline frames, one animated WebP; ``--keep-frames`` keeps PNG and is not bounded)
and the single-file HTML report ≤ 1 MB per device × app run. Exit code 0 within the budgets, 1 over.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

EVIDENCE_BUDGET_B = 1_500_000
SINGLE_REPORT_BUDGET_B = 1_000_000


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def measure(out: Path) -> dict[str, Any]:
    """Sizes in bytes: per run (``evidence/<device>/<app>``) and per report folder."""
    runs = {f"{d.name}/{a.name}": _size(a) for d in sorted((out / "evidence").glob("*")) if d.is_dir()
            for a in sorted(d.iterdir()) if a.is_dir()}
    n = max(1, len(runs))
    single = _size(out / "allure-report-single" / "index.html")
    return {
        "runs": len(runs),
        "evidence_per_run_b": runs,
        "evidence_total_b": sum(runs.values()),
        "evidence_max_b": max(runs.values(), default=0),
        "evidence_mean_b": round(sum(runs.values()) / n),
        "allure_results_b": _size(out / "allure-results"),
        "allure_report_b": _size(out / "allure-report"),
        "single_file_report_b": single,
        "single_file_report_per_run_b": round(single / n),
        "total_b": _size(out),
        "within_budget": max(runs.values(), default=0) <= EVIDENCE_BUDGET_B and single / n <= SINGLE_REPORT_BUDGET_B,
    }


def _mb(b: float) -> str:
    return f"{b / 1e6:.2f} MB"


def render(m: dict[str, Any]) -> str:
    lines = [f"{'device/app':<40} evidence"]
    lines += [f"{k:<40} {_mb(v)}" for k, v in m["evidence_per_run_b"].items()]
    lines += ["",
              f"runs: {m['runs']}; evidence total {_mb(m['evidence_total_b'])}, mean {_mb(m['evidence_mean_b'])}, "
              f"max {_mb(m['evidence_max_b'])} per run (budget {_mb(EVIDENCE_BUDGET_B)})",
              f"allure-results {_mb(m['allure_results_b'])}; allure-report {_mb(m['allure_report_b'])}; "
              f"single-file report {_mb(m['single_file_report_b'])} = {_mb(m['single_file_report_per_run_b'])} per run "
              f"(budget {_mb(SINGLE_REPORT_BUDGET_B)})",
              f"output folder total {_mb(m['total_b'])}; {'within' if m['within_budget'] else 'OVER'} budget"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m splashcheck.sizes", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the output folder of a `splashcheck run`")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    if not (args.out / "evidence").is_dir():
        print(f"error: {args.out} has no evidence/ folder (not a splashcheck run output)", file=sys.stderr)
        return 2
    m = measure(args.out)
    print(json.dumps(m, indent=2) if args.format == "json" else render(m))
    return 0 if m["within_budget"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
