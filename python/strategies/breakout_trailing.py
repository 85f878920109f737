"""Breakout with a resting stop entry and a trailing stop (order level; spot or futures).

While flat, a stop-market buy (tag "entry") rests `buffer` above the highest high of the last
`lookback` candles; when that level moves, the order is cancelled and placed again under the same
tag. Once the entry fills, a stop-market sell (tag "trail") rests `trail` below the highest close
since the entry, for everything held (reduce-only on futures); each time that level rises the
stop is cancelled and replaced by tag. When the trailing stop (or a liquidation) fills, the
strategy is flat and waits for the next breakout.

Sizes come from ctx.account, the strategy's reference account: the entry spends `size` of the free
quote (on futures, times the account's leverage). Every subscriber mirrors these orders scaled by
its capital. Pure Python (no pandas calls): it runs at every isolation level.

params: lookback (20), buffer (0.001), trail (0.03), size (0.95), leverage (futures, 1).
"""
import math

from tradekit import cancel, stop_buy, stop_sell


def _tick(ctx, price, up):
    """`price` on the symbol's tick (up or down), so a resting order's price compares equal."""
    tick = float((getattr(ctx, "rules", None) or {}).get("tick_size") or 0)
    if tick <= 0:
        return round(price, 8)
    steps = price / tick
    return round((math.ceil(steps - 1e-9) if up else math.floor(steps + 1e-9)) * tick, 12)


def main(data, ctx):
    account = getattr(ctx, "account", None) if ctx is not None else None
    if account is None:
        return None  # a signal-only caller (no order level): nothing to do
    p = ctx.params
    lookback = int(p.get("lookback", 20))
    buffer = float(p.get("buffer", 0.001))
    trail = float(p.get("trail", 0.03))
    size = float(p.get("size", 0.95))
    high, close = list(data["high"]), list(data["close"])  # a DataFrame's columns or plain lists
    if len(close) < lookback:
        return None
    state = ctx.state
    futures = account.market == "futures"
    open_tags = {o["tag"]: o for o in account.open_orders}
    if futures:
        held = (account.position or {}).get("qty", 0.0)
    else:
        base = account.balances["base"]
        held = base["free"] + base["reserved"]
    last = float(close[-1])

    if held <= 0:
        state.pop("peak", None)
        out = [cancel("trail")] if "trail" in open_tags else []
        level = _tick(ctx, max(float(h) for h in high[-lookback:]) * (1 + buffer), up=True)
        entry = open_tags.get("entry")
        if entry is not None and abs(entry["stop_price"] - level) <= 1e-9 * level:
            return out or None
        if entry is not None:
            out.append(cancel("entry"))
        # Flat, so what is reserved is the entry's own reservation, free again once it is cancelled.
        # On futures `quote` is the notional: `leverage` (a param, 1 by default) times the margin.
        funds = account.balances["quote"]["free"] + account.balances["quote"]["reserved"]
        quote = funds * size * (float(p.get("leverage", 1.0)) if futures else 1.0)
        if quote > 0:
            out.append(stop_buy("entry", level, quote=quote))
        return out or None

    # In a position: trail the stop below the highest close since the entry.
    peak = max(float(state.get("peak", 0.0)), last)
    state["peak"] = peak
    stop = _tick(ctx, peak * (1 - trail), up=False)
    current = open_tags.get("trail")
    if current is not None and current["stop_price"] >= stop - 1e-9 * stop and current["quantity"] >= held:
        return None
    out = [cancel("trail")] if current is not None else []
    out.append(stop_sell("trail", stop, held, reduce_only=futures))
    return out
