"""Looks ahead: buys when the next candle's close is higher (shift(-1))."""
import numpy as np


def signals(data, ctx):
    nxt = data["close"].shift(-1)
    return np.where(nxt > data["close"], "BUY", np.where(nxt < data["close"], "SELL", None))
