"""Labelled verifier crops from synthetic frames: the same proposals and crops as at run time.

Each frame from :func:`detectors.train.synth.make_frame` goes through
:func:`detectors.proposals.propose`; every proposal is labelled against the drawn controls:

* a control's kind when IoU ≥ ``POS_IOU``, or IoU ≥ ``PART_IOU`` with the proposal's centre
  inside the control (a pill's text line, a badge's glyph: the evaluation counts a control
  found when the predicted centre lies in it);
* ignored (not used) when it overlaps a control less than that but its centre is inside;
* background otherwise (screens, icons, words, tags, CTA buttons, avatars).

Every control is also cropped at its own box, jittered (``JITTER``), ``GT_COPIES`` times, so
the model sees each drawn control even when no proposal fits it. Background crops are
subsampled to ``MAX_BG_PER_FRAME`` per frame. Crops are stored as uint8 grey (the per-crop
standardisation of :func:`detectors.verifier.crop_batch` is applied when training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detectors.proposals import propose
from detectors.train import synth
from detectors.verifier import CLASSES, crop_batch

POS_IOU = 0.5
PART_IOU = 0.3
IGNORE_IOU = 0.1
GT_COPIES = 2
JITTER = 0.1
MAX_BG_PER_FRAME = 60


@dataclass
class Samples:
    crops: np.ndarray  # (N, 32, 32) float16, standardised (as crop_batch returns)
    extras: np.ndarray  # (N, 2) float32
    labels: np.ndarray  # (N,) int64, index into CLASSES


def _iou(a, b) -> float:
    return synth._iou(a, b)


def label_proposals(boxes: list[tuple[int, int, int, int]], items: list[synth.Item]) -> list[int]:
    """Class index per proposal (-1: ignored)."""
    pos = [it for it in items if it.kind is not None]
    out = []
    for b in boxes:
        cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
        lab = 0
        for it in pos:
            iou = _iou(b, it.box)
            inside = it.box[0] <= cx < it.box[2] and it.box[1] <= cy < it.box[3]
            if iou >= POS_IOU or (iou >= PART_IOU and inside):
                lab = CLASSES.index(it.kind)
                break
            if inside and iou >= IGNORE_IOU:
                lab = -1
        out.append(lab)
    return out


def frame_samples(rng: np.random.Generator, a: synth.Assets) -> Samples:
    frame, dens, items = synth.make_frame(rng, a)
    props = propose(frame, density=dens)
    boxes = [p.box for p in props]
    labels = label_proposals(boxes, items)
    idx_bg = [i for i, l in enumerate(labels) if l == 0]
    if len(idx_bg) > MAX_BG_PER_FRAME:
        idx_bg = sorted(rng.choice(idx_bg, MAX_BG_PER_FRAME, replace=False).tolist())
    keep = [i for i, l in enumerate(labels) if l > 0] + idx_bg
    sel_boxes = [boxes[i] for i in keep]
    sel_labels = [labels[i] for i in keep]
    for it in items:
        if it.kind is None:
            continue
        x1, y1, x2, y2 = it.box
        w, h = x2 - x1, y2 - y1
        for _ in range(GT_COPIES):
            j = rng.uniform(-JITTER, JITTER, 4) * np.array([w, h, w, h])
            sel_boxes.append((int(x1 + j[0]), int(y1 + j[1]), int(x2 + j[2]), int(y2 + j[3])))
            sel_labels.append(CLASSES.index(it.kind))
    crops, extras = crop_batch(frame, np.array(sel_boxes, np.float32).reshape(-1, 4), density=dens)
    return Samples(crops[:, 0].astype(np.float16), extras, np.array(sel_labels, np.int64))


_ASSETS: synth.Assets | None = None


def _init_worker(assets: synth.Assets) -> None:
    global _ASSETS
    _ASSETS = assets


def _chunk(args: tuple[int, int, int]) -> Samples:
    seed, chunk, n = args
    assert _ASSETS is not None
    rng = np.random.default_rng([seed, chunk])
    parts = [frame_samples(rng, _ASSETS) for _ in range(n)]
    return concat(parts)


def concat(parts: list[Samples]) -> Samples:
    return Samples(np.concatenate([p.crops for p in parts]), np.concatenate([p.extras for p in parts]),
                   np.concatenate([p.labels for p in parts]))


def build(a: synth.Assets, n_frames: int, seed: int, *, workers: int = 2, chunk: int = 50) -> Samples:
    """Samples of ``n_frames`` frames; deterministic for a seed (fixed chunks, ordered results)."""
    jobs = [(seed, c, min(chunk, n_frames - c * chunk)) for c in range((n_frames + chunk - 1) // chunk)]
    if workers <= 1:
        _init_worker(a)
        return concat([_chunk(j) for j in jobs])
    import multiprocessing as mp

    with mp.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(a,)) as pool:
        return concat(pool.map(_chunk, jobs))


def cached(path, make) -> Samples:
    """``make()``'s samples, stored at ``path`` (npz) and read back on the next run."""
    from pathlib import Path

    path = Path(path)
    if path.is_file():
        z = np.load(path)
        return Samples(z["crops"], z["extras"], z["labels"])
    s = make()
    np.savez(path, crops=s.crops, extras=s.extras, labels=s.labels)
    return s
