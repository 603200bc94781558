"""Property tests: whatever array comes in, analyze_frame gives a result or a clear ValueError.

Runs the real detector stack (window, controls, measure, rules as far as they exist): a crash
deep inside OpenCV or numpy (cv2.error, IndexError, ZeroDivisionError, ...) fails the test,
and so does a stage crash hidden as a ``not_run`` finding. Examples are kept few: the CPU
is shared.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from detectors.analyze import analyze_frame
from detectors.imageio import as_bgr
from detectors.model import FrameAnalysis, Outcome

DTYPES = [np.uint8, np.uint16, np.int16, np.int32, np.float32, np.float64, np.bool_]

PROFILE = None  # default profile, loaded once below


@pytest.fixture(scope="module", autouse=True)
def _profile():
    global PROFILE
    from detectors.profiles import load_profile

    PROFILE = load_profile()


def _check(result: FrameAnalysis, shape: tuple[int, ...]) -> None:
    assert isinstance(result, FrameAnalysis)
    assert (result.height, result.width) == shape[:2]
    assert result.density > 0
    # analyze_frame turns a stage crash into not_run findings; here that is a bug to surface.
    crashed = {f.reason for f in result.findings if f.outcome is Outcome.NOT_RUN and "crashed" in (f.reason or "")}
    assert not crashed, f"a detector stage crashed on shape {shape}: {crashed}"


def _value_error_is_clear(exc: ValueError) -> None:
    msg = str(exc)
    assert msg and ("frame" in msg or "density" in msg), f"unclear error: {msg!r}"


shapes = st.tuples(st.integers(1, 80), st.integers(1, 80), st.sampled_from([None, 1, 2, 3, 4]))


@st.composite
def frames(draw):
    h, w, c = draw(shapes)
    shape = (h, w) if c is None else (h, w, c)
    dtype = draw(st.sampled_from(DTYPES))
    if np.dtype(dtype).kind == "f":
        elements = st.one_of(st.floats(0, 1, width=32), st.sampled_from([np.nan, np.inf, -0.5, 3.0]))
        arr = draw(hnp.arrays(dtype, shape, elements=elements, fill=st.floats(0, 1, width=32)))
    elif dtype in (np.int16, np.int32):
        arr = draw(hnp.arrays(dtype, shape, elements=st.integers(-3, 300), fill=st.integers(0, 255)))
    else:
        arr = draw(hnp.arrays(dtype, shape))
    return arr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.one_of(st.none(), st.floats(0.5, 4.0)))
def test_any_small_array_gives_a_result_or_a_clear_value_error(frame, density):
    try:
        result = analyze_frame(frame, density=density, profile=PROFILE)
    except ValueError as exc:
        _value_error_is_clear(exc)
        return
    _check(result, frame.shape)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 2400), w=st.integers(1, 1440), seed=st.integers(0, 2**16),
       kind=st.sampled_from(["noise", "flat", "blocks", "stripes"]))
def test_phone_sized_frames_of_any_content(h, w, seed, kind):
    # Larger frames (up to a phone screen), with content that can trip thresholds: pure
    # noise, a flat colour, random rectangles, one-pixel stripes.
    assume(h * w <= 1440 * 2400)
    rng = np.random.default_rng(seed)
    if kind == "noise":
        frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    elif kind == "flat":
        frame = np.full((h, w, 3), rng.integers(0, 256, 3), np.uint8)
    elif kind == "blocks":
        frame = np.full((h, w, 3), 30, np.uint8)
        for _ in range(6):
            x1, y1 = int(rng.integers(0, w)), int(rng.integers(0, h))
            frame[y1:y1 + int(rng.integers(1, h + 1)), x1:x1 + int(rng.integers(1, w + 1))] = rng.integers(0, 256, 3)
    else:
        frame = np.zeros((h, w, 3), np.uint8)
        frame[::2] = 255
    _check(analyze_frame(frame, density=None, profile=PROFILE), frame.shape)


@pytest.mark.parametrize("shape, dtype", [
    ((1, 1), np.uint8), ((1, 1, 4), np.uint16), ((1, 3000), np.uint8), ((3000, 1, 3), np.uint8),
    ((2, 2, 3), np.float64), ((16, 16, 2), np.uint8), ((1920, 1080, 4), np.uint8), ((1920, 1080), np.uint16),
])
def test_edge_shapes(shape, dtype):
    frame = np.zeros(shape, dtype)
    _check(analyze_frame(frame, profile=PROFILE), shape)


@pytest.mark.parametrize("frame, words", [
    (np.broadcast_to(np.uint8(0), (40_000, 40_000, 3)), "too large"),
    (np.zeros((0, 10, 3), np.uint8), "empty"),
    (np.zeros((10,), np.uint8), "dimension"),
    (np.full((4, 4, 3), np.nan), "NaN"),
    (np.zeros((4, 4, 7), np.uint8), "channels"),
])
def test_bad_frames_raise_a_clear_value_error(frame, words):
    with pytest.raises(ValueError, match="frame") as ei:
        analyze_frame(frame, profile=PROFILE)
    assert words in str(ei.value)


@settings(max_examples=60, deadline=None)
@given(frames())
def test_as_bgr_output_contract(frame):
    try:
        out = as_bgr(frame)
    except ValueError as exc:
        _value_error_is_clear(exc)
        return
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape == (*frame.shape[:2], 3)
    assert out.flags["C_CONTIGUOUS"]
