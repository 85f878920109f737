"""The floor: the strategy's own cost in a warm plain python3.11 loop.

    python3.11 floor.py STRATEGY.py N < candles.json

Builds the frame once in advance, then calls the strategy N times, each on a fresh shallow copy
made outside the timed region, and prints {"samples_ns": [...]} — the cost no runtime can beat.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from candles import build_frame, call, load_strategy, read_payload  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print("usage: floor.py STRATEGY.py N < candles.json", file=sys.stderr)
        return 2
    n = int(sys.argv[2])
    payload = read_payload(sys.stdin)
    frame = build_frame(payload)
    fn, takes_ctx = load_strategy(sys.argv[1])
    clock = time.perf_counter_ns
    for _ in range(min(20, n)):  # warm-up, not recorded
        call(fn, takes_ctx, payload, frame.copy(deep=False))
    samples = []
    for _ in range(n):
        view = frame.copy(deep=False)
        t0 = clock()
        call(fn, takes_ctx, payload, view)
        samples.append(clock() - t0)
    print(json.dumps({"samples_ns": samples}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
