"""Safety-order ladders of DCA-like bots (BOTS.md, DCA)."""
from __future__ import annotations

from typing import List, NamedTuple

from tradekit.bots.rules import Rules


class SafetyOrder(NamedTuple):
    n: int           # 1-based
    deviation: float  # D_n, a fraction of the base order's price
    price: float     # rounded to the tick
    quote: float     # SO · v^(n−1), before lot rounding
    qty: float       # quote / price, rounded down to the lot


def deviation(n: int, d: float, s: float) -> float:
    """Total deviation of safety order n: `D_n = d·(sⁿ − 1)/(s − 1)`, `n·d` when s = 1."""
    if s == 1.0:
        return n * d
    return d * (s ** n - 1.0) / (s - 1.0)


def safety_order(n: int, p0: float, so: float, d: float, s: float, v: float, direction: str,
                 rules: Rules) -> SafetyOrder:
    """Safety order n of a deal whose base order filled at `p0` (long: below it; short: above)."""
    dev = deviation(n, d, s)
    price = rules.price(p0 * (1.0 - dev) if direction == "long" else p0 * (1.0 + dev))
    quote = so * v ** (n - 1)
    return SafetyOrder(n, dev, price, quote, rules.qty(quote / price) if price > 0 else 0.0)


def ladder(count: int, p0: float, so: float, d: float, s: float, v: float, direction: str,
           rules: Rules) -> List[SafetyOrder]:
    return [safety_order(n, p0, so, d, s, v, direction, rules) for n in range(1, count + 1)]


def max_capital(bo: float, so: float, count: int, v: float) -> float:
    """`BO + SO·(v^N − 1)/(v − 1)` (`BO + SO·N` when v = 1): the quote (or notional) of a deal
    whose every safety order filled."""
    if count == 0:
        return bo
    if v == 1.0:
        return bo + so * count
    return bo + so * (v ** count - 1.0) / (v - 1.0)
