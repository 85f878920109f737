"""Profit accounting, kept by the bot in `state["stats"]` (the contract's bot statistics).

Grid-like bots account per lot: every closing order carries its lot's basis, and its fill
realises the difference. Three lot modes:

- "long":  buys open lots, sells close them; profit in quote (basis = quote spent incl. fee);
- "short": sells open lots, buys close them; profit in quote (basis = quote received net of fee);
- "base":  sells open, buys close; profit in base (basis = base sold; the buy spends what the
  sell received, so its fee is inside the quantity).

An initial lot (bought or sold at market at the start) has basis None and is valued at the start
fill, `state["ini"] = [price, fee per unit]`. Market exits are booked at once at the close
(their fill comes with the next call) and corrected when the fill arrives (`state["px"]`).
"""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Tuple

from tradekit.bots.fills import Fill

CLOSING = {"long": "s", "short": "b", "base": "b"}


def new_stats(currency: str, counter: str) -> dict:
    return {"realised": 0.0, counter: 0, "fees": 0.0, "currency": currency}


def add_fee(state: dict, fee: float, price: float) -> None:
    """Count a fee (charged in quote) in the stats' currency."""
    stats = state["stats"]
    stats["fees"] += fee if stats["currency"] == "quote" else fee / price


def realise(state: dict, profit: float, trip: bool = True) -> None:
    """Book realised profit; `trip` counts a completed round trip or deal."""
    stats = state["stats"]
    stats["realised"] += profit
    if trip:
        key = "deals" if "deals" in stats else "round_trips"
        stats[key] += 1


def opening_basis(mode: str, fill: Fill) -> float:
    """What the lot opened by `fill` is closed against."""
    if mode == "long":
        return fill.qty * fill.price + fill.fee
    if mode == "short":
        return fill.qty * fill.price - fill.fee
    return fill.qty


def lot_profit(mode: str, basis: Optional[float], lot_qty: float, fill: Fill, ini: list) -> float:
    """Realised profit of closing a lot of `lot_qty` (basis `basis`) by `fill`."""
    share = fill.qty / lot_qty if lot_qty > 0 else 1.0
    if mode == "long":
        cost = fill.qty * (ini[0] + ini[1]) if basis is None else basis * share
        return fill.qty * fill.price - fill.fee - cost
    if mode == "short":
        got = fill.qty * (ini[0] - ini[1]) if basis is None else basis * share
        return got - fill.qty * fill.price - fill.fee
    sold = (fill.qty * fill.price + fill.fee) / ini[0] if basis is None else basis * share
    return fill.qty - sold


def lots_at(mode: str, lots: Iterable[Tuple[float, float, Optional[float]]], price: float,
            fee_rate: float, ini: list) -> Tuple[float, float, float]:
    """Closing every lot `(limit price, qty, basis)` at market `price`: (profit, fee, quantity).
    For "base" the quantity is the base bought back with the lots' quote."""
    profit = fee = qty = 0.0
    for limit, q, basis in lots:
        if mode == "base":
            quote = q * limit  # what the lot's buy order holds
            got = quote / (price * (1.0 + fee_rate))
            sold = quote / ini[0] if basis is None else basis
            profit += got - sold
            fee += got * price * fee_rate
            qty += got
            continue
        f = q * price * fee_rate
        fill = Fill("", "", price, q, f, 0)
        profit += lot_profit(mode, basis, q, fill, ini)
        fee += f
        qty += q
    return profit, fee, qty


def expect_exit(state: dict, tag: str, kind: str, price: float, qty: float, fee: float) -> None:
    """Remember a market exit booked at `price`: kind "s" (a sell, quote profit), "b" (a buy,
    quote profit) or "base" (a buy, base profit)."""
    px: Dict[str, list] = state.setdefault("px", {})
    px[tag] = [kind, price, qty, fee]


def settle_exit(state: dict, fill: Fill) -> bool:
    """Correct the booking of a market exit with its fill; False when `fill` is not one."""
    px = state.get("px")
    if not px or fill.tag not in px:
        return False
    kind, price, qty, fee = px.pop(fill.tag)
    if not px:
        state.pop("px", None)
    stats = state["stats"]
    if kind == "s":
        stats["realised"] += (fill.qty * fill.price - fill.fee) - (qty * price - fee)
    elif kind == "b":
        stats["realised"] += (qty * price + fee) - (fill.qty * fill.price + fill.fee)
    else:
        stats["realised"] += fill.qty - qty
    stats["fees"] += (fill.fee - fee) if stats["currency"] == "quote" else (fill.fee - fee) / fill.price
    return True
