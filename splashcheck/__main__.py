"""``python -m splashcheck ...``: the same as the ``splashcheck`` console script."""

import sys

from splashcheck.cli import main

sys.exit(main())
