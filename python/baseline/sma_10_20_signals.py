"""SMA(10, 20) crossover as prepare + signals: backtesting.py's SmaCross (lib.crossover: strictly
below on the previous candle, strictly above on this one), for `tradectl bench backtest`."""
import numpy as np


def prepare(data, ctx):
    data["fast"] = data["close"].rolling(10).mean()
    data["slow"] = data["close"].rolling(20).mean()


def signals(data, ctx):
    fast, slow = data["fast"].to_numpy(), data["slow"].to_numpy()
    pf, ps = np.roll(fast, 1), np.roll(slow, 1)
    pf[0] = ps[0] = np.nan
    return np.where((pf < ps) & (fast > slow), 1, np.where((pf > ps) & (fast < slow), -1, 0))
