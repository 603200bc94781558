"""Where splashcheck finds its suite, its default devices/apps and the Node tools — in a checkout and
when installed from a wheel.

``splashcheck/bundled/`` holds the compliance suite (``tests/``), ``devices.yaml``, ``apps.yaml`` and the
demo gallery (``demo_apps/``). In the repository these are symlinks to the top-level files (one copy,
which the project's layout keeps at the top); a wheel carries the files themselves as package data.
The Node tools (Appium with its chromium driver, Allure 3) are not Python packages: they are found in
``$SPLASHCHECK_NODE_ROOT``, else the checkout, else the current folder (each holding ``node_modules/``
and ``.appium/`` as ``scripts/setup.sh`` makes them).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED = PACKAGE_DIR / "bundled"
SUITE_DIR = BUNDLED / "tests"
"""The compliance suite (one test per rule); its ``pytest.ini`` loads :mod:`splashcheck.plugin`."""
DEFAULT_DEVICES = BUNDLED / "devices.yaml"
DEFAULT_APPS = BUNDLED / "apps.yaml"
CHECKOUT = PACKAGE_DIR.parent
"""The repository root in a checkout; ``site-packages`` when installed."""
NODE_ROOT_ENV = "SPLASHCHECK_NODE_ROOT"


def node_root() -> Path:
    """The folder holding ``node_modules/`` (Appium, Allure) and ``.appium/`` (Appium's drivers)."""
    env = os.environ.get(NODE_ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve()
    for candidate in (CHECKOUT, Path.cwd()):
        if (candidate / "node_modules" / ".bin" / "appium").exists():
            return candidate
    return CHECKOUT
