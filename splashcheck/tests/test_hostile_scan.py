"""``scan`` with hostile file systems: non-UTF-8 names, symlink loops (issue 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detectors.imageio import read_image, write_image
from splashcheck import cli
from splashcheck.scan import collect_images, json_text, safe_text

from scan_images import plain_screen, synthetic_popup, write

REPO = Path(__file__).resolve().parents[2]
BAD_NAME = b"bad\xff\xfe-\xe4name.png"  # not valid UTF-8


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _non_utf8_folder(tmp_path: Path) -> Path:
    root = tmp_path / "shots"
    root.mkdir()
    good = write(root / "good.png", synthetic_popup(960, 540))
    try:
        with open(os.path.join(os.fsencode(root), BAD_NAME), "wb") as fh:
            fh.write(good)
    except OSError:  # a file system that only takes UTF-8 names
        pytest.skip("this file system refuses non-UTF-8 file names")
    return root


def test_write_image_takes_a_non_utf8_name(tmp_path):
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), BAD_NAME)))
    write_image(path, plain_screen(64, 32))
    assert os.path.join(os.fsencode(tmp_path), BAD_NAME) in [os.path.join(os.fsencode(tmp_path), n)
                                                              for n in os.listdir(os.fsencode(tmp_path))]
    assert read_image(path).shape == (64, 32, 3)


def test_scan_annotate_and_json_with_a_non_utf8_file_name(tmp_path):
    """Was: OpenCV's writer segfaulted (exit 139) and every result was lost; JSON was not UTF-8."""
    root = _non_utf8_folder(tmp_path)
    ann = tmp_path / "ann"
    res = subprocess.run([sys.executable, "-m", "splashcheck", "scan", str(root), "--no-ocr", "--annotate",
                          str(ann), "--format", "json"], capture_output=True, timeout=120, env=_env(), cwd=REPO)
    assert res.returncode in (0, 1), res.stderr.decode(errors="replace")
    doc = json.loads(res.stdout.decode("utf-8"))  # strict UTF-8: raises on a raw 0xff byte
    paths = sorted(os.fsencode(img["path"]) for img in doc["images"])
    assert paths == sorted([os.path.join(os.fsencode(root), BAD_NAME), os.fsencode(root / "good.png")])
    for img in doc["images"]:
        assert img["error"] is None and img["width"] == 540
        assert Path(img["annotated"]).is_file()


def test_json_text_escapes_lone_surrogates_and_keeps_other_text():
    name = os.fsdecode(b"/x/\xff\xe5\x90\x8d.png")  # 0xff is invalid; 名 is valid UTF-8
    text = json_text({"path": name})
    text.encode("utf-8")  # no UnicodeEncodeError
    assert "\\udcff" in text and "名" in text
    assert os.fsencode(json.loads(text)["path"]) == b"/x/\xff\xe5\x90\x8d.png"
    assert safe_text(name) == "/x/\\xff名.png"


def test_text_output_shows_undecodable_bytes_escaped(tmp_path, capsys, monkeypatch):
    root = _non_utf8_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["scan", str(root), "--no-ocr"])
    out, _ = capsys.readouterr()
    assert code in (0, 1)
    assert "bad\\xff\\xfe-\\xe4name.png" in out


# ----------------------------------------------------------------------------- symlink loops


def test_symlink_loop_inside_a_folder_is_an_error_entry(tmp_path, capsys):
    root = tmp_path / "shots"
    write(root / "a.png", plain_screen(480, 270))
    (root / "loop.png").symlink_to("loop.png")  # a link to itself (ELOOP)
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder loop: not followed
    (root / "x.png").symlink_to("y.png")
    (root / "y.png").symlink_to("x.png")  # a two-link cycle
    code = cli.main(["scan", str(root), "--no-ocr", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    doc = json.loads(out)
    by_name = {Path(i["path"]).name: i for i in doc["images"]}
    assert by_name["a.png"]["error"] is None and by_name["a.png"]["width"] == 270
    for name in ("loop.png", "x.png", "y.png"):
        assert "symbolic link" in by_name[name]["error"] or "symlink" in by_name[name]["error"]
    assert len(doc["images"]) == 4  # nothing found twice through sub/up


def test_symlink_loop_named_on_the_command_line(tmp_path, capsys):
    write(tmp_path / "ok.png", plain_screen(480, 270))
    (tmp_path / "self.png").symlink_to("self.png")
    loop_dir = tmp_path / "dirloop"
    loop_dir.symlink_to("dirloop", target_is_directory=True)
    code = cli.main(["scan", str(tmp_path / "ok.png"), str(tmp_path / "self.png"), str(loop_dir),
                     "--no-ocr", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    doc = json.loads(out)
    assert [Path(i["path"]).name for i in doc["images"]] == ["ok.png", "self.png", "dirloop"]
    assert doc["images"][0]["error"] is None
    assert doc["images"][1]["error"] and doc["images"][2]["error"]


def test_collect_images_does_not_follow_a_folder_loop(tmp_path):
    root = tmp_path / "a"
    write(root / "b" / "one.png", plain_screen(64, 32))
    (root / "b" / "c").symlink_to(root, target_is_directory=True)
    files = collect_images([root])
    assert [f.name for f, _ in files] == ["one.png"]
