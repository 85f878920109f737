def main(data):
    # 1e-320 is finite and > 0, but a subnormal: sizing on it overflowed to inf before issue 12.
    return {"action": "BUY", "stopLoss": 1e-320}
