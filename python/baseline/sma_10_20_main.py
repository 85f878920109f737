"""SMA(10, 20) crossover in the seed's one-function form, for `tradectl bench backtest`."""


def main(data):
    fast = data["close"].rolling(10).mean()
    slow = data["close"].rolling(20).mean()
    if fast.iloc[-2] < slow.iloc[-2] and fast.iloc[-1] > slow.iloc[-1]:
        return {"action": "BUY"}
    if fast.iloc[-2] > slow.iloc[-2] and fast.iloc[-1] < slow.iloc[-1]:
        return {"action": "SELL"}
    return None
