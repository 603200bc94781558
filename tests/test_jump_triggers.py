"""Jump triggers: the window must not send users to an ad by accident — no full-screen tap-to-jump
area (MIIT 2021 No. 292; MIIT 2023 No. 26 "full-screen heat map") and no jump on a gentle shake
(T/TAF 078.7-2022: ≥ 15 m/s², ≥ 35°, ≥ 3 s)."""


def test_fullscreen_jump_link(check_rule):
    """Is the whole window a tap-to-jump area?"""
    check_rule("fullscreen-jump-link")


def test_shake_sensitivity(check_rule):
    """Does a gentle motion below the T/TAF 078.7 thresholds trigger a jump?"""
    check_rule("shake-sensitivity")
