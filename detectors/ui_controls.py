"""Close controls named by a UI tree: the second cue beside pixels.

An Android hierarchy, an iOS source or the DOM often names its dismiss control
(``resource-id .../iv_close``, ``content-desc "关闭"``, ``id="splash-close"``, text ``跳过 3``).
A control found this way is real even when it is too small or faint for the vision
detector — exactly the controls the rules care most about — so it is reported, with the
box tightened to the visible ink inside the node (the node's bounds are the touch target,
kept as the measurement's ``touch_box``).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from detectors.model import Box, CloseControl, UiNode, Window
from detectors.ocr import is_close_text

__all__ = ["controls_from_ui_tree", "merge_controls"]

# resource-id / DOM id / accessibility name words that mean "dismiss"; split on non-letters
# so "iv_close", "btnSkip", "splash-close", "ad_dismiss_button" all match, "closet" does not.
_ID_WORDS = {"close", "skip", "dismiss", "cancel", "closebtn", "btnclose", "btnskip", "skipbtn"}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

_GLYPH_LABELS = {"", "×", "x", "X", "✕", "✖", "╳"}

UI_CONFIDENCE = 0.9
"""A named dismiss node is strong evidence, but names can lie (a 'skip' that opens the ad is
the fake-close case, which the dynamic probe judges)."""

INK_DELTA = 40
"""Grey-level distance from the node's border colour that counts as visible ink (0..255)."""

MAX_NODE_DP = 120.0
"""Nodes larger than this (dp, either side) are containers, not controls."""


def _id_words(ident: str) -> set[str]:
    return {w.lower() for w in re.split(r"[^A-Za-z]+", _CAMEL.sub(" ", ident)) if w}


def _names_dismiss(node: UiNode) -> bool:
    if _id_words(node.resource_id.rsplit("/", 1)[-1]) & _ID_WORDS:
        return True
    return any(t and is_close_text(t) for t in (node.text.strip(), node.desc.strip()))


def _ink_box(frame: np.ndarray, box: Box) -> Box:
    """Tight box of the pixels that differ from the node's border colour; the node box if none."""
    x1, y1, x2, y2 = box
    crop = frame[y1:y2, x1:x2]
    if crop.size == 0 or crop.shape[0] < 3 or crop.shape[1] < 3:
        return box
    grey = crop.astype(np.int16).mean(axis=2)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = np.abs(grey - np.median(border)) > INK_DELTA
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return box
    return (x1 + int(xs.min()), y1 + int(ys.min()), x1 + int(xs.max()) + 1, y1 + int(ys.max()) + 1)


def controls_from_ui_tree(
    frame: np.ndarray, ui_tree: Sequence[UiNode], *, window: Window, density: float
) -> list[tuple[CloseControl, Box]]:
    """Dismiss controls that the UI tree names, inside the window.

    Parameters
    ----------
    frame : (H, W, 3) uint8 BGR
    ui_tree : sequence of UiNode
        Clickable nodes in frame pixels.
    window : Window
        Only nodes whose centre lies in the window's box are considered.
    density : float
        px per dp.

    Returns
    -------
    list of (CloseControl, touch Box)
        The control (box tight around its visible ink, frame px, x2/y2 exclusive;
        ``confidence`` = ``UI_CONFIDENCE``) and the node's bounds.
    """
    h, w = frame.shape[:2]
    wx1, wy1, wx2, wy2 = window.box
    out: list[tuple[CloseControl, Box]] = []
    for node in ui_tree:
        x1, y1, x2, y2 = (max(0, node.box[0]), max(0, node.box[1]), min(w, node.box[2]), min(h, node.box[3]))
        if x2 <= x1 or y2 <= y1 or not node.clickable:
            continue
        if max(x2 - x1, y2 - y1) / density > MAX_NODE_DP:
            continue
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        if not (wx1 <= cx < wx2 and wy1 <= cy < wy2) or not _names_dismiss(node):
            continue
        # Visible text makes a text control; a content-desc alone is an icon's accessible name.
        label = node.text.strip() or node.desc.strip()
        kind = "x_icon" if node.text.strip() in _GLYPH_LABELS else "text"
        out.append((CloseControl(_ink_box(frame, (x1, y1, x2, y2)), kind, UI_CONFIDENCE, label or None),
                    (x1, y1, x2, y2)))
    return out


def merge_controls(vision: Sequence[CloseControl], named: Sequence[tuple[CloseControl, Box]]
                   ) -> list[CloseControl]:
    """Vision controls plus UI-tree controls that vision missed, best first.

    A vision control whose centre lies inside a named node is the same control: it is kept
    (its box is measured from pixels) and raised to at least ``UI_CONFIDENCE``.
    """
    merged: list[CloseControl] = []
    used: set[int] = set()
    for c in vision:
        cx, cy = (c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2
        hit = next((i for i, (_, t) in enumerate(named)
                    if i not in used and t[0] <= cx < t[2] and t[1] <= cy < t[3]), None)
        if hit is None:
            merged.append(c)
        else:
            used.add(hit)
            merged.append(CloseControl(c.box, c.kind, max(c.confidence, UI_CONFIDENCE), c.text))
    merged += [c for i, (c, _) in enumerate(named) if i not in used]
    return sorted(merged, key=lambda c: -c.confidence)
