"""Signal helpers: small constructors for the dicts `main` returns."""
from __future__ import annotations

import math
from typing import Optional

ACTIONS = ("BUY", "SELL", "CLOSE", "HOLD")


def _price(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return value


def _signal(action: str, entry: Optional[float], stop: Optional[float], take: Optional[float]) -> dict:
    out: dict = {"action": action}
    for key, value in (("entryPrice", entry), ("stopLoss", stop), ("takeProfit", take)):
        checked = _price(key, value)
        if checked is not None:
            out[key] = checked
    e, s, t = out.get("entryPrice"), out.get("stopLoss"), out.get("takeProfit")
    if e is not None and action == "BUY":
        if s is not None and s >= e:
            raise ValueError("a BUY's stopLoss must be below its entry")
        if t is not None and t <= e:
            raise ValueError("a BUY's takeProfit must be above its entry")
    if e is not None and action == "SELL":
        if s is not None and s <= e:
            raise ValueError("a SELL's stopLoss must be above its entry")
        if t is not None and t >= e:
            raise ValueError("a SELL's takeProfit must be below its entry")
    return out


def buy(entry: Optional[float] = None, stop_loss: Optional[float] = None, take_profit: Optional[float] = None) -> dict:
    """Open long (closing any short first)."""
    return _signal("BUY", entry, stop_loss, take_profit)


def sell(entry: Optional[float] = None, stop_loss: Optional[float] = None, take_profit: Optional[float] = None) -> dict:
    """Open short (closing any long first); only closes where shorts are not allowed."""
    return _signal("SELL", entry, stop_loss, take_profit)


def close() -> dict:
    """Close the position."""
    return {"action": "CLOSE"}


def hold() -> dict:
    """Do nothing."""
    return {"action": "HOLD"}
