#!/usr/bin/env bash
# The README's test command: set up this machine (idempotent), then run every self-test,
# the end-to-end ones on the real local Appium + Chromium stack included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python -m pytest "$@"
