"""Time one call of each bot's `main` (a measurement, not a test).

    /usr/bin/python3.11 python/tools/time_bots.py

Each bot is started and run to a steady state with the test scaffolding (tests/botsim.py); then
`main(data, ctx)` is timed on a candle with no fills (what almost every call is) and, for the
grid, on a candle with one fill (a counter-order to place). `data` is the platform's DataFrame
layout and, for comparison, a plain dict of one-element lists.
"""
from __future__ import annotations

import copy
import os
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), os.path.join(os.path.dirname(HERE), "tests")]

from botsim import Sim, frame  # noqa: E402
from tradekit.bars import last_bar  # noqa: E402
from tradekit.bots import btd, combo, dca, dca_futures, grid, loop  # noqa: E402

RULES = {"tick_size": 0.01, "lot_step": 0.0001, "maker_fee": 0.001, "taker_fee": 0.001}
CASES = [
    ("grid, 20 levels", grid, {"lower": 90, "upper": 110, "levels": 20, "investment": 1000,
                               "trailingUp": True, "stopLoss": 80, "takeProfit": 120}, "spot"),
    ("grid, 200 levels", grid, {"lower": 50, "upper": 150, "levels": 200, "investment": 100000}, "spot"),
    ("btd, 20 levels", btd, {"lower": 90, "upper": 110, "levels": 20, "investment": 10,
                             "trailingDown": True}, "spot"),
    ("loop, 20 orders", loop, {"gap": 0.01, "orders": 20, "investment": 1000}, "spot"),
    ("dca, 5 SOs", dca, {"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 5,
                         "activeSafetyOrders": 2}, "spot"),
    ("dca_futures, 5 SOs", dca_futures, {"baseOrder": 100, "safetyOrder": 100, "maxSafetyOrders": 5,
                                         "activeSafetyOrders": 2, "leverage": 3}, "futures"),
    ("combo, 20 orders", combo, {"step": 0.005, "levels": 20, "leverage": 2, "investment": 1000}, "futures"),
]


def per_call(fn, number: int = 20000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    for name, bot, params, market in CASES:
        sim = Sim(bot, params, rules=RULES, market=market)
        sim.step(100.0)
        sim.step(100.0)
        ctx = sim.ctx()
        df = frame([sim.time - 60_000, sim.time], [100.0, 100.2], [100.0, 100.4], [100.0, 99.9])
        light = {"time": [sim.time], "close": [100.2], "high": [100.4], "low": [99.9]}
        assert bot.main(df, ctx) == []
        print(f"{name:22s} no fills: {per_call(lambda: bot.main(df, ctx)):6.1f} µs (DataFrame), "
              f"{per_call(lambda: bot.main(light, ctx)):6.1f} µs (dict)")
    # one fill: the grid answers it with a counter-order (each call on a fresh copy of the state)
    sim = Sim(grid, CASES[0][2], rules=RULES)
    sim.step(100.0)
    sim.step(100.0)
    sim.fill(sim.open[0]["tag"])
    ctx = sim.ctx()
    df = frame([sim.time - 60_000, sim.time], [100.0, 99.0], [100.0, 100.4], [100.0, 89.0])
    n = 5000
    best = float("inf")
    for _ in range(5):
        states = [copy.deepcopy(sim.state) for _ in range(n)]
        t0 = timeit.default_timer()
        for st in states:
            ctx.state = st
            grid.main(df, ctx)
        best = min(best, (timeit.default_timer() - t0) / n * 1e6)
    print(f"{'grid, 20 levels':22s} one fill: {best:6.1f} µs (DataFrame)")
    print(f"{'last_bar':22s}         : {per_call(lambda: last_bar(df)):6.1f} µs (DataFrame)")


if __name__ == "__main__":
    main()
