"""SMA(3)/SMA(5) crossover for the parity test: BUY on an upward cross, SELL on a downward one."""


def main(data, ctx):
    fast = data["close"].rolling(3).mean()
    slow = data["close"].rolling(5).mean()
    if fast.iloc[-2] <= slow.iloc[-2] and fast.iloc[-1] > slow.iloc[-1]:
        return {"action": "BUY"}
    if fast.iloc[-2] >= slow.iloc[-2] and fast.iloc[-1] < slow.iloc[-1]:
        return {"action": "SELL"}
    return None
