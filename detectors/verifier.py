"""Learned close-control verifier: a small CNN scores whole-frame proposals.

:func:`detect_controls` runs :func:`detectors.proposals.propose` over the frame (or a region),
cuts every proposal with some context (:func:`crop_batch`), and scores the crops with the
committed ONNX model (``detectors/models/close_verifier.onnx``, trained by
``python -m detectors.train``, see its ``MODEL_CARD.md``). The model returns the probability of
each kind (``background``, ``x_icon``, ``text``, ``countdown``); proposals whose best
non-background class passes ``min_prob`` become :class:`~detectors.model.CloseControl` s
(kind ``countdown`` is reported as ``text``: the rest of the stack knows ``x_icon`` and
``text``; the detection keeps its own kind in :class:`Detection`). Overlapping detections are
reduced to one per place (the larger box when both are confident: a badge over its glyph, a
pill over its text line).

The model is loaded lazily, once per :class:`Verifier` instance (≈ 0.1 s); pass a
``Verifier`` (or any object with the same ``score`` method) to inject another model or a fake.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from detectors.model import Box, CloseControl
from detectors.proposals import DEFAULT_PROPOSAL_PARAMS, Proposal, ProposalParams, propose

__all__ = ["CLASSES", "CROP_PX", "MODEL_PATH", "VerifierParams", "DEFAULT_VERIFIER_PARAMS", "Detection",
           "Verifier", "Scorer", "crop_batch", "detect_controls", "score_proposals", "select", "default_verifier", "to_controls"]

CLASSES: tuple[str, ...] = ("background", "x_icon", "text", "countdown")
"""Output classes of the model, in its output order."""
CROP_PX = 32
"""Side of the model's grey input crop, px."""
MODEL_PATH = Path(__file__).resolve().parent / "models" / "close_verifier.onnx"


@dataclass(frozen=True)
class VerifierParams:
    """Declared parameters of the verifier stage (value, unit, why, what set them).

    Attributes
    ----------
    context : float
        Context margin around a proposal, as a share of its longer side (0.25), plus
        ``context_dp`` dp: the model sees the badge / pill edge and a ring of surroundings.
        Fixed before training (the model is trained with the same crops).
    context_dp : float
        Fixed part of the context margin, dp (2.0).
    max_crop_aspect : float
        A crop wider than this many heights is made taller (2.5): long pills keep their text
        readable in a square input. Fixed before training.
    min_prob : float
        Probability of the best control class for a detection (0.6), chosen on held-out
        *rendered* frames (see MODEL_CARD.md), never on the validation corpus.
    overlap_iou : float
        Two detections overlapping by this IoU, or one containing the other's centre, are one
        control (0.2).
    box_support_prob : float
        Proposals with at least this p(control) (0.3) may lend their box to a place (the
        model scores a badge's glyph and its outline differently; the box should be the
        badge's).
    max_box_growth : float
        A place's box may grow to an enclosing proposal of at most this many times the area
        (8.0): a 0.4-wide glyph's badge is ≈ 6× its area; a pill ≈ 2–4× its text.
    x_max_aspect : float
        An ``x_icon`` place's box is at most this elongated (1.3): badges are discs and
        rounded squares.
    """

    context: float = 0.25
    context_dp: float = 2.0
    max_crop_aspect: float = 2.5
    min_prob: float = 0.6
    overlap_iou: float = 0.2
    box_support_prob: float = 0.3
    max_box_growth: float = 8.0
    x_max_aspect: float = 1.3


DEFAULT_VERIFIER_PARAMS = VerifierParams()


@dataclass(frozen=True)
class Detection:
    """A verified proposal: ``box`` frame px, ``kind`` one of CLASSES[1:], ``prob`` 0..1,
    ``source`` the proposal source."""

    box: Box
    kind: str
    prob: float
    source: str = ""


class Scorer(Protocol):
    def score(self, crops: np.ndarray, extras: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, len(CLASSES))`` for crops ``(N, 1, CROP_PX, CROP_PX)``
        float32 and extras ``(N, 2)`` float32."""


class Verifier:
    """The ONNX model behind :class:`Scorer`, loaded on first use (thread-safe).

    Parameters
    ----------
    path : Path, optional
        ONNX file; default :data:`MODEL_PATH`.
    threads : int, default 1
        onnxruntime intra-op threads (the stack runs one frame per core).
    """

    def __init__(self, path: str | Path | None = None, *, threads: int = 1):
        self.path = Path(path) if path is not None else MODEL_PATH
        self.threads = threads
        self._session = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                if not self.path.is_file():
                    raise FileNotFoundError(f"verifier model not found: {self.path} (python -m detectors.train)")
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
                # The batch size changes every frame (one row per proposal): onnxruntime's CPU
                # arena would keep the largest buffers of every shape it met and grow over a
                # long scan; the model is tiny, so plain allocation costs nothing measurable.
                opts.enable_cpu_mem_arena = False
                opts.enable_mem_pattern = False
                self._session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
            return self._session

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def score(self, crops: np.ndarray, extras: np.ndarray) -> np.ndarray:
        if len(crops) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        sess = self._load()
        logits = sess.run(None, {"crop": crops.astype(np.float32), "extra": extras.astype(np.float32)})[0]
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


_default: Verifier | None = None
_default_lock = threading.Lock()


def default_verifier() -> Verifier:
    """The process-wide lazily loaded verifier on :data:`MODEL_PATH` (callers may pass their own)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Verifier()
        return _default


def crop_regions(boxes: np.ndarray, density: float, params: VerifierParams = DEFAULT_VERIFIER_PARAMS) -> np.ndarray:
    """Context regions ``(N, 4)`` float (x1, y1, x2, y2, frame px) for proposal boxes ``(N, 4)``."""
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    m = params.context * np.maximum(w, h) + params.context_dp * density
    cw, ch = w + 2 * m, h + 2 * m
    ch = np.maximum(ch, cw / params.max_crop_aspect)
    cw = np.maximum(cw, ch / params.max_crop_aspect)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    return np.stack([cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2], 1)


def crop_batch(frame: np.ndarray, boxes: Sequence[Box] | np.ndarray, *, density: float,
               params: VerifierParams = DEFAULT_VERIFIER_PARAMS) -> tuple[np.ndarray, np.ndarray]:
    """The model's inputs for proposal boxes.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR frame.
    boxes : sequence of Box or ndarray (N, 4)
        Proposal boxes, frame px.
    density : float
        px per dp.

    Returns
    -------
    crops : ndarray, shape (N, 1, CROP_PX, CROP_PX), float32
        Grey context crops (edge pixels repeated outside the frame), standardised per crop
        (zero mean, unit-ish contrast), so a faint 25 % control looks like a clear one.
    extras : ndarray, shape (N, 2), float32
        ``log2`` of the box width and height in units of 16 dp (size prior).
    """
    b = np.asarray(boxes, np.float32).reshape(-1, 4)
    n = len(b)
    crops = np.zeros((n, 1, CROP_PX, CROP_PX), np.float32)
    if n == 0:
        return crops, np.zeros((0, 2), np.float32)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    H, W = gray.shape
    regions = crop_regions(b, density, params)
    # resized grey crops first (uint8), then one standardisation over the batch: numpy reduces
    # each row of a C-contiguous (n, 1024) array exactly as it reduces one 1024-value crop, so
    # the values are the same bit for bit as per-crop mean()/std() (test_verifier checks)
    small = np.zeros((n, CROP_PX, CROP_PX), np.uint8)
    used = np.zeros(n, bool)
    ix1s, iy1s = np.floor(regions[:, 0]).astype(int), np.floor(regions[:, 1]).astype(int)
    ix2s = np.maximum(ix1s + 2, np.ceil(regions[:, 2]).astype(int))
    iy2s = np.maximum(iy1s + 2, np.ceil(regions[:, 3]).astype(int))
    for i, (ix1, iy1, ix2, iy2) in enumerate(zip(ix1s.tolist(), iy1s.tolist(), ix2s.tolist(), iy2s.tolist())):
        cx1, cy1, cx2, cy2 = max(0, ix1), max(0, iy1), min(W, ix2), min(H, iy2)
        if cx2 - cx1 < 1 or cy2 - cy1 < 1:
            continue
        sub = gray[cy1:cy2, cx1:cx2]
        if (cx1, cy1, cx2, cy2) != (ix1, iy1, ix2, iy2):
            sub = cv2.copyMakeBorder(sub, cy1 - iy1, iy2 - cy2, cx1 - ix1, ix2 - cx2, cv2.BORDER_REPLICATE)
        interp = cv2.INTER_AREA if sub.shape[0] > CROP_PX or sub.shape[1] > CROP_PX else cv2.INTER_LINEAR
        small[i] = cv2.resize(sub, (CROP_PX, CROP_PX), interpolation=interp)
        used[i] = True
    g = small[used].reshape(-1, CROP_PX * CROP_PX).astype(np.float32)
    g = (g - g.mean(axis=1, keepdims=True)) / (g.std(axis=1, keepdims=True) + 8.0)
    crops[used, 0] = g.reshape(-1, CROP_PX, CROP_PX)
    w = np.maximum(1.0, b[:, 2] - b[:, 0]) / density / 16.0
    h = np.maximum(1.0, b[:, 3] - b[:, 1]) / density / 16.0
    extras = np.stack([np.log2(w), np.log2(h)], 1).astype(np.float32)
    return crops, extras


def detect_controls(frame: np.ndarray, *, density: float, region: Box | None = None,
                    scorer: Scorer | None = None,
                    proposal_params: ProposalParams = DEFAULT_PROPOSAL_PARAMS,
                    params: VerifierParams = DEFAULT_VERIFIER_PARAMS) -> list[Detection]:
    """Close controls anywhere in a frame (or ``region``): proposals scored by the CNN.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR screenshot.
    density : float
        px per dp.
    region : Box, optional
        Part of the frame to search (frame px); default all of it.
    scorer : Scorer, optional
        The model; default :func:`default_verifier` (tests inject fakes or other models).

    Returns
    -------
    list of Detection
        One per place, most probable first; boxes in frame px.
    """
    props, probs = score_proposals(frame, density=density, region=region, scorer=scorer,
                                   proposal_params=proposal_params, params=params)
    return select(props, probs, params)


def score_proposals(frame: np.ndarray, *, density: float, region: Box | None = None,
                    scorer: Scorer | None = None,
                    proposal_params: ProposalParams = DEFAULT_PROPOSAL_PARAMS,
                    params: VerifierParams = DEFAULT_VERIFIER_PARAMS) -> tuple[list[Proposal], np.ndarray]:
    """Proposals and their class probabilities ``(N, len(CLASSES))`` (before any threshold)."""
    props = propose(frame, density=density, region=region, params=proposal_params)
    if not props:
        return [], np.zeros((0, len(CLASSES)), np.float32)
    boxes = np.array([p.box for p in props], np.float32)
    crops, extras = crop_batch(frame, boxes, density=density, params=params)
    return props, (scorer or default_verifier()).score(crops, extras)


def select(props: Sequence[Proposal], probs: np.ndarray,
           params: VerifierParams = DEFAULT_VERIFIER_PARAMS) -> list[Detection]:
    """Detections from scored proposals: p(control) ≥ ``min_prob``, one per place."""
    if not len(props):
        return []
    cls = 1 + np.argmax(probs[:, 1:], axis=1)
    # the probability of "some control" (the kinds compete for it; one control, one place)
    p_ctrl = 1.0 - probs[:, 0]
    keep = np.nonzero(p_ctrl >= params.min_prob)[0]
    cands = [Detection(box=props[i].box, kind=CLASSES[int(cls[i])], prob=float(p_ctrl[i]),
                       source=props[i].source) for i in keep]
    support = [Detection(box=props[i].box, kind=CLASSES[int(cls[i])], prob=float(p_ctrl[i]),
                         source=props[i].source) for i in np.nonzero(p_ctrl >= params.box_support_prob)[0]]
    return _one_per_place(cands, params, support)


def _one_per_place(dets: list[Detection], params: VerifierParams,
                   support: Sequence[Detection] = ()) -> list[Detection]:
    """One detection per place (greedy, most probable first).

    The place keeps the kind and probability of its most probable detection. Its box is the
    best *seen* box there among the proposals with some support (``box_support_prob``):
    for a ``grown`` box (a guessed badge around a glyph) the largest seen box inside it (the
    badge's own outline, else the glyph); otherwise the largest seen box around it at most
    ``max_box_growth`` times its area (a badge around its glyph, a pill around its text).
    ``x_icon`` boxes are never elongated (``x_max_aspect``).
    """
    groups: list[list[Detection]] = []
    for d in sorted(dets, key=lambda d: -d.prob):
        for g in groups:
            if _same_place(g[0].box, d.box, params.overlap_iou):
                break
        else:
            groups.append([d])
    out = []
    for (best, *_rest) in groups:
        pool = [d for d in support if d.source != "grown" and _same_place(d.box, best.box, params.overlap_iou)]
        if best.kind == "x_icon":  # an X's badge is round or square, never a strip
            pool = [d for d in pool if _aspect(d.box) <= params.x_max_aspect]
        if best.source == "grown":
            inner = [d for d in pool if _inside(d.box, best.box)]
            pick = max(inner, key=lambda d: _area(d.box)) if inner else best
        else:
            outer = [d for d in pool if _inside(best.box, d.box)
                     and _area(d.box) <= params.max_box_growth * _area(best.box)]
            pick = max(outer + [best], key=lambda d: _area(d.box))
        out.append(Detection(box=pick.box, kind=best.kind, prob=best.prob, source=pick.source))
    return out


def _inside(inner: Box, outer: Box, tol: int = 2) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and inner[2] <= outer[2] + tol
            and inner[3] <= outer[3] + tol)


def to_controls(dets: Sequence[Detection]) -> list[CloseControl]:
    """Detections as the stack's close controls (``countdown`` reported as ``text``)."""
    return [CloseControl(box=tuple(int(v) for v in d.box), kind="x_icon" if d.kind == "x_icon" else "text",  # type: ignore[arg-type]
                         confidence=round(float(d.prob), 3), text=None) for d in dets]


def _aspect(b: Box) -> float:
    w, h = max(1, b[2] - b[0]), max(1, b[3] - b[1])
    return max(w / h, h / w)


def _area(b: Box) -> float:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _contains(outer: Box, inner: Box) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx < outer[2] and outer[1] <= cy < outer[3]


def _same_place(a: Box, b: Box, iou_min: float) -> bool:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    if inter and inter / (_area(a) + _area(b) - inter) >= iou_min:
        return True
    return _contains(a, b) or _contains(b, a)
