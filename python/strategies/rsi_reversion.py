"""RSI mean reversion with TA-Lib: buy oversold, sell overbought, close back at the middle."""
import numpy as np
import talib


def main(data, ctx=None):
    params = ctx.params if ctx is not None else {}
    period = int(params.get("period", 14))
    low, high = float(params.get("oversold", 30)), float(params.get("overbought", 70))

    close = data["close"].to_numpy(dtype=np.float64)
    if len(close) <= period + 1:
        return None
    rsi = talib.RSI(close, timeperiod=period)
    now, before = rsi[-1], rsi[-2]
    price = float(close[-1])
    atr = float(talib.ATR(data["high"].to_numpy(), data["low"].to_numpy(), close, timeperiod=period)[-1])

    if before < low <= now:
        return {"action": "BUY", "stopLoss": price - 2 * atr, "takeProfit": price + 3 * atr, "reason": f"RSI {now:.1f}"}
    if before > high >= now:
        return {"action": "SELL", "stopLoss": price + 2 * atr, "takeProfit": price - 3 * atr, "reason": f"RSI {now:.1f}"}
    return None
