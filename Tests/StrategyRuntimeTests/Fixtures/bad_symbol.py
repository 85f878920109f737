def main(data):
    return {"action": "SELL", "symbol": "ETHUSDT"}
