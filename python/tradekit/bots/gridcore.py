"""The grid engine shared by GRID, BTD and COMBO: orders on fixed price lines, each fill answered
by a counter-order one line over, trailing, and closing every lot at an ending.

State (besides the book "o" and its sequence "n"): "lad" the Ladder spec, "lo"/"hi" the line
indices in use, "q" the quote (notional) of one order, "mode" the lot mode (accounting.py),
"ro" true when closing orders are reduce-only (futures), "ini" the start fill
`[price, fee per unit, seen]`.

Counter-orders, for a fill on line i:
- an opening fill (mode long: a buy; short and base: a sell) is closed one line over, in the
  profitable direction: long sells its quantity at line i+1; short buys its quantity back at
  i-1; base buys at i-1 with everything the sell received;
- a closing fill realises the lot and reopens one line back: long buys `q / p` at i-1; short
  sells `q / p` at i+1; base sells at i+1 just enough base to get back the quote the buy spent
  (the rest of the base is the profit; with no fee that is BOTS.md's `Q / p_i`).
"""
from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence, Tuple

from tradekit.bars import Bar
from tradekit.bots.accounting import (CLOSING, add_fee, expect_exit, lot_profit, lots_at,
                                      opening_basis, realise)
from tradekit.bots.fills import Fill
from tradekit.bots.levels import Ladder, check_steps, nearest
from tradekit.bots.orders import CANCEL_ALL, add, market
from tradekit.bots.params import Params, fmt, require
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Bot, Ending, check_order

INIT = "init"  # tag of the start's market order
RANGE_PARAMS = ("lower", "upper", "levels", "spacing", "investment", "stopLoss", "takeProfit")


class GridLike(Bot):
    """GRID, BTD and COMBO: fills are answered by the engine below."""

    def on_fill(self, state: dict, fill: Fill, rules: Rules, bar: Bar, ctx: Any) -> List[dict]:
        if not start_fill(state, fill):
            on_fill(state, fill, rules)
        return []


def range_config(p: Params) -> dict:
    """The parameters GRID and BTD share: the range, its lines, the investment and the price
    endings."""
    lower = p.number("lower", above=0)
    upper = p.number("upper", above=0)
    require(lower < upper, "upper", f"must be above lower ({fmt(lower)}), got {fmt(upper)}")
    return {"lower": lower, "upper": upper, "levels": p.integer("levels", 10, lo=3, hi=200),
            "spacing": p.choice("spacing", "arithmetic", ("arithmetic", "geometric")),
            "investment": p.number("investment", above=0),
            "stopLoss": p.number("stopLoss", None, above=0),
            "takeProfit": p.number("takeProfit", None, above=0)}


def range_lines(cfg: dict, rules: Rules, price: float) -> Tuple[Ladder, List[float], int]:
    """The ladder of a range, its rounded lines (steps checked) and the line left empty."""
    sl, tp = cfg["stopLoss"], cfg["takeProfit"]
    require(sl is None or sl < price, "stopLoss", f"must be below the price {fmt(price)}")
    require(tp is None or tp > price, "takeProfit", f"must be above the price {fmt(price)}")
    n = cfg["levels"]
    lad = Ladder.grid(cfg["lower"], cfg["upper"], n, cfg["spacing"])
    prices = lad.prices(0, n - 1, rules)
    check_steps(prices, rules.maker_fee, "levels")
    return lad, prices, nearest(prices, price)


def min_investment(prices: Sequence[float], rules: Rules, orders: int) -> float:
    """About the smallest investment (quote) whose every order meets the symbol's minimums."""
    per = max(max(rules.min_notional, rules.min_qty * p) + rules.lot_step * p for p in prices)
    return per * orders


def price_ending(state: dict, bar: Bar, rules: Rules, account: Any, stop: bool,
                 take: bool) -> Optional[Ending]:
    """The ending a stop-loss or take-profit condition calls for, or None."""
    if stop:
        return close_all(state, bar, rules, account, "stop-loss")
    if take:
        return close_all(state, bar, rules, account, "take-profit")
    return None


def draft(ladder: Ladder, lo: int, hi: int, q: float, mode: str, reduce: bool,
          price: float, fee: float) -> dict:
    """A first state; the start fill is estimated at `price` with fee rate `fee` until it comes."""
    return {"lad": ladder.dump(), "lo": lo, "hi": hi, "q": q, "mode": mode, "ro": reduce,
            "ini": [price, price * fee, 0], "o": {}, "n": 0}


def seed(state: dict, empty: int, rules: Rules, field: str, hint: str = "") -> Tuple[float, float]:
    """Buys of `q / p` on the lines below `empty`, sells above; each checked against the
    symbol's minimums (BotConfigError on `field`). Returns (base of the sells, base of the buys)."""
    lad = Ladder.load(state["lad"])
    q, closing = state["q"], CLOSING[state["mode"]]
    sells = buys = 0.0
    for i in range(state["lo"], state["hi"] + 1):
        if i == empty:
            continue
        p = lad.price(i, rules)
        qty = rules.qty(q / p)
        check_order(rules, qty, p, field, f"the order at {p:.10g}", hint)
        code = "b" if i < empty else "s"
        if code == closing and state["ro"]:
            code += "r"
        add(state, code, p, qty, None, i)
        if code[0] == "s":
            sells += qty
        else:
            buys += qty
    return sells, buys


def start_fill(state: dict, fill: Fill) -> bool:
    """Take the start's market fill as the basis of the initial lots (once)."""
    if fill.tag != INIT:
        return False
    ini = state["ini"]
    if not ini[2] and fill.qty > 0:
        state["ini"] = [fill.price, fill.fee / fill.qty, 1]
        add_fee(state, fill.fee, fill.price)
    return True


def on_fill(state: dict, fill: Fill, rules: Rules) -> None:
    """Answer a fill of a book order with its counter-order (a fill already processed, whose
    record left the book, is ignored)."""
    rec = state["o"].pop(fill.tag, None)
    if rec is None:
        return
    mode = state["mode"]
    code, line = rec[0], rec[4]
    add_fee(state, fill.fee, fill.price)
    lad = Ladder.load(state["lad"])
    if code[0] == CLOSING[mode]:
        realise(state, lot_profit(mode, rec[3], rec[2], fill, state["ini"]))
        target = line - 1 if code[0] == "s" else line + 1
        if not state["lo"] <= target <= state["hi"]:
            return
        p = lad.price(target, rules)
        if mode == "base":
            spent = fill.qty * fill.price + fill.fee
            qty = rules.qty(spent / (p * (1.0 - rules.maker_fee)))
        else:
            qty = rules.qty(state["q"] / p)
        _put(state, "b" if code[0] == "s" else "s", p, qty, None, target)
        return
    target = line + 1 if code[0] == "b" else line - 1
    if not state["lo"] <= target <= state["hi"]:
        return
    p = lad.price(target, rules)
    if mode == "base":
        got = fill.qty * fill.price - fill.fee
        qty = rules.qty(got / (p * (1.0 + rules.maker_fee)))
    else:
        qty = fill.qty
    code = "s" if code[0] == "b" else "b"
    _put(state, code + ("r" if state["ro"] else ""), p, qty, opening_basis(mode, fill), target)


def _put(state: dict, code: str, p: float, qty: float, basis: Optional[float], line: int) -> None:
    if qty > 0:
        add(state, code, p, qty, basis, line)


def _lines(state: dict, side: str) -> Iterator[int]:
    return (r[4] for r in state["o"].values() if r[0][0] == side)


def trail_up(state: dict, close: float, rules: Rules, limit: int = 1000) -> int:
    """GRID trailing up: while the close is above the line one step over the top, and every sell
    has filled, drop the lowest line (cancelling its buy) and add a line above, with a buy at the
    old top worth the freed quote. Returns how many steps it moved (at most `limit` a call)."""
    lad = Ladder.load(state["lad"])
    moved = 0
    while moved < limit and close > lad.price(state["hi"] + 1, rules):
        book, lo, hi = state["o"], state["lo"], state["hi"]
        if any(True for _ in _lines(state, "s")) or hi in _lines(state, "b"):
            break
        for tag in [t for t, r in book.items() if r[4] == lo]:
            del book[tag]
        state["lo"], state["hi"] = lo + 1, hi + 1
        p = lad.price(hi, rules)
        _put(state, "b", p, rules.qty(state["q"] / p), None, hi)
        moved += 1
    return moved


def trail_down(state: dict, close: float, floor: float, rules: Rules, limit: int = 1000) -> int:
    """BTD trailing down: while the close is below the line one step under the bottom (and that
    line is not below `floor`), and every buy has filled, drop the highest line (cancelling its
    sell) and add a line below, with a sell at the old bottom of the freed base."""
    lad = Ladder.load(state["lad"])
    moved = 0
    while moved < limit:
        below = lad.price(state["lo"] - 1, rules)
        if close >= below or below < floor:
            break
        book, lo, hi = state["o"], state["lo"], state["hi"]
        if any(True for _ in _lines(state, "b")) or lo in _lines(state, "s"):
            break
        top = [t for t, r in book.items() if r[4] == hi]
        freed = sum(book[t][2] for t in top if book[t][0][0] == "s")
        for tag in top:
            del book[tag]
        state["lo"], state["hi"] = lo - 1, hi - 1
        _put(state, "s", lad.price(lo, rules), rules.qty(freed), None, lo)
        moved += 1
    return moved


def close_all(state: dict, bar: Bar, rules: Rules, account: Any, reason: str) -> Ending:
    """End the bot: cancel everything and close every lot at market (sell the base for a long
    spot grid, buy base with all the quote in base mode, a reduce-only close on futures). The
    exit is booked at the close and corrected when its fill arrives."""
    mode, close, taker = state["mode"], bar.close, rules.taker_fee
    closing = CLOSING[mode]
    lots = [(r[1], r[2], r[3]) for r in state["o"].values() if r[0][0] == closing]
    profit, fee, est_qty = lots_at(mode, lots, close, taker, state["ini"])
    realise(state, profit, trip=False)
    state["stats"]["fees"] += fee if mode != "base" else fee / close
    actions: List[dict] = [CANCEL_ALL]
    if state["ro"]:  # futures: close the position
        pos = getattr(account, "position", None)
        qty = abs(float(pos["qty"])) if pos else est_qty
        if qty > 0:
            side = "SELL" if mode == "long" else "BUY"
            actions.append(market(side, "close", quantity=qty, reduce_only=True))
            expect_exit(state, "close", "s" if side == "SELL" else "b", close, qty, qty * close * taker)
        return Ending(reason, actions)
    balances = getattr(account, "balances", None) or {}
    if mode == "base":
        quote = _total(balances, "quote")
        if quote > 0:
            spend = quote / (1.0 + taker)
            actions.append(market("BUY", "close", quote=spend))
            expect_exit(state, "close", "base", close, spend / close, spend * taker)
        return Ending(reason, actions)
    qty = rules.qty(_total(balances, "base")) if balances else est_qty
    if qty > 0:
        actions.append(market("SELL", "close", quantity=qty))
        expect_exit(state, "close", "s", close, qty, qty * close * taker)
    return Ending(reason, actions)


def _total(balances: dict, asset: str) -> float:
    b = balances.get(asset) or {}
    return float(b.get("free") or 0.0) + float(b.get("reserved") or 0.0)
