"""A symbol's trading rules: tick and lot rounding, minimums and fees (ctx.rules)."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Mapping, Optional, Union

from tradekit.bots.errors import BotConfigError
from tradekit.bots.params import fmt

_KEYS = ("tick_size", "lot_step", "min_qty", "min_notional", "maker_fee", "taker_fee", "mmr")
_EPS = 1e-9  # tolerance in steps: 2.9999999999 lots is 3 lots


def _decimals(step: float) -> int:
    if step <= 0:
        return 0
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


class Rules:
    """Rounding and limits of one symbol. 0 means "no rule" (no rounding, no minimum, no fee).

    Prices round to the tick (nearest, or down/up where the bot says which way favours it);
    quantities round down to the lot step, as ORDERS.md says: an order is never rounded up
    past what the bot can pay for.
    """

    __slots__ = ("tick_size", "lot_step", "min_qty", "min_notional", "maker_fee", "taker_fee",
                 "mmr", "_pd", "_qd")

    def __init__(self, tick_size: float = 0.0, lot_step: float = 0.0, min_qty: float = 0.0,
                 min_notional: float = 0.0, maker_fee: float = 0.0, taker_fee: float = 0.0,
                 mmr: float = 0.005) -> None:
        values = (tick_size, lot_step, min_qty, min_notional, maker_fee, taker_fee, mmr)
        for key, value in zip(_KEYS, values):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise BotConfigError(f"rules.{key}", f"must be a finite number >= 0, got {value!r}")
        for key, value in (("maker_fee", maker_fee), ("taker_fee", taker_fee), ("mmr", mmr)):
            if value >= 0.5:
                raise BotConfigError(f"rules.{key}", f"is a fraction (0.001 = 0.1%), got {value!r}")
        self.tick_size, self.lot_step = float(tick_size), float(lot_step)
        self.min_qty, self.min_notional = float(min_qty), float(min_notional)
        self.maker_fee, self.taker_fee, self.mmr = float(maker_fee), float(taker_fee), float(mmr)
        self._pd = _decimals(self.tick_size)
        self._qd = _decimals(self.lot_step)

    @staticmethod
    def of(raw: Union["Rules", Mapping[str, Any], None]) -> "Rules":
        """Rules from ctx.rules (a dict; missing keys are "no rule", mmr defaults to 0.005)."""
        if isinstance(raw, Rules):
            return raw
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise BotConfigError("rules", "must be an object")
        key = tuple(raw.get(k) for k in _KEYS)
        hit = _CACHE.get(key)
        if hit is None:
            args = {k: v for k, v in zip(_KEYS, key) if v is not None}
            hit = Rules(**args)
            if len(_CACHE) > 256:
                _CACHE.clear()
            _CACHE[key] = hit
        return hit

    def price(self, p: float, mode: str = "nearest") -> float:
        """`p` on the tick grid: "nearest", "down" or "up". Without a tick, 12 significant
        digits (so formulas do not leave 109.99999999999999 in orders and state)."""
        tick = self.tick_size
        if tick <= 0:
            return float(f"{p:.12g}")
        x = p / tick
        if mode == "nearest":
            n = math.floor(x + 0.5)
        elif mode == "down":
            n = math.floor(x + _EPS)
        else:
            n = math.ceil(x - _EPS)
        return round(n * tick, self._pd)

    def qty(self, q: float, up: bool = False) -> float:
        """`q` on the lot grid, rounded down (or up, for a market sell that must raise enough)."""
        step = self.lot_step
        if step <= 0:
            return q
        x = q / step
        n = math.ceil(x - _EPS) if up else math.floor(x + _EPS)
        return round(n * step, self._qd)

    def problem(self, qty: float, price: float) -> Optional[str]:
        """Why an order of `qty` at `price` would be rejected, or None when it is valid."""
        if not qty > 0:
            return f"its quantity rounds to 0 at the lot step {fmt(self.lot_step)}"
        if qty < self.min_qty:
            return f"its quantity {fmt(qty)} is below the minimum quantity {fmt(self.min_qty)}"
        if qty * price < self.min_notional:
            return (f"{fmt(qty)} at {fmt(price)} = {fmt(qty * price)} is below the minimum "
                    f"notional {fmt(self.min_notional)}")
        return None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in _KEYS}


_CACHE: dict = {}
