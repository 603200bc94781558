"""detectors.imageio: array normalisation and robust image reading."""

from __future__ import annotations

import os
import struct
import sys
import zlib

import cv2
import numpy as np
import pytest

from detectors.imageio import (MAX_PIXELS, MAX_SIDE, ImageReadError, as_bgr, decode_image, read_image,
                               sniff_format)

RNG = np.random.default_rng(1234)


def _colour(h: int = 20, w: int = 30) -> np.ndarray:
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


# ----------------------------------------------------------------------------- as_bgr


def test_uint8_bgr_passes_through_unchanged():
    img = _colour()
    out = as_bgr(img)
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3)
    assert np.array_equal(out, img)


def test_non_contiguous_input_becomes_contiguous():
    img = _colour(40, 60)[::2, ::2]
    out = as_bgr(img)
    assert out.flags["C_CONTIGUOUS"] and np.array_equal(out, img)


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1)])
def test_grayscale_is_replicated_to_three_channels(shape):
    g = RNG.integers(0, 256, shape, dtype=np.uint8)
    out = as_bgr(g)
    assert out.shape == (5, 7, 3)
    for c in range(3):
        assert np.array_equal(out[:, :, c], g.reshape(5, 7))


def test_opaque_bgra_drops_alpha():
    img = _colour()
    bgra = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    assert np.array_equal(as_bgr(bgra), img)


def test_alpha_composites_over_black():
    bgra = np.zeros((2, 2, 4), np.uint8)
    bgra[..., :3] = (200, 100, 50)
    bgra[0, 0, 3] = 0
    bgra[0, 1, 3] = 255
    bgra[1, 0, 3] = 128
    bgra[1, 1, 3] = 51  # 20 %
    out = as_bgr(bgra)
    assert out[0, 0].tolist() == [0, 0, 0]
    assert out[0, 1].tolist() == [200, 100, 50]
    assert out[1, 0].tolist() == [100, 50, 25]
    assert out[1, 1].tolist() == [40, 20, 10]


def test_gray_alpha_two_channels():
    la = np.zeros((3, 3, 2), np.uint8)
    la[..., 0] = 200
    la[..., 1] = 255
    out = as_bgr(la)
    assert out.shape == (3, 3, 3) and (out == 200).all()


def test_rgb_order_is_swapped_when_asked():
    rgb = np.zeros((1, 1, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)  # red in RGB
    assert as_bgr(rgb, channel_order="rgb")[0, 0].tolist() == [0, 0, 255]
    rgba = np.zeros((1, 1, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)
    assert as_bgr(rgba, channel_order="rgb")[0, 0].tolist() == [0, 0, 255]


def test_uint16_scales_to_uint8():
    a = np.array([[0, 257, 32896, 65535]], np.uint16)
    assert as_bgr(a)[0, :, 0].tolist() == [0, 1, 128, 255]


def test_float_in_unit_range_scales():
    a = np.array([[0.0, 0.5, 1.0]], np.float32)
    assert as_bgr(a)[0, :, 0].tolist() == [0, 128, 255]


def test_bool_maps_to_black_and_white():
    a = np.array([[False, True]])
    assert as_bgr(a)[0, :, 1].tolist() == [0, 255]


def test_small_ints_in_range_are_accepted():
    a = np.array([[0, 17, 255]], np.int64)
    assert as_bgr(a)[0, :, 2].tolist() == [0, 17, 255]


def test_list_input_is_accepted():
    assert as_bgr([[0, 255], [255, 0]]).shape == (2, 2, 3)


def test_one_pixel_is_accepted():
    assert as_bgr(np.zeros((1, 1), np.uint8)).shape == (1, 1, 3)


@pytest.mark.parametrize("bad, words", [
    (np.zeros((0, 5, 3), np.uint8), ["frame", "empty"]),
    (np.zeros((5,), np.uint8), ["frame", "1 dimension"]),
    (np.zeros((2, 2, 2, 3), np.uint8), ["frame", "4 dimension"]),
    (np.zeros((4, 4, 5), np.uint8), ["frame", "5 channels"]),
    (np.array([[1.0, np.nan]]), ["frame", "NaN"]),
    (np.array([[1.0, np.inf]]), ["frame", "inf"]),
    (np.array([[0.0, 2.0]]), ["frame", "[0, 1]"]),
    (np.array([[-1, 3]], np.int16), ["frame", "0..255"]),
    (np.array([[1000]], np.int32), ["frame", "0..255"]),
    (np.array([[1 + 1j]]), ["frame", "dtype"]),
    (np.array([["a"]]), ["frame", "dtype"]),
    (np.array([[object()]], dtype=object), ["frame", "dtype"]),
    (None, ["frame", "None"]),
])
def test_bad_arrays_raise_value_error_naming_the_parameter(bad, words):
    with pytest.raises(ValueError) as ei:
        as_bgr(bad)
    for w in words:
        assert w in str(ei.value)


def test_custom_name_appears_in_message():
    with pytest.raises(ValueError, match="screenshot is empty"):
        as_bgr(np.zeros((0, 0)), name="screenshot")


def test_absurdly_large_is_refused_before_allocating():
    # A zero-stride view: 50 000² "pixels" without the memory; the check must not copy it.
    huge = np.broadcast_to(np.uint8(0), (50_000, 50_000))
    with pytest.raises(ValueError, match="too large"):
        as_bgr(huge)
    side = np.broadcast_to(np.uint8(0), (1, MAX_SIDE + 1))
    with pytest.raises(ValueError, match="too large"):
        as_bgr(side)
    assert MAX_PIXELS >= 1440 * 3200 * 2  # a long phone screenshot fits


def test_bad_channel_order_is_refused():
    with pytest.raises(ValueError, match="channel_order"):
        as_bgr(_colour(), channel_order="rbg")  # type: ignore[arg-type]


def test_input_is_not_modified():
    bgra = np.zeros((2, 2, 4), np.uint8)
    bgra[..., 3] = 10
    bgra[..., :3] = 200
    before = bgra.copy()
    as_bgr(bgra)
    assert np.array_equal(bgra, before)


# ----------------------------------------------------------------------------- read_image


def _write(path, img, ext=None, params=()):
    ok, buf = cv2.imencode(ext or os.path.splitext(str(path))[1], img, list(params))
    assert ok
    path.write_bytes(buf.tobytes())
    return buf.tobytes()


@pytest.mark.parametrize("ext", [".png", ".webp"])
def test_lossless_roundtrip(tmp_path, ext):
    img = _colour(33, 21)
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else []
    _write(tmp_path / f"a{ext}", img, params=params)
    out = read_image(tmp_path / f"a{ext}")
    assert out.shape == (33, 21, 3) and out.dtype == np.uint8
    assert np.array_equal(out, img)


def test_jpeg_reads_close_to_original(tmp_path):
    img = np.full((40, 40, 3), (30, 120, 220), np.uint8)
    _write(tmp_path / "a.jpg", img, params=[cv2.IMWRITE_JPEG_QUALITY, 95])
    out = read_image(tmp_path / "a.jpg")
    assert out.shape == (40, 40, 3)
    assert np.abs(out.astype(int) - img.astype(int)).max() <= 4


def test_png_variants_are_normalised(tmp_path):
    g16 = np.full((4, 5), 65535, np.uint16)
    _write(tmp_path / "g16.png", g16)
    out = read_image(tmp_path / "g16.png")
    assert out.shape == (4, 5, 3) and (out == 255).all()
    bgra = np.zeros((4, 5, 4), np.uint8)
    bgra[..., :3] = 100
    bgra[..., 3] = 255
    _write(tmp_path / "a.png", bgra)
    assert (read_image(tmp_path / "a.png") == 100).all()
    gray = np.full((4, 5), 77, np.uint8)
    _write(tmp_path / "g.png", gray)
    assert (read_image(tmp_path / "g.png") == 77).all()


def test_extension_does_not_matter_content_does(tmp_path):
    _write(tmp_path / "x.bin", _colour(), ext=".png")
    assert read_image(tmp_path / "x.bin").shape == (20, 30, 3)
    assert sniff_format((tmp_path / "x.bin").read_bytes()) == "PNG"


def test_png_with_trailing_bytes_after_iend_is_accepted(tmp_path):
    data = _write(tmp_path / "a.png", _colour())
    (tmp_path / "a.png").write_bytes(data + b"\x00" * 16)
    assert read_image(tmp_path / "a.png").shape == (20, 30, 3)


def _reason(path) -> str:
    with pytest.raises(ImageReadError) as ei:
        read_image(path)
    assert ei.value.path == str(path)
    assert str(path) in str(ei.value)
    return ei.value.reason


def test_missing_file(tmp_path):
    assert _reason(tmp_path / "nope.png") == "no such file"


def test_directory(tmp_path):
    assert "directory" in _reason(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "e.png").write_bytes(b"")
    assert "empty" in _reason(tmp_path / "e.png")


def test_text_renamed_png(tmp_path):
    (tmp_path / "t.png").write_text("just some notes\n")
    r = _reason(tmp_path / "t.png")
    assert "not a PNG, JPEG or WebP" in r and "just some" in r


def test_binary_non_image(tmp_path):
    (tmp_path / "b.jpg").write_bytes(bytes(range(256)))
    assert "not a PNG, JPEG or WebP" in _reason(tmp_path / "b.jpg")


@pytest.mark.parametrize("ext, keep", [(".png", 0.5), (".png", 0.98), (".jpg", 0.5), (".jpg", 0.97),
                                       (".webp", 0.7)])
def test_truncated_files(tmp_path, ext, keep):
    data = _write(tmp_path / f"full{ext}", _colour(64, 64))
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: int(len(data) * keep)])
    assert "truncated" in _reason(cut)


def test_header_only_png_is_truncated(tmp_path):
    (tmp_path / "h.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert "truncated PNG" in _reason(tmp_path / "h.png")


def test_corrupt_png_data(tmp_path):
    data = bytearray(_write(tmp_path / "a.png", _colour(64, 64)))
    i = data.find(b"IDAT")
    for k in range(i + 10, i + 80):
        data[k] ^= 0x5A
    (tmp_path / "c.png").write_bytes(bytes(data))
    assert "corrupt PNG" in _reason(tmp_path / "c.png")


def test_corrupt_jpeg_data(tmp_path):
    (tmp_path / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50 + b"\xff\xda" + b"\x11" * 30 + b"\xff\xd9")
    assert "JPEG" in _reason(tmp_path / "c.jpg")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100)) \
        + _png_chunk(b"IEND", b"")
    (tmp_path / "bomb.png").write_bytes(data)
    assert "too large" in _reason(tmp_path / "bomb.png")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    p = tmp_path / "locked.png"
    _write(p, _colour())
    p.chmod(0)
    try:
        assert "cannot read" in _reason(p)
    finally:
        p.chmod(0o644)


def test_read_error_is_a_value_error():
    assert issubclass(ImageReadError, ValueError)


def test_decode_image_names_its_source():
    with pytest.raises(ImageReadError, match="^upload: empty"):
        decode_image(b"", source="upload")


# ----------------------------------------------------------------------------- hostile files (issue 8)


def _jpeg(img: np.ndarray, **pil_kwargs) -> bytes:
    from PIL import Image
    import io

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(img[:, :, ::-1])).save(buf, "JPEG", quality=90, **pil_kwargs)
    return buf.getvalue()


def _with_sof_size(data: bytes, w: int, h: int) -> bytes:
    d = bytearray(data)
    i = d.find(b"\xff\xc0")
    d[i + 5:i + 9] = h.to_bytes(2, "big") + w.to_bytes(2, "big")
    return bytes(d)


@pytest.mark.parametrize("junk", [b"", b"\x00", b"\x13\x37\x00", b"\xfe"])
def test_stray_bytes_before_the_frame_header_do_not_bypass_the_pixel_limit(junk):
    """Was: the size reader gave up at the stray byte, libjpeg skipped it and allocated 16000×16000."""
    from detectors.imageio import ImageReadError, decode_image

    data = _with_sof_size(_jpeg(np.full((32, 32, 3), 128, np.uint8)), 16000, 16000)
    i = data.find(b"\xff\xc0")
    with pytest.raises(ImageReadError, match="too large: 16000×16000"):
        decode_image(data[:i] + junk + data[i:])


def test_a_jpeg_whose_size_cannot_be_read_is_not_decoded():
    from detectors.imageio import ImageReadError, decode_image

    data = _jpeg(np.full((32, 32, 3), 128, np.uint8))
    i = data.find(b"\xff\xc0")
    broken = data[:i] + data[i + 19:]  # the frame header removed: no size anywhere before the scan
    with pytest.raises(ImageReadError) as err:
        decode_image(broken)
    assert err.value.kind == "damaged"


def test_byte_damaged_jpeg_is_damaged_not_a_screenshot():
    """Was: libjpeg only warned on stderr and the garbled picture was analysed."""
    from detectors.imageio import ImageReadError, decode_image

    rng = np.random.default_rng(3)
    data = bytearray(_jpeg(rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)))
    sos = data.find(b"\xff\xda")
    for k in range(sos + 60, sos + 90):
        data[k] ^= 0x5A
    with pytest.raises(ImageReadError) as err:
        decode_image(bytes(data))
    assert err.value.kind == "damaged" and "JPEG" in err.value.reason


def test_truncated_files_are_damaged(tmp_path):
    from detectors.imageio import ImageReadError, read_image

    ok, png = cv2.imencode(".png", np.full((50, 60, 3), 90, np.uint8))
    p = tmp_path / "t.png"
    p.write_bytes(png.tobytes()[:-30])
    with pytest.raises(ImageReadError) as err:
        read_image(p)
    assert err.value.kind == "damaged"
    (tmp_path / "e.png").write_bytes(b"")
    with pytest.raises(ImageReadError) as err:
        read_image(tmp_path / "e.png")
    assert err.value.kind == "unreadable"


def test_clean_jpeg_and_unrelated_stderr_are_untouched(capfd):
    from detectors.imageio import decode_image

    img = np.zeros((40, 30, 3), np.uint8)
    img[:, :10] = 255
    out = decode_image(_jpeg(img))
    assert out.shape == (40, 30, 3) and out[:, :5].mean() > 240
    _, err = capfd.readouterr()
    assert "Corrupt" not in err


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow(orientation):
    import io

    from PIL import Image, ImageOps

    from detectors.imageio import decode_image

    img = np.zeros((60, 100, 3), np.uint8)
    img[:20, :30] = (0, 0, 255)  # a red block top-left, as stored
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _jpeg(img, exif=exif.tobytes())
    ref = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))[:, :, ::-1]
    got = decode_image(data)
    assert got.shape == ref.shape == ((60, 100, 3) if orientation <= 4 else (100, 60, 3))
    assert np.abs(got.astype(int) - ref.astype(int)).max() <= 2
