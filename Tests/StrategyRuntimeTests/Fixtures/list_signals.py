def main(data):
    close = float(data["close"].iloc[-1])
    return [{"action": "CLOSE"}, {"action": "sell", "stopLoss": close * 1.01, "takeProfit": close * 0.9}, {"action": "HOLD"}]
