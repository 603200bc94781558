"""Parallel scaling of ``splashcheck run``: wall time with 1 and with 2 pytest-xdist workers.

    python -m splashcheck.bench_workers                     # the gallery on the enabled devices
    python -m splashcheck.bench_workers --app tiny-close --app fake-skip --out /tmp/bench

Runs ``splashcheck run --no-html -n N`` once per worker count (the HTML report is left out: it is the
same work either way), prints each wall time and ``ratio = t(2) / t(1)`` (ideal 0.5 on a machine
with two free cores). Each run's own output stays in ``OUT/n<N>/``. This is a measurement, not a test:
its figure depends on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m splashcheck.bench_workers", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/bench-workers"), help="output root")
    parser.add_argument("--app", action="append", default=[], help="apps (default: the gallery)")
    parser.add_argument("--device", action="append", default=[], help="devices (default: every enabled one)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default: 1 2)")
    args = parser.parse_args(argv)
    times: dict[int, float] = {}
    for n in args.workers:
        out = args.out / f"n{n}"
        cmd = [sys.executable, "-m", "splashcheck", "run", "--no-html", "-n", str(n), "--out", str(out)]
        for a in args.app:
            cmd += ["--app", a]
        for d in args.device:
            cmd += ["--device", d]
        t0 = time.monotonic()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times[n] = time.monotonic() - t0
        runs = len(json.loads((out / "verdict.json").read_text())["runs"]) if (out / "verdict.json").is_file() else 0
        print(f"-n {n}: {times[n]:.0f} s wall, {runs} device × app runs, exit code {rc}", flush=True)
    if 1 in times and 2 in times:
        print(f"ratio t(2)/t(1) = {times[2] / times[1]:.2f} (target ≤ 0.65)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
