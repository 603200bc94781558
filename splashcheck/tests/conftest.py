"""Fixtures for the CLI tests: synthetic screenshots and broken files written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from scan_images import plain_screen, synthetic_popup, write


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """A folder with good, broken and ignored files (names sort in this order)."""
    root = tmp_path / "shots"
    good = write(root / "a_popup.png", synthetic_popup())
    write(root / "b_plain.jpg", plain_screen())
    (root / "c_empty.png").write_bytes(b"")
    (root / "d_truncated.png").write_bytes(good[: len(good) // 2])
    (root / "e_text.png").write_text("this is not an image\n")
    corrupt = bytearray(good)
    i = corrupt.find(b"IDAT")
    for k in range(i + 10, i + 200):
        corrupt[k] ^= 0x5A
    (root / "f_corrupt.png").write_bytes(bytes(corrupt))
    write(root / "sub" / "g_nested.webp", plain_screen(960, 540))
    (root / "notes.txt").write_text("ignored: not an image extension")
    return root
