"""Fills since the previous call, merged per order: a bot acts on an order once it is complete.

The paper exchange fills whole orders, one fill each. Live exchanges may fill an order in
parts; the parts of an order that is still open wait in `state["pf"]` (tag -> [qty, quote, fee,
time, keys]) until it leaves the open orders, and are then handed over as one fill at the
average price. A part seen twice (a replayed call) is counted once.
"""
from __future__ import annotations

from typing import Iterable, List, NamedTuple


class Fill(NamedTuple):
    """One completed order: average price, total quantity and fee (quote)."""
    tag: str
    side: str
    price: float
    qty: float
    fee: float
    time: int
    liquidation: bool = False


def completed(fills: Iterable[dict], open_tags: set, state: dict) -> List[Fill]:
    """The orders completed by `fills` (in the order their last part came), holding back parts of
    orders still open."""
    partial = state.get("pf")
    if not fills and not partial:
        return []
    out: List[Fill] = []
    for f in fills:
        tag = f["tag"]
        qty, price, fee = float(f["quantity"]), float(f["price"]), float(f.get("fee") or 0.0)
        time = int(f.get("time") or 0)
        if f.get("liquidation"):
            out.append(Fill(tag, f["side"], price, qty, fee, time, True))
            continue
        if tag not in open_tags and not (partial and tag in partial):
            out.append(Fill(tag, f["side"], price, qty, fee, time))
            continue
        if partial is None:
            partial = state["pf"] = {}
        part = partial.setdefault(tag, [0.0, 0.0, 0.0, 0, [], f["side"]])
        key = f"{time}:{qty!r}:{price!r}"
        if key in part[4]:
            continue  # already counted
        part[0] += qty
        part[1] += qty * price
        part[2] += fee
        part[3] = max(part[3], time)
        part[4].append(key)
        if tag not in open_tags:
            out.append(_merge(tag, partial.pop(tag)))
    if partial:  # orders that left the book after earlier parts (filled or cancelled)
        for tag in [t for t in partial if t not in open_tags]:
            out.append(_merge(tag, partial.pop(tag)))
    if partial is not None and not partial:
        state.pop("pf", None)
    return out


def _merge(tag: str, part: list) -> Fill:
    qty = part[0]
    return Fill(tag, part[5], part[1] / qty if qty else 0.0, qty, part[2], part[3])
