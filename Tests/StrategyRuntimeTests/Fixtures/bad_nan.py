def main(data):
    return {"action": "BUY", "entryPrice": float("nan")}
