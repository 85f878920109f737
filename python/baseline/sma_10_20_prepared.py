"""SMA(10, 20) crossover as prepare + main (the same decisions as sma_10_20_signals.py), for
`tradectl bench backtest`: the indicators once, then main reads the last two rows per candle."""


def prepare(data, ctx):
    data["fast"] = data["close"].rolling(10).mean()
    data["slow"] = data["close"].rolling(20).mean()


def main(data, ctx):
    fast, slow = data["fast"].to_numpy(), data["slow"].to_numpy()
    if fast[-2] < slow[-2] and fast[-1] > slow[-1]:
        return {"action": "BUY"}
    if fast[-2] > slow[-2] and fast[-1] < slow[-1]:
        return {"action": "SELL"}
    return None
