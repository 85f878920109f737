"""sma_3_5 as prepare + main, for the vectorised backtest's parity test."""


def prepare(data, ctx):
    data["fast"] = data["close"].rolling(3).mean()
    data["slow"] = data["close"].rolling(5).mean()
    return data


def main(data, ctx):
    fast, slow = data["fast"].to_numpy(), data["slow"].to_numpy()
    if fast[-2] <= slow[-2] and fast[-1] > slow[-1]:
        return {"action": "BUY"}
    if fast[-2] >= slow[-2] and fast[-1] < slow[-1]:
        return {"action": "SELL"}
    return None
