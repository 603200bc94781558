"""The compliance suite's pytest plugin lives in the package: ``splashcheck/plugin.py``.

An installed splashcheck registers it through its ``pytest11`` entry point (name ``splashcheck.plugin``);
the suite's ``tests/pytest.ini`` loads it for a checkout used without installing
(``PYTHONPATH=. pytest tests --device chromium-phone``); this line loads it for any other session rooted
here. The project's self-tests block it (``-p no:splashcheck.plugin`` in pyproject.toml): they never run
with the product plugin by accident.
"""

pytest_plugins = ["splashcheck.plugin"]
