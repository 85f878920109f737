"""LOOP bot (spot; compounding): a grid that re-arms from each fill's own price.

At the start, `orders/2` limit buys at `E·(1 − k·g)` and `orders/2` limit sells at
`E·(1 + k·g)`, k = 1…orders/2, each worth `investment / orders` quote (the sells' base bought at
market first). A buy filled at x is answered by a sell of all that base at `x·(1 + g)`; a sell
filled at y by a buy at `y·(1 − g)` that either keeps the base quantity and banks the extra
quote (profit currency "quote") or spends all the proceeds (profit currency "base": the profit
compounds in base).

Parameters (`ctx.params`):
- `entry` E (optional price, default the start close; the start close must lie between
  `E·(1 − g)` and `E·(1 + g)`);
- `gap` g (fraction, at least 0.005 and 2.01 × the maker fee, and `orders/2 · g < 1`);
- `orders` (even int 10–40, default 10);
- `investment` (required, quote);
- `profitCurrency`: "quote" (default) or "base";
- `takeProfit` (optional fraction of the investment): when the realised profit (valued at the
  close for "base") reaches `takeProfit × investment`, every order is cancelled, the position is
  closed at market (base sold for "quote", quote spent on base for "base") and the bot ends.

Example params:
    {"gap": 0.01, "orders": 10, "investment": 1000, "profitCurrency": "quote",
     "takeProfit": 0.2}

Choices where BOTS.md is silent:
- counter-orders are priced from the fill's own price (a gap fill at a better price moves the
  loop with it) and rounded in the bot's favour (sells up, buys down, to the tick);
- profit "quote": a sell realises quantity × (sell − buy) minus both fees; the start's sells
  realise against the start fill; "base": a buy realises the base it got minus the base its sell
  gave, and the start's buys realise against the base their quote was worth at the start;
- the take-profit is on realised profit, checked at the close; its exit is not a round trip.
"""
from __future__ import annotations

from typing import Any, List, Union

from tradekit.bars import Bar
from tradekit.bots import gridcore
from tradekit.bots.accounting import CLOSING, add_fee, lot_profit, opening_basis, realise
from tradekit.bots.fills import Fill
from tradekit.bots.levels import FEE_MARGIN
from tradekit.bots.orders import add, market
from tradekit.bots.params import Params, fmt, require
from tradekit.bots.rules import Rules
from tradekit.bots.runtime import Bot, Ending, Plan, check_order, money


class LoopBot(Bot):
    name = "loop"
    known = ("entry", "gap", "orders", "investment", "profitCurrency", "takeProfit")

    def config(self, p: Params) -> dict:
        orders = p.integer("orders", 10, lo=10, hi=40)
        require(orders % 2 == 0, "orders", f"must be even, got {orders}")
        gap = p.number("gap", lo=0.005)
        require(orders // 2 * gap < 1, "gap", f"{orders // 2} buys {fmt(100 * gap)}% apart would "
                                              "reach a price of 0: lower the gap or the orders")
        return {"entry": p.number("entry", None, above=0), "gap": gap, "orders": orders,
                "investment": p.number("investment", above=0),
                "profitCurrency": p.choice("profitCurrency", "quote", ("quote", "base")),
                "takeProfit": p.number("takeProfit", None, above=0)}

    def profit_currency(self, cfg: dict) -> str:
        return cfg["profitCurrency"]

    def plan(self, cfg: dict, rules: Rules, price: float) -> Plan:
        g = cfg["gap"]
        require(g >= FEE_MARGIN * rules.maker_fee, "gap",
                f"must be at least {FEE_MARGIN} × the maker fee ({fmt(100 * FEE_MARGIN * rules.maker_fee)}%)")
        e = cfg["entry"] if cfg["entry"] is not None else price
        require(e * (1 - g) < price < e * (1 + g), "entry",
                f"the price {fmt(price)} must lie within one gap of the entry {fmt(e)}")
        half = cfg["orders"] // 2
        q = cfg["investment"] / cfg["orders"]
        mode = "long" if cfg["profitCurrency"] == "quote" else "base"
        state = {"o": {}, "n": 0, "q": q, "mode": mode, "ro": False,
                 "ini": [price, price * rules.taker_fee, 0]}
        hint = "; raise the investment or use fewer orders"
        sells = 0.0
        for k in range(1, half + 1):
            p = rules.price(e * (1 - k * g), "down")
            qty = rules.qty(q / p)
            check_order(rules, qty, p, "investment", f"the buy at {fmt(p)}", hint)
            add(state, "b", p, qty)
        for k in range(1, half + 1):
            p = rules.price(e * (1 + k * g), "up")
            qty = rules.qty(q / p)
            check_order(rules, qty, p, "investment", f"the sell at {fmt(p)}", hint)
            add(state, "s", p, qty)
            sells += qty
        qty = rules.qty(sells)
        check_order(rules, qty, price, "investment", "the market buy of the sells' base", hint)
        buys = sum(r[1] * r[2] for r in state["o"].values() if r[0] == "b")
        figures = {"investment": cfg["investment"], "entry": e, "perOrder": money(q),
                   "capital": {"quote": money(qty * price * (1 + rules.taker_fee)
                                              + buys * (1 + rules.maker_fee)), "base": 0.0},
                   "maxPosition": {"quantity": money(qty + sum(r[2] for r in state["o"].values()
                                                               if r[0] == "b"))},
                   "profitPerRoundTripPercent": money(100 * (g - rules.maker_fee * (2 + g)))}
        return Plan(state, [market("BUY", gridcore.INIT, quantity=qty)], figures)

    def on_fill(self, state: dict, fill: Fill, rules: Rules, bar: Bar, ctx: Any) -> List[dict]:
        if gridcore.start_fill(state, fill):
            return []
        rec = state["o"].pop(fill.tag, None)
        if rec is None:
            return []
        mode, g = state["mode"], state["cfg"]["gap"]
        add_fee(state, fill.fee, fill.price)
        side = rec[0][0]
        if side == CLOSING[mode]:
            realise(state, lot_profit(mode, rec[3], rec[2], fill, state["ini"]))
            basis = None
        else:
            basis = opening_basis(mode, fill)
        if side == "b":  # sell all that base one gap up
            add(state, "s", rules.price(fill.price * (1 + g), "up"), fill.qty, basis if mode == "long" else None)
            return []
        p = rules.price(fill.price * (1 - g), "down")
        if mode == "long":  # keep the base quantity, bank the extra quote
            qty = fill.qty
        else:  # spend everything the sell received
            qty = rules.qty((fill.qty * fill.price - fill.fee) / (p * (1 + rules.maker_fee)))
        if qty > 0:
            add(state, "b", p, qty, basis if mode == "base" else None)
        return []

    def on_close(self, state: dict, bar: Bar, rules: Rules, ctx: Any) -> Union[List[dict], Ending]:
        cfg = state["cfg"]
        tp = cfg["takeProfit"]
        if tp is not None:
            realised = state["stats"]["realised"]
            if state["mode"] == "base":
                realised *= bar.close
            if realised >= tp * cfg["investment"]:
                return gridcore.close_all(state, bar, rules, ctx.account, "take-profit")
        return []


BOT = LoopBot()
main = BOT.main
validate = BOT.validate
preview = BOT.preview
