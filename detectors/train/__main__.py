"""``python -m detectors.train``: rebuild the verifier's data and model with a fixed seed.

Steps: icon packages (npm) and photos (PyPI wheel) -> icon masks and app-like screens
(headless Chromium) -> synthetic frames -> labelled proposal crops -> CNN (PyTorch) ->
``detectors/models/close_verifier.onnx`` + ``MODEL_CARD.md`` + reference outputs, and
``detectors/data/SOURCES.md``. Held-out figures are measured on rendered frames drawn from a
separate seed stream and on screens not used in training; never on ``../shared/corpus``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from detectors.train import assets as A
from detectors.train import dataset as D
from detectors.train import synth as S

MODELS = Path(__file__).resolve().parents[1] / "models"
DATA_DOC = Path(__file__).resolve().parents[1] / "data" / "SOURCES.md"
REFERENCE_CROPS = 12


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m detectors.train", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--frames", type=int, default=1600, help="synthetic training frames")
    ap.add_argument("--val-frames", type=int, default=300, help="held-out synthetic frames")
    ap.add_argument("--screens", type=int, default=48, help="app-like screens rendered in Chromium")
    ap.add_argument("--val-screens", type=int, default=12, help="screens kept for validation only")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--eval-frames", type=int, default=200, help="held-out frames for the frame-level figures")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=None, help="assets / data cache (default build/verifier-data)")
    ap.add_argument("--out", type=Path, default=MODELS)
    args = ap.parse_args(argv)

    import torch

    # one thread: measured faster than two on this shared 2-core machine (less contention)
    torch.set_num_threads(1)
    t_start = time.time()
    log = lambda m: print(f"[{time.time() - t_start:7.1f} s] {m}", flush=True)  # noqa: E731
    cache = A.cache_dir(args.cache)
    dirs = A.fetch_icon_packages(cache)
    icons = A.choose_icons(dirs, random.Random(args.seed))
    masks = A.rasterise_icons(icons, cache)
    close = [m for m in masks if m.close]
    negs = [m for m in masks if not m.close]
    photos = A.fetch_photos(cache)
    log(f"icons: {len(close)} close, {len(negs)} negatives; photos: {len(photos)}")
    neg_svgs = [p for _, p, c in icons if not c]
    screens = A.render_screens(cache, photos, neg_svgs, args.screens + args.val_screens, args.seed)
    tr_screens, va_screens = screens[:args.screens], screens[args.screens:]
    # photos: the last three are validation-only backgrounds
    tr_assets = S.load_assets(close, negs, tr_screens, photos[:-3])
    va_assets = S.load_assets(close, negs, va_screens, photos[-3:])
    log(f"screens: {len(tr_screens)} train, {len(va_screens)} validation")
    tr = D.cached(cache / f"crops-train-{args.seed}-{args.frames}.npz",
                  lambda: D.build(tr_assets, args.frames, args.seed, workers=args.workers))
    va = D.cached(cache / f"crops-val-{args.seed + 1}-{args.val_frames}.npz",
                  lambda: D.build(va_assets, args.val_frames, args.seed + 1, workers=args.workers))
    log(f"crops: train {len(tr.labels)} {np.bincount(tr.labels, minlength=4).tolist()}, "
        f"validation {len(va.labels)} {np.bincount(va.labels, minlength=4).tolist()}")

    from detectors.train import fit

    net, history = fit.train(tr, va, epochs=args.epochs, seed=args.seed, log=log)
    onnx_path = args.out / "close_verifier.onnx"
    fit.export_onnx(net, onnx_path)
    # reference outputs: torch logits on fixed validation crops (checked by a test without torch)
    rng = np.random.default_rng(args.seed)
    pick = np.concatenate([rng.choice(np.nonzero(va.labels == k)[0], REFERENCE_CROPS // 4, replace=False)
                           for k in range(4)])
    ref_crops = va.crops[pick].astype(np.float32)[:, None]
    ref_extras = va.extras[pick]
    np.savez_compressed(args.out / "close_verifier_reference.npz", crops=ref_crops, extras=ref_extras,
                        logits=fit.logits(net, ref_crops, ref_extras), labels=va.labels[pick])
    log("exported ONNX and reference outputs")

    frame_eval = frame_level(va_assets, args.seed + 2, args.eval_frames, onnx_path)
    log(f"frame-level on held-out rendered frames: {json.dumps(frame_eval)}")
    write_card(args, onnx_path, masks, photos, tr_screens, va_screens, tr, va, history, frame_eval,
               time.time() - t_start)
    write_sources(icons, masks, photos, screens)
    log(f"done: {onnx_path} ({onnx_path.stat().st_size / 1024:.0f} KiB)")
    return 0


def frame_level(a: S.Assets, seed: int, n: int, onnx_path: Path) -> dict:
    """Detector-level figures on held-out rendered frames: the run-time path (proposals ->
    ONNX), a control found when a detection's centre lies in it (grown as the corpus metric:
    max(8 px, 25 % of its shorter side)); per kind, and at several probability thresholds."""
    from detectors.verifier import Verifier, VerifierParams, score_proposals, select

    ver = Verifier(onnx_path)
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n):
        frame, dens, items = S.make_frame(rng, a)
        t0 = time.perf_counter()
        scored = score_proposals(frame, density=dens, scorer=ver)
        frames.append((scored, items, (time.perf_counter() - t0) * 1000))
    out: dict = {"frames": n}
    for thr in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        found: dict[str, list[int]] = {k: [0, 0] for k in S.KINDS}
        fp = tp_det = 0
        times = []
        for (props, probs), items, ms in frames:
            dets = select(props, probs, VerifierParams(min_prob=thr))
            times.append(ms)
            pos = [it for it in items if it.kind is not None]
            amb = [it for it in items if it.kind is None]
            used = set()
            for it in pos:
                found[it.kind][1] += 1
                for j, d in enumerate(dets):
                    if j not in used and _centre_in(d.box, it.box):
                        found[it.kind][0] += 1
                        used.add(j)
                        break
            for j, d in enumerate(dets):
                if j in used:
                    tp_det += 1
                elif not any(_centre_in(d.box, it.box) for it in pos):
                    fp += 1
        tot_f = sum(v[0] for v in found.values())
        tot_n = sum(v[1] for v in found.values())
        out[f"p>={thr}"] = {
            "recall": round(tot_f / max(1, tot_n), 3),
            "precision": round(tp_det / max(1, tp_det + fp), 3),
            "false_detections_per_frame": round(fp / n, 3),
            "recall_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in found.items()},
            "ms_median": round(float(np.median(times)), 1),
        }
    return out


def _centre_in(pred, box) -> bool:
    g = max(8.0, 0.25 * min(box[2] - box[0], box[3] - box[1]))
    cx, cy = (pred[0] + pred[2]) / 2, (pred[1] + pred[3]) / 2
    return box[0] - g <= cx < box[2] + g and box[1] - g <= cy < box[3] + g


def write_card(args, onnx_path: Path, masks, photos, tr_screens, va_screens, tr, va, history, frame_eval,
               seconds: float) -> None:
    import onnx
    import torch

    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    params = sum(p.size for p in (np.frombuffer(t.raw_data, dtype=np.float32) for t in onnx.load(str(onnx_path)).graph.initializer))
    last = history[-1]
    lines = [
        "# close_verifier.onnx: model card",
        "",
        "Small CNN that scores whole-frame proposals (`detectors/proposals.py`) as `background`, `x_icon`, "
        "`text` or `countdown` (`detectors/verifier.py`). Written by `python -m detectors.train` "
        f"on {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; do not edit by hand.",
        "",
        f"- sha256: `{sha}`",
        f"- size: {onnx_path.stat().st_size} bytes, {params} parameters; input `crop` (N, 1, 32, 32) float32 "
        "(grey, standardised per crop), `extra` (N, 2) float32 (log2 of box w, h in 16 dp); output `logits` (N, 4)",
        f"- trained with torch {torch.__version__}, seed {args.seed}, {args.epochs} epochs, batch 256, AdamW "
        "(one-cycle, max lr 3e-3), cross-entropy (label smoothing 0.02), polarity-flip + noise augmentation; "
        f"whole run {seconds / 60:.1f} min on this machine (1 torch thread, 2 data workers)",
        "",
        "## Data (all rendered by `detectors/train`; provenance in `detectors/data/SOURCES.md`)",
        "",
        f"- icons: {sum(m.close for m in masks)} close icons and {sum(not m.close for m in masks)} other icons "
        "(hard negatives) from 5 npm icon packages",
        f"- backgrounds: {len(tr_screens)} app-like screens rendered in headless Chromium for training, "
        f"{len(va_screens)} other screens for validation; {len(photos) - 3} photos for training, 3 other photos "
        "for validation (scikit-image sample images); procedural gradients",
        f"- training: {args.frames} synthetic frames -> {len(tr.labels)} crops "
        f"(background / x_icon / text / countdown = {np.bincount(tr.labels, minlength=4).tolist()})",
        f"- validation (crop level): {args.val_frames} frames from another seed on the validation screens "
        f"and photos -> {len(va.labels)} crops ({np.bincount(va.labels, minlength=4).tolist()})",
        "- `../shared/corpus` is NOT used for training or for choosing thresholds.",
        "",
        "## Validation figures (held-out rendered data)",
        "",
        f"Crop level after the last epoch: accuracy {last['accuracy']}, control recall {last['control_recall']}, "
        f"control precision {last['control_precision']} (p(control) ≥ 0.5), kind accuracy on controls "
        f"{last['kind_accuracy_on_controls']}.",
        "",
        "| epoch | train loss | val accuracy | control recall | control precision | s |",
        "|---|---|---|---|---|---|",
        *[f"| {h['epoch']} | {h['train_loss']} | {h['accuracy']} | {h['control_recall']} | {h['control_precision']} "
          f"| {h['seconds']} |" for h in history],
        "",
        f"Frame level ({frame_eval['frames']} held-out rendered frames, the run-time path proposals -> ONNX; a "
        "control counts as found when a detection's centre lies in it, grown as the corpus metric does):",
        "",
        "| min_prob | recall | precision | false detections / frame | recall by kind | ms median |",
        "|---|---|---|---|---|---|",
        *[f"| {k[3:]} | {v['recall']} | {v['precision']} | {v['false_detections_per_frame']} | "
          f"{', '.join(f'{kk} {vv}' for kk, vv in v['recall_by_kind'].items())} | {v['ms_median']} |"
          for k, v in frame_eval.items() if k.startswith("p>=")],
        "",
        "Limits: synthetic data only (no real screenshots); text controls are recognised by shape, "
        "not read, so a text detection carries no text.",
        "",
    ]
    (onnx_path.parent / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")


def write_sources(icons, masks, photos, screens) -> None:
    by_pkg: dict[str, list[int]] = {}
    for m in masks:
        by_pkg.setdefault(m.package, [0, 0])[0 if m.close else 1] += 1
    lines = [
        "# Training-data provenance of the close-control verifier",
        "",
        "Written by `python -m detectors.train`. The generated data (icon sheet, screens, crops) is not "
        "committed; this file, the generator (`detectors/train/`) and the model are.",
        "",
        "| source | version | licence | used for | count |",
        "|---|---|---|---|---|",
    ]
    for pkg, ver, lic, _ in A.ICON_PACKAGES:
        c, n = by_pkg.get(pkg, [0, 0])
        lines.append(f"| npm `{pkg}` | {ver} | {lic} | close icons / hard-negative icons | {c} / {n} |")
    lines += [
        f"| PyPI `scikit-image` wheel, `skimage/data/*` | {A.SKIMAGE_VERSION} | package BSD-3-Clause; per-image "
        f"sources and terms are listed in scikit-image's `skimage/data/__init__.py` docstrings (not re-checked here) | photo backgrounds, avatars | {len(photos)} |",
        f"| app-like screens, HTML generated by `detectors/train/assets.py`, rendered by Debian `chromium` | "
        f"seed-determined | this project (Apache-2.0) | backgrounds | {len(screens)} |",
        "| Debian `fonts-wqy-zenhei`, `fonts-liberation` | Debian 13 | GPL-2 with font exception / OFL-1.1 | "
        "text controls (跳过, Skip, 取消, ...) and words | 2 families |",
        "",
        "Icons used as close marks: " + ", ".join(sorted({f'{m.package}:{m.name}' for m in masks if m.close})) + ".",
        "",
        "Never used: `../shared/corpus` (validation only), and the repositories reserved for independent "
        "evaluation (AidUI evaluation images, FraudDroid ExperimentResults, fdroid_utg, LiTiaotiao-Custom-Rules).",
        "",
    ]
    DATA_DOC.parent.mkdir(parents=True, exist_ok=True)
    DATA_DOC.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
