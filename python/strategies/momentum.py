"""Pure-Python momentum, for isolation 'subinterpreter': no numpy, no pandas.

Goes long when the close is above its level `lookback` candles ago by more than `threshold`,
short when below by as much, and remembers its last action in ctx.state.
"""


def main(data, ctx):
    lookback = int(ctx.params.get("lookback", 10))
    threshold = float(ctx.params.get("threshold", 0.01))
    close = data["close"]
    if len(close) <= lookback:
        return None
    change = close[-1] / close[-1 - lookback] - 1.0
    last = ctx.state.get("last")
    if change > threshold and last != "BUY":
        ctx.state["last"] = "BUY"
        return {"action": "BUY", "stopLoss": close[-1] * 0.97}
    if change < -threshold and last != "SELL":
        ctx.state["last"] = "SELL"
        return {"action": "SELL", "stopLoss": close[-1] * 1.03}
    return None
