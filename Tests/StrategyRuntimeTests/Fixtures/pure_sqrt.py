import math


def main(data):
    return {"action": "BUY", "entryPrice": math.sqrt(16.0) * 0 + data["close"][-1]}
