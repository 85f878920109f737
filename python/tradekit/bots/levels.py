"""Price lines of grid-like bots: spacing, the line nearest a price, and step checks."""
from __future__ import annotations

from typing import List, Sequence

from tradekit.bots.errors import BotConfigError
from tradekit.bots.params import fmt
from tradekit.bots.rules import Rules

FEE_MARGIN = 2.01  # a step must beat a round trip's two fees, with a little to spare


class Ladder:
    """Line index -> price, for any integer index (trailing extends a grid past its bounds).

    - "arithmetic": `p_i = a + b·i/c` (a = lower, b = upper - lower, c = N - 1);
    - "geometric":  `p_i = a·b^(i/c)` (a = lower, b = upper / lower, c = N - 1);
    - "combo":      `p_i = a·(1 + b)^i` above the start price a, `a·(1 - b)^(-i)` below it.

    Stored in state as `[kind, a, b, c]`.
    """

    __slots__ = ("kind", "a", "b", "c")

    def __init__(self, kind: str, a: float, b: float, c: float = 1.0) -> None:
        self.kind, self.a, self.b, self.c = kind, float(a), float(b), float(c)

    @staticmethod
    def grid(lower: float, upper: float, n: int, spacing: str) -> "Ladder":
        if spacing == "geometric":
            return Ladder("geometric", lower, upper / lower, n - 1)
        return Ladder("arithmetic", lower, upper - lower, n - 1)

    @staticmethod
    def load(spec: Sequence) -> "Ladder":
        return Ladder(spec[0], spec[1], spec[2], spec[3])

    def dump(self) -> list:
        return [self.kind, self.a, self.b, self.c]

    def raw(self, i: int) -> float:
        if self.kind == "arithmetic":
            return self.a + self.b * i / self.c
        if self.kind == "geometric":
            return self.a * self.b ** (i / self.c)
        if i >= 0:
            return self.a * (1.0 + self.b) ** i
        return self.a * (1.0 - self.b) ** (-i)

    def price(self, i: int, rules: Rules) -> float:
        """Line i rounded to the tick."""
        return rules.price(self.raw(i))

    def prices(self, lo: int, hi: int, rules: Rules) -> List[float]:
        """Lines lo..hi inclusive, rounded."""
        return [rules.price(self.raw(i)) for i in range(lo, hi + 1)]


def nearest(prices: Sequence[float], p: float) -> int:
    """Index of the line nearest `p` (ascending prices; a tie goes to the lower line)."""
    best, gap = 0, abs(prices[0] - p)
    for i in range(1, len(prices)):
        d = abs(prices[i] - p)
        if d < gap:
            best, gap = i, d
    return best


def check_steps(prices: Sequence[float], fee: float, field: str) -> None:
    """Every step between neighbours, after tick rounding, is positive and at least
    FEE_MARGIN × fee (relative to the lower line: what one round trip earns before fees)."""
    need = FEE_MARGIN * fee
    for lo, hi in zip(prices, prices[1:]):
        if hi <= lo:
            raise BotConfigError(field, f"two lines round to the same price {fmt(lo)} at this tick "
                                        "size: use fewer levels or a wider range")
        if hi / lo - 1.0 < need:
            raise BotConfigError(field, f"the step from {fmt(lo)} to {fmt(hi)} is "
                                        f"{fmt(100 * (hi / lo - 1))}%, below {FEE_MARGIN} × the fee "
                                        f"({fmt(100 * need)}%): a round trip would not beat its "
                                        "fees; use fewer levels or a wider range")
