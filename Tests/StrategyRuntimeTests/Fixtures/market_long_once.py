# Order level: one market buy of `notional` quote at the first close, then nothing (a leveraged
# long for liquidation tests).
def main(data, ctx):
    if ctx.state.get("done"):
        return None
    ctx.state["done"] = True
    return {"action": "BUY", "type": "market", "quote": float(ctx.params.get("notional", 1000)), "tag": "long"}
