"""Bring any frame into the one shape every detector expects: H×W×3 uint8 BGR.

Two entry points:

- :func:`as_bgr` normalises an in-memory array (grayscale, BGRA, 16-bit, float, bool)
  or raises a ``ValueError`` that names the parameter and says what was wrong;
- :func:`read_image` reads a PNG / JPEG / WebP file and raises :class:`ImageReadError`
  for a missing, empty, truncated, corrupt or non-image file. ``cv2.imread`` returns
  ``None`` without saying why, and decodes a truncated JPEG into a grey-padded picture
  without any error at all, so the file's structure is checked here before decoding.

Hostile files are stopped before they cost memory or give silently wrong pictures:

- the size is read from the header (our own parser, cross-checked with Pillow's lazy header
  parse) and bounded by :data:`MAX_PIXELS` / :data:`MAX_SIDE` **before** any decode; a file
  whose size cannot be told is not decoded at all (a JPEG with stray bytes before its frame
  header is walked the way libjpeg walks it, skipping the junk);
- libjpeg/libpng warnings printed while decoding ("Corrupt JPEG data: ...", "Premature end
  of JPEG file") mark the picture as damaged (``ImageReadError.kind == "damaged"``), as does
  truncation: OpenCV would otherwise hand back a grey-padded or garbled frame;
- the EXIF orientation is applied (OpenCV's ``IMREAD_UNCHANGED`` ignores it), so a rotated
  photo of a screen is judged upright.

Channel order follows OpenCV: 3-channel input is taken as BGR, 4-channel as BGRA,
unless ``channel_order="rgb"`` says it is RGB / RGBA.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Literal, Sequence

import cv2
import numpy as np

__all__ = ["ImageReadError", "as_bgr", "read_image", "write_image", "MAX_PIXELS", "MAX_SIDE", "MAX_FILE_BYTES",
           "MAX_DECODED_BYTES"]

# Largest frame accepted, in pixels. A 1440×3200 phone screenshot is 4.6 Mpx; a long
# scroll capture of 1080×20000 is 21.6 Mpx. 30 Mpx (≈ 90 MB as BGR) leaves room for
# those and keeps the peak memory of scanning one file under 400 MB (measured: a noisy
# 40 Mpx JPEG peaked at 389 MB, a 36 Mpx one at 280 MB with --no-ocr).
MAX_PIXELS = 30_000_000
# Largest decoded pixel buffer accepted, in bytes (width × height × channels × bytes per sample, as
# the decoder allocates it before any conversion): a 16-bit RGBA PNG takes 8 bytes a pixel, so the
# pixel limit alone would let one reach 240 MB. 96 MiB keeps one file's peak memory under 400 MB
# (measured: 16 Mpx of 16-bit RGBA, 128 MB, peaked at 435 MB).
MAX_DECODED_BYTES = 96 * 2**20
# Largest side accepted, in pixels: several OpenCV routines (remap, some filters) store
# coordinates in 16-bit signed integers and misbehave beyond 32767.
MAX_SIDE = 32_767
# Largest file read_image reads (bytes); a screenshot is a few MB even as PNG. The file's bytes stay
# in memory while it decodes, so this counts towards the 400 MB peak too.
MAX_FILE_BYTES = 64 * 1024 * 1024

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PNG_IEND = b"IEND\xaeB`\x82"
_JPEG_MAGIC = b"\xff\xd8\xff"


class ImageReadError(ValueError):
    """An image file could not be read; the message names the file and what was wrong.

    Attributes
    ----------
    path : str
        The file that was asked for.
    reason : str
        What was wrong with it, without the path (``"empty file"``, ``"truncated PNG: ..."``).

    kind : str
        ``"unreadable"`` (missing, empty, not an image, too large, no permission) or
        ``"damaged"`` (an image file whose data is truncated or corrupt: it would decode to a
        wrong picture, or not at all).
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, kind: str = "unreadable") -> None:
        self.path = str(path)
        self.reason = reason
        self.kind = kind
        super().__init__(f"{self.path}: {reason}")


def as_bgr(frame: object, *, name: str = "frame",
           channel_order: Literal["bgr", "rgb"] = "bgr") -> np.ndarray:
    """Convert an image array to a contiguous H×W×3 uint8 BGR array.

    Parameters
    ----------
    frame : array_like
        ``(H, W)`` grayscale, ``(H, W, 1)`` grayscale, ``(H, W, 2)`` grayscale + alpha,
        ``(H, W, 3)`` colour or ``(H, W, 4)`` colour + alpha. dtypes:

        - ``uint8``: used as is;
        - ``uint16``: scaled by 255/65535 (16-bit PNG);
        - other integers: must already lie in 0..255;
        - ``bool``: False → 0, True → 255;
        - floats: must lie in [0, 1] (scikit-image convention) and contain no NaN/inf.
    name : str
        Parameter name used in error messages (``"frame"``).
    channel_order : {"bgr", "rgb"}
        Order of the colour channels of 3- and 4-channel input.

    Returns
    -------
    np.ndarray
        ``(H, W, 3)`` uint8, C-contiguous, BGR. When ``frame`` already is one, it is
        returned itself (not copied): detectors never write into their input.
        Alpha is composited over black, as a screen with nothing behind shows it.

    Raises
    ------
    ValueError
        Not an array of numbers, empty, wrong number of dimensions or channels, larger
        than :data:`MAX_PIXELS` / :data:`MAX_SIDE`, NaN/inf, or values out of range.
    """
    if channel_order not in ("bgr", "rgb"):
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
    if isinstance(frame, np.ndarray):
        arr = frame
    else:
        if frame is None:
            raise ValueError(f"{name} is None; expected an image array of shape (H, W) or (H, W, C)")
        try:
            arr = np.asarray(frame)
        except (TypeError, ValueError) as exc:  # ragged nested lists and the like
            raise ValueError(f"{name} cannot be read as an array: {exc}") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} has dtype {arr.dtype}; expected unsigned/signed integers, floats or bools")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{name} has {arr.ndim} dimension(s) (shape {arr.shape}); "
                         "expected (H, W) or (H, W, C)")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    h, w = int(arr.shape[0]), int(arr.shape[1])
    channels = 1 if arr.ndim == 2 else int(arr.shape[2])
    if channels not in (1, 2, 3, 4):
        raise ValueError(f"{name} has {channels} channels (shape {arr.shape}); expected 1, 2, 3 or 4")
    if h > MAX_SIDE or w > MAX_SIDE or h * w > MAX_PIXELS:
        raise ValueError(f"{name} is too large: {w}×{h} px (limits: {MAX_SIDE} px a side, "
                         f"{MAX_PIXELS / 1e6:.0f} Mpx); downscale it first")

    if arr.ndim == 3 and channels == 3 and arr.dtype == np.uint8 and channel_order == "bgr":
        return np.ascontiguousarray(arr)

    arr8 = _to_uint8(arr, name)
    if arr8.ndim == 2:
        arr8 = arr8[:, :, None]
    colour = arr8[:, :, : (1 if channels <= 2 else 3)]
    alpha = arr8[:, :, -1] if channels in (2, 4) else None
    if colour.shape[2] == 1:
        bgr = np.repeat(colour, 3, axis=2)
    elif channel_order == "rgb":
        bgr = colour[:, :, ::-1]
    else:
        bgr = colour
    if alpha is not None and not bool((alpha == 255).all()):
        # Premultiply: out = colour * alpha / 255, rounded (compositing over black); in place, so
        # that a large frame costs one 16-bit copy, not four.
        a = alpha.astype(np.uint16)[:, :, None]
        wide = bgr.astype(np.uint16)
        wide *= a
        wide += 127
        wide //= 255
        bgr = wide.astype(np.uint8)
    return np.ascontiguousarray(bgr, dtype=np.uint8)


def _to_uint8(arr: np.ndarray, name: str) -> np.ndarray:
    """Map any numeric dtype to uint8 as :func:`as_bgr` documents."""
    kind = arr.dtype.kind
    if arr.dtype == np.uint8:
        return arr
    if kind == "b":
        return arr.astype(np.uint8) * np.uint8(255)
    if arr.dtype == np.uint16:
        # x * 255 / 65535 == x / 257, rounded; OpenCV scales in place without a 32-bit copy
        # (a 24 Mpx RGBA frame would need 3 × 384 MB the numpy way).
        if arr.ndim == 2 or arr.shape[2] <= 4:
            return cv2.convertScaleAbs(np.ascontiguousarray(arr), alpha=1.0 / 257.0)
        return ((arr.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi > 255:
            raise ValueError(f"{name} has dtype {arr.dtype} with values in [{lo}, {hi}]; "
                             "integer frames other than uint16 must lie in 0..255")
        return arr.astype(np.uint8)
    # Floats.
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(arr)
    if not bool(finite.all()):
        bad = "NaN" if bool(np.isnan(arr).any()) else "inf"
        raise ValueError(f"{name} contains {bad} values; expected finite floats in [0, 1]")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(f"{name} is a float array with values in [{lo:g}, {hi:g}]; float frames must "
                         "lie in [0, 1] (convert 0..255 data with .astype(np.uint8))")
    return np.rint(arr.astype(np.float64) * 255.0).astype(np.uint8)


# --------------------------------------------------------------------------- files


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a PNG, JPEG or WebP file as H×W×3 uint8 BGR.

    Parameters
    ----------
    path : str or PathLike
        The image file.

    Returns
    -------
    np.ndarray
        ``(H, W, 3)`` uint8 BGR (see :func:`as_bgr`: grey, alpha and 16-bit are converted).

    Raises
    ------
    ImageReadError
        The file is missing, a directory, unreadable, empty, larger than
        :data:`MAX_FILE_BYTES`, not a PNG/JPEG/WebP, truncated, or does not decode.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ImageReadError(path, "no such file") from None
    except OSError as exc:
        raise ImageReadError(path, f"cannot access file: {exc.strerror or exc}") from None
    if p.is_dir():
        raise ImageReadError(path, "is a directory, not an image file")
    if st.st_size == 0:
        raise ImageReadError(path, "empty file (0 bytes)")
    if st.st_size > MAX_FILE_BYTES:
        raise ImageReadError(path, f"file too large ({st.st_size / 2**20:.0f} MB; limit "
                                   f"{MAX_FILE_BYTES / 2**20:.0f} MB)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImageReadError(path, f"cannot read file: {exc.strerror or exc}") from None
    return decode_image(data, source=str(path))


def decode_image(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Decode PNG / JPEG / WebP bytes to H×W×3 uint8 BGR; see :func:`read_image`.

    ``source`` names the data in error messages.
    """
    if not data:
        raise ImageReadError(source, "empty file (0 bytes)")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageReadError(source, f"not a PNG, JPEG or WebP image (starts with {_describe_head(data)})")
    problem = _structure_problem(fmt, data)
    if problem:
        raise ImageReadError(source, problem, kind="damaged")
    pil_size, orientation = _pillow_header(data)
    dims = _bounded_size(fmt, data, source, pil_size)
    try:
        # IMREAD_UNCHANGED keeps 16-bit depth and alpha so that as_bgr converts them one way.
        with _decoder_messages() as messages:
            img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise ImageReadError(source, f"corrupt {fmt}: OpenCV could not decode it ({_first_line(exc)})",
                             kind="damaged") from None
    if img is None:
        raise ImageReadError(source, f"corrupt {fmt}: OpenCV could not decode it", kind="damaged")
    damage = _damage_message(messages)
    if damage:
        raise ImageReadError(source, f"damaged {fmt}: the decoder reported {damage!r}", kind="damaged")
    if img.shape[0] * img.shape[1] > dims[0] * dims[1]:  # pragma: no cover - the header is what decoders use
        raise ImageReadError(source, f"decoded size {img.shape[1]}×{img.shape[0]} exceeds the header's "
                                     f"{dims[0]}×{dims[1]}", kind="damaged")
    if img.dtype == np.uint16:  # to 8 bits first, so the 16-bit buffer is freed before compositing
        img = _to_uint8(img, "image")
    img = apply_orientation(img, orientation)
    try:
        return as_bgr(img, name="image")
    except ValueError as exc:
        raise ImageReadError(source, str(exc)) from None


def _bounded_size(fmt: str, data: bytes, source: str, pil_size: tuple[int, int] | None) -> tuple[int, int]:
    """The (width, height) a decoder will allocate, checked against the limits before decoding.

    Both our marker walk and Pillow's lazy header parse (no pixel data read) are asked; the
    larger answer counts. When neither can tell, the file is refused: decoding a file of
    unknown size is how a 4 MB JPEG reaches 1.5 GB.
    """
    found = [d for d in (_header_size(fmt, data), pil_size) if d is not None]
    if not found:
        raise ImageReadError(source, f"corrupt {fmt} header: the image size cannot be read, so it is not "
                                     "decoded", kind="damaged")
    w, h = max(found, key=lambda d: (d[0] * d[1], d))
    if min(d[0] for d in found) <= 0 or min(d[1] for d in found) <= 0:
        raise ImageReadError(source, f"corrupt {fmt} header: size {w}×{h}", kind="damaged")
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        raise ImageReadError(source, f"image too large: {w}×{h} px (limits: {MAX_SIDE} px a side, "
                                     f"{MAX_PIXELS / 1e6:.0f} Mpx)")
    channels, sample_bytes = _sample_layout(fmt, data)
    if w * h * channels * sample_bytes > MAX_DECODED_BYTES:
        raise ImageReadError(source, f"image too large to decode: {w}×{h} px × {channels} channel(s) × "
                                     f"{8 * sample_bytes} bit = {w * h * channels * sample_bytes / 2**20:.0f} MB "
                                     f"(limit {MAX_DECODED_BYTES / 2**20:.0f} MB)")
    return w, h


def _sample_layout(fmt: str, data: bytes) -> tuple[int, int]:
    """(channels, bytes per sample) the decoder will allocate; the largest when unsure."""
    if fmt == "PNG" and len(data) >= 26:
        depth, colour = data[24], data[25]
        channels = {0: 1, 2: 3, 3: 4, 4: 2, 6: 4}.get(colour, 4)  # palette may expand to BGRA
        return channels, 2 if depth == 16 else 1
    if fmt == "JPEG":
        return 3, 1  # OpenCV decodes 8-bit JPEG to 1 or 3 channels (CMYK is converted)
    return 4, 1  # WebP: BGR or BGRA, 8-bit


def _pillow_header(data: bytes) -> tuple[tuple[int, int] | None, int]:
    """Pillow's lazy header parse (``Image.open`` reads headers, not pixels): (size or None, EXIF orientation).

    The orientation is 1 when absent, out of range or unreadable (a broken EXIF block: the
    picture is taken as stored).
    """
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a dependency
        return None, 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: we bound the size ourselves
            with Image.open(io.BytesIO(data)) as im:
                size = (int(im.size[0]), int(im.size[1]))
                try:
                    value = im.getexif().get(0x0112, 1)
                except Exception:  # noqa: BLE001 - a broken EXIF block
                    value = 1
    except Exception:  # noqa: BLE001 - any header Pillow cannot parse: our own parser decides
        return None, 1
    return size, int(value) if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a decoded picture upright for its EXIF ``orientation`` (1..8, as Pillow's ``exif_transpose``).

    Parameters
    ----------
    img : np.ndarray
        ``(H, W)`` or ``(H, W, C)`` as stored in the file.
    orientation : int
        EXIF tag 0x0112: 1 upright, 3 rotated 180°, 6 needs 90° clockwise, 8 needs 90°
        counter-clockwise, 2/4/5/7 the mirrored variants.

    Returns
    -------
    np.ndarray
        The upright picture (``(W, H, ...)`` for 5–8), C-contiguous.
    """
    if orientation == 2:
        img = img[:, ::-1]
    elif orientation == 3:
        img = img[::-1, ::-1]
    elif orientation == 4:
        img = img[::-1]
    elif orientation == 5:
        img = np.swapaxes(img, 0, 1)
    elif orientation == 6:
        img = np.rot90(img, k=-1)
    elif orientation == 7:
        img = np.swapaxes(img[::-1, ::-1], 0, 1)
    elif orientation == 8:
        img = np.rot90(img, k=1)
    return np.ascontiguousarray(img)


# libjpeg prints warnings (JWRN_*) on stderr and still returns a picture: grey padding for a
# truncated scan, garbage blocks for flipped bytes. These prefixes mark such a picture as damaged.
_DAMAGE_PREFIXES = ("Corrupt JPEG data", "Premature end of JPEG file", "Invalid SOS parameters",
                    "Inconsistent progression sequence", "Invalid JPEG file structure",
                    "libpng error", "libpng warning: IDAT", "libpng warning: Too much image data",
                    "libpng warning: Extra compressed data", "libpng warning: Ignoring bad adaptive filter")
_FD2_LOCK = threading.Lock()


@contextmanager
def _decoder_messages() -> Iterator[list[str]]:
    """Collect what native decoders print on file descriptor 2 while the block runs.

    Lines that are not decoder messages are written back to stderr afterwards, so nothing
    another part of the process printed meanwhile is lost. Falls back to collecting nothing
    when fd 2 cannot be redirected.
    """
    lines: list[str] = []
    with _FD2_LOCK:
        try:
            sys.stderr.flush()
        except (AttributeError, ValueError, OSError):
            pass
        try:
            saved = os.dup(2)
        except OSError:
            yield lines
            return
        with tempfile.TemporaryFile() as tmp:
            os.dup2(tmp.fileno(), 2)
            try:
                yield lines
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                tmp.seek(0)
                text = tmp.read(1 << 16).decode("utf-8", errors="replace")
                lines.extend(ln for ln in text.splitlines() if ln.strip())
                other = [ln for ln in lines if not _is_decoder_line(ln)]
                if other:
                    try:
                        os.write(2, ("\n".join(other) + "\n").encode("utf-8", errors="replace"))
                    except OSError:
                        pass


def _is_decoder_line(line: str) -> bool:
    s = line.strip()
    return s.startswith(("Corrupt JPEG", "Premature end", "Invalid ", "Inconsistent ", "libpng ", "Warning: ")) \
        or _is_codec_warning(s)


def _is_codec_warning(s: str) -> bool:
    """OpenCV's own codec warnings: ``[ WARN:0@8.6] global grfmt_png.cpp:855 read_chunk ...``."""
    return s.startswith("[ WARN") and " grfmt_" in s


def _damage_message(lines: Sequence[str]) -> str | None:
    for ln in lines:
        s = ln.strip()
        if s.startswith(_DAMAGE_PREFIXES):
            return s
        if _is_codec_warning(s):
            return s.split("] ", 1)[-1]
    return None


def write_image(path: str | os.PathLike[str], image: np.ndarray, params: Sequence[int] = ()) -> Path:
    """Encode ``image`` in memory (format from the suffix: .png, .jpg/.jpeg, .webp) and write the bytes.

    Never hand a path to ``cv2.imwrite``: OpenCV's writer converts the name through UTF-8 and
    crashes the process (SIGSEGV) on a name that is not valid UTF-8 (a Python ``str`` holding
    surrogate escapes of raw bytes). Python's own I/O writes any name the file system accepts.

    Parameters
    ----------
    path : str or PathLike
        Target file; its parent folder is created. Unknown suffixes are written as PNG.
    image : np.ndarray
        ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` uint8, as ``cv2.imencode`` takes it.
    params : sequence of int
        ``cv2.imencode`` flags, e.g. ``(cv2.IMWRITE_JPEG_QUALITY, 85)``.

    Raises
    ------
    ValueError
        The image cannot be encoded.
    OSError
        The file cannot be written (read-only folder, full disk: ``errno.ENOSPC``).
    """
    p = Path(path)
    ext = p.suffix.lower() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp") else ".png"
    ok, data = cv2.imencode(ext, image, list(params))
    if not ok:
        raise ValueError(f"image could not be encoded as {ext} (shape {getattr(image, 'shape', None)})")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.tobytes())
    return p


def sniff_format(data: bytes) -> Literal["PNG", "JPEG", "WebP"] | None:
    """Tell the format from the first bytes, whatever the file name says."""
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def _structure_problem(fmt: str, data: bytes) -> str | None:
    """Return why the file is truncated / malformed, or None when its framing is whole."""
    if fmt == "PNG":
        if len(data) < 8 + 25 or data[12:16] != b"IHDR":
            return "truncated PNG: no complete IHDR header"
        # IEND closes every PNG; trailing bytes after it are tolerated.
        if data.rfind(_PNG_IEND) < 0:
            return "truncated PNG: the IEND end marker is missing"
        return None
    if fmt == "JPEG":
        # The last start-of-scan marker (FF DA) must be followed by an end-of-image marker
        # (FF D9). Inside entropy-coded data every FF is stuffed with 00, so neither marker
        # appears by accident; an EXIF thumbnail's EOI sits before the main scan.
        sos = data.rfind(b"\xff\xda")
        if sos < 0:
            return "truncated JPEG: no image data (start-of-scan marker missing)"
        if data.find(b"\xff\xd9", sos + 2) < 0:
            return "truncated JPEG: the end-of-image marker is missing"
        return None
    if fmt == "WebP":
        declared = struct.unpack("<I", data[4:8])[0] + 8
        if len(data) < declared:
            return f"truncated WebP: header declares {declared} bytes, file has {len(data)}"
        return None
    return None


def _header_size(fmt: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header without decoding, or None when it cannot be told."""
    try:
        if fmt == "PNG":
            w, h = struct.unpack(">II", data[16:24])
            return int(w), int(h)
        if fmt == "JPEG":
            return _jpeg_size(data)
        if fmt == "WebP":
            chunk = data[12:16]
            if chunk == b"VP8X" and len(data) >= 30:
                w = 1 + int.from_bytes(data[24:27], "little")
                h = 1 + int.from_bytes(data[27:30], "little")
                return w, h
            if chunk == b"VP8 " and len(data) >= 30:
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if chunk == b"VP8L" and len(data) >= 25:
                bits = int.from_bytes(data[21:25], "little")
                return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG marker segments to the first SOFn and read its size."""
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            # libjpeg's next_marker() skips garbage up to the next 0xFF (with a warning) and
            # then reads the marker: so must we, or one stray byte hides the frame size.
            j = data.find(b"\xff", i)
            if j < 0:
                return None
            i = j
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seg_len = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if i + 9 > n:
                return None
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return int(w), int(h)
        if marker == 0xDA:
            return None
        i += 2 + seg_len
    return None


def _describe_head(data: bytes) -> str:
    head = data[:16]
    text = head.decode("ascii", errors="replace")
    if all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return f"text {text.strip()[:16]!r}"
    return "bytes " + head[:8].hex(" ")


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__
