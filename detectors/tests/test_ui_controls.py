"""UI-tree close controls: named nodes are found, boxes tightened to the ink, merged with vision."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.model import CloseControl, UiNode, Window
from detectors.ui_controls import controls_from_ui_tree, merge_controls

W, H, D = 1080, 2400, 2.625
WINDOW = Window((0, 0, W, H), "fullscreen", 0.9)


def _frame_with_x(box: tuple[int, int, int, int]) -> np.ndarray:
    """Grey splash with a thin white X filling ``box`` (a 12 dp glyph in a 48 dp node in tests)."""
    img = np.full((H, W, 3), 90, np.uint8)
    x1, y1, x2, y2 = box
    import cv2
    cv2.line(img, (x1, y1), (x2 - 1, y2 - 1), (255, 255, 255), 3)
    cv2.line(img, (x1, y2 - 1), (x2 - 1, y1), (255, 255, 255), 3)
    return img


@pytest.mark.parametrize("node", [
    UiNode((960, 60, 1040, 140), resource_id="com.app:id/iv_close"),
    UiNode((960, 60, 1040, 140), resource_id="splash-close"),
    UiNode((960, 60, 1040, 140), resource_id="btnSkip"),
    UiNode((960, 60, 1040, 140), desc="关闭"),
    UiNode((960, 60, 1040, 140), text="×"),
])
def test_named_nodes_become_controls_with_ink_tight_boxes(node: UiNode) -> None:
    frame = _frame_with_x((984, 84, 1016, 116))
    [(control, touch)] = controls_from_ui_tree(frame, [node], window=WINDOW, density=D)
    assert touch == node.box
    assert control.kind == "x_icon"
    assert all(abs(a - b) <= 2 for a, b in zip(control.box, (984, 84, 1016, 116))), control.box


def test_text_labels_are_text_controls() -> None:
    frame = _frame_with_x((984, 84, 1016, 116))
    [(control, _)] = controls_from_ui_tree(frame, [UiNode((900, 60, 1060, 140), text="跳过 3")],
                                           window=WINDOW, density=D)
    assert control.kind == "text" and control.text == "跳过 3"


@pytest.mark.parametrize("node", [
    UiNode((960, 60, 1040, 140), resource_id="closet-item"),     # a word that only contains "close"
    UiNode((960, 60, 1040, 140), text="立即下载"),                # a call to action
    UiNode((0, 0, W, H), resource_id="ad_close_layer"),            # a full-screen container
    UiNode((960, 60, 1040, 140), resource_id="iv_close", clickable=False),
])
def test_other_nodes_are_ignored(node: UiNode) -> None:
    assert controls_from_ui_tree(_frame_with_x((984, 84, 1016, 116)), [node], window=WINDOW, density=D) == []


def test_nodes_outside_the_window_are_ignored() -> None:
    card = Window((100, 800, 980, 1600), "card", 0.9, scrim=True)
    node = UiNode((960, 60, 1040, 140), resource_id="iv_close")
    assert controls_from_ui_tree(_frame_with_x((984, 84, 1016, 116)), [node], window=card, density=D) == []


def test_merge_keeps_vision_box_and_adds_what_vision_missed() -> None:
    vision = [CloseControl((980, 80, 1020, 120), "x_icon", 0.6)]
    named = [(CloseControl((985, 85, 1015, 115), "x_icon", 0.9), (960, 60, 1040, 140)),
             (CloseControl((40, 2200, 200, 2260), "text", 0.9, "Cancel"), (30, 2190, 210, 2270))]
    merged = merge_controls(vision, named)
    assert [c.box for c in merged] == [(980, 80, 1020, 120), (40, 2200, 200, 2260)]
    assert merged[0].confidence == pytest.approx(0.9)
