"""detectors.proposals: whole-frame candidate boxes (sizes, both polarities, cap, region)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.proposals import DEFAULT_PROPOSAL_PARAMS, ProposalParams, propose


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter) if inter else 0.0


def _best(props, box) -> float:
    return max((_iou(p.box, box) for p in props), default=0.0)


def _screen(h=1600, w=720, value=235) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


@pytest.mark.parametrize("density", [2.0, 3.0])
@pytest.mark.parametrize("dark_on_light", [True, False])
def test_a_badge_is_proposed_with_its_own_box(density, dark_on_light):
    img = _screen(value=240 if dark_on_light else 30)
    r = int(12 * density)  # a 24 dp disc with a white ×
    c = (500, 300)
    fill = (60, 60, 60) if dark_on_light else (220, 220, 220)
    cv2.circle(img, c, r, fill, -1, cv2.LINE_AA)
    a = int(r * 0.45)
    ink = (255, 255, 255) if dark_on_light else (0, 0, 0)
    cv2.line(img, (c[0] - a, c[1] - a), (c[0] + a, c[1] + a), ink, 2, cv2.LINE_AA)
    cv2.line(img, (c[0] - a, c[1] + a), (c[0] + a, c[1] - a), ink, 2, cv2.LINE_AA)
    props = propose(img, density=density)
    assert _best(props, (c[0] - r, c[1] - r, c[0] + r + 1, c[1] + r + 1)) >= 0.7
    # ... and the glyph alone too (the verifier decides which is the control)
    assert _best(props, (c[0] - a, c[1] - a, c[0] + a + 1, c[1] + a + 1)) >= 0.5


def test_a_skip_pill_and_a_bare_word_are_proposed():
    img = _screen(value=180)
    d = 3.0
    pill = (480, 120, 480 + int(64 * d), 120 + int(28 * d))
    cv2.rectangle(img, pill[:2], (pill[2] - 1, pill[3] - 1), (40, 40, 40), -1)
    cv2.putText(img, "Skip 5", (pill[0] + 25, pill[3] - 25), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3)
    cv2.putText(img, "Cancel", (100, 1200), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (30, 30, 30), 3)
    (tw, th), base = cv2.getTextSize("Cancel", cv2.FONT_HERSHEY_SIMPLEX, 1.4, 3)
    props = propose(img, density=d)
    assert _best(props, pill) >= 0.7
    assert _best(props, (100, 1200 - th, 100 + tw, 1200 + 2)) >= 0.5


def test_a_uniform_frame_has_no_proposals():
    assert propose(_screen(), density=2.625) == []


def test_sizes_outside_the_prior_are_not_proposed():
    img = _screen()
    d = 2.0
    cv2.circle(img, (200, 200), int(2 * d), (0, 0, 0), -1)  # a 4 dp dot: below min_dp
    cv2.rectangle(img, (100, 600), (100 + int(300 * d), 600 + int(200 * d)), (0, 0, 0), -1)  # a 300 dp panel
    for p in propose(img, density=d):
        w, h = p.box[2] - p.box[0], p.box[3] - p.box[1]
        assert min(w, h) >= DEFAULT_PROPOSAL_PARAMS.min_dp * d - 2
        assert max(w, h) <= DEFAULT_PROPOSAL_PARAMS.max_pill_w_dp * d + 2


def test_the_cap_and_the_region_are_respected():
    rng = np.random.default_rng(90210)
    img = rng.integers(0, 256, (900, 500, 3), dtype=np.uint8)
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    props = propose(img, density=2.0, params=ProposalParams(max_proposals=25))
    assert 0 < len(props) <= 25
    assert [p.prior for p in props] == sorted((p.prior for p in props), reverse=True)
    region = (100, 200, 300, 500)
    for p in propose(img, density=2.0, region=region):
        assert region[0] <= p.box[0] and p.box[2] <= region[2] and region[1] <= p.box[1] and p.box[3] <= region[3]


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "2"])
def test_bad_density_is_a_value_error(bad):
    with pytest.raises(ValueError, match="density"):
        propose(_screen(), density=bad)


def test_bad_frame_is_a_value_error():
    with pytest.raises(ValueError, match="frame"):
        propose(np.zeros((10, 10), np.uint8), density=2.0)


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 600), w=st.integers(1, 400), seed=st.integers(0, 2**16),
       density=st.floats(0.5, 4.0), cap=st.integers(1, 300))
def test_any_frame_gives_boxes_inside_it_and_under_the_cap(h, w, seed, density, cap):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 1.5)
    props = propose(img, density=density, params=ProposalParams(max_proposals=cap))
    assert len(props) <= cap
    for p in props:
        x1, y1, x2, y2 = p.box
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
