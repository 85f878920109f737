"""Order-intent helpers: the dicts `main` returns to place, cancel and cancel all orders.

Each helper checks what the platform checks (finite positive numbers, exactly one of `quantity`
in base units or `quote` in quote currency, a tag of 1-36 characters of A-Z a-z 0-9 _ . : -) and
raises ValueError/TypeError at the line that built the bad intent, before the platform rejects it
as `invalid-signal`. Prices are not rounded here: the platform rounds to the symbol's tick and lot
step (see ctx.rules) on the reference account and on every subscriber's.
"""
from __future__ import annotations

import re
from typing import Optional

from tradekit.signals import _price

_TAG = re.compile(r"[A-Za-z0-9_.:-]{1,36}")


def _tag(tag: str) -> str:
    if not isinstance(tag, str):
        raise TypeError(f"tag must be a string, got {type(tag).__name__}")
    if not _TAG.fullmatch(tag):
        raise ValueError(f"tag {tag!r} must be 1-36 characters of A-Z a-z 0-9 _ . : -")
    return tag


def _order(action: str, kind: str, tag: str, quantity: Optional[float], quote: Optional[float],
           reduce_only: bool, **prices: Optional[float]) -> dict:
    if (quantity is None) == (quote is None):
        raise ValueError("give exactly one of quantity (base) or quote")
    out: dict = {"action": action, "type": kind, "tag": _tag(tag)}
    for key, value in prices.items():
        out[key] = _price(key, value)
    if quantity is not None:
        out["quantity"] = _price("quantity", quantity)
    else:
        out["quote"] = _price("quote", quote)
    if reduce_only:
        out["reduceOnly"] = True
    return out


def market_buy(tag: str, quantity: Optional[float] = None, *, quote: Optional[float] = None,
               reduce_only: bool = False) -> dict:
    """Buy at this candle's close (plus slippage)."""
    return _order("BUY", "market", tag, quantity, quote, reduce_only)


def market_sell(tag: str, quantity: Optional[float] = None, *, quote: Optional[float] = None,
                reduce_only: bool = False) -> dict:
    """Sell at this candle's close (minus slippage)."""
    return _order("SELL", "market", tag, quantity, quote, reduce_only)


def limit_buy(tag: str, price: float, quantity: Optional[float] = None, *, quote: Optional[float] = None,
              reduce_only: bool = False) -> dict:
    """Rest a buy at `price` or lower; live from the next candle."""
    return _order("BUY", "limit", tag, quantity, quote, reduce_only, price=price)


def limit_sell(tag: str, price: float, quantity: Optional[float] = None, *, quote: Optional[float] = None,
               reduce_only: bool = False) -> dict:
    """Rest a sell at `price` or higher; live from the next candle."""
    return _order("SELL", "limit", tag, quantity, quote, reduce_only, price=price)


def stop_buy(tag: str, stop_price: float, quantity: Optional[float] = None, *, quote: Optional[float] = None,
             reduce_only: bool = False) -> dict:
    """A market buy triggered when the price trades at or above `stop_price` (a breakout entry)."""
    return _order("BUY", "stop", tag, quantity, quote, reduce_only, stopPrice=stop_price)


def stop_sell(tag: str, stop_price: float, quantity: Optional[float] = None, *, quote: Optional[float] = None,
              reduce_only: bool = False) -> dict:
    """A market sell triggered when the price trades at or below `stop_price` (a stop-loss)."""
    return _order("SELL", "stop", tag, quantity, quote, reduce_only, stopPrice=stop_price)


def cancel(tag: str) -> dict:
    """Cancel the open order with this tag (nothing happens if none is open)."""
    return {"action": "CANCEL", "tag": _tag(tag)}


def cancel_all() -> dict:
    """Cancel every open order of the account on this symbol."""
    return {"action": "CANCEL_ALL"}
