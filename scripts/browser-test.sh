#!/usr/bin/env bash
# The dashboard in a real browser (python/browser_tests, part of `make test`): Debian's chromium
# driven headless by playwright from its own virtualenv (.tradectl/pw-venv), against a debug
# `tradectl serve` on a free loopback port. Screenshots land in .build/dashboard-screenshots.
# A missing chromium or playwright fails the run; scripts/setup.sh installs both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.tradectl/pw-venv/bin/python
[ -x /usr/bin/chromium ] || { echo "browser-test: /usr/bin/chromium is missing: run scripts/setup.sh" >&2; exit 1; }
[ -x "$PY" ] || { echo "browser-test: $PY is missing: run scripts/setup.sh" >&2; exit 1; }
swift build --product tradectl
swift build --product tradectl-sandbox
TRADECTL_BIN="$(swift build --show-bin-path)/tradectl" "$PY" -m pytest -q -p no:cacheprovider python/browser_tests "$@"
