"""SMA crossover with its windows in ctx.params (`fast`, default 10; `slow`, default 20), as
prepare + signals: the strategy the README's `tradectl backtest --sweep` example sweeps.

A BUY when the fast average crosses above the slow one (strictly below on the previous candle,
strictly above on this one), a SELL on the opposite cross; each reverses the position.
"""
import numpy as np


def prepare(data, ctx):
    fast = int(ctx.params.get("fast", 10))
    slow = int(ctx.params.get("slow", 20))
    data["fast"] = data["close"].rolling(fast).mean()
    data["slow"] = data["close"].rolling(slow).mean()


def signals(data, ctx):
    fast, slow = data["fast"].to_numpy(), data["slow"].to_numpy()
    pf, ps = np.roll(fast, 1), np.roll(slow, 1)
    pf[0] = ps[0] = np.nan
    return np.where((pf < ps) & (fast > slow), "BUY", np.where((pf > ps) & (fast < slow), "SELL", None))
