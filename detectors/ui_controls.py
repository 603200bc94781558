"""Close controls named by a UI tree: the second cue beside pixels.

An Android hierarchy, an iOS source or the DOM often names its dismiss control
(``resource-id .../iv_close``, ``content-desc "关闭"``, ``id="splash-close"``, text ``跳过 3``).
A control found this way is real even when it is too small or faint for the vision
detector — exactly the controls the rules care most about — so it is reported, with the
box tightened to the visible ink inside the node (the node's bounds are the touch target,
kept as the measurement's ``touch_box``). The tree names the control; pixels measure it.

The ad SDKs' own vocabulary is data (``detectors/data/ad_sdk.yaml``, each entry with its
source, read by :func:`load_ad_sdk`): their skip / close view ids and descriptions
(``tt_splash_skip_btn``, ``ksad_splash_circle_skip_view``, ``GdtCountDownView``, ``iv_close`` …),
their foreground activities (:func:`ad_activity`: an ad is on screen, a splash / pop-up cue,
:func:`ad_cue`), and a structural rule for the third to half of real close targets that carry
no name at all: a small clickable leaf ImageView/View near ad context text (广告, 反馈, a call
to action) — :func:`structural_controls`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

from detectors.model import Box, CloseControl, UiNode, Window
from detectors.ocr import is_close_text

__all__ = ["controls_from_ui_tree", "merge_controls", "load_ad_sdk", "AdSdkData", "ad_activity", "ad_cue",
           "structural_controls", "AD_SDK_FILE"]

AD_SDK_FILE = Path(__file__).resolve().parent / "data" / "ad_sdk.yaml"

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

AROUND_CARD_DP = 96.0
"""A pop-up card's close control may sit just outside it: centred below the card (the circle-X
under the card that most Chinese e-commerce pop-ups use) or above its top edge (knowledge §5.1 b).
A named node this far (dp) above or below a non-fullscreen window, within its width, belongs to it."""

STRUCTURAL_CONFIDENCE = 0.6
"""A nameless small leaf near ad text: above the default ``min_confidence`` (0.5), below a name."""

STRUCTURAL_AD_ACTIVITY_CONFIDENCE = 0.75
"""The same cue while an ad SDK's activity is in the foreground."""


# ----------------------------------------------------------------------------- ad-SDK data

@dataclass(frozen=True)
class AdSdkData:
    """The ad-SDK vocabulary of ``ad_sdk.yaml`` (see that file for the sources)."""

    activities: tuple[Mapping[str, Any], ...]
    skip_ids: Mapping[str, Mapping[str, Any]]
    close_ids: Mapping[str, Mapping[str, Any]]
    descs: tuple[Mapping[str, Any], ...]
    structural: Mapping[str, Any] = field(default_factory=dict)

    def anchors(self) -> tuple[str, ...]:
        groups = self.structural.get("anchors") or {}
        return tuple(a for g in groups.values() for a in g)


@functools.lru_cache(maxsize=4)
def load_ad_sdk(path: str | Path | None = None) -> AdSdkData:
    """Read and check ``ad_sdk.yaml`` (default: the one shipped in ``detectors/data``).

    Raises
    ------
    ValueError
        An entry misses its key or its ``source``; the message names the file and entry.
    """
    p = Path(path) if path is not None else AD_SDK_FILE
    doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{p}: top level must be a mapping")

    def entries(section: str, key: str) -> list[Mapping[str, Any]]:
        out = []
        for n, e in enumerate(doc.get(section) or []):
            if not isinstance(e, dict) or not e.get(key) or not e.get("source"):
                raise ValueError(f"{p}: {section}[{n}] needs {key!r} and 'source', got {e!r}")
            out.append(e)
        return out

    acts = entries("activities", "prefix")
    for e in acts:
        if e.get("role") not in ("splash", "popup", "fullscreen"):
            raise ValueError(f"{p}: activity {e['prefix']!r}: role must be splash, popup or fullscreen")
    structural = doc.get("structural") or {}
    if structural and not structural.get("source"):
        raise ValueError(f"{p}: structural needs a 'source'")
    # longest prefix first, so a named activity wins over its package
    return AdSdkData(activities=tuple(sorted(acts, key=lambda e: -len(e["prefix"]))),
                     skip_ids={e["id"]: e for e in entries("skip_ids", "id")},
                     close_ids={e["id"]: e for e in entries("close_ids", "id")},
                     descs=tuple(entries("descs", "desc")), structural=structural)


def ad_activity(activity: str | None, data: AdSdkData | None = None) -> Mapping[str, Any] | None:
    """The ``activities`` entry of an ad SDK whose class ``activity`` is (``pkg/.Act`` or a class name)."""
    if not activity:
        return None
    d = data or load_ad_sdk()
    pkg, _, act = activity.partition("/")
    names = {activity, act, pkg + act if act.startswith(".") else act} if act else {activity}
    for e in d.activities:
        if any(n.startswith(e["prefix"]) for n in names if n):
            return e
    return None


def _belongs_to(window: Window, cx: float, cy: float, density: float) -> bool:
    """Whether a node centred at (cx, cy) belongs to ``window`` (inside it, or around a card)."""
    wx1, wy1, wx2, wy2 = window.box
    if wx1 <= cx < wx2 and wy1 <= cy < wy2:
        return True
    if window.kind == "fullscreen" or not wx1 <= cx < wx2:
        return False
    band = AROUND_CARD_DP * density
    return wy2 <= cy < wy2 + band or wy1 - band <= cy < wy1


def _short_id(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


def _sdk_name(node: UiNode, data: AdSdkData) -> Mapping[str, Any] | None:
    """The ad-SDK entry that names ``node`` a skip / close control, if any."""
    sid = _short_id(node.resource_id)
    if sid in data.skip_ids:
        return data.skip_ids[sid]
    if sid in data.close_ids:
        return data.close_ids[sid]
    desc = node.desc.strip()
    for e in data.descs:
        if desc == e["desc"] or (e.get("prefix") and desc.startswith(e["desc"])):
            return e
    return None


def ad_cue(ui_tree: Sequence[UiNode] | None, activity: str | None = None, *,
           data: AdSdkData | None = None) -> dict[str, Any] | None:
    """What the UI tree and foreground activity say about an ad on screen, or None.

    Returns ``{"role": splash | popup | fullscreen | None, "sdk": …, "activity": …, "views": [ids]}``:
    an ad SDK's activity in the foreground, or a splash skip view of an SDK in the tree (role
    ``splash``). Generic close ids (``iv_close``) alone are not an ad cue: every app has them.
    """
    d = data or load_ad_sdk()
    act = ad_activity(activity, d)
    views = [_short_id(n.resource_id) for n in ui_tree or () if _short_id(n.resource_id) in d.skip_ids
             and d.skip_ids[_short_id(n.resource_id)].get("sdk") not in ("generic", "app-own splash")]
    if act is None and not views:
        return None
    role = act["role"] if act else "splash"
    sdk = act["sdk"] if act else d.skip_ids[views[0]]["sdk"]
    return {"role": role, "sdk": sdk, "activity": activity if act else None, "views": views}


def _id_words(ident: str) -> set[str]:
    return {w.lower() for w in re.split(r"[^A-Za-z]+", _CAMEL.sub(" ", ident)) if w}


def _names_dismiss(node: UiNode, data: AdSdkData | None = None) -> bool:
    if _id_words(node.resource_id.rsplit("/", 1)[-1]) & _ID_WORDS:
        return True
    if data is not None and _sdk_name(node, data) is not None:
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
    frame: np.ndarray, ui_tree: Sequence[UiNode], *, window: Window, density: float,
    activity: str | None = None, data: AdSdkData | None = None,
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
    activity : str, optional
        Foreground activity (Android); an ad SDK's raises the structural cue's confidence.
    data : AdSdkData, optional
        Ad-SDK vocabulary; default the shipped ``ad_sdk.yaml``.

    Returns
    -------
    list of (CloseControl, touch Box)
        The control (box tight around its visible ink, frame px, x2/y2 exclusive;
        ``confidence`` = ``UI_CONFIDENCE`` for a named node, ``STRUCTURAL_CONFIDENCE`` (or
        ``STRUCTURAL_AD_ACTIVITY_CONFIDENCE``) for a nameless one near ad text) and the node's bounds.
    """
    d = data or load_ad_sdk()
    named = _named_controls(frame, ui_tree, window=window, density=density, data=d)
    taken = [t for _, t in named]
    structural = [(c, t) for c, t in structural_controls(frame, ui_tree, window=window, density=density,
                                                         activity=activity, data=d) if t not in taken]
    return named + structural


def _named_controls(frame: np.ndarray, ui_tree: Sequence[UiNode], *, window: Window, density: float,
                    data: AdSdkData) -> list[tuple[CloseControl, Box]]:
    h, w = frame.shape[:2]
    out: list[tuple[CloseControl, Box]] = []
    for node in ui_tree:
        x1, y1, x2, y2 = (max(0, node.box[0]), max(0, node.box[1]), min(w, node.box[2]), min(h, node.box[3]))
        if x2 <= x1 or y2 <= y1 or not node.clickable:
            continue
        if max(x2 - x1, y2 - y1) / density > MAX_NODE_DP:
            continue
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        if not _belongs_to(window, cx, cy, density) or not _names_dismiss(node, data):
            continue
        # Visible text makes a text control; a content-desc alone is an icon's accessible name.
        label = node.text.strip() or node.desc.strip()
        sdk = _sdk_name(node, data)
        if sdk is not None and not node.text.strip():
            # an SDK's view name is not a label people read: say what the view is
            if _short_id(node.resource_id) in data.skip_ids or sdk.get("kind") == "skip":
                label = "跳过"
            elif sdk.get("desc"):
                label = ""
        kind = "text" if label == "跳过" or node.text.strip() not in _GLYPH_LABELS else "x_icon"
        out.append((CloseControl(_ink_box(frame, (x1, y1, x2, y2)), kind, UI_CONFIDENCE, label or None),
                    (x1, y1, x2, y2)))
    return out


def structural_controls(frame: np.ndarray, ui_tree: Sequence[UiNode], *, window: Window, density: float,
                        activity: str | None = None, data: AdSdkData | None = None
                        ) -> list[tuple[CloseControl, Box]]:
    """Nameless small clickable leaves near ad context text (the GDT / Pangle close X).

    A clickable node of an image-like class (``structural.classes``), at most
    ``structural.max_side_dp`` on each side and about square, with no text, no id word and no
    description of its own, whose centre lies in the window and within
    ``structural.anchor_radius_dp`` of a node whose text or description contains an anchor
    (广告, 反馈, a call to action; non-clickable text nodes count). Boxes as in
    :func:`controls_from_ui_tree`.
    """
    d = data or load_ad_sdk()
    st = d.structural
    if not st or not ui_tree:
        return []
    classes = tuple(st.get("classes") or ())
    max_side, max_aspect = float(st.get("max_side_dp", 40)), float(st.get("max_aspect", 2.0))
    radius = float(st.get("anchor_radius_dp", 480)) * density
    anchor_words = d.anchors()
    anchors = [((n.box[0] + n.box[2]) / 2, (n.box[1] + n.box[3]) / 2) for n in ui_tree
               if any(a in (n.text or "") or a in (n.desc or "") for a in anchor_words)]
    if not anchors:
        return []
    conf = STRUCTURAL_AD_ACTIVITY_CONFIDENCE if ad_activity(activity, d) else STRUCTURAL_CONFIDENCE
    h, w = frame.shape[:2]
    out: list[tuple[CloseControl, Box]] = []
    for node in ui_tree:
        if not node.clickable or node.text.strip() or node.desc.strip():
            continue
        if not any(node.cls == c or node.cls.endswith("." + c.rsplit(".", 1)[-1]) for c in classes):
            continue
        if _id_words(_short_id(node.resource_id)) - {"iv", "img", "image", "view", "icon"}:
            continue  # a named view (an ad picture, a logo): not nameless
        x1, y1, x2, y2 = (max(0, node.box[0]), max(0, node.box[1]), min(w, node.box[2]), min(h, node.box[3]))
        bw, bh = x2 - x1, y2 - y1
        if bw <= 0 or bh <= 0 or max(bw, bh) / density > max_side or max(bw / bh, bh / bw) > max_aspect:
            continue
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        if not _belongs_to(window, cx, cy, density):
            continue
        if min(((cx - ax) ** 2 + (cy - ay) ** 2) ** 0.5 for ax, ay in anchors) > radius:
            continue
        out.append((CloseControl(_ink_box(frame, (x1, y1, x2, y2)), "x_icon", conf, None), (x1, y1, x2, y2)))
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
