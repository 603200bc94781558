"""detectors.density: screen density guessed from the screenshot size."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from detectors.density import ANDROID_BUCKETS, KNOWN_WIDTHS, MAX_PHONE_WIDTH_DP, estimate_density


@pytest.mark.parametrize("w, h, expected", [
    (240, 320, 0.75), (320, 480, 1.0), (480, 800, 1.5), (540, 960, 1.5), (720, 1280, 2.0), (720, 1600, 2.0),
    (768, 1280, 2.0), (1080, 1920, 2.625), (1080, 2400, 2.625), (1440, 3200, 3.5), (1170, 2532, 3.0),
    (750, 1334, 2.0), (1125, 2436, 3.0),
])
def test_common_phone_sizes(w, h, expected):
    assert estimate_density(w, h) == expected


def test_landscape_uses_the_shorter_side():
    assert estimate_density(1920, 1080) == estimate_density(1080, 1920) == 2.625


def test_tiny_images_get_a_proportional_density():
    assert estimate_density(1, 1) == pytest.approx(1 / 360)
    assert estimate_density(180, 320) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [0, -5, 1.5, float("nan"), float("inf"), True, "1080", None])
def test_bad_sizes_raise(bad):
    with pytest.raises(ValueError, match="width"):
        estimate_density(bad, 100)
    with pytest.raises(ValueError, match="height"):
        estimate_density(100, bad)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20_000), st.integers(1, 20_000))
def test_estimate_is_positive_and_gives_a_phone_width(w, h):
    d = estimate_density(w, h)
    short = min(w, h)
    assert d > 0 and math.isfinite(d)
    if short >= 240:
        # Either a standard bucket / known width giving a plausible phone width, or the cap above 4.0.
        assert d in ANDROID_BUCKETS or short in KNOWN_WIDTHS or d > ANDROID_BUCKETS[-1]
        assert 240 <= short / d <= max(MAX_PHONE_WIDTH_DP, 430) + 1e-6


@settings(max_examples=100, deadline=None)
@given(st.integers(240, 5000), st.integers(240, 5000))
def test_estimate_never_decreases_with_size(a, b):
    lo, hi = sorted((a, b))
    assert estimate_density(lo, 10_000) <= estimate_density(hi, 10_000) or lo in KNOWN_WIDTHS or hi in KNOWN_WIDTHS
