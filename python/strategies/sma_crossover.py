"""SMA crossover: the seed's example strategy, unchanged in behaviour.

Buys when the 20-candle SMA crosses above the 50-candle SMA, sells on the opposite cross.
"""
import pandas as pd


def main(data):
    data['SMA_20'] = data['close'].rolling(window=20).mean()
    data['SMA_50'] = data['close'].rolling(window=50).mean()

    last = data.iloc[-1]
    prev = data.iloc[-2]

    if prev['SMA_20'] <= prev['SMA_50'] and last['SMA_20'] > last['SMA_50']:
        entry = float(last['close'])
        return {"action": "BUY", "entryPrice": entry,
                "stopLoss": entry * 0.98, "takeProfit": entry * 1.04}
    if prev['SMA_20'] >= prev['SMA_50'] and last['SMA_20'] < last['SMA_50']:
        entry = float(last['close'])
        return {"action": "SELL", "entryPrice": entry,
                "stopLoss": entry * 1.02, "takeProfit": entry * 0.96}
    return {"action": "HOLD"}
