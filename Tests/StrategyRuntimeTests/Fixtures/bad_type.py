def main(data):
    return {"action": "BUY", "stopLoss": "95"}
