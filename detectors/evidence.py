"""Evidence images: an annotated frame per analysis, contact sheets, PNG writing.

Drawn with Pillow when it is installed (CJK labels such as "跳过 5" need a real font; the
WenQuanYi Zen Hei font of ``fonts-wqy-zenhei`` is used when present), else with OpenCV, whose
``putText`` only knows ASCII (other characters become ``?``). Sizes scale with the image, so a
1080×2400 screenshot stays legible when a report shows it at a third of its size.

Colours: red = violation, amber = needs review, green = pass, grey = not run / not applicable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np

from detectors.imageio import as_bgr, write_image
from detectors.model import Box, FrameAnalysis, Outcome
from detectors.render import OUTCOME_LABELS, short_message

try:  # Pillow is optional: better text (CJK, anti-aliasing) when it is there.
    from PIL import Image, ImageDraw, ImageFont
except ImportError:  # pragma: no cover - exercised only without Pillow
    Image = ImageDraw = ImageFont = None  # type: ignore[assignment]

__all__ = ["annotate", "contact_sheet", "write_png", "OUTCOME_BGR", "FONT_PATHS"]

FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
"""Fonts tried in order (the first has CJK glyphs)."""

OUTCOME_BGR: dict[Outcome, tuple[int, int, int]] = {
    Outcome.VIOLATION: (40, 40, 220),
    Outcome.NEEDS_REVIEW: (0, 165, 255),
    Outcome.PASS: (60, 170, 60),
    Outcome.NOT_RUN: (150, 150, 150),
    Outcome.NOT_APPLICABLE: (150, 150, 150),
}
WINDOW_BGR = (235, 170, 30)      # blue-cyan: the splash / pop-up window
CONTROL_BGR = (0, 230, 255)      # yellow: the judged close control
OTHER_CONTROL_BGR = (0, 140, 255)  # orange: other close-control candidates
CTA_BGR = (220, 60, 220)         # magenta: jump buttons
ZONE_BGR = (235, 170, 30)        # corner zones, drawn faintly
STATUS_BAR_BGR = (120, 120, 120)
LEGEND_BG = (32, 32, 32)
LEGEND_FG = (235, 235, 235)

FONT_DIVISOR = 34
"""Font size = shorter image side / 34 (≈ 32 px on a 1080 px wide screenshot)."""
LINE_DIVISOR = 300
"""Line thickness = shorter image side / 300 (≈ 4 px at 1080)."""
ZONE_ALPHA = 0.13
"""Opacity of the corner-zone tint."""
DEFAULT_CORNER_ZONE = 0.3
DEFAULT_STATUS_BAR_DP = 24.0
"""Drawing fallbacks when no placement finding says which values the profile used."""


# ------------------------------------------------------------------------------------------------
# drawing back ends
# ------------------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _font(size: int) -> Any:
    if ImageFont is None:
        return None
    for path in FONT_PATHS:
        if os.path.isfile(path):
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _rgb(bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    return bgr[2], bgr[1], bgr[0]


class _Canvas:
    """A BGR image with rectangles and text; Pillow for text when available."""

    def __init__(self, image: np.ndarray, font_px: int) -> None:
        self.image = image
        self.font_px = font_px
        self.use_pil = ImageFont is not None

    def rect(self, box: Box, colour: tuple[int, int, int], width: int, *, dashed: bool = False) -> None:
        x1, y1, x2, y2 = (int(v) for v in box)
        x2, y2 = x2 - 1, y2 - 1
        if not dashed:
            cv2.rectangle(self.image, (x1, y1), (x2, y2), colour, width, cv2.LINE_AA)
            return
        dash = max(6, width * 4)
        for (ax, ay), (bx, by) in (((x1, y1), (x2, y1)), ((x2, y1), (x2, y2)), ((x2, y2), (x1, y2)), ((x1, y2), (x1, y1))):
            length = int(max(abs(bx - ax), abs(by - ay)))
            for s in range(0, length, dash * 2):
                e = min(length, s + dash)
                p = (int(ax + (bx - ax) * s / max(length, 1)), int(ay + (by - ay) * s / max(length, 1)))
                q = (int(ax + (bx - ax) * e / max(length, 1)), int(ay + (by - ay) * e / max(length, 1)))
                cv2.line(self.image, p, q, colour, width, cv2.LINE_AA)

    def tint(self, box: Box, colour: tuple[int, int, int], alpha: float) -> None:
        h, w = self.image.shape[:2]
        x1, y1, x2, y2 = max(0, box[0]), max(0, box[1]), min(w, box[2]), min(h, box[3])
        if x2 <= x1 or y2 <= y1:
            return
        roi = self.image[y1:y2, x1:x2]
        roi[:] = (roi * (1 - alpha) + np.array(colour, dtype=np.float64) * alpha).astype(np.uint8)

    def text_size(self, text: str, size: int | None = None) -> tuple[int, int]:
        size = size or self.font_px
        if self.use_pil:
            font = _font(size)
            l, t, r, b = font.getbbox(text or " ")
            return int(r - min(l, 0)), int(size * 1.2)
        scale = size / 30.0
        (tw, _), _ = cv2.getTextSize(_ascii(text), cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, size // 15))
        return tw, int(size * 1.2)

    def texts(self, items: list[tuple[tuple[int, int], str, tuple[int, int, int], tuple[int, int, int] | None, int]]) -> None:
        """Draw many labels at once: (top-left, text, colour BGR, background BGR or None, size px)."""
        if not items:
            return
        pad = max(2, self.font_px // 6)
        for (x, y), text, _, bg, size in items:
            if bg is not None:
                tw, th = self.text_size(text, size)
                cv2.rectangle(self.image, (x - pad, y - pad), (x + tw + pad, y + th), bg, -1)
        if self.use_pil:
            pil = Image.fromarray(self.image[:, :, ::-1])
            draw = ImageDraw.Draw(pil)
            for (x, y), text, colour, _, size in items:
                draw.text((x, y), text, font=_font(size), fill=_rgb(colour))
            self.image[:] = np.asarray(pil)[:, :, ::-1]
        else:
            for (x, y), text, colour, _, size in items:
                scale = size / 30.0
                cv2.putText(self.image, _ascii(text), (x, y + size), cv2.FONT_HERSHEY_SIMPLEX, scale, colour,
                            max(1, size // 15), cv2.LINE_AA)


def _ascii(text: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text.replace("—", "-").replace("×", "x")
                   .replace("≥", ">=").replace("≤", "<=").replace("…", "..."))


def _wrap(canvas: _Canvas, text: str, width: int, size: int) -> list[str]:
    """Greedy word wrap (CJK runs without spaces are broken by character)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = word if not current else current + " " + word
        if canvas.text_size(candidate, size)[0] <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:  # a word wider than the line: break it
            if canvas.text_size(current + ch, size)[0] > width and current:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines or [""]


# ------------------------------------------------------------------------------------------------
# annotate
# ------------------------------------------------------------------------------------------------

def _placement_values(analysis: FrameAnalysis) -> tuple[float, float]:
    zone, bar = DEFAULT_CORNER_ZONE, DEFAULT_STATUS_BAR_DP
    for f in analysis.findings:
        if f.rule == "close-button-placement":
            if "corner_zone" in f.thresholds:
                zone = f.thresholds["corner_zone"].value
            if "status_bar" in f.thresholds:
                bar = f.thresholds["status_bar"].value
    return zone, bar


def _judged_index(analysis: FrameAnalysis) -> int | None:
    """The control the findings are about (same box as a size/contrast finding), else the most confident."""
    boxes = {tuple(f.box_px) for f in analysis.findings
             if f.box_px is not None and f.rule in ("close-button-size", "close-button-contrast", "close-button-present")}
    for i, c in enumerate(analysis.controls):
        if tuple(c.box) in boxes:
            return i
    if not analysis.controls:
        return None
    return max(range(len(analysis.controls)), key=lambda i: analysis.controls[i].confidence)


def _control_label(i: int, analysis: FrameAnalysis) -> str:
    c = analysis.controls[i]
    name = f"“{c.text}”" if c.kind == "text" and c.text else c.kind
    parts = [f"{name} {c.confidence:.2f}"]
    if i < len(analysis.measurements) and analysis.measurements[i] is not None:
        m = analysis.measurements[i]
        parts.append(f"{m.width_dp:.1f}×{m.height_dp:.1f} dp")
        parts.append(f"{m.contrast:.2f}:1" if m.contrast is not None else "contrast ?")
    return " | ".join(parts)


def _label_position(box: Box, size: tuple[int, int], image_shape: tuple[int, ...], gap: int) -> tuple[int, int]:
    """Above the box if there is room, else below; kept inside the image."""
    h, w = image_shape[:2]
    tw, th = size
    x = min(max(gap, box[0]), max(gap, w - tw - gap))
    y = box[1] - th - gap
    if y < gap:
        y = box[3] + gap
    return int(x), int(min(max(gap, y), h - th - gap))


def annotate(frame: np.ndarray, analysis: FrameAnalysis) -> np.ndarray:
    """Draw an analysis onto its frame, with a legend of the findings below it.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8 BGR
        The analysed frame (device pixels, the coordinates of ``analysis``).
    analysis : FrameAnalysis
        Window, controls with their measurements, CTAs and findings.

    Returns
    -------
    ndarray, shape (H + legend, W, 3), uint8 BGR
        Window box (blue), corner zones of the window (faint blue), status bar (faint grey),
        close controls (yellow: the judged one; orange: other candidates) labelled with kind,
        confidence, size in dp and contrast, their touch targets (dashed), CTAs (magenta), and a
        legend band listing each finding's rule and outcome in its colour.
    """
    frame = as_bgr(frame)
    h, w = frame.shape[:2]
    short = min(h, w)
    font_px = max(12, short // FONT_DIVISOR)
    line = max(2, short // LINE_DIVISOR)
    gap = max(3, font_px // 4)
    image = frame.copy()
    canvas = _Canvas(image, font_px)
    labels: list[tuple[tuple[int, int], str, tuple[int, int, int], tuple[int, int, int] | None, int]] = []
    zone, bar_dp = _placement_values(analysis)

    # Status bar band and corner zones, faint, first so that boxes draw over them.
    bar_px = int(round(bar_dp * analysis.density))
    canvas.tint((0, 0, w, bar_px), STATUS_BAR_BGR, ZONE_ALPHA)
    if analysis.window is not None:
        x1, y1, x2, y2 = analysis.window.box
        zw, zh = int((x2 - x1) * zone), int((y2 - y1) * zone)
        for zx, zy in ((x1, y1), (x2 - zw, y1), (x1, y2 - zh), (x2 - zw, y2 - zh)):
            canvas.tint((zx, zy, zx + zw, zy + zh), ZONE_BGR, ZONE_ALPHA)
            canvas.rect((zx, zy, zx + zw, zy + zh), ZONE_BGR, max(1, line // 3), dashed=True)

    if analysis.window is not None:
        win = analysis.window
        canvas.rect(win.box, WINDOW_BGR, line * 2)
        text = f"window: {win.kind} {win.confidence:.2f}" + (" (scrim)" if win.scrim else "")
        inside = (win.box[0] + line * 2 + gap, win.box[1] + line * 2 + gap + bar_px)
        labels.append((inside, text, (255, 255, 255), WINDOW_BGR, font_px))

    for cta in analysis.ctas:
        canvas.rect(cta, CTA_BGR, line)
        size = canvas.text_size("CTA", font_px)
        labels.append((_label_position(cta, size, image.shape, gap), "CTA", (255, 255, 255), CTA_BGR, font_px))

    judged = _judged_index(analysis)
    order = [i for i in range(len(analysis.controls)) if i != judged] + ([judged] if judged is not None else [])
    for i in order:  # judged control last: drawn on top
        c = analysis.controls[i]
        colour = CONTROL_BGR if i == judged else OTHER_CONTROL_BGR
        canvas.rect(c.box, colour, line * (2 if i == judged else 1))
        m = analysis.measurements[i] if i < len(analysis.measurements) else None
        if m is not None and m.touch_box is not None:
            canvas.rect(m.touch_box, colour, max(1, line // 2), dashed=True)
        text = _control_label(i, analysis)
        size = canvas.text_size(text, font_px)
        labels.append((_label_position(c.box, size, image.shape, gap), text, (0, 0, 0), colour, font_px))
    canvas.texts(labels)

    return np.vstack([image, _legend(analysis, w, font_px, gap)])


def _legend(analysis: FrameAnalysis, width: int, font_px: int, gap: int) -> np.ndarray:
    """The band under the frame: one header line, then one entry per finding, wrapped."""
    probe = _Canvas(np.zeros((1, 1, 3), np.uint8), font_px)
    small = max(10, int(font_px * 0.8))
    margin = font_px
    swatch = font_px
    text_w = width - 2 * margin - swatch - gap * 2
    density = f"{analysis.density:g}" + (" (estimated)" if analysis.density_estimated else "")
    profiles = sorted({t.profile for f in analysis.findings for t in f.thresholds.values()})
    header = (f"{analysis.width}×{analysis.height} px, density {density}"
              + (f", profile {', '.join(profiles)}" if profiles else "")
              + ("" if analysis.window is not None else " — no splash / pop-up window found"))
    entries: list[tuple[Outcome | None, list[tuple[str, int]]]] = [
        (None, [(ln, small) for ln in _wrap(probe, header, width - 2 * margin, small)])]
    for f in analysis.findings:
        title = f"{f.rule}: {OUTCOME_LABELS[f.outcome].upper()}"
        detail = short_message(f).split(" — ", 1)
        lines = [(ln, font_px) for ln in _wrap(probe, title, text_w, font_px)]
        if len(detail) > 1:
            lines += [(ln, small) for ln in _wrap(probe, detail[1], text_w, small)]
        entries.append((f.outcome, lines))
    line_h = lambda size: int(size * 1.25)  # noqa: E731
    height = margin + sum(sum(line_h(s) for _, s in lines) + gap for _, lines in entries) + margin
    band = np.full((height, width, 3), LEGEND_BG, np.uint8)
    canvas = _Canvas(band, font_px)
    items = []
    y = margin
    for outcome, lines in entries:
        x = margin
        if outcome is not None:
            colour = OUTCOME_BGR[outcome]
            cv2.rectangle(band, (x, y + font_px // 6), (x + swatch, y + font_px // 6 + swatch), colour, -1)
            x += swatch + gap * 2
        for i, (text, size) in enumerate(lines):
            colour = OUTCOME_BGR[outcome] if (outcome is not None and i == 0) else LEGEND_FG
            items.append(((x, y), text, colour, None, size))
            y += line_h(size)
        y += gap
    canvas.texts(items)
    return band


# ------------------------------------------------------------------------------------------------
# contact sheet, PNG
# ------------------------------------------------------------------------------------------------

def contact_sheet(images: Sequence[np.ndarray], labels: Sequence[str], *, columns: int = 6,
                  thumb_width: int = 240) -> np.ndarray:
    """Thumbnails in a grid, each with its label underneath.

    Parameters
    ----------
    images : sequence of ndarray (H, W, 3) uint8 BGR
        Any sizes; each is scaled to ``thumb_width`` keeping its aspect ratio.
    labels : sequence of str
        One per image (wrapped to at most two lines).
    columns : int
        Thumbnails per row.
    thumb_width : int
        Thumbnail width, px.

    Returns
    -------
    ndarray, uint8 BGR
    """
    if len(images) != len(labels):
        raise ValueError(f"labels has {len(labels)} entries; expected one per image ({len(images)})")
    if columns < 1:
        raise ValueError(f"columns must be ≥ 1, got {columns!r}")
    if thumb_width < 16:
        raise ValueError(f"thumb_width must be ≥ 16 px, got {thumb_width!r}")
    font_px = max(11, thumb_width // 16)
    pad = max(4, thumb_width // 30)
    probe = _Canvas(np.zeros((1, 1, 3), np.uint8), font_px)
    thumbs, wrapped = [], []
    for k, (img, label) in enumerate(zip(images, labels)):
        img = as_bgr(img, name=f"images[{k}]")
        th = max(1, int(round(img.shape[0] * thumb_width / img.shape[1])))
        thumbs.append(cv2.resize(img, (thumb_width, th), interpolation=cv2.INTER_AREA))
        lines = _wrap(probe, label, thumb_width, font_px)
        if len(lines) > 2:
            lines = lines[:2]
            lines[1] = lines[1][:-1] + "…"
        wrapped.append(lines)
    if not thumbs:
        return np.full((thumb_width // 2, thumb_width, 3), LEGEND_BG, np.uint8)
    label_h = int(font_px * 1.25) * 2 + pad
    cols = min(columns, len(thumbs))
    rows = (len(thumbs) + cols - 1) // cols
    row_heights = [max(t.shape[0] for t in thumbs[r * cols:(r + 1) * cols]) + label_h for r in range(rows)]
    sheet = np.full((sum(row_heights) + pad * (rows + 1), cols * thumb_width + pad * (cols + 1), 3), LEGEND_BG, np.uint8)
    canvas = _Canvas(sheet, font_px)
    items = []
    y = pad
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c
            if k >= len(thumbs):
                break
            x = pad + c * (thumb_width + pad)
            t = thumbs[k]
            sheet[y:y + t.shape[0], x:x + thumb_width] = t
            ly = y + row_heights[r] - label_h + pad // 2
            for i, text in enumerate(wrapped[k]):
                items.append(((x, ly + i * int(font_px * 1.25)), text, LEGEND_FG, None, font_px))
        y += row_heights[r] + pad
    canvas.texts(items)
    return sheet


def write_png(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    """Write a BGR image as PNG (creating parent folders); returns the path.

    Encodes in memory and writes the bytes (:func:`detectors.imageio.write_image`), so any path
    works, including names that are not valid UTF-8.
    """
    return write_image(Path(path).with_suffix(".png") if Path(path).suffix.lower() != ".png" else path,
                       as_bgr(image, name="image"))
