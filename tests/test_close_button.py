"""Close button: can users find the close control of a splash screen or pop-up, hit it, and does
one tap close the window (MIIT 2021 No. 292 task (1)4: 找得到、关得掉; SAMR 2023 Art. 10)?

Each test reads the checker's finding for its rule on this device × app; ``check_rule`` (see the
project's ``conftest.py``) attaches the evidence and turns the outcome into the test's outcome.
"""


def test_close_button_present(check_rule):
    """Does every splash/pop-up window show a close or skip control?"""
    check_rule("close-button-present")


def test_close_button_size(check_rule):
    """Is the close control big enough to find and hit?"""
    check_rule("close-button-size")


def test_close_button_contrast(check_rule):
    """Can the close control be seen against its surroundings?"""
    check_rule("close-button-contrast")


def test_close_button_placement(check_rule):
    """Is the close control where users look, reachable and clear of jump triggers?"""
    check_rule("close-button-placement")


def test_close_button_delay(check_rule):
    """Is the close control there from the moment the window appears?"""
    check_rule("close-button-delay")


def test_close_button_works(check_rule):
    """Does one tap on the close control close the window without jumping?"""
    check_rule("close-button-works")
