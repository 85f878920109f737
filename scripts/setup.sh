#!/usr/bin/env bash
# Installs, only when missing, everything tradectl needs to build and test:
# Debian packages, then strategy packages (TA-Lib, plus any listed in python/requirements-strategies.txt)
# into .tradectl/site-packages with Debian's pip --target. The system Python is never changed.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(python3-dev python3-numpy python3-pandas python3-pip python3-pytest libsqlite3-dev libhiredis-dev libffi-dev
      redis-server postgresql pkg-config libpython3.11-dev libexpat1-dev zlib1g-dev python3-venv wrk curl jq valgrind binutils chromium)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

SITE=.tradectl/site-packages
REQ=python/requirements-strategies.txt
stamp="$SITE/.installed-$(sha1sum "$REQ" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing strategy packages from $REQ into $SITE"
  rm -rf "$SITE"
  mkdir -p "$SITE"
  # --no-deps: numpy and pandas come from Debian, the only build that loads into the embedded interpreter.
  PIP_DISABLE_PIP_VERSION_CHECK=1 /usr/bin/python3.11 -m pip install --quiet --no-deps --target "$SITE" -r "$REQ" 2>&1 \
    | grep -v "Running pip as the 'root' user" || true
  PYTHONPATH="$SITE" /usr/bin/python3.11 -c "import talib" || { echo "setup: talib does not import" >&2; exit 1; }
  touch "$stamp"
fi

# schemathesis (API robustness, run by .ci/run) lives in a virtualenv of its own, so its
# dependencies never meet the embedded interpreter's packages.
ST=.tradectl/st-venv
if [ ! -x "$ST/bin/schemathesis" ]; then
  echo "setup: installing schemathesis into $ST"
  rm -rf "$ST"
  /usr/bin/python3.11 -m venv "$ST"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$ST/bin/pip" install --quiet "schemathesis>=4,<5" 2>&1 | grep -v "Running pip as the 'root' user" || true
  "$ST/bin/schemathesis" --version >/dev/null || { echo "setup: schemathesis does not run" >&2; exit 1; }
fi

# The exchange simulator's wire-compatibility test (Tests/ExchangeTests/CCXT) drives it with
# clients written by others, from PyPI: ccxt (Binance spot and USDⓈ-M) and coindcx (CoinDCX; ccxt
# has no CoinDCX class). They live in a virtualenv of their own; `swift test` fails without it.
CV=.tradectl/ccxt-venv
if ! "$CV/bin/python" -c "import ccxt, coindcx, pytest" 2>/dev/null; then
  echo "setup: installing ccxt and coindcx into $CV"
  rm -rf "$CV"
  /usr/bin/python3.11 -m venv "$CV"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$CV/bin/pip" install --quiet "ccxt==4.5.90" "coindcx==0.1.1" "pytest>=7" 2>&1 \
    | grep -v "Running pip as the 'root' user" || true
  "$CV/bin/python" -c "import ccxt, coindcx, pytest" || { echo "setup: ccxt or coindcx does not import" >&2; exit 1; }
fi

# playwright (the dashboard's browser tests drive Debian's chromium with it; it never downloads a
# browser) lives in a virtualenv of its own, like schemathesis.
PW=.tradectl/pw-venv
if [ ! -x "$PW/bin/python" ] || ! "$PW/bin/python" -c "import playwright, pytest" 2>/dev/null; then
  echo "setup: installing playwright into $PW"
  rm -rf "$PW"
  /usr/bin/python3.11 -m venv "$PW"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$PW/bin/pip" install --quiet "playwright>=1.49,<2" "pytest>=8" 2>&1 | grep -v "Running pip as the 'root' user" || true
  "$PW/bin/python" -c "import playwright, pytest" || { echo "setup: playwright does not import" >&2; exit 1; }
fi

# backtesting.py (the reference `tradectl bench backtest` runs side by side, and whose metric
# definitions the backtest's stats follow) lives in a virtualenv of its own, like schemathesis.
BT=.tradectl/bt-venv
if [ ! -x "$BT/bin/python" ] || ! "$BT/bin/python" -c "import backtesting" 2>/dev/null; then
  echo "setup: installing backtesting.py into $BT"
  rm -rf "$BT"
  /usr/bin/python3.11 -m venv "$BT"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$BT/bin/pip" install --quiet "backtesting>=0.6,<0.7" 2>&1 | grep -v "Running pip as the 'root' user" || true
  "$BT/bin/python" -c "import backtesting" || { echo "setup: backtesting.py does not import" >&2; exit 1; }
fi
