"""Lifecycle: a splash ad ends on its own in time, and a closed pop-up stays closed
(Xiaomi / Tencent GDT splash ≈ 5 s; SAMR 2023 Art. 10: no reappearing on the same page)."""


def test_splash_duration(check_rule):
    """Does the splash ad end on its own in time?"""
    check_rule("splash-duration")


def test_popup_reappears(check_rule):
    """Does a closed pop-up stay closed on the same page?"""
    check_rule("popup-reappears")
