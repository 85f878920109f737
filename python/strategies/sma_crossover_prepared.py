"""SMA crossover as prepare + main: the indicators once, the decision per candle.

prepare adds the averages (live: on each window; in a backtest: once over the whole history),
and main reads the last two rows of the prepared window, like the seed's main.
"""


def prepare(data, ctx):
    data["SMA_20"] = data["close"].rolling(window=20).mean()
    data["SMA_50"] = data["close"].rolling(window=50).mean()
    return data


def main(data, ctx):
    fast, slow, close = data["SMA_20"].to_numpy(), data["SMA_50"].to_numpy(), data["close"].to_numpy()
    if fast[-2] <= slow[-2] and fast[-1] > slow[-1]:
        entry = float(close[-1])
        return {"action": "BUY", "entryPrice": entry, "stopLoss": entry * 0.98, "takeProfit": entry * 1.04}
    if fast[-2] >= slow[-2] and fast[-1] < slow[-1]:
        entry = float(close[-1])
        return {"action": "SELL", "entryPrice": entry, "stopLoss": entry * 1.02, "takeProfit": entry * 0.96}
    return None
