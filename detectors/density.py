"""Guess the screen density (px per dp) from a screenshot's size, when nobody gives one.

Sizes in dp need the density; a device reports it, a loose screenshot does not. The
guess rests on one fact: Android phones are between 320 and ~414 dp wide in
portrait (mostly 360–412 dp), and vendors pick their density from a short
list of buckets. So the shorter side of the image is divided by the smallest bucket
that keeps the width at or under :data:`MAX_PHONE_WIDTH_DP`:

==========  ==========  =========================================================
short side  density     why
==========  ==========  =========================================================
240         0.75        ldpi, 320 dp
320         1.0         mdpi, 320 dp
480 / 540   1.5         hdpi, 320 / 360 dp (qHD phones)
720 / 768   2.0         xhdpi, 360 / 384 dp
750 / 828   2.0         iPhone 6–8 / XR (@2x)
1080        2.625       411 dp: Pixel, Samsung Galaxy, the Android emulator's phone
                        profiles and this project's local Chromium device (412×915
                        at 2.625). The other common choice, 3.0 (360 dp: Huawei,
                        older Xiaomi), gives sizes 14 % smaller. When unsure we take
                        the lower density: sizes come out larger in dp, so a guessed
                        density never *creates* a size violation that the common
                        device would not have.
1125–1290   3.0         iPhones @3x (known widths, see :data:`KNOWN_WIDTHS`)
1440        3.5         411 dp (QHD Pixel XL / Galaxy at 3.5; 4.0 on some = 360 dp,
                        lower density taken for the same reason as 1080)
==========  ==========  =========================================================

Landscape screenshots use their shorter side too. Tablets (600+ dp wide) are guessed
as phones: their density comes out too high, so give ``--density`` for them. Images
narrower than 240 px (thumbnails, test patterns) get ``short / 360`` with no bucket.

Callers record that the value was estimated (``FrameAnalysis.density_estimated``) and
say so in their output.
"""

from __future__ import annotations

import math

__all__ = ["estimate_density", "ANDROID_BUCKETS", "KNOWN_WIDTHS", "MAX_PHONE_WIDTH_DP", "TYPICAL_WIDTH_DP"]

# Android density buckets (px per dp). tvdpi 1.33 is left out on purpose: it is a TV /
# 2012-tablet density and would win for 540 px phones (406 dp) over the right 1.5.
ANDROID_BUCKETS: tuple[float, ...] = (0.75, 1.0, 1.5, 2.0, 2.625, 2.75, 3.0, 3.5, 4.0)

# Widest Android phone in dp (411–414 dp); a bucket giving more than this is too low.
# Not higher: 320 px / 0.75 = 427 dp must not win over mdpi 1.0. iPhones up to 430 pt
# are in KNOWN_WIDTHS.
MAX_PHONE_WIDTH_DP = 415.0

# Width used below the smallest bucket (ldpi, 240 px): the most common Android width.
TYPICAL_WIDTH_DP = 360.0

# Widths whose density the bucket rule gets wrong (iOS @3x at 375 pt would come out 2.75).
KNOWN_WIDTHS: dict[int, float] = {
    750: 2.0,    # iPhone 6/7/8/SE2/SE3, 375 pt @2x
    828: 2.0,    # iPhone XR/11, 414 pt @2x
    1125: 3.0,   # iPhone X/XS/11 Pro/12 mini, 375 pt @3x
    1170: 3.0,   # iPhone 12/13/14, 390 pt @3x
    1179: 3.0,   # iPhone 14 Pro/15/16, 393 pt @3x
    1242: 3.0,   # iPhone Plus/XS Max, 414 pt @3x
    1284: 3.0,   # iPhone 12/13 Pro Max, 428 pt @3x
    1290: 3.0,   # iPhone 14 Pro Max/15 Plus, 430 pt @3x
}


def estimate_density(width: int, height: int) -> float:
    """Estimate the density (px per dp) of a screenshot from its pixel size.

    Parameters
    ----------
    width, height : int
        Image size in pixels (either orientation).

    Returns
    -------
    float
        Density in px per dp, > 0. See the module docstring for the table and the
        reasons (e.g. 720 → 2.0, 1080 → 2.625, 1440 → 3.5, 540 → 1.5).

    Raises
    ------
    ValueError
        ``width`` or ``height`` not a positive whole number.
    """
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or v <= 0 or v != int(v):
            raise ValueError(f"{name} must be a positive whole number of pixels, got {v!r}")
    short = int(min(width, height))
    if short in KNOWN_WIDTHS:
        return KNOWN_WIDTHS[short]
    if short < 240:
        return short / TYPICAL_WIDTH_DP
    for bucket in ANDROID_BUCKETS:
        if short / bucket <= MAX_PHONE_WIDTH_DP + 1e-9:
            return bucket
    # Wider than 4.0 × 415 = 1660 px: no phone bucket fits; keep the width at 415 dp.
    return short / MAX_PHONE_WIDTH_DP
