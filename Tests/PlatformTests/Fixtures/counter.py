"""Counts its calls in ctx.state and buys with a stop on every call."""


def main(data, ctx):
    ctx.state["calls"] = ctx.state.get("calls", 0) + 1
    close = float(data["close"].iloc[-1])
    return {"action": "BUY", "stopLoss": close * 0.9}
