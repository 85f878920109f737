"""Order intents, the bot's book of orders it wants open, and reconciling it with the account.

A bot keeps the orders it wants resting in `state["o"]`: tag -> record
`[code, price, qty, basis, line]`, where code is "b"/"s" (limit buy/sell) or "B"/"S"
(stop-market buy/sell), with a trailing "r" for reduce-only; `basis` is what closing the lot
realises against (None: not a closing order, or an initial lot valued at the start price) and
`line` the grid line or safety-order number. Tags are deterministic: made from the line and a
per-bot sequence number that only a state transition advances.

Every call the bot compares its book with `ctx.account.open_orders` by tag: it cancels what it
no longer wants and places what is missing. A restart (or a replayed call) therefore never places
an order twice, and a filled order, whose record left the book when its fill was processed, is
never placed again.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

Record = list
Book = Dict[str, Record]
CANCEL_ALL: Dict[str, str] = {"action": "CANCEL_ALL"}


def record(code: str, price: float, qty: float, basis: Optional[float] = None,
           line: Optional[int] = None) -> Record:
    return [code, price, qty, basis, line]


def is_buy(code: str) -> bool:
    return code[0] in "bB"


def add(state: dict, code: str, price: float, qty: float, basis: Optional[float] = None,
        line: Optional[int] = None, prefix: str = "") -> str:
    """Put an order in the book under a new tag `<prefix><b|s|B|S><line>.<seq>`; returns the tag."""
    seq = state["n"] = state.get("n", 0) + 1
    tag = f"{prefix}{code[0]}{'' if line is None else line}.{seq}"
    state["o"][tag] = [code, price, qty, basis, line]
    return tag


def intent(tag: str, rec: Record) -> dict:
    """The contract's order intent for a book record."""
    code = rec[0]
    action = "BUY" if code[0] in "bB" else "SELL"
    if code[0] in "bs":
        out = {"action": action, "type": "limit", "price": rec[1], "quantity": rec[2], "tag": tag}
    else:
        out = {"action": action, "type": "stop", "stopPrice": rec[1], "quantity": rec[2], "tag": tag}
    if code[-1] == "r":
        out["reduceOnly"] = True
    return out


def market(action: str, tag: str, *, quantity: Optional[float] = None,
           quote: Optional[float] = None, reduce_only: bool = False) -> dict:
    """A market order intent: `quantity` in base or `quote` in quote (exactly one)."""
    out: Dict[str, Any] = {"action": action, "type": "market", "tag": tag}
    if quantity is not None:
        out["quantity"] = quantity
    else:
        out["quote"] = quote
    if reduce_only:
        out["reduceOnly"] = True
    return out


def cancel(tag: str) -> dict:
    return {"action": "CANCEL", "tag": tag}


def open_tags(open_orders: Iterable[dict]) -> set:
    return {o["tag"] for o in open_orders}


def reconcile(book: Book, open_orders: List[dict], actions: List[dict]) -> List[dict]:
    """Intents that turn the open orders into the book: cancels of open orders the book does not
    hold, then `actions` (market orders), then the book's orders that are not open yet.
    Cancels go first so the funds they reserve are free for what follows."""
    held = set()
    out: List[dict] = []
    for o in open_orders:
        tag = o["tag"]
        held.add(tag)
        if tag not in book:
            out.append({"action": "CANCEL", "tag": tag})
    out.extend(actions)
    if len(held) != len(book) or out:
        for tag, rec in book.items():
            if tag not in held:
                out.append(intent(tag, rec))
    return out
