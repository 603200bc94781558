"""Per-frame speed of the detector stack: ``python -m detectors.bench [DIR ...]``.

Prints figures, asserts nothing (speed depends on the machine and its load; the README
keeps the measured figures with the load they were taken under).

Frames
    (a) rendered phone screens: the full-screen pages of
    :mod:`detectors.tests.synthetic_screens` (headless Chromium, 1082 × 2402 px at 2.625
    px/dp), rendered once into ``--cache`` (default ``build/bench-frames`` of the checkout) and
    cut to 1080 × 2400; skipped with a note when Chromium is missing (``--no-rendered`` skips
    them on purpose);
    (b) every image under each ``DIR`` (``.png``, ``.jpg``, ``.jpeg``, ``.webp``), with the
    density of its ``labels.jsonl`` row when the folder has one (else estimated, as ``scan``
    does). Folders are only read.

What is timed
    :func:`detectors.analyze.analyze_frame` with OCR on (the shared reader) and the learned
    verifier on, as ``splashcheck scan`` runs it (profile loaded once, as ``scan`` and ``eval``
    do). Every frame starts cold: the control finder's per-frame scan cache and the OCR
    reader's result cache are emptied before it, so no frame is served from another's work.
    ``total`` is the whole call: wall (``time.perf_counter``) and CPU of the process, all
    threads (``time.process_time``). Per stage: the stage's wall time
    (``FrameAnalysis.timings_ms``) and the process CPU time while it ran, through
    :data:`detectors.analyze.stage_listener`. With the verifier on its own thread (the
    default, :data:`detectors.analyze.VERIFIER_CONCURRENT`) the stages overlap: ``verifier``
    is that thread's own wall / CPU time, ``verifier_wait`` how long the main path waited for
    it, and the other stages' CPU includes the verifier thread's work done meanwhile; run
    with ``--serial`` for each stage's own CPU time.
    The verifier stage is also split (a second, separate pass over the same frames):
    ``proposals`` (:func:`detectors.proposals.propose`), ``crops``
    (:func:`detectors.verifier.crop_batch`), ``onnx`` (the model's ``score``).

    Model load is reported apart: the verifier's ONNX session and the OCR engine (its first
    recognition, which loads its models) are created before the first timed frame.

Run from a checkout with the worktree first on the path, e.g.
``PYTHONPATH=$PWD python -m detectors.bench ../shared/corpus``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = ["BENCH_W", "BENCH_H", "rendered_frames", "folder_frames", "run", "main"]

BENCH_W, BENCH_H = 1080, 2400
"""Size of the rendered frames (the issue's budget is per 1080 × 2400 frame)."""
RENDERED_DENSITY = 2.625
"""px per dp of the rendered frames (:data:`detectors.tests.synthetic_screens.DPR`)."""
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp")
DEFAULT_CACHE = Path(__file__).resolve().parents[1] / "build" / "bench-frames"

Frame = tuple[str, np.ndarray, "float | None"]  # name, BGR image, density (None: estimated)


def rendered_frames(cache: Path = DEFAULT_CACHE) -> list[Frame]:
    """The synthetic full-screen phone pages, rendered once into ``cache``, as 1080 × 2400.

    Returns an empty list when they cannot be rendered here (no Chromium, or no
    ``detectors.tests`` in an installed wheel).
    """
    from detectors.imageio import read_image

    labels = cache / "labels.jsonl"
    if not labels.is_file():
        try:
            from detectors.tests.synthetic_screens import chromium_available, render_set
        except ImportError:
            print("bench: detectors.tests is not installed here: no rendered frames", file=sys.stderr)
            return []
        if not chromium_available():
            print("bench: chromium/chromedriver missing: no rendered frames", file=sys.stderr)
            return []
        render_set(cache)
    out: list[Frame] = []
    for line in labels.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("density") is None:
            continue  # the dialog crops: not phone frames
        img = read_image(cache / row["image"])
        h, w = img.shape[:2]
        if h < BENCH_H or w < BENCH_W:
            continue
        # 1082 × 2402 -> 1080 × 2400: trim the odd pixel at each side, no resampling
        y0, x0 = (h - BENCH_H) // 2, (w - BENCH_W) // 2
        out.append((row["image"], np.ascontiguousarray(img[y0:y0 + BENCH_H, x0:x0 + BENCH_W]),
                    float(row["density"])))
    return out


def folder_frames(folder: Path) -> list[Frame]:
    """Every image under ``folder`` (sorted), with its ``labels.jsonl`` density when known.

    Unreadable files are skipped with a note (this is a speed bench, not the hostile suite).
    """
    from detectors.imageio import read_image

    dens: dict[str, float | None] = {}
    labels = folder / "labels.jsonl"
    if labels.is_file():
        for line in labels.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                d = row.get("density")
                dens[str(Path(row["image"]))] = float(d) if d else None
    out: list[Frame] = []
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() not in IMAGE_EXTS or not p.is_file():
            continue
        rel = str(p.relative_to(folder))
        try:
            img = read_image(p)
        except ValueError as exc:
            print(f"bench: skipped {rel}: {exc}", file=sys.stderr)
            continue
        out.append((rel, img, dens.get(rel)))
    return out


def _stats(xs: Sequence[float]) -> tuple[float, float]:
    """Median and 95th percentile (linear interpolation)."""
    if not xs:
        return float("nan"), float("nan")
    return float(statistics.median(xs)), float(np.percentile(np.asarray(xs, float), 95))


def _cold(reader: Any) -> None:
    """Empty the per-frame caches so that a frame pays for its own work."""
    from detectors import close_controls

    with close_controls._scan_lock:
        close_controls._scan_cache.clear()
    cache = getattr(reader, "_cache", None)
    if cache is not None:
        cache.clear()


def load_models(reader: Any, scorer: Any) -> dict[str, float]:
    """Create the verifier's ONNX session and the OCR engine; seconds each (wall)."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    scorer._load()
    out["verifier_load_s"] = time.perf_counter() - t0
    if reader is not None:
        t0 = time.perf_counter()
        reader.recognise([np.full((48, 96, 3), 255, np.uint8)])  # loads the rec model
        out["ocr_load_s"] = time.perf_counter() - t0
    return out


def run(frames: Sequence[Frame], *, reader: Any, scorer: Any, profile: Any = None, repeat: int = 1,
        split_verifier: bool = True) -> dict[str, Any]:
    """Time :func:`~detectors.analyze.analyze_frame` on ``frames``; figures per stage.

    Returns
    -------
    dict
        ``frames``; ``stages``: {stage: {"wall": [ms...], "cpu": [ms...]}} with ``total``;
        ``verifier_split`` likewise for proposals / crops / onnx (when ``split_verifier``).
    """
    from detectors import analyze
    from detectors.proposals import propose
    from detectors.verifier import crop_batch

    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    listener_ok = hasattr(analyze, "stage_listener")
    frame_cpu: dict[str, float] = {}

    def listen(name: str, _wall_ms: float, cpu_ms: float) -> None:
        frame_cpu[name] = frame_cpu.get(name, 0.0) + cpu_ms

    for _ in range(repeat):
        for _name, img, dens in frames:
            _cold(reader)
            frame_cpu.clear()
            if listener_ok:
                analyze.stage_listener = listen
            try:
                c0, t0 = time.process_time(), time.perf_counter()
                a = analyze.analyze_frame(img, density=dens, reader=reader, verifier=scorer, profile=profile)
                t_ms, c_ms = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
            finally:
                if listener_ok:
                    analyze.stage_listener = None
            for k, v in a.timings_ms.items():
                if k in ("total", "verifier_error"):
                    continue
                wall.setdefault(k, []).append(float(v))
            for k, v in frame_cpu.items():
                cpu.setdefault(k, []).append(v)
            wall.setdefault("total", []).append(t_ms)
            cpu.setdefault("total", []).append(c_ms)
    out: dict[str, Any] = {"frames": len(frames) * repeat,
                           "stages": {k: {"wall": wall[k], "cpu": cpu.get(k, [])} for k in wall}}
    if split_verifier:
        split: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in ("proposals", "crops", "onnx")}

        def timed(key: str, fn: Callable[[], Any]) -> Any:
            c0, t0 = time.process_time(), time.perf_counter()
            r = fn()
            split[key]["wall"].append((time.perf_counter() - t0) * 1e3)
            split[key]["cpu"].append((time.process_time() - c0) * 1e3)
            return r

        for _ in range(repeat):
            for _name, img, dens in frames:
                d = float(dens) if dens else _density(img)
                props = timed("proposals", lambda: propose(img, density=d))
                boxes = np.array([p.box for p in props], np.float32).reshape(-1, 4)
                crops, extras = timed("crops", lambda: crop_batch(img, boxes, density=d))
                timed("onnx", lambda: scorer.score(crops, extras))
        out["verifier_split"] = split
    return out


def _density(img: np.ndarray) -> float:
    from detectors.density import estimate_density

    return float(estimate_density(int(img.shape[1]), int(img.shape[0])))


_ORDER = ("input", "window", "verifier", "verifier_wait", "controls", "ctas", "measure", "rules")


def format_table(title: str, res: dict[str, Any]) -> str:
    """The figures as a text table (ms)."""
    lines = [f"{title}: {res['frames']} frames",
             f"  {'stage':<12}{'wall med':>10}{'wall p95':>10}{'cpu med':>10}{'cpu p95':>10}"]

    def row(name: str, d: dict[str, list[float]]) -> str:
        wm, wp = _stats(d["wall"])
        if d["cpu"]:
            cm, cp = _stats(d["cpu"])
            cpu_txt = f"{cm:10.1f}{cp:10.1f}"
        else:
            cpu_txt = f"{'-':>10}{'-':>10}"
        return f"  {name:<12}{wm:10.1f}{wp:10.1f}{cpu_txt}"

    stages = res["stages"]
    names = [s for s in _ORDER if s in stages] + sorted(s for s in stages if s not in _ORDER and s != "total")
    lines += [row(s, stages[s]) for s in names]
    lines.append(row("total", stages["total"]))
    for k, d in (res.get("verifier_split") or {}).items():
        lines.append(row(f"  {k}", d))
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m detectors.bench", description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help="folders of screenshots (read only)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the rendered frames are kept")
    ap.add_argument("--no-rendered", action="store_true", help="skip the rendered phone frames")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the frames (default 1)")
    ap.add_argument("--limit", type=int, default=None, help="at most N frames of each set")
    ap.add_argument("--no-split", action="store_true", help="skip the separate verifier split pass")
    ap.add_argument("--serial", action="store_true",
                    help="run the verifier stage on the caller's thread (VERIFIER_CONCURRENT off): per-stage CPU "
                         "times are then each stage's own")
    ap.add_argument("--ocr-threads", type=int, default=None,
                    help="onnxruntime threads of the OCR reader (default: the TextReader default)")
    ap.add_argument("--cv2-threads", type=int, default=None,
                    help="cv2.setNumThreads for the run (default: OpenCV's own, one per core)")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    args = ap.parse_args(list(argv) if argv is not None else None)

    import cv2

    from detectors import analyze
    from detectors.close_controls import default_reader
    from detectors.ocr import TextReader
    from detectors.profiles import load_profile
    from detectors.verifier import default_verifier

    if args.cv2_threads is not None:
        cv2.setNumThreads(args.cv2_threads)
    if args.serial and hasattr(analyze, "VERIFIER_CONCURRENT"):
        analyze.VERIFIER_CONCURRENT = False

    sets: list[tuple[str, list[Frame]]] = []
    if not args.no_rendered:
        sets.append((f"rendered {BENCH_W}x{BENCH_H}", rendered_frames(args.cache)))
    for d in args.dirs:
        sets.append((str(d), folder_frames(d)))
    sets = [(t, fs[: args.limit] if args.limit else fs) for t, fs in sets if fs]
    if not sets:
        print("bench: no frames", file=sys.stderr)
        return 2

    reader = TextReader(threads=args.ocr_threads) if args.ocr_threads else default_reader()
    scorer = default_verifier()
    profile = load_profile()  # once, as scan and eval do
    load = load_models(reader, scorer)
    first = sets[0][1][0]
    t0 = time.perf_counter()
    analyze.analyze_frame(first[1], density=first[2], reader=reader, verifier=scorer, profile=profile)  # warm-up
    load["first_frame_ms"] = (time.perf_counter() - t0) * 1e3
    print(f"load: verifier model {load['verifier_load_s']:.3f} s, OCR engine {load.get('ocr_load_s', 0):.3f} s, "
          f"first frame after loading {load['first_frame_ms']:.0f} ms (not counted below)")
    concurrent = getattr(analyze, "VERIFIER_CONCURRENT", False)
    print(f"verifier stage {'on its own thread' if concurrent else 'on the caller thread'}; "
          f"threads: cv2 {cv2.getNumThreads()}, OCR onnxruntime {getattr(reader, '_threads', '?')}, "
          f"verifier onnxruntime {getattr(scorer, 'threads', '?')}; cpus {os.cpu_count()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    raw: dict[str, Any] = {"load": load, "concurrent": concurrent, "sets": {}}
    for title, frames in sets:
        res = run(frames, reader=reader, scorer=scorer, profile=profile, repeat=max(1, args.repeat),
                  split_verifier=not args.no_split)
        raw["sets"][title] = res
        print(format_table(title, res))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps(raw))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
