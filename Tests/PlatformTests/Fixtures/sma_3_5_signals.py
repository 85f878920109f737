"""sma_3_5 as prepare + signals, for the vectorised backtest's parity test."""
import numpy as np


def prepare(data, ctx):
    data["fast"] = data["close"].rolling(3).mean()
    data["slow"] = data["close"].rolling(5).mean()


def signals(data, ctx):
    fast, slow = data["fast"], data["slow"]
    up = (fast.shift(1) <= slow.shift(1)) & (fast > slow)
    down = (fast.shift(1) >= slow.shift(1)) & (fast < slow)
    return np.where(up, 1, np.where(down, -1, 0))
