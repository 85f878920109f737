def main(data):
    close = float(data["close"].iloc[-1])
    return {"action": "BUY", "stopLoss": close * 0.99, "takeProfit": close * 1.02}
