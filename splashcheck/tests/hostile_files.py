"""A generator of hostile screenshot files for ``splashcheck scan`` (issue 8), seeded and repeatable.

``make_hostile_corpus(root, seed)`` writes ≥ 1,000 files and returns what it wrote: truncated,
empty, random, byte-mutated (flips, insertions, deletions, header patches), odd shapes and colour
modes, pixel bombs (header-only and real), non-UTF-8 names, symlink loops and dangling links, a
FIFO, stray-byte JPEGs, byte-damaged JPEGs and EXIF-rotated photos. ``python hostile_files.py DIR``
writes the same set for a manual run.

The base images are small (≤ 360×640) so that the valid ones analyse fast; the size limits are
exercised through headers, not through gigabytes on disk.
"""

from __future__ import annotations

import io
import os
import random
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

# The kind of outcome a file should get: "ok" (analysed), "error" (its own error entry), "any".
OK, ERROR, ANY = "ok", "error", "any"


@dataclass(frozen=True)
class Hostile:
    path: Path  # as written (may hold surrogate escapes for a non-UTF-8 name)
    category: str
    expect: str  # OK, ERROR or ANY


def _screen(h: int, w: int, rng: np.random.Generator, *, popup: bool) -> np.ndarray:
    img = np.full((h, w, 3), 240, np.uint8)
    for y in range(20, h - 20, 48):
        img[y:y + 30, 12:12 + w // 6] = rng.integers(0, 256, 3)
        img[y + 8:y + 14, w // 4:w - 16] = 70
    if popup:
        img = (img * 0.4).astype(np.uint8)
        cv2.rectangle(img, (w // 10, h // 3), (w - w // 10, 2 * h // 3), (255, 255, 255), -1)
        x2, y1 = w - w // 10 - 8, h // 3 + 8
        cv2.line(img, (x2 - 18, y1), (x2, y1 + 18), (60, 60, 60), 2)
        cv2.line(img, (x2, y1), (x2 - 18, y1 + 18), (60, 60, 60), 2)
    return img


def _encode(img: np.ndarray, ext: str, params: tuple[int, ...] = ()) -> bytes:
    ok, buf = cv2.imencode(ext, img, list(params))
    assert ok, ext
    return buf.tobytes()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_bomb(w: int, h: int, *, depth: int = 8, colour: int = 2) -> bytes:
    """A valid-looking PNG that declares w×h but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _png_chunk(b"IEND", b""))


def png_zero_bomb(w: int, h: int) -> bytes:
    """A real PNG of w×h grey zeros: tiny on disk, w×h bytes decoded."""
    raw = zlib.compress((b"\x00" + b"\x00" * w) * h, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", raw) + _png_chunk(b"IEND", b""))


def jpeg_with_size(data: bytes, w: int, h: int) -> bytes:
    d = bytearray(data)
    i = d.find(b"\xff\xc0")
    d[i + 5:i + 9] = struct.pack(">HH", h, w)
    return bytes(d)


def _pil(img: np.ndarray, fmt: str, **kw) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[..., ::-1]) if img.ndim == 3 else img).save(buf, fmt, **kw)
    return buf.getvalue()


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random structural mutation: flip, overwrite, insert, delete, duplicate or splice bytes."""
    d = bytearray(data)
    n = len(d)
    op = rng.randrange(6)
    i = rng.randrange(max(1, n))
    k = rng.randint(1, 16)
    if op == 0:
        for _ in range(k):
            j = rng.randrange(n)
            d[j] ^= 1 << rng.randrange(8)
    elif op == 1:
        d[i:i + k] = bytes(rng.randrange(256) for _ in range(min(k, n - i)))
    elif op == 2:
        d[i:i] = bytes(rng.randrange(256) for _ in range(k))
    elif op == 3:
        del d[i:i + k]
    elif op == 4:
        d[i:i] = d[max(0, i - k):i]
    else:
        j = rng.randrange(max(1, n))
        d[i:i + k], d[j:j + k] = d[j:j + k], d[i:i + k]
    return bytes(d)


def make_hostile_corpus(root: Path, seed: int = 8) -> list[Hostile]:
    """Write the hostile set under ``root`` (created) and return one record per entry written."""
    root.mkdir(parents=True, exist_ok=True)
    rng_np = np.random.default_rng(seed)
    rng = random.Random(seed)
    out: list[Hostile] = []

    def put(rel: str, data: bytes, category: str, expect: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        out.append(Hostile(p, category, expect))

    popup = _screen(640, 360, rng_np, popup=True)
    plain = _screen(480, 270, rng_np, popup=False)
    bases = {"png": _encode(popup, ".png"), "jpg": _encode(popup, ".jpg", (cv2.IMWRITE_JPEG_QUALITY, 85)),
             "webp": _encode(plain, ".webp", (cv2.IMWRITE_WEBP_QUALITY, 80)),
             "lossless.webp": _encode(plain, ".webp", (cv2.IMWRITE_WEBP_QUALITY, 101))}
    for ext, data in bases.items():
        put(f"valid/base.{ext}", data, "valid", OK)

    # Truncated at 40 points each, from the first byte to one byte short.
    for ext, data in bases.items():
        for k in range(40):
            cut = max(1, int(len(data) * k / 40))
            if cut < len(data):
                put(f"truncated/{ext.replace('.', '_')}_{k:02d}.{ext.split('.')[-1]}", data[:cut], "truncated", ERROR)

    # Empty, random, text, and random bytes behind a valid signature.
    put("empty/empty.png", b"", "empty", ERROR)
    put("empty/empty.jpg", b"", "empty", ERROR)
    for k in range(60):
        n = rng.choice([1, 2, 7, 16, 100, 4096, 65536])
        put(f"random/r{k:02d}.png", rng_np.bytes(n), "random", ERROR)
    for k, magic in enumerate([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x10\x00\x00WEBPVP8 "] * 10):
        put(f"random/magic{k:02d}.{['png', 'jpg', 'webp'][k % 3]}", magic + rng_np.bytes(rng.randint(0, 3000)),
            "random-with-signature", ERROR)
    put("random/text.png", b"hello, this is not an image\n" * 20, "text", ERROR)
    put("random/html.jpg", b"<html><script>alert(1)</script></html>", "text", ERROR)

    # Byte-level mutations of the valid bases (the mutated file may still decode: ANY).
    for k in range(560):
        ext = list(bases)[k % len(bases)]
        data = bases[ext]
        for _ in range(rng.randint(1, 4)):
            data = mutate(data, rng)
        put(f"mutated/m{k:03d}.{ext.split('.')[-1]}", data, "mutated", ANY)
    # Header patches: random values at the size fields.
    for k in range(40):
        d = bytearray(bases["png"])
        d[16:24] = rng_np.bytes(8)
        put(f"header/png{k:02d}.png", bytes(d), "header-patch", ANY)
    for k in range(40):
        w, h = rng.choice([0, 1, 2, 65535, rng.randrange(65536)]), rng.choice([0, 1, 65535, rng.randrange(65536)])
        put(f"header/jpg{k:02d}.jpg", jpeg_with_size(bases["jpg"], w, h), "header-patch", ANY)

    # Odd shapes and colour modes that are valid images.
    shapes = {"1x1": (1, 1), "1x2000": (1, 2000), "2000x1": (2000, 1), "3x3": (3, 3), "long": (4000, 200)}
    for name, (h, w) in shapes.items():
        put(f"shapes/{name}.png", _encode(rng_np.integers(0, 256, (h, w, 3), dtype=np.uint8), ".png"), "odd-shape", OK)
    gray = cv2.cvtColor(popup, cv2.COLOR_BGR2GRAY)
    put("modes/gray.png", _encode(gray, ".png"), "mode", OK)
    put("modes/gray.jpg", _encode(gray, ".jpg"), "mode", OK)
    put("modes/gray16.png", _encode((gray.astype(np.uint16) * 257), ".png"), "mode", OK)
    put("modes/bgra.png", _encode(np.dstack([popup, np.full(gray.shape, 128, np.uint8)]), ".png"), "mode", OK)
    put("modes/bgra16.png", _encode(np.dstack([popup, gray]).astype(np.uint16) * 257, ".png"), "mode", OK)
    put("modes/bgra.webp", _encode(np.dstack([plain, np.full(plain.shape[:2], 200, np.uint8)]), ".webp"),
        "mode", OK)
    put("modes/palette.png", _pil_palette(popup), "mode", OK)
    put("modes/cmyk.jpg", _pil_cmyk(popup), "mode", OK)
    put("modes/progressive.jpg", _pil(popup, "JPEG", progressive=True, quality=80), "mode", OK)
    put("modes/la.png", _pil_mode(popup, "LA"), "mode", OK)
    put("modes/bw.png", _pil_mode(popup, "1"), "mode", OK)
    put("modes/interlaced.png", _pil_interlaced(popup), "mode", ANY)

    # Bombs: size limits must stop them before decoding.
    for k, (w, h) in enumerate([(100_000, 100_000), (32_768, 10), (10, 40_000), (16_000, 16_000), (7000, 7000),
                                (2**31 - 1, 2**31 - 1)]):
        put(f"bombs/png_header_{k}.png", png_header_bomb(w, h), "bomb", ERROR)
        put(f"bombs/png16_header_{k}.png", png_header_bomb(w, h, depth=16, colour=6), "bomb", ERROR)
        put(f"bombs/jpg_header_{k}.jpg", jpeg_with_size(bases["jpg"], min(w, 65535), min(h, 65535)), "bomb", ERROR)
    put("bombs/png_zero_6000.png", png_zero_bomb(6000, 6000), "bomb", ERROR)  # 36 Mpx > 30 Mpx limit
    put("bombs/png_zero_4000.png", png_zero_bomb(4000, 4000), "bomb-under-limit", OK)
    # Stray bytes before the JPEG frame header (libjpeg skips them): the limit still holds.
    big = jpeg_with_size(bases["jpg"], 16000, 16000)
    i = big.find(b"\xff\xc0")
    for k, junk in enumerate([b"\x00", b"\x13", b"\x00\x00\x00", b"\xfe", b"junk" * 10]):
        put(f"stray/big{k}.jpg", big[:i] + junk + big[i:], "stray-byte-bomb", ERROR)
        j = bases["jpg"].find(b"\xff\xc0")
        put(f"stray/small{k}.jpg", bases["jpg"][:j] + junk + bases["jpg"][j:], "stray-byte", ERROR)
    # Byte-damaged JPEGs (decoder warnings only): damaged, not analysed.
    sos = bases["jpg"].find(b"\xff\xda")
    for k in range(40):
        d = bytearray(bases["jpg"])
        start = rng.randrange(sos + 20, len(d) - 200)
        for j in range(start, start + rng.randint(8, 64)):
            d[j] ^= 0x5A if d[j] != 0xFF else 0
        put(f"damaged/d{k:02d}.jpg", bytes(d), "damaged-jpeg", ANY)
    # EXIF-rotated photos.
    from PIL import Image

    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        put(f"exif/o{o}.jpg", _pil(popup, "JPEG", exif=exif.tobytes(), quality=90), "exif", OK)
    exif = Image.Exif()
    exif[0x0112] = 99
    put("exif/o99.jpg", _pil(popup, "JPEG", exif=exif.tobytes()), "exif-bad", OK)
    d = bytearray(_pil(popup, "JPEG", exif=Image.Exif().tobytes()))
    put("exif/garbage_exif.jpg", bytes(d[:20]) + b"\xff\xe1\x00\x20Exif\x00\x00" + rng_np.bytes(24) + bytes(d[20:]),
        "exif-bad", ANY)

    # File-system oddities.
    bad = os.path.join(os.fsencode(root), b"names")
    os.makedirs(bad, exist_ok=True)
    for k, raw in enumerate([b"\xff\xfe.png", b"caf\xe9.png", b"\xed\xa0\x80surrogate.png", b"line\nbreak.png",
                             b"tab\tand space .png", b"-dash.png", b"\xe5\x90\x8d\xe5\xad\x97.png"]):
        p = os.path.join(bad, raw)
        try:
            with open(p, "wb") as fh:
                fh.write(bases["png"])
            out.append(Hostile(Path(os.fsdecode(p)), "name", OK))
        except OSError:
            pass
    links = root / "links"
    links.mkdir(exist_ok=True)
    for name, target in (("self.png", "self.png"), ("a.png", "b.png"), ("b.png", "a.png"),
                         ("dangling.png", "nowhere.png")):
        (links / name).symlink_to(target)
        out.append(Hostile(links / name, "symlink", ERROR))
    (links / "up").symlink_to("..", target_is_directory=True)  # a folder loop: not followed
    (links / "loopdir").symlink_to("loopdir", target_is_directory=True)
    try:
        os.mkfifo(root / "fifo.png")
        out.append(Hostile(root / "fifo.png", "fifo", ERROR))
    except (OSError, AttributeError):
        pass
    (root / "dir.png").mkdir(exist_ok=True)  # a folder named like an image: not a file, not listed
    return out


def _pil_palette(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[..., ::-1])).convert("P", palette=Image.ADAPTIVE).save(buf, "PNG")
    return buf.getvalue()


def _pil_cmyk(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[..., ::-1])).convert("CMYK").save(buf, "JPEG")
    return buf.getvalue()


def _pil_mode(img: np.ndarray, mode: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[..., ::-1])).convert(mode).save(buf, "PNG")
    return buf.getvalue()


def _pil_interlaced(img: np.ndarray) -> bytes:
    # Pillow cannot write Adam7; a PNG with the interlace flag set on non-interlaced data is corrupt.
    d = bytearray(_encode(img, ".png"))
    d[28] = 1
    d[29:33] = struct.pack(">I", zlib.crc32(bytes(d[12:29])) & 0xFFFFFFFF)
    return bytes(d)


if __name__ == "__main__":  # pragma: no cover
    files = make_hostile_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("hostile"))
    print(f"{len(files)} hostile entries written")
