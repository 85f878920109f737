#!/usr/bin/env bash
# Throughput of the public strategy listing: wrk against a release `tradectl serve` on loopback,
# with 20 strategies stored. Usage: scripts/bench-api.sh [seconds]   (TRADECTL_BIN picks the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TRADECTL_BIN:-.build/release/tradectl}
SECONDS_RUN=${1:-10}
command -v wrk >/dev/null || bash scripts/setup.sh
DIR=$(mktemp -d)
PORT=$(/usr/bin/python3.11 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
"$BIN" serve --db "$DIR/bench.sqlite" --port "$PORT" --bcrypt-cost 4 --no-executor --no-demo-seed --listing-cache-ms "${LISTING_CACHE_MS:-1000}" >"$DIR/serve.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done; kill -9 "$PID" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
for _ in $(seq 300); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -XPOST "$BASE/auth/register" -d '{"email":"bench@example.com","password":"bench-password"}' \
  | /usr/bin/python3.11 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for i in $(seq 20); do
  curl -sf -XPOST "$BASE/api/strategy-upload/strategies" -H "Authorization: Bearer $TOKEN" \
    -d "{\"name\":\"bench-$i\",\"source\":\"def main(df, ctx):\\n    return {\\\"action\\\": \\\"HOLD\\\"}\\n\",\"symbols\":[\"BTCUSDT\"],\"timeframe\":\"1m\"}" >/dev/null
done
echo "bench-api: GET /api/strategy-upload/strategies (20 strategies, listing cache ${LISTING_CACHE_MS:-1000} ms), ${SECONDS_RUN}s per run, $(nproc) cores"
curl -sf "$BASE/api/strategy-upload/strategies" | /usr/bin/python3.11 -c 'import json,sys; d = json.load(sys.stdin); assert d["total"] == 20 and len(d["items"]) == 20, d; print("listing:", d["total"], "strategies,", len(json.dumps(d)), "bytes")'

for conf in "-t1 -c16" "-t2 -c64"; do
  echo "wrk $conf:"
  wrk $conf -d"${SECONDS_RUN}s" --latency "$BASE/api/strategy-upload/strategies" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
done
