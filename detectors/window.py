"""Find the splash screen or pop-up window showing in a frame, if any.

:func:`detect_window` answers two questions about one screenshot: *is a splash screen or
pop-up showing*, and *where is it*. It is a pure function of the pixels (no OCR, no UI
tree) and runs at a reduced working resolution (≈ 270 px wide), so it costs a few
milliseconds per frame.

How it decides
--------------
1. **Layout.** Black padding rows (e.g. DroidBot captures: 1080×2340 with 420 black rows
   under the device's 1080×1920 content) are trimmed; the Android status bar (a band of
   ~24 dp with small vertically-centred glyphs) and a navigation bar (a uniform band of
   ~48 dp at the bottom) are located so that they are not mistaken for content.
2. **Panel over a scrim** (``card`` / ``sheet`` / ``dialog``). For a ladder of brightness
   thresholds the bright regions are closed, hole-filled and kept when they are nearly
   rectangular. A panel counts as a pop-up when what lies *outside* it looks like a scrim:
   nothing out there is as bright as the panel, the brightest exterior pixels are clearly
   darker than the panel (a black scrim of opacity ``a`` caps the exterior at ``1 - a`` of
   white) and colours are muted — or, for interstitial cards, the exterior is a uniform
   backdrop. Geometry names the kind: a centred box with margins on all sides is a
   ``card`` (``dialog`` when it is a small, plain, light alert), a full-width panel
   touching the bottom is a ``sheet``. Panels touching the top or only one side (drawers,
   menus, banners) are never pop-ups.
3. **Full-bleed window** (``fullscreen``): splash screens and interstitial ads hide the
   status bar and fill the screen; 开屏 ads show a skip pill / close glyph in a top corner
   and often a logo band at the bottom. Several such cues must agree.

Normal app screens (feeds, lists, settings, profiles, video pages) show a status bar, have
bright UI everywhere (no scrim) and no centred card with margins on all sides, so they
return ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import cv2
import numpy as np

from .model import Box, CloseControl, Window

__all__ = ["detect_window", "content_box", "promote_by_controls", "is_promoting_text", "is_screen_shaped",
           "is_weak"]

# --- working resolution -------------------------------------------------------------
# Width (px) frames are reduced to before analysis; 270 = 1080/4 keeps ≈ 0.65 px per dp
# at density 2.625, enough for panels and bars, and keeps the detector at a few ms.
WORK_WIDTH = 270
# Frames smaller than this (either side, px) carry no usable layout.
MIN_SIDE_PX = 16

# --- layout ---------------------------------------------------------------------------
# A row whose brightest channel value is at most this is black padding (capture border).
PAD_MAX_VALUE = 10
# Padding must be at least this share of the frame height to be trimmed (not a dark row).
PAD_MIN_SHARE = 0.03
# Android status bar height (dp) and navigation bar height (dp).
STATUS_BAR_DP = 24.0
NAV_BAR_DP = 48.0
# Status-bar glyphs differ from the band's per-column median by at least this (0..255).
SB_GLYPH_CONTRAST = 32
# A status bar shows at least this many glyph components, at least SB_MIN_RIGHT of them in
# the right 40 % (battery, signal, wifi).
SB_MIN_GLYPHS = 3
SB_MIN_RIGHT = 2
# The glyph row reaches within this share of the width of both screen edges.
SB_EDGE = 0.22
# A navigation bar is a bottom band whose rows' pixels are this close (0..255) to its median colour ...
NAV_TOLERANCE = 28
# ... for at least this share of each row (the three nav glyphs cover up to ~15 %).
NAV_MIN_UNIFORM = 0.75
# ... over a run of at least this many dp of rows.
NAV_MIN_DP = 12.0

# --- panels over a scrim ---------------------------------------------------------------
# Luminance thresholds (0..255) tried to separate a panel from its surroundings.
PANEL_THRESHOLDS = (45, 70, 100, 130, 160, 190, 215, 235)
# Closing kernel (dp) that bridges text lines and buttons inside a panel.
PANEL_CLOSE_DP = 6.0
# A panel's hole-filled area over its bounding-box area (rounded corners lose a little).
PANEL_MIN_FILL = 0.86
# Smallest panel: share of the content width and height.
PANEL_MIN_W = 0.45
PANEL_MIN_H = 0.08
# Largest panel area share of the content (beyond it there is no exterior to judge).
PANEL_MAX_AREA = 0.88
# Exterior pixels as bright as the panel threshold may cover at most this share (close
# glyphs, badges and the odd bright pixel live out there).
SCRIM_MAX_BRIGHT = 0.015
# Scrim: 98th percentile of exterior luminance over the panel's level at most this ...
SCRIM_MAX_RATIO = 0.72
# ... and the 98th percentile of exterior chroma (max-min channel, 0..255) at most this.
SCRIM_MAX_CHROMA = 190
# Width (dp) of the ring around a panel whose scrim is judged when the whole exterior is not.
RING_DP = 40.0
# ... provided the ring shows content (90th percentile absolute deviation, 0..255).
RING_MIN_DEV = 3.0
# Uniform backdrop (interstitial card on a plain colour): 90th percentile absolute
# deviation of exterior luminance from its median at most this ...
BACKDROP_MAX_DEV = 6.0
# ... and the panel differs from the backdrop by at least this (0..255).
BACKDROP_MIN_STEP = 10.0
# Card margins: each side at least this share of the content width; top and bottom gaps
# at least CARD_MIN_VGAP of its height; left/right margins may differ by CARD_MAX_SKEW.
CARD_MIN_HGAP = 0.025
CARD_MIN_VGAP = 0.03
CARD_MAX_SKEW = 0.12
# Sheet: spans the width within SHEET_EDGE of each side, its bottom within SHEET_EDGE of
# the content bottom, its top at least SHEET_MIN_TOP of the content height down.
SHEET_EDGE = 0.03
SHEET_MIN_TOP = 0.15
# Above a sheet at most SHEET_CAP_MAX_SHARE of pixels may exceed SHEET_CAP_RATIO of the
# panel's level (a scrim is a hard cap; a dark header photo with white text is not).
SHEET_CAP_RATIO = 0.6
SHEET_CAP_MAX_SHARE = 0.001
# A sheet is at least this share of the content height (a bottom tab/action bar is not).
SHEET_MIN_H = 0.15
# Dialog: a card no larger than this share of the content area, light and plain.
DIALOG_MAX_AREA = 0.40
# A sheet goes on over a trimmed bottom band whose median luminance is within this (0..255)
# of the sheet's (gesture navigation: the sheet's own rows, not a bar).
SHEET_NAV_MATCH = 12.0
# Long side over short side of a screen-shaped image: phones are ≥ 16:9 (1.78); a crop of a
# dialog is rarely longer than 3:2. Between 1.5 and 1.6 (16:10 tablets) counts as a screen.
SCREEN_MIN_ASPECT = 1.5
# Short sides (px) of phone panels: a landscape image is a screen only with one of these
# heights (within LANDSCAPE_SIDE_TOL_PX px: screenshots are exact, emulators add a px or two); ldpi to QHD Android, iPhone @2x / @3x.
PHONE_SHORT_SIDES_PX = (240, 320, 360, 480, 540, 600, 720, 750, 768, 800, 828, 1080, 1125, 1170, 1179,
                        1200, 1242, 1284, 1290, 1440, 1600)
LANDSCAPE_SIDE_TOL_PX = 4

# --- coloured cards over a scrim (红包 / coupon / VIP offers) -----------------------------
# Vivid cards (red, orange, green gradients) need not be brighter than the dimmed page, so
# they are also segmented by chroma (max - min channel, 0..255). A black scrim of opacity a
# scales every exterior colour by (1 - a): dimmed UI stays muted and nothing out there is
# white, whatever the card's own brightness.
CHROMA_THRESHOLDS = (90, 130)
# Exterior luminance cap (0..255) of a scrim of opacity >= 0.25 over a white page ...
COLOUR_SCRIM_CAP = 190
# ... that at most this share of exterior pixels may exceed (the close badge's white glyph,
# a few anti-aliased pixels).
COLOUR_SCRIM_CAP_SHARE = 0.002
# The exterior's 98th-percentile chroma is at most this share of the card's median chroma.
COLOUR_SCRIM_MAX_CHROMA = 0.6


# --- full-bleed windows ------------------------------------------------------------------
# Below this luminance standard deviation (0..255) the content is blank, not a window.
BLANK_MAX_STD = 4.0
# Top-corner region searched for a skip pill / close disc (dp below the status bar, dp wide).
CORNER_H_DP = 110.0
CORNER_W_DP = 150.0
# Height range (dp) of a corner control (the Xiaomi 41 px @1080p close ≈ 15 dp; pills ≈ 24-40 dp).
CONTROL_MIN_DP = 14.0
CONTROL_MAX_DP = 56.0
# Largest gap (dp) between a corner control and the screen's side edge.
CONTROL_MAX_GAP_DP = 36.0
# A logo band's rows match its colour within this (0..255) at both sides ...
BAND_TOLERANCE = 18
# ... and it covers this share range of the content height.
BAND_MIN_SHARE = 0.08
BAND_MAX_SHARE = 0.35
# A picture: its 8 most frequent coarse colours cover at most this share of it.
PICTURE_MAX_FLAT = 0.5
# Confidence of a full-bleed window in a web capture (no status bar expected), backed by a
# picture and a logo band or corner control; each further agreeing cue adds WEB_CUE_BONUS.
WEB_FULLSCREEN_CONF = 0.55
WEB_CUE_BONUS = 0.1
# ... where a flat-colour ad counts as full-bleed above a logo band when at most this share of
# it has the band's colour (a page going on above its footer has much of it).
WEB_MAX_BAND_COLOUR_ABOVE = 0.2
# ... and is no plain page: its 8 most frequent coarse colours cover at most this share
# (gradients and shapes of a rendered ad spread wider; an empty-state page does not).
WEB_MAX_FLAT = 0.9

# Phrases (normalised: lower case, digits and punctuation dropped) that only dismiss an ad,
# a pop-up or a consent / permission dialog; "Cancel", "Close", "No", 取消, 关闭 also end
# ordinary screens (search fields, forms, web views) and are not among them.
PROMOTE_PHRASES = frozenset({
    "skip", "skip ad", "skip ads", "skip video", "skip intro", "skip in",
    "no thanks", "no thank you", "not now", "not now thanks", "maybe later", "remind me later",
    "ask me later", "not interested", "close ad", "dismiss", "disagree", "disagree and quit",
    "disagree and exit", "don t allow", "dont allow", "do not allow", "deny", "decline",
    "跳过", "跳過", "跳过广告", "关闭广告", "以后再说", "以後再說", "稍后再说", "下次再说", "下次吧",
    "不了谢谢", "不了 谢谢", "不用了", "残忍拒绝", "不同意并退出", "我再想想", "狠心离开",
})
# Prefixes of such phrases (暂不开启, 暂不更新, ...).
PROMOTE_PREFIXES = ("暂不", "暫不")
# Countdown units around a skip label ("5s 跳过", "跳过 3 秒").
_COUNTDOWN_RE = re.compile(r"^(?:s |秒 ?)?(.*?)(?: s| ?秒)?$")

# --- evidence fusion: promoting a screen by its dismiss control ------------------------------
# When no window is found, a screen still is an interstitial / overlay when it shows a dismiss
# control where only those put one (see :func:`promote_by_controls`).
# An X badge promotes when its visible box's shorter side is at least this (dp): in-page banner
# ads carry a bare ≈ 9 dp ×; interstitial close badges are 12-40 dp (the Xiaomi minimum is 15).
PROMOTE_X_MIN_DP = 11.0
# ... its centre within this many dp of the content's top edge and of a side edge ...
PROMOTE_X_TOP_DP = 72.0
PROMOTE_X_SIDE_DP = 56.0
# ... and the finder's confidence at least this.
PROMOTE_X_MIN_CONF = 0.85
# The X stands alone on its row: in the band of its height (inner 70 %) across the content,
# at most this share of columns outside it (± PROMOTE_ROW_PAD_DP) holds an edge. A search
# field's clear × has its query / hint text on that row, a toolbar's × its title.
PROMOTE_ROW_MAX_INK = 0.04
PROMOTE_ROW_PAD_DP = 4.0
# A text control promotes when it reads as a phrase only pop-ups / ads use (PROMOTE_PHRASES)
# with at least this confidence; a generic answer ("Cancel", 取消) only as an action sheet's
# button: spanning at least PROMOTE_SHEET_MIN_W of the content width with its bottom in the
# lowest PROMOTE_SHEET_BOTTOM share of the content.
PROMOTE_TEXT_MIN_CONF = 0.8
PROMOTE_SHEET_MIN_W = 0.6
PROMOTE_SHEET_BOTTOM = 0.1
# ... or beside a call to action in one button row (an alert dialog's 取消 | 确定): the two
# overlap vertically by at least PARTNER_MIN_VOVERLAP of the lower one, their heights differ
# by at most PARTNER_MAX_H_RATIO, and the gap between them is at most PARTNER_MAX_GAP of the
# content width (dialog buttons sit within a card, less than half a screen apart).
PARTNER_MIN_VOVERLAP = 0.5
PARTNER_MAX_H_RATIO = 2.0
PARTNER_MAX_GAP = 0.45


@dataclass(frozen=True)
class _Layout:
    scale: float  # working px per frame px
    dp: float  # working px per dp
    top: int  # first content row (working px), below the status bar when there is one
    bottom: int  # one past the last content row (working px), above nav bar / padding
    status_bar: bool
    nav_bar: bool
    pad_rows: int  # black padding rows trimmed at the bottom (frame px)


def detect_window(frame: np.ndarray, *, density: float,
                  status_bar_expected: bool = True) -> Window | None:
    """Find the splash screen or pop-up window in a screenshot.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR screenshot.
    density : float
        Pixels per dp of the frame (e.g. 2.625 for a 1080×1920 420-dpi phone).
    status_bar_expected : bool, default True
        Whether the device's screenshots normally show a status bar (Android / iOS
        devices: yes; Chromium mobile emulation and other web captures: no). When True,
        a frame *without* one is taken as an immersive splash / interstitial; when False
        that cue is off and a full-bleed window needs the 开屏 cues (top-right skip pill
        or close disc, a picture, a logo band at the bottom).

    Returns
    -------
    Window or None
        The window (box in frame pixels, ``x2``/``y2`` exclusive), its kind
        (``fullscreen`` / ``card`` / ``sheet`` / ``dialog``), a 0..1 confidence, whether
        a scrim was seen, and the cues that decided it; ``None`` for a normal app screen.

    Raises
    ------
    ValueError
        If ``frame`` is not an H×W×3 uint8 array or ``density`` is not a positive number.
    """
    _check_inputs(frame, density)
    h, w = frame.shape[:2]
    if min(h, w) < MIN_SIDE_PX:
        return None
    scale = min(1.0, WORK_WIDTH / w)
    small = _small(frame)
    layout = _layout(frame, small, density, scale)
    if layout.bottom - layout.top < 8 * layout.dp or layout.bottom - layout.top < 8:
        return None
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    chroma = (small.max(axis=2).astype(np.int16) - small.min(axis=2)).astype(np.uint8)

    panel = _find_panel(gray, chroma, layout)
    if panel is not None:
        return _sheet_to_bottom(panel, gray, layout, h)
    return _find_fullscreen(small, gray, layout, frame.shape, status_bar_expected)


def _sheet_to_bottom(win: Window, gray: np.ndarray, lay: _Layout, frame_h: int) -> Window:
    """A sheet continues over a trimmed "navigation bar" of its own colour.

    With gesture navigation the bottom rows of a sheet (its Cancel row) are near-uniform, so
    the layout step trims them as a navigation bar; a real bar differs from the sheet. When
    the trimmed rows have the sheet's level (within ``SHEET_NAV_MATCH``), the sheet's box
    goes down to the end of the content (before any black padding).
    """
    if win.kind != "sheet" or not lay.nav_bar:
        return win
    end = gray.shape[0] - int(round(lay.pad_rows * lay.scale))
    rows = gray[lay.bottom:end]
    level = float(win.cues.get("panel_level", -1))
    if rows.size == 0 or level < 0 or abs(float(np.median(rows)) - level) > SHEET_NAV_MATCH:
        return win
    y2 = min(frame_h, int(round(end / lay.scale)))
    return Window(box=(win.box[0], win.box[1], win.box[2], y2), kind=win.kind, confidence=win.confidence,
                  scrim=win.scrim, cues={**win.cues, "extended_over_nav_px": y2 - int(win.box[3])})


def is_screen_shaped(width: int, height: int) -> bool:
    """True when an image has a phone screen's proportions (long / short side ≥ ``SCREEN_MIN_ASPECT``).

    Phone screenshots are 16:9 to 22:9 (1.78-2.44) in either orientation (landscape ones with
    a phone panel's height, :data:`PHONE_SHORT_SIDES_PX`); an image much
    squarer than that is a partial capture (typically a crop of just the dialog), whose
    edges are not the screen's: no scrim or status bar can show, and the whole image may be
    the pop-up. (Tablets, 4:3 to 16:10, look like crops too: give them as whole screens.)
    """
    lo, hi = sorted((int(width), int(height)))
    if lo <= 0 or hi / float(lo) < SCREEN_MIN_ASPECT:
        return False
    if width <= height:
        return True
    # landscape: a phone's short side is one of a few panel widths; a wide, low image of
    # another height is a crop of a portrait screen (a bottom sheet, a banner)
    return any(abs(height - s) <= LANDSCAPE_SIDE_TOL_PX for s in PHONE_SHORT_SIDES_PX)


def content_box(frame: np.ndarray, *, density: float) -> Box:
    """The app's content area: the frame minus black padding, status bar and navigation bar.

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR screenshot.
    density : float
        Pixels per dp of the frame.

    Returns
    -------
    Box
        ``(0, top, W, bottom)`` in frame pixels, ``x2``/``y2`` exclusive; the whole frame for
        frames too small to analyse.

    Raises
    ------
    ValueError
        If ``frame`` is not an H×W×3 uint8 array or ``density`` is not a positive number.
    """
    _check_inputs(frame, density)
    h, w = frame.shape[:2]
    if min(h, w) < MIN_SIDE_PX:
        return (0, 0, w, h)
    lay = _layout(frame, _small(frame), density, min(1.0, WORK_WIDTH / w))
    return (0, int(round(lay.top / lay.scale)), w, min(h, int(round(lay.bottom / lay.scale))))


def is_weak(window: Window | None) -> bool:
    """True for a window candidate whose layout evidence alone does not make it a pop-up.

    An immersive screen (no status bar) with neither a corner control nor a logo band: it
    needs a dismiss control (:func:`promote_by_controls`) to count as a pop-up.
    """
    return window is not None and window.cues.get("evidence") == "weak"


def is_promoting_text(text: str | None) -> bool:
    """True when a control's text is a phrase that only dismisses an ad / pop-up / consent dialog.

    "Skip Ad", "No thanks", "Not now", "跳过 5", "暂不更新", "Deny" are; "Cancel", "Close",
    "OK", "取消", "关闭" (which also end search fields, forms and web views) are not.
    """
    if not text:
        return False
    t = re.sub(r"[\d\W_]+", " ", text.lower()).strip()
    m = _COUNTDOWN_RE.match(t)
    core = (m.group(1) if m else t).strip()
    return core in PROMOTE_PHRASES or t in PROMOTE_PHRASES or core.startswith(PROMOTE_PREFIXES)


def promote_by_controls(frame: np.ndarray, controls: Iterable[CloseControl], content: Box, *,
                        density: float, status_bar: bool = True,
                        ctas: Iterable[Box] = ()) -> dict[str, Any] | None:
    """Evidence fusion: the dismiss control that makes a window-less screen an interstitial.

    Called when :func:`detect_window` found no window and the close-control finder was run on
    the whole content area. Ordinary screens carry close marks too (an in-page banner ad's
    small ×, a search field's clear ×, a web view's "Close"), so only controls in places and
    forms that interstitials, overlays and action sheets use promote the screen:

    * an X badge of at least ``PROMOTE_X_MIN_DP`` in a top corner of the content
      (centre within ``PROMOTE_X_TOP_DP`` of its top and ``PROMOTE_X_SIDE_DP`` of a side),
      confidence ≥ ``PROMOTE_X_MIN_CONF``, alone on its row (:func:`_row_ink`: no search
      field text, no toolbar title beside it); under a status bar only the top-right corner
      counts (a top-left × there is the app's own navigation: a detail page's or a
      full-screen editor's close, as in :func:`detect_window`'s 开屏 cue);
    * a text control reading as a pop-up-only phrase (:func:`is_promoting_text`), anywhere,
      confidence ≥ ``PROMOTE_TEXT_MIN_CONF``;
    * any other dismiss text ("Cancel", 取消) as an action sheet's full-width bottom button,
      or beside a call to action on the same row (an alert's button row: 取消 | 确定,
      以后再说 | 立即更新; a search field's 取消 has no such partner).

    Parameters
    ----------
    frame : ndarray, shape (H, W, 3), uint8
        BGR screenshot the controls were found in.
    controls : iterable of CloseControl
        Controls found in ``content`` (frame pixels).
    content : Box
        The content area (:func:`content_box`), frame pixels.
    density : float
        Pixels per dp.
    status_bar : bool, default True
        Whether the screen shows a status bar (then a top-left X does not promote).
    ctas : iterable of Box, optional
        Calls to action found in ``content`` (frame pixels), the partners of dialog buttons.

    Returns
    -------
    dict or None
        The promoting control as a cue (``kind``, ``box``, ``confidence``, ``text``,
        ``reason``: ``corner_x`` / ``dismiss_phrase`` / ``sheet_button`` / ``dialog_buttons``), the most confident
        one when several qualify; ``None`` when none does.
    """
    cx1, cy1, cx2, cy2 = content
    cw, ch = max(1, cx2 - cx1), max(1, cy2 - cy1)
    cta_boxes = [tuple(int(v) for v in b) for b in ctas]
    best: dict[str, Any] | None = None
    for c in controls:
        x1, y1, x2, y2 = c.box
        reason = None
        if c.kind == "x_icon":
            mx, my = (x1 + x2) / 2.0, (y1 + y2) / 2.0
            side = (cx2 - mx if status_bar else min(mx - cx1, cx2 - mx)) / density
            if (c.confidence >= PROMOTE_X_MIN_CONF and min(x2 - x1, y2 - y1) / density >= PROMOTE_X_MIN_DP
                    and (my - cy1) / density <= PROMOTE_X_TOP_DP and side <= PROMOTE_X_SIDE_DP
                    and _row_ink(frame, c.box, content, density) <= PROMOTE_ROW_MAX_INK):
                reason = "corner_x"
        elif c.kind == "text" and c.confidence >= PROMOTE_TEXT_MIN_CONF:
            if is_promoting_text(c.text):
                reason = "dismiss_phrase"
            elif (x2 - x1) >= PROMOTE_SHEET_MIN_W * cw and (cy2 - y2) <= PROMOTE_SHEET_BOTTOM * ch:
                reason = "sheet_button"
            elif any(_button_partner(c.box, b, cw) for b in cta_boxes):
                reason = "dialog_buttons"
        if reason and (best is None or c.confidence > best["confidence"]):
            best = {"kind": c.kind, "box": [int(v) for v in c.box], "confidence": float(c.confidence),
                    "text": c.text, "reason": reason}
    return best


def _button_partner(a: Box, b: Box, content_w: int) -> bool:
    """True when box ``b`` is ``a``'s neighbour in one button row.

    Same row (vertical overlap ≥ ``PARTNER_MIN_VOVERLAP`` of the lower one), similar height
    (ratio ≤ ``PARTNER_MAX_H_RATIO``), side by side with a gap of at most
    ``PARTNER_MAX_GAP`` of the content width, and not overlapping.
    """
    ha, hb = a[3] - a[1], b[3] - b[1]
    if min(ha, hb) <= 0 or max(ha, hb) > PARTNER_MAX_H_RATIO * min(ha, hb):
        return False
    vover = min(a[3], b[3]) - max(a[1], b[1])
    if vover < PARTNER_MIN_VOVERLAP * min(ha, hb):
        return False
    gap = max(b[0] - a[2], a[0] - b[2])
    return 0 <= gap <= PARTNER_MAX_GAP * content_w


def _row_ink(frame: np.ndarray, box: Box, content: Box, density: float) -> float:
    """Share of content columns beside a control whose row band (its inner 70 %) has an edge."""
    x1, y1, x2, y2 = (int(v) for v in box)
    m = int(0.15 * (y2 - y1))
    cx1, cx2 = int(content[0]), int(content[2])
    band = frame[max(0, y1 + m):max(0, y2 - m), cx1:cx2]
    if band.shape[0] < 2 or band.shape[1] < 2:
        return 0.0
    edges = cv2.Canny(cv2.cvtColor(band, cv2.COLOR_BGR2GRAY), 40, 110)
    cols = edges.any(axis=0)
    pad = int(round(PROMOTE_ROW_PAD_DP * density))
    keep = np.ones(cols.shape, bool)
    keep[max(0, x1 - pad - cx1):max(0, x2 + pad - cx1)] = False
    return float(cols[keep].mean()) if keep.any() else 0.0


# ------------------------------------------------------------------------------------
def _small(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    scale = min(1.0, WORK_WIDTH / w)
    return cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA) if scale < 1.0 else frame


def _check_inputs(frame: object, density: object) -> None:
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
        shape = getattr(frame, "shape", None)
        raise ValueError(f"frame must be an H×W×3 BGR array, got shape {shape}")
    if frame.dtype != np.uint8:
        raise ValueError(f"frame must be uint8, got {frame.dtype}")
    if isinstance(density, bool) or not isinstance(density, (int, float, np.floating, np.integer)) \
            or not np.isfinite(density) or density <= 0:
        raise ValueError(f"density must be a positive number (px per dp), got {density!r}")


def _layout(frame: np.ndarray, small: np.ndarray, density: float, scale: float) -> _Layout:
    """Trim black padding, find the status and navigation bars (working coordinates)."""
    sh = small.shape[0]
    dp = density * scale
    row_max = small.max(axis=(1, 2))
    bottom = sh
    while bottom > 0 and row_max[bottom - 1] <= PAD_MAX_VALUE:
        bottom -= 1
    if sh - bottom < PAD_MIN_SHARE * sh:
        bottom = sh
    pad_rows = int(round((sh - bottom) / scale))
    status = _has_status_bar(frame, density)
    top = int(round(STATUS_BAR_DP * dp)) if status else 0
    # navigation bar: a run of near-uniform rows at the bottom (3-button bar, gesture bar or
    # plain page end); cut at most one bar height so a sheet above it still touches bottom
    nav_h = int(round(NAV_BAR_DP * dp))
    run = 0
    while run < nav_h and bottom - run - 1 > top:
        row = small[bottom - run - 1].astype(np.int16)
        med = np.median(row, axis=0)
        if (np.abs(row - med).max(axis=1) <= NAV_TOLERANCE).mean() < NAV_MIN_UNIFORM:
            break
        run += 1
    # a run that fills the whole bar height and goes on above it is a plain page end (or a
    # splash's logo band), not a bar
    goes_on = run >= nav_h and bottom - run - 1 > top and bool(
        (np.abs(small[bottom - run - 1].astype(np.int16)
                - np.median(small[bottom - 1].astype(np.int16), axis=0)).max(axis=1)
         <= NAV_TOLERANCE).mean() >= NAV_MIN_UNIFORM)
    nav = run >= NAV_MIN_DP * dp and not goes_on
    if nav:
        bottom -= run
    return _Layout(scale=scale, dp=dp, top=top, bottom=bottom, status_bar=status,
                   nav_bar=nav, pad_rows=pad_rows)


def _has_status_bar(frame: np.ndarray, density: float) -> bool:
    """True when the top band shows status-bar glyphs (clock, battery, signal...).

    The band is analysed at up to 360 px width: glyph pixels differ from the per-column
    median of the band, and glyphs are small components vertically centred in the band,
    with several of them at the right end (battery, signal, wifi).
    """
    h, w = frame.shape[:2]
    bar = max(4, int(round(STATUS_BAR_DP * density)))
    band = frame[: min(h, int(bar * 1.25))]
    f = min(1.0, 360 / w)
    if f < 1.0:
        band = cv2.resize(band, (max(1, round(w * f)), max(1, round(band.shape[0] * f))),
                          interpolation=cv2.INTER_AREA)
    g = cv2.cvtColor(band, cv2.COLOR_BGR2GRAY).astype(np.int16)
    bar_px = bar * f
    if g.shape[0] < 4:
        return False
    # background per column from the band's outer rows (glyphs sit in the middle rows)
    edge = max(1, int(round(0.15 * bar_px)))
    ref = np.vstack([g[:edge], g[max(edge, int(bar_px) - edge):int(bar_px)]])
    bg = np.median(ref, axis=0)
    diff = g - bg[None, :]
    mask = (np.abs(diff) >= SB_GLYPH_CONTRAST).astype(np.uint8)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    bw = g.shape[1]
    glyphs = []  # (x1, x2, height, centre y, polarity)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        cy = cents[i][1]
        if not (0.25 * bar_px <= ch <= 0.8 * bar_px) or cw > 1.6 * bar_px or y <= 0:
            continue
        if not (0.25 * bar_px <= cy <= 0.75 * bar_px):
            continue
        sel = labels[y:y + ch, x:x + cw] == i
        pol = 1 if float(np.median(diff[y:y + ch, x:x + cw][sel])) > 0 else -1
        glyphs.append((x, x + cw, ch, cy, pol))
    if len(glyphs) < SB_MIN_GLYPHS:
        return False
    # one row of glyphs: similar heights, common centre line, one polarity
    hm = float(np.median([gl[2] for gl in glyphs]))
    cm = float(np.median([gl[3] for gl in glyphs]))
    pm = 1 if sum(gl[4] for gl in glyphs) >= 0 else -1
    row = [gl for gl in glyphs if abs(gl[2] - hm) <= 0.45 * hm and abs(gl[3] - cm) <= 0.15 * bar_px
           and gl[4] == pm]
    right = sum(1 for gl in row if gl[0] >= 0.6 * bw)
    left = sum(1 for gl in row if gl[0] < 0.5 * bw)
    if len(row) < SB_MIN_GLYPHS or right < SB_MIN_RIGHT or left < 1:
        return False
    # the row spans the bar: glyphs near both screen edges (clock/notifications, battery)
    return min(gl[0] for gl in row) <= SB_EDGE * bw and max(gl[1] for gl in row) >= (1 - SB_EDGE) * bw


# ------------------------------------------------------------------------------------
def _find_panel(gray: np.ndarray, chroma: np.ndarray, lay: _Layout) -> Window | None:
    """Best panel (card / sheet / dialog) whose exterior looks like a scrim or backdrop."""
    top, bottom = lay.top, lay.bottom
    g = gray[top:bottom]
    c = chroma[top:bottom]
    ch, cw = g.shape
    area = ch * cw
    k = max(3, int(round(PANEL_CLOSE_DP * lay.dp)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    margin = max(1, int(round(3 * lay.dp)))
    best: tuple[float, Window] | None = None
    seen: list[tuple[str, int, int, int, int]] = []
    ladders = [("luminance", t) for t in PANEL_THRESHOLDS] + [("chroma", t) for t in CHROMA_THRESHOLDS]
    for channel, t in ladders:
        mask = ((g if channel == "luminance" else c) > t).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for cnt in contours:
            x, y, bw, bh = cv2.boundingRect(cnt)
            if bw < PANEL_MIN_W * cw or bh < PANEL_MIN_H * ch or bw * bh > PANEL_MAX_AREA * area:
                continue
            fill = cv2.contourArea(cnt) / float(bw * bh)
            if fill < PANEL_MIN_FILL:
                continue
            geo = _geometry(x, y, bw, bh, cw, ch)
            if geo is None or (channel == "chroma" and geo != "card"):
                continue
            key = (channel, x // 3, y // 3, bw // 3, bh // 3)
            if key in seen:
                continue
            seen.append(key)
            if channel == "luminance":
                cand = _judge_panel(g, c, (x, y, x + bw, y + bh), t, geo, fill, margin, lay)
            else:
                cand = _judge_colour_panel(g, c, (x, y, x + bw, y + bh), t, fill, margin, lay)
            if cand is not None and (best is None or cand[0] > best[0]):
                best = cand
    return best[1] if best else None


def _geometry(x: int, y: int, bw: int, bh: int, cw: int, ch: int) -> str | None:
    left, right = x / cw, (cw - x - bw) / cw
    up, down = y / ch, (ch - y - bh) / ch
    if (left <= SHEET_EDGE and right <= SHEET_EDGE and down <= SHEET_EDGE and up >= SHEET_MIN_TOP
            and bh >= SHEET_MIN_H * ch):
        return "sheet"
    if (left >= CARD_MIN_HGAP and right >= CARD_MIN_HGAP and abs(left - right) <= CARD_MAX_SKEW
            and up >= CARD_MIN_VGAP and down >= CARD_MIN_VGAP):
        return "card"
    return None


def _judge_panel(g: np.ndarray, c: np.ndarray, box: tuple[int, int, int, int], t: int,
                 geo: str, fill: float, margin: int, lay: _Layout) -> tuple[float, Window] | None:
    x1, y1, x2, y2 = box
    ch, cw = g.shape
    ext = np.ones_like(g, dtype=bool)
    ext[max(0, y1 - margin):y2 + margin, max(0, x1 - margin):x2 + margin] = False
    if int(ext.sum()) < 0.08 * g.size:
        return None
    inside = g[y1:y2, x1:x2]
    level = float(np.median(inside[inside > t])) if np.any(inside > t) else float(t)
    # whole exterior, and the ring just around the panel: scrims may spare a toolbar or
    # sit under a toast / heads-up notification far from the window
    ring_w = max(2, int(round(RING_DP * lay.dp)))
    ring = np.zeros_like(ext)
    ring[max(0, y1 - ring_w):y2 + ring_w, max(0, x1 - ring_w):x2 + ring_w] = True
    ring &= ext
    stats = [_exterior_stats(g, c, ext, t, level)]
    if int(ring.sum()) >= 0.04 * g.size:
        ring_stats = _exterior_stats(g, c, ring, t, level)
        # the ring alone vouches for a scrim only where dimmed content shows through it; a
        # plain dark ring around a light card is as likely a dark-theme page
        if ring_stats["dev90"] >= RING_MIN_DEV:
            stats.append(ring_stats)
    scrim_stats = [st for st in stats if st["bright"] <= SCRIM_MAX_BRIGHT
                   and st["ratio"] <= SCRIM_MAX_RATIO and st["chroma98"] <= SCRIM_MAX_CHROMA]
    if geo == "sheet":
        # nothing sits above a sheet but the dimmed page: a scrim of opacity a caps every
        # pixel at (1 - a) of the panel's white, so even the brightest pixels obey the cap
        capped = float(np.mean(g[ext] > SHEET_CAP_RATIO * level + 8)) <= SHEET_CAP_MAX_SHARE
        scrim_stats = [st for st in scrim_stats if st is stats[0]] if capped else []
    scrim = bool(scrim_stats)
    whole = stats[0]
    st = scrim_stats[0] if scrim else whole
    bright, p98, med, dev90, chroma98, ratio = (st["bright"], st["p98"], whole["median"],
                                                whole["dev90"], st["chroma98"], st["ratio"])
    backdrop = (geo == "card" and whole["bright"] <= SCRIM_MAX_BRIGHT * 2 and dev90 <= BACKDROP_MAX_DEV
                and abs(level - med) >= BACKDROP_MIN_STEP)
    if not (scrim or backdrop):
        return None
    kind = geo
    rel_area = (x2 - x1) * (y2 - y1) / float(g.size)
    if geo == "card" and rel_area <= DIALOG_MAX_AREA and level >= 200:
        kind = "dialog"
    # confidence: how far inside the thresholds the exterior sits
    if scrim:
        conf = 0.55 + 0.45 * min(1.0, (SCRIM_MAX_RATIO - ratio) / 0.35)
    else:
        conf = 0.5 + 0.3 * min(1.0, (BACKDROP_MAX_DEV - dev90) / BACKDROP_MAX_DEV)
    conf *= 0.85 + 0.15 * min(1.0, (fill - PANEL_MIN_FILL) / (1 - PANEL_MIN_FILL))
    s = lay.scale
    fy = lay.top
    frame_box: Box = (int(round(x1 / s)), int(round((y1 + fy) / s)),
                      int(round(x2 / s)), int(round((y2 + fy) / s)))
    cues = {
        "scrim_ratio": round(ratio, 3),
        "scrim_region": ("exterior" if scrim_stats[0] is whole else "ring") if scrim else None,
        "scrim_p98": round(p98, 1),
        "panel_level": round(level, 1),
        "exterior_bright_share": round(bright, 4),
        "exterior_chroma_p98": round(chroma98, 1),
        "exterior_dev90": round(dev90, 1),
        "backdrop": bool(backdrop and not scrim),
        "panel_fill": round(fill, 3),
        "panel_threshold": t,
        "status_bar": lay.status_bar,
        "nav_bar": lay.nav_bar,
    }
    win = Window(box=frame_box, kind=kind, confidence=round(float(min(1.0, conf)), 3),
                 scrim=bool(scrim), cues=cues)
    # prefer the panel with the most convincing exterior, then the larger one
    return conf + 0.1 * rel_area, win


def _judge_colour_panel(g: np.ndarray, c: np.ndarray, box: tuple[int, int, int, int], t: int,
                        fill: float, margin: int, lay: _Layout) -> tuple[float, Window] | None:
    """A vivid card (segmented by chroma > ``t``) whose exterior is a dimmed, muted scrim.

    A black scrim of opacity ``a`` scales every exterior colour by ``1 - a``: nothing out
    there stays vivid (chroma over ``t``), no exterior pixel is near white (the luminance
    cap), and the exterior's colours are muted relative to the card's. A coloured banner on a
    white page fails the cap; a dark page with light text fails it too.
    """
    x1, y1, x2, y2 = box
    ext = np.ones_like(g, dtype=bool)
    ext[max(0, y1 - margin):y2 + margin, max(0, x1 - margin):x2 + margin] = False
    if int(ext.sum()) < 0.08 * g.size:
        return None
    inside_c = c[y1:y2, x1:x2]
    level = float(np.median(inside_c[inside_c > t])) if np.any(inside_c > t) else float(t)
    ge, ce = g[ext], c[ext]
    vivid = float(np.mean(ce > t))
    over_cap = float(np.mean(ge > COLOUR_SCRIM_CAP))
    chroma98 = float(np.percentile(ce, 98))
    p98 = float(np.percentile(ge, 98))
    if (vivid > SCRIM_MAX_BRIGHT or over_cap > COLOUR_SCRIM_CAP_SHARE
            or chroma98 > COLOUR_SCRIM_MAX_CHROMA * level):
        return None
    med = float(np.median(ge))
    dev90 = float(np.percentile(np.abs(ge.astype(np.float32) - med), 90))
    # confidence: how far under the cap the exterior's bright end and colours sit
    conf = 0.55 + 0.25 * min(1.0, (COLOUR_SCRIM_CAP - p98) / (0.5 * COLOUR_SCRIM_CAP)) \
        + 0.15 * min(1.0, 1.0 - chroma98 / (COLOUR_SCRIM_MAX_CHROMA * level))
    conf *= 0.85 + 0.15 * min(1.0, (fill - PANEL_MIN_FILL) / (1 - PANEL_MIN_FILL))
    s = lay.scale
    frame_box: Box = (int(round(x1 / s)), int(round((y1 + lay.top) / s)),
                      int(round(x2 / s)), int(round((y2 + lay.top) / s)))
    rel_area = (x2 - x1) * (y2 - y1) / float(g.size)
    cues = {
        "scrim_region": "exterior",
        "colour_card": True,
        "scrim_p98": round(p98, 1),
        "panel_chroma": round(level, 1),
        "exterior_vivid_share": round(vivid, 4),
        "exterior_over_cap_share": round(over_cap, 4),
        "exterior_chroma_p98": round(chroma98, 1),
        "exterior_dev90": round(dev90, 1),
        "panel_fill": round(fill, 3),
        "panel_threshold": t,
        "status_bar": lay.status_bar,
        "nav_bar": lay.nav_bar,
    }
    win = Window(box=frame_box, kind="card", confidence=round(float(min(1.0, conf)), 3), scrim=True, cues=cues)
    return conf + 0.1 * rel_area, win


def _exterior_stats(g: np.ndarray, c: np.ndarray, region: np.ndarray, t: int,
                    level: float) -> dict[str, float]:
    ge = g[region]
    med = float(np.median(ge))
    p98 = float(np.percentile(ge, 98))
    return {
        "bright": float(np.mean(ge > t)),
        "p98": p98,
        "median": med,
        "dev90": float(np.percentile(np.abs(ge.astype(np.float32) - med), 90)),
        "chroma98": float(np.percentile(c[region], 98)),
        "ratio": (p98 + 1.0) / (level + 1.0),
    }


# ------------------------------------------------------------------------------------
def _find_fullscreen(small: np.ndarray, gray: np.ndarray, lay: _Layout, shape: tuple[int, ...],
                     status_bar_expected: bool) -> Window | None:
    """A full-bleed splash / interstitial / onboarding window, from agreeing cues.

    Without a status bar the screen is immersive, which launch splashes and interstitial
    ads are; with one, a 开屏 ad still shows a corner control (skip pill / close disc), a
    full-bleed picture and usually a logo band at the bottom, and all three must agree.
    """
    top, bottom = lay.top, lay.bottom
    weak = False
    g = gray[top:bottom]
    if g.size == 0 or float(g.std()) < BLANK_MAX_STD:  # a blank screen is not a window
        return None
    corner = _corner_control(gray, lay)
    band = _logo_band(small[top:bottom], lay)
    pic_end = bottom - (band["height"] if band else 0)
    picture = _picture_share(small[top + int(round(STATUS_BAR_DP * lay.dp)) if lay.status_bar else top:pic_end])
    is_picture = picture <= PICTURE_MAX_FLAT
    if lay.status_bar:
        # 开屏 ads put the skip pill at the top right; a top-left disc is app navigation here
        if not (corner and corner["corner"] == "top-right" and is_picture and band):
            return None
        conf = 0.6
    elif not status_bar_expected:
        # web capture: no status bar on any page, so the 开屏 layout must carry it: a full-bleed
        # picture with a logo band under it (the close control may appear later: delayed
        # close, countdown-only) or with a skip pill / close disc in the top-right corner
        # a web capture: no page shows a status bar, so the 开屏 layout must: a control in the
        # top-right corner (a skip pill, a close disc, or a countdown disc: the band and the
        # full-bleed ad already vouch for the layout), a logo band, and a full-bleed ad above
        # it (a photo, or a rendered ad of flat shapes / gradients where little has the band's
        # page colour)
        if corner is None or corner["corner"] != "top-right":
            corner = _corner_control(gray, lay, require_x=False)
        top_right = bool(corner and corner["corner"] == "top-right")
        bleed = (bool(band) and picture <= WEB_MAX_FLAT
                 and _colour_share(small[top:pic_end], band["colour"]) <= WEB_MAX_BAND_COLOUR_ABOVE)
        if not (top_right and band and (is_picture or bleed)):
            return None
        conf = WEB_FULLSCREEN_CONF + WEB_CUE_BONUS * (1 + is_picture)
    else:
        # immersive screen: splash/interstitial if a corner control or a picture with a
        # logo band backs it (web pages and games have no status bar either)
        conf = 0.55 + 0.2 * bool(corner) + 0.1 * bool(band) + 0.1 * is_picture
        # Without a corner control or a logo band, "no status bar" is all there is: games,
        # video players, readers, cameras and launchers' full-screen modes are immersive too.
        # Such a window is only a candidate (``evidence: weak``): the caller looks for a
        # dismiss control before calling it a pop-up, and never judges it as one otherwise.
        # A pill in a corner is only a shape (a coin counter, a level badge); a disc counts
        # because it showed an X.
        weak = band is None and (corner is None or corner["shape"] == "pill")
    s = lay.scale
    box: Box = (0, int(round(top / s)), shape[1], int(round(bottom / s)))
    cues = {
        "status_bar": lay.status_bar,
        "nav_bar": lay.nav_bar,
        "corner_control": corner,
        "logo_band_px": int(round(band["height"] / s)) if band else None,
        "flat_colour_share": round(picture, 3),
        "evidence": "weak" if (not lay.status_bar and status_bar_expected and weak) else "layout",
    }
    return Window(box=box, kind="fullscreen", confidence=round(min(1.0, conf), 3), scrim=False, cues=cues)


def _corner_control(gray: np.ndarray, lay: _Layout, *, require_x: bool = True) -> dict[str, object] | None:
    """A skip pill or close disc in a top corner (working px), or None.

    Canny edges of each top corner region are closed and hole-filled; a compact filled
    shape of control size (pill: wider than tall; disc: about square) counts. A disc must
    show an X unless ``require_x`` is False (a countdown disc, when other cues vouch).
    """
    h, w = gray.shape
    y0 = lay.top + (int(round(2 * lay.dp)) if lay.status_bar else 0)  # clear of the bar's edge
    rh = int(round(CORNER_H_DP * lay.dp))
    rw = int(round(CORNER_W_DP * lay.dp))
    lo, hi = CONTROL_MIN_DP * lay.dp, CONTROL_MAX_DP * lay.dp
    for side, x0 in (("top-right", max(0, w - rw)), ("top-left", 0)):
        reg = gray[y0:y0 + rh, x0:x0 + rw]
        if reg.size == 0:
            continue
        edges = cv2.Canny(reg, 40, 110)
        edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        filled = np.zeros_like(edges)
        cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
        # opening drops the thin edge strands a busy picture attaches to a control's outline
        k = max(3, int(round(0.35 * lo)) | 1)
        filled = cv2.morphologyEx(filled, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        n, _, stats, _ = cv2.connectedComponentsWithStats(filled, connectivity=8)
        for i in range(1, n):
            x, y, cw, ch, area = stats[i]
            if not (lo <= ch <= hi) or cw > 4.5 * ch or cw < 0.75 * ch:
                continue
            gap = (rw - x - cw) if side == "top-right" else x
            if gap > CONTROL_MAX_GAP_DP * lay.dp:
                continue  # skip pills and close discs hug the corner
            if area / float(cw * ch) < 0.7:
                continue
            shape_kind = "pill" if cw >= 1.35 * ch else "disc"
            if shape_kind == "disc" and require_x:
                if not _has_x(reg[y:y + ch, x:x + cw]):
                    continue  # an avatar, a menu or back icon, not a close mark
            s = lay.scale
            return {"corner": side, "shape": shape_kind,
                    "box": [int(round((x0 + x) / s)), int(round((y0 + y) / s)),
                            int(round((x0 + x + cw) / s)), int(round((y0 + y + ch) / s))]}
    return None


def _has_x(patch: np.ndarray) -> bool:
    """True when a square-ish patch shows an X: ink on both diagonals, little on the axes.

    The patch (a disc or square candidate) is binarised with Otsu; the glyph is the class
    that covers less of the inner area. Ink is sampled along the two diagonals and along
    the horizontal and vertical centre lines, between 20 % and 40 % from the centre.
    """
    ph, pw = patch.shape[:2]
    if min(ph, pw) < 7:
        return False
    size = 32
    p = cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)
    _, b = cv2.threshold(p, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    inner = b[8:24, 8:24]
    if inner.mean() > 0.5:
        b = 1 - b
    c = (size - 1) / 2.0
    offs = np.linspace(0.14, 0.3, 5) * size
    diag = [b[int(round(c + sy * o)), int(round(c + sx * o))]
            for o in offs for sy, sx in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    axis = [b[int(round(c + sy * o)), int(round(c + sx * o))]
            for o in offs for sy, sx in ((0, 1), (0, -1), (1, 0), (-1, 0))]
    return float(np.mean(diag)) >= 0.6 and float(np.mean(axis)) <= 0.3


def _logo_band(content: np.ndarray, lay: _Layout) -> dict[str, int] | None:
    """A plain band at the bottom holding a centred logo (开屏 ads), or None.

    Rows belong to the band while their outer 15 % on both sides match the band colour;
    the band must be 8-35 % of the content height, carry something in its middle and differ
    from what is above it.
    """
    ch, cw = content.shape[:2]
    if ch < 10:
        return None
    side = max(1, int(0.15 * cw))
    ref = np.median(content[ch - 1], axis=0).astype(np.int16)
    y = ch
    while y > 0:
        row = content[y - 1].astype(np.int16)
        edges = np.concatenate([row[:side], row[-side:]])
        if np.abs(edges - ref).max() > BAND_TOLERANCE:
            break
        y -= 1
    hb = ch - y
    if not (BAND_MIN_SHARE * ch <= hb <= BAND_MAX_SHARE * ch):
        return None
    band = content[y:].astype(np.int16)
    ink = np.abs(band - ref).max(axis=2) > BAND_TOLERANCE
    if ink.mean() < 0.01:
        return None  # nothing in it: a plain page end, not a logo band
    cols = np.where(ink.any(axis=0))[0]
    if cols[0] < 0.12 * cw or cols[-1] > 0.88 * cw:
        return None
    above = content[max(0, y - int(8 * lay.dp)):y].astype(np.int16)
    if above.size and float(np.mean(np.abs(above - ref).max(axis=2) <= BAND_TOLERANCE)) > 0.7:
        return None  # the page just goes on above: not a band
    return {"height": hb, "colour": [int(v) for v in ref]}


def _colour_share(region: np.ndarray, colour: list[int]) -> float:
    """Share of the region's pixels within BAND_TOLERANCE of ``colour`` (BGR) in every channel."""
    if region.size == 0:
        return 1.0
    d = np.abs(region.astype(np.int16) - np.asarray(colour, np.int16)).max(axis=2)
    return float(np.mean(d <= BAND_TOLERANCE))


def _picture_share(region: np.ndarray) -> float:
    """Share of the region covered by its 8 most frequent coarse colours (0..1).

    App UI is mostly a few flat colours (high share); a photo or rendered ad spreads over
    many colours (low share).
    """
    if region.size == 0:
        return 1.0
    q = (region >> 4).astype(np.int32)
    codes = (q[..., 0] << 8) | (q[..., 1] << 4) | q[..., 2]
    counts = np.bincount(codes.ravel(), minlength=4096)
    top = np.sort(counts)[-8:].sum()
    return float(top) / float(codes.size)
