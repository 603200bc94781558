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
from typing import Any, Sequence

import numpy as np

from detectors.model import Box

__all__ = ["TextHit", "TextReader", "is_close_text", "is_cta_text", "normalise_text"]

# Recognition works on lines scaled to this height (the PP-OCR rec model's input height);
# feeding much taller crops only costs resize time.
REC_LINE_HEIGHT_PX = 48
# Full detection on a crop: longest side scaled down to this (the det model's cost grows
# with area; 960 keeps button text of a phone screen readable).
DET_MAX_SIDE_PX = 960
# Results kept in the per-reader cache (keyed by crop content).
CACHE_SIZE = 256
# Recognised text below this score is dropped.
MIN_TEXT_SCORE = 0.5


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
        ONNX Runtime intra-op threads (the farm shares cores between sessions).
    engine : object, optional
        A ready engine with RapidOCR's call signature (tests inject fakes).

    Notes
    -----
    Thread-safe: one lock around model loading and inference (ONNX sessions are not
    re-entrant through RapidOCR's wrappers).
    """

    def __init__(self, *, threads: int = 2, engine: Any | None = None) -> None:
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


_CLOSE_LATIN = [
    "skip",
    "skip ad",
    "skip ads",
    "skip video",
    "skip intro",
    "skip in",
    "close",
    "close ad",
    "no",
    "no thanks",
    "no thank you",
    "no, thanks",
    "not now",
    "not now, thanks",
    "not now thanks",
    "later",
    "maybe later",
    "remind me later",
    "ask me later",
    "cancel",
    "dismiss",
    "deny",
    "decline",
    "reject",
    "disagree",
    "disagree and quit",
    "disagree and exit",
    "disagree & quit",
    "don't allow",
    "dont allow",
    "do not allow",
    "not interested",
    "no, thank you",
    "x",
]
_CLOSE_CJK = [
    "跳过",
    "跳過",
    "跳过广告",
    "关闭",
    "關閉",
    "关闭广告",
    "取消",
    "暂不",
    "暫不",
    "暂不需要",
    "暂不开启",
    "暂不使用",
    "暂不更新",
    "暂不升级",
    "暂时不要",
    "以后再说",
    "以後再說",
    "稍后再说",
    "下次再说",
    "下次吧",
    "不了",
    "不了谢谢",
    "不了，谢谢",
    "不用了",
    "残忍拒绝",
    "拒绝",
    "不同意",
    "不同意并退出",
    "我再想想",
    "算了",
    "狠心离开",
    "放弃",
]
_CORE_CLOSE = "|".join(
    [_latin(w) for w in sorted(_CLOSE_LATIN, key=len, reverse=True)]
    + [re.escape(unicodedata.normalize("NFKC", w)) for w in sorted(_CLOSE_CJK, key=len, reverse=True)]
    + ["[×✕✖]"]
)
# A countdown may also be phrased "5 秒后跳过" / "skip in 5".
_CLOSE_RE = re.compile(rf"^{_DECOR}(?:\d+\s*秒后)?(?:{_CORE_CLOSE}){_DECOR}$", re.IGNORECASE)

_CTA_LATIN = [
    "download",
    "install",
    "open",
    "learn more",
    "get",
    "get it",
    "get started",
    "ok",
    "okay",
    "agree",
    "i agree",
    "allow",
    "accept",
    "continue",
    "yes",
    "sign in",
    "sign up",
    "log in",
    "login",
    "subscribe",
    "play",
    "play now",
    "shop now",
    "buy now",
    "order now",
    "rate",
    "rate now",
    "rate us",
    "upgrade",
    "update",
    "try",
    "try now",
    "try it",
    "try free",
    "start",
    "claim",
    "view",
    "visit",
    "visit site",
    "go",
    "see more",
    "more",
    "details",
    "watch",
    "register",
    "join",
    "book now",
    "apply",
    "call",
    "confirm",
    "got it",
]
_CTA_CJK = [
    "立即",
    "马上",
    "馬上",
    "查看",
    "点击",
    "點擊",
    "下载",
    "下載",
    "安装",
    "安裝",
    "打开",
    "打開",
    "领取",
    "領取",
    "了解更多",
    "去看看",
    "去领取",
    "去购买",
    "去使用",
    "同意",
    "允许",
    "允許",
    "确定",
    "確定",
    "好的",
    "继续",
    "繼續",
    "进入",
    "進入",
    "购买",
    "抢购",
    "参与",
    "试玩",
    "开始",
    "登录",
    "注册",
    "知道了",
    "我知道了",
    "更新",
    "升级",
    "开启",
    "去评价",
    "去评分",
    "好评",
    "摇一摇",
    "扭一扭",
]
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
    return re.sub(r"\s+", " ", t)


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
