"""Text reading for close controls: a lazy RapidOCR wrapper and text classifiers.

RapidOCR (``rapidocr`` + ``onnxruntime``, models inside the wheel) costs ≈ 0.5–1 s for its
text *detection* model on a crop of a phone screen, but only ≈ 10 ms for its *recognition*
model on one text line. So the close-control detector finds text lines itself with cheap
image operations and calls :meth:`TextReader.read_lines` (recognition only, batched);
:meth:`TextReader.read` (detection + recognition on a downscaled crop) is there for callers
that have no line boxes.

Nothing is loaded at import time: the ONNX sessions are created on first use.

The classifiers :func:`is_close_text` and :func:`is_cta_text` take raw OCR output and
tolerate the usual noise (``0``/``o``, ``1``/``l``/``i``, missing spaces, countdown digits
such as ``跳过 5`` or ``5s | Skip``).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from detectors.model import Box

__all__ = ["TextHit", "TextReader", "is_close_text", "is_cta_text", "is_ad_text", "normalise_text"]

# Recognition works on lines scaled to this height (the PP-OCR rec model's input height);
# feeding much taller crops only costs resize time.
REC_LINE_HEIGHT_PX = 48
# Full detection on a crop: longest side scaled down to this (the det model's cost grows
# with area; 960 keeps button text of a phone screen readable).
DET_MAX_SIDE_PX = 960
# ONNX Runtime intra-op threads of a reader. One: the recogniser's batches are small (≤ 6
# lines of 48 × 320 px, ≈ 20 ms of CPU each), so a second thread mostly waits and spins;
# measured back to back on this 2-core machine (python -m detectors.bench, corpus, loaded):
# 2 threads 518 ms CPU / 766 ms wall median per frame, 1 thread 331 / 484, the same texts
# (the verifier stage and the other cores' users keep the other core busy anyway).
OCR_THREADS = 1
# Results kept in the per-reader cache (keyed by crop content).
CACHE_SIZE = 256
# Recognised text below this score is dropped.
MIN_TEXT_SCORE = 0.5
# Text *detection* alone (:meth:`TextReader.detect_lines`) on a region scaled so that its
# longest side is at most this (px; the det model's input sides are multiples of 32). A
# dialog card of a 1080-wide phone (≈ 800 × 550 px) goes in at ≈ 0.4×: 15 sp text (≈ 40 px
# at density 2.625) is then ≈ 16 px tall, a sheet's (1080 wide) ≈ 12 px, still found by the
# PP-OCR det model; its cost grows with the area: measured on this machine (CPU time,
# 2 threads, loaded) 512 px ≈ 280 ms, 384 px ≈ 140–180 ms, 320 px ≈ 95–115 ms per card.
DET_LINES_MAX_SIDE_PX = 320
# ... and never scaled below this factor (text under ≈ 8 px is lost by the det model).
DET_LINES_MIN_SCALE = 0.25


@dataclass(frozen=True)
class TextHit:
    """One recognised piece of text.

    Attributes
    ----------
    box : Box
        ``(x1, y1, x2, y2)`` in frame pixels, ``x2``/``y2`` exclusive.
    text : str
        Recognised text as the model returned it.
    score : float
        Recognition confidence 0..1.
    """

    box: Box
    text: str
    score: float


class TextReader:
    """Lazy, caching RapidOCR front end.

    Parameters
    ----------
    threads : int
        ONNX Runtime intra-op threads (default :data:`OCR_THREADS`).
    engine : object, optional
        A ready engine with RapidOCR's call signature (tests inject fakes).

    Notes
    -----
    Thread-safe: one lock around model loading and inference (ONNX sessions are not
    re-entrant through RapidOCR's wrappers).
    """

    def __init__(self, *, threads: int = OCR_THREADS, engine: Any | None = None) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads!r}")
        self._threads = threads
        self._engine = engine
        self._lock = threading.Lock()
        self._cache: OrderedDict[bytes, list[tuple[str, float]] | list[TextHit]] = OrderedDict()
        self.calls = 0  # inference calls made (cache misses), for budgeting and tests

    # -- engine -------------------------------------------------------------------------
    def _get_engine(self) -> Any:
        if self._engine is None:
            import logging

            from rapidocr import RapidOCR  # deferred: loading onnxruntime costs ~0.3 s

            self._engine = RapidOCR(
                params={
                    "Global.log_level": "warning",
                    "EngineConfig.onnxruntime.intra_op_num_threads": self._threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                }
            )
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        return self._engine

    @property
    def loaded(self) -> bool:
        """True once the engine exists (models are loaded by it on first inference)."""
        return self._engine is not None

    # -- cache --------------------------------------------------------------------------
    def _cached(self, key: bytes) -> Any | None:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
        return hit

    def _store(self, key: bytes, value: Any) -> None:
        self._cache[key] = value
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    @staticmethod
    def _key(kind: str, img: np.ndarray) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        h.update(kind.encode())
        h.update(np.asarray(img.shape, dtype=np.int64).tobytes())
        h.update(np.ascontiguousarray(img).tobytes())
        return h.digest()

    # -- recognition only ---------------------------------------------------------------
    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Recognise one text line per crop (no detection).

        Parameters
        ----------
        crops : sequence of (h, w, 3) uint8 BGR arrays
            Each holds one line of text with a little margin.

        Returns
        -------
        list of (text, score)
            One per crop, in order; ``("", 0.0)`` for an empty crop.
        """
        out: list[tuple[str, float] | None] = [None] * len(crops)
        todo: list[int] = []
        prepared: list[np.ndarray] = []
        keys: list[bytes] = []
        for i, crop in enumerate(crops):
            if crop.ndim != 3 or crop.shape[0] < 2 or crop.shape[1] < 2:
                out[i] = ("", 0.0)
                continue
            img = _fit_height(crop, REC_LINE_HEIGHT_PX)
            key = self._key("rec", img)
            hit = self._cached(key)
            if hit is not None:
                out[i] = hit  # type: ignore[assignment]
                continue
            todo.append(i)
            prepared.append(img)
            keys.append(key)
        if todo:
            with self._lock:
                results = self._rec_batch(prepared)
            for i, key, res in zip(todo, keys, results):
                self._store(key, res)
                out[i] = res
        return [r if r is not None else ("", 0.0) for r in out]

    def _rec_batch(self, imgs: list[np.ndarray]) -> list[tuple[str, float]]:
        engine = self._get_engine()
        self.calls += 1
        loader = getattr(engine, "_load_rec_model", None)
        if loader is not None:
            # RapidOCR 3.x: the recogniser takes a list and batches it (one ONNX run per 6).
            from rapidocr.ch_ppocr_rec import TextRecInput

            rec = loader()
            res = rec(TextRecInput(img=list(imgs)))
            return [(str(t), float(s)) for t, s in zip(res.txts or (), res.scores)]
        results = []
        for img in imgs:  # engines without the batch entry point (fakes, other versions)
            r = engine(img, use_det=False, use_cls=False, use_rec=True)
            txts = getattr(r, "txts", None) or ("",)
            scores = getattr(r, "scores", None) or (0.0,)
            results.append((str(txts[0]), float(scores[0])))
        return results

    def read_lines(self, frame: np.ndarray, boxes: Sequence[Box], *, pad: float = 0.2) -> list[TextHit]:
        """Recognise the text of given line boxes of a frame.

        Parameters
        ----------
        frame : (H, W, 3) uint8 BGR
        boxes : sequence of Box
            One text line each, frame pixels.
        pad : float
            Margin added around each box, as a fraction of its height.

        Returns
        -------
        list of TextHit
            One per box whose text scored at least ``MIN_TEXT_SCORE``; ``box`` is the
            given line box.
        """
        frame = _check_frame(frame)
        crops = []
        for b in boxes:
            x1, y1, x2, y2 = b
            p = int(round(pad * (y2 - y1)))
            crops.append(
                frame[max(0, y1 - p) : min(frame.shape[0], y2 + p), max(0, x1 - p) : min(frame.shape[1], x2 + p)]
            )
        hits = []
        for b, (text, score) in zip(boxes, self.recognise(crops)):
            if text.strip() and score >= MIN_TEXT_SCORE:
                hits.append(TextHit(box=tuple(int(v) for v in b), text=text.strip(), score=score))  # type: ignore[arg-type]
        return hits

    # -- detection only -------------------------------------------------------------------
    def detect_lines(self, img: np.ndarray, *, max_side: int = DET_LINES_MAX_SIDE_PX,
                     min_scale: float = DET_LINES_MIN_SCALE, scale: float | None = None) -> list[Box]:
        """Text-line boxes of an image by RapidOCR's detection model alone (no recognition).

        Parameters
        ----------
        img : (h, w, 3) uint8 BGR
            The region to search (a dialog card, a sheet, a cropped screenshot).
        max_side : int
            The region is scaled so that its longest side is at most this many px ...
        min_scale : float
            ... but never by less than this factor (small text would vanish).
        scale : float, optional
            Use exactly this factor (0 < scale ≤ 1) instead of ``max_side`` / ``min_scale``
            (the caller chose it from the screen density: :mod:`detectors.text_cascade`).

        Returns
        -------
        list of Box
            Axis-aligned line boxes in ``img`` pixels, ``x2``/``y2`` exclusive, top to bottom.
        """
        img = _check_frame(img)
        h, w = img.shape[:2]
        if h < 8 or w < 8:
            return []
        if scale is not None:
            if not (0.0 < scale <= 1.0):
                raise ValueError(f"scale must be in (0, 1], got {scale!r}")
            s = float(scale)
        else:
            s = min(1.0, max(min_scale, max_side / float(max(h, w))))
        nh, nw = max(32, int(round(h * s / 32.0)) * 32), max(32, int(round(w * s / 32.0)) * 32)
        import cv2

        small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        key = self._key("detl", small)
        hit = self._cached(key)
        if hit is None:
            with self._lock:
                quads = self._det_quads(small)
            # quads come in ``small`` pixels: back to ``img`` pixels
            fx, fy = w / float(nw), h / float(nh)
            hit = []
            for q in quads:
                q = np.asarray(q, dtype=float).reshape(-1, 2)
                hit.append((max(0, int(np.floor(q[:, 0].min() * fx))), max(0, int(np.floor(q[:, 1].min() * fy))),
                            min(w, int(np.ceil(q[:, 0].max() * fx))), min(h, int(np.ceil(q[:, 1].max() * fy)))))
            hit = sorted(hit, key=lambda b: (b[1], b[0]))
            self._store(key, hit)
        return [tuple(b) for b in hit]  # type: ignore[misc]

    def _det_quads(self, small: np.ndarray) -> list[Any]:
        """Detection quads in ``small``'s pixels (its sides are multiples of 32)."""
        engine = self._get_engine()
        self.calls += 1
        loader = getattr(engine, "_load_det_model", None)
        if loader is not None:
            # RapidOCR 3.x: run the det session at our own size (its preprocessing would
            # scale the short side *up* to 736 px, which costs ≈ 0.5 s on a phone screen)
            det = loader()
            x = ((small.astype(np.float32) / 255.0) - 0.5) / 0.5
            x = np.ascontiguousarray(x.transpose(2, 0, 1)[None])
            boxes, _ = det.postprocess_op(det.session(x), small.shape[:2])
            return list(boxes) if boxes is not None else []
        if not callable(engine):
            return []  # a stand-in engine that only recognises (tests)
        res = engine(small, use_det=True, use_cls=False, use_rec=False)  # fakes, other versions
        boxes = getattr(res, "boxes", None)
        return list(boxes) if boxes is not None else []

    # -- detection + recognition --------------------------------------------------------
    def read(self, frame: np.ndarray, box: Box | None = None) -> list[TextHit]:
        """Find and read all text in a region (RapidOCR detection + recognition).

        Slow (≈ 0.3–1 s): prefer :meth:`read_lines` when line boxes are known.

        Parameters
        ----------
        frame : (H, W, 3) uint8 BGR
        box : Box, optional
            Region to read, frame pixels; the whole frame when None.

        Returns
        -------
        list of TextHit
            Boxes in frame pixels (axis-aligned bounds of the detected quadrilaterals).
        """
        frame = _check_frame(frame)
        H, W = frame.shape[:2]
        x1, y1, x2, y2 = box if box is not None else (0, 0, W, H)
        x1, y1, x2, y2 = max(0, int(x1)), max(0, int(y1)), min(W, int(x2)), min(H, int(y2))
        if x2 - x1 < 4 or y2 - y1 < 4:
            return []
        crop = frame[y1:y2, x1:x2]
        scale = min(1.0, DET_MAX_SIDE_PX / max(crop.shape[:2]))
        if scale < 1.0:
            import cv2

            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        key = self._key("det", crop)
        hit = self._cached(key)
        if hit is None:
            with self._lock:
                engine = self._get_engine()
                self.calls += 1
                res = engine(crop, use_det=True, use_cls=False, use_rec=True)
            local: list[TextHit] = []
            boxes = getattr(res, "boxes", None)
            if boxes is not None:
                for quad, text, score in zip(boxes, res.txts, res.scores):
                    q = np.asarray(quad, dtype=float)
                    local.append(
                        TextHit(
                            box=(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())),  # type: ignore[arg-type]
                            text=str(text),
                            score=float(score),
                        )
                    )
            self._store(key, local)
            hit = local
        out = []
        for h in hit:  # type: ignore[union-attr]
            bx1, by1, bx2, by2 = h.box
            fb = (
                x1 + int(np.floor(bx1 / scale)),
                y1 + int(np.floor(by1 / scale)),
                x1 + int(np.ceil(bx2 / scale)),
                y1 + int(np.ceil(by2 / scale)),
            )
            if h.text.strip() and h.score >= MIN_TEXT_SCORE:
                out.append(TextHit(box=fb, text=h.text.strip(), score=h.score))
        return out


def _check_frame(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(
            "frame must be an H×W×3 uint8 BGR array, got "
            f"{getattr(frame, 'shape', type(frame))} {getattr(frame, 'dtype', '')}"
        )
    return frame


def _fit_height(img: np.ndarray, height: int) -> np.ndarray:
    """Scale a line crop to ``height`` px (down only: the model upsamples small ones itself)."""
    h = img.shape[0]
    if h <= height:
        return np.ascontiguousarray(img)
    import cv2

    s = height / h
    return cv2.resize(img, (max(1, int(round(img.shape[1] * s))), height), interpolation=cv2.INTER_AREA)


# ---------------------------------------------------------------------------------------
# Text classification
# ---------------------------------------------------------------------------------------

# Characters OCR confuses inside Latin words: each letter of a keyword accepts these.
_CONFUSABLE = {
    "o": "o0",
    "i": "il1|!",
    "l": "il1|!",
    "t": "t+",
    "s": "s",
    "e": "ec",
    "c": "ce(",
}
# What may surround a control's text: countdown digits and seconds (5, 5s, 5秒, 05),
# separators and arrows. (The seconds letter "s" only after a digit.)
_DECOR = r"(?:[\d]+\s*(?:s|秒|sec)?|[\s|\-–—:：.,，。()（）\[\]<>《》›»>!！?？·•/]|[xX×✕✖])*"


def _latin(word: str) -> str:
    """Tolerant regex for a Latin keyword, spaces optional (OCR drops them)."""
    out = []
    for ch in word:
        if ch == " ":
            out.append(r"\s*")
        elif ch in _CONFUSABLE:
            out.append("[" + re.escape(_CONFUSABLE[ch]) + "]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


# The keyword grammar is data: detectors/keywords.yaml (what counts as a dismiss control and
# what as a call to action, with the labelling calls behind it).
KEYWORDS_FILE = Path(__file__).with_name("keywords.yaml")
# At most this many CJK characters may follow a close prefix (暂不 + 更新 / 开启 / 领取 ...).
CLOSE_PREFIX_TAIL = 4


def _load_keywords(path: Path = KEYWORDS_FILE) -> dict[str, list[str]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    need = ("close_latin", "close_cjk", "close_cjk_prefixes", "cta_latin", "cta_cjk")
    missing = [k for k in need if not isinstance(data.get(k), list)]
    if missing:
        raise ValueError(f"{path}: missing keyword lists {missing}")
    out = {k: [str(w) for w in data[k]] for k in need}
    out["ad_cues"] = [str(w) for w in data.get("ad_cues") or []]
    return out


_KW = _load_keywords()
_CLOSE_LATIN = _KW["close_latin"]
_CLOSE_CJK = _KW["close_cjk"]
_CTA_LATIN = _KW["cta_latin"]
_CTA_CJK = _KW["cta_cjk"]
_CJK_PREFIX = "(?:" + "|".join(re.escape(unicodedata.normalize("NFKC", w)) for w in _KW["close_cjk_prefixes"]) \
    + rf")[\u4e00-\u9fff]{{0,{CLOSE_PREFIX_TAIL}}}"
_CORE_CLOSE = "|".join(
    [_latin(w) for w in sorted(_CLOSE_LATIN, key=len, reverse=True)]
    + [re.escape(unicodedata.normalize("NFKC", w)) for w in sorted(_CLOSE_CJK, key=len, reverse=True)]
    + [_CJK_PREFIX, "[×✕✖]"]
)
# A countdown may also be phrased "5 秒后跳过" / "skip in 5".
_CLOSE_RE = re.compile(rf"^{_DECOR}(?:\d+\s*秒后)?(?:{_CORE_CLOSE}){_DECOR}$", re.IGNORECASE)

# A CTA may be followed by anything ("Install now", "Yes, I like it.", "立即下载 >");
# it starts with one of the keywords (Latin: at a word boundary).
_CTA_RE = re.compile(
    r"^" + _DECOR + r"(?:(?:"
    + "|".join(_latin(w) for w in sorted(_CTA_LATIN, key=len, reverse=True))
    + r")(?![a-z])|"
    + "|".join(re.escape(unicodedata.normalize("NFKC", w)) for w in sorted(_CTA_CJK, key=len, reverse=True))
    + ")",
    re.IGNORECASE,
)


def normalise_text(text: str) -> str:
    """Lower-case, trim, and fold full-width forms (ＳＫＩＰ → skip) for matching."""
    t = unicodedata.normalize("NFKC", text).strip().lower()
    t = t.replace("’", "'").replace("‘", "'")
    t = re.sub(r"\s+", " ", t)
    # OCR and letter-spaced labels split CJK words ("跳 过", "取 消"): join them again
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", t)


def is_close_text(text: str) -> bool:
    """True when ``text`` (raw OCR output) is a dismiss control's label.

    Accepts skip / close / negative answers in English and Chinese with countdown digits
    and separators around them (``跳过 5``, ``5s | 跳过``, ``Skip Ad ›``, ``No thanks``,
    ``以后再说``). Primary actions (``Download``, ``立即领取``, ``OK``) are not close text.

    Examples
    --------
    >>> is_close_text("跳过 5"), is_close_text("N0 THANKS"), is_close_text("Install")
    (True, True, False)
    """
    t = normalise_text(text)
    if not t or len(t) > 40:
        return False
    if not re.search(r"[a-z\u4e00-\u9fff×✕✖]", t):
        return False
    return bool(_CLOSE_RE.match(t))


def is_cta_text(text: str) -> bool:
    """True when ``text`` is a primary call to action (never a close control).

    Examples
    --------
    >>> is_cta_text("INSTALL NOW"), is_cta_text("立即领取"), is_cta_text("Disagree")
    (True, True, False)
    """
    t = normalise_text(text)
    if not t or len(t) > 40 or is_close_text(t):
        return False
    return bool(_CTA_RE.match(t))


_AD_CUES = frozenset(normalise_text(w) for w in _KW["ad_cues"])


def is_ad_text(text: str) -> bool:
    """True when ``text`` is an ad's own mark or call to action (广告, Ad, Install, 立即下载, ...).

    The whole text (decoration such as "›" and countdown digits stripped) must be one of the
    ``ad_cues`` of ``keywords.yaml``.

    Examples
    --------
    >>> is_ad_text("广告"), is_ad_text("INSTALL ›"), is_ad_text("开始游戏")
    (True, True, False)
    """
    t = normalise_text(text)
    if not t or len(t) > 40:
        return False
    core = re.sub(r"[\d\s|\-–—:：.,，。()（）\[\]<>《》›»>!！?？·•/]+", " ", t).strip()
    return core in _AD_CUES
