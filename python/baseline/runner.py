"""The seed's design, kept as a baseline: one Python process per call.

    python3.11 runner.py STRATEGY.py < candles.json

Imports pandas, reads the candles as JSON on stdin, runs the strategy once and prints its signal
as JSON on stdout. Exits 1 with {"error": ...} when the strategy fails.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from candles import build_frame, call, load_strategy, read_payload  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("usage: runner.py STRATEGY.py < candles.json", file=sys.stderr)
        return 2
    try:
        payload = read_payload(sys.stdin)
        frame = build_frame(payload)
        fn, takes_ctx = load_strategy(sys.argv[1])
        result = call(fn, takes_ctx, payload, frame)
    except Exception as exc:  # the baseline reports every failure the same way
        print(json.dumps({"error": {"type": type(exc).__name__, "message": str(exc)}}))
        return 1
    print(json.dumps(result, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
