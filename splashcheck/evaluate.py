"""Measure the detectors against a labelled corpus (``labels.jsonl``, see ``../shared/corpus/README.md``).

The matching and the metrics are pure functions of labels and predictions
(:func:`match_controls`, :func:`compute_metrics`, :func:`evaluate`) so they can be tested
with hand-made labels; :func:`run_corpus` is the part that reads images and runs
:func:`detectors.analyze.analyze_frame`.

Metric definitions (the corpus README's):

- a predicted control matches a labelled one when the predicted box's centre lies inside
  the labelled ``touch_box``, or inside the tight ``box`` grown on every side by
  ``max(8 px, 25 % of its shorter side)``; one-to-one, greedy by confidence;
- close-control recall and precision count only ``has_popup`` screens (predicted controls
  exist only for a detected window, so a missed pop-up costs recall); recall is also given
  per kind (``x_icon`` / ``text``), per visibility (``clear`` / ``faint``) and per kind and
  visibility together, overall and for every source;
- false-pop-up rate: share of ``has_popup: false`` screens called a pop-up;
- pop-up presence F1 over all screens;
- size error: for matched controls, ``|w_pred − w_label|`` and ``|h_pred − h_label|`` in dp
  (label density, or the estimated one when the label has none), pooled, median;
- time: wall-clock ms per frame of ``analyze_frame``, median and 95th percentile.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

__all__ = [
    "LabelControl", "Label", "PredControl", "Prediction", "LabelError",
    "load_labels", "match_region", "match_controls", "evaluate", "compute_metrics", "run_corpus",
    "MATCH_GROW_MIN_PX", "MATCH_GROW_FRACTION",
]

Box = tuple[int, int, int, int]

# Matching tolerance from the corpus README: grow the tight box by max(8 px, 25 % of its shorter side).
MATCH_GROW_MIN_PX = 8.0
MATCH_GROW_FRACTION = 0.25


class LabelError(ValueError):
    """labels.jsonl is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class LabelControl:
    box: Box
    kind: str = "x_icon"
    touch_box: Box | None = None
    text: str | None = None
    visibility: str = "clear"


@dataclass(frozen=True)
class Label:
    image: str
    source: str
    width: int
    height: int
    has_popup: bool
    density: float | None = None
    screen: str = ""
    close: tuple[LabelControl, ...] = ()


@dataclass(frozen=True)
class PredControl:
    box: Box
    confidence: float
    kind: str = "x_icon"
    width_dp: float | None = None
    height_dp: float | None = None


@dataclass(frozen=True)
class Prediction:
    popup: bool
    controls: tuple[PredControl, ...] = ()
    density: float | None = None
    ms: float | None = None
    error: str | None = None


# ----------------------------------------------------------------------------- labels


def _box(raw: Any, where: str) -> Box:
    if not isinstance(raw, (list, tuple)) or len(raw) != 4 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw):
        raise LabelError(f"{where}: expected a box [x1, y1, x2, y2], got {raw!r}")
    x1, y1, x2, y2 = (int(round(v)) for v in raw)
    if x2 <= x1 or y2 <= y1:
        raise LabelError(f"{where}: empty box {raw!r} (x2/y2 are exclusive and must exceed x1/y1)")
    return (x1, y1, x2, y2)


def parse_label(obj: Mapping[str, Any], where: str = "label") -> Label:
    """Build a :class:`Label` from one labels.jsonl object, with errors naming the field."""
    try:
        close = tuple(
            LabelControl(box=_box(c["box"], f"{where}: close[{i}].box"),
                         kind=str(c.get("kind") or "x_icon"),
                         touch_box=_box(c["touch_box"], f"{where}: close[{i}].touch_box")
                         if c.get("touch_box") is not None else None,
                         text=c.get("text"),
                         visibility=str(c.get("visibility") or "clear"))
            for i, c in enumerate(obj.get("close") or []))
        dens = obj.get("density")
        return Label(image=str(obj["image"]), source=str(obj.get("source") or "unknown"),
                     width=int(obj["width"]), height=int(obj["height"]), has_popup=bool(obj["has_popup"]),
                     density=float(dens) if dens is not None else None, screen=str(obj.get("screen") or ""),
                     close=close)
    except KeyError as exc:
        raise LabelError(f"{where}: missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, LabelError):
            raise
        raise LabelError(f"{where}: {exc}") from None


def load_labels(corpus_dir: str | Path) -> list[Label]:
    """Read ``<corpus_dir>/labels.jsonl``; blank lines are skipped.

    Raises
    ------
    LabelError
        No such file, or a line that is not a valid label (message names file and line).
    """
    path = Path(corpus_dir) / "labels.jsonl"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabelError(f"{path}: cannot read labels: {exc.strerror or exc}") from None
    labels = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(f"{path}:{n}: not JSON: {exc.msg}") from None
        if not isinstance(obj, dict):
            raise LabelError(f"{path}:{n}: expected a JSON object")
        labels.append(parse_label(obj, f"{path}:{n}"))
    return labels


# ----------------------------------------------------------------------------- matching


def _centre(box: Sequence[float]) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)


def _inside(pt: tuple[float, float], box: Sequence[float]) -> bool:
    # Half-open like the boxes: [x1, x2) × [y1, y2).
    return box[0] <= pt[0] < box[2] and box[1] <= pt[1] < box[3]


def match_region(label: LabelControl) -> tuple[float, float, float, float]:
    """The tight box grown by ``max(8 px, 25 % of its shorter side)`` on every side."""
    x1, y1, x2, y2 = label.box
    g = max(MATCH_GROW_MIN_PX, MATCH_GROW_FRACTION * min(x2 - x1, y2 - y1))
    return (x1 - g, y1 - g, x2 + g, y2 + g)


def _matches(pred: PredControl, label: LabelControl) -> bool:
    c = _centre(pred.box)
    return (label.touch_box is not None and _inside(c, label.touch_box)) or _inside(c, match_region(label))


def match_controls(preds: Sequence[PredControl], labels: Sequence[LabelControl]) -> list[tuple[int, int]]:
    """One-to-one matching, greedy by confidence.

    Predictions are taken from the most confident down (ties: original order); each takes
    the unmatched label it matches whose tight-box centre is nearest its own centre.

    Returns
    -------
    list of (pred_index, label_index)
    """
    order = sorted(range(len(preds)), key=lambda i: (-float(preds[i].confidence), i))
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i in order:
        pc = _centre(preds[i].box)
        best, best_d = None, math.inf
        for j, lab in enumerate(labels):
            if j in taken or not _matches(preds[i], lab):
                continue
            lc = _centre(lab.box)
            d = math.hypot(pc[0] - lc[0], pc[1] - lc[1])
            if d < best_d:
                best, best_d = j, d
        if best is not None:
            taken.add(best)
            pairs.append((i, best))
    return pairs


# ----------------------------------------------------------------------------- metrics


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _median(xs: Sequence[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def _percentile(xs: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in 0..100."""
    if not xs:
        return None
    s = sorted(xs)
    pos = (len(s) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass
class _Tally:
    images: int = 0
    errors: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    labelled: int = 0
    predicted: int = 0
    matched: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)        # kind -> [labelled, matched]
    by_visibility: dict[str, list[int]] = field(default_factory=dict)  # visibility -> [labelled, matched]
    by_kind_visibility: dict[str, list[int]] = field(default_factory=dict)  # "kind/visibility" -> [labelled, matched]
    size_err_w: list[float] = field(default_factory=list)
    size_err_h: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)


def image_result(label: Label, pred: Prediction) -> dict[str, Any]:
    """Compare one image's prediction with its label (pure). Used by :func:`evaluate`."""
    pairs = match_controls(pred.controls, label.close) if label.has_popup and pred.popup else []
    density = label.density or pred.density
    size_err = []
    for i, j in pairs:
        p, lab = pred.controls[i], label.close[j]
        if not density:
            continue
        lw, lh = (lab.box[2] - lab.box[0]) / density, (lab.box[3] - lab.box[1]) / density
        pw = p.width_dp if p.width_dp is not None else (p.box[2] - p.box[0]) / density
        ph = p.height_dp if p.height_dp is not None else (p.box[3] - p.box[1]) / density
        size_err.append((abs(pw - lw), abs(ph - lh)))
    matched_p = {i for i, _ in pairs}
    matched_l = {j for _, j in pairs}
    return {
        "image": label.image, "source": label.source, "screen": label.screen,
        "has_popup": label.has_popup, "predicted_popup": pred.popup, "error": pred.error, "ms": pred.ms,
        "labelled": len(label.close) if label.has_popup else 0,
        "predicted": len(pred.controls) if label.has_popup else 0,
        "matched": len(pairs),
        "pairs": pairs,
        "missed": [list(label.close[j].box) for j in range(len(label.close)) if j not in matched_l]
        if label.has_popup else [],
        "false_controls": [list(pred.controls[i].box) for i in range(len(pred.controls)) if i not in matched_p]
        if label.has_popup else [],
        "size_error_dp": [[round(a, 2), round(b, 2)] for a, b in size_err],
    }


def _add(t: _Tally, label: Label, r: Mapping[str, Any]) -> None:
    t.images += 1
    t.errors += 1 if r["error"] else 0
    if r["ms"] is not None and not r["error"]:
        t.ms.append(float(r["ms"]))
    if label.has_popup:
        t.tp += 1 if r["predicted_popup"] else 0
        t.fn += 0 if r["predicted_popup"] else 1
        t.labelled += r["labelled"]
        t.predicted += r["predicted"]
        t.matched += r["matched"]
        matched_l = {j for _, j in r["pairs"]}
        for j, c in enumerate(label.close):
            for key, table in ((c.kind, t.by_kind), (c.visibility, t.by_visibility),
                               (f"{c.kind}/{c.visibility}", t.by_kind_visibility)):
                row = table.setdefault(key, [0, 0])
                row[0] += 1
                row[1] += 1 if j in matched_l else 0
    else:
        t.fp += 1 if r["predicted_popup"] else 0
        t.tn += 0 if r["predicted_popup"] else 1
    for w, h in r["size_error_dp"]:
        t.size_err_w.append(w)
        t.size_err_h.append(h)


def _summary(t: _Tally) -> dict[str, Any]:
    prec = _ratio(t.tp, t.tp + t.fp)
    rec = _ratio(t.tp, t.tp + t.fn)
    f1 = (2 * prec * rec / (prec + rec) if prec is not None and rec is not None and prec + rec > 0
          else (0.0 if (t.tp + t.fp + t.fn) else None))
    pooled = t.size_err_w + t.size_err_h

    def rnd(x: float | None, nd: int = 4) -> float | None:
        return None if x is None else round(x, nd)

    return {
        "images": t.images,
        "errors": t.errors,
        "popup": {"tp": t.tp, "fp": t.fp, "fn": t.fn, "tn": t.tn,
                  "precision": rnd(prec), "recall": rnd(rec), "f1": rnd(f1)},
        "false_popup_rate": rnd(_ratio(t.fp, t.fp + t.tn)),
        "normal_screens": t.fp + t.tn,
        "close": {
            "labelled": t.labelled, "predicted": t.predicted, "matched": t.matched,
            "recall": rnd(_ratio(t.matched, t.labelled)), "precision": rnd(_ratio(t.matched, t.predicted)),
            "recall_by_kind": {k: {"labelled": v[0], "matched": v[1], "recall": rnd(_ratio(v[1], v[0]))}
                               for k, v in sorted(t.by_kind.items())},
            "recall_by_visibility": {k: {"labelled": v[0], "matched": v[1], "recall": rnd(_ratio(v[1], v[0]))}
                                     for k, v in sorted(t.by_visibility.items())},
            "recall_by_kind_visibility": {k: {"labelled": v[0], "matched": v[1], "recall": rnd(_ratio(v[1], v[0]))}
                                          for k, v in sorted(t.by_kind_visibility.items())},
        },
        "size_error_dp": {"median": rnd(_median(pooled), 2), "median_w": rnd(_median(t.size_err_w), 2),
                          "median_h": rnd(_median(t.size_err_h), 2), "controls": len(t.size_err_w)},
        "ms_per_frame": {"median": rnd(_median(t.ms), 1), "p95": rnd(_percentile(t.ms, 95), 1), "frames": len(t.ms)},
    }


def compute_metrics(pairs: Iterable[tuple[Label, Prediction]]) -> dict[str, Any]:
    """Metrics of one group of (label, prediction) pairs; see the module docstring."""
    t = _Tally()
    for label, pred in pairs:
        _add(t, label, image_result(label, pred))
    return _summary(t)


def evaluate(pairs: Sequence[tuple[Label, Prediction]]) -> dict[str, Any]:
    """Metrics per source and overall, plus one row per image.

    Returns
    -------
    dict
        ``{"overall": metrics, "sources": {source: metrics}, "per_image": [row, ...]}``
        where ``metrics`` is :func:`compute_metrics`'s dict.
    """
    overall = _Tally()
    per_source: dict[str, _Tally] = {}
    rows = []
    for label, pred in pairs:
        r = image_result(label, pred)
        rows.append(r)
        _add(overall, label, r)
        _add(per_source.setdefault(label.source, _Tally()), label, r)
    return {"overall": _summary(overall),
            "sources": {s: _summary(t) for s, t in sorted(per_source.items())},
            "per_image": rows}


# ----------------------------------------------------------------------------- running


def prediction_from_analysis(analysis: Any, ms: float) -> Prediction:
    """Turn a :class:`detectors.model.FrameAnalysis` into a :class:`Prediction`."""
    ms_list = list(analysis.measurements)
    aligned = len(ms_list) == len(analysis.controls)
    controls = []
    for k, c in enumerate(analysis.controls):
        m = ms_list[k] if aligned else None
        controls.append(PredControl(box=tuple(int(v) for v in c.box), confidence=float(c.confidence),  # type: ignore[arg-type]
                                    kind=str(c.kind),
                                    width_dp=float(m.width_dp) if m is not None else None,
                                    height_dp=float(m.height_dp) if m is not None else None))
    return Prediction(popup=bool(analysis.popup), controls=tuple(controls) if analysis.popup else (),
                      density=float(analysis.density), ms=ms)


def run_corpus(corpus_dir: str | Path, *, profile: Any = None, reader: Any = None,
               progress: Callable[[int, int, str], None] | None = None,
               limit: int | None = None) -> dict[str, Any]:
    """Analyse every labelled image of a corpus and :func:`evaluate` the result.

    Images are analysed with the label's density when it has one (a device reports its
    density), else with the estimated one. A file that cannot be read or analysed counts
    as "no pop-up, no controls" and is listed with its error.

    Raises
    ------
    LabelError
        labels.jsonl missing or malformed.
    """
    from detectors.analyze import analyze_frame
    from detectors.imageio import read_image

    root = Path(corpus_dir)
    labels = load_labels(root)
    if limit is not None:
        labels = labels[:limit]
    pairs: list[tuple[Label, Prediction]] = []
    for n, label in enumerate(labels):
        if progress:
            progress(n, len(labels), label.image)
        try:
            frame = read_image(root / label.image)
        except ValueError as exc:
            pairs.append((label, Prediction(popup=False, error=str(exc))))
            continue
        t0 = time.perf_counter()
        try:
            analysis = analyze_frame(frame, density=label.density, profile=profile, reader=reader)
        except Exception as exc:  # noqa: BLE001 - one bad frame must not end the evaluation
            pairs.append((label, Prediction(popup=False, error=f"analysis failed: {type(exc).__name__}: {exc}")))
            continue
        pairs.append((label, prediction_from_analysis(analysis, (time.perf_counter() - t0) * 1000.0)))
    if progress:
        progress(len(labels), len(labels), "")
    report = evaluate(pairs)
    report["corpus"] = str(root.resolve())
    return report
