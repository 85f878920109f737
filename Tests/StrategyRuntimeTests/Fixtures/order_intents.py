# Returns order intents (ORDERS.md) beside a signal; `ctx.params["bad"]` picks one broken intent.
BAD = {
    "no_tag": {"action": "BUY", "type": "limit", "price": 99.5, "quantity": 0.01},
    "bad_tag": {"action": "BUY", "type": "limit", "price": 99.5, "quantity": 0.01, "tag": "no spaces"},
    "bad_type": {"action": "BUY", "type": "iceberg", "quantity": 0.01, "tag": "a"},
    "both": {"action": "BUY", "type": "market", "quantity": 0.01, "quote": 10.0, "tag": "a"},
    "neither": {"action": "BUY", "type": "market", "tag": "a"},
    "limit_no_price": {"action": "SELL", "type": "limit", "quantity": 1.0, "tag": "a"},
    "stop_no_stop": {"action": "SELL", "type": "stop", "quantity": 1.0, "tag": "a"},
    "market_price": {"action": "BUY", "type": "market", "quantity": 1.0, "price": 5.0, "tag": "a"},
    "nan_price": {"action": "BUY", "type": "limit", "price": float("nan"), "quantity": 1.0, "tag": "a"},
    "huge_qty": {"action": "BUY", "type": "limit", "price": 1.0, "quantity": 1e300, "tag": "a"},
    "reduce_str": {"action": "SELL", "type": "stop", "stopPrice": 95.0, "quantity": 1.0, "reduceOnly": "yes", "tag": "a"},
    "unknown": {"action": "BUY", "type": "limit", "price": 1.0, "quantity": 1.0, "tag": "a", "postOnly": True},
    "cancel_no_tag": {"action": "CANCEL"},
    "wrong_symbol": {"action": "CANCEL_ALL", "symbol": "ETHUSDT"},
}


def main(data, ctx):
    bad = ctx.params.get("bad")
    if bad:
        return [{"action": "HOLD"}, BAD[bad]]
    return [
        {"action": "BUY", "type": "limit", "price": 99.5, "quantity": 0.01, "tag": "g3"},
        {"action": "SELL", "type": "stop", "stopPrice": 95.0, "quantity": 0.01, "reduceOnly": True, "tag": "sl"},
        {"action": "buy", "type": "MARKET", "quote": 100.0, "tag": "bo"},
        {"action": "CANCEL", "tag": "g3"},
        {"action": "CANCEL_ALL"},
        {"action": "BUY", "stopLoss": float(data["close"].iloc[-1]) * 0.9},
    ]
