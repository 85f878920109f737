"""SMA crossover, vectorised: the seed's strategy as prepare + signals.

prepare adds the two averages; signals returns the whole column of actions with stops and
take-profits. Live, the platform runs both on each window and trades the last row; a backtest
evaluates them once over the whole history.
"""
import numpy as np
import pandas as pd


def prepare(data, ctx):
    data["SMA_20"] = data["close"].rolling(window=20).mean()
    data["SMA_50"] = data["close"].rolling(window=50).mean()
    return data


def signals(data, ctx):
    fast, slow = data["SMA_20"], data["SMA_50"]
    up = (fast.shift(1) <= slow.shift(1)) & (fast > slow)
    down = (fast.shift(1) >= slow.shift(1)) & (fast < slow)
    close = data["close"]
    return pd.DataFrame({
        "action": np.where(up, "BUY", np.where(down, "SELL", None)),
        "stopLoss": np.where(up, close * 0.98, np.where(down, close * 1.02, np.nan)),
        "takeProfit": np.where(up, close * 1.04, np.where(down, close * 0.96, np.nan)),
    }, index=data.index)
