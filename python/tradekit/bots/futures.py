"""Isolated-margin futures arithmetic (ORDERS.md): the liquidation price, one function."""
from __future__ import annotations

from typing import List, Sequence, Tuple

from tradekit.bots.errors import BotConfigError
from tradekit.bots.params import fmt


def liquidation_price(direction: str, qty: float, entry: float, margin: float, mmr: float,
                      cum: float = 0.0) -> float:
    """Liquidation price of an isolated position (quantity > 0, average entry, margin):

    - long:  `LP = (Q·EP − M − cum) / (Q·(1 − MMR))`
    - short: `LP = (Q·EP + M + cum) / (Q·(1 + MMR))`

    0.0 for a long that cannot be liquidated (LP ≤ 0) or an empty position.
    """
    if qty <= 0:
        return 0.0
    if direction == "long":
        return max(0.0, (qty * entry - margin - cum) / (qty * (1.0 - mmr)))
    return (qty * entry + margin + cum) / (qty * (1.0 + mmr))


def sign(direction: str) -> float:
    return 1.0 if direction == "long" else -1.0


def ladder_liquidations(direction: str, entries: Sequence[Tuple[float, float]], leverage: float,
                        mmr: float, field: str = "leverage") -> List[dict]:
    """Walk a position filled in order by `entries` (price, qty), each adding notional / leverage
    margin. After each fill, the liquidation price must lie beyond the next entry (a long is not
    liquidated before its next buy fills); else BotConfigError on `field`. Returns, per fill, the
    position then: qty, average entry, margin and liquidation price."""
    qty = cost = 0.0
    out: List[dict] = []
    for k, (price, q) in enumerate(entries):
        qty += q
        cost += q * price
        margin = cost / leverage
        avg = cost / qty
        lp = liquidation_price(direction, qty, avg, margin, mmr)
        out.append({"quantity": qty, "averageEntry": avg, "margin": margin, "liquidationPrice": lp})
        if k + 1 < len(entries):
            nxt = entries[k + 1][0]
            if (direction == "long" and lp >= nxt) or (direction == "short" and lp <= nxt):
                raise BotConfigError(field, f"at {fmt(leverage)}x the position would be liquidated at "
                                            f"{fmt(lp)} before its order at {fmt(nxt)} fills: lower "
                                            "the leverage or narrow the orders")
    return out
