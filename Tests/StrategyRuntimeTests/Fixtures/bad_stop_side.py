def main(data):
    close = float(data["close"].iloc[-1])
    return {"action": "BUY", "stopLoss": close * 1.05}
